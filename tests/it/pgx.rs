//! The `pgx` step against PharmCAT's own test VCFs and example (from the shared data, never copied
//! into the repository): every test VCF whose expected diplotype is known is called, the agreement
//! table is printed, and every miss fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cairn_steps::pgx::{self, Knowledge, PgxArgs};

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

fn run_cairn(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("step")
        .arg("pgx")
        .args(args)
        .output()
        .expect("run cairn")
}

#[test]
fn pharmcat_example_reproduces_expected_calls() {
    let Some(dir) = shared_pgx() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("example.pgx.json");
    let ex = dir.join("example");
    let o = run_cairn(&[
        "--vcf".as_ref(),
        ex.join("pharmcat.example.vcf").as_os_str(),
        "--definitions".as_ref(),
        dir.as_os_str(),
        "--outside-calls".as_ref(),
        ex.join("pharmcat.example.outsideCall.tsv").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("output")).expect("json");
    let genes: BTreeMap<&str, &serde_json::Value> = json["genes"]
        .as_array()
        .expect("genes")
        .iter()
        .map(|g| (g["gene"].as_str().unwrap_or_default(), g))
        .collect();
    let expected = std::fs::read_to_string(dir.join("example_expected_calls.tsv")).expect("tsv");
    let mut failures = Vec::new();
    println!(
        "{:<8} {:<55} {:<45} verdict",
        "gene", "diplotype expected / got", "phenotype expected / got"
    );
    for line in expected.lines().skip(1).filter(|l| l.starts_with("CPIC\t")) {
        let f: Vec<&str> = line.split('\t').collect();
        let (gene, want_dip, want_pheno) = (f[1], f[2], f[3]);
        let g = genes.get(gene);
        let strings = |key: &str| -> Vec<String> {
            g.and_then(|g| g[key].as_array())
                .map(|a| {
                    a.iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| x["name"].to_string())
                        })
                        .map(|s| s.trim_matches('"').to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        let got_dip = strings("diplotypes").join(" | ");
        let got_pheno = strings("phenotypes").join(";");
        // PharmCAT writes an uncalled gene as Unknown/Unknown
        let dip_ok = got_dip == want_dip || (want_dip == "Unknown/Unknown" && got_dip.is_empty());
        let has_table = dir
            .join(format!("phenotype/cpic/{}.json", gene.replace('-', "_")))
            .is_file();
        let needs_table = !has_table && !want_pheno.is_empty() && f[5] == "MATCHER";
        let pheno_ok = got_pheno == want_pheno || needs_table;
        let verdict = match (dip_ok, pheno_ok, needs_table) {
            (true, true, false) => "ok",
            (true, true, true) => "ok (phenotype table not in the data; phenotype not checked)",
            _ => "MISMATCH",
        };
        println!(
            "{gene:<8} {:<55} {:<45} {verdict}",
            format!("{want_dip} / {got_dip}"),
            format!("{want_pheno} / {got_pheno}")
        );
        if verdict == "MISMATCH" {
            failures.push(gene.to_string());
        }
    }
    assert!(failures.is_empty(), "example calls differ for {failures:?}");
    assert!(json["recommendations"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

const HEADER: &str = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT";

#[test]
fn bad_inputs_give_clear_errors() {
    let Some(dir) = shared_pgx() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o.json");
    let run = |vcf: &Path, extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--vcf".as_ref(),
            vcf.as_os_str(),
            "--definitions".as_ref(),
            dir.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        let o = run_cairn(&args);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // two samples and no --sample; then a sample that is not there; then the right one
    let multi = write(
        tmp.path(),
        "multi.vcf",
        &format!("{HEADER}\tA\tB\nchr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/1\t1/1\n"),
    );
    let (code, err) = run(&multi, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--sample") && err.contains("A, B"), "{err}");
    let (code, err) = run(&multi, &["--sample", "C"]);
    assert!(
        code == Some(2) && err.contains("sample `C` is not in the VCF"),
        "{err}"
    );
    let (code, err) = run(&multi, &["--sample", "B"]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
    assert_eq!(json["sample"], "B");
    // a genotype that names a missing ALT
    let bad_gt = write(
        tmp.path(),
        "badgt.vcf",
        &format!("{HEADER}\tS\nchr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/2\n"),
    );
    let (code, err) = run(&bad_gt, &[]);
    assert!(
        code == Some(2) && err.contains("line 3") && err.contains("0/2"),
        "{err}"
    );
    // GRCh37 coordinates: REF disagrees at most definition positions
    let pos = pgx::definition::Definitions::load(&dir).expect("defs");
    let mut body = String::new();
    for l in pos.genes["CYP2C9"].loci.iter().take(8) {
        let wrong = if l.r#ref.starts_with('A') { "C" } else { "A" };
        body.push_str(&format!(
            "{}\t{}\t.\t{wrong}\tG\t.\tPASS\t.\tGT\t0/0\n",
            l.chromosome, l.position
        ));
    }
    let hg19 = write(tmp.path(), "hg19.vcf", &format!("{HEADER}\tS\n{body}"));
    let (code, err) = run(&hg19, &[]);
    assert!(code == Some(2) && err.contains("genome build"), "{err}");
    let declared = write(
        tmp.path(),
        "declared.vcf",
        &format!(
            "##fileformat=VCFv4.2\n##reference=file:///ref/hs37d5.fa\n{}\tS\n",
            &HEADER[21..]
        ),
    );
    let (code, err) = run(&declared, &[]);
    assert!(code == Some(2) && err.contains("GRCh38"), "{err}");
}

/// The project's own small knowledge set and demo sample: every field the report needs is there.
#[test]
fn demo_sample_carries_report_fields() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/pgx");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("DEMO1.pgx.json");
    let o = run_cairn(&[
        "--vcf".as_ref(),
        root.join("demo.vcf").as_os_str(),
        "--definitions".as_ref(),
        root.as_os_str(),
        "--outside-calls".as_ref(),
        root.join("demo.outside_calls.tsv").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).expect("output");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let gene = |g: &str| {
        json["genes"]
            .as_array()
            .expect("genes")
            .iter()
            .find(|x| x["gene"] == g)
            .cloned()
            .expect(g)
    };
    let calls = [
        ("CYP2C19", "*1/*17", "Rapid Metabolizer"),
        ("CYP2C9", "*1/*3", "Intermediate Metabolizer"),
        ("DPYD", "Reference/c.2846A>T", "Intermediate Metabolizer"),
        ("TPMT", "*1/*3A", "Intermediate Metabolizer"),
        ("SLCO1B1", "*1/*5", "Decreased Function"),
        ("CYP2D6", "*1/*4", "Intermediate Metabolizer"),
    ];
    for (g, dip, pheno) in calls {
        let r = gene(g);
        assert_eq!(r["diplotypes"][0]["name"], dip, "{g}");
        assert_eq!(r["phenotypes"][0], pheno, "{g}");
    }
    assert_eq!(gene("CYP2D6")["call_source"], "outside");
    assert_eq!(gene("DPYD")["activity_scores"][0], "1.5");
    let nudt15 = gene("NUDT15");
    assert_eq!(nudt15["called"], false);
    assert_eq!(nudt15["positions_not_assessed"][0]["rsid"], "rs116855232");
    assert_eq!(json["not_called"][0]["gene"], "NUDT15");
    let drugs: Vec<&str> = json["recommendations"]
        .as_array()
        .expect("recommendations")
        .iter()
        .flat_map(|r| r["drugs"].as_array().into_iter().flatten())
        .filter_map(|d| d.as_str())
        .collect();
    assert_eq!(
        drugs,
        [
            "celecoxib",
            "clopidogrel",
            "fluorouracil",
            "capecitabine",
            "simvastatin"
        ]
    );
    assert_eq!(json["recommendations"][1]["classification"], "Strong");
    assert!(json["recommendations"][1]["citations"][0]
        .as_str()
        .is_some_and(|c| c.contains("35034351")));
    assert_eq!(
        json["recommendations_unavailable"][0]["genes_not_called"][0],
        "NUDT15"
    );
    // deterministic: a second run writes the same bytes
    let o = run_cairn(&[
        "--vcf".as_ref(),
        root.join("demo.vcf").as_os_str(),
        "--definitions".as_ref(),
        root.as_os_str(),
        "--outside-calls".as_ref(),
        root.join("demo.outside_calls.tsv").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&out).expect("again"), text);
}
