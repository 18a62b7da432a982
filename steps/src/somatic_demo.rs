//! `cairn step somatic-demo-data`: a synthetic tumour/normal patient for `workflows/somatic.yaml`.
//!
//! The germline demo needs only random sequence; an oncology report needs genes and actionable
//! mutations in them, so this builds a reference around two synthetic open reading frames named
//! after real oncogenes (a 766-codon `BRAF` whose codon 600 is GTG, a 189-codon `KRAS` whose codon
//! 12 is GGT), writes their GFF3 gene models, and plants somatic BRAF c.1799T>A (p.Val600Glu) and
//! KRAS c.34G>T (p.Gly12Cys) among random somatic SNVs and indels at allele fractions 0.1-0.45.
//! The simulator then draws germline variants and normal (30x) and tumour (60x) reads. Everything
//! follows from the seed, so the folder is regenerated, not committed; it is written under a
//! temporary name and renamed when complete.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use clap::Parser;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{simulate, Result, StepError};

/// Generate a synthetic tumour/normal patient.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Output folder: ref.fa, genes.gff3, tumour/normal FASTQs, truth VCFs, patients.csv.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 21)]
    pub seed: u64,
    /// Tumour type written into the sample sheet.
    #[arg(long, default_value = "Melanoma")]
    pub tumor_type: String,
}

const SIZE: usize = 120_000;
const CONTIG: &str = "chr1";
/// A synthetic gene: name, start (0-based), codons including the stop, and one fixed codon
/// (1-based index, codon).
type Gene = (&'static str, usize, usize, (usize, &'static [u8]));
const GENES: &[Gene] = &[
    ("BRAF", 20_000, 767, (600, b"GTG")),
    ("KRAS", 70_000, 190, (12, b"GGT")),
];
/// Actionable somatic SNVs: (gene index, offset in the CDS, alt base, allele fraction).
const ACTIONABLE: &[(usize, usize, u8, f64)] = &[(0, 1798, b'A', 0.3), (1, 33, b'T', 0.2)];
const RANDOM_SNVS: usize = 40;
const RANDOM_INDELS: usize = 6;

#[derive(Parser)]
struct Sim {
    #[command(flatten)]
    args: simulate::Args,
}

fn simulate_with(argv: &[&str]) -> Result<()> {
    let sim = Sim::try_parse_from(std::iter::once("simulate").chain(argv.iter().copied()))
        .map_err(|e| StepError::failed(format!("simulator arguments: {e}")))?;
    simulate::run(sim.args)
}

/// Run the generator.
pub fn run(args: Args) -> Result<()> {
    let tmp = args
        .out
        .with_extension(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| StepError::io("create", &tmp, e))?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let seq = reference(&mut rng);
    let write = |name: &str, text: &str| {
        let p = tmp.join(name);
        std::fs::write(&p, text).map_err(|e| StepError::io("write", &p, e))
    };
    write("ref.fa", &fasta(&seq))?;
    write("genes.gff3", &gff3())?;
    let s = |p: PathBuf| p.display().to_string();
    let seed = args.seed.to_string();
    let germ = tmp.join("germline");
    simulate_with(&[
        "--reference",
        &s(tmp.join("ref.fa")),
        "--coverage",
        "0",
        "--seed",
        &seed,
        "--out",
        &s(germ.clone()),
    ])?;
    let busy = germline_positions(&germ.join("truth.vcf.gz"))?;
    write("somatic.given.vcf", &somatic_vcf(&seq, &busy, &mut rng))?;
    let pair = tmp.join("pair");
    simulate_with(&[
        "--reference",
        &s(tmp.join("ref.fa")),
        "--variants",
        &s(germ.join("truth.vcf.gz")),
        "--tumour",
        "--somatic",
        &s(tmp.join("somatic.given.vcf")),
        "--coverage",
        "30",
        "--tumour-coverage",
        "60",
        "--seed",
        &seed,
        "--sample",
        "P1",
        "--out",
        &s(pair.clone()),
    ])?;
    for (from, to) in [
        ("ref.fa.fai", "ref.fa.fai"),
        ("reads_1.fq.gz", "normal_1.fq.gz"),
        ("reads_2.fq.gz", "normal_2.fq.gz"),
        ("tumour_1.fq.gz", "tumour_1.fq.gz"),
        ("tumour_2.fq.gz", "tumour_2.fq.gz"),
        ("truth.vcf.gz", "germline.truth.vcf.gz"),
        ("truth.vcf.gz.tbi", "germline.truth.vcf.gz.tbi"),
        ("somatic.vcf.gz", "somatic.truth.vcf.gz"),
        ("somatic.vcf.gz.tbi", "somatic.truth.vcf.gz.tbi"),
    ] {
        let (a, b) = (pair.join(from), tmp.join(to));
        std::fs::rename(&a, &b).map_err(|e| StepError::io("move", &a, e))?;
    }
    let given = tmp.join("somatic.given.vcf");
    std::fs::remove_file(&given).map_err(|e| StepError::io("remove", &given, e))?;
    for d in [&germ, &pair] {
        std::fs::remove_dir_all(d).map_err(|e| StepError::io("remove", d, e))?;
    }
    write(
        "patients.csv",
        &format!(
            "sample,tumor_fastq_1,tumor_fastq_2,normal_fastq_1,normal_fastq_2,tumor_type\n\
             P1,tumour_1.fq.gz,tumour_2.fq.gz,normal_1.fq.gz,normal_2.fq.gz,{}\n",
            args.tumor_type
        ),
    )?;
    let _ = std::fs::remove_dir_all(&args.out);
    std::fs::rename(&tmp, &args.out).map_err(|e| StepError::io("publish", &args.out, e))
}

