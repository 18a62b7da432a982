//! The sample's genotypes at definition positions, read from a VCF (plain or gzip/bgzip).
//!
//! Only records at positions some gene definition uses are kept. A position absent from the VCF,
//! or present with a no-call (`./.`), is *missing*: it is reported as not assessed and the matcher
//! works without it (PharmCAT's rule; a pipeline that wants every call must emit hom-ref records).
//! A record whose REF differs from the definition's reference is discarded with a warning; when most
//! records disagree, the VCF is on another genome build and reading stops with an error.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use super::gvcf::RefBlocks;
use crate::error::{Result, StepError};
use record::{
    ad_number, check_ad, genotype, merge_split, normalize_chrom, reframe, GtError, Record,
};

mod record;

/// The sample's alleles at one position, in the allele syntax of the definitions (VCF bases).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// FORMAT/PS: phased genotypes are phased only with others of the same phase set.
    pub phase_set: Option<String>,
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
    for (idx, line) in crate::textio::open(path, "VCF")?.lines().enumerate() {
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
        let mut rec = Record::parse(line, col).map_err(|m| self.input_error(line_no, &m))?;
        self.blocks
            .add(&rec.chrom, rec.pos, rec.end, &rec.alts, &rec.gt);
        let key = format!("{}:{}", rec.chrom, rec.pos);
        let Some(site) = self.sites.get(&key) else {
            return Ok(());
        };
        self.blocks.seen(&key);
        self.checked += 1;
        if !rec.reference.eq_ignore_ascii_case(&site.reference) {
            if let Some(note) = reframe(&mut rec, site) {
                self.out.warn(&key, note);
            }
        }
        if !rec.reference.eq_ignore_ascii_case(&site.reference) {
            self.mismatched += 1;
            let msg = format!(
                "discarded: REF in VCF ({}) does not match the definition's reference ({})",
                rec.reference, site.reference
            );
            self.out.warn(&key, msg);
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
                let merged = match self.out.alleles.get(&key) {
                    None => sa,
                    Some(first) => match merge_split(first, &sa, &site.reference) {
                        Ok(m) => {
                            let msg = format!(
                                "records at this position merged (GT {}: {}/{}), a multi-allelic \
                                 site split over several records",
                                m.gt,
                                m.allele1,
                                m.allele2.as_deref().unwrap_or("-")
                            );
                            self.out.warn(&key, msg);
                            m
                        }
                        Err(msg) => {
                            self.out.warn(&key, msg);
                            return Ok(());
                        }
                    },
                };
                self.out.alleles.insert(key, merged);
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

/// Lengths of GRCh37 chromosomes 1, 10 and 22 (they differ in GRCh38): a contig header with one
/// of them gives the build away even without an assembly name.
const GRCH37_LENGTHS: [&str; 3] = ["length=249250621", "length=135534747", "length=51304566"];

/// Rejects VCFs whose header declares a GRCh37-era reference (by name or by contig length).
fn check_build(path: &Path, meta: &str) -> Result<()> {
    let lower = meta.to_ascii_lowercase();
    let declares = lower.starts_with("reference=") || lower.starts_with("contig=");
    let old = [
        "grch37", "hg19", "b37", "g1k_v37", "hs37d5", "ncbi36", "hg18",
    ];
    let old_length =
        lower.starts_with("contig=") && GRCH37_LENGTHS.iter().any(|l| lower.contains(l));
    if (declares && old.iter().any(|b| lower.contains(b))) || old_length {
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

#[cfg(test)]
#[path = "vcf_tests.rs"]
mod tests;
