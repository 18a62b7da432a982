//! The JSON result written per sample (schema `cairn.pgx/1`, documented in the `pgx` module docs).

use serde::Serialize;

use super::guideline::{Recommendation, Unavailable};

pub const SCHEMA: &str = "cairn.pgx/1";

#[derive(Debug, Clone, Serialize)]
pub struct PgxResult {
    pub schema: &'static str,
    pub sample: String,
    pub vcf: String,
    pub genes: Vec<GeneResult>,
    pub not_called: Vec<NotCalled>,
    pub recommendations: Vec<Recommendation>,
    /// Guidelines not applied because a gene they need was not called.
    pub recommendations_unavailable: Vec<Unavailable>,
    pub warnings: Vec<String>,
}

/// Where a gene's call came from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CallSource {
    Matcher,
    Outside,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct GeneResult {
    pub gene: String,
    pub call_source: CallSource,
    pub called: bool,
    pub definition_version: Option<String>,
    pub phased: Option<bool>,
    pub diplotypes: Vec<DiplotypeResult>,
    pub ambiguous: bool,
    pub haplotypes: Vec<String>,
    pub phenotypes: Vec<String>,
    pub activity_scores: Vec<String>,
    pub lookup_keys: Vec<String>,
    pub not_called_reason: Option<String>,
    /// Set when an uncalled gene still gets a phenotype from one key variant (SLCO1B1 rs4149056).
    pub inferred_from: Option<String>,
    pub positions_assessed: usize,
    pub positions_not_assessed: Vec<Position>,
    /// Positions absent from the VCF read as hom-ref because of `--missing-to-ref`.
    pub positions_assumed_reference: Vec<Position>,
    pub undocumented_variants: Vec<Position>,
    pub extra_positions: Vec<Position>,
    pub warnings: Vec<String>,
}

impl GeneResult {
    pub fn empty(gene: &str, source: CallSource) -> Self {
        Self {
            gene: gene.to_string(),
            call_source: source,
            called: false,
            definition_version: None,
            phased: None,
            diplotypes: Vec::new(),
            ambiguous: false,
            haplotypes: Vec::new(),
            phenotypes: Vec::new(),
            activity_scores: Vec::new(),
            lookup_keys: Vec::new(),
            not_called_reason: None,
            inferred_from: None,
            positions_assessed: 0,
            positions_not_assessed: Vec::new(),
            positions_assumed_reference: Vec::new(),
            undocumented_variants: Vec::new(),
            extra_positions: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiplotypeResult {
    pub name: String,
    pub allele1: AlleleResult,
    pub allele2: Option<AlleleResult>,
    pub score: Option<usize>,
    pub phenotype: Option<String>,
    pub activity_score: Option<String>,
    pub lookup_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlleleResult {
    pub name: String,
    pub function: Option<String>,
    pub activity_value: Option<String>,
}

/// A definition position, with the sample's genotype where one was read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Position {
    pub position: String,
    pub rsid: Option<String>,
    pub genotype: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotCalled {
    pub gene: String,
    pub reason: String,
}
