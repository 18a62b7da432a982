//! External sort with bounded memory: sorted runs spilled to temporary files, then a k-way merge.
//!
//! Items are kept in memory until their size passes the budget; then the buffer is sorted and
//! written as a run file beside the output (same file system, so no surprise `/tmp` filling up),
//! and at the end all runs are merged with a heap. A sample that fits the budget never touches
//! the disk. Run files are removed when the merge is dropped, on success and on error alike.
//! The same sorter orders BAM records by coordinate and duplicate-marking entries by key
//! ([`Spill`]); every order is total (it ends with the input ordinal), so it never depends on
//! threads.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::record::AlnRecord;
use crate::error::{Result, StepError};

/// What the sorter can hold: a total order, a size estimate and a spill-file encoding.
pub trait Spill: Sized {
    fn order(&self, other: &Self) -> Ordering;
    /// Bytes this item occupies in memory, counted against the budget.
    fn mem_size(&self) -> usize;
    fn write_to(&self, w: &mut impl Write) -> io::Result<()>;
    /// The next item, or `None` at a clean end of file.
    fn read_from(r: &mut impl Read) -> io::Result<Option<Self>>;
}

impl Spill for AlnRecord {
    fn order(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }

    fn mem_size(&self) -> usize {
        self.data.len() + std::mem::size_of::<AlnRecord>() + 16
    }

    fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        AlnRecord::write_to(self, w)
    }

    fn read_from(r: &mut impl Read) -> io::Result<Option<Self>> {
        AlnRecord::read_from(r)
    }
}

/// Collects items and hands them back in order.
pub struct Sorter<T: Spill> {
    buf: Vec<T>,
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

impl<T: Spill> Sorter<T> {
    /// `prefix` names the run files (`{prefix}.sort.N.tmp`); `budget` is in bytes.
    pub fn new(prefix: &Path, budget: usize) -> Self {
        let runs = RunFiles {
            prefix: prefix.to_path_buf(),
            paths: Vec::new(),
        };
        Sorter {
            buf: Vec::new(),
            bytes: 0,
            budget,
            runs,
        }
    }

    pub fn push(&mut self, item: T) -> Result<()> {
        self.bytes += item.mem_size();
        self.buf.push(item);
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
        self.buf.sort_unstable_by(T::order);
        let n = self.runs.paths.len();
        let path = PathBuf::from(format!("{}.sort.{n}.tmp", self.runs.prefix.display()));
        self.runs.paths.push(path.clone());
        let failed = |e| StepError::io("write sort run", &path, e);
        let file = File::create(&path).map_err(failed)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        for item in self.buf.drain(..) {
            item.write_to(&mut w).map_err(failed)?;
        }
        w.flush().map_err(failed)?;
        self.bytes = 0;
        Ok(())
    }

    /// All items, sorted.
    pub fn finish(mut self) -> Result<Merge<T>> {
        if self.runs.paths.is_empty() {
            self.buf.sort_unstable_by(T::order);
            let mut memory = std::mem::take(&mut self.buf);
            memory.reverse();
            let runs = std::mem::replace(
                &mut self.runs,
                RunFiles {
                    prefix: PathBuf::new(),
                    paths: Vec::new(),
                },
            );
            return Ok(Merge {
                memory,
                readers: Vec::new(),
                heap: BinaryHeap::new(),
                runs,
            });
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        let runs = std::mem::replace(
            &mut self.runs,
            RunFiles {
                prefix: PathBuf::new(),
                paths: Vec::new(),
            },
        );
        let mut merge = Merge {
            memory: Vec::new(),
            readers: Vec::new(),
            heap: BinaryHeap::new(),
            runs,
        };
        for path in merge.runs.paths.clone() {
            let file = File::open(&path).map_err(|e| StepError::io("open sort run", &path, e))?;
            merge
                .readers
                .push((path, BufReader::with_capacity(1 << 18, file)));
            merge.refill(merge.readers.len() - 1)?;
        }
        Ok(merge)
    }
}

/// A run's current head in the merge heap (min-heap by the item order, then run).
struct Head<T: Spill>(T, usize);

impl<T: Spill> PartialEq for Head<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Spill> Eq for Head<T> {}

impl<T: Spill> PartialOrd for Head<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Spill> Ord for Head<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.order(&other.0).then(self.1.cmp(&other.1))
    }
}

/// Sorted items, from memory or merged from runs.
pub struct Merge<T: Spill> {
    /// In-memory case: sorted items, reversed so `pop` yields them in order.
    memory: Vec<T>,
    readers: Vec<(PathBuf, BufReader<File>)>,
    heap: BinaryHeap<Reverse<Head<T>>>,
    runs: RunFiles,
}

impl<T: Spill> Merge<T> {
    fn refill(&mut self, run: usize) -> Result<()> {
        let (path, reader) = &mut self.readers[run];
        let next = T::read_from(reader).map_err(|e| StepError::io("read sort run", path, e))?;
        if let Some(item) = next {
            self.heap.push(Reverse(Head(item, run)));
        }
        Ok(())
    }

    /// The next item in order.
    pub fn next_item(&mut self) -> Result<Option<T>> {
        if self.readers.is_empty() {
            return Ok(self.memory.pop());
        }
        let Some(Reverse(Head(item, run))) = self.heap.pop() else {
            return Ok(None);
        };
        self.refill(run)?;
        Ok(Some(item))
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

    fn drain(mut m: Merge<AlnRecord>) -> Vec<(i32, i64, u64)> {
        let mut out = Vec::new();
        while let Some(r) = m.next_item().unwrap() {
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
