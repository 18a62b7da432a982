//! The `report` step: run by the germline demo, by hand with PGx and annotated inputs, checked
//! against its JSON Schema, the FHIR structure rules, and rendered in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::support::{cairn, Project, Ran};

const SECTIONS: &[&str] = &[
    "Summary of actionable findings",
    "Quality control and coverage",
    "Clinically significant variants",
    "Pharmacogenomics",
    "Variants of uncertain significance",
    "Methods and provenance",
    "Limitations",
];

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

fn step_report(args: &[&str]) -> Ran {
    Ran::from(
        cairn()
            .arg("step")
            .arg("report")
            .args(args)
            .output()
            .unwrap(),
    )
}

/// Every report.json must match the schema shipped with the kind.
pub(crate) fn assert_schema_valid(report: &Value) {
    let schema = read_json(&repo("steps/src/report/report.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not match its schema: {errors:#?}"
    );
}

pub(crate) fn assert_fhir_valid(bundle: &Value) {
    let problems = cairn_steps::report::fhir_check::check(bundle);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_fhir_models_accept(bundle);
}

/// A Python with the `fhir.resources` models (an independent FHIR implementation: every element,
/// type and cardinality of R4B and R5), from `CAIRN_FHIR_PYTHON` or `python3`; `.ci/run` installs
/// one. `None` (and a printed skip) without it.
fn fhir_python() -> Option<String> {
    let python = std::env::var("CAIRN_FHIR_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import fhir.resources"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipping the FHIR model validation: {python} has no fhir.resources \
             (pip install fhir.resources, or set CAIRN_FHIR_PYTHON)"
        );
    }
    ok.then_some(python)
}

/// The bundle parses as an R4B and an R5 Bundle in `fhir.resources`, nested resources included
/// (unknown or misspelt elements and wrong types are errors there).
fn assert_fhir_models_accept(bundle: &Value) {
    let Some(python) = fhir_python() else {
        return;
    };
    let script = "import json, sys\n\
        from fhir.resources.R4B.bundle import Bundle as R4B\n\
        from fhir.resources.bundle import Bundle as R5\n\
        doc = json.load(sys.stdin)\n\
        for name, model in (('R4B', R4B), ('R5', R5)):\n\
        \x20   try:\n\
        \x20       model.model_validate(doc)\n\
        \x20   except Exception as e:\n\
        \x20       sys.exit(f'{name}: {e}')\n";
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let text = serde_json::to_vec(bundle).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "fhir.resources rejects the bundle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fhir_model_check_rejects_an_unknown_element() {
    if fhir_python().is_none() {
        return;
    }
    let bad = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Observation", "status": "final",
         "code": {"text": "x"}, "valueFoo": 3}}]});
    let r = std::panic::catch_unwind(|| assert_fhir_models_accept(&bad));
    assert!(r.is_err(), "an Observation with `valueFoo` was accepted");
}

/// No attribute makes the browser fetch anything: no http(s) or protocol-relative URL in
/// src/href/xlink:href/srcset/action, no CSS url(), no @import, no script.
fn assert_no_network_refs(html: &str) {
    let lower = html.to_ascii_lowercase();
    for attr in [
        "src=", "href=", "srcset=", "action=", "url(", "@import", "<script", "<link",
    ] {
        for (i, _) in lower.match_indices(attr) {
            let after = lower[i + attr.len()..].trim_start_matches(['"', '\'', ' ']);
            let fetches = after.starts_with("http:")
                || after.starts_with("https:")
                || after.starts_with("//");
            assert!(
                !fetches
                    && attr != "<script"
                    && attr != "<link"
                    && attr != "@import"
                    && attr != "url(",
                "network reference near: {}",
                &html[i..(i + 80).min(html.len())]
            );
        }
    }
}

fn assert_sections(html: &str) {
    for s in SECTIONS {
        assert!(
            html.contains(&format!("<h2>{s}</h2>")),
            "section {s:?} missing"
        );
    }
}