const SENSE: &[&[u8]] = &[
    b"GCT", b"GCC", b"GCA", b"GCG", b"CGT", b"CGC", b"CGA", b"CGG", b"AGA", b"AGG", b"AAT", b"AAC",
    b"GAT", b"GAC", b"TGT", b"TGC", b"CAA", b"CAG", b"GAA", b"GAG", b"GGT", b"GGC", b"GGA", b"GGG",
    b"CAT", b"CAC", b"ATT", b"ATC", b"ATA", b"TTA", b"TTG", b"CTT", b"CTC", b"CTA", b"CTG", b"AAA",
    b"AAG", b"TTT", b"TTC", b"CCT", b"CCC", b"CCA", b"CCG", b"TCT", b"TCC", b"TCA", b"TCG", b"AGT",
    b"AGC", b"ACT", b"ACC", b"ACA", b"ACG", b"TGG", b"TAT", b"TAC", b"GTT", b"GTC", b"GTA", b"GTG",
];

/// Random sequence with the genes' reading frames written in.
fn reference(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut seq: Vec<u8> = (0..SIZE).map(|_| b"ACGT"[rng.random_range(0..4)]).collect();
    for &(_, start, codons, (fixed_at, fixed)) in GENES {
        for c in 0..codons {
            let codon: &[u8] = match c + 1 {
                1 => b"ATG",
                n if n == codons => b"TAA",
                n if n == fixed_at => fixed,
                _ => SENSE[rng.random_range(0..SENSE.len())],
            };
            seq[start + 3 * c..start + 3 * c + 3].copy_from_slice(codon);
        }
    }
    seq
}

fn fasta(seq: &[u8]) -> String {
    let mut out = format!(">{CONTIG}\n");
    for line in seq.chunks(60) {
        out += &String::from_utf8_lossy(line);
        out.push('\n');
    }
    out
}

/// GFF3 models: one transcript per gene, one exon with 50 bp UTRs, the CDS with its stop codon
/// (as Ensembl's GFF3 writes it).
fn gff3() -> String {
    let mut out = String::from("##gff-version 3\n");
    for &(name, start, codons, _) in GENES {
        let (cds_from, cds_to) = (start + 1, start + 3 * codons);
        let (ex_from, ex_to) = (cds_from - 50, cds_to + 50);
        let c = CONTIG;
        let _ = write!(
            out,
            "{c}\tcairn\tgene\t{ex_from}\t{ex_to}\t.\t+\t.\tID=gene:{name};Name={name};biotype=protein_coding\n\
             {c}\tcairn\tmRNA\t{ex_from}\t{ex_to}\t.\t+\t.\tID=transcript:{name}-201;Parent=gene:{name};biotype=protein_coding;tag=basic,Ensembl_canonical,MANE_Select\n\
             {c}\tcairn\texon\t{ex_from}\t{ex_to}\t.\t+\t.\tParent=transcript:{name}-201\n\
             {c}\tcairn\tCDS\t{cds_from}\t{cds_to}\t.\t+\t0\tID=CDS:{name}-201;Parent=transcript:{name}-201\n"
        );
    }
    out
}

