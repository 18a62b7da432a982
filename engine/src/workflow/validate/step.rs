//! Checks of one step: its kind or script, inputs, references, params, resources and publishing.

use indexmap::IndexMap;

use super::super::schema::{lenient, position, InputDoc, PublishDoc, Spanned};
use super::super::template::{Expr, Template};
use super::super::units::{parse_duration, parse_memory};
use super::super::{Param, Publish, PublishMode, Resources, Retry, SampleSheet, Step, StepId};
use super::Checker;
use crate::step::Registry;

mod action;
mod refs;

use action::check_action;
use refs::{check_refs, check_when, RefPlace};

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
