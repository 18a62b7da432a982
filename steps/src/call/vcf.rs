//! VCF 4.3 output: the header, one text line per call, and the bgzip + tabix publication.
//!
//! The header carries no date and no command line (paths differ between runs), only
//! `##source=cairn`, so the same inputs give the same bytes. Compression is BGZF at a fixed level
//! on one thread; the tabix index is built by htslib from the finished file. Both are written
//! under temporary names beside the output and renamed into place only when complete.

use std::ffi::CString;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_htslib::bgzf;

use super::genotype::Genotyped;
use crate::error::{Result, StepError};

/// Filter thresholds, declared in the header and applied to every record.
///
/// QUAL is the phred posterior that the site carries no variant, and on data whose base qualities
/// are honest it is calibrated (at 10x the calls at QUAL 5-10 were four in five true). A call set
/// is best by F1 when it keeps every call more likely real than not (a call adds to F1 when its
/// chance of being real exceeds F1 / 2), so a call passes from QUAL 3 (P(no variant) < 0.5). A line
/// at 10, as before, lost true low-depth calls and fell below FreeBayes at 10x on two generated
/// genomes of six; the stricter reading stays one `bcftools view -i 'QUAL>=10'` away.
pub const MIN_PASS_QUAL: f64 = 3.0;
/// A call resting on a single read is not trusted whatever its QUAL; two concordant reads are
/// (at 10x, true sites covered by two reads are common, and the genotyper already weighs depth).
pub const MIN_PASS_DEPTH: u32 = 2;
pub const MAX_FS_SNV: f64 = 60.0;
pub const MAX_FS_INDEL: f64 = 200.0;
pub const MAX_SOR_SNV: f64 = 3.0;
pub const MAX_SOR_INDEL: f64 = 10.0;
/// SOR alone is noisy at low depth (five reads on one strand happen by chance), so it flags a site
/// only when the Fisher test also leans this way, at p < 1e-4. At p < 0.001 (FS 30) an unbiased
/// het is flagged about once per thousand: two true hets of generated data (FS 32 and 33, alt
/// reads on one strand and reference reads on the other by chance) were lost that way, and at 10x
/// FS 20-27 with SOR above 3 is common on true calls. The strand artefacts of real data (chr22
/// NA12878) sit at FS 41-73; one at FS 35 now passes.
pub const SOR_NEEDS_FS: f64 = 40.0;

/// The BGZF compression level; fixed so output bytes never depend on the machine.
const LEVEL: i8 = 6;

/// The header lines up to and including `#CHROM`.
pub fn header(
    contigs: &[(String, Option<u64>)],
    reference: &str,
    sample: &str,
    ref_blocks: bool,
) -> String {
    let mut h = String::from("##fileformat=VCFv4.3\n##source=cairn\n");
    h += &format!("##reference={reference}\n");
    for (name, len) in contigs {
        match len {
            Some(l) => h += &format!("##contig=<ID={name},length={l}>\n"),
            None => h += &format!("##contig=<ID={name}>\n"),
        }
    }
    h += "##FILTER=<ID=PASS,Description=\"All filters passed\">\n";
    h += &format!("##FILTER=<ID=LowQual,Description=\"QUAL below {MIN_PASS_QUAL}\">\n");
    h += &format!("##FILTER=<ID=LowDepth,Description=\"DP below {MIN_PASS_DEPTH}\">\n");
    h += &format!(
        "##FILTER=<ID=StrandBias,Description=\"Strand bias: FS above {MAX_FS_SNV} (SNV) or {MAX_FS_INDEL} (indel), or SOR above {MAX_SOR_SNV} (SNV) or {MAX_SOR_INDEL} (indel) with FS above {SOR_NEEDS_FS}\">\n"
    );
    if ref_blocks {
        h += "##ALT=<ID=*,Description=\"Any allele other than REF: a reference block\">\n";
        h += "##INFO=<ID=END,Number=1,Type=Integer,Description=\"Last position of a reference block\">\n";
    }
    h += "##FILTER=<ID=OtherAllele,Description=\"Forced site: the best genotype carries an allele the sites file does not list, so the listed alleles cannot be genotyped (GT ./.)\">\n";
    h += "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Reads covering the site that passed the read filters\">\n";
    h += "##INFO=<ID=MQ,Number=1,Type=Float,Description=\"RMS mapping quality of the reads scored at the site\">\n";
    h += "##INFO=<ID=FS,Number=1,Type=Float,Description=\"Phred-scaled Fisher exact test p-value of strand bias between reference and alternate reads\">\n";
    h += "##INFO=<ID=SOR,Number=1,Type=Float,Description=\"Symmetric odds ratio of strand bias between reference and alternate reads\">\n";
    h += "##INFO=<ID=QD,Number=1,Type=Float,Description=\"QUAL divided by DP\">\n";
    h += "##INFO=<ID=HAP,Number=0,Type=Flag,Description=\"Genotyped by haplotype scoring (pair-HMM) rather than from the pileup\">\n";
    h += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n";
    h += "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Phred-scaled probability that the genotype is wrong, capped at 99\">\n";
    h += "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Reads covering the site that passed the read filters\">\n";
    h += "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Reads that clearly support each allele\">\n";
    h += "##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"Phred-scaled genotype likelihoods, normalised to 0 for the most likely\">\n";
    h += &format!("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n");
    h
}

