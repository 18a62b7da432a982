//! Generated samples for every gene of the shared definitions: VCFs written from the definition
//! positions (as PharmCAT's `pharmcat_positions.vcf` lays them out, REF/ALT as the definitions
//! spell them, indels included) for chosen diplotypes — each allele against the reference
//! (phased and not), each allele homozygous, random pairs, random pairs with positions left out,
//! and single-allele (male chrX) samples — then called by `cairn step pgx`'s library entry point.
//!
//! Each call must equal what PharmCAT's rule gives on the same genotypes ([`super::oracle`], an
//! independent pair-by-pair implementation); the table says per gene how often the generating
//! diplotype came back alone, among ties, or outscored (a higher-scoring pair explains the same
//! unphased genotypes, which PharmCAT's rule then reports instead). DPYD follows its own
//! least-function rules and is checked against the alleles the sample carries.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cairn_steps::pgx::definition::GeneDefinition;
use cairn_steps::pgx::output::GeneResult;
use cairn_steps::pgx::{self, Knowledge, PgxArgs};

use super::oracle::{self, bases, is_wobble, Gt};
use super::shared_pgx;

/// A small deterministic generator (xorshift64*): the cases are the same on every run.
pub struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

pub struct Case {
    pub label: String,
    /// The generating alleles (one for a haploid sample), sorted.
    pub truth: Vec<String>,
    /// Per definition position: the genotype written, or `None` (left out of the VCF).
    pub gts: Vec<Option<Gt>>,
    /// Write every defined ALT in the record (else only the ALTs called, as callers do).
    pub all_alts: bool,
    /// Write indels as a caller does, with the bases all alleles share at the end trimmed
    /// (`C>CAT` for the definition's `CAT>CATAT`).
    pub trimmed: bool,
}

