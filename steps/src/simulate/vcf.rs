//! The truth VCFs out: bgzipped, tabix-indexed.
//!
//! The truth is what a caller is scored against, so it is written the way a comparison tool wants
//! it: VCF 4.2, one sample, phased `GT`, records sorted in reference order, every allele
//! left-aligned and trimmed (see [`super::given`] for variants read from a user's VCF).

use std::ffi::CString;
use std::io::Write;
use std::path::Path;

use rust_htslib::bgzf;

use super::genome::Contig;
use super::tumour::Somatic;
use super::variants::Variant;
use crate::{Result, StepError};

pub fn write_truth(
    path: &Path,
    index: &Path,
    contigs: &[Contig],
    variants: &[Variant],
    sample: &str,
) -> Result<()> {
    let records: Vec<(&Variant, Option<f64>)> = variants.iter().map(|v| (v, None)).collect();
    write_vcf(path, index, contigs, &records, sample)
}

/// Write a somatic truth VCF: each record's `INFO/AF` is its expected allele fraction in the
/// tumour sample, and `GT` says which haplotype carries it.
pub fn write_somatic(
    path: &Path,
    index: &Path,
    contigs: &[Contig],
    somatic: &[Somatic],
    sample: &str,
) -> Result<()> {
    let mut records: Vec<(&Variant, Option<f64>)> = somatic
        .iter()
        .map(|s| (&s.variant, Some(s.allele_fraction())))
        .collect();
    records.sort_by_key(|(v, _)| (v.contig, v.pos));
    write_vcf(path, index, contigs, &records, sample)
}

fn write_vcf(
    path: &Path,
    index: &Path,
    contigs: &[Contig],
    records: &[(&Variant, Option<f64>)],
    sample: &str,
) -> Result<()> {
    let mut text = String::from("##fileformat=VCFv4.2\n");
    text.push_str("##FILTER=<ID=PASS,Description=\"All filters passed\">\n");
    text.push_str("##source=cairn simulate\n");
    for c in contigs {
        text.push_str(&format!(
            "##contig=<ID={},length={}>\n",
            c.name,
            c.seq.len()
        ));
    }
    if records.iter().any(|(_, af)| af.is_some()) {
        text.push_str("##INFO=<ID=AF,Number=A,Type=Float,Description=\"Expected allele fraction in the sample\">\n");
    }
    text.push_str("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
    text.push_str(&format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
    ));
    for (v, af) in records {
        let info = af.map_or_else(
            || ".".to_string(),
            |af| format!("AF={}", (af * 1e4).round() / 1e4),
        );
        text.push_str(&format!(
            "{}\t{}\t.\t{}\t{}\t.\tPASS\t{info}\tGT\t{}\n",
            contigs[v.contig].name,
            v.pos + 1,
            String::from_utf8_lossy(&v.reference),
            String::from_utf8_lossy(&v.alt),
            v.genotype()
        ));
    }
    let failed = |e: String| StepError::failed(format!("cannot write {}: {e}", path.display()));
    let mut w = bgzf::Writer::from_path_with_level(path, bgzf::CompressionLevel::Level(6))
        .map_err(|e| failed(e.to_string()))?;
    w.write_all(text.as_bytes())
        .map_err(|e| failed(e.to_string()))?;
    w.flush().map_err(|e| failed(e.to_string()))?;
    drop(w);
    tabix(path, index)
}

fn tabix(path: &Path, index: &Path) -> Result<()> {
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_encoded_bytes()).map_err(|e| StepError::failed(e.to_string()))
    };
    let (file, idx) = (c(path)?, c(index)?);
    // SAFETY: both strings are valid NUL-terminated paths that outlive the call, and
    // `tbx_conf_vcf` is htslib's immutable preset for VCF columns.
    let rc = unsafe {
        hts_sys::tbx_index_build2(file.as_ptr(), idx.as_ptr(), 0, &hts_sys::tbx_conf_vcf)
    };
    if rc != 0 {
        return Err(StepError::failed(format!(
            "cannot build the tabix index of {}",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::MultiGzDecoder;
    use std::fs::File;
    use std::io::Read;

    fn reference() -> Vec<Contig> {
        vec![Contig {
            name: "c1".into(),
            seq: b"GGCACACAGGTTTTTA".to_vec(),
        }]
    }

    #[test]
    fn truth_is_bgzipped_and_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let (path, idx) = (dir.path().join("t.vcf.gz"), dir.path().join("t.vcf.gz.tbi"));
        let v = Variant {
            contig: 0,
            pos: 2,
            reference: b"C".to_vec(),
            alt: b"T".to_vec(),
            on: [false, true],
        };
        write_truth(&path, &idx, &reference(), &[v], "S1").unwrap();
        assert!(bgzf::is_bgzip(&path).unwrap());
        assert!(std::fs::metadata(&idx).unwrap().len() > 0);
        let mut text = String::new();
        MultiGzDecoder::new(File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        assert!(
            text.ends_with("c1\t3\t.\tC\tT\t.\tPASS\t.\tGT\t0|1\n"),
            "{text}"
        );
    }
}
