//! Checks of one step: its kind or script, inputs, references, params, resources and publishing.

use indexmap::IndexMap;

use super::super::schema::{lenient, position, InputDoc, PublishDoc, Spanned};
use super::super::template::{Expr, Template};
use super::super::units::{parse_duration, parse_memory};
use super::super::{
    Action, Param, ParamBinding, Publish, PublishMode, Resources, Retry, SampleSheet, Step, StepId,
};
use super::{suggest, Checker};
use crate::step::Registry;

#[derive(Clone, Copy)]
pub(super) struct StepCtx<'a> {
    pub(super) params: &'a IndexMap<String, Param>,
    pub(super) sheet: Option<&'a SampleSheet>,
    pub(super) all: &'a IndexMap<String, Spanned<lenient::StepDoc>>,
    pub(super) registry: &'a Registry,
    /// Sample columns this step may name although the sheet lacks them: those its `when:` tests
    /// (where the column is missing the step does not run).
    pub(super) absent_ok: &'a [String],
}

pub(super) fn check_step(
    ck: &mut Checker,
    name: &str,
    sdoc: &Spanned<lenient::StepDoc>,
    ctx: &StepCtx<'_>,
) -> Option<Step> {
    let at = format!("steps.{name}");
    let pos = Some(position(sdoc));
    let d = &sdoc.value;
    let before = ck.diags.len();
    let id = StepId::new(name).map_err(|e| ck.error(pos, &at, e)).ok();
    let per_sample = match &d.per {
        None => false,
        Some(p) if p.value == "sample" => {
            if ctx.sheet.is_none() {
                ck.error(
                    Some(position(p)),
                    format!("{at}.per"),
                    "`per: sample` needs a sample sheet; add `samples: FILE` or pass --samples",
                );
            }
            true
        }
        Some(p) => {
            ck.error(
                Some(position(p)),
                format!("{at}.per"),
                format!(
                    "unknown `per: {}`; the only fan-out is `per: sample`",
                    p.value
                ),
            );
            false
        }
    };
    let when = check_when(ck, &at, d, ctx, per_sample);
    let absent_ok: Vec<String> = when
        .iter()
        .flat_map(Template::exprs)
        .filter_map(|e| match e {
            Expr::SampleColumn(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let ctx = &StepCtx {
        absent_ok: &absent_ok,
        ..*ctx
    };
    let mut inputs = IndexMap::new();
    let mut deps: Vec<StepId> = Vec::new();
    for (port, binding) in &d.inputs {
        let texts = match &binding.value {
            InputDoc::One(t) => vec![t.clone()],
            InputDoc::Many(ts) => ts.clone(),
        };
        let mut templates = Vec::new();
        for t in texts {
            let ipath = format!("{at}.in.{port}");
            match Template::parse(&t) {
                Err(e) => ck.error(Some(position(binding)), ipath, e),
                Ok(tpl) => {
                    check_refs(
                        ck,
                        &tpl,
                        Some(position(binding)),
                        &ipath,
                        ctx,
                        per_sample,
                        RefPlace::Input,
                        &mut deps,
                    );
                    templates.push(tpl);
                }
            }
        }
        inputs.insert(port.clone(), templates);
    }
    let resources = check_resources(ck, &at, d);
    let retry = match &d.retry {
        None => Retry::default(),
        Some(r) => {
            let factor = r.value.memory_factor.unwrap_or(1.0);
            if r.value.attempts == 0 || !(1.0..=16.0).contains(&factor) {
                ck.error(
                    Some(position(r)),
                    format!("{at}.retry"),
                    "retry needs `attempts` >= 1 and a `memory_factor` between 1 and 16",
                );
            }
            Retry {
                attempts: r.value.attempts.max(1),
                memory_factor: factor,
            }
        }
    };
    let (action, outputs) = check_action(ck, &at, pos, d, ctx, per_sample, &inputs, &mut deps)?;
    let publish = check_publish(ck, &at, pos, d, &outputs);
    deps.sort();
    deps.dedup();
    if ck.diags.len() > before {
        return None;
    }
    Some(Step {
        id: id?,
        action,
        per_sample,
        when,
        inputs,
        outputs,
        resources,
        retry,
        publish,
        deps,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum RefPlace {
    Input,
    Param,
    Script,
    When,
}

/// `when:`: a template of params and sample fields (no outputs: the plan decides before
/// anything runs).
fn check_when(
    ck: &mut Checker,
    at: &str,
    d: &lenient::StepDoc,
    ctx: &StepCtx<'_>,
    per_sample: bool,
) -> Option<Template> {
    let w = d.when.as_ref()?;
    let wpath = format!("{at}.when");
    let tpl = match Template::parse(&w.value) {
        Ok(t) => t,
        Err(e) => {
            ck.error(Some(position(w)), wpath, e);
            return None;
        }
    };
    if tpl.exprs().next().is_none() {
        ck.error(
            Some(position(w)),
            wpath,
            "`when:` needs a `{{ ... }}` reference (a param or a sample column) to test",
        );
        return None;
    }
    let absent: Vec<String> = tpl
        .exprs()
        .filter_map(|e| match e {
            Expr::SampleColumn(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let ctx = StepCtx {
        absent_ok: &absent,
        ..*ctx
    };
    let mut no_deps = Vec::new();
    check_refs(
        ck,
        &tpl,
        Some(position(w)),
        &wpath,
        &ctx,
        per_sample,
        RefPlace::When,
        &mut no_deps,
    );
    Some(tpl)
}

#[allow(clippy::too_many_arguments)]
fn check_refs(
    ck: &mut Checker,
    tpl: &Template,
    pos: Option<(u64, u64)>,
    at: &str,
    ctx: &StepCtx<'_>,
    per_sample: bool,
    place: RefPlace,
    deps: &mut Vec<StepId>,
) {
    for expr in tpl.exprs() {
        let problem = match expr {
            Expr::Param(p) if !ctx.params.contains_key(p) => Some(format!(
                "`{{{{ {expr} }}}}`: no param `{p}`; declare it under `params:` (known: {})",
                ctx.params.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Expr::SampleId | Expr::SampleColumn(_) if !per_sample => Some(format!(
                "`{{{{ {expr} }}}}` is only available in a step with `per: sample`"
            )),
            Expr::SampleColumn(c) => match ctx.sheet {
                Some(s) if !s.columns.contains(c) && !ctx.absent_ok.contains(c) => Some(format!(
                    "`{{{{ {expr} }}}}`: the sample sheet {} has no column `{c}` (columns: {})",
                    s.path.display(),
                    s.columns.join(", ")
                )),
                _ => None,
            },
            Expr::Output {
                step,
                output,
                gather,
            } => {
                if place == RefPlace::Script {
                    Some(format!("`{{{{ {expr} }}}}`: scripts read other steps' outputs through `in:`; bind it as `in: {{ x: \"{{{{ {expr} }}}}\" }}` and write `{{{{ in.x }}}}`"))
                } else if place == RefPlace::When {
                    Some(format!("`{{{{ {expr} }}}}`: `when:` is decided before anything runs, so it can test params and sample columns, not outputs"))
                } else {
                    check_output_ref(ctx, step, output, *gather, per_sample, expr, deps)
                }
            }
            Expr::In(_) | Expr::Out(_) | Expr::Task(_) if place != RefPlace::Script => Some(
                format!("`{{{{ {expr} }}}}` can only be used inside a `run:` script"),
            ),
            _ => None,
        };
        if let Some(msg) = problem {
            ck.error(pos, at, msg);
        }
    }
}

fn check_output_ref(
    ctx: &StepCtx<'_>,
    step: &str,
    output: &str,
    gather: bool,
    per_sample: bool,
    expr: &Expr,
    deps: &mut Vec<StepId>,
) -> Option<String> {
    let Some(target) = ctx.all.get(step) else {
        return Some(format!(
            "`{{{{ {expr} }}}}` refers to a step `{step}` that does not exist; known steps: {}",
            ctx.all.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    };
    let t = &target.value;
    let target_per_sample = t.per.as_ref().is_some_and(|p| p.value == "sample");
    let known: Vec<String> = match &t.kind {
        Some(k) => match ctx.registry.get(&k.value) {
            Some(kind) => kind.outputs().iter().map(|o| o.name.to_string()).collect(),
            None => return None, // an unknown kind is reported on its own step
        },
        None => t.out.keys().cloned().collect(),
    };
    if !known.iter().any(|o| o == output) {
        return Some(format!(
            "`{{{{ {expr} }}}}`: step `{step}` has no output `{output}`; its outputs: {}",
            known.join(", ")
        ));
    }
    if gather && !target_per_sample {
        return Some(format!("`{{{{ {expr} }}}}`: `[*]` gathers over samples, but step `{step}` does not run `per: sample`; drop `[*]`"));
    }
    if !gather && target_per_sample && !per_sample {
        return Some(format!("`{{{{ {expr} }}}}`: step `{step}` runs per sample; gather all samples with `{{{{ {step}.{output}[*] }}}}` or make this step `per: sample`"));
    }
    if let Ok(id) = StepId::new(step) {
        deps.push(id);
    }
    None
}

fn check_resources(ck: &mut Checker, at: &str, d: &lenient::StepDoc) -> Resources {
    let mut res = Resources::default();
    let Some(r) = &d.resources else { return res };
    let pos = Some(position(r));
    if let Some(c) = r.value.cpus {
        if c == 0 {
            ck.error(
                pos,
                format!("{at}.resources.cpus"),
                "cpus must be at least 1",
            );
        }
        res.cpus = c.max(1);
    }
    if let Some(m) = &r.value.memory {
        match parse_memory(m) {
            Ok(bytes) => res.memory = bytes,
            Err(e) => ck.error(pos, format!("{at}.resources.memory"), e),
        }
    }
    if let Some(t) = &r.value.time {
        match parse_duration(t) {
            Ok(dur) => res.time = Some(dur),
            Err(e) => ck.error(pos, format!("{at}.resources.time"), e),
        }
    }
    res
}

#[allow(clippy::too_many_arguments)]
fn check_action(
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

fn check_publish(
    ck: &mut Checker,
    at: &str,
    pos: Option<(u64, u64)>,
    d: &lenient::StepDoc,
    outputs: &IndexMap<String, String>,
) -> Option<Publish> {
    let all = || outputs.keys().cloned().collect::<Vec<_>>();
    let (names, mode, path) = match d.publish.as_ref()? {
        PublishDoc::Flag(false) => return None,
        PublishDoc::Flag(true) => (all(), None, None),
        PublishDoc::Outputs(list) => (list.clone(), None, None),
        PublishDoc::Full(f) => (
            f.outputs.clone().unwrap_or_else(all),
            f.mode.clone(),
            f.path.clone(),
        ),
    };
    for n in &names {
        if !outputs.contains_key(n) {
            ck.error(
                pos,
                format!("{at}.publish"),
                format!(
                    "cannot publish `{n}`: the step has no such output (outputs: {})",
                    all().join(", ")
                ),
            );
        }
    }
    let mode = match mode.as_deref().map(PublishMode::parse) {
        None => PublishMode::Link,
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            ck.error(pos, format!("{at}.publish.mode"), e);
            PublishMode::Link
        }
    };
    // An empty path marks "use the workflow default", filled in by apply_publish_defaults.
    Some(Publish {
        outputs: names,
        mode,
        path: path.unwrap_or_default(),
    })
}
