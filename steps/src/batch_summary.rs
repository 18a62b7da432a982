//! `batch-report`: one page for a whole run: a per-sample QC table, charts comparing samples, and
//! links to each sample's report.
//!
//! ```text
//! cairn step batch-report --reports S1.report.json S2.report.json ... --html batch-summary.html
//! ```
//!
//! It reads the per-sample `report.json` documents (schema `cairn.report/1`, written by the
//! `report` kind), never the raw step outputs, so the numbers agree with the sample reports by
//! construction. Links point at `../<sample>/<sample>.report.html`, where `publish:` puts each
//! sample's report next to this page's folder; they are relative, so the page needs no network.
//! Like the sample report it is one self-contained file (inline CSS and SVG, minijinja with HTML
//! auto-escaping) and reads no clock.

pub mod planner;

use std::path::{Path, PathBuf};

use minijinja::{context, Environment};
use plotters::prelude::*;
use serde_json::{json, Value};

use crate::report::inputs::read_json;
use crate::{Result, StepError};
pub use planner::BatchReportKind;

const TEMPLATE: &str = include_str!("batch_summary/templates/batch.html");

/// Arguments of `cairn step batch-report`.
#[derive(Debug, Clone, clap::Args)]
pub struct BatchArgs {
    /// Per-sample report documents (`report` kind's json output).
    #[arg(long, num_args = 1.., required = true)]
    pub reports: Vec<PathBuf>,
    /// Output HTML page.
    #[arg(long)]
    pub html: PathBuf,
}

/// One table row per sample, from its report.json.
fn row(report: &Value, path: &Path) -> Result<Value> {
    let sample = report["sample"].as_str().ok_or_else(|| {
        StepError::input(format!(
            "{}: no `sample`; give the json output of the `report` step",
            path.display()
        ))
    })?;
    Ok(json!({
        "sample": sample,
        "link": format!("../{sample}/{sample}.report.html"),
        "reads": report["qc"]["reads_before"],
        "q30": report["qc"]["q30_rate"],
        "mapped_pct": report["alignment"]["mapped_pct"],
        "duplicate_pct": report["alignment"]["duplicate_pct"],
        "insert_median": report["alignment"]["insert_size_median"],
        "mean_depth": report["alignment"]["mean_depth"],
        "breadth_20x": report["alignment"]["breadth_ge_20x_pct"],
        "variants": report["variants"]["called"]["total"],
        "snv_f1": report["methods"]["accuracy"]["snv"]["f1"],
        "indel_f1": report["methods"]["accuracy"]["indel"]["f1"],
        "actionable": report["summary"]["actionable"].as_array().map_or(0, Vec::len),
    }))
}

/// A bar per sample of one numeric column; None when no sample has it.
fn bars(rows: &[Value], key: &str, caption: &str, y_desc: &str) -> Option<String> {
    let values: Vec<f64> = rows
        .iter()
        .map(|r| r[key].as_f64().unwrap_or(0.0))
        .collect();
    if rows.iter().all(|r| r[key].as_f64().is_none()) {
        return None;
    }
    let names: Vec<String> = rows
        .iter()
        .map(|r| r["sample"].as_str().unwrap_or("").to_string())
        .collect();
    let ymax = values.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.15;
    let n = values.len() as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (480, 260)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..n, 0f64..ymax)
            .ok()?;
        let label = |x: &f64| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 1e-6 {
                names.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * values.len() + 1)
            .x_label_formatter(&label)
            .y_desc(y_desc)
            .draw()
            .ok()?;
        let color = RGBColor(31, 119, 180);
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Rectangle::new(
                    [(i as f64 + 0.15, 0.0), (i as f64 + 0.85, *v)],
                    color.filled(),
                )
            }))
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

/// Render the batch page from report documents.
pub fn render(rows: &[Value]) -> Result<String> {
    let mut env = Environment::new();
    env.add_template("batch.html", TEMPLATE)
        .map_err(|e| StepError::failed(format!("batch template does not compile: {e}")))?;
    let charts: Vec<minijinja::Value> = [
        bars(rows, "mean_depth", "Mean depth per sample", "depth (x)"),
        bars(
            rows,
            "q30",
            "Q30 rate per sample (after trimming)",
            "fraction of bases",
        ),
        bars(rows, "snv_f1", "SNV F1 against truth per sample", "F1"),
    ]
    .into_iter()
    .flatten()
    .map(minijinja::Value::from_safe_string)
    .collect();
    let t = env
        .get_template("batch.html")
        .map_err(|e| StepError::failed(e.to_string()))?;
    t.render(context! { rows => minijinja::Value::from_serialize(rows), charts => charts })
        .map_err(|e| StepError::failed(format!("rendering the batch page: {e:#}")))
}

/// `cairn step batch-report`.
pub fn run(args: BatchArgs) -> Result<()> {
    let mut rows = Vec::new();
    for p in &args.reports {
        let doc = read_json(Some(p))?.map(|d| d.value).unwrap_or(Value::Null);
        rows.push(row(&doc, p)?);
    }
    rows.sort_by(|a, b| a["sample"].as_str().cmp(&b["sample"].as_str()));
    let html = render(&rows)?;
    crate::report::write_atomic(&args.html, &html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_page_from_report_documents() {
        let doc = json!({"sample": "S<1>", "qc": {"reads_before": 10, "q30_rate": 0.9},
            "alignment": {"mean_depth": 30.0}, "variants": {"called": {"total": 5}},
            "methods": {"accuracy": null}, "summary": {"actionable": []}});
        let r = row(&doc, Path::new("a.json")).unwrap();
        assert_eq!(r["mean_depth"], 30.0);
        assert_eq!(r["link"], "../S<1>/S<1>.report.html");
        let html = render(&[r]).unwrap();
        assert!(html.contains("S&lt;1&gt;") && !html.contains("S<1>"));
        assert_eq!(
            html.matches("<svg").count(),
            2,
            "depth and Q30 charts, no F1 without eval"
        );
        assert!(row(&json!({}), Path::new("b.json"))
            .unwrap_err()
            .message
            .contains("b.json"));
    }
}
