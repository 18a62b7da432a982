//! One VCF data line: the fields the PGx reader needs, and its GT turned into sample alleles.

use super::{SampleAllele, SiteOfInterest};

/// The `Number` of a `FORMAT=<ID=AD,...>` header line.
pub(super) fn ad_number(meta: &str) -> Option<String> {
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
pub(super) fn check_ad(rec: &Record) -> Option<(bool, String)> {
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

/// `10` -> `chr10`, `MT`/`chrMT` -> `chrM`: definitions use UCSC-style GRCh38 names.
pub(super) fn normalize_chrom(chrom: &str) -> String {
    // Only bare chromosome names (`1`, `X`, `MT`) gain the `chr` prefix; other contig names (a
    // synthetic or alternative assembly's) are kept as written.
    let bare = chrom.chars().all(|c| c.is_ascii_digit()) || matches!(chrom, "X" | "Y" | "M" | "MT");
    let c = if bare && !chrom.is_empty() {
        format!("chr{chrom}")
    } else {
        chrom.to_string()
    };
    if c == "chrMT" {
        "chrM".to_string()
    } else {
        c
    }
}

#[cfg(test)]
#[test]
fn bare_chromosome_names_gain_the_prefix_others_are_kept() {
    assert_eq!(normalize_chrom("10"), "chr10");
    assert_eq!(normalize_chrom("MT"), "chrM");
    assert_eq!(normalize_chrom("chr10"), "chr10");
    assert_eq!(normalize_chrom("demo_chr10"), "demo_chr10");
}

pub(super) struct Record {
    pub(super) chrom: String,
    pub(super) pos: u64,
    pub(super) reference: String,
    pub(super) alts: Vec<String>,
    pub(super) gt: String,
    /// Allelic depths (FORMAT/AD), if present.
    pub(super) ad: Option<String>,
    /// INFO/END of a gVCF reference block.
    pub(super) end: Option<u64>,
    /// FORMAT/PS, if present.
    pub(super) ps: Option<String>,
}

impl Record {
    pub(super) fn parse(line: &str, col: usize) -> std::result::Result<Self, String> {
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
        let ps = field("PS");
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
            ps,
        })
    }
}

/// Rewrites an indel written with a different padding than the definition's into the
/// definition's frame: a caller's `C>CAT` at UGT1A1's TA repeat is the definition's `CAT>CATAT`
/// (same position, REF a prefix of the other REF; the extra bases are appended to, or stripped
/// from, every allele). Done only when every ALT lands on a documented allele; returns a note.
pub(super) fn reframe(rec: &mut Record, site: &SiteOfInterest) -> Option<String> {
    let (r, d) = (rec.reference.as_str(), site.reference.as_str());
    let alts: Vec<String> = if let Some(extra) = d.strip_prefix(r).filter(|x| !x.is_empty()) {
        rec.alts.iter().map(|a| format!("{a}{extra}")).collect()
    } else if let Some(extra) = r.strip_prefix(d).filter(|x| !x.is_empty()) {
        rec.alts
            .iter()
            .map(|a| {
                a.strip_suffix(extra)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
            })
            .collect::<Option<_>>()?
    } else {
        return None;
    };
    // a record without ALT stays a REF mismatch, as in PharmCAT (its mismatched-REF test case)
    if alts.is_empty() || !alts.iter().all(|a| site.alts.contains(a)) {
        return None;
    }
    let note = format!(
        "REF/ALT {r}/{} read in the definition's representation as {d}/{}",
        rec.alts.join(","),
        alts.join(",")
    );
    rec.reference = d.to_string();
    rec.alts = alts;
    Some(note)
}

