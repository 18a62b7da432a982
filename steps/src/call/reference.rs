//! The reference genome, read through htslib's faidx.
//!
//! The caller needs two things from the reference: the contig list (names and lengths, to check the
//! BAM against and to write `##contig` lines) and the bases of one chunk at a time. rust-htslib's
//! `faidx::Reader::fetch_seq` never frees the buffer htslib allocates, which over a whole genome
//! leaks the genome's size, so this module calls `faidx_fetch_seq64` itself and frees the buffer.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use crate::error::{Result, StepError};

/// One contig of the reference, from its `.fai`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contig {
    pub name: String,
    pub len: u64,
}

/// An open, indexed FASTA. Not shared between threads: each chunk opens its own.
pub struct Reference {
    inner: *mut hts_sys::faidx_t,
    path: PathBuf,
}

// SAFETY: the faidx handle is owned by this value and only used through `&mut self`/`&self` on one
// thread at a time; htslib keeps no thread-local state for it.
unsafe impl Send for Reference {}

impl Reference {
    /// Open `path`, building its `.fai` if it is missing (htslib writes it beside the FASTA).
    pub fn open(path: &Path) -> Result<Self> {
        let c = cpath(path)?;
        // SAFETY: `c` is a valid NUL-terminated path; a null return is handled below.
        let inner = unsafe { hts_sys::fai_load(c.as_ptr()) };
        if inner.is_null() {
            return Err(StepError::input(format!(
                "cannot open reference {}: not a readable FASTA, or its .fai is missing and cannot \
                 be written; index it with `samtools faidx {}`",
                path.display(),
                path.display()
            )));
        }
        Ok(Self {
            inner,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Uppercased bases of `name` over the 0-based half-open `[start, end)`, clipped to the contig.
    pub fn fetch(&self, name: &str, start: u64, end: u64) -> Result<Vec<u8>> {
        if end <= start {
            return Ok(Vec::new());
        }
        let cname = CString::new(name)
            .map_err(|_| StepError::input(format!("contig name {name:?} contains a NUL byte")))?;
        let mut len: hts_sys::hts_pos_t = 0;
        // SAFETY: `inner` is a live faidx handle, `cname` is NUL-terminated, `len` is writable.
        // htslib's end coordinate is inclusive.
        let ptr = unsafe {
            hts_sys::faidx_fetch_seq64(
                self.inner,
                cname.as_ptr(),
                start as hts_sys::hts_pos_t,
                end as hts_sys::hts_pos_t - 1,
                &mut len,
            )
        };
        if ptr.is_null() || len < 0 {
            return Err(StepError::input(format!(
                "cannot read {name}:{}-{end} from reference {}: is the contig in its .fai?",
                start + 1,
                self.path.display()
            )));
        }
        // SAFETY: htslib returned a malloc'd buffer of `len` bytes that we now own.
        let seq = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) }
            .iter()
            .map(u8::to_ascii_uppercase)
            .collect();
        // SAFETY: `ptr` came from htslib's malloc and is freed exactly once.
        unsafe { libc::free(ptr as *mut libc::c_void) };
        Ok(seq)
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        // SAFETY: `inner` came from `fai_load` and is destroyed exactly once.
        unsafe { hts_sys::fai_destroy(self.inner) };
    }
}

/// The contigs of `fasta`, in order, read from its `.fai` (which [`Reference::open`] creates).
pub fn contigs(fasta: &Path) -> Result<Vec<Contig>> {
    let fai = PathBuf::from(format!("{}.fai", fasta.display()));
    let text = std::fs::read_to_string(&fai).map_err(|e| StepError::io("read", &fai, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let mut cols = line.split('\t');
        let name = cols.next().unwrap_or_default().to_string();
        let len = cols.next().and_then(|l| l.parse().ok()).ok_or_else(|| {
            StepError::input(format!(
                "{} line {}: not a faidx line (name<TAB>length...); rebuild it with `samtools faidx`",
                fai.display(),
                i + 1
            ))
        })?;
        out.push(Contig { name, len });
    }
    Ok(out)
}

fn cpath(path: &Path) -> Result<CString> {
    CString::new(path.to_string_lossy().as_bytes())
        .map_err(|_| StepError::input(format!("path {} contains a NUL byte", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetches_uppercase_half_open_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("r.fa");
        std::fs::write(&fa, ">c1\nACGTacgtNN\nGG\n>c2\nTTTT\n").unwrap();
        let r = Reference::open(&fa).unwrap();
        assert_eq!(r.fetch("c1", 2, 6).unwrap(), b"GTAC");
        assert_eq!(r.fetch("c1", 8, 100).unwrap(), b"NNGG");
        let c = contigs(&fa).unwrap();
        assert_eq!(
            c,
            vec![
                Contig {
                    name: "c1".into(),
                    len: 12
                },
                Contig {
                    name: "c2".into(),
                    len: 4
                }
            ]
        );
        assert!(r.fetch("nope", 0, 2).is_err());
    }
}
