//! Counts, the metrics derived from them, the JSON report and the table printed on stdout.
//!
//! The JSON has one object per class (`snv`, `indel`) with `tp`, `fp`, `fn`, `precision`, `recall`,
//! `f1`; `tp` is the truth-side TP (the one recall uses) and `query_tp` the query-side TP (the one
//! precision uses), which differ when one complex allele matches an SNV plus an indel. A TP here is an allele match (as
//! vcfeval's `--squash-ploidy`); genotype errors among TPs are reported as `genotype_mismatch` (truth
//! side), `fp_gt` (query side) and `genotype_concordance`, and the `strict` object recounts with
//! hap.py's own rule, where a genotype error is both an FN and an FP, and the `copies` object with
//! Aardvark's GT rule, which counts allele copies: a genotype a copy short is an FN only, a copy too
//! many an FP only (see docs/eval.md for the side-by-side). Metrics with an empty
//! denominator are `null`. Keys are in a fixed order and nothing depends on time, so a rerun is byte-identical.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{Result, StepError};

/// Germline counts for one class of variant.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ClassCounts {
    pub truth_total: u64,
    pub truth_tp: u64,
    /// Truth TPs found by haplotype matching rather than allele-exact.
    pub truth_tp_haplotype: u64,
    pub query_total: u64,
    pub query_tp: u64,
    pub genotype_match: u64,
    pub genotype_mismatch: u64,
    /// Query TPs whose genotype differs from the truth's (hap.py's FP.gt).
    pub query_genotype_mismatch: u64,
    /// Truth TPs whose truth genotype is homozygous but the query's heterozygous (a copy short).
    pub genotype_under: u64,
    /// Query TPs called homozygous where the truth is heterozygous (a copy too many).
    pub query_genotype_over: u64,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GermlineCounts {
    pub snv: ClassCounts,
    pub indel: ClassCounts,
    pub clusters_skipped: u64,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn f1(precision: Option<f64>, recall: Option<f64>) -> Option<f64> {
    match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    }
}

/// Round to 6 decimals so the JSON does not carry float noise.
fn metric(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |v| json!((v * 1e6).round() / 1e6))
}

impl ClassCounts {
    pub fn fn_(&self) -> u64 {
        self.truth_total - self.truth_tp
    }

    pub fn fp(&self) -> u64 {
        self.query_total - self.query_tp
    }

    pub fn precision(&self) -> Option<f64> {
        ratio(self.query_tp, self.query_total)
    }

    pub fn recall(&self) -> Option<f64> {
        ratio(self.truth_tp, self.truth_total)
    }

    pub fn to_json(&self) -> Value {
        let (p, r) = (self.precision(), self.recall());
        json!({
            "tp": self.truth_tp,
            "fp": self.fp(),
            "fn": self.fn_(),
            "query_tp": self.query_tp,
            "truth_total": self.truth_total,
            "query_total": self.query_total,
            "precision": metric(p),
            "recall": metric(r),
            "f1": metric(f1(p, r)),
            "tp_by_haplotype": self.truth_tp_haplotype,
            "genotype_match": self.genotype_match,
            "genotype_mismatch": self.genotype_mismatch,
            "genotype_concordance": metric(ratio(self.genotype_match, self.genotype_match + self.genotype_mismatch)),
            "fp_gt": self.query_genotype_mismatch,
            "strict": self.strict_json(),
            "copies": self.copies_json(),
        })
    }

    /// Aardvark's GT rule, which counts allele copies: a call a copy short (`0/1` for `1/1`) is an
    /// FN only, a call a copy too many (`1/1` for `0/1`) an FP only.
    fn copies_json(&self) -> Value {
        self.rescored_json(
            self.truth_tp - self.genotype_under,
            self.query_tp - self.query_genotype_over,
        )
    }

    /// hap.py's own rule: a genotype error is an FN and an FP (alleles with unknown genotypes pass).
    fn strict_json(&self) -> Value {
        self.rescored_json(
            self.truth_tp - self.genotype_mismatch,
            self.query_tp - self.query_genotype_mismatch,
        )
    }

