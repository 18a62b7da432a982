//! The in-process minimap2 aligner (short-read preset `sr`) and the conversion of its hits.
//!
//! The aligner is built once (from a FASTA or a prebuilt `.mmi`) and shared read-only by the
//! mapping threads; each call uses minimap2's thread-local buffer, so mapping a read is
//! independent of which thread runs it and the results do not depend on the thread count.

use std::path::Path;

use minimap2::{Aligner, Built, Mapping, Strand};

use super::fastq::FastqRecord;
use super::pairing::{Hit, ReadHits};
use super::record::CIGAR_S;
use crate::error::{Result, StepError};

/// A built minimap2 index with the `sr` preset and CIGAR output.
pub struct Mapper {
    aligner: Aligner<Built>,
}

impl Mapper {
    /// Load `index` (FASTA or `.mmi`); when `save` is given, also write the index there.
    pub fn load(index: &Path, save: Option<&Path>, threads: usize) -> Result<Self> {
        let save_str = save.map(|p| p.to_string_lossy().into_owned());
        let aligner = Aligner::builder()
            .sr()
            .with_index_threads(threads.max(1))
            .with_cigar()
            .with_index(index, save_str.as_deref())
            .map_err(|e| {
                StepError::input(format!(
                    "cannot build or load the minimap2 index from {}: {e}",
                    index.display()
                ))
            })?;
        if aligner.n_seq() == 0 {
            return Err(StepError::input(format!(
                "{} holds no reference sequences",
                index.display()
            )));
        }
        Ok(Mapper { aligner })
    }

    /// Ignore minimizers that occur more than `n` times in the reference when seeding (minimap2's
    /// `-f INT`, bwa's `-c`). The `sr` preset allows 1000; in tandem-repeat-rich sequence that
    /// floods chaining with anchors that change no placement (measured: identical positions for
    /// 200k simulated pairs at 200 and 1000) while doubling the mapping time.
    pub fn set_max_seed_occurrence(&mut self, n: u32) {
        self.aligner.mapopt.mid_occ = n.clamp(1, i32::MAX as u32) as i32;
    }

    /// Reference names and lengths, in index order (the BAM header order).
    pub fn contigs(&self) -> Vec<(String, u64)> {
        (0..self.aligner.n_seq() as usize)
            .filter_map(|i| self.aligner.get_seq(i))
            .map(|s| {
                // SAFETY: names in a built index are NUL-terminated C strings owned by the index,
                // which lives as long as `self`.
                let name = unsafe { std::ffi::CStr::from_ptr(s.name) };
                (name.to_string_lossy().into_owned(), s.len as u64)
            })
            .collect()
    }

    /// minimap2's largest fragment for pairing (the preset's `max_frag_len`).
    pub fn max_insert(&self) -> i64 {
        self.aligner.mapopt.max_frag_len as i64
    }

    /// Map one read or one pair.
    pub fn map_fragment(
        &self,
        r1: &FastqRecord,
        r2: Option<&FastqRecord>,
    ) -> Result<[ReadHits; 2]> {
        match r2 {
            Some(r2) if !r1.seq.is_empty() && !r2.seq.is_empty() => {
                let (a, b) = self
                    .aligner
                    .map_pair(&r1.seq, &r2.seq, false, false, None, None, Some(&r1.name))
                    .map_err(|e| self.failed(r1, e))?;
                Ok([to_hits(&a, r1.seq.len()), to_hits(&b, r2.seq.len())])
            }
            Some(r2) => Ok([self.map_single(r1)?, self.map_single(r2)?]),
            None => Ok([self.map_single(r1)?, ReadHits::default()]),
        }
    }

    fn map_single(&self, read: &FastqRecord) -> Result<ReadHits> {
        if read.seq.is_empty() {
            return Ok(ReadHits::default());
        }
        let hits = self
            .aligner
            .map(&read.seq, false, false, None, None, Some(&read.name))
            .map_err(|e| self.failed(read, e))?;
        Ok(to_hits(&hits, read.seq.len()))
    }

    fn failed(&self, read: &FastqRecord, e: &str) -> StepError {
        StepError::failed(format!(
            "minimap2 failed on read {}: {e}",
            String::from_utf8_lossy(&read.name)
        ))
    }
}

/// Keep the primary and supplementary hits (drop secondaries), with soft clips added.
pub fn to_hits(mappings: &[Mapping], qlen: usize) -> ReadHits {
    let mut hits = ReadHits::default();
    for m in mappings {
        if !m.is_primary && !m.is_supplementary {
            continue;
        }
        let Some(hit) = to_hit(m, qlen) else { continue };
        if m.is_primary && hits.primary.is_none() {
            hits.primary = Some(hit);
        } else {
            hits.supplementary.push(Hit {
                supplementary: true,
                ..hit
            });
        }
    }
    hits
}

fn to_hit(m: &Mapping, qlen: usize) -> Option<Hit> {
    let aln = m.alignment.as_ref()?;
    let core = aln.cigar.as_ref()?;
    let reverse = m.strand == Strand::Reverse;
    let (qs, qe) = (m.query_start as u32, m.query_end as u32);
    let qlen = qlen as u32;
    let (lead, trail) = if reverse {
        (qlen - qe, qs)
    } else {
        (qs, qlen - qe)
    };
    let mut cigar = Vec::with_capacity(core.len() + 2);
    if lead > 0 {
        cigar.push(lead << 4 | CIGAR_S);
    }
    cigar.extend(core.iter().map(|(len, op)| len << 4 | *op as u32));
    if trail > 0 {
        cigar.push(trail << 4 | CIGAR_S);
    }
    Some(Hit {
        tid: m.target_id,
        contig: m.target_name.clone().unwrap_or_default(),
        pos: m.target_start as i64,
        end: m.target_end as i64,
        reverse,
        mapq: m.mapq.min(255) as u8,
        cigar,
        nm: aln.nm,
        score: aln.alignment_score.unwrap_or(0),
        supplementary: false,
    })
}
