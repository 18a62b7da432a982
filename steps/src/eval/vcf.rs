//! Reading a truth or query VCF (plain, bgzipped or BCF, through htslib) into normalised alleles.
//!
//! Which records count, and why (hap.py's defaults):
//! - FILTER must be `PASS` or `.`: a filtered query call is a call the caller itself rejected, and a
//!   filtered truth record (Platinum's `Silver`, say) is not part of the benchmark.
//! - Genotypes without an ALT allele (`0/0`, `./.`, `0/.`) are not variants of this sample.
//! - Each ALT allele present in the genotype becomes one [`Variant`] (a `1/2` site gives two), so
//!   multi-allelic records and their split twins compare equal.
//! - Symbolic alleles (`<DEL>`, `*`, breakends) cannot be compared base by base and are skipped.
//! - A sites-only VCF (no sample column) counts every ALT, with an unknown genotype.

use std::path::Path;

use indexmap::IndexMap;
use rust_htslib::bcf::{self, record::GenotypeAllele, Read};

use super::reference::Reference;
use super::variant::{is_sequence_allele, normalise, Variant, Zygosity};
use crate::{Result, StepError};

/// A VCF's alleles, per contig in file order, each contig's alleles sorted by position.
pub type Calls = IndexMap<String, Vec<Variant>>;

/// What was read and what was left out, for the report.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ReadStats {
    pub records: u64,
    pub filtered: u64,
    pub non_variant_genotype: u64,
    pub symbolic_alleles: u64,
    pub ref_mismatch: u64,
    pub alleles: u64,
}

/// An open VCF with the column of the sample to compare.
pub struct VcfInput<'a> {
    pub path: &'a Path,
    pub sample: Option<&'a str>,
}

pub fn open(path: &Path) -> Result<bcf::Reader> {
    if !path.exists() {
        return Err(StepError::input(format!(
            "VCF {} does not exist",
            path.display()
        )));
    }
    bcf::Reader::from_path(path).map_err(|e| {
        StepError::input(format!(
            "cannot read VCF {}: {e}; is it a VCF, VCF.gz or BCF?",
            path.display()
        ))
    })
}

/// The sample column to read: the named one, or the first. `None` for a sites-only VCF.
fn sample_index(reader: &bcf::Reader, input: &VcfInput<'_>) -> Result<Option<usize>> {
    let header = reader.header();
    if header.sample_count() > 0 && header.name_to_id(b"GT").is_err() {
        return Err(StepError::input(format!(
            "{}: the sample columns carry no GT field, so there are no genotypes to compare; \
             for tumour/normal calls use --somatic",
            input.path.display()
        )));
    }
    match input.sample {
        Some(name) => header.sample_id(name.as_bytes()).map(Some).ok_or_else(|| {
            let known: Vec<String> = header
                .samples()
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect();
            StepError::input(format!(
                "{}: no sample `{name}`; samples in the file: {}",
                input.path.display(),
                known.join(", ")
            ))
        }),
        None => Ok((header.sample_count() > 0).then_some(0)),
    }
}

/// Whether a record's FILTER is `PASS` or `.` (htslib stores `.` as no filter at all).
pub fn passes(record: &bcf::Record) -> bool {
    record
        .filters()
        .all(|id| record.header().id_to_name(id) == b"PASS")
}

/// Read the genotyped alleles of one sample, normalised (left-aligned when `reference` is given).
pub fn read_calls(
    input: &VcfInput<'_>,
    mut reference: Option<&mut Reference>,
) -> Result<(Calls, ReadStats)> {
    let mut reader = open(input.path)?;
    let sample = sample_index(&reader, input)?;
    let mut calls = Calls::new();
    let mut stats = ReadStats::default();
    let mut record = reader.empty_record();
    while let Some(res) = reader.read(&mut record) {
        stats.records += 1;
        res.map_err(|e| bad_record(input.path, stats.records, e))?;
        if !passes(&record) {
            stats.filtered += 1;
            continue;
        }
        let alleles = genotype_alleles(&record, sample)
            .map_err(|e| bad_record(input.path, stats.records, e))?;
        if alleles.is_empty() {
            stats.non_variant_genotype += 1;
            continue;
        }
        let contig = contig_name(&record, input.path, stats.records)?;
        let seq = match reference.as_deref_mut() {
            Some(r) => r.contig(&contig)?,
            None => None,
        };
        let all = record.alleles();
        let rec_ref = all[0];
        if seq.is_some_and(|s| !reference_agrees(s, record.pos() as u64, rec_ref)) {
            stats.ref_mismatch += 1;
        }
        let out = calls.entry(contig).or_default();
        for (index, zygosity) in alleles {
            let Some(alt) = all.get(index) else {
                return Err(bad_record(
                    input.path,
                    stats.records,
                    format!("genotype allele {index} has no ALT"),
                ));
            };
            if !is_sequence_allele(alt) || !is_sequence_allele(rec_ref) {
                stats.symbolic_alleles += 1;
                continue;
            }
            for (pos, r, a) in normalise(record.pos() as u64, rec_ref, alt, seq) {
                stats.alleles += 1;
                out.push(Variant {
                    pos,
                    ref_allele: r,
                    alt: a,
                    zygosity,
                    record: stats.records,
                });
            }
        }
    }
    for v in calls.values_mut() {
        v.sort_by(|a, b| a.key().cmp(&b.key()));
        merge_duplicates(v);
    }
    Ok((calls, stats))
}

