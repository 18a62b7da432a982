//! Coordinate sort with bounded memory: sorted runs spilled to temporary files, then a k-way merge.
//!
//! Records are kept in memory until their size passes the budget; then the buffer is sorted and
//! written as a run file beside the output (same file system, so no surprise `/tmp` filling up),
//! and at the end all runs are merged with a heap. A sample that fits the budget never touches
//! the disk. Run files are removed when the merge is dropped, on success and on error alike.
//! Sort keys end with the input ordinal, so the order is total and never depends on threads.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::record::AlnRecord;
use crate::error::{Result, StepError};

/// Per-record bookkeeping counted against the budget besides the variable-length data.
const RECORD_OVERHEAD: usize = std::mem::size_of::<AlnRecord>() + 16;

/// Collects records and hands them back in coordinate order.
pub struct Sorter {
    buf: Vec<AlnRecord>,
    bytes: usize,
    budget: usize,
    runs: RunFiles,
}

/// Temporary run files, deleted on drop.
#[derive(Debug)]
struct RunFiles {
    prefix: PathBuf,
    paths: Vec<PathBuf>,
}

impl Drop for RunFiles {
    fn drop(&mut self) {
        for p in &self.paths {
            let _ = fs::remove_file(p);
        }
    }
}

impl Sorter {
    /// `prefix` names the run files (`{prefix}.sort.N.tmp`); `budget` is in bytes.
    pub fn new(prefix: &Path, budget: usize) -> Self {
        Sorter {
            buf: Vec::new(),
            bytes: 0,
            budget,
            runs: RunFiles {
                prefix: prefix.to_path_buf(),
                paths: Vec::new(),
            },
        }
    }

    pub fn push(&mut self, rec: AlnRecord) -> Result<()> {
        self.bytes += rec.data.len() + RECORD_OVERHEAD;
        self.buf.push(rec);
        if self.bytes >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Runs written so far.
    pub fn spilled_runs(&self) -> usize {
        self.runs.paths.len()
    }

    fn spill(&mut self) -> Result<()> {
        self.buf.sort_unstable_by_key(AlnRecord::sort_key);
        let path = PathBuf::from(format!(
            "{}.sort.{}.tmp",
            self.runs.prefix.display(),
            self.runs.paths.len()
        ));
        self.runs.paths.push(path.clone());
        let file = File::create(&path).map_err(|e| StepError::io("create sort run", &path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        for rec in self.buf.drain(..) {
            rec.write_to(&mut w)
                .map_err(|e| StepError::io("write sort run", &path, e))?;
        }
        w.flush()
            .map_err(|e| StepError::io("write sort run", &path, e))?;
        self.bytes = 0;
        Ok(())
    }

    /// All records, sorted.
    pub fn finish(mut self) -> Result<Merge> {
        if self.runs.paths.is_empty() {
            self.buf.sort_unstable_by_key(AlnRecord::sort_key);
            let mut records = std::mem::take(&mut self.buf);
            records.reverse();
            return Ok(Merge {
                memory: records,
                readers: Vec::new(),
                heads: Vec::new(),
                heap: BinaryHeap::new(),
                runs: self.runs,
            });
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        let mut merge = Merge {
            memory: Vec::new(),
            readers: Vec::new(),
            heads: Vec::new(),
            heap: BinaryHeap::new(),
            runs: self.runs,
        };
        for path in merge.runs.paths.clone() {
            let file = File::open(&path).map_err(|e| StepError::io("open sort run", &path, e))?;
            merge
                .readers
                .push((path, BufReader::with_capacity(1 << 18, file)));
            merge.heads.push(None);
            merge.refill(merge.readers.len() - 1)?;
        }
        Ok(merge)
    }
}

type HeapKey = Reverse<((u32, i64, bool, u64), usize)>;

/// Sorted records, from memory or merged from runs.
pub struct Merge {
    /// In-memory case: sorted records, reversed so `pop` yields them in order.
    memory: Vec<AlnRecord>,
    readers: Vec<(PathBuf, BufReader<File>)>,
    heads: Vec<Option<AlnRecord>>,
    heap: BinaryHeap<HeapKey>,
    runs: RunFiles,
}

impl Merge {
    fn refill(&mut self, run: usize) -> Result<()> {
        let (path, reader) = &mut self.readers[run];
        let next =
            AlnRecord::read_from(reader).map_err(|e| StepError::io("read sort run", path, e))?;
        if let Some(rec) = &next {
            self.heap.push(Reverse((rec.sort_key(), run)));
        }
        self.heads[run] = next;
        Ok(())
    }

    /// The next record in coordinate order.
    pub fn next_record(&mut self) -> Result<Option<AlnRecord>> {
        if self.readers.is_empty() {
            return Ok(self.memory.pop());
        }
        let Some(Reverse((_, run))) = self.heap.pop() else {
            return Ok(None);
        };
        let rec = self.heads[run].take();
        self.refill(run)?;
        Ok(rec)
    }

    /// Remove the run files now (they are also removed on drop).
    pub fn cleanup(self) {
        drop(self.runs);
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::RecordParts;
    use super::*;

    fn rec(tid: i32, pos: i64, ordinal: u64) -> AlnRecord {
        let parts = RecordParts {
            qname: b"r",
            cigar: &[],
            seq: b"ACGT",
            qual: &[30; 4],
            aux: &[],
        };
        let mut r = AlnRecord::encode(&parts, ordinal);
        (r.tid, r.pos) = (tid, pos);
        r
    }

    fn drain(mut m: Merge) -> Vec<(i32, i64, u64)> {
        let mut out = Vec::new();
        while let Some(r) = m.next_record().unwrap() {
            out.push((r.tid, r.pos, r.ordinal));
        }
        out
    }

    fn input() -> Vec<AlnRecord> {
        let mut v = Vec::new();
        for i in 0..500u64 {
            let tid = if i % 7 == 0 { -1 } else { (i % 3) as i32 };
            v.push(rec(tid, ((i * 7919) % 1000) as i64, i));
        }
        v
    }

    fn expected() -> Vec<(i32, i64, u64)> {
        let mut v = input();
        v.sort_by_key(AlnRecord::sort_key);
        v.into_iter().map(|r| (r.tid, r.pos, r.ordinal)).collect()
    }

    #[test]
    fn in_memory_sort_orders_by_coordinate_with_unplaced_last() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::new(&dir.path().join("o.bam"), usize::MAX);
        input().into_iter().for_each(|r| s.push(r).unwrap());
        let out = drain(s.finish().unwrap());
        assert_eq!(out, expected());
        assert_eq!(out.last().unwrap().0, -1);
        assert!(out
            .windows(2)
            .all(|w| (w[0].0 as u32, w[0].1) <= (w[1].0 as u32, w[1].1)));
    }

    #[test]
    fn spilled_runs_merge_to_the_same_order_and_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::new(&dir.path().join("o.bam"), 4000);
        input().into_iter().for_each(|r| s.push(r).unwrap());
        assert!(s.spilled_runs() > 5);
        let merge = s.finish().unwrap();
        assert!(fs::read_dir(dir.path()).unwrap().count() > 5);
        assert_eq!(drain(merge), expected());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "run files left behind"
        );
    }
}
