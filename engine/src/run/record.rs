//! After a task succeeds: check its declared outputs, move them into the store, write its record.
//! Publishing links recorded outputs into the results folder.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::cache::{ActionRecord, ContentDigest, OutputRecord, StatCache, Store};
use crate::workflow::PublishMode;

use super::prepare::Resolved;

/// Verify and store every declared output, then write the action record. Nothing is recorded
/// unless every output exists.
/// Who produced a record: the task's key for the last-action index, its name and the run.
pub struct Producer<'a> {
    pub task_key: &'a str,
    pub task_name: &'a str,
    pub run_id: &'a str,
    pub duration_ms: u64,
}

pub fn record(
    store: &Store,
    stat: &Mutex<StatCache>,
    dir: &Path,
    resolved: &Resolved,
    by: &Producer<'_>,
) -> Result<ActionRecord, String> {
    for (name, file) in &resolved.spec.outputs {
        let p = dir.join(file);
        if !p.is_file() {
            return Err(format!(
                "the task exited 0 but did not write its declared output `{name}` ({}); check the script writes `{{{{ out.{name} }}}}`",
                p.display()
            ));
        }
    }
    let mut outputs = std::collections::BTreeMap::new();
    for (name, file) in &resolved.spec.outputs {
        let p = dir.join(file);
        let (digest, size) = store
            .insert(&p)
            .map_err(|e| format!("cannot store output `{name}` ({}): {e}", p.display()))?;
        let blob = store.blob_path(&digest);
        if let Ok(meta) = std::fs::metadata(&blob) {
            stat.lock()
                .expect("stat cache lock")
                .remember(&blob, &meta, digest);
        }
        outputs.insert(
            name.clone(),
            OutputRecord {
                file: file.clone(),
                digest,
                size,
            },
        );
    }
    let rec = ActionRecord {
        spec: resolved.spec.clone(),
        outputs,
        task: by.task_name.to_string(),
        run_id: by.run_id.to_string(),
        finished_unix: crate::events::unix_ms(std::time::SystemTime::now()) / 1000,
        duration_ms: by.duration_ms,
    };
    store
        .put_action(&resolved.digest, &rec)
        .map_err(|e| format!("cannot write the action record: {e}"))?;
    store
        .set_last_action(by.task_key, &resolved.digest)
        .map_err(|e| format!("cannot write the task index: {e}"))?;
    Ok(rec)
}

/// Whether `dest` already holds exactly the blob `digest`.
pub fn published_matches(
    stat: &Mutex<StatCache>,
    store: &Store,
    dest: &Path,
    digest: &ContentDigest,
    mode: PublishMode,
) -> bool {
    use std::os::unix::fs::MetadataExt;
    if mode == PublishMode::Symlink {
        return std::fs::read_link(dest).is_ok_and(|t| t == store.blob_path(digest));
    }
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    if let Ok(blob) = std::fs::metadata(store.blob_path(digest)) {
        if blob.ino() == meta.ino() && blob.dev() == meta.dev() {
            return true;
        }
    }
    super::prepare::digest_path(stat, dest).is_ok_and(|d| d == *digest)
}

/// Place a blob at `dest` (atomically: a temp name, then rename).
pub fn publish_blob(
    store: &Store,
    digest: &ContentDigest,
    dest: &Path,
    mode: PublishMode,
) -> Result<(), String> {
    let blob = store.blob_path(digest);
    let parent = dest
        .parent()
        .expect("publish destinations are files in a folder");
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let tmp: PathBuf = parent.join(format!(
        ".cairn-publish-{}-{}",
        std::process::id(),
        digest.short()
    ));
    let _ = std::fs::remove_file(&tmp);
    let placed = match mode {
        PublishMode::Symlink => std::os::unix::fs::symlink(&blob, &tmp),
        PublishMode::Link => {
            std::fs::hard_link(&blob, &tmp).or_else(|_| copy_writable(&blob, &tmp))
        }
        PublishMode::Copy => copy_writable(&blob, &tmp),
    };
    placed.map_err(|e| format!("cannot publish {}: {e}", dest.display()))?;
    std::fs::rename(&tmp, dest).map_err(|e| format!("cannot publish {}: {e}", dest.display()))
}

fn copy_writable(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to)?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o644))
}
