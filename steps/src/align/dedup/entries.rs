//! Duplicate-marking entries through the external sorter, so their memory stays bounded.
//!
//! A whole genome has hundreds of millions of pairs; their keys are sorted like the records
//! (spilled to run files beside the output when over budget) and read back as a stream, one
//! group of equal keys at a time.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{DupSet, EndKey, FragEntry, PairEntry};
use crate::align::sort::{Sorter, Spill};
use crate::error::Result;

/// The duplicate keys of a run, collected while mapping.
pub struct DupEntries {
    pairs: Sorter<PairEntry>,
    frags: Sorter<FragEntry>,
}

impl DupEntries {
    /// Run files are named `{prefix}.pairs.sort.N.tmp` and `{prefix}.frags.sort.N.tmp`; each
    /// sorter gets half of `budget` bytes.
    pub fn new(prefix: &Path, budget: usize) -> Self {
        let with = |tag: &str| PathBuf::from(format!("{}.{tag}", prefix.display()));
        DupEntries {
            pairs: Sorter::new(&with("pairs"), budget / 2),
            frags: Sorter::new(&with("frags"), budget / 2),
        }
    }

    pub fn push(&mut self, pair: Option<PairEntry>, frags: Vec<FragEntry>) -> Result<()> {
        if let Some(pair) = pair {
            self.pairs.push(pair)?;
        }
        for frag in frags {
            self.frags.push(frag)?;
        }
        Ok(())
    }

    /// Stream the sorted entries group by group into the duplicate set.
    pub fn resolve(self, optical_distance: u32) -> Result<DupSet> {
        let mut set = DupSet::default();
        let mut pairs = self.pairs.finish()?;
        let mut group: Vec<PairEntry> = Vec::new();
        while let Some(entry) = pairs.next_item()? {
            if group.first().is_some_and(|g| g.ends != entry.ends) {
                set.mark_pairs(&group, optical_distance);
                group.clear();
            }
            group.push(entry);
        }
        set.mark_pairs(&group, optical_distance);
        pairs.cleanup();
        let mut frags = self.frags.finish()?;
        let mut group: Vec<FragEntry> = Vec::new();
        while let Some(entry) = frags.next_item()? {
            if group.first().is_some_and(|g| g.end != entry.end) {
                set.mark_frags(&group);
                group.clear();
            }
            group.push(entry);
        }
        set.mark_frags(&group);
        frags.cleanup();
        Ok(set)
    }
}

fn write_end(w: &mut impl Write, (tid, pos, rev): EndKey) -> io::Result<()> {
    w.write_all(&tid.to_le_bytes())?;
    w.write_all(&pos.to_le_bytes())?;
    w.write_all(&[rev as u8])
}

fn read_end(r: &mut impl Read) -> io::Result<EndKey> {
    let mut b = [0u8; 13];
    r.read_exact(&mut b)?;
    let tid = i32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
    let pos = i64::from_le_bytes(b[4..12].try_into().expect("8 bytes"));
    Ok((tid, pos, b[12] != 0))
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Read the first byte of an item; `None` at a clean end of file.
fn first_byte(r: &mut impl Read) -> io::Result<Option<u8>> {
    let mut b = [0u8; 1];
    match r.read_exact(&mut b) {
        Ok(()) => Ok(Some(b[0])),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

impl Spill for PairEntry {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        PairEntry::order(self, other)
    }

    fn mem_size(&self) -> usize {
        std::mem::size_of::<Self>() + self.name.len() + 16
    }

    /// Name length (one byte: names are at most 254 bytes) first, then the fields.
    fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&[self.name.len() as u8])?;
        w.write_all(&self.name)?;
        write_end(w, self.ends[0])?;
        write_end(w, self.ends[1])?;
        w.write_all(&self.score.to_le_bytes())?;
        w.write_all(&self.pair.to_le_bytes())
    }

    fn read_from(r: &mut impl Read) -> io::Result<Option<Self>> {
        let Some(len) = first_byte(r)? else {
            return Ok(None);
        };
        let mut name = vec![0u8; len as usize];
        r.read_exact(&mut name)?;
        let ends = [read_end(r)?, read_end(r)?];
        let (score, pair) = (read_u32(r)?, read_u64(r)?);
        Ok(Some(PairEntry {
            ends,
            score,
            name: name.into(),
            pair,
        }))
    }
}

impl Spill for FragEntry {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        FragEntry::order(self, other)
    }

    fn mem_size(&self) -> usize {
        std::mem::size_of::<Self>()
    }

    /// The `paired` flag first, then the fields.
    fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&[self.paired as u8])?;
        write_end(w, self.end)?;
        w.write_all(&self.score.to_le_bytes())?;
        w.write_all(&self.read.to_le_bytes())
    }

    fn read_from(r: &mut impl Read) -> io::Result<Option<Self>> {
        let Some(paired) = first_byte(r)? else {
            return Ok(None);
        };
        let end = read_end(r)?;
        let (score, read) = (read_u32(r)?, read_u64(r)?);
        Ok(Some(FragEntry {
            end,
            paired: paired != 0,
            score,
            read,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many pairs over few keys, with scores and names that tie.
    fn pairs() -> Vec<PairEntry> {
        (0..400u64)
            .map(|i| {
                let a = (0, (i % 13) as i64, false);
                let b = (0, 300 + (i % 5) as i64, true);
                PairEntry::new(a, b, (i % 3) as u32, format!("r{}", i % 7).as_bytes(), i)
            })
            .collect()
    }

    fn frags() -> Vec<FragEntry> {
        (0..300u64)
            .map(|i| FragEntry {
                end: (1, (i % 11) as i64, i % 2 == 0),
                paired: i % 9 == 0,
                score: (i % 4) as u32,
                read: i * 2,
            })
            .collect()
    }

    #[test]
    fn spilled_entries_give_the_in_memory_answer_and_leave_no_files() {
        let dir = tempfile::tempdir().unwrap();
        let expected = DupSet::resolve(pairs(), frags(), 0);
        let mut entries = DupEntries::new(&dir.path().join("x.bam"), 3000);
        for p in pairs() {
            entries.push(Some(p), Vec::new()).unwrap();
        }
        entries.push(None, frags()).unwrap();
        assert!(entries.pairs.spilled_runs() > 3 && entries.frags.spilled_runs() > 3);
        let got = entries.resolve(0).unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got.len() > 100);
        assert!((0..800).all(|r| got.contains(r) == expected.contains(r)));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
