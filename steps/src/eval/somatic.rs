//! Somatic comparison with the semantics of Illumina's som.py (hap.py v0.3.x), so its published
//! counts can be reproduced.
//!
//! som.py reads no genotypes: a somatic VCF's sample columns are tumour and normal, not haplotypes.
//! What it does, and what this does the same way:
//! - both files keep only records whose FILTER is `PASS` or `.` (som.py's default; `-P` would keep
//!   filtered query records: the published example used it, but its query files are all PASS);
//! - contig names are compared as written (som.py adds a missing `chr` prefix to both files; here a
//!   warning says when the files share no contig name);
//! - `--regions` keeps records whose REF span overlaps the BED (som.py passes it to `bcftools view -R`);
//! - no normalisation (som.py's default; `-N` would run `bcftools norm`);
//! - a query record matches a truth record with the same contig, POS, REF and ALT alleles
//!   (`bcftools isec`'s default exact comparison), one to one;
//! - an unmatched query record is an FP when its REF span overlaps the FP-regions BED and "unknown"
//!   (UNK) otherwise, which is som.py's `-f BED --count-unk` (the published example's options);
//!   without an FP-regions BED every unmatched query record is an FP, som.py's default. som.py's
//!   ambiguous-region BEDs (`-a`) are not supported;
//! - records are counted per type the way `bcftools stats` counts them: a record is an SNV, indel,
//!   MNP or other if any of its ALT alleles is, by htslib's classification (`CA>C` is an indel,
//!   `AC>GT` an MNP, `ACG>AT` "other"), and once in `records`.

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use rust_htslib::bcf::Read;
use serde_json::{Map, Value};

use super::regions::Regions;
use super::report::SomaticCounts;
use super::vcf::{bad_record, contig_name, open, passes};
use crate::Result;

/// htslib's allele types, as bits so a record can carry several.
pub const SNV: u8 = 1;
pub const MNP: u8 = 2;
pub const INDEL: u8 = 4;
pub const OTHER: u8 = 8;

/// The type names in som.py's output order, with their bits (0 = every record).
pub const TYPES: [(&str, &str, u8); 5] = [
    ("SNVs", "snv", SNV),
    ("indels", "indel", INDEL),
    ("MNPs", "mnp", MNP),
    ("others", "other", OTHER),
    ("records", "records", 0),
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SiteKey {
    contig: String,
    pos: u64,
    ref_allele: Vec<u8>,
    alts: Vec<Vec<u8>>,
}

struct Site {
    key: SiteKey,
    types: u8,
}

/// htslib's `bcf_set_variant_type` for one REF/ALT pair: trim the shared prefix, then the shared
/// suffix, and look at what is left.
pub fn allele_type(ref_allele: &[u8], alt: &[u8]) -> u8 {
    let r = ref_allele.to_ascii_uppercase();
    let a = alt.to_ascii_uppercase();
    if a.first() == Some(&b'<') || a == b"*" || a == b"." || a.is_empty() {
        return OTHER;
    }
    let p = r.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let (r, a) = (&r[p..], &a[p..]);
    match (r.is_empty(), a.is_empty()) {
        (true, true) => return 0,
        (true, false) | (false, true) => return INDEL,
        _ => {}
    }
    let (mut re, mut ae) = (r.len() - 1, a.len() - 1);
    while re > 0 && ae > 0 && r[re] == a[ae] {
        re -= 1;
        ae -= 1;
    }
    match (re, ae) {
        (0, 0) => SNV,
        (_, 0) | (0, _) if r[re] == a[ae] => INDEL,
        (_, 0) | (0, _) => OTHER,
        _ if re == ae => MNP,
        _ => OTHER,
    }
}

/// Read the records som.py would keep: PASS/`.`, overlapping `regions` when given.
fn read_sites(path: &Path, regions: Option<&Regions>) -> Result<Vec<Site>> {
    let mut reader = open(path)?;
    let mut record = reader.empty_record();
    let mut out = Vec::new();
    let mut n = 0;
    while let Some(res) = reader.read(&mut record) {
        n += 1;
        res.map_err(|e| bad_record(path, n, e))?;
        if !passes(&record) {
            continue;
        }
        let contig = contig_name(&record, path, n)?;
        let alleles = record.alleles();
        let pos = record.pos() as u64;
        if regions.is_some_and(|r| !r.overlaps(&contig, pos, pos + alleles[0].len() as u64)) {
            continue;
        }
        let ref_allele = alleles[0].to_ascii_uppercase();
        let mut alts: Vec<Vec<u8>> = alleles[1..]
            .iter()
            .map(|a| a.to_ascii_uppercase())
            .collect();
        let types = alts.iter().fold(0, |t, a| t | allele_type(&ref_allele, a));
        alts.sort();
        out.push(Site {
            key: SiteKey {
                contig,
                pos,
                ref_allele,
                alts,
            },
            types,
        });
    }
    Ok(out)
}

/// The som.py comparison; returns the per-type counts keyed by som.py's type names, and a warning
/// when the two files share no contig name.
pub fn compare(
    truth: &Path,
    query: &Path,
    regions: Option<&Regions>,
    fp_regions: Option<&Regions>,
) -> Result<(IndexMap<&'static str, SomaticCounts>, Option<String>)> {
    let truth = read_sites(truth, regions)?;
    let query = read_sites(query, regions)?;
    let warning = super::disjoint_contigs(&contigs(&truth), &contigs(&query));
    let mut available: HashMap<&SiteKey, u32> = HashMap::new();
    for s in &query {
        *available.entry(&s.key).or_default() += 1;
    }
    let mut counts: IndexMap<&'static str, SomaticCounts> = TYPES
        .iter()
        .map(|t| (t.0, SomaticCounts::default()))
        .collect();
    let mut truth_hits: HashMap<&SiteKey, u32> = HashMap::new();
    for s in &truth {
        let hit = available.get_mut(&s.key).is_some_and(|n| {
            let free = *n > 0;
            *n = n.saturating_sub(1);
            free
        });
        if hit {
            *truth_hits.entry(&s.key).or_default() += 1;
        }
        for c in types_of(&mut counts, s.types) {
            c.total_truth += 1;
            if hit {
                c.tp += 1
            } else {
                c.fn_ += 1
            }
        }
    }
    for s in &query {
        let hit = truth_hits.get_mut(&s.key).is_some_and(|n| {
            let free = *n > 0;
            *n = n.saturating_sub(1);
            free
        });
        let k = &s.key;
        let in_fp = fp_regions
            .is_none_or(|r| r.overlaps(&k.contig, k.pos, k.pos + k.ref_allele.len() as u64));
        for c in types_of(&mut counts, s.types) {
            c.total_query += 1;
            match (hit, in_fp) {
                (true, _) => {}
                (false, true) => c.fp += 1,
                (false, false) => c.unk += 1,
            }
        }
    }
    Ok((counts, warning))
}

fn contigs(sites: &[Site]) -> Vec<&str> {
    let mut names: Vec<&str> = sites.iter().map(|s| s.key.contig.as_str()).collect();
    names.dedup();
    names
}

fn types_of<'a>(
    counts: &'a mut IndexMap<&'static str, SomaticCounts>,
    types: u8,
) -> impl Iterator<Item = &'a mut SomaticCounts> {
    counts
        .iter_mut()
        .zip(TYPES)
        .filter(move |(_, t)| t.2 == 0 || types & t.2 != 0)
        .map(|((_, c), _)| c)
}

