//! The somatic VCF: header and records, two sample columns (normal first, then tumour, as Mutect2
//! and Strelka write them) with GT:AD:AF:DP each.

use super::evidence::SampleEvidence;
use super::model::{self, Scored};

/// One somatic candidate with its scores and both samples' evidence.
#[derive(Debug, Clone)]
pub struct Record {
    pub pos: i64,
    pub reference: Vec<u8>,
    pub alt: Vec<u8>,
    pub scored: Scored,
    pub tumor: SampleEvidence,
    pub normal: SampleEvidence,
}

impl Record {
    pub fn is_snv(&self) -> bool {
        self.reference.len() == 1 && self.alt.len() == 1
    }

    /// The VCF line (with its newline).
    pub fn line(&self, chrom: &str) -> String {
        let s = &self.scored;
        let filter = if s.filters.is_empty() {
            "PASS".to_string()
        } else {
            s.filters.join(";")
        };
        let kind = if self.is_snv() { "" } else { ";INDEL" };
        format!(
            "{chrom}\t{}\t.\t{}\t{}\t{:.2}\t{filter}\tSOMATIC;SQ={:.2};TLOD={:.2};NLOD={:.2}{kind}\tGT:AD:AF:DP\t{}\t{}\n",
            self.pos + 1,
            String::from_utf8_lossy(&self.reference),
            String::from_utf8_lossy(&self.alt),
            s.sq,
            s.sq,
            s.tlod,
            s.nlod,
            sample("0/0", &self.normal),
            sample("0/1", &self.tumor),
        )
    }
}

fn sample(gt: &str, ev: &SampleEvidence) -> String {
    format!(
        "{gt}:{},{}:{:.3}:{}",
        ev.ref_count(),
        ev.alt_count(),
        ev.af(),
        ev.depth
    )
}

/// The header lines up to and including `#CHROM`.
pub fn header(contigs: &[(String, u64)], reference: &str, normal: &str, tumor: &str) -> String {
    let mut h = String::from("##fileformat=VCFv4.3\n##source=cairn\n");
    h += &format!("##reference={reference}\n");
    for (name, len) in contigs {
        h += &format!("##contig=<ID={name},length={len}>\n");
    }
    h += &format!("##normal_sample={normal}\n##tumor_sample={tumor}\n");
    h += "##FILTER=<ID=PASS,Description=\"All filters passed\">\n";
    h += &model::filter_header();
    h += "##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description=\"Somatic candidate (tumour/normal mode)\">\n";
    h += "##INFO=<ID=SQ,Number=1,Type=Float,Description=\"Somatic score: phred-scaled posterior probability that the site is not somatic (sequencing error or germline), capped at 99; also QUAL\">\n";
    h += "##INFO=<ID=TLOD,Number=1,Type=Float,Description=\"log10 likelihood ratio of the tumour reads: allele present at its best fraction vs absent\">\n";
    h += "##INFO=<ID=NLOD,Number=1,Type=Float,Description=\"log10 likelihood ratio of the normal reads: reference only vs germline het\">\n";
    h += "##INFO=<ID=INDEL,Number=0,Type=Flag,Description=\"Insertion or deletion, scored by pair-HMM against both haplotypes\">\n";
    h += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype (0/0 in the normal, 0/1 in the tumour: somatic mode does not genotype)\">\n";
    h += "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Reads that clearly support each allele\">\n";
    h += "##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"Alternate allele fraction of the reads in AD\">\n";
    h += "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Reads covering the site that passed the read filters\">\n";
    h += &format!("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{normal}\t{tumor}\n");
    h
}

#[cfg(test)]
mod tests {
    use super::super::evidence::ReadObs;
    use super::*;

    #[test]
    fn formats_normal_then_tumour() {
        let o = |alt: bool| ReadObs {
            lref: if alt { -3.0 } else { 0.0 },
            lalt: if alt { 0.0 } else { -3.0 },
            reverse: false,
            mapq: 60,
            bq: 30,
            read_pos: 10,
        };
        let rec = Record {
            pos: 99,
            reference: b"A".to_vec(),
            alt: b"T".to_vec(),
            scored: Scored {
                tlod: 12.346,
                nlod: 6.0,
                sq: 45.0,
                filters: vec![],
            },
            tumor: SampleEvidence {
                depth: 5,
                obs: vec![o(false), o(true), o(true), o(false)],
            },
            normal: SampleEvidence {
                depth: 3,
                obs: vec![o(false); 3],
            },
        };
        assert_eq!(
            rec.line("chr1"),
            "chr1\t100\t.\tA\tT\t45.00\tPASS\tSOMATIC;SQ=45.00;TLOD=12.35;NLOD=6.00\tGT:AD:AF:DP\t0/0:3,0:0.000:3\t0/1:2,2:0.500:5\n"
        );
        let h = header(&[("chr1".into(), 1000)], "r.fa", "N", "T");
        assert!(h.ends_with("FORMAT\tN\tT\n") && h.contains("ID=germline_risk"));
    }
}
