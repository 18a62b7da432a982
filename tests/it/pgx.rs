//! The `pgx` step against PharmCAT's own test VCFs and example (from the shared data, never copied
//! into the repository): every test VCF whose expected diplotype is known is called, the agreement
//! table is printed, and every miss fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cairn_steps::pgx::{self, Knowledge, PgxArgs};

mod cli;
mod dpyd;
mod generated;
mod generated_dpyd;
mod oracle;
mod pharmcat_cases;
mod phenotypes;

fn shared_pgx() -> Option<PathBuf> {
    let root = std::env::var_os("CAIRN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = root.join("pgx");
    if dir.join("test_vcfs/haplotype").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared PGx data not found at {} (set CAIRN_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

/// `path relative to haplotype/` -> expected diplotypes (any of), from `expected_diplotypes.tsv`.
fn expected_table(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(dir.join("expected_diplotypes.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let path = f.first()?.strip_prefix("haplotype/")?;
            Some((
                path.to_string(),
                f.get(1)?.split('|').map(str::to_string).collect(),
            ))
        })
        .collect()
}

/// Names of the gene's alleles a file-name token stands for: `s17` -> `*17`, `s4b` -> `*4B` (or
/// `*4` where suballeles were merged), `ref` -> the reference allele, DPYD `c2846` -> `c.2846...`.
fn token_alleles(token: &str, names: &[String], reference: &str) -> Vec<String> {
    if token == "ref" {
        return vec![reference.to_string()];
    }
    if let Some(star) = token.strip_prefix('s') {
        let full = format!("*{}", star.to_uppercase());
        let bare = format!(
            "*{}",
            star.trim_end_matches(|c: char| c.is_ascii_alphabetic())
        );
        return [full, bare]
            .into_iter()
            .filter(|n| names.contains(n))
            .take(1)
            .collect();
    }
    if let Some(hgvs) = token.strip_prefix('c') {
        let prefix = format!("c.{hgvs}");
        return names
            .iter()
            .filter(|n| {
                n.strip_prefix(&prefix)
                    .is_some_and(|r| r.starts_with(|c: char| !c.is_ascii_digit() && c != '-'))
            })
            .cloned()
            .collect();
    }
    Vec::new()
}

/// Expected diplotypes from a plain file name (`s1s17`, `SLCO1B1_s1_s15_t1`, `c2846het`, `refref`).
fn expected_from_name(stem: &str, gene: &pgx::definition::GeneDefinition) -> Option<Vec<String>> {
    let names: Vec<String> = gene.alleles.iter().map(|a| a.name.clone()).collect();
    let reference = gene.reference().name.clone();
    let stem = stem
        .strip_prefix(&format!("{}_", gene.gene))
        .unwrap_or(stem);
    let stem = stem.strip_suffix("_t1").unwrap_or(stem).replace('_', "");
    let tokens: Vec<String> = if stem == "novariant" {
        vec!["ref".into(), "ref".into()]
    } else if let Some(one) = stem.strip_suffix("het") {
        vec!["ref".into(), one.to_string()]
    } else {
        let re_split: Vec<usize> = stem
            .char_indices()
            .filter(|&(i, c)| i > 0 && (c == 's' || c == 'c' || stem[i..].starts_with("ref")))
            .map(|(i, _)| i)
            .collect();
        let cut = *re_split.first()?;
        vec![stem[..cut].to_string(), stem[cut..].to_string()]
    };
    let valid = |t: &str| {
        t == "ref"
            || (t.starts_with('s') && is_star_token(&t[1..]))
            || (t.starts_with('c')
                && t[1..].chars().all(|c| c.is_ascii_digit() || c == '-')
                && t.len() > 1)
    };
    if tokens.len() != 2 || !tokens.iter().all(|t| valid(t)) {
        return None;
    }
    let (a, b) = (
        token_alleles(&tokens[0], &names, &reference),
        token_alleles(&tokens[1], &names, &reference),
    );
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut out = BTreeSet::new();
    for x in &a {
        for y in &b {
            for (p, q) in [(x, y), (y, x)] {
                out.insert(format!("{p}/{q}"));
            }
        }
    }
    Some(out.into_iter().collect())
}

/// Files whose names carry qualifiers but whose answer PharmCAT's own tests state (test named in
/// each comment); an empty list means "no call".
fn from_pharmcat_tests(rel: &str) -> Option<Vec<String>> {
    let want: &[&str] = match rel {
        // NamedAlleleMatcherCyp2c9Test.s2_s24Only: *2 het with *24 hom fits no pair
        "cyp2c9/s2s24only.vcf" => &[],
        // NamedAlleleMatcherCyp2c9Test.s24_s2s24: same genotype, "should result in a non-call"
        "cyp2c9/s24s2pluss24.vcf" => &[],
        // NamedAlleleMatcherCyp2c19Test.cyp2c19sUnks17: only one haplotype matches, no diplotype
        "cyp2c19/sUnks17.vcf" => &[],
        // NamedAlleleMatcherCyp2c19Test (its *4B is *4 in current CPIC names; all hits listed there)
        "cyp2c19/rs12769205missingrs4244285het.vcf" => &["*1/*2"],
        "cyp2c19/s1s1rs12248560missing.vcf" => &["*1/*1"],
        "cyp2c19/s1s17s1s4bmissing.vcf" => &["*1/*17", "*1/*4"],
        "cyp2c19/s4bs17rs28399504missing.vcf" => &["*17/*17", "*4/*17", "*4/*4"],
        "cyp2c19/s1s17s1s4bmissingmore.vcf" => &["*1/*17", "*1/*4"],
        // PipelineTest testCyp2c19s1s4missingS1: rs3758581 missing, so *1 and *38 tie
        "cyp2c19/s4s17missingS1.vcf" => &["*1/*4", "*4/*38"],
        // PipelineTest dpyd s1s2b: the two lowest-function alleles
        "DPYD/s1s2b.vcf" => &["c.1627A>G (*5)/c.1905+1G>A (*2A)"],
        // PipelineTest testSlco1b1TestMulti: not called; rs4149056 genotype shown instead
        "SLCO1B1/multi.vcf" => &["rs4149056T/rs4149056C"],
        _ => return None,
    };
    Some(want.iter().map(|s| s.to_string()).collect())
}

/// `17`, `4b`: digits and at most one suballele letter.
fn is_star_token(t: &str) -> bool {
    let digits = t.trim_end_matches(|c: char| c.is_ascii_lowercase());
    !digits.is_empty() && t.len() - digits.len() <= 1 && digits.chars().all(|c| c.is_ascii_digit())
}

struct Row {
    file: String,
    expected: Vec<String>,
    got: Vec<String>,
    /// Every diplotype consistent with the genotypes, best first (PharmCAT's "all hits").
    viable: Vec<String>,
}

impl Row {
    fn verdict(&self) -> &'static str {
        if self.expected.is_empty() {
            return if self.got.is_empty() { "ok" } else { "MISS" };
        }
        let hit = self.got.iter().any(|g| self.expected.contains(g));
        match (hit, self.got.iter().all(|g| self.expected.contains(g))) {
            (true, true) => "ok",
            (true, false) => "ok (ambiguous)",
            _ if self.viable.iter().any(|v| self.expected.contains(v)) => "outscored",
            _ => "MISS",
        }
    }
}

/// Every diplotype of `gene` consistent with the VCF's genotypes, whatever its score.
fn viable(k: &Knowledge, vcf: &Path, gene: &str) -> Vec<String> {
    let Ok(geno) = pgx::vcf::read(vcf, None, &pgx::sites(&k.definitions)) else {
        return Vec::new();
    };
    let def = &k.definitions.genes[gene];
    let opts = pgx::matcher::Options {
        assume_reference: true,
        ..Default::default()
    };
    let data = pgx::matcher::MatchData::new(def, &geno, opts);
    data.diplotypes(false).iter().map(|d| d.name()).collect()
}

fn call_file(k: &Knowledge, vcf: &Path, gene: &str) -> Vec<String> {
    let args = PgxArgs {
        vcf: vcf.to_path_buf(),
        definitions: PathBuf::new(),
        sample: None,
        outside_calls: None,
        missing_to_ref: false,
        out: PathBuf::new(),
    };
    match pgx::compute_with(k, &args) {
        Ok(r) => r
            .genes
            .iter()
            .find(|g| g.gene == gene)
            .map(|g| g.diplotypes.iter().map(|d| d.name.clone()).collect())
            .unwrap_or_default(),
        Err(e) => vec![format!("error: {}", e.message)],
    }
}

#[test]
fn haplotype_test_vcfs_agree_with_pharmcat() {
    let Some(dir) = shared_pgx() else { return };
    let k = Knowledge::load(&dir).expect("definitions load");
    let defs = &k.definitions;
    let table = expected_table(&dir);
    let base = dir.join("test_vcfs/haplotype");
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    for entry in std::fs::read_dir(&base).expect("haplotype dir") {
        let sub = entry.expect("entry").path();
        let Some(gene) = sub
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_uppercase)
        else {
            continue;
        };
        let Some(def) = defs.genes.get(&gene).filter(|_| sub.is_dir()) else {
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&sub)
            .expect("gene dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "vcf"))
            .collect();
        files.sort();
        for f in files {
            let rel = f
                .strip_prefix(&base)
                .expect("under base")
                .to_string_lossy()
                .into_owned();
            let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let expected = table
                .get(&rel)
                .cloned()
                .or_else(|| from_pharmcat_tests(&rel))
                .or_else(|| expected_from_name(stem, def));
            match expected {
                Some(expected) => rows.push(Row {
                    got: call_file(&k, &f, &gene),
                    viable: viable(&k, &f, &gene),
                    file: rel,
                    expected,
                }),
                None => unknown.push(rel),
            }
        }
    }
    rows.sort_by(|a, b| a.file.cmp(&b.file));
    println!(
        "{:<48} {:<40} {:<50} verdict",
        "file", "expected (any of)", "got"
    );
    for r in &rows {
        println!(
            "{:<48} {:<40} {:<50} {}",
            r.file,
            r.expected.join(" | "),
            r.got.join(" | "),
            r.verdict()
        );
    }
    let count = |v: &str| rows.iter().filter(|r| r.verdict() == v).count();
    let (exact, ambiguous, outscored) = (count("ok"), count("ok (ambiguous)"), count("outscored"));
    let misses: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict() == "MISS")
        .map(|r| r.file.as_str())
        .collect();
    println!(
        "\nagreement: {}/{} ({exact} exact, {ambiguous} with the expected call among tied ones); \
         {outscored} where the name's diplotype fits the genotypes but a higher-scoring one wins \
         (unphased data cannot tell them apart; PharmCAT's score rule decides); {} misses",
        exact + ambiguous,
        rows.len(),
        misses.len()
    );
    let mut per_gene: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &rows {
        let gene = r.file.split('/').next().unwrap_or_default().to_uppercase();
        let e = per_gene.entry(gene).or_default();
        e.1 += 1;
        e.0 += usize::from(r.verdict().starts_with("ok"));
    }
    let shown: Vec<String> = per_gene
        .iter()
        .map(|(g, (ok, n))| format!("{g} {ok}/{n}"))
        .collect();
    println!("per gene: {}", shown.join(", "));
    println!(
        "{} files without a known expectation: {}",
        unknown.len(),
        unknown.join(", ")
    );
    assert!(
        rows.len() >= 50,
        "expected most test VCFs to have a known expectation, got {}",
        rows.len()
    );
    assert!(
        misses.is_empty(),
        "called differently from PharmCAT: {}",
        misses.join(", ")
    );
}