#[test]
fn report_with_pgx_and_annotated_inputs() {
    let p = Project::new();
    let pgx = p.path().join("DEMO1.pgx.json");
    let o = cairn()
        .args(["step", "pgx", "--vcf"])
        .arg(repo("test-data/pgx/demo.vcf"))
        .arg("--definitions")
        .arg(repo("test-data/pgx"))
        .arg("--outside-calls")
        .arg(repo("test-data/pgx/demo.outside_calls.tsv"))
        .arg("--out")
        .arg(&pgx)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let annotated = p.write(
        "annotated.json",
        r#"{"variants": [
          {"gene": "BRCA2", "hgvs_c": "c.5946del", "hgvs_p": "p.Ser1982fs", "consequence": "frameshift_variant",
           "zygosity": "heterozygous", "clinical_significance": "Pathogenic", "tier": "I",
           "evidence": ["ClinVar VCV000009325"], "citations": [{"pmid": "PMID:26467025"}], "drugs": ["olaparib"],
           "chrom": "chr13", "pos": 32340300, "ref": "GT", "alt": "G"},
          {"gene": "<b>MSH6</b>", "hgvs_c": "c.3261dup", "clinical_significance": "Uncertain significance", "tier": 3},
          {"gene": "TTN", "clinical_significance": "Benign"}
        ]}"#,
    );
    let vcf = repo("test-data/pgx/demo.vcf");
    let run = |dir: &str| {
        let out = p.path().join(dir);
        let r = step_report(&[
            "--sample",
            "DEMO1",
            "--out-dir",
            out.to_str().unwrap(),
            "--vcf",
            vcf.to_str().unwrap(),
            "--pgx",
            pgx.to_str().unwrap(),
            "--annotated",
            annotated.to_str().unwrap(),
            "--reference-build",
            "GRCh38",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        out
    };
    let (a, b) = (run("a"), run("b"));
    for f in ["report.html", "report.json", "report.fhir.json"] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between identical runs");
    }
    let report = read_json(&a.join("report.json"));
    assert_schema_valid(&report);
    assert_eq!(report["variants"]["significant"][0]["gene"], "BRCA2");
    assert_eq!(report["variants"]["uncertain"][0]["tier"], "III");
    assert_eq!(report["variants"]["other_annotated"], 1);
    let genes = report["pgx"]["genes"].as_array().unwrap();
    let cyp2c19 = genes.iter().find(|g| g["gene"] == "CYP2C19").unwrap();
    assert_eq!(cyp2c19["diplotype"], "*1/*17");
    let actionable = report["summary"]["actionable"].as_array().unwrap();
    assert!(actionable
        .iter()
        .any(|a| a["category"] == "variant" && a["gene"] == "BRCA2"));
    assert!(actionable
        .iter()
        .any(|a| a["category"] == "pharmacogenomics"));

    let bundle = read_json(&a.join("report.fhir.json"));
    assert_fhir_valid(&bundle);
    let text = bundle.to_string();
    assert!(
        text.contains("\"84413-4\"") && text.contains("CYP2C19 *1/*17"),
        "no PGx genotype"
    );
    assert!(
        text.contains("\"c.5946del\"") && text.contains("\"LA6706-1\""),
        "variant components missing"
    );

    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert_sections(&html);
    assert_no_network_refs(&html);
    assert!(
        html.contains("&lt;b&gt;MSH6&lt;&#x2f;b&gt;") || html.contains("&lt;b&gt;MSH6&lt;/b&gt;"),
        "gene not escaped"
    );
    assert!(!html.contains("<b>MSH6"));
}

#[test]
fn report_rejects_a_broken_input_by_name() {
    let p = Project::new();
    let bad = p.write("qc.json", "{ not json");
    let r = step_report(&[
        "--sample",
        "S",
        "--out-dir",
        p.path().to_str().unwrap(),
        "--qc",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("qc.json"), "{}", r.stderr);
    assert!(
        !p.path().join("report.html").exists(),
        "partial output left behind"
    );
}

/// Chromium renders the page with the network off; returns the DOM, or None when absent.
fn chromium_dom(html: &Path, out: &Path) -> Option<String> {
    let bin = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|b| PathBuf::from("/usr/bin").join(b))
        .find(|b| b.is_file());
    let Some(bin) = bin else {
        eprintln!(
            "SKIP chromium render check: no chromium in /usr/bin (install Debian's `chromium`)"
        );
        return None;
    };
    let netlog = out.join("netlog.json");
    let shot = out.join("report.png");
    let url = format!("file://{}", html.display());
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter",
        "--no-first-run",
    ];
    let dom = Command::new(&bin)
        .args(flags)
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--user-data-dir={}", out.join("profile").display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let shot_run = Command::new(&bin)
        .args(flags)
        .arg(format!(
            "--user-data-dir={}",
            out.join("profile2").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,3000")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot_run.status.success() && shot.is_file(),
        "{}",
        String::from_utf8_lossy(&shot_run.stderr)
    );
    let log = std::fs::read_to_string(&netlog).unwrap_or_default();
    assert!(
        !log.is_empty(),
        "chromium wrote no net log at {}",
        netlog.display()
    );
    // Only the events: the log's `constants` block names schemes without requesting anything.
    let events = log.find("\"events\"").map_or(log.as_str(), |i| &log[i..]);
    for scheme in ["\"http://", "\"https://", "\"ws://", "\"wss://"] {
        // Chromium's own services (component updater, network time) may call home even with the
        // background-networking flags; they are the browser's requests, not the report's.
        // The report itself names no such host (the static check above finds no URL in it).
        let browser = |host: &str| {
            ["google.com", "googleapis.com", "gvt1.com"]
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        };
        let hits: Vec<&str> = events
            .match_indices(scheme)
            .map(|(i, _)| &events[i..(i + 60).min(events.len())])
            .filter(|h| {
                let rest = &h[scheme.len()..];
                let host = rest.split(['/', '"', ' ', ':', '?']).next().unwrap_or("");
                !browser(host)
            })
            .collect();
        assert!(
            hits.is_empty(),
            "network requests while rendering: {hits:?}"
        );
    }
    eprintln!("chromium screenshot: {}", shot.display());
    Some(String::from_utf8_lossy(&dom.stdout).into_owned())
}