/// One allele written twice is one allele with two copies: two ALTs of a `1/2` record that
/// decompose to the same SNV (`ACG>TCG,TCA`), a `1/2` split into `1/0` and `0/1` records that share
/// it, or two het deletions in one repeat that left-align to the same allele. Keep one, homozygous.
fn merge_duplicates(sorted: &mut Vec<Variant>) {
    sorted.dedup_by(|later, kept| {
        let same = later.key() == kept.key();
        if same && kept.zygosity != Zygosity::Unknown && later.zygosity != Zygosity::Unknown {
            kept.zygosity = Zygosity::Hom;
        }
        same
    });
}

fn reference_agrees(seq: &[u8], pos: u64, r: &[u8]) -> bool {
    let p = pos as usize;
    seq.get(p..p + r.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(r))
}

pub fn contig_name(record: &bcf::Record, path: &Path, n: u64) -> Result<String> {
    let rid = record
        .rid()
        .ok_or_else(|| bad_record(path, n, "no contig"))?;
    let name = record
        .header()
        .rid2name(rid)
        .map_err(|e| bad_record(path, n, e))?;
    Ok(String::from_utf8_lossy(name).into_owned())
}

pub fn bad_record(path: &Path, n: u64, e: impl std::fmt::Display) -> StepError {
    StepError::input(format!(
        "{}: data record {n}: {e}; fix or remove the record",
        path.display()
    ))
}

/// The ALT allele indices in the sample's genotype with their zygosity; every ALT for a sites-only VCF.
fn genotype_alleles(
    record: &bcf::Record,
    sample: Option<usize>,
) -> Result<Vec<(usize, Zygosity)>, String> {
    let Some(sample) = sample else {
        return Ok((1..record.allele_count() as usize)
            .map(|i| (i, Zygosity::Unknown))
            .collect());
    };
    let gts = record.genotypes().map_err(|e| format!("no GT: {e}"))?;
    let gt = gts.get(sample);
    let called: Vec<Option<usize>> = gt
        .iter()
        .filter_map(|a| match a {
            GenotypeAllele::Unphased(i) | GenotypeAllele::Phased(i) if *i >= 0 => {
                Some(Some(*i as usize))
            }
            GenotypeAllele::UnphasedMissing | GenotypeAllele::PhasedMissing => Some(None),
            // vector-end padding of a shorter ploidy
            _ => None,
        })
        .collect();
    Ok(zygosities(&called))
}

/// `called` holds one entry per haplotype: an allele index, or `None` when missing.
fn zygosities(called: &[Option<usize>]) -> Vec<(usize, Zygosity)> {
    let mut alts: Vec<usize> = called
        .iter()
        .flatten()
        .copied()
        .filter(|&i| i > 0)
        .collect();
    alts.sort_unstable();
    alts.dedup();
    alts.iter()
        .map(|&a| {
            let copies = called.iter().filter(|&&c| c == Some(a)).count();
            let z = if copies == called.len() {
                Zygosity::Hom
            } else {
                Zygosity::Het
            };
            (a, z)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allele_written_twice_becomes_homozygous() {
        let v = |pos, a: &str, zygosity| Variant {
            pos,
            ref_allele: b"A".to_vec(),
            alt: a.into(),
            zygosity,
            record: 1,
        };
        use Zygosity::*;
        let mut out = vec![
            v(1, "C", Het),
            v(5, "T", Het),
            v(5, "T", Het),
            v(7, "G", Het),
            v(8, "C", Unknown),
            v(8, "C", Unknown),
        ];
        merge_duplicates(&mut out);
        let z: Vec<(u64, Zygosity)> = out.iter().map(|v| (v.pos, v.zygosity)).collect();
        assert_eq!(z, [(1, Het), (5, Hom), (7, Het), (8, Unknown)]);
    }

    #[test]
    fn genotype_alleles_get_their_zygosity() {
        use Zygosity::*;
        assert_eq!(zygosities(&[Some(0), Some(1)]), vec![(1, Het)]);
        assert_eq!(zygosities(&[Some(1), Some(1)]), vec![(1, Hom)]);
        assert_eq!(zygosities(&[Some(2), Some(1)]), vec![(1, Het), (2, Het)]);
        assert_eq!(zygosities(&[None, Some(1)]), vec![(1, Het)]);
        assert_eq!(zygosities(&[Some(1)]), vec![(1, Hom)]);
        assert!(zygosities(&[Some(0), Some(0)]).is_empty());
        assert!(zygosities(&[None, None]).is_empty());
    }
}
