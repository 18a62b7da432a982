//! Reading the report's inputs: every one optional, every one read defensively.
//!
//! The JSON inputs come from other kinds (`fastq-qc`, `align`, `eval`, `pgx`, `annotate`) and from
//! the engine (`provenance.json`). They are read as [`serde_json::Value`] and picked apart field by
//! field, so a producer that adds a field, or an older one that lacks one, still gives a report
//! with that item shown as "not available" rather than a failed step. A file that is not JSON at
//! all is an error naming the file.

use std::path::{Path, PathBuf};

use rust_htslib::bcf::{self, Read};
use serde::Serialize;
use serde_json::Value;

use crate::{Result, StepError};

/// Most called variants listed one by one; the counts always cover them all.
pub const MAX_LISTED_VARIANTS: usize = 2000;

/// One input file, read, with its content digest for the provenance section.
#[derive(Debug, Clone)]
pub struct JsonInput {
    pub path: PathBuf,
    pub value: Value,
}

/// Read an optional JSON input.
pub fn read_json(path: Option<&Path>) -> Result<Option<JsonInput>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| StepError::io("read", path, e))?;
    let value = serde_json::from_str(&text).map_err(|e| {
        StepError::input(format!(
            "{}: not valid JSON ({e}); give the file written by the step that makes it",
            path.display()
        ))
    })?;
    Ok(Some(JsonInput {
        path: path.to_path_buf(),
        value,
    }))
}

/// The blake3 digest of a file, hex (the digest the engine records for outputs).
pub fn digest_file(path: &Path) -> Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut file = std::fs::File::open(path).map_err(|e| StepError::io("read", path, e))?;
    std::io::copy(&mut file, &mut hasher).map_err(|e| StepError::io("read", path, e))?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// A called variant from the VCF.
#[derive(Debug, Clone, Serialize)]
pub struct CalledVariant {
    pub chrom: String,
    pub pos: i64,
    #[serde(rename = "ref")]
    pub reference: String,
    pub alt: String,
    pub genotype: String,
    pub zygosity: String,
    pub qual: Option<f64>,
    pub filter: String,
    pub kind: String,
}

/// What the VCF holds: counts over every record, the first [`MAX_LISTED_VARIANTS`] listed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalledSet {
    pub total: u64,
    pub snv: u64,
    pub indel: u64,
    pub other: u64,
    pub passing: u64,
    pub listed: Vec<CalledVariant>,
    /// The `##reference=` header line, when the caller wrote one.
    pub reference_header: Option<String>,
}

/// Read the first sample of a VCF/BCF.
pub fn read_vcf(path: &Path) -> Result<CalledSet> {
    let mut reader = bcf::Reader::from_path(path).map_err(|e| {
        StepError::input(format!(
            "{}: cannot open as VCF/BCF ({e}); give the VCF written by `call`",
            path.display()
        ))
    })?;
    let header = reader.header().clone();
    let mut set = CalledSet {
        reference_header: reference_header(&header),
        ..CalledSet::default()
    };
    let mut record = reader.empty_record();
    let mut n = 0u64;
    while let Some(r) = reader.read(&mut record) {
        n += 1;
        r.map_err(|e| StepError::input(format!("{}: record {n}: {e}", path.display())))?;
        add_record(&mut set, &header, &record, path, n)?;
    }
    Ok(set)
}

fn reference_header(header: &bcf::header::HeaderView) -> Option<String> {
    header.header_records().into_iter().find_map(|r| match r {
        bcf::header::HeaderRecord::Generic { key, value } if key == "reference" => Some(value),
        _ => None,
    })
}

fn add_record(
    set: &mut CalledSet,
    header: &bcf::header::HeaderView,
    record: &bcf::Record,
    path: &Path,
    n: u64,
) -> Result<()> {
    let alleles: Vec<String> = record
        .alleles()
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let Some((reference, alts)) = alleles.split_first() else {
        return Err(StepError::input(format!(
            "{}: record {n} has no REF allele; fix the VCF",
            path.display()
        )));
    };
    let alt = alts.join(",");
    let kind = variant_kind(reference, alts);
    set.total += 1;
    match kind {
        "snv" => set.snv += 1,
        "indel" => set.indel += 1,
        _ => set.other += 1,
    }
    let filter = filters(header, record);
    if filter == "PASS" {
        set.passing += 1;
    }
    if set.listed.len() >= MAX_LISTED_VARIANTS {
        return Ok(());
    }
    let genotype = genotype(record);
    let chrom = record
        .rid()
        .and_then(|rid| header.rid2name(rid).ok())
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .unwrap_or_default();
    let qual = record.qual();
    set.listed.push(CalledVariant {
        chrom,
        pos: record.pos() + 1,
        reference: reference.clone(),
        alt,
        zygosity: zygosity(&genotype).to_string(),
        genotype,
        qual: (!qual.is_nan()).then_some(f64::from(qual)),
        filter,
        kind: kind.to_string(),
    });
    Ok(())
}

fn variant_kind(reference: &str, alts: &[String]) -> &'static str {
    if alts.is_empty() || alts.iter().any(|a| a.starts_with('<') || a == "*") {
        "other"
    } else if reference.len() == 1 && alts.iter().all(|a| a.len() == 1) {
        "snv"
    } else {
        "indel"
    }
}

fn filters(header: &bcf::header::HeaderView, record: &bcf::Record) -> String {
    let names: Vec<String> = record
        .filters()
        .map(|id| String::from_utf8_lossy(&header.id_to_name(id)).into_owned())
        .collect();
    if names.is_empty() {
        "PASS".to_string()
    } else {
        names.join(";")
    }
}

fn genotype(record: &bcf::Record) -> String {
    match record.genotypes() {
        Ok(gts) if record.sample_count() > 0 => gts.get(0).to_string(),
        _ => ".".to_string(),
    }
}

/// "heterozygous", "homozygous", "hemizygous" or "unknown" from a VCF genotype string.
/// The drugs of one knowledge match (`annotate`'s `actionability` entry) as the report names them:
/// the plain names, each followed by "(resistance)" when the match predicts resistance.
pub fn drug_labels(entry: &Value) -> Vec<String> {
    let resistance = entry["response"] == "resistance";
    entry["drugs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|d| !d.is_empty())
        .map(|d| {
            if resistance {
                format!("{d} (resistance)")
            } else {
                d.to_string()
            }
        })
        .collect()
}

pub fn zygosity(genotype: &str) -> &'static str {
    let alleles: Vec<&str> = genotype.split(['/', '|']).collect();
    if alleles.contains(&".") {
        return "unknown";
    }
    match alleles.as_slice() {
        [a] if *a != "0" => "hemizygous",
        [a, b] if a == b && *a != "0" => "homozygous",
        [a, b] if a != b => "heterozygous",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zygosity_from_genotype_strings() {
        assert_eq!(zygosity("0/1"), "heterozygous");
        assert_eq!(zygosity("1|1"), "homozygous");
        assert_eq!(zygosity("1"), "hemizygous");
        assert_eq!(zygosity("./1"), "unknown");
        assert_eq!(zygosity("0/0"), "unknown");
    }

    #[test]
    fn kinds_of_alleles() {
        assert_eq!(variant_kind("A", &["G".into()]), "snv");
        assert_eq!(variant_kind("A", &["AT".into()]), "indel");
        assert_eq!(variant_kind("A", &["<DEL>".into()]), "other");
    }

    #[test]
    fn non_json_input_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qc.json");
        std::fs::write(&p, "not json").unwrap();
        let err = read_json(Some(&p)).unwrap_err();
        assert!(err.message.contains("qc.json"), "{}", err.message);
    }
}
