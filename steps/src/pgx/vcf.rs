//! The sample's genotypes at definition positions, read from a VCF (plain or gzip/bgzip).
//!
//! Only records at positions some gene definition uses are kept. A position absent from the VCF,
//! or present with a no-call (`./.`), is *missing*: it is reported as not assessed and the matcher
//! works without it (PharmCAT's rule; a pipeline that wants every call must emit hom-ref records).
//! A record whose REF differs from the definition's reference is discarded with a warning; when most
//! records disagree, the VCF is on another genome build and reading stops with an error.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::gvcf::RefBlocks;
use crate::error::{Result, StepError};

/// The sample's alleles at one position, in the allele syntax of the definitions (VCF bases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleAllele {
    pub chromosome: String,
    pub position: u64,
    /// First allele as used for matching (undocumented ALTs may have been replaced by REF).
    pub allele1: String,
    /// Second allele; `None` for a haploid call.
    pub allele2: Option<String>,
    pub phased: bool,
    /// The genotype as written in the VCF (`0|1`).
    pub gt: String,
    /// ALT alleles called here that no named allele defines.
    pub undocumented: Vec<String>,
}

impl SampleAllele {
    pub fn is_homozygous(&self) -> bool {
        self.allele2.as_ref().is_none_or(|a2| a2 == &self.allele1)
    }
}

/// What the VCF reader needs to know about one definition position.
#[derive(Debug, Clone)]
pub struct SiteOfInterest {
    pub reference: String,
    pub alts: Vec<String>,
    /// Undocumented ALTs at this site are read as the reference (PharmCAT does this for genes
    /// where a "not called" would hide a toxicity warning: CACNA1S, DPYD, G6PD, NUDT15, RYR1, TPMT).
    pub undocumented_as_reference: bool,
}

/// Everything read from the VCF for one sample.
#[derive(Debug, Default)]
pub struct SampleGenotypes {
    pub sample: String,
    /// `chr:pos` -> alleles.
    pub alleles: BTreeMap<String, SampleAllele>,
    /// `chr:pos` (or `VCF`) -> warnings, in reading order.
    pub warnings: BTreeMap<String, Vec<String>>,
    /// `chr:pos` of positions absent from the VCF that were assumed hom-ref.
    pub assumed_reference: std::collections::BTreeSet<String>,
}

impl SampleGenotypes {
    fn warn(&mut self, key: &str, msg: String) {
        self.warnings.entry(key.to_string()).or_default().push(msg);
    }
}

/// Opens a VCF, transparently decompressing gzip/bgzip.
fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut file = std::fs::File::open(path).map_err(|e| StepError::io("open VCF", path, e))?;
    let mut magic = [0u8; 2];
    let n = file
        .read(&mut magic)
        .map_err(|e| StepError::io("read VCF", path, e))?;
    let file = std::fs::File::open(path).map_err(|e| StepError::io("open VCF", path, e))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(
            file,
        ))))
    } else {
        Ok(Box::new(BufReader::new(file)))
    }
}

/// Reads the genotypes of one sample at the given sites (keyed `chr:pos`).
pub fn read(
    path: &Path,
    sample: Option<&str>,
    sites: &HashMap<String, SiteOfInterest>,
) -> Result<SampleGenotypes> {
    read_with(path, sample, sites, false)
}

/// [`read`]; with `missing_to_ref`, definition positions absent from the VCF are taken as hom-ref
/// (for variant-only VCFs whose caller is known to have covered every PGx position; listed in
/// [`SampleGenotypes::assumed_reference`]).
pub fn read_with(
    path: &Path,
    sample: Option<&str>,
    sites: &HashMap<String, SiteOfInterest>,
    missing_to_ref: bool,
) -> Result<SampleGenotypes> {
    let mut st = ReadState {
        path,
        sites,
        out: SampleGenotypes::default(),
        column: None,
        checked: 0,
        mismatched: 0,
        use_ad: true,
        blocks: RefBlocks::new(sites.keys()),
    };
    for (idx, line) in open(path)?.lines().enumerate() {
        let line = line.map_err(|e| StepError::io("read VCF", path, e))?;
        if let Some(meta) = line.strip_prefix("##") {
            st.meta(meta)?;
        } else if line.starts_with("#CHROM") {
            st.header(&line, sample)?;
        } else if !line.trim().is_empty() {
            st.record(&line, idx + 1)?;
        }
    }
    st.finish(missing_to_ref)
}

