//! Run provenance: what ran, on what, with which results, as JSON in the run's folder and in the
//! results folder, plus a Workflow Run RO-Crate (`ro-crate-metadata.json`) describing the results.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use super::{RunOptions, RunSummary};
use crate::cache::store::write_atomic;
use crate::cache::{ActionRecord, ContentDigest};
use crate::plan::Plan;
use crate::workflow::Workflow;

/// Write `runs/<id>/run.json`, and `provenance.json` + `ro-crate-metadata.json` in the results folder.
pub fn write(
    wf: &Workflow,
    plan: &Plan,
    records: &[Option<Arc<ActionRecord>>],
    opts: &RunOptions,
    s: &RunSummary,
) -> std::io::Result<()> {
    let tasks: Vec<_> = plan
        .tasks
        .iter()
        .map(|t| {
            let rec = records[t.index].as_ref();
            json!({
                "task": t.name,
                "step": t.step,
                "sample": t.sample,
                "action": rec.map(|r| r.spec.digest().hex()),
                "kind": rec.map(|r| r.spec.kind.clone()),
                "kind_version": rec.and_then(|r| r.spec.version),
                "container": rec.and_then(|r| r.spec.container.clone()),
                "outputs": rec.map(|r| r.outputs.iter().map(|(k, o)| (k.clone(), json!({"file": o.file, "digest": o.digest, "size": o.size}))).collect::<serde_json::Map<_, _>>()),
            })
        })
        .collect();
    let sheet = wf
        .sheet
        .as_ref()
        .map(|sh| json!({"path": sh.path, "digest": ContentDigest::of_file(&sh.path).ok()}));
    let doc = json!({
        "run_id": s.run_id,
        "workflow": {"name": wf.name, "path": wf.source, "digest": ContentDigest::of_bytes(wf.source_text.as_bytes())},
        "params": wf.params.iter().map(|(k, p)| (k.clone(), p.value.clone())).collect::<serde_json::Map<_, _>>(),
        "samples": sheet,
        "cairn_version": opts.cairn_version,
        // The images as resolved for this run: what a rerun elsewhere must find.
        "container_runtime": opts.container.as_ref().map(|r| r.kind.name()),
        "images": wf.resolved_images.iter().map(|(k, i)| (k.clone(), json!({"reference": i.spec.reference, "id": i.id, "pin": i.spec.pin}))).collect::<serde_json::Map<_, _>>(),
        "executed": s.executed,
        "cached": s.cached,
        "failed": s.failed.iter().map(|f| f.task.clone()).collect::<Vec<_>>(),
        "wall_ms": s.wall_ms,
        "tasks": tasks,
    });
    let bytes = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
    write_atomic(&s.run_dir.join("run.json"), &bytes)?;
    if s.failed.is_empty() && !s.cancelled {
        std::fs::create_dir_all(&opts.outdir)?;
        write_atomic(&opts.outdir.join("provenance.json"), &bytes)?;
        let crate_doc = ro_crate(wf, &opts.outdir, s, &opts.cairn_version)?;
        write_atomic(
            &opts.outdir.join("ro-crate-metadata.json"),
            &serde_json::to_vec_pretty(&crate_doc).map_err(std::io::Error::other)?,
        )?;
    }
    Ok(())
}

/// A Workflow Run RO-Crate (process run crate profile) over the published results.
fn ro_crate(
    wf: &Workflow,
    outdir: &Path,
    s: &RunSummary,
    version: &str,
) -> std::io::Result<serde_json::Value> {
    let mut files = Vec::new();
    collect(outdir, outdir, &mut files)?;
    files.sort();
    let parts: Vec<_> = files.iter().map(|f| json!({"@id": f})).collect();
    let mut graph = vec![
        json!({"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}, "about": {"@id": "./"}}),
        json!({"@id": "./", "@type": "Dataset", "name": format!("results of {}", wf.name), "hasPart": parts, "mentions": {"@id": format!("#run-{}", s.run_id)}}),
        json!({"@id": format!("#run-{}", s.run_id), "@type": "CreateAction", "name": format!("cairn run {}", s.run_id), "instrument": {"@id": "#workflow"}, "agent": {"@id": "#cairn"}, "result": files.iter().map(|f| json!({"@id": f})).collect::<Vec<_>>()}),
        json!({"@id": "#workflow", "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"], "name": wf.name, "description": wf.description, "sha256": null, "identifier": ContentDigest::of_bytes(wf.source_text.as_bytes()).hex()}),
        json!({"@id": "#cairn", "@type": "SoftwareApplication", "name": "cairn", "softwareVersion": version}),
    ];
    for f in &files {
        let digest = ContentDigest::of_file(&outdir.join(f))
            .ok()
            .map(|d| d.hex());
        graph.push(json!({"@id": f, "@type": "File", "identifier": digest}));
    }
    Ok(json!({"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') || name == "ro-crate-metadata.json" {
            continue;
        }
        if p.is_dir() {
            collect(root, &p, out)?;
        } else {
            out.push(
                p.strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .to_string(),
            );
        }
    }
    Ok(())
}
