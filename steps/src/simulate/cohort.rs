//! The demo cohort: a small synthetic genome with real gene names, designed so that planted
//! variants give real, recognisable protein changes, plus pharmacogene loci and three samples.
//!
//! Contigs are random sequence from the simulator's genome model (repeats and all) named
//! `demo_chr<N>` after the chromosome of what they hold:
//! - `demo_chr7`: a BRAF-like gene on the minus strand, 18 exons, 766 codons. Its protein is
//!   synthetic except M1 and the activation segment D594-F-G-L-A-T-V-K-S602 (V600 encoded GTG),
//!   so c.1799T>A is p.Val600Glu in exon 15, as in BRAF;
//! - `demo_chr17`: BRCA1 on the minus strand with its coding sequence and exon structure
//!   ([`brca1`]) and shortened synthetic introns, so c.68_69del is p.Glu23ValfsTer17;
//! - `demo_chr1`, `demo_chr6`, `demo_chr10`, `demo_chr12`, `demo_chr13`, `demo_chr16`,
//!   `demo_chr22`: pharmacogene definition positions ([`pgx`]).
//!
//! [`generate`] writes `ref.fa(.fai)`, `genes.gff3` (the two gene models), `genes.bed` (coding
//! exons and PGx positions, named by gene: the regions whose coverage a report shows), `pgx/`
//! (the demo definition set) and `<sample>.planted.vcf` per sample ([`samples`]); the simulator
//! then makes each sample's reads and truth from its planted VCF. One fixed seed: same bytes on
//! every run.

pub mod brca1;
pub mod design;
pub mod pgx;
pub mod samples;

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::genome::{random_reference, Contig};
use super::variants::{plant, Variant, VariantRates};
use crate::{Result, StepError};
use design::{place, random_cds, Layout, Transcript};
pub use samples::SAMPLES;

/// Seed of the demo genome.
const SEED: u64 = 2026;
/// Random sequence on each side of a gene.
const FLANK: usize = 3000;

/// The BRAF-like coding sequence: 766 random sense codons but M1, the activation segment
/// 594-602 (V600 = GTG), D300 (GAT) and L450 (CTG), which the demo's variants change.
fn braf_cds(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let fixed: Vec<(usize, &[u8; 3])> = vec![
        (1, b"ATG"),
        (300, b"GAT"),
        (450, b"CTG"),
        (594, b"GAT"),
        (595, b"TTT"),
        (596, b"GGT"),
        (597, b"CTA"),
        (598, b"GCT"),
        (599, b"ACA"),
        (600, b"GTG"),
        (601, b"AAA"),
        (602, b"TCT"),
    ];
    random_cds(766, &fixed, rng)
}

/// BRAF-like exon ends: exon 15 is c.1742-1860 as in BRAF, the others split the rest evenly.
fn braf_exon_ends() -> Vec<usize> {
    let mut ends: Vec<usize> = (1..=14).map(|k| 1741 * k / 14).collect();
    ends.push(1860);
    ends.extend((1..=3).map(|k| 1860 + 441 * k / 3));
    ends
}

/// A contig of random sequence holding one gene on the minus strand.
fn gene_contig(name: &str, layout: &Layout<'_>, rng: &mut ChaCha8Rng) -> (Contig, Transcript) {
    let bound = layout.cds.len() + layout.utr5 + layout.utr3 + 450 * layout.exon_ends.len();
    let mut contig = random_reference((bound + 2 * FLANK) as u64, 1, rng).remove(0);
    contig.name = name.to_string();
    let tx = place(layout, (name, &mut contig.seq), FLANK, true, rng);
    contig.seq.truncate(FLANK + tx.len + FLANK);
    (contig, tx)
}

fn chrom_number(name: &str) -> u32 {
    name.trim_start_matches("demo_chr")
        .parse()
        .unwrap_or(u32::MAX)
}

/// The demo genome: gene contigs, PGx contigs (REF bases at the definition positions).
fn genome(loci: &pgx::Loci, rng: &mut ChaCha8Rng) -> (Vec<Contig>, Vec<Transcript>) {
    let braf = braf_cds(rng);
    let braf_ends = braf_exon_ends();
    let braf_layout = Layout {
        gene: "BRAF",
        cds: &braf,
        utr5: 60,
        first_exon_utr: None,
        utr3: 300,
        exon_ends: &braf_ends,
    };
    let brca1_layout = Layout {
        gene: "BRCA1",
        cds: brca1::CDS.as_bytes(),
        utr5: 120,
        first_exon_utr: Some(101),
        utr3: 300,
        exon_ends: &brca1::EXON_ENDS,
    };
    let (c7, braf_tx) = gene_contig("demo_chr7", &braf_layout, rng);
    let (c17, brca1_tx) = gene_contig("demo_chr17", &brca1_layout, rng);
    let mut contigs = vec![c7, c17];
    for (name, len) in &loci.contigs {
        let mut c = random_reference(*len as u64, 1, rng).remove(0);
        c.name = name.clone();
        for s in loci.sites.iter().filter(|s| &s.contig == name) {
            c.seq[s.pos - 1] = s.reference.as_bytes()[0];
        }
        contigs.push(c);
    }
    contigs.sort_by_key(|c| chrom_number(&c.name));
    (contigs, vec![braf_tx, brca1_tx])
}

