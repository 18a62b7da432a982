//! FASTQ records in and out, with errors that name the file and the record; shared by the QC
//! and alignment steps so both accept and reject exactly the same files.
//!
//! Input may be plain or gzipped (several gzip members, as bgzip and parallel compressors write,
//! are one stream). Records are read in chunks so the caller can hand whole chunks to worker
//! threads; a malformed record stops the run with its file and 1-based record number, and a
//! gzip stream that ends early is reported as truncated rather than as a short file.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::{Result, StepError};

/// One read: the header line without `@`, bases and Phred+33 qualities.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub head: Vec<u8>,
    pub seq: Vec<u8>,
    pub qual: Vec<u8>,
}

impl Record {
    /// The read name: the header up to the first space, without a `/1` or `/2` suffix.
    pub fn name(&self) -> &[u8] {
        read_name(&self.head)
    }

    /// Append bases `start..end` of the record as FASTQ text.
    pub fn write_trimmed(&self, start: usize, end: usize, out: &mut Vec<u8>) {
        out.push(b'@');
        out.extend_from_slice(&self.head);
        out.push(b'\n');
        out.extend_from_slice(&self.seq[start..end]);
        out.extend_from_slice(b"\n+\n");
        out.extend_from_slice(&self.qual[start..end]);
        out.push(b'\n');
    }
}

/// The read name from a header line: up to the first whitespace, without a `/1` or `/2` suffix.
pub fn read_name(header: &[u8]) -> &[u8] {
    let end = header
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(header.len());
    match &header[..end] {
        [rest @ .., b'/', b'1' | b'2'] => rest,
        name => name,
    }
}

/// Reads records from one FASTQ file, counting them for error messages.
pub struct Reader {
    path: PathBuf,
    inner: Box<dyn BufRead + Send>,
    /// Records read so far.
    pub count: u64,
    line: Vec<u8>,
}

impl Reader {
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::new(path, crate::textio::open(path, "FASTQ")?))
    }

    pub fn new(path: &Path, inner: Box<dyn BufRead + Send>) -> Self {
        Self {
            path: path.to_path_buf(),
            inner,
            count: 0,
            line: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, msg: impl std::fmt::Display) -> StepError {
        StepError::input(format!(
            "{}: record {}: {msg}",
            self.path.display(),
            self.count + 1
        ))
    }

    /// Read one line without its line ending; false at end of input.
    fn read_line(&mut self) -> Result<bool> {
        self.line.clear();
        let n = self.inner.read_until(b'\n', &mut self.line).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::UnexpectedEof
                || e.kind() == std::io::ErrorKind::InvalidInput
            {
                "; the gzip stream is truncated or corrupt (re-copy or re-download the file)"
            } else {
                "; the file may be truncated or corrupt"
            };
            self.error(format!("cannot read: {e}{hint}"))
        })?;
        if self.line.ends_with(b"\n") {
            self.line.pop();
            if self.line.ends_with(b"\r") {
                self.line.pop();
            }
        }
        Ok(n > 0)
    }

    /// The next record, or `None` at a clean end of file.
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        if !self.read_line()? {
            return Ok(None);
        }
        let Some(head) = self.line.strip_prefix(b"@") else {
            return Err(self.error(format!(
                "expected a header line starting with `@`, found `{}`; is this a FASTQ file?",
                String::from_utf8_lossy(&self.line[..self.line.len().min(40)])
            )));
        };
        let head = head.to_vec();
        let missing = |r: &Self, what: &str| {
            r.error(format!(
                "the file ends inside the record (no {what} line); it is truncated"
            ))
        };
        if !self.read_line()? {
            return Err(missing(self, "sequence"));
        }
        let seq = self.line.to_ascii_uppercase();
        if !self.read_line()? {
            return Err(missing(self, "`+`"));
        }
        if !self.line.starts_with(b"+") {
            return Err(self.error("the third line of a record must start with `+`"));
        }
        if !self.read_line()? {
            return Err(missing(self, "quality"));
        }
        let qual = std::mem::take(&mut self.line);
        if qual.len() != seq.len() {
            return Err(self.error(format!(
                "sequence has {} bases but quality has {} characters; the record is corrupt",
                seq.len(),
                qual.len()
            )));
        }
        if let Some(&bad) = qual.iter().find(|&&q| !(b'!'..=b'~').contains(&q)) {
            return Err(self.error(format!(
                "quality character {:?} is not Phred+33",
                bad as char
            )));
        }
        self.count += 1;
        Ok(Some(Record { head, seq, qual }))
    }

    /// Up to `n` records.
    pub fn chunk(&mut self, n: usize) -> Result<Vec<Record>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.next_record()? {
                Some(r) => out.push(r),
                None => break,
            }
        }
        Ok(out)
    }
}