/// One output record.
#[derive(Debug, Clone)]
pub struct Record {
    pub pos: i64,
    pub id: String,
    pub alleles: Vec<Vec<u8>>,
    pub call: Genotyped,
    pub depth: u32,
    pub haplotype_scored: bool,
    /// Forced site whose reads mostly show an allele the sites file does not list.
    pub other_allele: bool,
}

impl Record {
    /// The filters this record fails (empty = PASS).
    pub fn filters(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        let indel = self
            .alleles
            .iter()
            .any(|a| a.len() != self.alleles[0].len());
        let alt_called = self.call.gt.is_some_and(|(a, b)| a > 0 || b > 0);
        if alt_called && self.call.qual < MIN_PASS_QUAL {
            f.push("LowQual");
        }
        if self.depth < MIN_PASS_DEPTH {
            f.push("LowDepth");
        }
        if self.other_allele {
            f.push("OtherAllele");
        }
        let (max_fs, max_sor) = if indel {
            (MAX_FS_INDEL, MAX_SOR_INDEL)
        } else {
            (MAX_FS_SNV, MAX_SOR_SNV)
        };
        let c = &self.call;
        if alt_called && (c.fs > max_fs || (c.sor > max_sor && c.fs > SOR_NEEDS_FS)) {
            f.push("StrandBias");
        }
        f
    }

    /// The tab-separated line (with newline) on contig `chrom`.
    pub fn line(&self, chrom: &str) -> String {
        let s = |a: &[u8]| String::from_utf8_lossy(a).into_owned();
        let alts: Vec<String> = self.alleles[1..].iter().map(|a| s(a)).collect();
        let alt = if alts.is_empty() {
            ".".to_string()
        } else {
            alts.join(",")
        };
        let id = if self.id.is_empty() { "." } else { &self.id };
        let filters = self.filters();
        let filter = if filters.is_empty() {
            "PASS".to_string()
        } else {
            filters.join(";")
        };
        let c = &self.call;
        let (qual, info, sample) = match c.gt {
            None => (
                ".".to_string(),
                format!("DP={}", self.depth),
                format!("./.:.:{}:.:.", self.depth),
            ),
            Some((a, b)) => {
                let mut info = format!(
                    "DP={};MQ={:.1};FS={:.2};SOR={:.3}",
                    self.depth, c.mq, c.fs, c.sor
                );
                info += &format!(";QD={:.2}", c.qual / f64::from(self.depth.max(1)));
                if self.haplotype_scored {
                    info += ";HAP";
                }
                let join = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
                let sample = format!(
                    "{a}/{b}:{}:{}:{}:{}",
                    c.gq,
                    self.depth,
                    join(&c.ad),
                    join(&c.pl)
                );
                (format!("{:.2}", c.qual), info, sample)
            }
        };
        format!(
            "{chrom}\t{}\t{id}\t{}\t{alt}\t{qual}\t{filter}\t{info}\tGT:GQ:DP:AD:PL\t{sample}\n",
            self.pos + 1,
            s(&self.alleles[0])
        )
    }
}

/// Write `parts` (header first; the first error aborts) as BGZF to `out`, index it with tabix as `out.tbi`, and publish
/// both by renaming from temporary names.
pub fn write_bgzf_indexed<I: IntoIterator<Item = Result<String>>>(
    out: &Path,
    parts: I,
) -> Result<()> {
    let tmp = sibling(out, ".partial.vcf.gz");
    let tmp_tbi = PathBuf::from(format!("{}.tbi", tmp.display()));
    let result = write_and_index(&tmp, parts);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&tmp_tbi);
        return Err(e);
    }
    let out_tbi = PathBuf::from(format!("{}.tbi", out.display()));
    std::fs::rename(&tmp_tbi, &out_tbi).map_err(|e| StepError::io("publish", &out_tbi, e))?;
    std::fs::rename(&tmp, out).map_err(|e| StepError::io("publish", out, e))
}

