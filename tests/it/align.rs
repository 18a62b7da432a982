//! `cairn step align` end to end: on generated reads (always), on the shared NA12878 chunk (when
//! present), against bwa mem + samtools markdup (when installed), and on bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::write::GzEncoder;

fn cairn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
}

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("CAIRN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.join("grch38-chr22").is_dir().then_some(dir)
}

fn has_tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
        || Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Deterministic pseudo-random numbers (64-bit LCG), so the test needs no extra crates.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn revcomp(s: &[u8]) -> Vec<u8> {
    s.iter()
        .rev()
        .map(|b| match b {
            b'A' => b'T',
            b'C' => b'G',
            b'G' => b'C',
            _ => b'A',
        })
        .collect()
}

/// A random reference and FR pairs from it; the last `dups` pairs repeat earlier ones with lower
/// base qualities (so they are the ones to flag).
struct Generated {
    reference: PathBuf,
    r1: PathBuf,
    r2: PathBuf,
}

fn generate(dir: &Path, ref_len: usize, pairs: usize, dups: usize) -> Generated {
    let mut rng = Lcg(42);
    let genome: Vec<u8> = (0..ref_len)
        .map(|_| b"ACGT"[rng.below(4) as usize])
        .collect();
    let reference = dir.join("ref.fa");
    let mut fa = String::from(">chrT\n");
    for line in genome.chunks(60) {
        fa.push_str(std::str::from_utf8(line).unwrap());
        fa.push('\n');
    }
    std::fs::write(&reference, fa).unwrap();
    let mut frags = Vec::new();
    for _ in 0..pairs - dups {
        let insert = 250 + rng.below(200) as usize;
        let start = rng.below((ref_len - insert) as u64) as usize;
        frags.push((start, insert, b'I'));
    }
    for i in 0..dups {
        let (start, insert, _) = frags[i * 3];
        frags.push((start, insert, b'5'));
    }
    let (r1, r2) = (dir.join("r_1.fq.gz"), dir.join("r_2.fq.gz"));
    let mut w1 = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut w2 = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for (i, (start, insert, q)) in frags.iter().enumerate() {
        let frag = &genome[*start..start + insert];
        let qual = String::from_utf8(vec![*q; 100]).unwrap();
        let a = std::str::from_utf8(&frag[..100]).unwrap().to_string();
        let b = String::from_utf8(revcomp(&frag[insert - 100..])).unwrap();
        writeln!(w1, "@p{i}/1\n{a}\n+\n{qual}").unwrap();
        writeln!(w2, "@p{i}/2\n{b}\n+\n{qual}").unwrap();
    }
    std::fs::write(&r1, w1.finish().unwrap()).unwrap();
    std::fs::write(&r2, w2.finish().unwrap()).unwrap();
    Generated { reference, r1, r2 }
}

fn align(r1: &Path, r2: &Path, reference: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = cairn();
    cmd.args(["step", "align", "--sample", "S1", "--r1"])
        .arg(r1)
        .arg("--r2")
        .arg(r2);
    cmd.arg("--reference")
        .arg(reference)
        .arg("--out")
        .arg(out)
        .args(extra);
    cmd.output().unwrap()
}

fn metrics(bam: &Path) -> serde_json::Value {
    let path = bam.with_file_name(
        bam.file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".bam", ".metrics.json"),
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "cairn failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generated_pairs_map_and_injected_duplicates_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let g = generate(dir.path(), 50_000, 1500, 60);
    let bam = dir.path().join("S1.bam");
    assert_ok(&align(
        &g.r1,
        &g.r2,
        &g.reference,
        &bam,
        &["--threads", "2"],
    ));
    assert!(dir.path().join("S1.bam.bai").is_file());
    let m = metrics(&bam);
    assert_eq!(m["total_reads"], 3000);
    assert_eq!(m["mapped_pct"], 100.0);
    assert_eq!(m["properly_paired_pct"], 100.0);
    assert_eq!(m["duplicate_reads"], 120, "{m}");
    let median = m["insert_size"]["median"].as_i64().unwrap();
    assert!((300..400).contains(&median), "{median}");
    assert!(
        dir.path().join("ref.fa.fai").is_file(),
        "the missing .fai was built"
    );
    if has_tool("samtools") {
        let dups = Command::new("samtools")
            .args(["view", "-f", "0x400"])
            .arg(&bam)
            .output()
            .unwrap();
        let text = String::from_utf8(dups.stdout).unwrap();
        assert_eq!(text.lines().count(), 120);
        assert!(
            text.lines()
                .all(|l| l.split('\t').nth(10).unwrap().starts_with("555")),
            "the low-quality copies lose"
        );
    }
}

