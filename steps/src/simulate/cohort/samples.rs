//! What each demo sample carries: designed variants in the demo genes, PGx genotypes at the
//! definition positions, and random background variants kept out of exons and PGx sites.
//!
//! | sample | designed variants | PGx genotypes (expected calls) |
//! | --- | --- | --- |
//! | S1 | BRAF c.1799T>A p.Val600Glu het (actionable); BRCA1 c.3749A>C p.Glu1250Ala het (VUS) | CYP2C19 *1/*2, TPMT *1/*3A, VKORC1 het |
//! | S2 | BRCA1 c.68_69del p.Glu23ValfsTer17 het (pathogenic); BRAF c.898G>A p.Asp300Asn het (VUS) | CYP2C19 *2/*17, CYP2C9 *1/*3, DPYD c.2846A>T het, SLCO1B1 *1/*5, VKORC1 hom |
//! | S3 | BRAF c.1350G>A p.Leu450= hom (synonymous): no finding | CYP2C19 *17/*17, CYP2C9 *1/*2, NUDT15 *1/*3, SLCO1B1 *1/*37 |

use super::design::Transcript;
use super::pgx::Site;
use crate::seq::complement;
use crate::simulate::genome::Contig;
use crate::simulate::variants::Variant;

/// A designed change, in coding coordinates of a transcript.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// Coding base `c` becomes `alt` (on the coding strand).
    Snv { c: usize, alt: u8 },
    /// Coding bases `first..=last` are deleted.
    Del { first: usize, last: usize },
}

/// One sample of the demo cohort.
pub struct SamplePlan {
    pub name: &'static str,
    /// Simulator seed (background variants and reads).
    pub seed: u64,
    /// (gene, change, genotype)
    pub designed: &'static [(&'static str, Change, &'static str)],
    /// (rsid, genotype)
    pub pgx: &'static [(&'static str, &'static str)],
}

pub const SAMPLES: [SamplePlan; 3] = [
    SamplePlan {
        name: "S1",
        seed: 11,
        designed: &[
            ("BRAF", Change::Snv { c: 1799, alt: b'A' }, "0|1"),
            ("BRCA1", Change::Snv { c: 3749, alt: b'C' }, "1|0"),
        ],
        pgx: &[
            ("rs12769205", "0|1"),
            ("rs4244285", "0|1"),
            ("rs1142345", "1|0"),
            ("rs1800460", "1|0"),
            ("rs9923231", "0|1"),
            ("rs3892097", "0|1"),
            ("rs1065852", "0|1"),
        ],
    },
    SamplePlan {
        name: "S2",
        seed: 12,
        designed: &[
            (
                "BRCA1",
                Change::Del {
                    first: 68,
                    last: 69,
                },
                "0|1",
            ),
            ("BRAF", Change::Snv { c: 898, alt: b'A' }, "1|0"),
        ],
        pgx: &[
            ("rs12769205", "1|0"),
            ("rs4244285", "1|0"),
            ("rs12248560", "0|1"),
            ("rs1057910", "0|1"),
            ("rs67376798", "1|0"),
            ("rs4149056", "0|1"),
            ("rs9923231", "1|1"),
        ],
    },
    SamplePlan {
        name: "S3",
        seed: 13,
        designed: &[("BRAF", Change::Snv { c: 1350, alt: b'A' }, "1|1")],
        pgx: &[
            ("rs12248560", "1|1"),
            ("rs1799853", "0|1"),
            ("rs116855232", "1|0"),
            ("rs2306283", "0|1"),
            ("rs1065852", "1|0"),
        ],
    },
];

fn haplotypes(gt: &str) -> [bool; 2] {
    [gt.starts_with('1'), gt.ends_with('1')]
}

fn contig_index(contigs: &[Contig], name: &str) -> usize {
    contigs
        .iter()
        .position(|c| c.name == name)
        .expect("designed contigs exist")
}

/// The designed variant of `change` in `tx`, as a VCF-style variant on the reference.
pub fn designed(contigs: &[Contig], tx: &Transcript, change: Change, gt: &str) -> Variant {
    let contig = contig_index(contigs, &tx.contig);
    let seq = &contigs[contig].seq;
    let on = haplotypes(gt);
    match change {
        Change::Snv { c, alt } => {
            let pos = tx.c_to_contig(c);
            let alt = if tx.minus { complement(alt) } else { alt };
            Variant {
                contig,
                pos,
                reference: vec![seq[pos]],
                alt: vec![alt],
                on,
            }
        }
        Change::Del { first, last } => {
            let (a, b) = (tx.c_to_contig(first), tx.c_to_contig(last));
            let (lo, hi) = (a.min(b), a.max(b));
            Variant {
                contig,
                pos: lo - 1,
                reference: seq[lo - 1..=hi].to_vec(),
                alt: vec![seq[lo - 1]],
                on,
            }
        }
    }
}

/// The PGx variant at the site named `rsid` (the site's REF is already in the reference).
pub fn pgx_variant(
    contigs: &[Contig],
    sites: &[Site],
    rsid: &str,
    gt: &str,
) -> crate::Result<Variant> {
    let site = sites.iter().find(|s| s.rsid == rsid).ok_or_else(|| {
        crate::StepError::input(format!(
            "the demo plants {rsid}, which no definition in the PGx source folder defines; \
             restore test-data/pgx (python3 test-data/pgx/generate.py)"
        ))
    })?;
    Ok(Variant {
        contig: contig_index(contigs, &site.contig),
        pos: site.pos - 1,
        reference: site.reference.as_bytes().to_vec(),
        alt: site.alt.as_bytes().to_vec(),
        on: haplotypes(gt),
    })
}

/// Background variants that stay clear of every exon (10 bp margin) and PGx site (150 bp).
pub fn keep_background(
    v: &Variant,
    contigs: &[Contig],
    exons: &[(String, usize, usize)],
    sites: &[Site],
) -> bool {
    let name = &contigs[v.contig].name;
    let (lo, hi) = (v.pos, v.end());
    let near_exon = exons
        .iter()
        .any(|(c, s, e)| c == name && lo < e + 10 && hi + 10 > *s);
    let near_site = sites
        .iter()
        .any(|s| &s.contig == name && lo < s.pos + 150 && hi + 150 > s.pos);
    !near_exon && !near_site
}

/// The planted variants as a VCF (phased GT, reference order).
pub fn vcf(contigs: &[Contig], variants: &[Variant], sample: &str) -> String {
    let mut out = String::from("##fileformat=VCFv4.2\n##source=cairn demo cohort\n");
    for c in contigs {
        out.push_str(&format!(
            "##contig=<ID={},length={}>\n",
            c.name,
            c.seq.len()
        ));
    }
    out.push_str("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
    out.push_str(&format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
    ));
    let mut sorted: Vec<&Variant> = variants.iter().collect();
    sorted.sort_by_key(|v| (v.contig, v.pos));
    for v in sorted {
        out.push_str(&format!(
            "{}\t{}\t.\t{}\t{}\t.\tPASS\t.\tGT\t{}\n",
            contigs[v.contig].name,
            v.pos + 1,
            String::from_utf8_lossy(&v.reference),
            String::from_utf8_lossy(&v.alt),
            v.genotype()
        ));
    }
    out
}
