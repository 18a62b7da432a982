//! The record loop: read the VCF, annotate each ALT, write the VCF with `CSQ` and the JSON report.
//!
//! Records are read as text, in batches; consequences of a batch are computed on the thread pool
//! (the model and the contig are shared read-only) and everything else (source lookups, knowledge,
//! output) runs in file order, so output does not depend on the thread count.

use std::io::{BufRead, BufReader};
use std::path::Path;

use indexmap::IndexMap;
use rayon::prelude::*;

use super::consequence::TxEffect;
use super::csq::{annotate, most_severe};
use super::hgvs::Allele;
use super::knowledge::Knowledge;
use super::model::Model;
use super::record::{self, AlleleReport};
use super::sources::Source;
use crate::eval::reference::Reference;
use crate::{Result, StepError};

const BATCH: usize = 20_000;

pub struct Context<'a> {
    pub model: &'a Model,
    pub reference: Reference,
    pub sources: Vec<Source>,
    pub knowledge: &'a Knowledge,
    pub vcf: &'a Path,
    pub want_json: bool,
    pub pool: rayon::ThreadPool,
}

pub struct Outcome {
    pub body: Vec<String>,
    pub header: Vec<String>,
    pub reports: Vec<AlleleReport>,
    pub warnings: Vec<String>,
    pub records: u64,
}

type Annotated<'a> = (bool, Vec<Option<Allele>>, Vec<Vec<TxEffect<'a>>>);

struct Line {
    number: usize,
    fields: Vec<String>,
}

/// Read and annotate the whole VCF.
pub fn run(ctx: &mut Context<'_>) -> Result<Outcome> {
    let reader = rust_htslib::bgzf::Reader::from_path(ctx.vcf)
        .map_err(|e| StepError::input(format!("cannot open VCF {}: {e}", ctx.vcf.display())))?;
    let mut out = Outcome {
        body: Vec::new(),
        header: Vec::new(),
        reports: Vec::new(),
        warnings: Vec::new(),
        records: 0,
    };
    let mut batch: Vec<Line> = Vec::new();
    let mut stats = Stats::default();
    for (i, line) in BufReader::new(reader).lines().enumerate() {
        let line =
            line.map_err(|e| StepError::input(format!("cannot read {}: {e}", ctx.vcf.display())))?;
        if line.starts_with('#') {
            out.header.push(line);
            continue;
        }
        let fields: Vec<String> = line.split('\t').map(String::from).collect();
        if fields.len() < 8 {
            return Err(StepError::input(format!(
                "{} line {}: a VCF record needs at least 8 tab-separated columns",
                ctx.vcf.display(),
                i + 1
            )));
        }
        let boundary = batch.last().is_some_and(|l| l.fields[0] != fields[0]);
        if batch.len() >= BATCH || boundary {
            process(ctx, std::mem::take(&mut batch), &mut out, &mut stats)?;
        }
        batch.push(Line {
            number: i + 1,
            fields,
        });
    }
    process(ctx, batch, &mut out, &mut stats)?;
    stats.finish(ctx, &mut out)?;
    Ok(out)
}

#[derive(Default)]
struct Stats {
    known_contig: u64,
    unknown_contigs: IndexMap<String, u64>,
    ref_mismatch: u64,
}

impl Stats {
    fn finish(&self, ctx: &Context<'_>, out: &mut Outcome) -> Result<()> {
        if out.records > 0 && self.known_contig == 0 && !ctx.model.transcripts.is_empty() {
            let vcf: Vec<&String> = self.unknown_contigs.keys().collect();
            let mut ann: Vec<&String> = ctx.model.contigs().collect();
            ann.sort();
            return Err(StepError::input(format!(
                "{}: none of its contigs ({vcf:?}) is in the annotation (contigs {ann:?}); are the \
                 names spelled differently (chr22 vs 22)? rename the contigs of one of them",
                ctx.vcf.display()
            )));
        }
        for (c, n) in &self.unknown_contigs {
            out.warnings.push(format!("{n} record(s) on contig {c}, which has no transcripts in the annotation: annotated intergenic"));
        }
        if self.ref_mismatch > 0 {
            out.warnings.push(format!(
                "{} record(s) have a REF that disagrees with the reference FASTA: flagged \
                 CAIRN_REF_MISMATCH and not annotated",
                self.ref_mismatch
            ));
            if self.ref_mismatch * 10 > out.records.max(10) {
                return Err(StepError::input(format!(
                    "{}: {} of {} records disagree with the reference FASTA: is it the genome the \
                     calls were made on?",
                    ctx.vcf.display(),
                    self.ref_mismatch,
                    out.records
                )));
            }
        }
        Ok(())
    }
}