#[test]
fn output_bytes_do_not_depend_on_threads_or_spilling() {
    // 6,000 records of 100 bases take about 1.8 MB in the sorter: a 1 MiB budget spills.
    let dir = tempfile::tempdir().unwrap();
    let g = generate(dir.path(), 60_000, 3000, 50);
    let mut digests = Vec::new();
    for (i, extra) in [
        &["--threads", "1"][..],
        &["--threads", "3", "--sort-memory-mib", "1"],
    ]
    .iter()
    .enumerate()
    {
        let sub = dir.path().join(format!("run{i}"));
        std::fs::create_dir(&sub).unwrap();
        let bam = sub.join("S1.bam");
        assert_ok(&align(&g.r1, &g.r2, &g.reference, &bam, extra));
        let files = ["S1.bam", "S1.bam.bai", "S1.metrics.json"]
            .map(|f| std::fs::read(sub.join(f)).unwrap());
        digests.push(files);
        let names: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "temporary files left: {names:?}");
    }
    assert!(
        digests[0] == digests[1],
        "BAM, index or metrics differ between 1 and 3 threads"
    );
}

/// Run align on a broken input; it must fail with exit 2, name the file, and publish nothing.
fn assert_rejected(dir: &Path, r1: &Path, r2: &Path, reference: &Path, needles: &[&str]) {
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = align(r1, r2, reference, &out_dir.join("S1.bam"), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for n in needles {
        assert!(err.contains(n), "error {err:?} lacks {n:?}");
    }
    assert_eq!(
        std::fs::read_dir(&out_dir).unwrap().count(),
        0,
        "partial output published"
    );
}

#[test]
fn bad_inputs_fail_clearly_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let g = generate(dir.path(), 20_000, 300, 0);
    let p = |n: &str| dir.path().join(n);

    let gz = std::fs::read(&g.r2).unwrap();
    std::fs::write(p("cut.fq.gz"), &gz[..gz.len() * 2 / 3]).unwrap();
    assert_rejected(
        dir.path(),
        &g.r1,
        &p("cut.fq.gz"),
        &g.reference,
        &["cut.fq.gz", "record"],
    );

    std::fs::write(p("a.fq"), "@x/1\nACGTACGTAC\n+\nIIIIIIIIII\n").unwrap();
    std::fs::write(p("b.fq"), "@x/2\nACGTACGTAC\n+\nIIIIIIIII\n").unwrap();
    assert_rejected(
        dir.path(),
        &p("a.fq"),
        &p("b.fq"),
        &g.reference,
        &["b.fq: record 1", "10 bases but quality has 9"],
    );

    std::fs::write(
        p("c.fq"),
        "@x/2\nACGTACGTAC\n+\nIIIIIIIIII\n@y/2\nACGTACGTAC\n+\nIIIIIIIIII\n",
    )
    .unwrap();
    assert_rejected(
        dir.path(),
        &p("a.fq"),
        &p("c.fq"),
        &g.reference,
        &["a.fq ends after 1 records"],
    );

    std::fs::write(p("d.fq"), "@z/2\nACGTACGTAC\n+\nIIIIIIIIII\n").unwrap();
    assert_rejected(
        dir.path(),
        &p("a.fq"),
        &p("d.fq"),
        &g.reference,
        &["record 1", "names differ"],
    );

    std::fs::write(p("empty.fq"), "").unwrap();
    assert_rejected(
        dir.path(),
        &p("empty.fq"),
        &p("empty.fq"),
        &g.reference,
        &["empty.fq is empty"],
    );

    assert_rejected(dir.path(), &g.r1, &g.r2, &p("missing.fa"), &["missing.fa"]);
}

