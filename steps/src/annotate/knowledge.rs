//! The actionability knowledge base and the clinical tiers.
//!
//! # Format (`cairn-knowledge` version 1)
//! A TSV file (`*.tsv` in `--knowledge DIR`; several files are concatenated). The first line is
//! `#cairn-knowledge<TAB>version=1[<TAB>release=...]`; other `#` lines are comments; then a header
//! `gene variant condition drugs evidence context source [response]` and one row per assertion:
//! - `variant`: `p.Val600Glu` (or one-letter `p.V600E`) exact protein change; `codon:<N>` any
//!   protein-altering change at codon N; `g.<contig>:<pos><REF>><ALT>` a genomic allele;
//!   `class:truncating` (stop gained, frameshift, splice donor/acceptor, start lost);
//!   `class:<SO term>[@exon<N>]` a consequence, optionally in one exon (`class:inframe_deletion@exon19`);
//! - `evidence`: AMP/ASCO/CAP 2017 level A, B, C or D; `context`: `somatic` or `germline`;
//! - `source`: the citation (label, guideline, paper). Rows without one are rejected;
//! - `response` (optional eighth column): `sensitivity` (the default: the drugs are indicated) or
//!   `resistance` (the variant predicts that the drugs will not work, as RAS mutations for
//!   anti-EGFR antibodies in colorectal cancer). Kept apart from the drug names so that a drug is
//!   always a drug, in the report and in the FHIR bundle.
//!
//! The starter set (`knowledge/actionability.tsv`) is compiled into the binary and used when no
//! `--knowledge` is given.
//!
//! # Tiers
//! Somatic (AMP/ASCO/CAP 2017): Tier I = a level A/B match, Tier II = a level C/D match, Tier IV =
//! common (population AF >= 1%) or ClinVar benign, Tier III = everything else protein-altering or
//! splice-affecting (unknown significance); other variants are not tiered. Germline: ClinVar
//! pathogenic / likely pathogenic with review stars from CLNREVSTAT, plus a flag for genes on the
//! ACMG secondary-findings list v3.2 (Miller et al. 2023, Genet Med 25:100866).

use std::path::Path;

use super::seq::one_letter;
use super::terms::Term;
use crate::{Result, StepError};

pub const BUNDLED: &str = include_str!("../../../knowledge/actionability.tsv");

/// ACMG SF v3.2 genes.
pub const ACMG_SF: &[&str] = &[
    "ACTA2", "ACTC1", "ACVRL1", "APC", "APOB", "ATP7B", "BAG3", "BMPR1A", "BRCA1", "BRCA2", "BTD",
    "CACNA1S", "CALM1", "CALM2", "CALM3", "CASQ2", "COL3A1", "DES", "DSC2", "DSG2", "DSP", "ENG",
    "FBN1", "FLNC", "GAA", "GLA", "HFE", "HNF1A", "KCNH2", "KCNQ1", "LDLR", "LMNA", "MAX", "MEN1",
    "MLH1", "MSH2", "MSH6", "MUTYH", "MYBPC3", "MYH11", "MYH7", "MYL2", "MYL3", "NF2", "OTC",
    "PALB2", "PCSK9", "PKP2", "PMS2", "PRKAG2", "PTEN", "RB1", "RBM20", "RET", "RPE65", "RYR1",
    "RYR2", "SCN5A", "SDHAF2", "SDHB", "SDHC", "SDHD", "SMAD3", "SMAD4", "STK11", "TGFBR1",
    "TGFBR2", "TMEM127", "TMEM43", "TNNC1", "TNNI3", "TNNT2", "TP53", "TPM1", "TRDN", "TSC1",
    "TSC2", "TTN", "TTR", "VHL", "WT1",
];

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    pub gene: String,
    pub variant: String,
    pub condition: String,
    pub drugs: Vec<String>,
    pub evidence: String,
    pub context: String,
    pub source: String,
    /// `sensitivity` or `resistance`.
    pub response: String,
}

#[derive(Debug, Default)]
pub struct Knowledge {
    pub version: String,
    pub entries: Vec<Entry>,
}

