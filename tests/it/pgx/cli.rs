//! The `pgx` step run as `cairn step pgx`: the PharmCAT example, bad inputs, the demo sample.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cairn_steps::pgx;

use super::shared_pgx;

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
        let want_score = if f[4] == "None" { "" } else { f[4] };
        let score_ok = strings("activity_scores").join(";") == want_score;
        let pheno_ok = (got_pheno == want_pheno || needs_table) && score_ok;
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
    // two samples: the first with a warning; a sample that is not there; the one asked for
    let multi = write(
        tmp.path(),
        "multi.vcf",
        &format!("{HEADER}\tA\tB\nchr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/1\t1/1\n"),
    );
    let (code, err) = run(&multi, &[]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
    assert_eq!(json["sample"], "A");
    assert!(json["warnings"][0]
        .as_str()
        .is_some_and(|w| w.contains("--sample")));
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

/// SLCO1B1 that no allele pair explains still gets PharmCAT's rs4149056-only phenotype and statin advice.
#[test]
fn uncalled_slco1b1_falls_back_to_rs4149056() {
    let Some(dir) = shared_pgx() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o.json");
    let vcf = dir.join("test_vcfs/haplotype/SLCO1B1/multi.vcf");
    let o = run_cairn(&[
        "--vcf".as_ref(),
        vcf.as_os_str(),
        "--definitions".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
    let g = json["genes"]
        .as_array()
        .expect("genes")
        .iter()
        .find(|g| g["gene"] == "SLCO1B1")
        .expect("SLCO1B1");
    assert_eq!(g["called"], false);
    assert_eq!(g["inferred_from"], "rs4149056");
    assert_eq!(g["diplotypes"][0]["name"], "rs4149056T/rs4149056C");
    assert_eq!(g["phenotypes"][0], "Decreased Function");
    let simvastatin = json["recommendations"]
        .as_array()
        .expect("recommendations")
        .iter()
        .any(|r| r["drugs"][0] == "simvastatin" && r["genes"]["SLCO1B1"] == "Decreased Function");
    assert!(simvastatin);
}

/// A variant-only VCF: absent positions are not assessed, unless `--missing-to-ref` says they are
/// reference, and then they are listed as assumed.
#[test]
fn missing_to_ref_fills_absent_positions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/pgx");
    let tmp = tempfile::tempdir().expect("tempdir");
    let vcf = write(
        tmp.path(),
        "variants.vcf",
        &format!("{HEADER}\tS\nchr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t0/1\n"),
    );
    let out = tmp.path().join("o.json");
    let call = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--vcf".as_ref(),
            vcf.as_os_str(),
            "--definitions".as_ref(),
            root.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        let o = run_cairn(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
        json["genes"].as_array().expect("genes").clone()
    };
    let gene = |genes: &[serde_json::Value], g: &str| {
        genes.iter().find(|x| x["gene"] == g).cloned().expect(g)
    };
    let plain = call(&[]);
    assert_eq!(gene(&plain, "TPMT")["called"], false);
    // without rs28399504, *4 (Y at rs12248560) and *17 look alike: both listed, flagged ambiguous
    let cyp2c19 = gene(&plain, "CYP2C19");
    let names: Vec<&str> = cyp2c19["diplotypes"]
        .as_array()
        .expect("dips")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["*1/*4", "*1/*17"]);
    assert_eq!(cyp2c19["ambiguous"], true);
    assert_eq!(
        cyp2c19["positions_not_assessed"].as_array().map(Vec::len),
        Some(4)
    );
    let filled = call(&["--missing-to-ref"]);
    assert_eq!(gene(&filled, "TPMT")["diplotypes"][0]["name"], "*1/*1");
    assert_eq!(
        gene(&filled, "TPMT")["positions_assumed_reference"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        gene(&filled, "CYP2C19")["positions_not_assessed"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(gene(&filled, "CYP2C19")["diplotypes"][0]["name"], "*1/*17");
    assert_eq!(gene(&filled, "CYP2C19")["ambiguous"], false);
}