/// What [`read`] carries from line to line.
struct ReadState<'a> {
    path: &'a Path,
    sites: &'a HashMap<String, SiteOfInterest>,
    out: SampleGenotypes,
    column: Option<usize>,
    checked: usize,
    mismatched: usize,
    use_ad: bool,
    blocks: RefBlocks,
}

impl ReadState<'_> {
    fn input_error(&self, line_no: usize, msg: &str) -> StepError {
        StepError::input(format!("{}: line {line_no}: {msg}", self.path.display()))
    }

    fn meta(&mut self, meta: &str) -> Result<()> {
        check_build(self.path, meta)?;
        if let Some(number) = ad_number(meta) {
            self.use_ad = number == "R";
            if number != "R" && number != "." {
                let msg = format!("FORMAT/AD has Number={number}, expected R: AD is ignored");
                self.out.warn("VCF", msg);
            }
        }
        Ok(())
    }

    fn header(&mut self, line: &str, sample: Option<&str>) -> Result<()> {
        let (col, name) = choose_sample(self.path, line, sample)?;
        let count = line.split('\t').count().saturating_sub(9);
        if sample.is_none() && count > 1 {
            let msg = format!(
                "the VCF has {count} samples; using the first ({name}); choose one with --sample"
            );
            self.out.warn("VCF", msg);
        }
        self.column = Some(col);
        self.out.sample = name;
        Ok(())
    }

    fn record(&mut self, line: &str, line_no: usize) -> Result<()> {
        let Some(col) = self.column else {
            return Err(self.input_error(
                line_no,
                "data before the #CHROM header line; is this a VCF?",
            ));
        };
        if !self.may_matter(line) {
            return Ok(());
        }
        let rec = Record::parse(line, col).map_err(|m| self.input_error(line_no, &m))?;
        self.blocks
            .add(&rec.chrom, rec.pos, rec.end, &rec.alts, &rec.gt);
        let key = format!("{}:{}", rec.chrom, rec.pos);
        let Some(site) = self.sites.get(&key) else {
            return Ok(());
        };
        self.blocks.seen(&key);
        self.checked += 1;
        if !rec.reference.eq_ignore_ascii_case(&site.reference) {
            self.mismatched += 1;
            let msg = format!(
                "discarded: REF in VCF ({}) does not match the definition's reference ({})",
                rec.reference, site.reference
            );
            self.out.warn(&key, msg);
            return Ok(());
        }
        if self.out.alleles.contains_key(&key) {
            self.out
                .warn(&key, "duplicate record: the first one is used".into());
            return Ok(());
        }
        if let Some((discard, msg)) = self.use_ad.then(|| check_ad(&rec)).flatten() {
            self.out.warn(&key, msg);
            if discard {
                return Ok(());
            }
        }
        match genotype(&rec, site) {
            Ok(Some(sa)) => {
                if !sa.undocumented.is_empty() {
                    self.out.warn(&key, undocumented_note(&sa, site));
                }
                self.out.alleles.insert(key, sa);
            }
            Ok(None) => self
                .out
                .warn(&key, format!("no call ({}): position not assessed", rec.gt)),
            Err(GtError::Malformed(m)) => {
                return Err(self.input_error(line_no, &format!("{m}; fix the genotype (GT) field")))
            }
            Err(GtError::Unusable(m)) => self.out.warn(&key, format!("discarded: {m}")),
        }
        Ok(())
    }

    /// Cheap pre-filter: only records at a definition position, or gVCF blocks, are parsed.
    fn may_matter(&self, line: &str) -> bool {
        let mut f = line.splitn(3, '\t');
        let (Some(chrom), Some(pos)) = (f.next(), f.next()) else {
            return true;
        };
        self.sites
            .contains_key(&format!("{}:{pos}", normalize_chrom(chrom)))
            || line.contains("END=")
    }

    fn finish(mut self, missing_to_ref: bool) -> Result<SampleGenotypes> {
        if self.column.is_none() {
            let msg = format!(
                "{}: no #CHROM header line; is this a VCF?",
                self.path.display()
            );
            return Err(StepError::input(msg));
        }
        if self.checked >= 5 && self.mismatched * 2 > self.checked {
            return Err(StepError::input(format!(
                "{}: REF differs from the GRCh38 definitions at {} of {} definition positions; the VCF \
                 looks like another genome build: lift it over to GRCh38 first",
                self.path.display(),
                self.mismatched,
                self.checked
            )));
        }
        let filled = self.blocks.fill(self.sites, &mut self.out.alleles);
        if filled > 0 {
            let msg = format!(
                "{filled} definition positions read as reference from gVCF reference blocks"
            );
            self.out.warn("VCF", msg);
        }
        if missing_to_ref {
            self.out.assumed_reference = self.blocks.fill_absent(self.sites, &mut self.out.alleles);
            let n = self.out.assumed_reference.len();
            let msg = format!(
                "{n} definition positions absent from the VCF assumed hom-ref (--missing-to-ref)"
            );
            self.out.warn("VCF", msg);
        }
        Ok(self.out)
    }
}