/// The report's per-type objects (`snv`, `indel`, `mnp`, `other`, `records`); a type with no truth and
/// no query records is left out, as som.py does.
pub fn to_json(
    counts: &IndexMap<&'static str, SomaticCounts>,
    fp_region_size: Option<u64>,
) -> Map<String, Value> {
    let mut m = Map::new();
    for (name, key, _) in TYPES {
        let c = &counts[name];
        if c.total_truth > 0 || c.total_query > 0 || key == "snv" || key == "indel" {
            m.insert(key.to_string(), c.to_json(fp_region_size));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vcf(dir: &Path, name: &str, records: &[&str]) -> std::path::PathBuf {
        let path = dir.join(name);
        let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=c1,length=1000>\n");
        text.push_str("##FILTER=<ID=LowQ,Description=\"low\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
        for r in records {
            text.push_str(&format!("c1\t{}\t.\t.\n", r.replace(' ', "\t")));
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    fn bed(dir: &Path, text: &str) -> Regions {
        let path = dir.join("r.bed");
        std::fs::write(&path, text).unwrap();
        Regions::from_path(&path).unwrap()
    }

    #[test]
    fn counts_like_sompy() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // POS ID REF ALT QUAL FILTER
        let truth = vcf(
            d,
            "t.vcf",
            &[
                "100 . A G . PASS",
                "200 . CA C . PASS",
                "300 . T A . LowQ",
                "400 . G T . .",
            ],
        );
        let query = vcf(
            d,
            "q.vcf",
            &[
                "100 . A G . PASS",  // TP
                "200 . CAA CA . .", // the same deletion spelled otherwise: no normalisation, FP/UNK
                "400 . G C . PASS", // other ALT: FN + FP/UNK
                "500 . C T . LowQ", // filtered: not read
                "600 . ACG ATT . .", // an MNP
            ],
        );
        let (c, _) = compare(&truth, &query, None, None).unwrap();
        let snv = &c["SNVs"];
        assert_eq!(
            (snv.total_truth, snv.tp, snv.fn_, snv.fp, snv.unk),
            (2, 1, 1, 1, 0)
        );
        assert_eq!((c["indels"].tp, c["indels"].fn_, c["indels"].fp), (0, 1, 1));
        assert_eq!(c["MNPs"].total_query, 1);
        assert_eq!((c["records"].total_truth, c["records"].total_query), (3, 4));
        // With FP regions, unmatched calls outside them are unknown.
        let fp = bed(d, "c1\t150\t250\n");
        let (c, _) = compare(&truth, &query, None, Some(&fp)).unwrap();
        assert_eq!(
            (c["indels"].fp, c["SNVs"].fp, c["SNVs"].unk, c["MNPs"].unk),
            (1, 0, 1, 1)
        );
        // Regions keep records whose REF span overlaps them: the deletions start at 199 (0-based).
        let regions = bed(d, "c1\t200\t450\n");
        let (c, _) = compare(&truth, &query, Some(&regions), None).unwrap();
        assert_eq!((c["records"].total_truth, c["records"].total_query), (2, 2));
    }

    #[test]
    fn classifies_alleles_like_htslib() {
        assert_eq!(allele_type(b"A", b"G"), SNV);
        assert_eq!(allele_type(b"AC", b"AT"), SNV);
        assert_eq!(allele_type(b"CA", b"C"), INDEL);
        assert_eq!(allele_type(b"C", b"CTT"), INDEL);
        assert_eq!(allele_type(b"AC", b"GT"), MNP);
        assert_eq!(allele_type(b"ACG", b"AT"), OTHER);
        assert_eq!(allele_type(b"ACGT", b"ATT"), OTHER);
        assert_eq!(allele_type(b"CAGT", b"CT"), INDEL);
        assert_eq!(allele_type(b"A", b"<DEL>"), OTHER);
        assert_eq!(allele_type(b"A", b"A"), 0);
    }
}
