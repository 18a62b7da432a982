//! The store on disk: `cas/` content-addressed blobs, `ac/` action records, `last/` the last action
//! of each task (for explaining reruns), `work/` task scratch directories, `runs/` run records,
//! `locks/` one lock file per action so two runs sharing a store never execute the same action twice.
//!
//! Crash safety comes from ordering: an output is hashed, fsynced, made read-only and renamed into
//! `cas/` before the action record that names it is written (temp file, fsync, rename). A crash can
//! leave garbage in `work/` or `tmp/`, never a record that points at a partial blob.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{ActionDigest, ActionRecord, ContentDigest};

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A cache store rooted at a directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Open (creating if needed) a store at `root`.
    pub fn open(root: &Path) -> io::Result<Store> {
        let root = std::path::absolute(root)?;
        for sub in ["cas", "ac", "last", "work", "runs", "locks", "tmp"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(Store { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn blob_path(&self, d: &ContentDigest) -> PathBuf {
        let h = d.hex();
        self.root.join("cas").join(&h[..2]).join(&h[2..])
    }

    pub fn has_blob(&self, d: &ContentDigest) -> bool {
        fs::metadata(self.blob_path(d)).is_ok_and(|m| m.is_file())
    }

    fn action_path(&self, d: &ActionDigest) -> PathBuf {
        let h = d.hex();
        self.root
            .join("ac")
            .join(&h[..2])
            .join(format!("{}.json", &h[2..]))
    }

    /// The scratch directory a task with this action runs in.
    pub fn task_dir(&self, d: &ActionDigest) -> PathBuf {
        let h = d.hex();
        self.root.join("work").join(&h[..2]).join(&h[2..16])
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// Move a finished output into the store. The file is hashed, fsynced and made read-only first,
    /// so the blob is complete before anything can refer to it.
    pub fn insert(&self, path: &Path) -> io::Result<(ContentDigest, u64)> {
        let digest = ContentDigest::of_file(path)?;
        let file = fs::File::open(path)?;
        file.sync_all()?;
        let size = file.metadata()?.len();
        drop(file);
        let dest = self.blob_path(&digest);
        if dest.exists() {
            fs::remove_file(path)?;
        } else {
            fs::set_permissions(path, fs::Permissions::from_mode(0o444))?;
            fs::create_dir_all(dest.parent().expect("blob has a parent"))?;
            fs::rename(path, &dest)?;
        }
        Ok((digest, size))
    }

    /// The record of an action, if one was completed. A damaged record reads as a miss.
    pub fn action(&self, d: &ActionDigest) -> Option<ActionRecord> {
        let bytes = fs::read(self.action_path(d)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn put_action(&self, d: &ActionDigest, record: &ActionRecord) -> io::Result<()> {
        let bytes = serde_json::to_vec(record).map_err(io::Error::other)?;
        write_atomic(&self.action_path(d), &bytes)
    }

    /// Remove an action record (its outputs are gone or damaged).
    pub fn forget_action(&self, d: &ActionDigest) -> io::Result<()> {
        match fs::remove_file(self.action_path(d)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn last_path(&self, task_key: &str) -> PathBuf {
        self.root
            .join("last")
            .join(blake3::hash(task_key.as_bytes()).to_hex().as_str())
    }

    /// The action a task (`workflow/step/sample`) last completed, for explaining reruns.
    pub fn last_action(&self, task_key: &str) -> Option<ActionDigest> {
        let text = fs::read_to_string(self.last_path(task_key)).ok()?;
        ActionDigest::parse(text.trim())
    }

    /// Only explanations read this index, so it is renamed into place without an fsync: after a
    /// power loss it may point at an older action, never at a partial file.
    pub fn set_last_action(&self, task_key: &str, d: &ActionDigest) -> io::Result<()> {
        write_renamed(&self.last_path(task_key), d.hex().as_bytes(), false)
    }

    /// Every action record in the store.
    pub fn actions(&self) -> io::Result<Vec<(ActionDigest, ActionRecord)>> {
        let mut out = Vec::new();
        for shard in fs::read_dir(self.root.join("ac"))? {
            let shard = shard?;
            let prefix = shard.file_name().to_string_lossy().to_string();
            for entry in fs::read_dir(shard.path())? {
                let name = entry?.file_name().to_string_lossy().to_string();
                let Some(rest) = name.strip_suffix(".json") else {
                    continue;
                };
                if let Some(d) = ActionDigest::parse(&format!("{prefix}{rest}")) {
                    if let Some(r) = self.action(&d) {
                        out.push((d, r));
                    }
                }
            }
        }
        out.sort_by_key(|(d, _)| *d);
        Ok(out)
    }

    /// Every blob in the store, with its path.
    pub fn blobs(&self) -> io::Result<Vec<(ContentDigest, PathBuf)>> {
        let mut out = Vec::new();
        for shard in fs::read_dir(self.root.join("cas"))? {
            let shard = shard?;
            let prefix = shard.file_name().to_string_lossy().to_string();
            for entry in fs::read_dir(shard.path())? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().to_string();
                if let Some(d) = ContentDigest::parse(&format!("{prefix}{name}")) {
                    out.push((d, entry.path()));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Take the exclusive lock of an action, or `None` if another process holds it.
    pub fn try_lock(&self, d: &ActionDigest) -> io::Result<Option<ActionLock>> {
        let path = self.root.join("locks").join(d.hex());
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        // SAFETY: flock on a file descriptor we own; no memory is shared with the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            Ok(Some(ActionLock { _file: file }))
        } else {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::WouldBlock {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }

    /// A fresh temporary path inside the store (same file system as `cas/`).
    pub fn temp_path(&self, hint: &str) -> PathBuf {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{}-{n}-{hint}", std::process::id()))
    }
}

/// Held while a task's action executes; released on drop (and by the kernel if the process dies).
#[derive(Debug)]
pub struct ActionLock {
    _file: fs::File,
}

/// Write `bytes` to `path` so that readers see either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_renamed(path, bytes, true)
}

fn write_renamed(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let dir = path
        .parent()
        .expect("atomic writes target a file in a directory");
    fs::create_dir_all(dir)?;
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    if sync {
        f.sync_all()?;
    }
    drop(f);
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_is_content_addressed_and_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        fs::write(&a, b"same").unwrap();
        fs::write(&b, b"same").unwrap();
        let (da, size) = store.insert(&a).unwrap();
        let (db, _) = store.insert(&b).unwrap();
        assert_eq!(da, db);
        assert_eq!(size, 4);
        assert!(!a.exists() && !b.exists());
        let blob = store.blob_path(&da);
        assert_eq!(fs::read(&blob).unwrap(), b"same");
        assert!(fs::metadata(&blob).unwrap().permissions().readonly());
        assert_eq!(store.blobs().unwrap().len(), 1);
    }

    #[test]
    fn action_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let d = ActionDigest::of_bytes(b"x");
        let held = store.try_lock(&d).unwrap();
        assert!(held.is_some());
        // flock locks belong to open file descriptions, so a second open in this process conflicts.
        assert!(store.try_lock(&d).unwrap().is_none());
        drop(held);
        assert!(store.try_lock(&d).unwrap().is_some());
    }

    #[test]
    fn damaged_record_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let d = ActionDigest::of_bytes(b"x");
        write_atomic(&store.action_path(&d), b"{ not json").unwrap();
        assert!(store.action(&d).is_none());
    }
}