/// What a variant is, as far as matching goes.
pub struct Query<'a> {
    pub gene: &'a str,
    pub hgvsp: Option<&'a str>,
    pub protein_pos: Option<usize>,
    pub terms: &'a [Term],
    pub exon: Option<usize>,
    /// `contig:pos REF>ALT`, 1-based, as in the VCF.
    pub genomic: String,
}

impl Knowledge {
    pub fn load(dir: Option<&Path>) -> Result<Knowledge> {
        let Some(dir) = dir else {
            return parse(BUNDLED, "bundled knowledge");
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| StepError::io("read knowledge directory", dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(StepError::input(format!(
                "knowledge directory {} holds no *.tsv file",
                dir.display()
            )));
        }
        let mut all = Knowledge::default();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| StepError::io("read", &f, e))?;
            let name = f.file_name().unwrap_or_default().to_string_lossy();
            let k = parse(&text, &name)?;
            all.version = if all.version.is_empty() {
                k.version
            } else {
                format!("{};{}", all.version, k.version)
            };
            all.entries.extend(k.entries);
        }
        Ok(all)
    }

    pub fn matches(&self, q: &Query<'_>) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.gene == q.gene && variant_matches(&e.variant, q))
            .collect()
    }
}

pub fn parse(text: &str, name: &str) -> Result<Knowledge> {
    let mut lines = text.lines().enumerate();
    let first = lines.next().map(|(_, l)| l).unwrap_or_default();
    let version = first
        .strip_prefix("#cairn-knowledge\t")
        .and_then(|rest| rest.split('\t').find_map(|kv| kv.strip_prefix("version=")))
        .ok_or_else(|| {
            StepError::input(format!(
                "{name}: the first line must be `#cairn-knowledge<TAB>version=1`"
            ))
        })?;
    if version != "1" {
        return Err(StepError::input(format!(
            "{name}: knowledge format version {version} is not supported (1 is)"
        )));
    }
    let release = first
        .split('\t')
        .find_map(|kv| kv.strip_prefix("release="))
        .unwrap_or("");
    let mut entries = Vec::new();
    for (i, line) in lines {
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("gene\t") {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if !(7..=8).contains(&f.len()) || f[6].trim().is_empty() {
            return Err(StepError::input(format!(
                "{name} line {}: expected 7 or 8 tab-separated columns (gene variant condition drugs \
                 evidence context source [response]), the source citation included",
                i + 1
            )));
        }
        let response = f.get(7).map_or("sensitivity", |r| r.trim());
        if !matches!(response, "sensitivity" | "resistance") {
            return Err(StepError::input(format!(
                "{name} line {}: response must be sensitivity or resistance, not {response:?}",
                i + 1
            )));
        }
        if !matches!(f[4], "A" | "B" | "C" | "D") || !matches!(f[5], "somatic" | "germline") {
            return Err(StepError::input(format!(
                "{name} line {}: evidence must be A-D and context somatic or germline",
                i + 1
            )));
        }
        entries.push(Entry {
            gene: f[0].into(),
            variant: f[1].into(),
            condition: f[2].into(),
            drugs: f[3].split(';').map(String::from).collect(),
            evidence: f[4].into(),
            context: f[5].into(),
            source: f[6].into(),
            response: response.into(),
        });
    }
    Ok(Knowledge {
        version: format!("{name}: version 1 {release}").trim().to_string(),
        entries,
    })
}

/// `p.V600E` -> `p.Val600Glu`; three-letter forms pass through.
pub fn three_letter_hgvsp(p: &str) -> String {
    let Some(body) = p.strip_prefix("p.") else {
        return p.to_string();
    };
    let b = body.as_bytes();
    let digits = b.iter().position(|c| c.is_ascii_digit()).unwrap_or(0);
    if digits == 1 && b.len() > digits {
        let end = b.iter().rposition(|c| c.is_ascii_digit()).unwrap_or(0) + 1;
        let spell = |c: u8| {
            if c == b'*' {
                "Ter"
            } else {
                super::seq::three_letter(c)
            }
        };
        if one_letter(&body[..1]).is_none() && end < b.len() && b.len() - end == 1 {
            return format!("p.{}{}{}", spell(b[0]), &body[1..end], spell(b[end]));
        }
    }
    p.to_string()
}

fn variant_matches(v: &str, q: &Query<'_>) -> bool {
    if let Some(n) = v.strip_prefix("codon:") {
        let protein_altering = q.terms.iter().any(|t| {
            matches!(
                t,
                Term::Missense
                    | Term::InframeDeletion
                    | Term::InframeInsertion
                    | Term::StopGained
                    | Term::Frameshift
            )
        });
        return protein_altering && n.parse::<usize>().ok() == q.protein_pos;
    }
    if let Some(g) = v.strip_prefix("g.") {
        return g == q.genomic;
    }
    if let Some(class) = v.strip_prefix("class:") {
        let (class, exon) = match class.split_once("@exon") {
            Some((c, e)) => (c, e.parse::<usize>().ok()),
            None => (class, None),
        };
        let term_ok = if class == "truncating" {
            q.terms.iter().any(|t| t.is_truncating())
        } else {
            Term::from_so(class)
                .or(Term::from_so(&format!("{class}_variant")))
                .is_some_and(|t| q.terms.contains(&t))
        };
        return term_ok && (exon.is_none() || exon == q.exon);
    }
    q.hgvsp.is_some_and(|p| p == three_letter_hgvsp(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(
        gene: &'a str,
        hgvsp: Option<&'a str>,
        terms: &'a [Term],
        exon: Option<usize>,
    ) -> Query<'a> {
        Query {
            gene,
            hgvsp,
            protein_pos: Some(600),
            terms,
            exon,
            genomic: "chr7:140753336A>T".into(),
        }
    }

    #[test]
    fn bundled_set_parses_and_matches() {
        let k = Knowledge::load(None).unwrap();
        assert!(k.entries.len() > 20);
        let m = k.matches(&query(
            "BRAF",
            Some("p.Val600Glu"),
            &[Term::Missense],
            Some(15),
        ));
        assert!(m
            .iter()
            .any(|e| e.condition == "Melanoma" && e.evidence == "A"));
        assert!(k
            .matches(&query("BRAF", Some("p.Val600Ala"), &[Term::Missense], None))
            .is_empty());
        let del19 = k.matches(&query(
            "EGFR",
            Some("p.Glu746_Ala750del"),
            &[Term::InframeDeletion],
            Some(19),
        ));
        assert!(!del19.is_empty());
        assert!(k
            .matches(&query(
                "EGFR",
                Some("p.Glu746_Ala750del"),
                &[Term::InframeDeletion],
                Some(18)
            ))
            .is_empty());
        assert!(!k
            .matches(&query(
                "BRCA2",
                Some("p.Lys3326Ter"),
                &[Term::StopGained],
                None
            ))
            .is_empty());
    }

    #[test]
    fn format_errors_are_reported() {
        assert!(parse("gene\tvariant\n", "x").is_err());
        let bad = "#cairn-knowledge\tversion=1\nBRAF\tp.V600E\tMelanoma\tx\tA\tsomatic\t\n";
        assert!(parse(bad, "x").unwrap_err().message.contains("citation"));
        assert_eq!(three_letter_hgvsp("p.V600E"), "p.Val600Glu");
        assert_eq!(three_letter_hgvsp("p.Val600Glu"), "p.Val600Glu");
        let bad = "#cairn-knowledge\tversion=1\nKRAS\tcodon:12\tCRC\tcetuximab\tA\tsomatic\tlabel\tmaybe\n";
        assert!(parse(bad, "x")
            .unwrap_err()
            .message
            .contains("sensitivity or resistance"));
    }

    #[test]
    fn resistance_is_a_response_not_part_of_a_drug_name() {
        let k = Knowledge::load(None).unwrap();
        let m = k.matches(&Query {
            protein_pos: Some(12),
            ..query("KRAS", Some("p.Gly12Cys"), &[Term::Missense], None)
        });
        let crc = m
            .iter()
            .find(|e| e.condition == "Colorectal cancer")
            .unwrap();
        assert_eq!(crc.response, "resistance");
        assert_eq!(crc.drugs, ["cetuximab", "panitumumab"]);
        let lung = m.iter().find(|e| e.condition.contains("lung")).unwrap();
        assert_eq!(lung.response, "sensitivity");
        assert!(k
            .entries
            .iter()
            .all(|e| e.drugs.iter().all(|d| !d.contains("resist"))));
    }
}