fn write_and_index<I: IntoIterator<Item = Result<String>>>(tmp: &Path, parts: I) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| {
        StepError::failed(format!("cannot write {}: {e}", tmp.display()))
    };
    {
        let mut w = bgzf::Writer::from_path_with_level(tmp, bgzf::CompressionLevel::Level(LEVEL))
            .map_err(|e| fail(&e))?;
        for part in parts {
            w.write_all(part?.as_bytes()).map_err(|e| fail(&e))?;
        }
        w.flush().map_err(|e| fail(&e))?;
    }
    let c = CString::new(tmp.to_string_lossy().as_bytes()).map_err(|e| fail(&e))?;
    // SAFETY: `c` is a valid path to a complete BGZF file; `tbx_conf_vcf` is htslib's static
    // VCF configuration and is only read.
    let rc = unsafe { hts_sys::tbx_index_build(c.as_ptr(), 0, &hts_sys::tbx_conf_vcf) };
    if rc != 0 {
        return Err(StepError::failed(format!(
            "cannot build the tabix index of {} (htslib code {rc}): are records sorted by position?",
            tmp.display()
        )));
    }
    Ok(())
}

/// `out` with its final extension replaced by a temporary suffix, in the same directory.
fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(gt: Option<(usize, usize)>, qual: f64) -> Genotyped {
        Genotyped {
            gt,
            gq: 42,
            pl: vec![300, 0, 290],
            qual,
            ad: vec![5, 6],
            fs: 1.0,
            sor: 0.5,
            mq: 60.0,
        }
    }

    #[test]
    fn formats_a_het_call_and_a_no_call() {
        let r = Record {
            pos: 99,
            id: String::new(),
            alleles: vec![b"A".to_vec(), b"G".to_vec()],
            call: call(Some((0, 1)), 150.0),
            depth: 11,
            haplotype_scored: false,
            other_allele: false,
        };
        assert_eq!(
            r.line("chr1"),
            "chr1\t100\t.\tA\tG\t150.00\tPASS\tDP=11;MQ=60.0;FS=1.00;SOR=0.500;QD=13.64\tGT:GQ:DP:AD:PL\t0/1:42:11:5,6:300,0,290\n"
        );
        let none = Record {
            call: call(None, 0.0),
            depth: 0,
            id: "rs1".into(),
            alleles: vec![b"A".to_vec()],
            ..r
        };
        assert_eq!(
            none.line("chr1"),
            "chr1\t100\trs1\tA\t.\t.\tLowDepth\tDP=0\tGT:GQ:DP:AD:PL\t./.:.:0:.:.\n"
        );
    }

    #[test]
    fn low_quality_calls_are_filtered() {
        let r = Record {
            pos: 1,
            id: String::new(),
            alleles: vec![b"A".to_vec(), b"G".to_vec()],
            call: call(Some((0, 1)), 2.0),
            depth: 1,
            haplotype_scored: true,
            other_allele: false,
        };
        assert_eq!(r.filters(), vec!["LowQual", "LowDepth"]);
    }

    #[test]
    fn strand_bias_needs_the_fisher_test_to_agree_with_the_odds_ratio() {
        let rec = |fs, sor| Record {
            pos: 1,
            id: String::new(),
            alleles: vec![b"A".to_vec(), b"G".to_vec()],
            call: Genotyped {
                fs,
                sor,
                ..call(Some((0, 1)), 100.0)
            },
            depth: 30,
            haplotype_scored: false,
            other_allele: false,
        };
        assert_eq!(rec(41.0, 4.6).filters(), vec!["StrandBias"]);
        assert_eq!(rec(70.0, 1.0).filters(), vec!["StrandBias"]);
        assert!(rec(10.0, 5.0).filters().is_empty());
        // A 12-read site with FS 27 and SOR 4.4 is within chance at that depth, and so is a
        // true het of generated data at FS 33 (p 5e-4) with SOR 3.6.
        assert!(rec(27.0, 4.4).filters().is_empty());
        assert!(rec(33.2, 3.6).filters().is_empty());
    }

    #[test]
    fn writes_bgzip_and_tabix() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.vcf.gz");
        let h = header(&[("c".into(), Some(10))], "r.fa", "s", false);
        let line = "c\t2\t.\tA\tG\t50.00\tPASS\tDP=5\tGT\t0/1\n".to_string();
        write_bgzf_indexed(&out, [Ok(h), Ok(line)]).unwrap();
        assert!(out.exists() && dir.path().join("x.vcf.gz.tbi").exists());
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&out).unwrap()),
            &mut text,
        )
        .unwrap();
        assert!(text.ends_with("0/1\n") && text.starts_with("##fileformat=VCFv4.3\n"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
