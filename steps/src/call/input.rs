//! Up-front checks of the BAM against the reference, so bad input fails before any work with a
//! message that names the file and says what to do.
//!
//! The BAM must open with an index, declare coordinate order if it declares any (an undeclared
//! order is checked while reading), and use the reference's contig names and lengths; a BAM
//! aligned to another assembly or to a differently named reference is the usual mistake.

use std::path::{Path, PathBuf};

use rust_htslib::bam::{self, Read as _};

use super::reference::{self, Contig, Reference};
use crate::error::{Result, StepError};

/// What the checks learned.
#[derive(Debug)]
pub struct Checked {
    pub contigs: Vec<Contig>,
    /// Contig names of the BAM header.
    pub bam_contigs: Vec<String>,
    /// The @RG SM of the BAM, else its file stem.
    pub sample: String,
}

/// Open an indexed BAM or CRAM for reading with the given reference FASTA, so that a CRAM decodes
/// from this file (never a reference fetched over the network by its MD5).
pub fn open_indexed(bam_path: &Path, ref_path: &Path) -> Result<bam::IndexedReader> {
    let mut bam = bam::IndexedReader::from_path(bam_path).map_err(|e| open_error(bam_path, &e))?;
    use_reference(&mut bam, bam_path, ref_path)?;
    Ok(bam)
}

/// Decode `bam` (opened from `bam_path`; a CRAM needs it) with the reference FASTA `ref_path`.
pub fn use_reference(bam: &mut bam::IndexedReader, bam_path: &Path, ref_path: &Path) -> Result<()> {
    bam.set_reference(ref_path).map_err(|e| {
        StepError::input(format!(
            "cannot use reference {} to read {}: {e}",
            ref_path.display(),
            bam_path.display()
        ))
    })
}

pub fn check(bam_path: &Path, ref_path: &Path) -> Result<Checked> {
    drop(Reference::open(ref_path)?);
    let contigs = reference::contigs(ref_path)?;
    if !bam_path.exists() {
        return Err(StepError::input(format!(
            "BAM {} does not exist",
            bam_path.display()
        )));
    }
    let bam = open_indexed(bam_path, ref_path)?;
    let header = bam.header();
    let text = String::from_utf8_lossy(header.as_bytes()).into_owned();
    check_sort_order(&text, bam_path)?;
    let mut bam_contigs = Vec::new();
    for tid in 0..header.target_count() {
        let name = String::from_utf8_lossy(header.tid2name(tid)).into_owned();
        let len = header.target_len(tid).unwrap_or(0);
        match contigs.iter().find(|c| c.name == name) {
            Some(c) if c.len == len => {}
            Some(c) => {
                return Err(StepError::input(format!(
                    "contig {name} is {len} bp in {} but {} bp in reference {}: the BAM was aligned to \
                     a different assembly; realign it to this reference or pass the one it used",
                    bam_path.display(),
                    c.len,
                    ref_path.display()
                )))
            }
            None => {
                let known: Vec<&str> = contigs.iter().take(5).map(|c| c.name.as_str()).collect();
                return Err(StepError::input(format!(
                    "contig {name} of {} is not in reference {} (which has {}{}): the contig names do \
                     not match; use the reference the reads were aligned to",
                    bam_path.display(),
                    ref_path.display(),
                    known.join(", "),
                    if contigs.len() > 5 { ", ..." } else { "" }
                )));
            }
        }
        bam_contigs.push(name);
    }
    let sample = sample_name(&text).unwrap_or_else(|| {
        bam_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sample".into())
    });
    Ok(Checked {
        contigs,
        bam_contigs,
        sample,
    })
}

fn open_error(bam: &Path, e: &rust_htslib::errors::Error) -> StepError {
    let candidates = [
        format!("{}.bai", bam.display()),
        format!("{}.csi", bam.display()),
        bam.with_extension("bai").display().to_string(),
    ];
    if !candidates.iter().any(|c| PathBuf::from(c).exists()) {
        return StepError::input(format!(
            "BAM {} has no index (looked for {}); create one with `samtools index {}`",
            bam.display(),
            candidates.join(", "),
            bam.display()
        ));
    }
    StepError::input(format!(
        "cannot open BAM {}: {e}; is it a valid, indexed BAM?",
        bam.display()
    ))
}

fn check_sort_order(header: &str, bam: &Path) -> Result<()> {
    let order = header
        .lines()
        .find(|l| l.starts_with("@HD"))
        .and_then(|l| l.split('\t').find_map(|f| f.strip_prefix("SO:")));
    // "unsorted"/"unknown" headers are common on sorted files; an index could only be built if
    // the records are in order, and `reads::load` checks the order as it reads.
    match order {
        None | Some("coordinate" | "unsorted" | "unknown") => Ok(()),
        Some(o) => Err(StepError::input(format!(
            "BAM {} is sorted by {o}, not by coordinate; sort it with `samtools sort` and index it",
            bam.display()
        ))),
    }
}

fn sample_name(header: &str) -> Option<String> {
    header
        .lines()
        .filter(|l| l.starts_with("@RG"))
        .find_map(|l| l.split('\t').find_map(|f| f.strip_prefix("SM:")))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sort_order_and_sample_from_header_text() {
        let h = "@HD\tVN:1.6\tSO:queryname\n@RG\tID:x\tSM:NA1\n";
        assert!(check_sort_order(h, Path::new("a.bam"))
            .unwrap_err()
            .message
            .contains("queryname"));
        assert!(check_sort_order("@HD\tVN:1.6\tSO:coordinate\n", Path::new("a.bam")).is_ok());
        assert_eq!(sample_name(h).as_deref(), Some("NA1"));
    }
}
