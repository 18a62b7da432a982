//! Output: the VCF line with `CSQ` and source fields, its JSON twin, and the header lines.
//!
//! INFO keys added: `CSQ` (see [`super::csq::CSQ_FIELDS`]), `<SOURCE>_ID` and `<SOURCE>_<FIELD>`
//! per source (Number=A: one value per ALT, `.` when that ALT has no match), and the flag
//! `CAIRN_REF_MISMATCH` on records whose REF disagrees with the reference (not annotated).

use indexmap::IndexMap;

use super::consequence::TxEffect;
use super::csq::{escape, CSQ_FIELDS};
use super::hgvs::Allele;
use super::record::{self, AlleleReport};
use super::run::{lookups, pick, Context, Outcome};
use crate::Result;

/// The extra `##INFO` header lines.
pub fn header_lines(ctx: &Context<'_>) -> Vec<String> {
    let mut h = vec![
        format!("##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from cairn annotate. Format: {CSQ_FIELDS}\">"),
        "##INFO=<ID=CAIRN_REF_MISMATCH,Number=0,Type=Flag,Description=\"REF disagrees with the reference FASTA; not annotated\">".to_string(),
    ];
    for s in &ctx.sources {
        h.push(format!("##INFO=<ID={}_ID,Number=A,Type=String,Description=\"ID of the matching record in source {} ({})\">", s.name, s.name, s.path.display()));
        for f in &s.fields {
            h.push(format!("##INFO=<ID={}_{f},Number=A,Type=String,Description=\"INFO/{f} of the matching record in source {}\">", s.name, s.name));
        }
    }
    h
}

#[allow(clippy::too_many_arguments)]
pub fn record_line(
    ctx: &mut Context<'_>,
    _line: usize,
    f: &[String],
    ok: bool,
    alleles: &[Option<Allele>],
    effects: &[Vec<TxEffect<'_>>],
    seq: &[u8],
    out: &mut Outcome,
) -> Result<String> {
    let mut info: Vec<String> = if f[7] == "." {
        Vec::new()
    } else {
        vec![f[7].clone()]
    };
    if !ok {
        info.push("CAIRN_REF_MISMATCH".into());
        return Ok(join(f, &info));
    }
    let alts: Vec<&str> = f[4].split(',').collect();
    let mut csq = Vec::new();
    let mut per_source: IndexMap<String, Vec<String>> = IndexMap::new();
    for s in &ctx.sources {
        per_source.insert(format!("{}_ID", s.name), Vec::new());
        for fld in &s.fields {
            per_source.insert(format!("{}_{fld}", s.name), Vec::new());
        }
    }
    for (i, alt) in alts.iter().enumerate() {
        let hits = if alleles[i].is_some() {
            lookups(ctx, f, alt, seq)?
        } else {
            IndexMap::new()
        };
        for (key, values) in per_source.iter_mut() {
            let (src, fld) = key.split_at(key.rfind('_').unwrap_or(0));
            let v = hits.get(src).and_then(|h| h.get(&fld[1..]));
            values.push(v.map_or(".".to_string(), |v| escape(v)));
        }
        if alleles[i].is_none() {
            continue;
        }
        csq.extend(record::csq_entries(alt, &effects[i]));
        if ctx.want_json {
            out.reports.push(report(ctx, f, alt, &effects[i], hits));
        }
    }
    if !csq.is_empty() {
        info.push(format!("CSQ={}", csq.join(",")));
    }
    for (key, values) in per_source {
        if values.iter().any(|v| v != ".") {
            info.push(format!("{key}={}", values.join(",")));
        }
    }
    Ok(join(f, &info))
}

fn join(f: &[String], info: &[String]) -> String {
    let mut cols: Vec<&str> = f.iter().map(String::as_str).collect();
    let info = if info.is_empty() {
        ".".to_string()
    } else {
        info.join(";")
    };
    cols[7] = &info;
    let mut s = cols.join("\t");
    s.push('\n');
    s
}

fn report(
    ctx: &Context<'_>,
    f: &[String],
    alt: &str,
    effects: &[TxEffect<'_>],
    sources: IndexMap<String, record::Hit>,
) -> AlleleReport {
    let best = pick(effects);
    let genomic = format!("{}:{}{}>{}", f[0], f[1], f[3], alt);
    let actionability = record::actionability(ctx.knowledge, effects, &genomic);
    let gene = best.map(|i| effects[i].transcript.gene_name.as_str());
    let germline = record::germline(&sources, gene);
    let amp_tier = record::amp_tier(
        &actionability,
        best.map(|i| effects[i].most_severe()),
        record::max_af(&sources),
        &germline,
    );
    let genotype = f
        .get(9)
        .map(|s| s.split(':').next().unwrap_or(".").to_string());
    AlleleReport {
        chrom: f[0].clone(),
        pos: f[1].parse().unwrap_or(0),
        id: f[2].clone(),
        reference: f[3].clone(),
        alt: alt.to_string(),
        genotype,
        most_severe: best.map(|i| record::effect(&effects[i])),
        effects: effects.iter().map(record::effect).collect(),
        sources,
        actionability,
        amp_tier,
        germline,
    }
}