#[test]
fn germline_demo_publishes_a_report_per_sample() {
    let p = Project::new();
    let mut cmd = cairn();
    cmd.args(["demo", "--progress", "plain", "-j", "2", "--data-dir"])
        .arg(p.path().join("data"))
        .arg("--outdir")
        .arg(p.path().join("results"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CAIRN_WORK_DIR", p.path().join("store"));
    let r = Ran::from(cmd.output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    for s in ["S1", "S2", "S3"] {
        let dir = p.path().join("results").join(s);
        assert_schema_valid(&read_json(&dir.join(format!("{s}.report.json"))));
        assert_fhir_valid(&read_json(&dir.join(format!("{s}.fhir.json"))));
    }
    let s1 = p.path().join("results/S1");
    let report = read_json(&s1.join("S1.report.json"));
    // Numbers come from the steps' own outputs.
    let qc = read_json(&s1.join("qc.json"));
    let metrics = read_json(&s1.join("S1.metrics.json"));
    let eval = read_json(&s1.join("S1.eval.json"));
    assert_eq!(report["qc"]["q30_rate"], qc["after"]["q30_rate"]);
    assert_eq!(
        report["alignment"]["mean_depth"],
        metrics["coverage"]["mean_depth"]
    );
    assert_eq!(
        report["methods"]["accuracy"]["snv"]["f1"],
        eval["snv"]["f1"]
    );
    let called = report["variants"]["called"]["total"].as_u64().unwrap();
    assert_eq!(called, eval["query_input"]["records"].as_u64().unwrap());
    assert_eq!(report["variants"]["annotated"], true);
    let html_path = s1.join("S1.report.html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_sections(&html);
    assert_no_network_refs(&html);
    assert!(html.matches("<svg").count() >= 3, "charts missing");
    // Every section holds computed content, not its "not given" placeholder.
    for filled in [
        "p.Val600Glu",
        "Coverage per reported gene",
        "Intermediate Metabolizer",
        "p.Glu1250Ala",
        "CYP2D6",
        "SNV",
    ] {
        assert!(html.contains(filled), "{filled} missing from the report");
    }
    for placeholder in [
        "No read QC metrics were given",
        "No alignment metrics were given",
        "Not measured for this run",
        "Not measured: no BAM",
        "No pharmacogenomic calls were given",
        "the variants were not annotated",
    ] {
        assert!(
            !html.contains(placeholder),
            "placeholder {placeholder:?} shown"
        );
    }

    // The run's summary page links every sample's report, relatively.
    // minijinja escapes '/' in attribute values as &#x2f;, which browsers decode.
    let batch = std::fs::read_to_string(p.path().join("results/summary/batch-summary.html"))
        .unwrap()
        .replace("&#x2f;", "/");
    assert_no_network_refs(&batch);
    for s in ["S1", "S2", "S3"] {
        let link = format!("href=\"../{s}/{s}.report.html\"");
        assert!(batch.contains(&link), "no link {link}");
        assert!(p
            .path()
            .join(format!("results/{s}/{s}.report.html"))
            .is_file());
    }

    // By hand, with the finished run's provenance: its tasks and digests appear.
    let prov = p.path().join("results/provenance.json");
    let out = p.path().join("with-provenance");
    let r = step_report(&[
        "--sample",
        "S1",
        "--out-dir",
        out.to_str().unwrap(),
        "--qc",
        s1.join("qc.json").to_str().unwrap(),
        "--provenance",
        prov.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let with = read_json(&out.join("report.json"));
    assert_schema_valid(&with);
    let tasks = with["methods"]["tasks"].as_array().unwrap();
    assert!(tasks.iter().any(|t| t["task"] == "call/S1"), "{tasks:?}");
    assert_eq!(
        with["methods"]["inputs"][0]["recorded_by"], "qc/S1",
        "qc.json digest not matched"
    );
    assert!(tasks
        .iter()
        .all(|t| t["task"].as_str().is_none_or(|t| !t.ends_with("/S2"))));

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-chromium");
    std::fs::create_dir_all(&shots).unwrap();
    if let Some(dom) = chromium_dom(&html_path, &shots) {
        for s in SECTIONS {
            assert!(
                dom.contains(s),
                "section {s:?} missing from the rendered DOM"
            );
        }
        assert!(
            dom.matches("<svg").count() >= 3,
            "charts missing from the rendered DOM"
        );
    }
}