/// Up to `n` pairs from two readers, checking that the files stay in step and names agree.
pub fn pair_chunk(
    r1: &mut Reader,
    r2: &mut Reader,
    n: usize,
) -> Result<(Vec<Record>, Vec<Record>)> {
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    while a.len() < n {
        match next_pair(r1, r2)? {
            Some((x, y)) => {
                a.push(x);
                b.push(y);
            }
            None => break,
        }
    }
    Ok((a, b))
}

/// The next mate pair, or `None` when both files end together; an error when one file ends first
/// or the mates' names differ.
pub fn next_pair(r1: &mut Reader, r2: &mut Reader) -> Result<Option<(Record, Record)>> {
    match (r1.next_record()?, r2.next_record()?) {
        (None, None) => Ok(None),
        (Some(x), Some(y)) if x.name() == y.name() => Ok(Some((x, y))),
        (Some(x), Some(y)) => Err(StepError::input(format!(
            "{} and {}: record {}: mate names differ (`{}` vs `{}`); the files are not in the same order",
            r1.path().display(),
            r2.path().display(),
            r1.count,
            String::from_utf8_lossy(x.name()),
            String::from_utf8_lossy(y.name())
        ))),
        (Some(_), None) => Err(out_of_step(r2, r1)),
        (None, Some(_)) => Err(out_of_step(r1, r2)),
    }
}

fn out_of_step(short: &Reader, long: &Reader) -> StepError {
    StepError::input(format!(
        "{} ends after {} records but {} has more; the pair files are out of step (truncated, or not mates)",
        short.path().display(),
        short.count,
        long.path().display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &'static [u8]) -> Reader {
        Reader::new(Path::new("x.fq"), Box::new(text))
    }

    #[test]
    fn reads_records_and_names() {
        let mut r = reader(b"@a/1 c\nacgt\n+\nIIII\n@b\r\nGG\r\n+b\r\n#I\r\n");
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(
            (a.name(), a.seq.as_slice(), a.qual.as_slice()),
            (&b"a"[..], &b"ACGT"[..], &b"IIII"[..])
        );
        assert_eq!(r.next_record().unwrap().unwrap().name(), b"b");
        assert!(r.next_record().unwrap().is_none());
        assert_eq!(r.count, 2);
    }

    #[test]
    fn bad_records_name_file_and_record() {
        let e = reader(b"@a\nAC\n+\nII\n@b\nACG\n+\nII\n")
            .chunk(10)
            .unwrap_err();
        assert!(
            e.message
                .contains("x.fq: record 2: sequence has 3 bases but quality has 2"),
            "{}",
            e.message
        );
        let e = reader(b"@a\nAC\n+\nII\n@b\nACG\n").chunk(10).unwrap_err();
        assert!(
            e.message
                .contains("record 2: the file ends inside the record"),
            "{}",
            e.message
        );
        let e = reader(b">a\nAC\n").chunk(10).unwrap_err();
        assert!(
            e.message.contains("record 1: expected a header line"),
            "{}",
            e.message
        );
        let e = reader(b"@a\nAC\n-\nII\n").chunk(10).unwrap_err();
        assert!(e.message.contains("must start with `+`"), "{}", e.message);
    }

    #[test]
    fn pairs_must_stay_in_step() {
        let mut a = reader(b"@p1/1\nA\n+\nI\n@p2/1\nC\n+\nI\n");
        let mut b = reader(b"@p1/2\nT\n+\nI\n");
        let e = pair_chunk(&mut a, &mut b, 10).unwrap_err();
        assert!(e.message.contains("ends after 1 records"), "{}", e.message);
        let mut a = reader(b"@p1\nA\n+\nI\n@p2\nC\n+\nI\n");
        let mut b = reader(b"@p1\nT\n+\nI\n@p3\nC\n+\nI\n");
        let e = pair_chunk(&mut a, &mut b, 10).unwrap_err();
        assert!(
            e.message
                .contains("record 2: mate names differ (`p2` vs `p3`)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn truncated_gzip_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.fq.gz");
        let gz = crate::simulate::output::gzip(&b"@r\nACGT\n+\nIIII\n".repeat(2000));
        std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
        let e = Reader::open(&path).unwrap().chunk(100_000).unwrap_err();
        assert!(e.message.contains("t.fq.gz: record"), "{}", e.message);
        assert!(e.message.contains("truncated"), "{}", e.message);
    }
}
