//! Reading gene models from GFF3 (Ensembl, GENCODE, RefSeq) and GTF (Ensembl, GENCODE).
//!
//! Both formats reduce to the same thing: per transcript, its exons, its CDS pieces (with phase)
//! and any `stop_codon` features, plus gene id/name, biotype and tags. GFF3 links them by
//! `ID`/`Parent`; GTF by `transcript_id`. Ensembl GFF3 includes the stop codon in the CDS and GTF
//! does not, so the coding span is the union of CDS and `stop_codon` features.
//!
//! Errors (the file cannot be trusted): a transcript whose pieces lie on two contigs or two
//! strands, CDS phases that do not follow from the piece lengths, CDS outside every exon.
//! Warnings (listed in the output, never silent): exons whose parent transcript is not in the file.
//! Tags: `Ensembl_canonical` / `tag=...canonical` mark the canonical transcript, `MANE_Select`
//! (GENCODE/Ensembl) or `MANE Select` (RefSeq) the MANE Select one.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use indexmap::IndexMap;

use super::model::{Model, Strand, Transcript};
use crate::{Result, StepError};

#[derive(Debug, Default)]
struct Parts {
    contig: String,
    strand: Option<Strand>,
    exons: Vec<(u64, u64)>,
    /// (start, end, phase)
    cds: Vec<(u64, u64, u8)>,
    stops: Vec<(u64, u64)>,
    attrs: HashMap<String, String>,
    first_line: usize,
}

/// Read a GFF3 or GTF file (plain or gzip) into a model.
pub fn read(path: &Path) -> Result<Model> {
    let reader = crate::textio::open(path, "annotation")?;
    let name = path.to_string_lossy();
    let gtf = name.trim_end_matches(".gz").ends_with(".gtf");
    parse(reader, gtf, &name)
}

/// Parse annotation text; `gtf` picks the attribute syntax.
pub fn parse(input: impl BufRead, gtf: bool, name: &str) -> Result<Model> {
    let mut parents: IndexMap<String, Parts> = IndexMap::new();
    let mut nodes: HashMap<String, (Option<String>, HashMap<String, String>)> = HashMap::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| StepError::input(format!("cannot read {name}: {e}")))?;
        if line.starts_with("##FASTA") {
            break;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| StepError::input(format!("{name} line {}: {what}", i + 1));
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 9 {
            return Err(bad("expected 9 tab-separated columns"));
        }
        let start: u64 = f[3].parse().map_err(|_| bad("start is not a number"))?;
        let end: u64 = f[4].parse().map_err(|_| bad("end is not a number"))?;
        if start == 0 || end < start {
            return Err(bad("start must be >= 1 and <= end"));
        }
        let strand = match f[6] {
            "+" => Some(Strand::Plus),
            "-" => Some(Strand::Minus),
            _ => None,
        };
        let attrs = if gtf {
            gtf_attrs(f[8])
        } else {
            gff3_attrs(f[8])
        };
        let kind = f[2];
        let piece = matches!(kind, "exon" | "CDS" | "stop_codon");
        let owners: Vec<String> = if gtf {
            attrs.get("transcript_id").into_iter().cloned().collect()
        } else if piece {
            attrs
                .get("Parent")
                .map(|p| p.split(',').map(String::from).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        if !gtf && !piece {
            if let Some(id) = attrs.get("ID") {
                nodes.insert(id.clone(), (attrs.get("Parent").cloned(), attrs.clone()));
            }
            continue;
        }
        for owner in owners {
            let p = parents.entry(owner.clone()).or_insert_with(|| Parts {
                contig: f[0].to_string(),
                strand,
                first_line: i + 1,
                ..Default::default()
            });
            if p.contig != f[0] || p.strand != strand {
                return Err(bad(&format!(
                    "transcript {owner} has pieces on {}{} and {}{}; a transcript must lie on one \
                     contig and strand: fix or drop it",
                    p.contig,
                    sign(p.strand),
                    f[0],
                    sign(strand)
                )));
            }
            let iv = (start - 1, end);
            match kind {
                "exon" => p.exons.push(iv),
                "CDS" => {
                    let phase = f[7]
                        .parse()
                        .map_err(|_| bad("CDS phase must be 0, 1 or 2"))?;
                    p.cds.push((iv.0, iv.1, phase));
                }
                "stop_codon" => p.stops.push(iv),
                "transcript" if gtf => p.attrs = attrs.clone(),
                _ => {}
            }
            if gtf && p.attrs.is_empty() {
                p.attrs = attrs.clone();
            }
        }
    }
    assemble(parents, &nodes, gtf, name)
}

fn sign(s: Option<Strand>) -> &'static str {
    match s {
        Some(Strand::Plus) => "(+)",
        Some(Strand::Minus) => "(-)",
        None => "(.)",
    }
}

