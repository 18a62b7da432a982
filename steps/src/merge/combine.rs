//! Combining per-sample VCFs into one multi-sample VCF.
//!
//! Records from all inputs that start at the same position become one output record: REF is the
//! longest input REF and every ALT is extended by the reference bases it lacks, so an SNV and a
//! deletion at one position share a record as they would in a joint call. A sample without a
//! record there is 0/0 when its VCF has a reference block (gVCF-style `END=` block, or a
//! forced-site record with no ALT) covering the position, and no-call `./.` otherwise: an absent
//! record means "not assessed", never "reference".

use std::collections::BTreeMap;

use super::read::{InRecord, InVcf, SampleCall};
use crate::error::{Result, StepError};

/// One input: its display name and parsed content.
pub struct Input {
    pub name: String,
    pub vcf: InVcf,
}

/// The merged header and record lines.
pub fn merge(inputs: &[Input]) -> Result<(String, Vec<String>)> {
    let samples = sample_names(inputs)?;
    let mut contigs: Vec<String> = Vec::new();
    let mut contig_lines = Vec::new();
    let mut filter_lines: Vec<String> = Vec::new();
    for input in inputs {
        for (c, l) in input.vcf.contigs.iter().zip(&input.vcf.contig_lines) {
            if !contigs.contains(c) {
                contigs.push(c.clone());
                contig_lines.push(l.clone());
            }
        }
        for l in &input.vcf.filter_lines {
            if !filter_lines.contains(l) {
                filter_lines.push(l.clone());
            }
        }
    }
    let mut groups: BTreeMap<(usize, i64), Vec<(usize, &InRecord)>> = BTreeMap::new();
    for (f, input) in inputs.iter().enumerate() {
        for r in input.vcf.records.iter().filter(|r| !r.reference_block) {
            let ci = match contigs.iter().position(|c| *c == r.contig) {
                Some(i) => i,
                None => {
                    contigs.push(r.contig.clone());
                    contig_lines.push(format!("##contig=<ID={}>", r.contig));
                    contigs.len() - 1
                }
            };
            groups.entry((ci, r.pos)).or_default().push((f, r));
        }
    }
    let mut lines = Vec::with_capacity(groups.len());
    for ((ci, pos), recs) in &groups {
        lines.push(merged_line(inputs, &contigs[*ci], *pos, recs)?);
    }
    Ok((header(&contig_lines, &filter_lines, &samples), lines))
}

fn sample_names(inputs: &[Input]) -> Result<Vec<String>> {
    let mut names: Vec<(String, &str)> = Vec::new();
    for input in inputs {
        for s in &input.vcf.samples {
            if let Some((_, other)) = names.iter().find(|(n, _)| n == s) {
                return Err(StepError::input(format!(
                    "sample {s} appears in both {other} and {}; give each sample a distinct name",
                    input.name
                )));
            }
            names.push((s.clone(), &input.name));
        }
    }
    Ok(names.into_iter().map(|(n, _)| n).collect())
}

fn merged_line(
    inputs: &[Input],
    contig: &str,
    pos: i64,
    recs: &[(usize, &InRecord)],
) -> Result<String> {
    let (alleles, maps) = shared_alleles(inputs, contig, pos, recs)?;
    let (sample_cols, ac, an) = sample_columns(inputs, contig, pos, recs, &maps, alleles.len());
    let qual = recs
        .iter()
        .filter_map(|(_, r)| r.qual)
        .fold(None, |m: Option<f64>, q| Some(m.map_or(q, |m| m.max(q))));
    let filter = if recs.iter().any(|(_, r)| r.filter == "PASS") {
        "PASS"
    } else {
        recs[0].1.filter.as_str()
    };
    let id = recs
        .iter()
        .map(|(_, r)| r.id.as_str())
        .find(|i| *i != ".")
        .unwrap_or(".");
    let alt = if alleles.len() > 1 {
        alleles[1..].join(",")
    } else {
        ".".to_string()
    };
    let ac_text = ac[1..]
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let info = if alleles.len() > 1 {
        format!("AC={ac_text};AN={an}")
    } else {
        format!("AN={an}")
    };
    Ok(format!(
        "{contig}\t{}\t{id}\t{}\t{alt}\t{}\t{filter}\t{info}\tGT:GQ:DP:AD\t{}\n",
        pos + 1,
        alleles[0],
        qual.map_or(".".to_string(), |q| format!("{q:.2}")),
        sample_cols.join("\t")
    ))
}

