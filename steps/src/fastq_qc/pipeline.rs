//! The chunked, multi-threaded pass over the input: read, trim, count, compress, write in order.
//!
//! The main thread reads the next batch of chunks while the worker pool trims and compresses the
//! current one (`rayon::join`), and results are written in chunk order. Each chunk is compressed
//! as its own gzip member at a fixed level, so the output bytes depend only on the input.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::metrics::{sequence_key, Metrics};
use super::trim::{trim_pair, trim_single, AdapterFound, TrimConfig, Trimmed};
use crate::fastq::{pair_chunk, Reader, Record};
use crate::simulate::output::gzip;
use crate::{Result, StepError};

/// Reads (or pairs) per chunk handed to one worker.
const CHUNK: usize = 4096;

/// One chunk of input: read 1 records and, for pairs, their mates.
type Chunk = (Vec<Record>, Option<Vec<Record>>);

/// Compressed output and counts of one chunk.
struct Done {
    r1: Vec<u8>,
    r2: Vec<u8>,
    metrics: Metrics,
}

/// Trim `r1` (and `r2`) into the two output paths; returns the merged metrics.
pub fn run(
    pool: &rayon::ThreadPool,
    mut r1: Reader,
    mut r2: Option<Reader>,
    cfg: &TrimConfig,
    out: (&Path, &Path),
) -> Result<Metrics> {
    let open = |p: &Path| {
        File::create(p)
            .map(BufWriter::new)
            .map_err(|e| StepError::io("write", p, e))
    };
    let (mut w1, mut w2) = (open(out.0)?, open(out.1)?);
    let batch = pool.current_num_threads() * 2;
    let mut next = read_batch(&mut r1, r2.as_mut(), batch)?;
    if next.is_empty() {
        let path: PathBuf = r1.path().into();
        return Err(StepError::input(format!(
            "{}: no reads; the file is empty",
            path.display()
        )));
    }
    let mut total = Metrics::default();
    while !next.is_empty() {
        let current = std::mem::take(&mut next);
        let (read, done) = pool.install(|| {
            rayon::join(
                || read_batch(&mut r1, r2.as_mut(), batch),
                || {
                    current
                        .par_iter()
                        .map(|c| process(c, cfg))
                        .collect::<Vec<Done>>()
                },
            )
        });
        for d in done {
            w1.write_all(&d.r1)
                .map_err(|e| StepError::io("write", out.0, e))?;
            w2.write_all(&d.r2)
                .map_err(|e| StepError::io("write", out.1, e))?;
            total.merge(d.metrics);
        }
        next = read?;
    }
    if total.units_out == 0 || r2.is_none() {
        // Keep both files valid gzip even when nothing (or, for single-end, no read 2) is written.
        for (w, p) in [(&mut w1, out.0), (&mut w2, out.1)] {
            w.write_all(&gzip(b""))
                .map_err(|e| StepError::io("write", p, e))?;
        }
    }
    w1.flush().map_err(|e| StepError::io("write", out.0, e))?;
    w2.flush().map_err(|e| StepError::io("write", out.1, e))?;
    Ok(total)
}

fn read_batch(r1: &mut Reader, mut r2: Option<&mut Reader>, chunks: usize) -> Result<Vec<Chunk>> {
    let mut out = Vec::with_capacity(chunks);
    for _ in 0..chunks {
        let chunk = match r2.as_deref_mut() {
            Some(r2) => {
                let (a, b) = pair_chunk(r1, r2, CHUNK)?;
                (a, Some(b))
            }
            None => (r1.chunk(CHUNK)?, None),
        };
        if chunk.0.is_empty() {
            break;
        }
        out.push(chunk);
    }
    Ok(out)
}

fn process(chunk: &Chunk, cfg: &TrimConfig) -> Done {
    let mut m = Metrics::default();
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    let mut scratch = Vec::new();
    match &chunk.1 {
        Some(mates) => {
            for (a, b) in chunk.0.iter().zip(mates) {
                m.add_input(a, 0);
                m.add_input(b, 1);
                m.add_dup_key(sequence_key(&[&a.seq, &b.seq]));
                let (x, y) = trim_pair(a, b, cfg, &mut scratch);
                count_trim(&mut m, a, &x);
                count_trim(&mut m, b, &y);
                keep(&mut m, &mut [(a, x, &mut t1), (b, y, &mut t2)]);
            }
        }
        None => {
            for a in &chunk.0 {
                m.add_input(a, 0);
                m.add_dup_key(sequence_key(&[&a.seq]));
                let x = trim_single(a, cfg);
                count_trim(&mut m, a, &x);
                keep(&mut m, &mut [(a, x, &mut t1)]);
            }
        }
    }
    let pack = |text: &[u8]| {
        if text.is_empty() {
            Vec::new()
        } else {
            gzip(text)
        }
    };
    Done {
        r1: pack(&t1),
        r2: pack(&t2),
        metrics: m,
    }
}

fn count_trim(m: &mut Metrics, rec: &Record, t: &Trimmed) {
    // A read counts as adapter-trimmed only if the cut removed bases (an overlap can place the
    // insert end exactly at the end of a pre-trimmed read).
    match t.adapter.filter(|_| t.adapter_cut < rec.seq.len()) {
        Some(AdapterFound::Overlap) => m.adapter_by_overlap += 1,
        Some(AdapterFound::Sequence) => m.adapter_by_sequence += 1,
        None => {}
    }
    m.poly_g_trimmed_reads += u64::from(t.poly_g);
    m.adapter_bases += (rec.seq.len() - t.adapter_cut) as u64;
    m.quality_trimmed_bases += (t.adapter_cut - t.kept_len()) as u64;
}

/// Write the reads of one unit (a read or a pair) if every one of them passes.
fn keep(m: &mut Metrics, unit: &mut [(&Record, Trimmed, &mut Vec<u8>)]) {
    m.units_in += 1;
    if unit.iter().any(|(_, t, _)| t.too_short) {
        m.dropped_too_short += 1;
        return;
    }
    if unit.iter().any(|(_, t, _)| t.too_many_n) {
        m.dropped_too_many_n += 1;
        return;
    }
    m.units_out += 1;
    for (rec, t, out) in unit.iter_mut() {
        m.add_output(&rec.seq[t.start..t.end], &rec.qual[t.start..t.end]);
        rec.write_trimmed(t.start, t.end, out);
    }
}