#[test]
fn align_index_output_is_accepted_by_align() {
    let dir = tempfile::tempdir().unwrap();
    let g = generate(dir.path(), 20_000, 200, 0);
    let mmi = dir.path().join("ref.mmi");
    let out = cairn()
        .args(["step", "align-index", "--reference"])
        .arg(&g.reference)
        .arg("--out")
        .arg(&mmi)
        .output()
        .unwrap();
    assert_ok(&out);
    let bam = dir.path().join("S1.bam");
    assert_ok(&align(&g.r1, &g.r2, &mmi, &bam, &[]));
    assert_eq!(metrics(&bam)["mapped_pct"], 100.0);

    // A FASTA through --index-cache: the index is built once, then reused, with the same BAM.
    let cache = dir.path().join("cache");
    let cache_arg = cache.to_string_lossy().into_owned();
    let mut bams = Vec::new();
    for run in ["a", "b"] {
        let bam = dir.path().join(format!("{run}.bam"));
        assert_ok(&align(
            &g.r1,
            &g.r2,
            &g.reference,
            &bam,
            &["--index-cache", &cache_arg],
        ));
        let cached: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(cached.len(), 1, "{cached:?}");
        assert!(cached[0].to_string_lossy().ends_with(".sr.mmi"));
        bams.push(std::fs::read(&bam).unwrap());
    }
    assert!(bams[0] == bams[1]);
    assert!(
        bams[0] == std::fs::read(dir.path().join("S1.bam")).unwrap(),
        "the .mmi and the FASTA give other BAMs"
    );
}

