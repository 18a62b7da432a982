//! The per-variant annotation: every transcript effect, the most severe one, and the `CSQ` text.
//!
//! `CSQ` follows VEP's layout: one `|`-separated entry per ALT allele x transcript, entries joined
//! by `,`, fields in [`CSQ_FIELDS`] order; consequence terms joined by `&`, most severe first.
//! Characters VCF forbids in INFO values (`,;=| ` and tabs) are written as `%2C`-style escapes.

use super::consequence::{effect, TxEffect, FLANK};
use super::hgvs::Allele;
use super::model::{Model, Transcript};
use super::terms::Term;

pub const CSQ_FIELDS: &str = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|\
EXON|INTRON|HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|DISTANCE|\
STRAND|CANONICAL|MANE_SELECT";

/// The effects of one allele on every transcript within [`FLANK`], in model order; empty means
/// intergenic.
pub fn annotate<'a>(model: &'a Model, contig: &str, seq: &[u8], a: &Allele) -> Vec<TxEffect<'a>> {
    model
        .near(contig, a.start, a.end.max(a.start + 1), FLANK)
        .into_iter()
        .map(|t| effect(t, a, seq))
        .collect()
}

/// Preference between transcripts at equal severity: MANE Select, canonical, protein coding,
/// longer coding sequence, then id.
fn preference(t: &Transcript) -> (bool, bool, bool, std::cmp::Reverse<usize>, &str) {
    let cds = t.cds_range.map_or(0, |(a, b)| b - a);
    (
        !t.mane,
        !t.canonical,
        t.biotype != "protein_coding",
        std::cmp::Reverse(cds),
        &t.id,
    )
}

/// The index of the most severe effect (see [`super::terms`] for the ranking).
pub fn most_severe(effects: &[TxEffect<'_>]) -> Option<usize> {
    (0..effects.len()).min_by(|&i, &j| {
        let (a, b) = (&effects[i], &effects[j]);
        (a.most_severe(), preference(a.transcript))
            .cmp(&(b.most_severe(), preference(b.transcript)))
    })
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ',' => out.push_str("%2C"),
            ';' => out.push_str("%3B"),
            '=' => out.push_str("%3D"),
            '|' => out.push_str("%7C"),
            ' ' => out.push_str("%20"),
            '\t' => out.push_str("%09"),
            _ => out.push(c),
        }
    }
    out
}

fn range(r: Option<(usize, usize)>) -> String {
    match r {
        Some((a, b)) if a == b => a.to_string(),
        Some((a, b)) => format!("{a}-{b}"),
        None => String::new(),
    }
}

/// One CSQ entry.
pub fn entry(alt: &str, fx: &TxEffect<'_>) -> String {
    let t = fx.transcript;
    let terms: Vec<&str> = fx.terms.iter().map(|t| t.so()).collect();
    let c = fx.coding.as_ref();
    let frac = |x: Option<(usize, usize)>| x.map(|(a, b)| format!("{a}/{b}")).unwrap_or_default();
    let fields = [
        alt.to_string(),
        terms.join("&"),
        fx.most_severe().impact().to_string(),
        t.gene_name.clone(),
        t.gene_id.clone(),
        "Transcript".to_string(),
        t.id.clone(),
        t.biotype.clone(),
        frac(fx.exon),
        frac(fx.intron),
        fx.hgvsc
            .as_ref()
            .map(|h| format!("{}:{h}", t.id))
            .unwrap_or_default(),
        c.and_then(|c| c.hgvsp.clone()).unwrap_or_default(),
        range(fx.cdna_pos),
        range(c.map(|c| c.cds_pos)),
        range(c.map(|c| c.protein_pos)),
        c.map(|c| c.amino_acids.clone()).unwrap_or_default(),
        c.map(|c| c.codons.clone()).unwrap_or_default(),
        fx.distance.map(|d| d.to_string()).unwrap_or_default(),
        t.strand.sign().to_string(),
        if t.canonical { "YES" } else { "" }.to_string(),
        if t.mane { "YES" } else { "" }.to_string(),
    ];
    fields
        .iter()
        .map(|f| escape(f))
        .collect::<Vec<_>>()
        .join("|")
}

/// The entry of an allele with no transcript nearby.
pub fn intergenic(alt: &str) -> String {
    let mut f = vec![String::new(); CSQ_FIELDS.split('|').count()];
    f[0] = alt.to_string();
    f[1] = Term::Intergenic.so().to_string();
    f[2] = Term::Intergenic.impact().to_string();
    f.join("|")
}
