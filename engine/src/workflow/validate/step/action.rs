//! What a step runs: a built-in kind (its ports and params) or a script (its inputs, outputs and
//! references).

use indexmap::IndexMap;

use crate::workflow::schema::{lenient, position, Spanned};
use crate::workflow::template::{Expr, Template};
use crate::workflow::validate::{suggest, Checker};
use crate::workflow::{Action, Param, ParamBinding, StepId};

use super::refs::{check_refs, RefPlace};
use super::StepCtx;

#[allow(clippy::too_many_arguments)]
pub(super) fn check_action(
    ck: &mut Checker,
    at: &str,
    pos: Option<(u64, u64)>,
    d: &lenient::StepDoc,
    ctx: &StepCtx<'_>,
    per_sample: bool,
    inputs: &IndexMap<String, Vec<Template>>,
    deps: &mut Vec<StepId>,
) -> Option<(Action, IndexMap<String, String>)> {
    match (&d.kind, &d.run) {
        (Some(_), Some(_)) => {
            ck.error(
                pos,
                at,
                "a step has either `kind:` (a built-in) or `run:` (a script), not both",
            );
            None
        }
        (None, None) => {
            let kinds = ctx.registry.names().join(", ");
            ck.error(pos, at, format!("the step says neither what to run: add `kind:` (one of: {kinds}) or `run:` (a script)"));
            None
        }
        (Some(kind), None) => check_builtin(ck, at, kind, d, ctx, per_sample, inputs, deps),
        (None, Some(run)) => check_command(ck, at, run, d, ctx, per_sample, inputs),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_builtin(
    ck: &mut Checker,
    at: &str,
    kind: &Spanned<String>,
    d: &lenient::StepDoc,
    ctx: &StepCtx<'_>,
    per_sample: bool,
    inputs: &IndexMap<String, Vec<Template>>,
    deps: &mut Vec<StepId>,
) -> Option<(Action, IndexMap<String, String>)> {
    let kpos = Some(position(kind));
    let Some(k) = ctx.registry.get(&kind.value) else {
        let hint = suggest(&kind.value, ctx.registry.names().iter().copied());
        ck.error(
            kpos,
            format!("{at}.kind"),
            format!(
                "unknown step kind `{}`{hint}; known kinds: {}",
                kind.value,
                ctx.registry.names().join(", ")
            ),
        );
        return None;
    };
    if !d.out.is_empty() {
        ck.error(
            kpos,
            format!("{at}.out"),
            format!(
                "built-in kind `{}` names its own outputs; remove `out:`",
                k.name()
            ),
        );
    }
    let ports = k.inputs();
    for port in inputs.keys() {
        if !ports.iter().any(|p| p.name == port) {
            let known: Vec<_> = ports.iter().map(|p| p.name).collect();
            ck.error(
                kpos,
                format!("{at}.in.{port}"),
                format!(
                    "kind `{}` has no input `{port}`; its inputs: {}",
                    k.name(),
                    known.join(", ")
                ),
            );
        }
    }
    for p in ports {
        match inputs.get(p.name) {
            None if p.required => ck.error(
                kpos,
                format!("{at}.in"),
                format!(
                    "kind `{}` needs input `{}` ({}); bind it under `in:`",
                    k.name(),
                    p.name,
                    p.doc
                ),
            ),
            Some(ts) if !p.many && (ts.len() > 1 || ts.iter().any(is_gather)) => ck.error(
                kpos,
                format!("{at}.in.{}", p.name),
                format!(
                    "input `{}` of kind `{}` takes one file, not a list",
                    p.name,
                    k.name()
                ),
            ),
            _ => {}
        }
    }
    let mut params = IndexMap::new();
    let mut literal = serde_json::Map::new();
    for (name, v) in &d.params {
        let ppath = format!("{at}.params.{name}");
        let binding = match &v.value {
            serde_json::Value::String(s) if s.contains("{{") => {
                match Template::parse(s) {
                    Err(e) => {
                        ck.error(Some(position(v)), ppath, e);
                        continue;
                    }
                    Ok(t) => {
                        check_refs(
                            ck,
                            &t,
                            Some(position(v)),
                            &ppath,
                            ctx,
                            per_sample,
                            RefPlace::Param,
                            deps,
                        );
                        if t.exprs().any(|e| matches!(e, Expr::Output { .. })) {
                            ck.error(Some(position(v)), &ppath, "params hold values, not files: bind other steps' outputs under `in:`");
                        }
                        literal.insert(name.clone(), resolve_param_preview(&t, ctx.params));
                        ParamBinding::Template(t)
                    }
                }
            }
            other => {
                literal.insert(name.clone(), other.clone());
                ParamBinding::Literal(other.clone())
            }
        };
        params.insert(name.clone(), binding);
    }
    if let Err(e) = k.check(&literal) {
        ck.error(
            kpos,
            format!("{at}.params"),
            format!("kind `{}`: {e}", k.name()),
        );
    }
    let outputs = k
        .outputs()
        .iter()
        .map(|o| (o.name.to_string(), o.file.to_string()))
        .collect();
    Some((
        Action::Builtin {
            kind: k.clone(),
            params,
            container: d.container.as_ref().map(|c| c.value.trim().to_string()),
        },
        outputs,
    ))
}

fn is_gather(t: &Template) -> bool {
    t.exprs()
        .any(|e| matches!(e, Expr::Output { gather: true, .. }))
}

/// A template param's value for the load-time check: the param's typed value when the template is
/// exactly `{{ params.x }}`, else a placeholder string.
fn resolve_param_preview(t: &Template, params: &IndexMap<String, Param>) -> serde_json::Value {
    match t.sole_expr() {
        Some(Expr::Param(p)) => params.get(p).map(|p| p.value.clone()).unwrap_or_default(),
        _ => serde_json::Value::String("sample".into()),
    }
}

fn check_command(
    ck: &mut Checker,
    at: &str,
    run: &Spanned<String>,
    d: &lenient::StepDoc,
    ctx: &StepCtx<'_>,
    per_sample: bool,
    inputs: &IndexMap<String, Vec<Template>>,
) -> Option<(Action, IndexMap<String, String>)> {
    let rpos = Some(position(run));
    if !d.params.is_empty() {
        ck.error(rpos, format!("{at}.params"), "`params:` configure built-in kinds; a script reads workflow params as `{{ params.NAME }}`");
    }
    let script = match Template::parse(&run.value) {
        Ok(t) => t,
        Err(e) => {
            ck.error(rpos, format!("{at}.run"), e);
            return None;
        }
    };
    let mut ignored = Vec::new();
    check_refs(
        ck,
        &script,
        rpos,
        &format!("{at}.run"),
        ctx,
        per_sample,
        RefPlace::Script,
        &mut ignored,
    );
    for e in script.exprs() {
        match e {
            Expr::In(n) if !inputs.contains_key(n) => ck.error(rpos, format!("{at}.run"), format!("`{{{{ in.{n} }}}}`: no input `{n}`; declare it under `in:`")),
            Expr::Out(n) if !d.out.contains_key(n) => ck.error(rpos, format!("{at}.run"), format!("`{{{{ out.{n} }}}}`: no output `{n}`; declare it under `out:` with a file name")),
            _ => {}
        }
    }
    let mut outputs = IndexMap::new();
    for (name, file) in &d.out {
        let fpath = format!("{at}.out.{name}");
        let pattern = file
            .value
            .replace("{{ sample }}", "{sample}")
            .replace("{{sample}}", "{sample}");
        if pattern.contains("{{") {
            ck.error(
                Some(position(file)),
                &fpath,
                "output file names may only use `{{ sample }}`",
            );
        } else if pattern.is_empty()
            || pattern.starts_with('/')
            || pattern.split('/').any(|c| c == ".." || c.is_empty())
        {
            ck.error(
                Some(position(file)),
                &fpath,
                format!(
                    "`{}` must be a relative file name inside the task directory",
                    file.value
                ),
            );
        } else if pattern.contains("{sample}") && !per_sample {
            ck.error(
                Some(position(file)),
                &fpath,
                "`{{ sample }}` in an output name needs `per: sample`",
            );
        }
        outputs.insert(name.clone(), pattern);
    }
    let container = d.container.as_ref().map(|c| c.value.trim().to_string());
    Some((
        Action::Command {
            script,
            source: run.value.clone(),
            container,
        },
        outputs,
    ))
}
