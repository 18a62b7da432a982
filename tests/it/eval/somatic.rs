//! Somatic mode against som.py's published results on the admixture example.

use std::path::Path;

use super::{eval, p, shared_data};

/// som.py's published counts for one type, from its stats CSV.
fn sompy_counts(csv: &Path, kind: &str) -> Vec<u64> {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[1] == kind)
        .unwrap();
    ["total.truth", "total.query", "tp", "fp", "fn", "unk"]
        .iter()
        .map(|k| {
            row[head.iter().position(|h| h == k).unwrap()]
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn somatic_mode_reproduces_sompy_on_the_admixture_example() {
    let Some(data) = shared_data() else { return };
    let d = data.join("vcf-benchmarks/somatic-admix-chr22");
    for (kind, key, file) in [("SNVs", "snv", "snvs"), ("indels", "indel", "indels")] {
        let truth = d.join(format!("PG_admix_truth_grch38_{file}.vcf.gz"));
        let query = d.join(format!("strelka_grch38_admix_pass_{file}.vcf.gz"));
        let fp = d.join("FP_admix_grch38.bed.gz");
        let r = eval(
            &[
                p("--truth"),
                &truth,
                p("--query"),
                &query,
                p("--fp-regions"),
                &fp,
            ],
            &["--somatic"],
        );
        let got: Vec<u64> = ["total_truth", "total_query", "tp", "fp", "fn", "unk"]
            .iter()
            .map(|k| r[key][k].as_u64().unwrap())
            .collect();
        let csv = d.join(format!(
            "reference_outputs/sompy.strelka_grch38_admix_pass_{file}.stats.csv"
        ));
        assert_eq!(
            got,
            sompy_counts(&csv, kind),
            "{kind}: total.truth, total.query, tp, fp, fn, unk"
        );
        assert_eq!(r["fp_region_size"], 32_898_860);
    }
}

#[test]
fn somatic_mode_without_fp_regions_counts_every_unmatched_call_as_fp() {
    let Some(data) = shared_data() else { return };
    let d = data.join("vcf-benchmarks/somatic-admix-chr22");
    let truth = d.join("PG_admix_truth_grch38_snvs.vcf.gz");
    let query = d.join("strelka_grch38_admix_pass_snvs.vcf.gz");
    let r = eval(
        &[p("--truth"), &truth, p("--query"), &query],
        &["--somatic"],
    );
    assert_eq!(
        (
            r["snv"]["tp"].as_u64(),
            r["snv"]["fp"].as_u64(),
            r["snv"]["unk"].as_u64()
        ),
        (Some(13_575), Some(1_985), Some(0))
    );
}
