//! Coverage per reported gene: read depth over the regions of a BED (4th column: gene), from the
//! sample's BAM, with the stretches below the depth threshold listed as *not assessed*.
//!
//! A report that says "no pathogenic variant in BRCA1" is only as good as the depth over BRCA1's
//! exons; the whole-genome breadth of the alignment metrics cannot say which exons were thin. Depth
//! counts reads as `samtools depth` does by default, but like the caller it leaves out reads with
//! mapping quality below [`MIN_MAPQ`] (they would not support a call either): unmapped,
//! secondary, QC-failed, duplicate and supplementary records are skipped, deletions do not count.

use std::path::Path;

use rust_htslib::bam::{self, record::Cigar, Read};
use serde_json::{json, Value};

use crate::{Result, StepError};

/// Depth below which a base is reported as not assessed.
pub const MIN_DEPTH: u32 = 20;
/// Reads below this mapping quality do not count.
pub const MIN_MAPQ: u8 = 20;
/// Not-assessed stretches listed per gene (all are counted).
const MAX_LISTED: usize = 20;

/// One BED interval (0-based, half-open) of a gene.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    pub gene: String,
    /// 1-based line in the BED.
    pub line: usize,
}

/// Read a BED of named regions.
pub fn read_bed(path: &Path) -> Result<Vec<Region>> {
    let text = std::fs::read_to_string(path).map_err(|e| StepError::io("read", path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with(['#']) || line.starts_with("track") {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |m: &str| {
            StepError::input(format!(
                "{} line {}: {m}; expected `chrom<TAB>start<TAB>end<TAB>gene`",
                path.display(),
                i + 1
            ))
        };
        if f.len() < 4 || f[3].trim().is_empty() {
            return Err(bad("no gene name in column 4"));
        }
        let (start, end) = match (f[1].parse::<u64>(), f[2].parse::<u64>()) {
            (Ok(s), Ok(e)) if s < e => (s, e),
            _ => return Err(bad("start and end must be numbers with start < end")),
        };
        out.push(Region {
            chrom: f[0].to_string(),
            start,
            end,
            gene: f[3].trim().to_string(),
            line: i + 1,
        });
    }
    Ok(out)
}

/// Depth at each base of `r` from the indexed BAM.
fn depth(reader: &mut bam::IndexedReader, r: &Region) -> Result<Vec<u32>> {
    let mut depth = vec![0u32; (r.end - r.start) as usize];
    reader
        .fetch((r.chrom.as_str(), r.start as i64, r.end as i64))
        .map_err(|e| StepError::input(format!("cannot read {}: {e}", r.chrom)))?;
    let mut rec = bam::Record::new();
    while let Some(res) = reader.read(&mut rec) {
        res.map_err(|e| StepError::input(format!("corrupt BAM record: {e}")))?;
        if rec.flags() & 0xF04 != 0 || rec.mapq() < MIN_MAPQ {
            continue;
        }
        let mut pos = rec.pos();
        for op in rec.cigar().iter() {
            match op {
                Cigar::Match(n) | Cigar::Equal(n) | Cigar::Diff(n) => {
                    for p in pos..pos + *n as i64 {
                        if p >= r.start as i64 && p < r.end as i64 {
                            depth[(p - r.start as i64) as usize] += 1;
                        }
                    }
                    pos += *n as i64;
                }
                Cigar::Del(n) | Cigar::RefSkip(n) => pos += *n as i64,
                _ => {}
            }
        }
    }
    Ok(depth)
}

/// Stretches (1-based, inclusive, as `chrom:start-end`) of `depth` below [`MIN_DEPTH`].
fn thin(r: &Region, depth: &[u32]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut run: Option<u64> = None;
    for (i, &d) in depth.iter().chain(std::iter::once(&u32::MAX)).enumerate() {
        match (d < MIN_DEPTH, run) {
            (true, None) => run = Some(i as u64),
            (false, Some(s)) => {
                out.push((r.start + s + 1, r.start + i as u64));
                run = None;
            }
            _ => {}
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    regions: usize,
    bases: u64,
    depth_sum: u64,
    at_min: u64,
    thin: Vec<String>,
    thin_bases: u64,
}

/// The report's `coverage` section: per gene (by name) regions, bases, mean depth, the share
/// at [`MIN_DEPTH`] or more, and the stretches below it.
pub fn section(bam_path: &Path, bed: &Path, reference: Option<&Path>) -> Result<Value> {
    let regions = read_bed(bed)?;
    let mut reader = bam::IndexedReader::from_path(bam_path).map_err(|e| {
        StepError::input(format!(
            "{}: cannot open as an indexed BAM ({e}); give the BAM written by `align`, its .bai beside it",
            bam_path.display()
        ))
    })?;
    if let Some(fasta) = reference {
        crate::call::input::use_reference(&mut reader, bam_path, fasta)?;
    }
    // A contig the BAM's reference lacks is a BED for another reference, not a gene without
    // coverage: say so rather than report every base as not assessed.
    if let Some(r) = regions
        .iter()
        .find(|r| reader.header().tid(r.chrom.as_bytes()).is_none())
    {
        let names: Vec<String> = reader
            .header()
            .target_names()
            .iter()
            .take(5)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        return Err(StepError::input(format!(
            "{} line {}: contig `{}` is not in the reference of {} (its contigs: {}{}); give the \
             regions BED of the reported genes for this reference",
            bed.display(),
            r.line,
            r.chrom,
            bam_path.display(),
            names.join(", "),
            if reader.header().target_count() > 5 {
                ", ..."
            } else {
                ""
            }
        )));
    }
    let mut genes: indexmap::IndexMap<String, Tally> = indexmap::IndexMap::new();
    for r in &regions {
        let d = depth(&mut reader, r)?;
        let t = genes.entry(r.gene.clone()).or_default();
        t.regions += 1;
        t.bases += d.len() as u64;
        t.depth_sum += d.iter().map(|&x| u64::from(x)).sum::<u64>();
        t.at_min += d.iter().filter(|&&x| x >= MIN_DEPTH).count() as u64;
        for (s, e) in thin(r, &d) {
            t.thin_bases += e - s + 1;
            t.thin.push(format!("{}:{s}-{e}", r.chrom));
        }
    }
    genes.sort_keys();
    let list: Vec<Value> = genes
        .iter()
        .map(|(gene, t)| {
            let bases = t.bases.max(1) as f64;
            json!({
                "gene": gene, "regions": t.regions, "bases": t.bases,
                "mean_depth": (t.depth_sum as f64 / bases * 10.0).round() / 10.0,
                "pct_at_min_depth": (t.at_min as f64 / bases * 1000.0).round() / 10.0,
                "not_assessed_bases": t.thin_bases,
                "not_assessed": t.thin.iter().take(MAX_LISTED).collect::<Vec<_>>(),
                "not_assessed_more": t.thin.len().saturating_sub(MAX_LISTED),
            })
        })
        .collect();
    Ok(json!({
        "min_depth": MIN_DEPTH,
        "min_mapq": MIN_MAPQ,
        "regions_file": bed.file_name().map(|n| n.to_string_lossy().into_owned()),
        "genes": list,
    }))
}

/// The limitations a coverage section implies: genes with thin stretches, or no measurement.
pub fn limitations(cov: Option<&Value>) -> Vec<String> {
    let Some(cov) = cov else {
        return vec!["No per-gene coverage was measured: regions not assessed in the reported genes are unknown.".into()];
    };
    let min = cov["min_depth"].as_u64().unwrap_or(0);
    cov["genes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["not_assessed_bases"].as_u64().unwrap_or(0) > 0)
        .map(|g| {
            format!(
                "{}: {} of {} bases of its reported regions have depth below {min}x and are not assessed.",
                g["gene"].as_str().unwrap_or("?"),
                g["not_assessed_bases"],
                g["bases"]
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_stretches_are_one_based_and_inclusive() {
        let r = Region {
            chrom: "c".into(),
            start: 100,
            end: 106,
            gene: "G".into(),
            line: 1,
        };
        assert_eq!(
            thin(&r, &[0, 0, 30, 30, 5, 19]),
            vec![(101, 102), (105, 106)]
        );
        assert!(thin(&r, &[20; 6]).is_empty());
    }

    #[test]
    fn thin_genes_become_limitations() {
        let cov = json!({"min_depth": 20, "genes": [
            {"gene": "BRCA1", "bases": 100, "not_assessed_bases": 7},
            {"gene": "BRAF", "bases": 50, "not_assessed_bases": 0}]});
        assert_eq!(
            limitations(Some(&cov)),
            ["BRCA1: 7 of 100 bases of its reported regions have depth below 20x and are not assessed."]
        );
        assert!(limitations(None)[0].contains("No per-gene coverage"));
    }

    #[test]
    fn bed_without_gene_names_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.bed");
        std::fs::write(&p, "c1\t0\t10\tBRAF\n").unwrap();
        assert_eq!(read_bed(&p).unwrap()[0].gene, "BRAF");
        std::fs::write(&p, "c1\t0\t10\n").unwrap();
        assert!(read_bed(&p).unwrap_err().message.contains("line 1"));
    }

    #[test]
    fn a_bed_for_another_reference_is_refused_by_line_and_contig() {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = crate::call::testdata::make(dir.path(), 2000, 30, &[], 7);
        let bed = dir.path().join("genes.bed");
        std::fs::write(&bed, "c1\t100\t200\tG1\nchr7\t10\t20\tBRAF\n").unwrap();
        let e = section(&data.bam, &bed, None).unwrap_err().message;
        assert!(
            e.contains("genes.bed line 2: contig `chr7` is not in the reference"),
            "{e}"
        );
        assert!(e.contains("its contigs: c1, c2"), "{e}");
        std::fs::write(&bed, "c1\t100\t200\tG1\nc2\t10\t20\tG2\n").unwrap();
        let cov = section(&data.bam, &bed, None).unwrap();
        let genes = cov["genes"].as_array().unwrap();
        assert!(genes[0]["mean_depth"].as_f64().unwrap() > 10.0, "{cov}");
        assert_eq!(genes[1]["mean_depth"], 0.0);
        // The same reads as a CRAM, read with the reference, give the same depths.
        let cram = crate::call::testdata::to_cram(&data, &dir.path().join("reads.cram"));
        assert_eq!(section(&cram, &bed, Some(&data.reference)).unwrap(), cov);
    }
}