/// Every variant one sample carries: background, designed and PGx.
fn sample_variants(
    plan: &samples::SamplePlan,
    contigs: &[Contig],
    txs: &[Transcript],
    sites: &[pgx::Site],
) -> Result<Vec<Variant>> {
    let exons: Vec<(String, usize, usize)> = txs
        .iter()
        .flat_map(|t| {
            t.exon_intervals()
                .into_iter()
                .map(|(s, e)| (t.contig.clone(), s, e))
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let rates = VariantRates {
        snv: 0.001,
        indel: 0.000125,
        hom_fraction: 1.0 / 3.0,
        max_indel: 10,
    };
    let mut out: Vec<Variant> = plant(contigs, rates, &mut rng)
        .into_iter()
        .filter(|v| samples::keep_background(v, contigs, &exons, sites))
        .collect();
    for &(gene, change, gt) in plan.designed {
        let tx = txs.iter().find(|t| t.gene == gene).expect("designed gene");
        out.push(samples::designed(contigs, tx, change, gt));
    }
    for &(rsid, gt) in plan.pgx {
        out.push(samples::pgx_variant(contigs, sites, rsid, gt)?);
    }
    out.sort_by_key(|v| (v.contig, v.pos));
    Ok(out)
}

/// `genes.bed`: coding exons of the demo genes and the PGx positions, named by gene.
fn genes_bed(contigs: &[Contig], txs: &[Transcript], sites: &[pgx::Site]) -> String {
    let mut rows: Vec<(usize, usize, usize, String)> = Vec::new();
    let index = |name: &str| contigs.iter().position(|c| c.name == name).unwrap_or(0);
    for t in txs {
        for (s, e) in t.coding_intervals() {
            rows.push((index(&t.contig), s, e, t.gene.clone()));
        }
    }
    for s in sites {
        rows.push((index(&s.contig), s.pos - 1, s.pos, s.gene.clone()));
    }
    rows.sort();
    rows.iter()
        .map(|(c, s, e, g)| format!("{}\t{s}\t{e}\t{g}\n", contigs[*c].name))
        .collect()
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| StepError::io("write", path, e))
}

/// Write the demo cohort's reference, gene models, regions, PGx definitions and per-sample
/// planted VCFs into `out`, reading the CPIC-format definition set at `pgx_source`.
pub fn generate(out: &Path, pgx_source: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| StepError::io("create", out, e))?;
    let loci = pgx::loci(pgx_source)?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (contigs, txs) = genome(&loci, &mut rng);
    super::fasta::write(&out.join("ref.fa"), &out.join("ref.fa.fai"), &contigs)?;
    let mut gff = String::from("##gff-version 3\n");
    for c in &contigs {
        gff.push_str(&format!("##sequence-region {} 1 {}\n", c.name, c.seq.len()));
    }
    for t in &txs {
        gff.push_str(&t.gff3());
    }
    write(&out.join("genes.gff3"), &gff)?;
    write(
        &out.join("genes.bed"),
        &genes_bed(&contigs, &txs, &loci.sites),
    )?;
    pgx::write(&loci, &out.join("pgx"))?;
    for plan in &SAMPLES {
        let variants = sample_variants(plan, &contigs, &txs, &loci.sites)?;
        let text = samples::vcf(&contigs, &variants, plan.name);
        write(&out.join(format!("{}.planted.vcf", plan.name)), &text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::reverse_complement;

    #[test]
    fn braf_codon_600_is_gtg_in_exon_15_and_brca1_translates() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let cds = braf_cds(&mut rng);
        assert_eq!(&cds[1797..1800], b"GTG");
        let ends = braf_exon_ends();
        assert_eq!(
            (ends.len(), ends[13], ends[14], ends[17]),
            (18, 1741, 1860, 2301)
        );
        assert_eq!(cds.len(), 2301);
        assert_eq!(brca1::CDS.len(), 5592);
        assert_eq!(&brca1::CDS[66..69], "GAG");
        assert_eq!(reverse_complement(b"GTG"), b"CAC");
    }

    /// Same bytes on every run; the planted V600E sits on a GTG (CAC on the minus strand) codon.
    #[test]
    fn cohort_files_are_deterministic_and_consistent() {
        let pgx = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../test-data/pgx"));
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        generate(a.path(), pgx).unwrap();
        generate(b.path(), pgx).unwrap();
        for f in [
            "ref.fa",
            "genes.gff3",
            "genes.bed",
            "S1.planted.vcf",
            "S3.planted.vcf",
        ] {
            let read = |d: &Path| std::fs::read(d.join(f)).unwrap();
            assert_eq!(read(a.path()), read(b.path()), "{f} differs between runs");
        }
        let defs = crate::pgx::definition::Definitions::load(&a.path().join("pgx")).unwrap();
        assert_eq!(defs.genes["CYP2C19"].loci[0].chromosome, "demo_chr10");
        let s1 = std::fs::read_to_string(a.path().join("S1.planted.vcf")).unwrap();
        let braf: Vec<&str> = s1
            .lines()
            .filter(|l| l.starts_with("demo_chr7\t"))
            .filter(|l| l.split('\t').nth(4) == Some("T"))
            .collect();
        assert!(!braf.is_empty(), "no A>T (c.1799T>A) on demo_chr7");
    }
}