fn assemble(
    parents: IndexMap<String, Parts>,
    nodes: &HashMap<String, (Option<String>, HashMap<String, String>)>,
    gtf: bool,
    name: &str,
) -> Result<Model> {
    let mut transcripts = Vec::new();
    let mut warnings = Vec::new();
    let mut orphans = 0usize;
    for (id, mut parts) in parents {
        let (tx_attrs, gene_attrs) = if gtf {
            (parts.attrs.clone(), parts.attrs.clone())
        } else {
            let Some((parent, attrs)) = nodes.get(&id) else {
                orphans += 1;
                continue;
            };
            let gene = parent
                .as_ref()
                .and_then(|g| nodes.get(g))
                .map(|(_, a)| a.clone());
            (attrs.clone(), gene.unwrap_or_default())
        };
        let Some(strand) = parts.strand else {
            return Err(StepError::input(format!(
                "{name} line {}: transcript {id} has no strand (+ or -)",
                parts.first_line
            )));
        };
        if parts.exons.is_empty() {
            // CDS-only transcripts (some GFF3s): the CDS pieces are the exons.
            parts.exons = parts.cds.iter().map(|c| (c.0, c.1)).collect();
        }
        parts.exons.sort_unstable();
        check_exons(&id, &parts, name)?;
        let (cds, start_phase) = coding_span(&id, &parts, strand, name)?;
        transcripts.push(Transcript {
            id: strip_prefix(tx_attrs.get("transcript_id").unwrap_or(&id)),
            gene_id: strip_prefix(
                gene_attrs
                    .get("gene_id")
                    .or(tx_attrs.get("Parent"))
                    .map_or("", |s| s.as_str()),
            ),
            gene_name: gene_attrs
                .get("gene_name")
                .or(gene_attrs.get("Name"))
                .or(gene_attrs.get("gene"))
                .cloned()
                .unwrap_or_default(),
            biotype: ["transcript_biotype", "transcript_type", "biotype", "gbkey"]
                .iter()
                .find_map(|k| tx_attrs.get(*k))
                .cloned()
                .unwrap_or_default(),
            contig: parts.contig.clone(),
            strand,
            exons: parts.exons,
            cds,
            start_phase,
            canonical: has_tag(&tx_attrs, "canonical"),
            mane: has_tag(&tx_attrs, "MANE_Select") || has_tag(&tx_attrs, "MANE Select"),
            seq: Vec::new(),
            cds_range: None,
            protein: Vec::new(),
        });
    }
    if orphans > 0 {
        warnings.push(format!(
            "{name}: {orphans} transcript id(s) have exons but no transcript record (cut off at \
             the file's edge?); their exons are not annotated"
        ));
    }
    Ok(Model::new(transcripts, warnings))
}

fn has_tag(attrs: &HashMap<String, String>, tag: &str) -> bool {
    attrs
        .get("tag")
        .is_some_and(|t| t.split(',').any(|x| x.contains(tag)))
        || attrs.get("Ensembl_canonical").is_some() && tag == "canonical"
}

fn strip_prefix(id: &str) -> String {
    id.strip_prefix("transcript:")
        .or_else(|| id.strip_prefix("gene:"))
        .unwrap_or(id)
        .to_string()
}

fn check_exons(id: &str, parts: &Parts, name: &str) -> Result<()> {
    for w in parts.exons.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(StepError::input(format!(
                "{name}: transcript {id} has overlapping exons at {}:{}-{} and {}-{}; exons must \
                 not overlap",
                parts.contig,
                w[0].0 + 1,
                w[0].1,
                w[1].0 + 1,
                w[1].1
            )));
        }
    }
    Ok(())
}

/// The coding span (CDS ∪ stop codons) and the phase of the 5'-most CDS piece, after checking
/// that every later phase follows from the lengths before it.
fn coding_span(
    id: &str,
    parts: &Parts,
    strand: Strand,
    name: &str,
) -> Result<(Option<(u64, u64)>, u8)> {
    if parts.cds.is_empty() {
        return Ok((None, 0));
    }
    let mut cds = parts.cds.clone();
    cds.sort_unstable();
    if strand == Strand::Minus {
        cds.reverse();
    }
    let mut expected = cds[0].2;
    for (i, &(s, e, phase)) in cds.iter().enumerate() {
        if phase != expected {
            return Err(StepError::input(format!(
                "{name}: transcript {id}: CDS piece {} ({}:{}-{}) has phase {phase} but the pieces \
                 before it imply phase {expected}; fix the phases (GFF3 column 8)",
                i + 1, parts.contig, s + 1, e
            )));
        }
        if !parts.exons.iter().any(|&(xs, xe)| xs <= s && e <= xe) {
            return Err(StepError::input(format!(
                "{name}: transcript {id}: CDS {}:{}-{} lies outside its exons",
                parts.contig,
                s + 1,
                e
            )));
        }
        let len = e - s;
        expected = ((3 - (len as i64 - phase as i64).rem_euclid(3)) % 3) as u8;
    }
    let all = cds
        .iter()
        .map(|c| (c.0, c.1))
        .chain(parts.stops.iter().copied());
    let (lo, hi) = all.fold((u64::MAX, 0), |(lo, hi), (s, e)| (lo.min(s), hi.max(e)));
    Ok((Some((lo, hi)), cds[0].2))
}

fn gff3_attrs(text: &str) -> HashMap<String, String> {
    text.split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), unescape(v.trim())))
        .collect()
}

fn unescape(v: &str) -> String {
    if !v.contains('%') {
        return v.to_string();
    }
    v.replace("%3B", ";")
        .replace("%3D", "=")
        .replace("%2C", ",")
        .replace("%26", "&")
        .replace("%25", "%")
}

/// GTF attributes; repeated keys (`tag`) are joined with commas.
fn gtf_attrs(text: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    for kv in text.split(';') {
        let kv = kv.trim();
        let Some((k, v)) = kv.split_once(' ') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_string();
        out.entry(k.to_string())
            .and_modify(|old| {
                old.push(',');
                old.push_str(&v);
            })
            .or_insert(v);
    }
    out
}
