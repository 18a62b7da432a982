//! gVCF-style reference blocks (`--ref-blocks`): what the caller saw where it called nothing.
//!
//! Without them, a position absent from a VCF is ambiguous: reference, or never looked at? With
//! them, every position of a called region is either in a variant record or in a block that
//! says "0/0 at GQ >= g with DP >= d" (or `./.` with DP=0 where no read covered it), so a cohort
//! merge can fill 0/0 only where the sample was truly assessed. Consecutive positions join one
//! block while their GQ stays in one band and their depth is within a factor of 2.
//!
//! The hom-ref GQ of a position comes from its pileup: with r reference and n other bases at an
//! assumed per-base error e = 1e-3, GQ = 10 * (log10 L(0/0) - log10 L(0/1) - log10 theta),
//! where L(0/1) puts half of each base on an unseen alternate allele; capped at 99.

use super::candidate::RefWindow;
use super::pileup::Discovery;

/// GQ band edges: a block never spans two bands.
const BANDS: [u32; 7] = [1, 10, 20, 30, 40, 60, 99];

/// A run of positions with no call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub pos: i64,
    /// Inclusive end.
    pub end: i64,
    pub base: u8,
    pub min_gq: u32,
    pub min_dp: u32,
}

impl Block {
    pub fn line(&self, chrom: &str) -> String {
        let sample = if self.min_dp == 0 {
            "./.:.:0:.:.".to_string()
        } else {
            format!("0/0:{}:{}:.:.", self.min_gq, self.min_dp)
        };
        format!(
            "{chrom}\t{}\t.\t{}\t<*>\t.\tPASS\tEND={}\tGT:GQ:DP:AD:PL\t{sample}\n",
            self.pos + 1,
            self.base as char,
            self.end + 1
        )
    }
}

/// The hom-ref GQ of a position with `r` reference and `n` other bases.
pub fn hom_ref_gq(r: u32, n: u32, theta: f64) -> u32 {
    if r == 0 {
        return 0;
    }
    let e: f64 = 1e-3;
    let l00 = f64::from(r) * (1.0 - e).log10() + f64::from(n) * (e / 3.0).log10();
    let l01 = f64::from(r + n) * 0.5f64.log10();
    (10.0 * (l00 - l01 - theta.log10())).clamp(0.0, 99.0) as u32
}

fn band(gq: u32) -> usize {
    BANDS.iter().take_while(|&&b| gq >= b).count()
}

/// Blocks over `[start, end)`, skipping the reference spans `covered` (sorted, half-open).
pub fn reference_blocks(
    d: &Discovery,
    refw: &RefWindow,
    start: i64,
    end: i64,
    covered: &[(i64, i64)],
    theta: f64,
) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut cov = covered.iter().peekable();
    let mut open: Option<(Block, usize)> = None;
    for pos in start..end {
        while cov.peek().is_some_and(|c| c.1 <= pos) {
            cov.next();
        }
        let in_variant = cov.peek().is_some_and(|c| c.0 <= pos);
        let i = (pos - d.from) as usize;
        let (dp, r) = (
            d.depth.get(i).copied().unwrap_or(0),
            d.ref_depth.get(i).copied().unwrap_or(0),
        );
        let gq = hom_ref_gq(r, dp - r, theta);
        let joins = open.as_ref().is_some_and(|(b, bd)| {
            b.end + 1 == pos
                && *bd == band(gq)
                && (dp == 0) == (b.min_dp == 0)
                && dp <= 2 * b.min_dp.max(1)
        });
        if in_variant || !joins {
            out.extend(open.take().map(|(b, _)| b));
        }
        if in_variant {
            continue;
        }
        match open.as_mut() {
            Some((b, _)) => {
                b.end = pos;
                b.min_gq = b.min_gq.min(gq);
                b.min_dp = b.min_dp.min(dp);
            }
            None => {
                let base = refw.base(pos).unwrap_or(b'N');
                open = Some((
                    Block {
                        pos,
                        end: pos,
                        base,
                        min_gq: gq,
                        min_dp: dp,
                    },
                    band(gq),
                ));
            }
        }
    }
    out.extend(open.map(|(b, _)| b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hom_ref_gq_grows_with_reference_reads_and_falls_with_others() {
        assert_eq!(hom_ref_gq(0, 0, 1e-3), 0);
        assert!(hom_ref_gq(10, 0, 1e-3) > hom_ref_gq(3, 0, 1e-3));
        assert!(hom_ref_gq(10, 3, 1e-3) < hom_ref_gq(10, 0, 1e-3));
    }

    #[test]
    fn blocks_split_on_variants_depth_and_gaps_in_coverage() {
        let refw = RefWindow {
            start: 0,
            seq: b"ACGTACGTAC".to_vec(),
        };
        let depth = vec![20, 20, 20, 20, 20, 0, 0, 20, 20, 20];
        let d = Discovery {
            candidates: vec![],
            from: 0,
            ref_depth: depth.clone(),
            depth,
        };
        let blocks = reference_blocks(&d, &refw, 0, 10, &[(2, 4)], 1e-3);
        let spans: Vec<_> = blocks.iter().map(|b| (b.pos, b.end, b.min_dp)).collect();
        assert_eq!(spans, vec![(0, 1, 20), (4, 4, 20), (5, 6, 0), (7, 9, 20)]);
        assert_eq!(
            blocks[2].line("c"),
            "c\t6\t.\tC\t<*>\t.\tPASS\tEND=7\tGT:GQ:DP:AD:PL\t./.:.:0:.:.\n"
        );
    }
}
