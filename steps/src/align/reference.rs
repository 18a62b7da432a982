//! The reference: its minimap2 index (built once, cached by content) and its `.fai`.
//!
//! Building the `sr` index of a genome takes far longer than mapping a small sample, so it is
//! built once: by `cairn step align-index` (its own cached workflow task) or into an
//! `--index-cache` folder under a name derived from the FASTA's content digest, so an edited
//! reference never reuses a stale index. The `.fai` is what downstream steps (callers, viewers)
//! use to name contigs; the BAM header is checked against it so a BAM never disagrees with the
//! reference it claims. When the `.fai` is missing it is built with htslib, beside the FASTA when
//! that folder is writable, else in the cache or output folder.

use std::ffi::CString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::mapper::Mapper;
use crate::error::{Result, StepError};

/// Is `path` a prebuilt minimap2 index? (minimap2 index files start with `MMI\x02`.)
pub fn is_mmi(path: &Path) -> Result<bool> {
    let mut f = fs::File::open(path).map_err(|e| missing_reference(path, e))?;
    let mut magic = [0u8; 4];
    let n = f
        .read(&mut magic)
        .map_err(|e| StepError::io("read reference", path, e))?;
    Ok(n == 4 && &magic == b"MMI\x02")
}

fn missing_reference(path: &Path, e: std::io::Error) -> StepError {
    StepError::input(format!(
        "cannot open reference {}: {e}; pass an existing FASTA or .mmi with --reference",
        path.display()
    ))
}

/// Load the aligner for `reference`: a `.mmi` directly, a FASTA through the index cache when one
/// is given (building and saving the index on a miss), else built in memory.
pub fn load_mapper(reference: &Path, cache: Option<&Path>, threads: usize) -> Result<Mapper> {
    if is_mmi(reference)? {
        return Mapper::load(reference, None, threads);
    }
    let Some(cache) = cache else {
        return Mapper::load(reference, None, threads);
    };
    fs::create_dir_all(cache).map_err(|e| StepError::io("create index cache folder", cache, e))?;
    let cached = cache.join(format!("{}.sr.mmi", content_digest(reference)?));
    if cached.is_file() {
        return Mapper::load(&cached, None, threads);
    }
    build_index(reference, &cached, threads)
}

/// Build the index of `fasta` and write it to `out` (through a temporary name).
pub fn build_index(fasta: &Path, out: &Path, threads: usize) -> Result<Mapper> {
    let tmp = temp_name(out);
    let mapper = Mapper::load(fasta, Some(&tmp), threads);
    if mapper.is_err() || !tmp.is_file() {
        let _ = fs::remove_file(&tmp);
    }
    let mapper = mapper?;
    fs::rename(&tmp, out).map_err(|e| StepError::io("publish index", out, e))?;
    Ok(mapper)
}

/// `dir/.name.tmp` beside `path`.
pub fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// The FASTA an index was built from, when it sits beside it: `ref.fa.mmi` -> `ref.fa`, or
/// `ref.mmi` -> `ref.fa` / `ref.fasta` / `ref.fna`. Its `.fai` is then checked too.
pub fn fasta_beside_mmi(mmi: &Path) -> Option<PathBuf> {
    let stem = mmi.with_extension("");
    let candidates = [
        stem.clone(),
        stem.with_extension("fa"),
        stem.with_extension("fasta"),
        stem.with_extension("fna"),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_file() && p.extension().is_some())
}

/// BLAKE3 of the file's bytes (first 32 hex digits), naming its cached index.
fn content_digest(path: &Path) -> Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher
        .update_reader(fs::File::open(path).map_err(|e| missing_reference(path, e))?)
        .map_err(|e| StepError::io("read reference", path, e))?;
    Ok(hasher.finalize().to_hex()[..32].to_string())
}

