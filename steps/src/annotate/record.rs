//! One VCF record's annotation for the JSON report: transcript effects, source hits, knowledge
//! matches and the tiers (see [`super::knowledge`] for the tier rules).

use indexmap::IndexMap;

use super::consequence::TxEffect;
use super::csq;
use super::knowledge::{Entry, Knowledge, Query, ACMG_SF};
pub use super::sources::Hit;
use super::terms::Term;

#[derive(Debug, serde::Serialize)]
pub struct Effect {
    pub transcript: String,
    pub gene: String,
    pub gene_id: String,
    pub biotype: String,
    pub consequences: Vec<&'static str>,
    pub impact: &'static str,
    pub exon: Option<String>,
    pub intron: Option<String>,
    pub hgvsc: Option<String>,
    pub hgvsp: Option<String>,
    pub canonical: bool,
    pub mane_select: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct Germline {
    pub clinvar: Option<String>,
    pub review_stars: Option<u8>,
    pub acmg_secondary_finding_gene: bool,
    pub classification: &'static str,
}

#[derive(Debug, serde::Serialize)]
pub struct AlleleReport {
    pub chrom: String,
    pub pos: u64,
    pub id: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub alt: String,
    pub genotype: Option<String>,
    pub most_severe: Option<Effect>,
    pub effects: Vec<Effect>,
    pub sources: IndexMap<String, Hit>,
    pub actionability: Vec<Entry>,
    pub amp_tier: Option<&'static str>,
    pub germline: Germline,
}

pub fn effect(fx: &TxEffect<'_>) -> Effect {
    let t = fx.transcript;
    Effect {
        transcript: t.id.clone(),
        gene: t.gene_name.clone(),
        gene_id: t.gene_id.clone(),
        biotype: t.biotype.clone(),
        consequences: fx.terms.iter().map(|t| t.so()).collect(),
        impact: fx.most_severe().impact(),
        exon: fx.exon.map(|(a, b)| format!("{a}/{b}")),
        intron: fx.intron.map(|(a, b)| format!("{a}/{b}")),
        hgvsc: fx.hgvsc.clone(),
        hgvsp: fx.coding.as_ref().and_then(|c| c.hgvsp.clone()),
        canonical: t.canonical,
        mane_select: t.mane,
    }
}

/// Knowledge matches over every transcript effect (deduplicated).
pub fn actionability(k: &Knowledge, effects: &[TxEffect<'_>], genomic: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for fx in effects {
        let c = fx.coding.as_ref();
        let q = Query {
            gene: &fx.transcript.gene_name,
            hgvsp: c.and_then(|c| c.hgvsp.as_deref()),
            protein_pos: c.map(|c| c.protein_pos.0),
            terms: &fx.terms,
            exon: fx.exon.map(|e| e.0),
            genomic: genomic.to_string(),
        };
        for e in k.matches(&q) {
            if !out.contains(e) {
                out.push(e.clone());
            }
        }
    }
    if effects.is_empty() {
        let q = Query {
            gene: "",
            hgvsp: None,
            protein_pos: None,
            terms: &[],
            exon: None,
            genomic: genomic.to_string(),
        };
        out.extend(
            k.entries
                .iter()
                .filter(|e| e.variant == format!("g.{}", q.genomic))
                .cloned(),
        );
    }
    out
}

/// ClinVar review status -> stars (ClinVar's own mapping).
pub fn stars(revstat: &str) -> u8 {
    let r = revstat.replace('_', " ");
    if r.contains("practice guideline") {
        4
    } else if r.contains("reviewed by expert panel") {
        3
    } else if r.contains("multiple submitters") && r.contains("no conflicts") {
        2
    } else if r.contains("single submitter") || r.contains("conflicting") {
        1
    } else {
        0
    }
}

pub fn germline(sources: &IndexMap<String, Hit>, gene: Option<&str>) -> Germline {
    let clinvar = sources.values().find_map(|h| h.get("CLNSIG")).cloned();
    let review_stars = sources
        .values()
        .find_map(|h| h.get("CLNREVSTAT"))
        .map(|r| stars(r));
    let sig = clinvar.as_deref().unwrap_or("").to_ascii_lowercase();
    let classification = if sig.contains("conflicting") {
        "conflicting"
    } else if sig.starts_with("pathogenic/likely") {
        "pathogenic/likely_pathogenic"
    } else if sig.starts_with("pathogenic") {
        "pathogenic"
    } else if sig.starts_with("likely_pathogenic") {
        "likely_pathogenic"
    } else if sig.contains("benign") {
        "benign/likely_benign"
    } else if sig.contains("uncertain") {
        "uncertain_significance"
    } else {
        "not_in_clinvar"
    };
    Germline {
        clinvar,
        review_stars,
        acmg_secondary_finding_gene: gene.is_some_and(|g| ACMG_SF.contains(&g)),
        classification,
    }
}

/// The AMP/ASCO/CAP 2017 tier.
pub fn amp_tier(
    matches: &[Entry],
    most: Option<Term>,
    max_af: Option<f64>,
    germ: &Germline,
) -> Option<&'static str> {
    let somatic = || matches.iter().filter(|e| e.context == "somatic");
    if somatic().any(|e| e.evidence == "A" || e.evidence == "B") {
        return Some("I");
    }
    if somatic().any(|e| e.evidence == "C" || e.evidence == "D") {
        return Some("II");
    }
    if max_af.is_some_and(|af| af >= 0.01) || germ.classification == "benign/likely_benign" {
        return Some("IV");
    }
    match most {
        Some(t) if t <= Term::SpliceRegion => Some("III"),
        _ => None,
    }
}

/// Highest population AF over the sources.
pub fn max_af(sources: &IndexMap<String, Hit>) -> Option<f64> {
    sources
        .values()
        .filter_map(|h| h.get("AF")?.parse::<f64>().ok())
        .reduce(f64::max)
}

/// CSQ value for one ALT.
pub fn csq_entries(alt: &str, effects: &[TxEffect<'_>]) -> Vec<String> {
    if effects.is_empty() {
        return vec![csq::intergenic(alt)];
    }
    effects.iter().map(|fx| csq::entry(alt, fx)).collect()
}
