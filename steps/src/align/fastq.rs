//! FASTQ input for the aligner: plain or gzip, one file or a pair read in lock step.
//!
//! Every error names the file and the record number, because a truncated download or a pair of
//! files from different runs is the usual cause and the user must find it. A pair is checked
//! record by record: same read name (after `/1`, `/2` and comments are dropped) and same count.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::{Result, StepError};

/// One FASTQ record: name (no `@`, no comment, no `/1` `/2`), bases and Phred qualities (no offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastqRecord {
    pub name: Vec<u8>,
    pub seq: Vec<u8>,
    pub qual: Vec<u8>,
}

/// Reads records from one FASTQ file.
pub struct FastqReader {
    path: PathBuf,
    inner: Box<dyn BufRead + Send>,
    /// Records read so far (the next record's number is `count + 1`).
    count: u64,
    line: Vec<u8>,
}

impl FastqReader {
    /// Open `path`, detecting gzip by its magic bytes.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::from_reader(path, crate::textio::open(path, "FASTQ")?))
    }

    /// Read from any buffered source; `path` names it in errors.
    pub fn from_reader(path: &Path, inner: Box<dyn BufRead + Send>) -> Self {
        FastqReader {
            path: path.to_path_buf(),
            inner,
            count: 0,
            line: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records read so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<FastqRecord>> {
        if !self.read_line()? {
            return Ok(None);
        }
        let number = self.count + 1;
        if self.line.first() != Some(&b'@') {
            return Err(self.bad(
                number,
                "the header line does not start with '@'; is this a FASTQ file?",
            ));
        }
        let name = read_name(&self.line[1..]);
        if name.is_empty() || name.len() > 254 || name.contains(&0) {
            return Err(self.bad(
                number,
                "the read name is empty, longer than 254 characters or holds a NUL byte",
            ));
        }
        let name = name.to_vec();
        let seq = self.required_line(number, "sequence")?;
        let plus = self.required_line(number, "'+' separator")?;
        if plus.first() != Some(&b'+') {
            return Err(self.bad(number, "the third line does not start with '+'"));
        }
        let mut qual = self.required_line(number, "quality")?;
        if qual.len() != seq.len() {
            let msg = format!(
                "sequence has {} bases but quality has {} values",
                seq.len(),
                qual.len()
            );
            return Err(self.bad(number, &msg));
        }
        if let Some(q) = qual.iter().find(|q| !(33..=126).contains(*q)) {
            return Err(self.bad(
                number,
                &format!("quality character {:?} is outside '!'..'~'", *q as char),
            ));
        }
        qual.iter_mut().for_each(|q| *q -= 33);
        self.count = number;
        Ok(Some(FastqRecord { name, seq, qual }))
    }

    fn required_line(&mut self, number: u64, what: &str) -> Result<Vec<u8>> {
        if !self.read_line()? {
            return Err(self.bad(
                number,
                &format!("the file ends before the {what} line (truncated file?)"),
            ));
        }
        Ok(self.line.clone())
    }

    /// Read one line without its line ending; false at end of file.
    fn read_line(&mut self) -> Result<bool> {
        self.line.clear();
        let n = self.inner.read_until(b'\n', &mut self.line).map_err(|e| {
            StepError::input(format!(
                "{}: cannot read record {}: {e} (corrupt or truncated gzip?); re-download or re-create the file",
                self.path.display(),
                self.count + 1
            ))
        })?;
        while matches!(self.line.last(), Some(b'\n' | b'\r')) {
            self.line.pop();
        }
        Ok(n > 0)
    }

    fn bad(&self, number: u64, what: &str) -> StepError {
        StepError::input(format!("{}: record {number}: {what}", self.path.display()))
    }
}

/// The read name from a header line: up to the first whitespace, without a `/1` or `/2` suffix.
pub fn read_name(header: &[u8]) -> &[u8] {
    let end = header
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(header.len());
    let name = &header[..end];
    match name {
        [head @ .., b'/', b'1' | b'2'] => head,
        _ => name,
    }
}

/// Reads R1 and R2 in lock step, checking that names and counts agree.
pub struct PairReader {
    r1: FastqReader,
    r2: Option<FastqReader>,
}

/// One read or one pair from the input.
pub type Fragment = (FastqRecord, Option<FastqRecord>);

impl PairReader {
    pub fn new(r1: FastqReader, r2: Option<FastqReader>) -> Self {
        PairReader { r1, r2 }
    }

    /// The next fragment, or `None` when both files end together.
    pub fn next_fragment(&mut self) -> Result<Option<Fragment>> {
        let a = self.r1.next_record()?;
        let Some(r2) = self.r2.as_mut() else {
            return Ok(a.map(|a| (a, None)));
        };
        let b = r2.next_record()?;
        match (a, b) {
            (None, None) => Ok(None),
            (Some(a), Some(b)) => {
                if a.name != b.name {
                    return Err(StepError::input(format!(
                        "record {}: read names differ: {} has {:?}, {} has {:?}; R1 and R2 must list mates in the same order",
                        r2.count(),
                        self.r1.path().display(),
                        String::from_utf8_lossy(&a.name),
                        r2.path().display(),
                        String::from_utf8_lossy(&b.name),
                    )));
                }
                Ok(Some((a, Some(b))))
            }
            (Some(_), None) => Err(unequal(r2, &self.r1)),
            (None, Some(_)) => Err(unequal(&self.r1, r2)),
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

fn unequal(short: &FastqReader, long: &FastqReader) -> StepError {
    StepError::input(format!(
        "{} ends after {} records but {} has more (record {}); the pair files have different read counts",
        short.path().display(),
        short.count(),
        long.path().display(),
        long.count(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::MultiGzDecoder;
    use std::io::BufReader;

    fn reader(text: &'static str) -> FastqReader {
        FastqReader::from_reader(Path::new("x.fq"), Box::new(text.as_bytes()))
    }

    #[test]
    fn parses_records_and_strips_mate_suffixes() {
        let mut r = reader("@a/1 comment\nACGT\n+\nIIII\n@b\r\nAC\r\n+b\r\n!#\r\n");
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(a.name, b"a");
        assert_eq!(a.qual, vec![40; 4]);
        let b = r.next_record().unwrap().unwrap();
        assert_eq!(
            (b.name.as_slice(), b.seq.as_slice(), b.qual.as_slice()),
            (&b"b"[..], &b"AC"[..], &[0u8, 2][..])
        );
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn unequal_lengths_name_the_record() {
        let mut r = reader("@a\nACGT\n+\nIIII\n@b\nACGT\n+\nIII\n");
        r.next_record().unwrap();
        let e = r.next_record().unwrap_err().to_string();
        assert!(
            e.contains("x.fq: record 2") && e.contains("4 bases but quality has 3"),
            "{e}"
        );
    }

    #[test]
    fn truncated_record_is_an_error() {
        let e = reader("@a\nACGT\n+\n")
            .next_record()
            .unwrap_err()
            .to_string();
        assert!(e.contains("record 1") && e.contains("truncated"), "{e}");
        let e = reader("ACGT\n").next_record().unwrap_err().to_string();
        assert!(e.contains("'@'"), "{e}");
    }

    #[test]
    fn pairs_must_agree_in_names_and_counts() {
        let r1 = reader("@a/1\nA\n+\nI\n@b/1\nA\n+\nI\n");
        let r2 = reader("@a/2\nA\n+\nI\n@c/2\nA\n+\nI\n");
        let mut p = PairReader::new(r1, Some(r2));
        assert!(p.next_fragment().unwrap().is_some());
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
    fn truncated_gzip_is_reported() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..2000 {
            writeln!(enc, "@r{i}\nACGTACGTAC\n+\nIIIIIIIIII").unwrap();
        }
        let gz = enc.finish().unwrap();
        let cut = gz[..gz.len() / 2].to_vec();
        let inner = Box::new(BufReader::new(MultiGzDecoder::new(std::io::Cursor::new(
            cut,
        ))));
        let mut r = FastqReader::from_reader(Path::new("r.fq.gz"), inner);
        let err = loop {
            match r.next_record() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a truncated gzip stream read to a clean end"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(err.starts_with("r.fq.gz: "), "{err}");
    }
}
