//! `cairn step simulate` then `cairn step fastq-qc`: trimming works on realistic reads, the output
//! does not depend on threads, and bad input fails cleanly without publishing anything.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("run cairn")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn gz_lines(path: &Path) -> Vec<String> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines().map(str::to_string).collect()
}

fn qc(r1: &Path, r2: Option<&Path>, out: &Path, threads: &str) -> Output {
    let mut args = vec![
        "step",
        "fastq-qc",
        "--r1",
        p(r1),
        "--out-dir",
        p(out),
        "--threads",
        threads,
    ];
    if let Some(r2) = r2 {
        args.extend(["--r2", p(r2)]);
    }
    cairn(&args)
}

#[test]
fn simulated_reads_are_trimmed_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let out = cairn(&[
        "step",
        "simulate",
        "--size",
        "40000",
        "--coverage",
        "15",
        "--seed",
        "3",
        "--short-fraction",
        "0.05",
        "--out",
        p(&sim),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (r1, r2) = (sim.join("reads_1.fq.gz"), sim.join("reads_2.fq.gz"));
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let run = qc(&r1, Some(&r2), &a, "1");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(qc(&r1, Some(&r2), &b, "2").status.success());
    for f in ["trimmed_1.fq.gz", "trimmed_2.fq.gz", "qc.json"] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} depends on threads"
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("qc.json")).unwrap()).unwrap();
    let pairs = 2000; // 40 kb x 15 / (2 x 150)
    assert_eq!(json["paired"], true);
    assert_eq!(json["filtering"]["input"], pairs);
    assert_eq!(json["before"]["reads"], 2 * pairs);
    let kept = json["filtering"]["kept"].as_u64().unwrap();
    assert_eq!(json["after"]["reads"].as_u64().unwrap(), 2 * kept);
    let (t1, t2) = (
        gz_lines(&a.join("trimmed_1.fq.gz")),
        gz_lines(&a.join("trimmed_2.fq.gz")),
    );
    assert_eq!((t1.len() as u64, t2.len() as u64), (4 * kept, 4 * kept));
    let rate = json["adapters"]["trimmed_read_rate"].as_f64().unwrap();
    assert!(
        (0.03..0.08).contains(&rate),
        "adapter rate {rate} for 5% short fragments"
    );
    let with_adapter = t1
        .iter()
        .skip(1)
        .step_by(4)
        .filter(|s| s.contains("AGATCGGAAGAGC"))
        .count();
    assert!(
        with_adapter <= 2,
        "{with_adapter} reads still hold a whole adapter"
    );
    assert!(
        json["after"]["q20_rate"].as_f64().unwrap() > json["before"]["q20_rate"].as_f64().unwrap()
    );
}

#[test]
fn single_end_writes_an_empty_read_two() {
    let dir = tempfile::tempdir().unwrap();
    let r1 = dir.path().join("se.fq");
    std::fs::write(
        &r1,
        "@r1\nACGTACGTACGTACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    assert!(qc(&r1, None, &out, "1").status.success());
    assert_eq!(gz_lines(&out.join("trimmed_1.fq.gz")).len(), 4);
    assert!(gz_lines(&out.join("trimmed_2.fq.gz")).is_empty());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("qc.json")).unwrap()).unwrap();
    assert_eq!(json["paired"], false);
}

#[test]
fn bad_input_names_file_and_record_and_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = "@a\nACGT\n+\nIIII\n".repeat(3);
    let cases = [
        (
            "unequal",
            format!("{good}@b\nACGT\n+\nIII\n"),
            good.clone(),
            "unequal_1.fq: record 4: sequence has 4 bases but quality has 3",
        ),
        (
            "short",
            good.clone(),
            "@a\nACGT\n+\nIIII\n".repeat(2),
            "short_2.fq ends after 2 records",
        ),
        (
            "empty",
            String::new(),
            String::new(),
            "empty_1.fq: no reads",
        ),
    ];
    for (name, one, two, expected) in cases {
        let (r1, r2) = (
            dir.path().join(format!("{name}_1.fq")),
            dir.path().join(format!("{name}_2.fq")),
        );
        std::fs::write(&r1, one).unwrap();
        std::fs::write(&r2, two).unwrap();
        let out = dir.path().join(format!("out_{name}"));
        let run = qc(&r1, Some(&r2), &out, "2");
        assert_eq!(run.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "{name}: partial output published"
        );
    }
}

/// `../shared/data` (or `$CAIRN_SHARED_DATA`), when present.
fn shared_data() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("CAIRN_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.is_dir().then_some(dir)
}

#[test]
fn real_novaseq_pairs_stay_in_step() {
    let Some(data) = shared_data() else {
        eprintln!("skipping real_novaseq_pairs_stay_in_step: ../shared/data is absent (set CAIRN_SHARED_DATA)");
        return;
    };
    let reads = data.join("grch38-chr22/reads");
    let r1 = reads.join("NA12878_chr22_16570000_16610000_R1.fastq.gz");
    let r2 = reads.join("NA12878_chr22_16570000_16610000_R2.fastq.gz");
    let dir = tempfile::tempdir().unwrap();
    let run = qc(&r1, Some(&r2), dir.path(), "2");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("qc.json")).unwrap()).unwrap();
    assert_eq!(json["filtering"]["input"], 4949);
    let kept = json["filtering"]["kept"].as_u64().unwrap();
    assert!(kept >= 4900, "kept {kept} of 4949 good NovaSeq pairs");
    let (t1, t2) = (
        gz_lines(&dir.path().join("trimmed_1.fq.gz")),
        gz_lines(&dir.path().join("trimmed_2.fq.gz")),
    );
    assert_eq!(t1.len() as u64, 4 * kept);
    let name = |l: &String| l.split_whitespace().next().unwrap().to_string();
    assert!(
        t1.iter()
            .step_by(4)
            .map(name)
            .eq(t2.iter().step_by(4).map(name)),
        "mates out of order"
    );
}