/// The VCF allele an allele carries at position `i` (blank: the reference allele's; a wobble:
/// one of its non-reference bases).
pub fn strand_allele(def: &GeneDefinition, allele: usize, i: usize) -> String {
    let locus = &def.loci[i];
    let cell = def.alleles[allele].alleles[i]
        .clone()
        .or_else(|| def.reference().alleles[i].clone())
        .unwrap_or_else(|| locus.r#ref.clone());
    if !is_wobble(&cell) {
        return cell;
    }
    let choices: Vec<String> = bases(&cell)
        .chars()
        .map(String::from)
        .filter(|b| *b != locus.r#ref)
        .collect();
    choices
        .iter()
        .find(|b| locus.alts.contains(b))
        .or(choices.first())
        .cloned()
        .unwrap_or_else(|| locus.r#ref.clone())
}

fn diploid(def: &GeneDefinition, a: usize, b: usize, phased: bool, label: String) -> Case {
    let gts = (0..def.loci.len())
        .map(|i| {
            Some(Gt {
                a1: strand_allele(def, a, i),
                a2: Some(strand_allele(def, b, i)),
                phased,
            })
        })
        .collect();
    let mut truth = vec![def.alleles[a].name.clone(), def.alleles[b].name.clone()];
    truth.sort();
    Case {
        label,
        truth,
        gts,
        all_alts: false,
        trimmed: false,
    }
}

/// The cases for one gene.
pub fn cases(def: &GeneDefinition, rng: &mut Rng) -> Vec<Case> {
    let r = def.alleles.iter().position(|a| a.reference).expect("ref");
    let n = def.alleles.len();
    let name = |i: usize| def.alleles[i].name.clone();
    let mut out = Vec::new();
    // every allele against the reference (phased and not) and homozygous; genes with very many
    // alleles (RYR1, G6PD) get one of the three per allele, in turn, to keep the test quick
    let many = n > 100;
    for (k, a) in (0..n).filter(|&a| a != r).enumerate() {
        if !many || k % 3 == 0 {
            out.push(diploid(
                def,
                r,
                a,
                false,
                format!("ref/{} unphased", name(a)),
            ));
        }
        if !many || k % 3 == 1 {
            out.push(diploid(def, r, a, true, format!("ref|{} phased", name(a))));
        }
        if !many || k % 3 == 2 {
            out.push(diploid(def, a, a, false, format!("{0}/{0} hom", name(a))));
        }
    }
    if def.chromosome == "chrX" {
        for a in 0..n {
            let mut c = diploid(def, a, a, false, format!("{} haploid", name(a)));
            for g in c.gts.iter_mut().flatten() {
                g.a2 = None;
            }
            c.truth.truncate(1);
            out.push(c);
        }
    }
    for k in 0..60 {
        let (a, b) = (rng.below(n), rng.below(n));
        let phased = k % 2 == 0;
        let sep = if phased { "|" } else { "/" };
        let mut c = diploid(def, a, b, phased, format!("{}{sep}{}", name(a), name(b)));
        c.all_alts = rng.below(2) == 0;
        c.trimmed = !c.all_alts && rng.below(2) == 0;
        out.push(c);
    }
    for _ in 0..20 {
        let (a, b) = (rng.below(n), rng.below(n));
        let mut c = diploid(def, a, b, false, String::new());
        let dropped: BTreeSet<usize> = (0..=rng.below(3))
            .map(|_| rng.below(def.loci.len()))
            .collect();
        for &i in &dropped {
            c.gts[i] = None;
        }
        let at: Vec<String> = dropped.iter().map(|&i| def.loci[i].key()).collect();
        c.label = format!("{}/{} missing {}", name(a), name(b), at.join(","));
        out.push(c);
    }
    out
}

/// Drops the bases every allele ends with, keeping at least one base in each (a record without
/// ALT keeps the definition's REF: PharmCAT discards a shortened one as a REF mismatch).
fn trim_shared_end(alleles: &mut [String]) {
    if alleles.len() < 2 {
        return;
    }
    loop {
        let last = alleles[0].chars().last();
        let shared = alleles
            .iter()
            .all(|a| a.len() > 1 && a.chars().last() == last);
        if !shared {
            return;
        }
        for a in alleles.iter_mut() {
            a.pop();
        }
    }
}

/// The VCF text of a case.
pub fn vcf_text(def: &GeneDefinition, case: &Case) -> String {
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n\
         ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE\n",
    );
    for (l, g) in def.loci.iter().zip(&case.gts) {
        let Some(g) = g else { continue };
        let mut alleles = vec![l.r#ref.clone()];
        if case.all_alts {
            alleles.extend(l.alts.iter().cloned());
        }
        for a in std::iter::once(&g.a1).chain(&g.a2) {
            if !alleles.contains(a) {
                alleles.push(a.clone());
            }
        }
        let idx = |a: &str| alleles.iter().position(|x| x == a).unwrap_or(0);
        let gt = match &g.a2 {
            Some(a2) => {
                let sep = if g.phased { "|" } else { "/" };
                format!("{}{sep}{}", idx(&g.a1), idx(a2))
            }
            None => idx(&g.a1).to_string(),
        };
        if case.trimmed {
            trim_shared_end(&mut alleles);
        }
        let alt = if alleles.len() > 1 {
            alleles[1..].join(",")
        } else {
            ".".into()
        };
        vcf.push_str(&format!(
            "{}\t{}\t{}\t{}\t{alt}\t.\tPASS\t.\tGT\t{gt}\n",
            l.chromosome,
            l.position,
            l.rsid.as_deref().unwrap_or("."),
            alleles[0]
        ));
    }
    vcf
}

pub fn call(k: &Knowledge, vcf: &Path, gene: &str) -> GeneResult {
    let args = PgxArgs {
        vcf: vcf.to_path_buf(),
        definitions: PathBuf::new(),
        sample: None,
        outside_calls: None,
        missing_to_ref: false,
        out: PathBuf::new(),
    };
    let result = pgx::compute_with(k, &args).expect("compute");
    result
        .genes
        .into_iter()
        .find(|g| g.gene == gene)
        .expect("gene in result")
}

/// The called diplotypes as sorted name lists (empty when not called).
pub fn called(g: &GeneResult) -> BTreeSet<Vec<String>> {
    if !g.called {
        return BTreeSet::new();
    }
    g.diplotypes
        .iter()
        .map(|d| {
            let mut v: Vec<String> = std::iter::once(&d.allele1)
                .chain(&d.allele2)
                .map(|a| a.name.clone())
                .collect();
            v.sort();
            v
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    cases: usize,
    agree: usize,
    exact: usize,
    tied: usize,
    outscored: usize,
    no_call: usize,
    /// Called samples whose every diplotype has a phenotype (not `n/a`).
    phenotyped: usize,
    no_phenotype: Vec<String>,
    failures: Vec<String>,
}

fn show(set: &BTreeSet<Vec<String>>) -> String {
    let v: Vec<String> = set.iter().map(|d| d.join("/")).collect();
    if v.is_empty() {
        "(no call)".into()
    } else {
        v.join(" | ")
    }
}

fn check_gene(k: &Knowledge, def: &GeneDefinition, rng: &mut Rng, dir: &Path) -> Tally {
    let mut t = Tally::default();
    for (n, case) in cases(def, rng).iter().enumerate() {
        let vcf = dir.join(format!("{}_{n}.vcf", def.gene));
        std::fs::write(&vcf, vcf_text(def, case)).expect("write vcf");
        let g = call(k, &vcf, &def.gene);
        let got = called(&g);
        t.cases += 1;
        if g.called {
            let missing: Vec<&str> = g
                .diplotypes
                .iter()
                .filter(|d| d.phenotype.as_deref().is_none_or(|p| p == "n/a"))
                .map(|d| d.name.as_str())
                .collect();
            if missing.is_empty() {
                t.phenotyped += 1;
            } else {
                t.no_phenotype.extend(missing.iter().map(|m| m.to_string()));
            }
        }
        if def.gene == "DPYD" {
            match super::generated_dpyd::check_case(def, case, &g, &got) {
                Ok(exact) => {
                    t.agree += 1;
                    t.exact += usize::from(exact);
                }
                Err(f) => t.failures.push(f),
            }
            continue;
        }
        let want = oracle::expected(def, &case.gts);
        if got == want {
            t.agree += 1;
        } else {
            t.failures.push(format!(
                "{} {}: got {}, PharmCAT's rule gives {}",
                def.gene,
                case.label,
                show(&got),
                show(&want)
            ));
        }
        if got.is_empty() {
            t.no_call += 1;
        } else if got.len() == 1 && got.contains(&case.truth) {
            t.exact += 1;
        } else if got.contains(&case.truth) {
            t.tied += 1;
        } else {
            t.outscored += 1;
        }
    }
    t
}

#[test]
fn generated_samples_follow_pharmcat_for_every_gene() {
    let Some(dir) = shared_pgx() else { return };
    let k = Knowledge::load(&dir).expect("knowledge");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tallies = BTreeMap::new();
    for (gene, def) in &k.definitions.genes {
        if pgx::assemble::NOT_FROM_VCF.contains(&gene.as_str()) {
            continue;
        }
        // the gene alone (with its phenotype table): other genes and guidelines only cost time
        let one = Knowledge {
            definitions: pgx::definition::Definitions {
                genes: BTreeMap::from([(gene.clone(), def.clone())]),
            },
            phenotypes: pgx::phenotype::Phenotypes {
                genes: k
                    .phenotypes
                    .genes
                    .clone()
                    .into_iter()
                    .filter(|(g, _)| g == gene)
                    .collect(),
            },
            guidelines: Default::default(),
        };
        tallies.insert(gene.clone(), check_gene(&one, def, &mut rng, tmp.path()));
    }
    println!(
        "{:<8} {:>6} {:>10} {:>8} {:>6} {:>10} {:>8} {:>10}",
        "gene", "cases", "rule-agree", "exact", "tied", "outscored", "no-call", "phenotype"
    );
    let mut failures = Vec::new();
    for (gene, t) in &tallies {
        println!(
            "{gene:<8} {:>6} {:>10} {:>8} {:>6} {:>10} {:>8} {:>10}",
            t.cases, t.agree, t.exact, t.tied, t.outscored, t.no_call, t.phenotyped
        );
        if !t.no_phenotype.is_empty() && t.phenotyped > 0 {
            let mut v = t.no_phenotype.clone();
            v.sort();
            v.dedup();
            println!(
                "  no phenotype for {} diplotypes, e.g. {:?}",
                v.len(),
                &v[..v.len().min(4)]
            );
        }
        failures.extend(t.failures.iter().take(5).cloned());
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    let total: usize = tallies.values().map(|t| t.failures.len()).sum();
    assert_eq!(total, 0, "{total} generated samples called differently");
}
