//! The reference genome, one contig at a time.
//!
//! Left-alignment and haplotype building need the bases around a variant. The comparison walks the
//! VCFs contig by contig, so a whole contig is read once (chr1 is ~250 MB) and dropped when the next
//! one is asked for. The FASTA must be indexed (`samtools faidx`); htslib builds the index when it can.

use std::path::{Path, PathBuf};

use rust_htslib::faidx;

use crate::{Result, StepError};

pub struct Reference {
    path: PathBuf,
    reader: faidx::Reader,
    cached: Option<(String, Vec<u8>)>,
}

impl Reference {
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(StepError::input(format!(
                "reference {} does not exist",
                path.display()
            )));
        }
        let reader = faidx::Reader::from_path(path).map_err(|e| {
            StepError::input(format!(
                "cannot open reference {}: {e}; index it with `samtools faidx`",
                path.display()
            ))
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            cached: None,
        })
    }

    /// The whole sequence of `contig`, upper-cased; `None` when the FASTA has no such contig.
    pub fn contig(&mut self, contig: &str) -> Result<Option<&[u8]>> {
        if self.cached.as_ref().is_none_or(|(name, _)| name != contig) {
            self.cached = self.fetch(contig)?.map(|seq| (contig.to_string(), seq));
        }
        Ok(self.cached.as_ref().map(|(_, seq)| seq.as_slice()))
    }

    fn fetch(&self, contig: &str) -> Result<Option<Vec<u8>>> {
        let len = self.reader.fetch_seq_len(contig);
        // htslib answers -1 (cast to u64) for an unknown contig.
        if len == 0 || len >= i64::MAX as u64 {
            return Ok(None);
        }
        let bytes = self
            .reader
            .fetch_seq(contig, 0, len as usize - 1)
            .map_err(|e| {
                StepError::input(format!(
                    "cannot read {contig} from reference {}: {e}",
                    self.path.display()
                ))
            })?;
        let seq = bytes.to_ascii_uppercase();
        // SAFETY: htslib allocated this buffer with malloc for us and rust-htslib 0.46 never frees
        // it; we copied it above and nothing else refers to it.
        unsafe { libc::free(bytes.as_ptr() as *mut libc::c_void) };
        Ok(Some(seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_contigs_and_knows_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("r.fa");
        std::fs::write(&fa, ">c1 first\nACGTacgt\nNNA\n>c2\nGG\n").unwrap();
        let mut r = Reference::open(&fa).unwrap();
        assert_eq!(r.contig("c1").unwrap(), Some(b"ACGTACGTNNA".as_slice()));
        assert_eq!(r.contig("c2").unwrap(), Some(b"GG".as_slice()));
        assert_eq!(r.contig("c3").unwrap(), None);
        assert_eq!(r.contig("c1").unwrap().map(<[u8]>::len), Some(11));
        assert!(Reference::open(&dir.path().join("absent.fa")).is_err());
    }
}