/// The merged allele list (REF = the longest input REF, ALTs padded to it) and, per record, its
/// allele index -> merged index.
fn shared_alleles(
    inputs: &[Input],
    contig: &str,
    pos: i64,
    recs: &[(usize, &InRecord)],
) -> Result<(Vec<String>, Vec<Vec<usize>>)> {
    let reference = recs
        .iter()
        .map(|(_, r)| &r.alleles[0])
        .max_by_key(|a| a.len())
        .cloned()
        .unwrap_or_default();
    let mut alleles = vec![reference.clone()];
    let mut maps: Vec<Vec<usize>> = Vec::new();
    for (f, r) in recs {
        let suffix = reference.strip_prefix(r.alleles[0].as_str()).ok_or_else(|| {
            StepError::input(format!(
                "{contig}:{}: REF {} in {} disagrees with REF {reference} of another input; were they called on the same reference?",
                pos + 1,
                r.alleles[0],
                inputs[*f].name
            ))
        })?;
        let mut map = vec![0];
        for alt in &r.alleles[1..] {
            let full = format!("{alt}{suffix}");
            let i = alleles.iter().position(|a| *a == full).unwrap_or_else(|| {
                alleles.push(full);
                alleles.len() - 1
            });
            map.push(i);
        }
        maps.push(map);
    }
    Ok((alleles, maps))
}

/// One column per sample of every input, plus AC per allele and AN.
fn sample_columns(
    inputs: &[Input],
    contig: &str,
    pos: i64,
    recs: &[(usize, &InRecord)],
    maps: &[Vec<usize>],
    n_alleles: usize,
) -> (Vec<String>, Vec<u32>, u32) {
    let mut cols = Vec::new();
    let mut ac = vec![0u32; n_alleles];
    let mut an = 0u32;
    for (f, input) in inputs.iter().enumerate() {
        for s in 0..input.vcf.samples.len() {
            let col = match recs.iter().zip(maps).find(|((rf, _), _)| *rf == f) {
                Some(((_, r), map)) => format_call(&r.samples[s], map, n_alleles),
                None => covering_block(&input.vcf, contig, pos, s),
            };
            let gt = col.split(':').next().unwrap_or(".");
            for a in gt.split(['/', '|']).filter_map(|a| a.parse::<usize>().ok()) {
                ac[a] += 1;
                an += 1;
            }
            cols.push(col);
        }
    }
    (cols, ac, an)
}

fn format_call(c: &SampleCall, map: &[usize], n_alleles: usize) -> String {
    let gt: Vec<String> =
        c.gt.iter()
            .map(|a| a.map_or(".".to_string(), |a| map[a].to_string()))
            .collect();
    let gt = if gt.len() == 1 {
        gt[0].clone()
    } else {
        gt.join("/")
    };
    let ad = c.ad.as_ref().map_or(".".to_string(), |ad| {
        let mut out = vec![".".to_string(); n_alleles];
        for (i, v) in ad.iter().enumerate() {
            out[map[i]] = v.clone();
        }
        out.join(",")
    });
    format!(
        "{gt}:{}:{}:{ad}",
        c.gq.as_deref().unwrap_or("."),
        c.dp.as_deref().unwrap_or(".")
    )
}