fn alleles_of(f: &[String], seq: &[u8]) -> (bool, Vec<Option<Allele>>) {
    let pos = f[1].parse::<u64>().unwrap_or(0).saturating_sub(1);
    let r = f[3].to_ascii_uppercase();
    let ok = seq
        .get(pos as usize..pos as usize + r.len())
        .is_some_and(|s| {
            s.iter()
                .zip(r.bytes())
                .all(|(&a, b)| a == b || a == b'N' || b == b'N')
        });
    let alts = f[4]
        .split(',')
        .map(|a| {
            let a = a.to_ascii_uppercase();
            let seq_allele = !a.is_empty() && a.bytes().all(|b| b"ACGTN".contains(&b));
            (ok && seq_allele).then(|| Allele::from_vcf(pos, r.as_bytes(), a.as_bytes()))
        })
        .collect();
    (ok, alts)
}

fn process(
    ctx: &mut Context<'_>,
    batch: Vec<Line>,
    out: &mut Outcome,
    stats: &mut Stats,
) -> Result<()> {
    let Some(first) = batch.first() else {
        return Ok(());
    };
    let contig = first.fields[0].clone();
    let seq = ctx.reference.contig(&contig)?.map(<[u8]>::to_vec).ok_or_else(|| {
        StepError::input(format!(
            "{} line {}: contig {contig} is not in the reference FASTA; use the reference the calls were made on",
            ctx.vcf.display(),
            first.number
        ))
    })?;
    if ctx.model.has_contig(&contig) {
        stats.known_contig += batch.len() as u64;
    } else {
        *stats.unknown_contigs.entry(contig.clone()).or_default() += batch.len() as u64;
    }
    let model = ctx.model;
    let annotated: Vec<Annotated<'_>> = ctx.pool.install(|| {
        batch
            .par_iter()
            .map(|l| {
                let (ok, alleles) = alleles_of(&l.fields, &seq);
                let fx = alleles
                    .iter()
                    .map(|a| {
                        a.as_ref()
                            .map_or_else(Vec::new, |a| annotate(model, &contig, &seq, a))
                    })
                    .collect();
                (ok, alleles, fx)
            })
            .collect()
    });
    for (line, (ok, alleles, effects)) in batch.iter().zip(annotated) {
        out.records += 1;
        if !ok {
            stats.ref_mismatch += 1;
        }
        let text = super::output::record_line(
            ctx,
            line.number,
            &line.fields,
            ok,
            &alleles,
            &effects,
            &seq,
            out,
        )?;
        out.body.push(text);
    }
    Ok(())
}

/// Source hits of one ALT.
pub fn lookups(
    ctx: &mut Context<'_>,
    f: &[String],
    alt: &str,
    seq: &[u8],
) -> Result<IndexMap<String, record::Hit>> {
    let pos = f[1].parse::<u64>().unwrap_or(1) - 1;
    let mut hits = IndexMap::new();
    for s in ctx.sources.iter_mut() {
        if let Some(h) = s.lookup(
            &f[0],
            pos,
            f[3].to_ascii_uppercase().as_bytes(),
            alt.to_ascii_uppercase().as_bytes(),
            seq,
        )? {
            hits.insert(s.name.clone(), h);
        }
    }
    Ok(hits)
}

pub fn pick(effects: &[TxEffect<'_>]) -> Option<usize> {
    most_severe(effects)
}
