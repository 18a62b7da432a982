//! Output files that appear all at once or not at all, and parallel gzip of ordered chunks.
//!
//! Every file is first written under a hidden temporary name in its final directory, then renamed
//! when the whole step has succeeded; if the step fails (or panics) the temporaries are removed, so
//! a reader never sees a half-written FASTQ. Compressed output is a series of gzip members, one per
//! chunk, each compressed independently at a fixed level: any number of threads produce the same
//! bytes, and every gzip reader (zlib, htslib, Python, fastp) reads the members as one stream.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::{Result, StepError};

/// Fixed gzip level for FASTQ output. With zlib-rs on reads: level 2 is 1.8x faster than 6 and
/// 7% larger; level 1 (its "quick" strategy) is 60% larger.
pub const GZIP_LEVEL: u32 = 2;

/// Files written under temporary names and renamed into place by [`Staged::publish`].
#[derive(Debug, Default)]
pub struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
    published: bool,
}

impl Staged {
    pub fn new() -> Self {
        Self::default()
    }

    /// The temporary path to write in place of `target`.
    pub fn file(&mut self, target: &Path) -> PathBuf {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = target.with_file_name(format!(".{name}.cairn-partial"));
        self.files.push((tmp.clone(), target.to_path_buf()));
        tmp
    }

    /// Rename every temporary to its final name.
    pub fn publish(mut self) -> Result<()> {
        for (tmp, target) in &self.files {
            std::fs::rename(tmp, target).map_err(|e| StepError::io("publish", target, e))?;
        }
        self.published = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            for (tmp, _) in &self.files {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// `data` as one complete gzip member at [`GZIP_LEVEL`] (no name, no timestamp).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        Compression::new(GZIP_LEVEL),
    );
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_concatenate_to_one_stream() {
        let mut joined = gzip(b"hello ");
        joined.extend(gzip(b"world"));
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(&joined[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "hello world");
        assert_eq!(gzip(b"abc"), gzip(b"abc"));
    }

    #[test]
    fn unpublished_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        {
            let mut staged = Staged::new();
            std::fs::write(staged.file(&target), "x").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut staged = Staged::new();
        std::fs::write(staged.file(&target), "y").unwrap();
        staged.publish().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "y");
    }
}