    /// Counts and metrics when genotype errors take `tp` truth and `query_tp` query matches away.
    fn rescored_json(&self, tp: u64, query_tp: u64) -> Value {
        let (p, r) = (
            ratio(query_tp, self.query_total),
            ratio(tp, self.truth_total),
        );
        json!({
            "tp": tp,
            "fp": self.query_total - query_tp,
            "fn": self.truth_total - tp,
            "precision": metric(p),
            "recall": metric(r),
            "f1": metric(f1(p, r)),
        })
    }
}

/// som.py's counts for one type (`SNVs`, `indels`, `records`, ...).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SomaticCounts {
    pub total_truth: u64,
    pub total_query: u64,
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub unk: u64,
}

impl SomaticCounts {
    pub fn to_json(&self, fp_region_size: Option<u64>) -> Value {
        let p = ratio(self.tp, self.tp + self.fp);
        let r = ratio(self.tp, self.tp + self.fn_);
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("precision".into(), metric(p));
            m.insert("recall".into(), metric(r));
            m.insert("f1".into(), metric(f1(p, r)));
            m.insert("na".into(), metric(ratio(self.unk, self.total_query)));
            if let Some(size) = fp_region_size {
                m.insert(
                    "fp_rate_per_mb".into(),
                    metric(ratio(self.fp * 1_000_000, size)),
                );
            }
        }
        v
    }
}

/// Write `report` to `path` atomically (temp file in the same directory, then rename).
pub fn write_json(path: &Path, report: &Map<String, Value>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| StepError::io("create a file in", dir, e))?;
    let mut text =
        serde_json::to_string_pretty(report).map_err(|e| StepError::failed(e.to_string()))?;
    text.push('\n');
    tmp.write_all(text.as_bytes())
        .map_err(|e| StepError::io("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| StepError::io("write", path, e.error))?;
    Ok(())
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Number(n) if n.is_f64() => format!("{:.4}", n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// A fixed-width table of `columns` for each (label, object) row.
pub fn table(rows: &[(&str, &Value)], columns: &[&str]) -> String {
    let mut out = format!("{:<8}", "type");
    for c in columns {
        out.push_str(&format!(" {c:>12}"));
    }
    out.push('\n');
    for (label, obj) in rows {
        out.push_str(&format!("{label:<8}"));
        for c in columns {
            out.push_str(&format!(" {:>12}", cell(&obj[*c])));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_hap_py_counting() {
        let c = ClassCounts {
            truth_total: 10,
            truth_tp: 8,
            query_total: 12,
            query_tp: 9,
            ..Default::default()
        };
        let v = c.to_json();
        assert_eq!(v["fn"], 2);
        assert_eq!(v["fp"], 3);
        assert_eq!(v["precision"], 0.75);
        assert_eq!(v["recall"], 0.8);
        assert_eq!(v["f1"], 0.774194);
        assert_eq!(ClassCounts::default().to_json()["precision"], Value::Null);
        let gt = ClassCounts {
            genotype_mismatch: 2,
            query_genotype_mismatch: 3,
            ..c
        };
        let strict = &gt.to_json()["strict"];
        assert_eq!(
            (&strict["tp"], &strict["fp"], &strict["fn"]),
            (&json!(6), &json!(6), &json!(4))
        );
        assert_eq!(strict["precision"], 0.5);
        // Of those, one truth 1/1 was called 0/1 and two truth 0/1 were called 1/1.
        let copies = &ClassCounts {
            genotype_under: 1,
            query_genotype_over: 2,
            ..gt
        }
        .to_json()["copies"];
        assert_eq!(
            (&copies["tp"], &copies["fp"], &copies["fn"]),
            (&json!(7), &json!(5), &json!(3))
        );
    }

    #[test]
    fn somatic_metrics_use_tp_and_fp_only() {
        let c = SomaticCounts {
            total_truth: 4,
            total_query: 6,
            tp: 3,
            fp: 1,
            fn_: 1,
            unk: 2,
        };
        let v = c.to_json(Some(2_000_000));
        assert_eq!(v["precision"], 0.75);
        assert_eq!(v["na"], 0.333333);
        assert_eq!(v["fp_rate_per_mb"], 0.5);
        assert!(table(&[("SNVs", &v)], &["tp", "precision"]).contains("0.7500"));
    }
}