/// Two records at one position, as `bcftools norm -m-` splits a multi-allelic site (`1/2` becomes
/// `1/0` with the first ALT and `0/1` with the second): each strand takes the non-reference allele
/// one of them calls. Records that call different non-reference alleles on the same strand cannot
/// be one genotype: the first record stays and the message says so.
pub(super) fn merge_split(
    first: &SampleAllele,
    next: &SampleAllele,
    reference: &str,
) -> std::result::Result<SampleAllele, String> {
    let conflict = || {
        format!(
            "duplicate record (GT {}) disagrees with the first one (GT {}): the first one is used",
            next.gt, first.gt
        )
    };
    let pick = |a: &str, b: &str| -> Option<String> {
        match (a == reference, b == reference) {
            (_, true) => Some(a.to_string()),
            (true, false) => Some(b.to_string()),
            (false, false) if a == b => Some(a.to_string()),
            _ => None,
        }
    };
    if first.allele2.is_some() != next.allele2.is_some() {
        return Err(conflict());
    }
    let allele1 = pick(&first.allele1, &next.allele1).ok_or_else(conflict)?;
    let allele2 = match (&first.allele2, &next.allele2) {
        (Some(a), Some(b)) => Some(pick(a, b).ok_or_else(conflict)?),
        _ => None,
    };
    let mut undocumented = first.undocumented.clone();
    undocumented.extend(next.undocumented.iter().cloned());
    Ok(SampleAllele {
        gt: format!("{} + {}", first.gt, next.gt),
        allele1,
        allele2,
        phased: first.phased && next.phased,
        undocumented,
        ..first.clone()
    })
}

pub(super) enum GtError {
    Malformed(String),
    Unusable(String),
}

/// Turns a record's GT into sample alleles; `Ok(None)` for a no-call.
pub(super) fn genotype(
    rec: &Record,
    site: &SiteOfInterest,
) -> std::result::Result<Option<SampleAllele>, GtError> {
    let gt = rec.gt.as_str();
    if gt.chars().all(|c| matches!(c, '.' | '/' | '|')) {
        return Ok(None);
    }
    let haploid = !gt.contains(['/', '|']);
    let idx = allele_indices(rec)?;
    // `./0` on an autosome says nothing beyond "reference somewhere": PharmCAT treats it as missing
    let single_copy_chrom = matches!(rec.chrom.as_str(), "chrX" | "chrY" | "chrM");
    if !haploid && idx == [0] && !single_copy_chrom {
        return Ok(None);
    }
    let mut undocumented = Vec::new();
    let mut resolve = |i: usize| -> std::result::Result<String, GtError> {
        let a = called_allele(rec, i)?;
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
    let allele1 = resolve(idx[0])?;
    let allele2 = match (haploid, idx.get(1)) {
        (true, _) => None,
        (false, Some(&i)) => Some(resolve(i)?),
        (false, None) => Some(".".to_string()),
    };
    Ok(Some(SampleAllele {
        chromosome: rec.chrom.clone(),
        position: rec.pos,
        allele1,
        allele2,
        phased: !gt.contains('/'),
        gt: gt.to_string(),
        undocumented,
        phase_set: rec.ps.clone().filter(|ps| ps != "."),
    }))
}

/// The called allele indices of a GT (missing `.` skipped), checked against the ALT count.
fn allele_indices(rec: &Record) -> std::result::Result<Vec<usize>, GtError> {
    let gt = rec.gt.as_str();
    let mut idx = Vec::new();
    for p in gt.split(['/', '|']).filter(|p| *p != ".") {
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
    Ok(idx)
}

/// Allele `i` of the record; symbolic, `*` or ambiguous alleles cannot be matched.
fn called_allele(rec: &Record, i: usize) -> std::result::Result<String, GtError> {
    let a = if i == 0 {
        rec.reference.clone()
    } else {
        rec.alts[i - 1].clone()
    };
    if a.is_empty() || !a.chars().all(|c| "ACGT".contains(c)) {
        return Err(GtError::Unusable(format!(
            "called allele `{a}` is not a sequence of A/C/G/T"
        )));
    }
    Ok(a)
}
