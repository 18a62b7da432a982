//! The streaming part: read fragments, map them on N threads, hand records to the sorter.
//!
//! A reader thread parses (and decompresses) FASTQ into batches while the previous batch is
//! mapped. Within a batch, worker threads take small chunks from a shared counter (so a slow chunk
//! does not idle the others) and results are put back in input order before they reach the
//! sorter: fragment numbers, record ordinals and duplicate tie-breaks are the same for any thread
//! count, which is what makes the BAM bytes independent of it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread;

use super::dedup::{DupEntries, DupSet};
use super::fastq::{Fragment, PairReader};
use super::mapper::Mapper;
use super::pairing::{build_fragment, FragmentOut, PairingOptions};
use super::record::AlnRecord;
use super::sort::Sorter;
use crate::error::{Result, StepError};

/// Fragments per batch handed from the reader to the mappers.
const BATCH: usize = 8192;
/// Fragments a worker takes at a time.
const CHUNK: usize = 128;

/// What mapping the whole input produced.
pub struct Aligned {
    pub sorter: Sorter<AlnRecord>,
    pub dups: DupSet,
    pub fragments: u64,
}

/// Map every fragment of `reader` with `threads` workers into `sorter`, duplicate keys into
/// `entries`.
pub fn align_all(
    reader: PairReader,
    mapper: &Mapper,
    opts: &PairingOptions,
    threads: usize,
    (mut sorter, mut entries): (Sorter<AlnRecord>, DupEntries),
) -> Result<Aligned> {
    let (tx, rx) = sync_channel::<Result<Vec<Fragment>>>(2);
    let handle = thread::spawn(move || read_batches(reader, tx));
    let mut fragments = 0u64;
    let result = (|| {
        for batch in rx_iter(&rx) {
            let batch = batch?;
            for out in map_batch(&batch, fragments, mapper, opts, threads)? {
                entries.push(out.pair, out.frags)?;
                for rec in out.records {
                    sorter.push(rec)?;
                }
            }
            fragments += batch.len() as u64;
        }
        Ok(())
    })();
    drop(rx);
    let reader = handle
        .join()
        .map_err(|_| StepError::failed("the FASTQ reader thread panicked"))?;
    result?;
    reader.check_not_empty(fragments)?;
    Ok(Aligned {
        sorter,
        dups: entries.resolve(opts.optical_distance)?,
        fragments,
    })
}

fn rx_iter(
    rx: &Receiver<Result<Vec<Fragment>>>,
) -> impl Iterator<Item = Result<Vec<Fragment>>> + '_ {
    std::iter::from_fn(|| rx.recv().ok())
}

/// Reader thread: send batches until the end, an error, or the receiver hanging up.
fn read_batches(
    mut reader: PairReader,
    tx: std::sync::mpsc::SyncSender<Result<Vec<Fragment>>>,
) -> PairReader {
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        let mut failed = None;
        while batch.len() < BATCH {
            match reader.next_fragment() {
                Ok(Some(f)) => batch.push(f),
                Ok(None) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let done = batch.len() < BATCH || failed.is_some();
        if !batch.is_empty() && tx.send(Ok(batch)).is_err() {
            return reader;
        }
        if let Some(e) = failed {
            let _ = tx.send(Err(e));
        }
        if done {
            return reader;
        }
    }
}

/// Map one batch on `threads` workers; results come back in input order.
fn map_batch(
    batch: &[Fragment],
    first: u64,
    mapper: &Mapper,
    opts: &PairingOptions,
    threads: usize,
) -> Result<Vec<FragmentOut>> {
    let next = AtomicUsize::new(0);
    let n_chunks = batch.len().div_ceil(CHUNK);
    let work = || -> Result<Vec<(usize, Vec<FragmentOut>)>> {
        let mut done = Vec::new();
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= n_chunks {
                return Ok(done);
            }
            let start = c * CHUNK;
            let mut outs = Vec::with_capacity(CHUNK);
            for (i, (r1, r2)) in batch[start..(start + CHUNK).min(batch.len())]
                .iter()
                .enumerate()
            {
                let hits = mapper.map_fragment(r1, r2.as_ref())?;
                let reads = [Some((r1, &hits[0])), r2.as_ref().map(|r2| (r2, &hits[1]))];
                outs.push(build_fragment(first + (start + i) as u64, reads, opts));
            }
            done.push((c, outs));
        }
    };
    let mut chunks: Vec<(usize, Vec<FragmentOut>)> = thread::scope(|s| {
        let handles: Vec<_> = (1..threads.max(1)).map(|_| s.spawn(work)).collect();
        let mut all = work()?;
        for h in handles {
            all.extend(
                h.join()
                    .map_err(|_| StepError::failed("a mapping thread panicked"))??,
            );
        }
        Ok::<_, StepError>(all)
    })?;
    chunks.sort_unstable_by_key(|(c, _)| *c);
    Ok(chunks.into_iter().flat_map(|(_, outs)| outs).collect())
}