/// Primary records as (name, read1/2) -> (flag, contig, pos), via samtools.
fn primary_positions(bam: &Path) -> std::collections::HashMap<(String, u16), (u16, String, u64)> {
    let out = Command::new("samtools")
        .args(["view", "-F", "0x900"])
        .arg(bam)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let flag: u16 = f[1].parse().unwrap();
            let contig = if flag & 4 != 0 {
                "*".to_string()
            } else {
                f[2].to_string()
            };
            (
                (f[0].to_string(), flag & 0xc0),
                (flag, contig, f[3].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn shared_chr22_chunk_meets_the_bars_and_agrees_with_bwa() {
    let Some(data) = shared_data() else {
        eprintln!(
            "skipping: shared data not found (set CAIRN_SHARED_DATA or place it at ../shared/data)"
        );
        return;
    };
    let d = data.join("grch38-chr22");
    let (r1, r2) = (
        d.join("reads/NA12878_chr22_16570000_16610000_R1.fastq.gz"),
        d.join("reads/NA12878_chr22_16570000_16610000_R2.fastq.gz"),
    );
    let reference = d.join("reference/chr22_16570000_16610000.fa");
    let dir = tempfile::tempdir().unwrap();
    let bam = dir.path().join("NA12878.bam");
    assert_ok(&align(
        &r1,
        &r2,
        &reference,
        &bam,
        &["--threads", "2", "--optical-distance", "2500"],
    ));
    let m = metrics(&bam);
    assert_eq!(m["total_reads"], 9898);
    let optical = m["optical_duplicate_reads"].as_u64().unwrap();
    assert!(
        optical > 0 && optical <= m["duplicate_reads"].as_u64().unwrap(),
        "{m}"
    );
    assert!(m["mapped_pct"].as_f64().unwrap() >= 98.0, "{m}");
    assert!(m["properly_paired_pct"].as_f64().unwrap() >= 95.0, "{m}");
    assert!(m["duplicate_reads"].as_u64().unwrap() > 0, "{m}");
    if !has_tool("samtools") || !has_tool("bwa") {
        eprintln!("skipping the samtools/bwa comparison: samtools or bwa not installed");
        return;
    }
    let quick = Command::new("samtools")
        .args(["quickcheck", "-v"])
        .arg(&bam)
        .status()
        .unwrap();
    assert!(quick.success());
    let header = Command::new("samtools")
        .args(["view", "-H"])
        .arg(&bam)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&header.stdout).contains("SO:coordinate"));
    let idx = Command::new("samtools")
        .args(["idxstats"])
        .arg(&bam)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&idx.stdout).starts_with("chr22\t40001\t"));
    let view = Command::new("samtools")
        .args(["view"])
        .arg(&bam)
        .output()
        .unwrap();
    let positions: Vec<u64> = String::from_utf8(view.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.split('\t').nth(2) == Some("chr22"))
        .map(|l| l.split('\t').nth(3).unwrap().parse().unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] <= w[1]),
        "records are not coordinate-sorted"
    );
    let ours = primary_positions(&bam);

    // Flags, mate fields and TLEN as samtools fixmate would set them.
    let fixed = dir.path().join("fixed.sam");
    let script = format!(
        "samtools sort -n -O sam -o {0}.n {1} && samtools fixmate -O sam {0}.n {0}",
        fixed.display(),
        bam.display()
    );
    assert!(Command::new("sh")
        .arg("-c")
        .arg(script)
        .status()
        .unwrap()
        .success());
    let columns = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('@'))
            .map(|l| l.split('\t').take(9).collect::<Vec<_>>().join("\t"))
            .collect()
    };
    let before = columns(&std::fs::read_to_string(format!("{}.n", fixed.display())).unwrap());
    let after = columns(&std::fs::read_to_string(&fixed).unwrap());
    let differ = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert_eq!(
        (before.len(), differ),
        (after.len(), 0),
        "samtools fixmate changed {differ} records"
    );

    // samtools fixmate + markdup on our own alignments (duplicate flags cleared first).
    let md = dir.path().join("md.bam");
    let script = format!(
        "samtools view -h {} | awk 'BEGIN {{ OFS = \"\\t\" }} /^@/ {{ print; next }} {{ $2 = and($2, compl(1024)); print }}' \
         | samtools sort -n -u - | samtools fixmate -m -u - - | samtools sort -u - | samtools markdup -d 2500 - {} 2>/dev/null",
        bam.display(),
        md.display()
    );
    assert!(Command::new("sh")
        .arg("-c")
        .arg(script)
        .status()
        .unwrap()
        .success());
    let marked = primary_positions(&md);
    let agree = ours
        .iter()
        .filter(|(k, v)| marked.get(*k).is_some_and(|m| m.0 & 0x400 == v.0 & 0x400))
        .count();
    eprintln!(
        "duplicate flags agreeing with samtools markdup: {agree} of {}",
        ours.len()
    );
    assert!(agree as f64 >= 0.995 * ours.len() as f64);
    let tagged = |path: &Path| {
        let out = Command::new("samtools")
            .arg("view")
            .arg(path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .matches("dt:Z:SQ")
            .count() as f64
    };
    let (ours_optical, peer_optical) = (tagged(&bam), tagged(&md));
    eprintln!("optical duplicates: cairn {ours_optical}, samtools markdup -d 2500 {peer_optical}");
    assert!((ours_optical - peer_optical).abs() <= 0.05 * peer_optical);

    let peer_ref = dir.path().join("ref.fa");
    std::fs::copy(&reference, &peer_ref).unwrap();
    assert!(Command::new("bwa")
        .arg("index")
        .arg(&peer_ref)
        .output()
        .unwrap()
        .status
        .success());
    let script = format!(
        "bwa mem -t 2 {} {} {} 2>/dev/null | samtools view -b -o {} -",
        peer_ref.display(),
        r1.display(),
        r2.display(),
        dir.path().join("bwa.bam").display()
    );
    assert!(Command::new("sh")
        .arg("-c")
        .arg(script)
        .status()
        .unwrap()
        .success());
    let peer = primary_positions(&dir.path().join("bwa.bam"));
    let mapped = |m: &std::collections::HashMap<_, (u16, String, u64)>| {
        m.values().filter(|v| v.1 != "*").count()
    };
    let same = ours
        .iter()
        .filter(|(k, v)| v.1 != "*" && peer.get(*k).is_some_and(|p| p.1 == v.1 && p.2 == v.2))
        .count();
    let share = 100.0 * same as f64 / ours.len() as f64;
    let (a, b) = (mapped(&ours) as f64, mapped(&peer) as f64);
    eprintln!("mapped: cairn {a}, bwa {b}; placed identically: {same} ({share:.2}%)");
    assert!(
        (a - b).abs() / b < 0.01,
        "mapping rates differ by more than 1%"
    );
    assert!(
        share >= 97.0,
        "only {share:.2}% of reads placed as bwa places them"
    );
}
