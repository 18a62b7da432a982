//! The stat cache: (path, size, mtime, inode) -> content digest, so unchanged files are not rehashed.
//!
//! A hit needs all four to match; a `touch` therefore costs one rehash (and finds the same digest),
//! a copied project costs one rehash per file, and nothing ever trusts a path alone.

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::store::write_atomic;
use super::ContentDigest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    size: u64,
    mtime_ns: i128,
    inode: u64,
    digest: ContentDigest,
}

/// Digests of files already hashed, keyed by absolute path.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StatCache {
    entries: HashMap<PathBuf, Entry>,
    #[serde(skip)]
    dirty: bool,
}

fn stamp(meta: &std::fs::Metadata) -> (u64, i128, u64) {
    (
        meta.len(),
        i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        meta.ino(),
    )
}

impl StatCache {
    /// Load from `path`; a missing or damaged file gives an empty cache.
    pub fn load(path: &Path) -> StatCache {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&mut self, path: &Path) -> io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        write_atomic(path, &bytes)?;
        self.dirty = false;
        Ok(())
    }

    /// The digest of a file, from the cache when its stat is unchanged.
    pub fn file_digest(&mut self, path: &Path) -> io::Result<ContentDigest> {
        let meta = std::fs::metadata(path)?;
        if let Some(d) = self.cached(path, &meta) {
            return Ok(d);
        }
        let digest = ContentDigest::of_file(path)?;
        self.remember(path, &meta, digest);
        Ok(digest)
    }

    /// The cached digest of `path` if its stat still matches `meta`.
    pub fn cached(&self, path: &Path, meta: &std::fs::Metadata) -> Option<ContentDigest> {
        let (size, mtime_ns, inode) = stamp(meta);
        self.entries
            .get(path)
            .filter(|e| e.size == size && e.mtime_ns == mtime_ns && e.inode == inode)
            .map(|e| e.digest)
    }

    /// Record a digest computed elsewhere (a blob hashed when it was stored).
    pub fn remember(&mut self, path: &Path, meta: &std::fs::Metadata, digest: ContentDigest) {
        let (size, mtime_ns, inode) = stamp(meta);
        self.entries.insert(
            path.to_path_buf(),
            Entry {
                size,
                mtime_ns,
                inode,
                digest,
            },
        );
        self.dirty = true;
    }

    /// The digest of a file or directory. A directory's digest covers its files' relative names and
    /// contents, in sorted order.
    pub fn digest(&mut self, path: &Path) -> io::Result<ContentDigest> {
        if !std::fs::metadata(path)?.is_dir() {
            return self.file_digest(path);
        }
        let mut files = Vec::new();
        collect_files(path, path, &mut files)?;
        files.sort();
        let mut listing = Vec::new();
        for rel in files {
            let d = self.file_digest(&path.join(&rel))?;
            listing.extend_from_slice(rel.to_string_lossy().as_bytes());
            listing.push(0);
            listing.extend_from_slice(&d.0);
        }
        Ok(ContentDigest::of_bytes(&listing))
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if std::fs::metadata(&path)?.is_dir() {
            collect_files(root, &path, out)?;
        } else {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_rehashes_to_the_same_digest_and_edits_change_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        let mut c = StatCache::default();
        let d1 = c.file_digest(&p).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
            .unwrap();
        assert_eq!(c.file_digest(&p).unwrap(), d1);
        std::fs::write(&p, b"abd").unwrap();
        assert_ne!(c.file_digest(&p).unwrap(), d1);
    }

    #[test]
    fn directory_digest_covers_names_and_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/a"), b"1").unwrap();
        let mut c = StatCache::default();
        let d1 = c.digest(dir.path()).unwrap();
        std::fs::rename(dir.path().join("sub/a"), dir.path().join("sub/b")).unwrap();
        assert_ne!(c.digest(dir.path()).unwrap(), d1);
    }

    #[test]
    fn round_trips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        let mut c = StatCache::default();
        let d = c.file_digest(&p).unwrap();
        c.save(&dir.path().join("stat.json")).unwrap();
        let mut back = StatCache::load(&dir.path().join("stat.json"));
        assert_eq!(back.entries.len(), 1);
        assert_eq!(back.file_digest(&p).unwrap(), d);
    }
}