fn undocumented_note(sa: &SampleAllele, site: &SiteOfInterest) -> String {
    let mut msg = format!(
        "ALT {} is not in the allele definitions (expected {})",
        sa.undocumented.join("/"),
        site.alts.join("/")
    );
    if site.undocumented_as_reference {
        msg.push_str("; read as the reference allele");
    }
    msg
}

/// The `Number` of a `FORMAT=<ID=AD,...>` header line.
fn ad_number(meta: &str) -> Option<String> {
    let body = meta.strip_prefix("FORMAT=<")?;
    if !body.split(',').any(|kv| kv == "ID=AD") {
        return None;
    }
    body.split(',')
        .find_map(|kv| kv.strip_prefix("Number="))
        .map(str::to_string)
}

/// A heterozygous GT whose AD shows reads for one allele only (reference-overlap style VCFs) is not
/// trusted: the position is discarded (`true`), as PharmCAT does. An unreadable AD is only noted.
fn check_ad(rec: &Record) -> Option<(bool, String)> {
    let ad = rec.ad.as_deref().filter(|a| *a != ".")?;
    let depths: Vec<&str> = ad.split(',').filter(|d| *d != ".").collect();
    let Ok(depths) = depths
        .iter()
        .map(|d| d.parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
    else {
        return Some((
            false,
            format!("invalid allelic depth (AD) `{ad}`: AD ignored"),
        ));
    };
    let mut called: Vec<&str> = rec.gt.split(['/', '|']).filter(|a| *a != ".").collect();
    called.sort_unstable();
    called.dedup();
    let one_sided = called.len() > 1 && depths.iter().filter(|d| **d > 0).count() == 1;
    one_sided.then(|| {
        (
            true,
            format!(
                "discarded: GT {} is heterozygous but AD ({ad}) shows one allele only",
                rec.gt
            ),
        )
    })
}

/// Rejects VCFs that declare a GRCh37-era reference in their header.
fn check_build(path: &Path, meta: &str) -> Result<()> {
    let lower = meta.to_ascii_lowercase();
    let declares = lower.starts_with("reference=") || lower.starts_with("contig=");
    let old = ["grch37", "hg19", "b37", "hs37d5", "ncbi36", "hg18"];
    if declares && old.iter().any(|b| lower.contains(b)) {
        return Err(StepError::input(format!(
            "{}: header declares an older genome build (`##{meta}`); allele definitions are on GRCh38: \
             lift the VCF over to GRCh38 first",
            path.display()
        )));
    }
    Ok(())
}

fn choose_sample(path: &Path, header: &str, wanted: Option<&str>) -> Result<(usize, String)> {
    let names: Vec<&str> = header.split('\t').skip(9).collect();
    if names.is_empty() {
        return Err(StepError::input(format!(
            "{}: the VCF has no sample columns; pgx needs a sample genotype (GT) column",
            path.display()
        )));
    }
    match wanted {
        Some(w) => match names.iter().position(|n| *n == w) {
            Some(i) => Ok((9 + i, w.to_string())),
            None => Err(StepError::input(format!(
                "{}: sample `{w}` is not in the VCF; samples: {}",
                path.display(),
                names.join(", ")
            ))),
        },
        None => Ok((9, names[0].to_string())),
    }
}

/// `10` -> `chr10`, `MT`/`chrMT` -> `chrM`: definitions use UCSC-style GRCh38 names.
fn normalize_chrom(chrom: &str) -> String {
    let c = if chrom.starts_with("chr") {
        chrom.to_string()
    } else {
        format!("chr{chrom}")
    };
    if c == "chrMT" {
        "chrM".to_string()
    } else {
        c
    }
}

struct Record {
    chrom: String,
    pos: u64,
    reference: String,
    alts: Vec<String>,
    gt: String,
    /// Allelic depths (FORMAT/AD), if present.
    ad: Option<String>,
    /// INFO/END of a gVCF reference block.
    end: Option<u64>,
}

impl Record {
    fn parse(line: &str, col: usize) -> std::result::Result<Self, String> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() <= col {
            return Err(format!(
                "expected at least {} tab-separated columns, found {}",
                col + 1,
                f.len()
            ));
        }
        let pos = f[1]
            .parse()
            .map_err(|_| format!("POS `{}` is not a number", f[1]))?;
        let chrom = normalize_chrom(f[0]);
        let alts = match f[4] {
            "." | "" => Vec::new(),
            a => a.split(',').map(|s| s.to_ascii_uppercase()).collect(),
        };
        let keys: Vec<&str> = f[8].split(':').collect();
        let values: Vec<&str> = f[col].split(':').collect();
        let field = |k: &str| {
            keys.iter()
                .position(|x| *x == k)
                .and_then(|i| values.get(i))
                .map(|v| v.to_string())
        };
        let gt = field("GT").unwrap_or_else(|| ".".to_string());
        let ad = field("AD");
        let end = f[7]
            .split(';')
            .find_map(|kv| kv.strip_prefix("END="))
            .and_then(|v| v.parse().ok());
        Ok(Self {
            chrom,
            pos,
            reference: f[3].to_ascii_uppercase(),
            alts,
            gt,
            ad,
            end,
        })
    }
}

