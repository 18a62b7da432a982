//! The methods-and-provenance section: tools, the caller's measured accuracy, input digests and
//! the run's tasks.
//!
//! Each input's blake3 digest is looked up among the output digests recorded in `provenance.json`
//! (the engine digests outputs with blake3 too), so the report says which task wrote each file it
//! read, and a file from elsewhere shows as not found.

use serde_json::{json, Map, Value};

use super::model::{at, Inputs};

/// The report's `methods` section.
pub fn section(inp: &Inputs) -> Value {
    let accuracy = inp.eval.as_ref().map(|e| {
        let part = |k: &str| {
            json!({
                "tp": at(&e.value, &format!("/{k}/tp")), "fp": at(&e.value, &format!("/{k}/fp")),
                "fn": at(&e.value, &format!("/{k}/fn")),
                "precision": at(&e.value, &format!("/{k}/precision")),
                "recall": at(&e.value, &format!("/{k}/recall")),
                "f1": at(&e.value, &format!("/{k}/f1")),
            })
        };
        json!({"mode": at(&e.value, "/mode"), "truth": at(&e.value, "/truth"),
               "snv": part("snv"), "indel": part("indel")})
    });
    let prov = inp.provenance.as_ref().map(|p| &p.value);
    let inputs: Vec<Value> = inp
        .digests
        .iter()
        .map(|(role, file, digest)| {
            let task = prov.and_then(|p| task_with_output(p, digest));
            json!({"role": role, "file": file, "blake3": digest, "recorded_by": task})
        })
        .collect();
    json!({
        "tools": tools(inp),
        "accuracy": accuracy,
        "inputs": inputs,
        "tasks": inp.provenance.as_ref().map(|p| tasks(&p.value, &inp.sample)),
    })
}

fn tools(inp: &Inputs) -> Value {
    let version = env!("CARGO_PKG_VERSION");
    let mut tools = vec![json!({"step": "report", "tool": "cairn report", "version": version})];
    let mut add = |given: bool, step: &str, tool: &str| {
        if given {
            tools.push(json!({"step": step, "tool": tool, "version": version}));
        }
    };
    add(
        inp.qc.is_some(),
        "fastq-qc",
        "cairn fastq-qc (adapter and quality trimming)",
    );
    add(
        inp.alignment.is_some(),
        "align",
        "cairn align (minimap2 short-read preset)",
    );
    add(
        inp.called.is_some(),
        "call",
        "cairn call (germline SNV/indel caller)",
    );
    add(
        inp.eval.is_some(),
        "eval",
        "cairn eval (hap.py-style comparison)",
    );
    add(
        inp.pgx.is_some(),
        "pgx",
        "cairn pgx (PharmCAT-style allele matcher, CPIC)",
    );
    add(inp.annotated.is_some(), "annotate", "cairn annotate");
    Value::Array(tools)
}

/// The run task whose recorded output has this digest: the input is what that task wrote.
fn task_with_output(prov: &Value, digest: &str) -> Option<String> {
    prov["tasks"].as_array()?.iter().find_map(|t| {
        let outputs = t["outputs"].as_object()?;
        outputs
            .values()
            .any(|o| o["digest"].as_str() == Some(digest))
            .then(|| t["task"].as_str().unwrap_or("").to_string())
    })
}

/// The provenance tasks of this sample (and the run-wide ones), with output digests.
fn tasks(prov: &Value, sample: &str) -> Value {
    let list = prov["tasks"].as_array().into_iter().flatten();
    let mine = list.filter(|t| t["sample"].is_null() || t["sample"].as_str() == Some(sample));
    Value::Array(
        mine.map(|t| {
            let outputs: Vec<Value> = t["outputs"]
                .as_object()
                .unwrap_or(&Map::new())
                .iter()
                .map(|(name, o)| json!({"name": name, "file": o["file"], "digest": o["digest"]}))
                .collect();
            json!({"task": t["task"], "kind": t["kind"], "kind_version": t["kind_version"],
                   "action": t["action"], "outputs": outputs})
        })
        .collect(),
    )
}
