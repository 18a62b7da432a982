//! FASTQ input for the aligner: one file or a pair read in lock step, through the shared reader
//! (`crate::fastq`), so the aligner accepts and rejects exactly what `fastq-qc` does.
//!
//! The aligner wants the read name alone (no comment, no `/1` `/2`) and Phred values without the
//! +33 offset; this module converts each record once as it is read.

use std::path::Path;

use crate::error::{Result, StepError};
use crate::fastq::{next_pair, Reader, Record};

/// One FASTQ record: name (no `@`, no comment, no `/1` `/2`), bases and Phred qualities (no offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastqRecord {
    pub name: Vec<u8>,
    pub seq: Vec<u8>,
    pub qual: Vec<u8>,
}

impl From<Record> for FastqRecord {
    fn from(r: Record) -> Self {
        let name = r.name().to_vec();
        let mut qual = r.qual;
        qual.iter_mut().for_each(|q| *q -= 33);
        FastqRecord {
            name,
            seq: r.seq,
            qual,
        }
    }
}

/// Reads R1 (and R2 when given) in lock step, checking that names and counts agree.
pub struct PairReader {
    r1: Reader,
    r2: Option<Reader>,
}

/// One read or one pair from the input.
pub type Fragment = (FastqRecord, Option<FastqRecord>);

impl PairReader {
    /// Open R1 and, for paired input, R2 (plain or gzip).
    pub fn open(r1: &Path, r2: Option<&Path>) -> Result<Self> {
        Ok(Self::new(
            Reader::open(r1)?,
            r2.map(Reader::open).transpose()?,
        ))
    }

    pub fn new(r1: Reader, r2: Option<Reader>) -> Self {
        PairReader { r1, r2 }
    }

    /// The next fragment, or `None` when the input ends (both files together).
    pub fn next_fragment(&mut self) -> Result<Option<Fragment>> {
        match self.r2.as_mut() {
            None => Ok(self.r1.next_record()?.map(|a| (a.into(), None))),
            Some(r2) => Ok(next_pair(&mut self.r1, r2)?.map(|(a, b)| (a.into(), Some(b.into())))),
        }
    }

    /// Fail on empty input: an aligner run on nothing is a mistake upstream.
    pub fn check_not_empty(&self, fragments: u64) -> Result<()> {
        if fragments == 0 {
            return Err(StepError::input(format!(
                "{} is empty: no FASTQ records to align",
                self.r1.path().display()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &'static str) -> Reader {
        Reader::new(Path::new("x.fq"), Box::new(text.as_bytes()))
    }

    #[test]
    fn records_carry_bare_names_and_phred_values() {
        let mut p = PairReader::new(reader("@a/1 comment\nACGT\n+\nII#I\n"), None);
        let (a, b) = p.next_fragment().unwrap().unwrap();
        assert_eq!(
            (a.name.as_slice(), a.seq.as_slice(), a.qual.as_slice()),
            (&b"a"[..], &b"ACGT"[..], &[40u8, 40, 2, 40][..])
        );
        assert!(b.is_none());
        assert!(p.next_fragment().unwrap().is_none());
    }

    #[test]
    fn pairs_must_agree_in_names_and_counts() {
        let r1 = reader("@a/1\nA\n+\nI\n@b/1\nA\n+\nI\n");
        let r2 = reader("@a/2\nA\n+\nI\n@c/2\nA\n+\nI\n");
        let mut p = PairReader::new(r1, Some(r2));
        let (a, b) = p.next_fragment().unwrap().unwrap();
        assert_eq!((a.name, b.unwrap().name), (b"a".to_vec(), b"a".to_vec()));
        let e = p.next_fragment().unwrap_err().to_string();
        assert!(e.contains("record 2") && e.contains("names differ"), "{e}");

        let r1 = reader("@a\nA\n+\nI\n@b\nA\n+\nI\n");
        let r2 = reader("@a\nA\n+\nI\n");
        let mut p = PairReader::new(r1, Some(r2));
        p.next_fragment().unwrap();
        let e = p.next_fragment().unwrap_err().to_string();
        assert!(e.contains("ends after 1 records"), "{e}");
    }

    #[test]
    fn empty_input_is_an_error() {
        let p = PairReader::new(reader(""), None);
        let e = p.check_not_empty(0).unwrap_err().to_string();
        assert!(e.contains("x.fq is empty"), "{e}");
    }
}