/// The sample's genotype from a reference block covering `pos`, or a no-call.
fn covering_block(vcf: &InVcf, contig: &str, pos: i64, sample: usize) -> String {
    let block = vcf
        .records
        .iter()
        .filter(|r| r.reference_block && r.contig == contig && r.pos <= pos && r.end >= pos)
        .find(|r| r.samples[sample].gt.iter().all(|a| *a == Some(0)));
    match block {
        Some(b) => {
            let c = &b.samples[sample];
            format!(
                "0/0:{}:{}:.",
                c.gq.as_deref().unwrap_or("."),
                c.dp.as_deref().unwrap_or(".")
            )
        }
        None => "./.:.:.:.".to_string(),
    }
}

fn header(contig_lines: &[String], filter_lines: &[String], samples: &[String]) -> String {
    let mut h = String::from("##fileformat=VCFv4.3\n##source=cairn\n");
    contig_lines.iter().for_each(|l| h += &format!("{l}\n"));
    h += "##FILTER=<ID=PASS,Description=\"All filters passed\">\n";
    filter_lines.iter().for_each(|l| h += &format!("{l}\n"));
    h += "##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count in called genotypes\">\n";
    h += "##INFO=<ID=AN,Number=1,Type=Integer,Description=\"Number of called alleles\">\n";
    h += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n";
    h += "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Genotype quality\">\n";
    h += "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Read depth\">\n";
    h += "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Reads supporting each allele\">\n";
    h += &format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n",
        samples.join("\t")
    );
    h
}

#[cfg(test)]
mod tests {
    use super::super::read::read;
    use super::*;

    fn input(dir: &std::path::Path, name: &str, sample: &str, body: &str) -> Input {
        let p = dir.join(name);
        let text = format!(
            "##fileformat=VCFv4.3\n##contig=<ID=c,length=100>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n{body}"
        );
        std::fs::write(&p, text).unwrap();
        Input {
            name: name.into(),
            vcf: read(&p).unwrap(),
        }
    }

    #[test]
    fn merges_alleles_and_fills_missing_samples() {
        let d = tempfile::tempdir().unwrap();
        let a = input(d.path(), "a.vcf", "A", "c\t10\t.\tA\tG\t50\tPASS\t.\tGT:GQ:DP:AD\t0/1:40:9:4,5\nc\t30\t.\tT\tC\t60\tPASS\t.\tGT:GQ:DP:AD\t1/1:30:7:0,7\n");
        let b = input(d.path(), "b.vcf", "B", "c\t10\t.\tAT\tA\t70\tPASS\t.\tGT:GQ:DP:AD\t0/1:50:12:6,6\nc\t25\t.\tG\t<NON_REF>\t.\t.\tEND=40\tGT:GQ:DP\t0/0:45:20\n");
        let c = input(d.path(), "c.vcf", "C", "");
        let (header, lines) = merge(&[a, b, c]).unwrap();
        assert!(header.ends_with("FORMAT\tA\tB\tC\n"));
        assert_eq!(lines[0], "c\t10\t.\tAT\tGT,A\t70.00\tPASS\tAC=1,1;AN=4\tGT:GQ:DP:AD\t0/1:40:9:4,5,.\t0/2:50:12:6,.,6\t./.:.:.:.\n");
        assert_eq!(lines[1], "c\t30\t.\tT\tC\t60.00\tPASS\tAC=2;AN=4\tGT:GQ:DP:AD\t1/1:30:7:0,7\t0/0:45:20:.\t./.:.:.:.\n");
    }

    #[test]
    fn duplicate_samples_are_an_error() {
        let d = tempfile::tempdir().unwrap();
        let a = input(d.path(), "a.vcf", "S", "");
        let b = input(d.path(), "b.vcf", "S", "");
        let e = merge(&[a, b]).unwrap_err().message;
        assert!(
            e.contains("sample S") && e.contains("a.vcf") && e.contains("b.vcf"),
            "{e}"
        );
    }
}
