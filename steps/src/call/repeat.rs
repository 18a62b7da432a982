//! Tandem repeats around candidates: how far a haplotype window must reach.
//!
//! Inside a tandem repeat, haplotypes that differ by whole repeat units read the same; only bases
//! beyond both ends of the repeat tell them apart. Aligners write one allele in several ways there
//! depending on where a read ends (an (AT)n insertion as a deletion two bases on, a GC insertion
//! in a (GA)n as a C mismatch), so a window that stops inside the repeat lets every read fit the
//! right and the wrong candidate equally, and neither is called.

use super::candidate::{Candidate, RefWindow};

/// Longest repeat unit considered when widening a window to the end of a tandem repeat.
const MAX_PERIOD: i64 = 6;
/// Furthest a window is widened past a candidate to reach the end of its repeat: a short read
/// cannot span both ends of a longer repeat, so reaching further only costs scoring time.
const MAX_REPEAT_REACH: i64 = 100;

/// The reference stretch `[start, end)` over which the haplotypes of `group` (sorted candidates)
/// can differ: every candidate's own sliding range and the whole tandem repeat around it. Each
/// candidate's `shift_end` only covers its own sliding, but two events of one repeat (a 1 bp
/// insertion and a 1 bp deletion in an (AT)n, a GC insertion and a C SNV in a (GA)n: aligners write
/// one allele both ways depending on where a read ends) make haplotypes that agree base for base
/// inside the repeat, up to a shift of whole units; only read bases past both of its ends tell
/// them apart, so the window must reach both.
pub fn window_extent(group: &[Candidate], refw: &RefWindow) -> (i64, i64) {
    let start = group
        .iter()
        .map(|c| c.pos.min(repeat_start(refw, c.end())))
        .min()
        .unwrap_or(0);
    let end = group
        .iter()
        .map(|c| c.end().max(c.shift_end).max(repeat_end(refw, c.pos + 1)))
        .max()
        .unwrap_or(0);
    (start, end)
}

/// End (exclusive) of the tandem repeat that begins at `from`: the furthest position the
/// reference keeps repeating itself with some period up to [`MAX_PERIOD`] (at most
/// [`MAX_REPEAT_REACH`] away).
pub fn repeat_end(refw: &RefWindow, from: i64) -> i64 {
    let limit = (from + MAX_REPEAT_REACH).min(refw.end());
    (1..=MAX_PERIOD)
        .map(|k| {
            let mut e = from + k;
            while e < limit && refw.base(e).is_some() && refw.base(e) == refw.base(e - k) {
                e += 1;
            }
            e.min(limit.max(from))
        })
        .max()
        .unwrap_or(from)
}

/// Start of the tandem repeat that ends at `to` (exclusive): the mirror of [`repeat_end`].
pub fn repeat_start(refw: &RefWindow, to: i64) -> i64 {
    let limit = (to - MAX_REPEAT_REACH).max(refw.start);
    (1..=MAX_PERIOD)
        .map(|k| {
            let mut s = to - k;
            while s > limit
                && refw.base(s - 1).is_some()
                && refw.base(s - 1) == refw.base(s - 1 + k)
            {
                s -= 1;
            }
            s.max(limit.min(to))
        })
        .min()
        .unwrap_or(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reaches_the_end_of_its_tandem_repeat() {
        // GGC, then (AT)x8, then CCG: from the first A the repeat runs 16 bases.
        let w = RefWindow {
            start: 100,
            seq: b"GGCATATATATATATATATCCGGTACCA".to_vec(),
        };
        assert_eq!(repeat_end(&w, 103), 119);
        assert_eq!(repeat_start(&w, 119), 103);
        // Outside a repeat the window grows by a few bases only.
        assert!(repeat_end(&w, 120) - 120 <= 8);
        assert!(102 - repeat_start(&w, 102) <= 8);
    }
}
