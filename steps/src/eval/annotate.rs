//! Annotated VCFs of the germline comparison: every normalised truth allele with its TP/FN verdict,
//! every query allele with TP/FP, so a user can look at what was missed or wrongly called.
//!
//! The INFO keys follow hap.py's output where one exists: `BD` (decision: TP, FP, FN, or N when the
//! allele lies outside the regions and is not counted) and `BK` (`gm` genotype match, `am` allele
//! match with a different or unknown genotype, `.` none); `MM` says how the match was found
//! (`exact` spelling or `haplotype` sequence). Records are in the
//! normalised form the comparison used, so an MNP shows as its SNVs. The files are plain text,
//! written to a temporary name and renamed.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::germline::{Status, Statuses};
use super::regions::Regions;
use super::variant::{Variant, Zygosity};
use super::vcf::Calls;
use crate::{Result, StepError};

const HEADER: &str = "##fileformat=VCFv4.2
##INFO=<ID=BD,Number=1,Type=String,Description=\"Decision: TP, FP, FN, or N (outside the regions, not counted)\">
##INFO=<ID=BK,Number=1,Type=String,Description=\"Match kind: gm (genotype match), am (allele match only), . (none)\">
##INFO=<ID=MM,Number=1,Type=String,Description=\"How the match was found: exact (same spelling) or haplotype (same sequence)\">
##INFO=<ID=SRC,Number=1,Type=Integer,Description=\"Data record number in the input VCF\">
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Copies of this allele: 0/1 one, 1/1 two\">
";

/// Write `<prefix>.truth.vcf` and `<prefix>.query.vcf`; returns their paths.
pub fn write(
    prefix: &Path,
    truth: &Calls,
    query: &Calls,
    statuses: &Statuses,
    regions: Option<&Regions>,
) -> Result<[PathBuf; 2]> {
    let path = |side: &str| PathBuf::from(format!("{}.{side}.vcf", prefix.display()));
    let (tp, qp) = (path("truth"), path("query"));
    write_side(&tp, truth, statuses, regions, true)?;
    write_side(&qp, query, statuses, regions, false)?;
    Ok([tp, qp])
}

fn write_side(
    path: &Path,
    calls: &Calls,
    statuses: &Statuses,
    regions: Option<&Regions>,
    truth: bool,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| StepError::io("create a file in", dir, e))?;
    let mut out = std::io::BufWriter::new(tmp);
    let io = |e| StepError::io("write", path, e);
    out.write_all(HEADER.as_bytes()).map_err(io)?;
    for contig in statuses.keys() {
        writeln!(out, "##contig=<ID={contig}>").map_err(io)?;
    }
    let sample = if truth { "TRUTH" } else { "QUERY" };
    writeln!(
        out,
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}"
    )
    .map_err(io)?;
    for (contig, (ts, qs)) in statuses {
        let Some(vars) = calls.get(contig) else {
            continue;
        };
        let st = if truth { ts } else { qs };
        for (v, s) in vars.iter().zip(st) {
            let counted = regions.is_none_or(|r| r.contains(contig, v.pos));
            writeln!(out, "{}", line(contig, v, s, counted, truth)).map_err(io)?;
        }
    }
    let tmp = out.into_inner().map_err(|e| io(e.into_error()))?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

fn line(contig: &str, v: &Variant, s: &Status, counted: bool, truth: bool) -> String {
    let bd = match (counted, s.matched, truth) {
        (false, _, _) => "N",
        (true, true, _) => "TP",
        (true, false, true) => "FN",
        (true, false, false) => "FP",
    };
    let bk = match (s.matched, s.genotype_match) {
        (false, _) => ".",
        (true, Some(true)) => "gm",
        (true, _) => "am",
    };
    let mm = match (s.matched, s.by_haplotype) {
        (false, _) => "",
        (true, false) => ";MM=exact",
        (true, true) => ";MM=haplotype",
    };
    let gt = match v.zygosity {
        Zygosity::Het => "0/1",
        Zygosity::Hom => "1/1",
        Zygosity::Unknown => "./.",
    };
    format!(
        "{contig}\t{}\t.\t{}\t{}\t.\t.\tBD={bd};BK={bk}{mm};SRC={}\tGT\t{gt}",
        v.pos + 1,
        String::from_utf8_lossy(&v.ref_allele),
        String::from_utf8_lossy(&v.alt),
        v.record
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_the_decision() {
        let v = Variant {
            pos: 9,
            ref_allele: b"CA".to_vec(),
            alt: b"C".to_vec(),
            zygosity: Zygosity::Hom,
            record: 7,
        };
        let s = Status {
            matched: true,
            genotype_match: Some(false),
            by_haplotype: true,
        };
        assert_eq!(
            line("c1", &v, &s, true, true),
            "c1\t10\t.\tCA\tC\t.\t.\tBD=TP;BK=am;MM=haplotype;SRC=7\tGT\t1/1"
        );
        let miss = Status::default();
        assert!(line("c1", &v, &miss, true, false).contains("BD=FP;BK=.;SRC"));
        assert!(line("c1", &v, &miss, false, true).contains("BD=N;"));
    }
}
