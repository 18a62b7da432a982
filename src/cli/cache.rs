//! `cairn cache ls | verify | gc`.

use std::collections::HashSet;

use cairn_engine::cache::{ContentDigest, Store};

use super::args::{CacheArgs, CacheCommand, GcArgs};
use super::{CliError, CliResult};

fn open(a: &CacheArgs) -> Result<Store, CliError> {
    if !a.work_dir.join("cas").is_dir() {
        return Err(CliError::user(format!(
            "{} is not a cairn store (no cas/ inside); pass --work-dir",
            a.work_dir.display()
        )));
    }
    Store::open(&a.work_dir)
        .map_err(|e| CliError::env(format!("cannot open {}: {e}", a.work_dir.display())))
}

pub fn cache(c: CacheCommand) -> CliResult {
    match c {
        CacheCommand::Ls(a) => ls(&a),
        CacheCommand::Verify(a) => verify(&a),
        CacheCommand::Gc(a) => gc(&a),
    }
}

fn ls(a: &CacheArgs) -> CliResult {
    let store = open(a)?;
    let actions = store.actions().map_err(|e| CliError::env(e.to_string()))?;
    for (d, r) in &actions {
        let size: u64 = r.outputs.values().map(|o| o.size).sum();
        let kept = r.outputs.values().all(|o| store.has_blob(&o.digest));
        println!(
            "{}  {:<30} {:>12} B  {}  run {}",
            d.short(),
            r.task,
            size,
            if kept { "kept" } else { "outputs removed" },
            r.run_id
        );
    }
    println!("{} actions", actions.len());
    Ok(0)
}

fn verify(a: &CacheArgs) -> CliResult {
    let store = open(a)?;
    let blobs = store.blobs().map_err(|e| CliError::env(e.to_string()))?;
    let mut bad = 0;
    for (d, path) in &blobs {
        match ContentDigest::of_file(path) {
            Ok(actual) if actual == *d => {}
            other => {
                bad += 1;
                let what = match other {
                    Ok(actual) => format!("content hashes to {}", actual.short()),
                    Err(e) => format!("unreadable: {e}"),
                };
                println!(
                    "corrupt: {} ({what}); removed, it will be recomputed when needed",
                    path.display()
                );
                let _ = std::fs::remove_file(path);
            }
        }
    }
    let actions = store.actions().map_err(|e| CliError::env(e.to_string()))?;
    println!(
        "verified {} blobs and {} action records: {bad} corrupt",
        blobs.len(),
        actions.len()
    );
    Ok(if bad == 0 { 0 } else { 1 })
}

fn gc(a: &GcArgs) -> CliResult {
    let store = open(&a.cache)?;
    let mut runs: Vec<_> = std::fs::read_dir(store.runs_dir())
        .map_err(|e| CliError::env(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("run.json").is_file())
        .collect();
    runs.sort();
    let keep_runs: Vec<_> = runs.iter().rev().take(a.keep_runs).cloned().collect();
    let mut keep_actions = HashSet::new();
    for r in &keep_runs {
        let doc: serde_json::Value = std::fs::read(r.join("run.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for t in doc["tasks"].as_array().into_iter().flatten() {
            if let Some(d) = t["action"].as_str() {
                keep_actions.insert(d.to_string());
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let recent = |finished: u64| {
        a.keep_days
            .is_some_and(|days| now.saturating_sub(finished) < days * 86_400)
    };
    let mut keep_blobs = HashSet::new();
    let mut removed_actions = 0;
    for (d, r) in store.actions().map_err(|e| CliError::env(e.to_string()))? {
        if keep_actions.contains(&d.hex()) || recent(r.finished_unix) {
            keep_blobs.extend(r.outputs.values().map(|o| o.digest));
        } else {
            removed_actions += 1;
            if !a.dry_run {
                let _ = store.forget_action(&d);
            }
        }
    }
    let (mut removed, mut bytes) = (0, 0u64);
    for (d, path) in store.blobs().map_err(|e| CliError::env(e.to_string()))? {
        if !keep_blobs.contains(&d) {
            removed += 1;
            bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
            if !a.dry_run {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let verb = if a.dry_run { "would remove" } else { "removed" };
    println!("{verb} {removed_actions} action records and {removed} blobs ({bytes} bytes); kept what the newest {} runs used", keep_runs.len());
    Ok(0)
}
