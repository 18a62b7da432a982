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
            if let Some(w) = (fragments == 0).then(|| adapter_warning(&batch)).flatten() {
                eprintln!("warning: {w}");
            }
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

/// Fraction of pairs reading into the adapter above which `align` warns.
const ADAPTER_WARN_FRACTION: f64 = 0.005;

/// The warning to give when many pairs of the first batch read into a known Illumina adapter:
/// minimap2 slows down several-fold on such pairs (on generated reads, 1.7% of pairs with adapter
/// took alignment from 0.8 s to 4.8 s), and their adapter bases are soft-clipped at best.
fn adapter_warning(batch: &[Fragment]) -> Option<String> {
    let holds_adapter = |seq: &[u8]| {
        crate::fastq_qc::adapter::KNOWN_ADAPTERS
            .iter()
            .any(|a| seq.windows(a.len()).any(|w| w == *a))
    };
    let with_adapter = batch
        .iter()
        .filter(|(r1, r2)| {
            holds_adapter(&r1.seq) || r2.as_ref().is_some_and(|r| holds_adapter(&r.seq))
        })
        .count();
    let fraction = with_adapter as f64 / batch.len().max(1) as f64;
    (fraction > ADAPTER_WARN_FRACTION).then(|| {
        format!(
            "{with_adapter} of the first {} reads or pairs ({:.1}%) read into an Illumina adapter; \
             alignment is much slower on such reads: trim them first with `cairn step fastq-qc`",
            batch.len(),
            fraction * 100.0
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastq::Record;

    fn pair(seq1: &[u8]) -> Fragment {
        let rec = |seq: &[u8]| Record {
            head: b"r".to_vec(),
            seq: seq.to_vec(),
            qual: vec![b'I'; seq.len()],
        };
        (rec(seq1).into(), Some(rec(b"ACGTACGTACGTACGTACGT").into()))
    }

    #[test]
    fn warns_when_pairs_read_into_the_adapter() {
        let clean = pair(b"TTGCATTGCATTGCATTGCATTGCA");
        let through = pair(b"TTGCATTGCAAGATCGGAAGAGCACACG");
        let mut batch = vec![clean.clone(); 990];
        assert_eq!(adapter_warning(&batch), None);
        batch.extend(vec![through; 10]);
        let w = adapter_warning(&batch).expect("1% of pairs hold the adapter");
        assert!(
            w.starts_with("10 of the first 1000 reads or pairs (1.0%)"),
            "{w}"
        );
        assert!(w.contains("cairn step fastq-qc"));
    }
}