fn germline_positions(path: &Path) -> Result<BTreeSet<usize>> {
    let file = std::fs::File::open(path).map_err(|e| StepError::io("open", path, e))?;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(file)
        .read_to_string(&mut text)
        .map_err(|e| StepError::io("read", path, e))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1)?.parse::<usize>().ok())
        .map(|p| p - 1)
        .collect())
}

/// The somatic truth to plant: the actionable SNVs, then random SNVs and indels (already
/// left-aligned) at least 20 bp from germline variants and from each other.
fn somatic_vcf(seq: &[u8], germline: &BTreeSet<usize>, rng: &mut ChaCha8Rng) -> String {
    let mut taken: BTreeSet<usize> = germline.clone();
    let mut recs: Vec<(usize, Vec<u8>, Vec<u8>, f64)> = Vec::new();
    for &(g, offset, alt, af) in ACTIONABLE {
        let pos = GENES[g].1 + offset;
        taken.insert(pos);
        recs.push((pos, vec![seq[pos]], vec![alt], af));
    }
    let free = |taken: &BTreeSet<usize>, p: usize| {
        taken.range(p.saturating_sub(20)..p + 20).next().is_none()
    };
    let mut i = 0;
    while recs.len() < ACTIONABLE.len() + RANDOM_SNVS + RANDOM_INDELS {
        let pos = rng.random_range(200..SIZE - 200);
        if !free(&taken, pos) {
            continue;
        }
        let af = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45][i % 8];
        let n = rng.random_range(1..=6usize);
        let rec = if recs.len() < ACTIONABLE.len() + RANDOM_SNVS {
            let others: Vec<u8> = b"ACGT".iter().copied().filter(|&b| b != seq[pos]).collect();
            let alt = others[rng.random_range(0..others.len())];
            Some((vec![seq[pos]], vec![alt]))
        } else if i % 2 == 0 && seq[pos] != seq[pos + n] {
            Some((seq[pos..=pos + n].to_vec(), vec![seq[pos]]))
        } else {
            let ins: Vec<u8> = (0..n).map(|_| b"ACGT"[rng.random_range(0..4)]).collect();
            (ins.last() != Some(&seq[pos])).then(|| {
                let mut alt = vec![seq[pos]];
                alt.extend_from_slice(&ins);
                (vec![seq[pos]], alt)
            })
        };
        i += 1;
        if let Some((r, a)) = rec {
            taken.insert(pos);
            recs.push((pos, r, a, af));
        }
    }
    recs.sort_by_key(|r| r.0);
    let mut out = String::from("##fileformat=VCFv4.3\n");
    out += "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Expected allele fraction\">\n";
    out += &format!("##contig=<ID={CONTIG},length={SIZE}>\n");
    out += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOUR\n";
    for (pos, r, a, af) in recs {
        let s = |x: &[u8]| String::from_utf8_lossy(x).into_owned();
        out += &format!(
            "{CONTIG}\t{}\t.\t{}\t{}\t.\tPASS\tAF={af}\tGT\t0|1\n",
            pos + 1,
            s(&r),
            s(&a)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genes_carry_their_fixed_codons_and_actionable_alleles() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let seq = reference(&mut rng);
        assert_eq!(&seq[20_000 + 599 * 3..20_000 + 600 * 3], b"GTG");
        assert_eq!(&seq[70_000 + 11 * 3..70_000 + 12 * 3], b"GGT");
        let vcf = somatic_vcf(&seq, &BTreeSet::new(), &mut rng);
        assert!(
            vcf.contains("chr1\t21799\t.\tT\tA\t.\tPASS\tAF=0.3"),
            "{vcf}"
        );
        assert!(vcf.contains("chr1\t70034\t.\tG\tT\t.\tPASS\tAF=0.2"));
        assert_eq!(vcf.lines().filter(|l| !l.starts_with('#')).count(), 48);
        assert!(gff3().contains("CDS\t20001\t22301\t"));
    }
}
