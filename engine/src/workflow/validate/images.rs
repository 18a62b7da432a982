//! Checks of `container:` values: each names an image of the workflow's `images.toml` or is a full
//! reference itself. An image that is not pinned by digest is a warning, not an error: the cache
//! still keys on the id it resolves to, but another machine may find another image under its name.

use std::path::Path;

use indexmap::IndexMap;

use super::super::schema::{lenient, position};
use super::super::{Action, Diagnostic, Expr, Overrides, Param, Step, StepId};
use super::Checker;
use crate::exec::container::{ImageSpec, ImageTable};

/// Whether a `container:` value is a reference (or a path) rather than a name in the table.
fn is_reference(v: &str) -> bool {
    v.contains(['/', ':', '@', '.']) || (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) fn check_images(
    ck: &mut Checker,
    doc: &lenient::WorkflowDoc,
    base_dir: &Path,
    overrides: &Overrides,
) -> (IndexMap<String, ImageSpec>, Vec<Diagnostic>) {
    let mut images = IndexMap::new();
    let mut warnings = Vec::new();
    let used: Vec<_> = doc
        .steps
        .iter()
        .filter_map(|(name, s)| s.value.container.as_ref().map(|c| (name, c)))
        .collect();
    let (table_path, table_pos) = match (&overrides.images, &doc.images) {
        (Some(p), _) => (Some(p.clone()), None),
        (None, Some(i)) => (Some(base_dir.join(&i.value)), Some(position(i))),
        (None, None) => (None, None),
    };
    let table = match &table_path {
        Some(p) => match ImageTable::load(p) {
            Ok(t) => Some(t),
            Err(e) => {
                ck.error(table_pos, "images", format!("{e}; `images:` names a TOML file of `[images.NAME]` tables with `image = \"REF\"`"));
                return (images, warnings);
            }
        },
        None => None,
    };
    for (step, c) in used {
        let v = c.value.trim();
        let at = format!("steps.{step}.container");
        let spec = match table.as_ref().and_then(|t| t.images.get(v)) {
            Some(spec) => spec.clone(),
            None if is_reference(v) => {
                let mut spec = ImageSpec::literal(v);
                if v.starts_with("./") || v.starts_with("../") {
                    spec.reference = base_dir.join(v).to_string_lossy().into_owned();
                }
                spec
            }
            None => {
                let msg = match &table {
                    Some(t) => format!(
                        "container `{v}` is not an image of {} (it names: {}); add `[images.{v}]` there or write a full reference such as `localhost/{v}:latest`",
                        t.path.display(),
                        t.images.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    None => format!("container `{v}` is a name, but the workflow has no image table; add `images: PATH/images.toml` (or pass --images) or write a full reference such as `localhost/{v}:latest`"),
                };
                ck.error(Some(position(c)), at, msg);
                continue;
            }
        };
        if !spec.pinned() && !images.contains_key(v) {
            warnings.push(Diagnostic {
                file: ck.file.clone(),
                position: Some(position(c)),
                path: at,
                message: format!(
                    "container image `{v}`{} is not pinned: runs are keyed on the image id it resolves to here, but another machine may find another image under this name; pin it with `digest = \"sha256:...\"` in images.toml (containers/build.sh --pin) or write REF@sha256:...",
                    if spec.reference == v { String::new() } else { format!(" ({})", spec.reference) }
                ),
            });
        }
        images.insert(v.to_string(), spec);
    }
    (images, warnings)
}

/// Warnings for container scripts that name a file through a param: the container sees only the
/// task directory and the `in:` files, so such a path would not be found inside.
pub(super) fn unbound_param_paths(
    file: &Path,
    doc: &lenient::WorkflowDoc,
    steps: &IndexMap<StepId, Step>,
    params: &IndexMap<String, Param>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (id, step) in steps {
        let Action::Command {
            script,
            container: Some(_),
            ..
        } = &step.action
        else {
            continue;
        };
        let pos = doc
            .steps
            .get(id.as_str())
            .and_then(|s| s.value.run.as_ref())
            .map(position);
        for e in script.exprs() {
            let Expr::Param(name) = e else { continue };
            let Some(p) = params.get(name) else { continue };
            let text = p.text();
            if text.is_empty() || !p.base_dir.join(&text).exists() {
                continue;
            }
            out.push(Diagnostic {
                file: file.to_path_buf(),
                position: pos,
                path: format!("steps.{id}.run"),
                message: format!(
                    "`{{{{ params.{name} }}}}` names a file ({text}), but the container sees only the task directory and the `in:` files; bind it as `in: {{ {name}: \"{{{{ params.{name} }}}}\" }}` and write `{{{{ in.{name} }}}}`"
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::is_reference;

    #[test]
    fn names_and_references() {
        assert!(!is_reference("tools"));
        assert!(!is_reference("cairn-tools_2"));
        assert!(is_reference("localhost/tools"));
        assert!(is_reference("busybox:1.36"));
        assert!(is_reference("./tools.sif"));
        assert!(is_reference(&"f".repeat(64)));
    }
}
