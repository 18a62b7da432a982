//! `annotate`: calls -> consequences, HGVS, database lookups and actionability tiers.

pub mod coding;
pub mod consequence;
pub mod gff;
pub mod hgvs;
pub mod model;
pub mod seq;
pub mod terms;

#[cfg(test)]
mod consequence_tests;
