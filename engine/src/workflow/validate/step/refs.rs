//! References in a step's templates: params, sample columns, other steps' outputs, `when:`.

use crate::workflow::schema::{lenient, position};
use crate::workflow::template::{Expr, Template};
use crate::workflow::validate::Checker;
use crate::workflow::StepId;

use super::StepCtx;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum RefPlace {
    Input,
    Param,
    Script,
    When,
}

/// `when:`: a template of params and sample fields (no outputs: the plan decides before
/// anything runs).
pub(super) fn check_when(
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
    let mut no_deps = Vec::new();
    check_refs(
        ck,
        &tpl,
        Some(position(w)),
        &wpath,
        ctx,
        per_sample,
        RefPlace::When,
        &mut no_deps,
    );
    Some(tpl)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn check_refs(
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
                // `when:` reads a missing column as empty; the step it guards may name it too.
                Some(s)
                    if !s.columns.contains(c)
                        && place != RefPlace::When
                        && !ctx.absent_ok.contains(c) =>
                {
                    Some(format!(
                        "`{{{{ {expr} }}}}`: the sample sheet {} has no column `{c}` (columns: {})",
                        s.path.display(),
                        s.columns.join(", ")
                    ))
                }
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