/// Find or build the `.fai` of `fasta`; `fallback_dir` receives it when the FASTA's folder is
/// read-only.
pub fn ensure_fai(fasta: &Path, fallback_dir: &Path) -> Result<PathBuf> {
    let beside = PathBuf::from(format!("{}.fai", fasta.display()));
    if beside.is_file() {
        return Ok(beside);
    }
    if fai_build(fasta, &beside).is_ok() {
        return Ok(beside);
    }
    let name = fasta
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let other = fallback_dir.join(format!("{name}.fai"));
    fai_build(fasta, &other).map_err(|()| {
        StepError::input(format!(
            "cannot index {} with faidx (is it FASTA, plain or bgzip-compressed?); create {} with `samtools faidx`",
            fasta.display(),
            beside.display()
        ))
    })?;
    Ok(other)
}

fn fai_build(fasta: &Path, fai: &Path) -> std::result::Result<(), ()> {
    let c_fasta = CString::new(fasta.as_os_str().as_encoded_bytes()).map_err(|_| ())?;
    let c_fai = CString::new(fai.as_os_str().as_encoded_bytes()).map_err(|_| ())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call; a null gzi
    // path lets htslib choose its default.
    let rc = unsafe { hts_sys::fai_build3(c_fasta.as_ptr(), c_fai.as_ptr(), std::ptr::null()) };
    if rc == 0 {
        Ok(())
    } else {
        let _ = fs::remove_file(fai);
        Err(())
    }
}

/// Names and lengths listed in a `.fai`.
pub fn read_fai(fai: &Path) -> Result<Vec<(String, u64)>> {
    let text = fs::read_to_string(fai).map_err(|e| StepError::io("read", fai, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, line)| {
            let mut cols = line.split('\t');
            let name = cols.next().unwrap_or_default().to_string();
            let len = cols.next().and_then(|l| l.parse().ok());
            len.map(|len| (name, len)).ok_or_else(|| {
                StepError::input(format!("{}: line {}: not a faidx line (name, length, ...); rebuild it with `samtools faidx`", fai.display(), i + 1))
            })
        })
        .collect()
}

/// The index's contigs must be the `.fai`'s, in the same order with the same lengths.
pub fn check_contigs(
    index: &[(String, u64)],
    fai: &[(String, u64)],
    fai_path: &Path,
) -> Result<()> {
    if index == fai {
        return Ok(());
    }
    let first = index
        .iter()
        .zip(fai)
        .position(|(a, b)| a != b)
        .unwrap_or(index.len().min(fai.len()));
    let show = |v: &[(String, u64)]| {
        v.get(first)
            .map_or("nothing".to_string(), |(n, l)| format!("{n} ({l} bp)"))
    };
    Err(StepError::input(format!(
        "the minimap2 index and {} disagree at contig {}: index has {}, faidx has {}; rebuild the index from this FASTA",
        fai_path.display(),
        first + 1,
        show(index),
        show(fai)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contig_mismatch_names_the_contig() {
        let a = vec![("chr1".to_string(), 10), ("chr2".to_string(), 5)];
        let b = vec![("chr1".to_string(), 10), ("chr2".to_string(), 6)];
        assert!(check_contigs(&a, &a, Path::new("r.fa.fai")).is_ok());
        let e = check_contigs(&a, &b, Path::new("r.fa.fai"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("contig 2") && e.contains("chr2 (5 bp)") && e.contains("chr2 (6 bp)"),
            "{e}"
        );
        let e = check_contigs(&a, &b[..1], Path::new("r.fa.fai"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("faidx has nothing"), "{e}");
    }

    #[test]
    fn builds_a_missing_fai_and_detects_mmi() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("r.fa");
        fs::write(&fa, ">c1 desc\nACGTACGTAC\nACG\n>c2\nTTTT\n").unwrap();
        let fai = ensure_fai(&fa, dir.path()).unwrap();
        assert_eq!(
            read_fai(&fai).unwrap(),
            vec![("c1".to_string(), 13), ("c2".to_string(), 4)]
        );
        assert!(!is_mmi(&fa).unwrap());
        let e = is_mmi(&dir.path().join("none.fa")).unwrap_err().to_string();
        assert!(e.contains("none.fa"), "{e}");
    }
}
