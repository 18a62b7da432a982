//! `{{ ... }}` templates: the only way values flow into inputs, params and scripts.
//!
//! A template is parsed once at load time into text and expressions, so a typo is an error before
//! anything runs. References to other steps (`{{ align.bam }}`, or `{{ call.vcf[*] }}` to gather over
//! all samples) become the DAG's edges.

use std::fmt;

/// One `{{ ... }}` expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// `params.NAME`
    Param(String),
    /// `sample`: the sample id.
    SampleId,
    /// `sample.COLUMN`
    SampleColumn(String),
    /// `STEP.OUTPUT` or, with `[*]`, the output of every sample's task.
    Output {
        step: String,
        output: String,
        gather: bool,
    },
    /// `in.NAME` (command scripts)
    In(String),
    /// `out.NAME` (command scripts)
    Out(String),
    /// `task.cpus`, `task.memory_mb`, `task.attempt`
    Task(String),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Param(p) => write!(f, "params.{p}"),
            Expr::SampleId => write!(f, "sample"),
            Expr::SampleColumn(c) => write!(f, "sample.{c}"),
            Expr::Output {
                step,
                output,
                gather,
            } => {
                write!(f, "{step}.{output}{}", if *gather { "[*]" } else { "" })
            }
            Expr::In(n) => write!(f, "in.{n}"),
            Expr::Out(n) => write!(f, "out.{n}"),
            Expr::Task(n) => write!(f, "task.{n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Text(String),
    Expr(Expr),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    pub segments: Vec<Segment>,
}

/// Fields a `task.` expression may name.
pub const TASK_FIELDS: &[&str] = &["cpus", "memory_mb", "attempt"];

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                segments.push(Segment::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| {
                format!("unclosed `{{{{` in `{text}`; close the expression with `}}}}`")
            })?;
            segments.push(Segment::Expr(parse_expr(after[..end].trim())?));
            rest = &after[end + 2..];
        }
        if rest.contains("}}") {
            return Err(format!(
                "stray `}}}}` in `{text}`; open the expression with `{{{{`"
            ));
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_string()));
        }
        Ok(Template { segments })
    }

    /// The expressions in order.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Expr(e) => Some(e),
            Segment::Text(_) => None,
        })
    }

    /// The single expression this template consists of, if it is exactly one.
    pub fn sole_expr(&self) -> Option<&Expr> {
        match self.segments.as_slice() {
            [Segment::Expr(e)] => Some(e),
            _ => None,
        }
    }

    /// Render with `lookup` supplying each expression's text.
    pub fn render<E>(
        &self,
        mut lookup: impl FnMut(&Expr) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Expr(e) => out.push_str(&lookup(e)?),
            }
        }
        Ok(out)
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn parse_expr(expr: &str) -> Result<Expr, String> {
    if expr == "sample" {
        return Ok(Expr::SampleId);
    }
    let (head, field) = expr.split_once('.').ok_or_else(|| {
        format!(
            "cannot read `{{{{ {expr} }}}}`: expected `params.NAME`, `sample`, `sample.COLUMN`, \
             `STEP.OUTPUT`, `STEP.OUTPUT[*]`, `in.NAME`, `out.NAME` or `task.FIELD`"
        )
    })?;
    let (field, gather) = match field.strip_suffix("[*]") {
        Some(f) => (f, true),
        None => (field, false),
    };
    if !is_ident(head) || !is_ident(field) {
        return Err(format!(
            "`{{{{ {expr} }}}}` is not a valid reference; names use letters, digits, `_` and `-`"
        ));
    }
    let simple = |e: Expr| {
        if gather {
            Err(format!("`[*]` gathers a step's outputs over samples; it cannot follow `{head}.` in `{{{{ {expr} }}}}`"))
        } else {
            Ok(e)
        }
    };
    match head {
        "params" => simple(Expr::Param(field.into())),
        "sample" => simple(Expr::SampleColumn(field.into())),
        "in" => simple(Expr::In(field.into())),
        "out" => simple(Expr::Out(field.into())),
        "task" if TASK_FIELDS.contains(&field) => simple(Expr::Task(field.into())),
        "task" => Err(format!(
            "unknown `task.{field}`; known: {}",
            TASK_FIELDS.join(", ")
        )),
        step => Ok(Expr::Output {
            step: step.into(),
            output: field.into(),
            gather,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_and_expressions() {
        let t = Template::parse("bcftools stats {{ in.vcf }} > {{out.stats}}").unwrap();
        assert_eq!(
            t.exprs().cloned().collect::<Vec<_>>(),
            vec![Expr::In("vcf".into()), Expr::Out("stats".into())]
        );
        assert_eq!(t.segments.len(), 4);
    }

    #[test]
    fn parses_gather_and_sample() {
        let t = Template::parse("{{ call.vcf[*] }}").unwrap();
        assert_eq!(
            t.sole_expr(),
            Some(&Expr::Output {
                step: "call".into(),
                output: "vcf".into(),
                gather: true
            })
        );
        assert_eq!(
            Template::parse("{{ sample }}").unwrap().sole_expr(),
            Some(&Expr::SampleId)
        );
    }

    #[test]
    fn rejects_malformed() {
        assert!(Template::parse("{{ in.vcf")
            .unwrap_err()
            .contains("unclosed"));
        assert!(Template::parse("x }}").unwrap_err().contains("stray"));
        assert!(Template::parse("{{ nodot }}")
            .unwrap_err()
            .contains("expected"));
        assert!(Template::parse("{{ params.x[*] }}")
            .unwrap_err()
            .contains("gathers"));
        assert!(Template::parse("{{ task.gpus }}")
            .unwrap_err()
            .contains("known: cpus"));
    }

    #[test]
    fn renders() {
        let t = Template::parse("a{{ sample }}b").unwrap();
        let s: Result<String, ()> = t.render(|_| Ok("X".into()));
        assert_eq!(s.unwrap(), "aXb");
    }
}
