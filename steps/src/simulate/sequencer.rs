//! What the sequencer makes of a fragment: the bases it reads (running into the adapter when the
//! insert is short) and the FASTQ record it writes.

/// What read 1 sees after a short fragment: the TruSeq read-1 adapter, an index, then P7.
pub const ADAPTER_1: &[u8] = b"AGATCGGAAGAGCACACGTCTGAACTCCAGTCACATCACGATCTCGTATGCCGTCTTCTGCTTG";
/// What read 2 sees: the TruSeq read-2 adapter, then P5.
pub const ADAPTER_2: &[u8] = b"AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGTAGATCTCGGTGGTCGCCGTATCATT";

/// The first `len` bases a sequencer reads from `strand`: the insert, then adapter, then `A`s.
pub fn read_through(strand: &[u8], adapter: &[u8], len: usize, out: &mut Vec<u8>) {
    out.clear();
    out.extend(
        strand
            .iter()
            .chain(adapter)
            .copied()
            .chain(std::iter::repeat(b'A'))
            .take(len),
    );
}

pub use crate::seq::complement;

/// Append one FASTQ record: `@<prefix>:<n>[/<mate>][<comment>]`, bases, `+`, Phred+33 qualities.
pub fn write_record(
    out: &mut Vec<u8>,
    (prefix, n): (&str, u64),
    mate: u8,
    (identical, comment): (bool, &str),
    (seq, qual): (&[u8], &[u8]),
) {
    out.push(b'@');
    out.extend_from_slice(prefix.as_bytes());
    out.push(b':');
    out.extend_from_slice(n.to_string().as_bytes());
    if !identical {
        out.extend_from_slice(if mate == 1 { b"/1" } else { b"/2" });
    }
    out.extend_from_slice(comment.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(seq);
    out.extend_from_slice(b"\n+\n");
    out.extend(qual.iter().map(|&q| q + 33));
    out.push(b'\n');
}
