//! Inline SVG charts, drawn with `plotters`' SVG backend.
//!
//! The report must open without a network, so charts are SVG text embedded in the page, not
//! scripts or images fetched from elsewhere. Text is drawn with plotters' built-in size estimate
//! (no font files), which keeps the output byte-identical on every machine.

use plotters::prelude::*;
use serde_json::Value;

const SIZE: (u32, u32) = (640, 300);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(214, 110, 20);

fn series(v: &Value) -> Vec<f64> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect()
}

/// Mean base quality by read position, read 1 and read 2, from `fastq-qc`'s JSON.
pub fn quality_by_position(qc: &Value) -> Option<String> {
    let r1 = series(&qc["read1_mean_quality_by_position"]);
    let r2 = series(&qc["read2_mean_quality_by_position"]);
    if r1.is_empty() {
        return None;
    }
    let len = r1.len().max(r2.len()) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Mean base quality by read position", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(1f64..len, 0f64..42f64)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc("position in read (bp)")
            .y_desc("mean Phred quality")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .ok()?;
        let line = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(i, q)| (i as f64 + 1.0, *q))
                .collect()
        };
        chart
            .draw_series(LineSeries::new(line(&r1), BLUE.stroke_width(2)))
            .ok()?
            .label("read 1")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
        if !r2.is_empty() {
            chart
                .draw_series(LineSeries::new(line(&r2), ORANGE.stroke_width(2)))
                .ok()?
                .label("read 2")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], ORANGE));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

/// A histogram from `[[bin_start, count], ...]` pairs (insert size, read length).
pub fn histogram(pairs: &Value, caption: &str, x_desc: &str) -> Option<String> {
    let bins: Vec<(f64, f64)> = pairs
        .as_array()?
        .iter()
        .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect();
    if bins.is_empty() {
        return None;
    }
    let width = bins
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let width = if width.is_finite() { width } else { 1.0 };
    let x0 = bins[0].0;
    let x1 = bins[bins.len() - 1].0 + width;
    let ymax = bins.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0) * 1.05;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, 0f64..ymax)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("count")
            .draw()
            .ok()?;
        chart
            .draw_series(
                bins.iter().map(|(x, n)| {
                    Rectangle::new([(*x, 0.0), (*x + width * 0.9, *n)], BLUE.filled())
                }),
            )
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

/// COSMIC's colours of the six substitution classes, in C>A, C>G, C>T, T>A, T>C, T>G order.
const CLASS_COLOURS: [RGBColor; 6] = [
    RGBColor(3, 189, 239),
    RGBColor(1, 1, 1),
    RGBColor(228, 41, 38),
    RGBColor(203, 202, 202),
    RGBColor(161, 207, 100),
    RGBColor(236, 199, 197),
];

/// The 96-channel SNV spectrum from `[{channel, count}, ...]` (COSMIC order), bars coloured by
/// substitution class with the class names above their sixteen bars. `None` without SNVs.
pub fn spectrum(sbs96: &Value, caption: &str) -> Option<String> {
    let counts: Vec<f64> = sbs96
        .as_array()?
        .iter()
        .filter_map(|c| c["count"].as_f64())
        .collect();
    if counts.len() != 96 || counts.iter().all(|&c| c == 0.0) {
        return None;
    }
    let ymax = counts.iter().copied().fold(0.0, f64::max) * 1.2;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(20)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..96f64, 0f64..ymax)
            .ok()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("SNVs")
            .draw()
            .ok()?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                let x = i as f64;
                Rectangle::new(
                    [(x + 0.1, 0.0), (x + 0.9, n)],
                    CLASS_COLOURS[i / 16].filled(),
                )
            }))
            .ok()?;
        let names = ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"];
        chart
            .draw_series(names.iter().enumerate().map(|(k, name)| {
                Text::new(
                    name.to_string(),
                    (k as f64 * 16.0 + 6.0, ymax * 0.97),
                    ("sans-serif", 13),
                )
            }))
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quality_chart_is_svg_with_both_reads() {
        let qc = json!({"read1_mean_quality_by_position": [38.0, 37.5, 36.0],
                        "read2_mean_quality_by_position": [37.0, 36.0, 30.0]});
        let svg = quality_by_position(&qc).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("read 2"));
        assert_eq!(
            svg,
            quality_by_position(&qc).unwrap(),
            "charts must be deterministic"
        );
    }

    #[test]
    fn histogram_needs_bins() {
        assert!(histogram(&json!([]), "c", "x").is_none());
        let svg = histogram(&json!([[30, 4], [40, 10]]), "Insert size", "bp").unwrap();
        assert!(svg.contains("<rect"));
    }
}