enum GtError {
    Malformed(String),
    Unusable(String),
}

/// Turns a record's GT into sample alleles; `Ok(None)` for a no-call.
fn genotype(
    rec: &Record,
    site: &SiteOfInterest,
) -> std::result::Result<Option<SampleAllele>, GtError> {
    let gt = rec.gt.as_str();
    if gt.chars().all(|c| matches!(c, '.' | '/' | '|')) {
        return Ok(None);
    }
    let parts: Vec<&str> = gt.split(['/', '|']).collect();
    let mut idx = Vec::new();
    for p in &parts {
        if *p == "." {
            continue;
        }
        let i: usize = p
            .parse()
            .map_err(|_| GtError::Malformed(format!("genotype `{gt}` is not valid")))?;
        if i > rec.alts.len() {
            return Err(GtError::Malformed(format!(
                "genotype `{gt}` refers to allele {i} but the record has {} ALT allele(s)",
                rec.alts.len()
            )));
        }
        idx.push(i);
    }
    let haploid = parts.len() == 1;
    if !haploid
        && idx.len() == 1
        && idx[0] == 0
        && !matches!(rec.chrom.as_str(), "chrX" | "chrY" | "chrM")
    {
        return Ok(None);
    }
    let allele = |i: usize| -> std::result::Result<String, GtError> {
        let a = if i == 0 {
            rec.reference.clone()
        } else {
            rec.alts[i - 1].clone()
        };
        if a.starts_with('<')
            || a.contains('*')
            || a.contains('N')
            || !a.chars().all(|c| "ACGT".contains(c))
        {
            return Err(GtError::Unusable(format!(
                "called allele `{a}` is not a sequence of A/C/G/T"
            )));
        }
        Ok(a)
    };
    let mut undocumented = Vec::new();
    let mut resolve = |i: usize| -> std::result::Result<String, GtError> {
        let a = allele(i)?;
        if i > 0 && !site.alts.contains(&a) {
            if !undocumented.contains(&a) {
                undocumented.push(a.clone());
            }
            if site.undocumented_as_reference {
                return Ok(rec.reference.clone());
            }
        }
        Ok(a)
    };
    let a1 = resolve(idx[0])?;
    let a2 = if haploid {
        None
    } else if idx.len() > 1 {
        Some(resolve(idx[1])?)
    } else {
        Some(".".to_string())
    };
    Ok(Some(SampleAllele {
        chromosome: rec.chrom.clone(),
        position: rec.pos,
        allele1: a1,
        allele2: a2,
        phased: !gt.contains('/'),
        gt: gt.to_string(),
        undocumented,
    }))
}

#[cfg(test)]
#[path = "vcf_tests.rs"]
mod tests;
