//! `report.html`: the report document rendered through a `minijinja` template.
//!
//! The template (`templates/report.html`) is compiled into the binary, and it is named `.html`, so
//! minijinja escapes every value for HTML: a sample name or an annotation string can never inject
//! markup. Only the SVG charts, which this crate draws itself, are marked safe. Small filters format
//! numbers the same way everywhere (`pct` for rates, `fixed` for decimals, `na` for missing).

use minijinja::value::Value as JValue;
use minijinja::{context, Environment};
use serde_json::Value;

use crate::{Result, StepError};

const TEMPLATE: &str = include_str!("templates/report.html");
const SOMATIC: &str = include_str!("templates/somatic.html");

/// The charts drawn for one report (SVG text).
#[derive(Debug, Default)]
pub struct Charts {
    pub quality: Option<String>,
    pub insert_size: Option<String>,
    pub read_length: Option<String>,
    pub somatic_vaf: Option<String>,
    pub somatic_spectrum: Option<String>,
}

fn pct(v: JValue, digits: Option<usize>) -> String {
    match f64::try_from(v) {
        Ok(x) => format!("{:.*} %", digits.unwrap_or(2), x * 100.0),
        Err(_) => "n/a".to_string(),
    }
}

fn fixed(v: JValue, digits: Option<usize>) -> String {
    match f64::try_from(v) {
        Ok(x) => format!("{:.*}", digits.unwrap_or(2), x),
        Err(_) => "n/a".to_string(),
    }
}

fn na(v: JValue) -> JValue {
    if v.is_undefined() || v.is_none() || v.as_str() == Some("") {
        JValue::from("n/a")
    } else {
        v
    }
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_filter("pct", pct);
    env.add_filter("fixed", fixed);
    env.add_filter("na", na);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| StepError::failed(format!("report template does not compile: {e}")))?;
    env.add_template("somatic.html", SOMATIC)
        .map_err(|e| StepError::failed(format!("somatic template does not compile: {e}")))?;
    Ok(env)
}

/// Render the HTML report from `report.json` and its charts.
pub fn html(report: &Value, charts: &Charts) -> Result<String> {
    let env = environment()?;
    let template = env
        .get_template("report.html")
        .map_err(|e| StepError::failed(format!("report template: {e}")))?;
    let safe = |s: &Option<String>| s.clone().map(JValue::from_safe_string);
    template
        .render(context! {
            r => JValue::from_serialize(report),
            chart_quality => safe(&charts.quality),
            chart_insert => safe(&charts.insert_size),
            chart_length => safe(&charts.read_length),
            chart_vaf => safe(&charts.somatic_vaf),
            chart_spectrum => safe(&charts.somatic_spectrum),
        })
        .map_err(|e| StepError::failed(format!("rendering report.html: {e:#}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn strings_from_inputs_are_escaped() {
        let inputs = crate::report::model::Inputs {
            sample: "<script>alert(1)</script>".into(),
            ..Default::default()
        };
        let report = crate::report::model::build(&inputs);
        let html = html(&report, &Charts::default()).unwrap();
        assert!(!html.contains("<script>alert"), "sample name not escaped");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn number_filters() {
        assert_eq!(pct(JValue::from(0.8707), None), "87.07 %");
        assert_eq!(fixed(JValue::from(29.3651), Some(1)), "29.4");
        assert_eq!(pct(JValue::from(()), None), "n/a");
    }
}
