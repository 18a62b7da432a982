//! Haplotype-aware matching of the alleles that allele-exact matching left over.
//!
//! Some differences in representation survive normalisation: one complex allele against an SNV plus
//! an indel, an indel placed elsewhere in a repeat when no reference was given to left-align it, two
//! overlapping alleles on different haplotypes. What decides whether two call sets agree is the
//! sequence they produce, so (as vcfeval and hap.py's xcmp do) the leftovers of truth and query are
//! grouped into clusters of nearby alleles, and inside a cluster every way of placing each allele on
//! haplotype A, B, both or neither is applied to the reference window. The largest subsets of truth
//! and query whose haplotype pairs are equal are the true positives of the cluster.
//!
//! This first pass ignores genotypes (an allele on one haplotype matches the same allele on both), so
//! a zygosity error is still a TP; a second pass then asks whether the matched alleles also agree
//! when each is placed as its genotype says (het on one haplotype, hom on both), which is the
//! cluster's genotype concordance.
//!
//! Without a reference the window's bases come from the REF alleles in the cluster; a base that no
//! REF allele covers gets a symbol of its own that only equals itself, so an unknown base never makes
//! two different haplotypes look the same (a shift across unknown bases is simply not found).

use std::collections::{BTreeMap, BTreeSet};

use super::variant::{Variant, Zygosity};

/// Above this many alleles on one side the 4^n placements are not tried: the cluster's leftovers
/// stay FP/FN and are counted as skipped.
pub const MAX_CLUSTER_SIDE: usize = 8;

/// The reference bases of a cluster, as symbols: a base is its ASCII code, an unknown base at offset
/// `i` is `256 + i`.
#[derive(Debug, Clone)]
pub struct Window {
    start: u64,
    symbols: Vec<u32>,
}

impl Window {
    /// The window `[start, end)` cut from the contig's sequence.
    pub fn from_reference(seq: &[u8], start: u64, end: u64) -> Self {
        let end = end.min(seq.len() as u64).max(start);
        let symbols = seq[start as usize..end as usize]
            .iter()
            .map(|&b| u32::from(b.to_ascii_uppercase()))
            .collect();
        Self { start, symbols }
    }

    /// The window `[start, end)` pieced together from the REF alleles of `variants`.
    pub fn from_alleles<'a>(
        variants: impl IntoIterator<Item = &'a Variant>,
        start: u64,
        end: u64,
    ) -> Self {
        let mut symbols: Vec<u32> = (0..end - start).map(|i| 256 + i as u32).collect();
        for v in variants {
            for (i, &b) in v.ref_allele.iter().enumerate() {
                let at = (v.pos + i as u64 - start) as usize;
                if symbols[at] >= 256 {
                    symbols[at] = u32::from(b);
                }
            }
        }
        Self { start, symbols }
    }

    fn end(&self) -> u64 {
        self.start + self.symbols.len() as u64
    }

    /// The haplotype made by applying `variants` (sorted, non-overlapping) to the window.
    fn apply(&self, variants: &[&Variant]) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.symbols.len() + 8);
        let mut cursor = self.start;
        for v in variants {
            out.extend_from_slice(
                &self.symbols[(cursor - self.start) as usize..(v.pos - self.start) as usize],
            );
            out.extend(v.alt.iter().map(|&b| u32::from(b)));
            cursor = v.end();
        }
        out.extend_from_slice(&self.symbols[(cursor - self.start) as usize..]);
        out
    }
}

/// Where an allele is placed: bit 0 = haplotype A, bit 1 = haplotype B; 0 = left out.
type Placement = u8;
const ANY: &[Placement] = &[0, 1, 2, 3];

/// The outcome for one cluster: which alleles of each side matched, and whether their genotypes did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMatch {
    pub truth: Vec<bool>,
    pub query: Vec<bool>,
    pub genotypes_agree: bool,
}

/// Match the alleles of one cluster; `None` when a side has more than [`MAX_CLUSTER_SIDE`] alleles or
/// an allele lies outside the window.
pub fn match_cluster(
    truth: &[&Variant],
    query: &[&Variant],
    window: &Window,
) -> Option<ClusterMatch> {
    let fits = |v: &&Variant| v.pos >= window.start && v.end() <= window.end();
    if truth.len() > MAX_CLUSTER_SIDE
        || query.len() > MAX_CLUSTER_SIDE
        || !truth.iter().chain(query).all(fits)
    {
        return None;
    }
    let t = placements(truth, window, &|_| ANY);
    let q = placements(query, window, &|_| ANY);
    let mut best: (usize, u32, u32) = (0, 0, 0);
    for (pair, &(tc, tm)) in &t {
        if let Some(&(qc, qm)) = q.get(pair) {
            if (tc + qc, tm, qm) > best {
                best = (tc + qc, tm, qm);
            }
        }
    }
    let (_, tm, qm) = best;
    let chosen = |vars: &[&Variant], mask: u32| -> Vec<bool> {
        (0..vars.len()).map(|i| mask >> i & 1 == 1).collect()
    };
    let (tsel, qsel) = (chosen(truth, tm), chosen(query, qm));
    let genotypes_agree =
        tm != 0 && genotypes_agree(&select(truth, &tsel), &select(query, &qsel), window);
    Some(ClusterMatch {
        truth: tsel,
        query: qsel,
        genotypes_agree,
    })
}

fn select<'a>(vars: &[&'a Variant], keep: &[bool]) -> Vec<&'a Variant> {
    vars.iter()
        .zip(keep)
        .filter(|(_, &k)| k)
        .map(|(v, _)| *v)
        .collect()
}

/// Whether the matched alleles still give the same haplotypes when each is placed as its genotype says.
fn genotypes_agree(truth: &[&Variant], query: &[&Variant], window: &Window) -> bool {
    let by_gt = |v: &Variant| -> &'static [Placement] {
        match v.zygosity {
            Zygosity::Het => &[1, 2],
            Zygosity::Hom => &[3],
            Zygosity::Unknown => &[1, 2, 3],
        }
    };
    let full = |vars: &[&Variant]| (1u32 << vars.len()) - 1;
    let t = placements(truth, window, &by_gt);
    let q = placements(query, window, &by_gt);
    let tq: BTreeSet<_> = t
        .iter()
        .filter(|(_, &(_, m))| m == full(truth))
        .map(|(k, _)| k)
        .collect();
    q.iter()
        .any(|(k, &(_, m))| m == full(query) && tq.contains(k))
}

type HaplotypePair = (Vec<u32>, Vec<u32>);

/// Every reachable haplotype pair (unordered) with the largest set of alleles (count, bitmask) giving it.
fn placements(
    vars: &[&Variant],
    window: &Window,
    choices: &dyn Fn(&Variant) -> &'static [Placement],
) -> BTreeMap<HaplotypePair, (usize, u32)> {
    let mut out = BTreeMap::new();
    let mut chosen = vec![0; vars.len()];
    place(vars, window, choices, 0, &mut chosen, &mut out);
    out
}

fn place(
    vars: &[&Variant],
    window: &Window,
    choices: &dyn Fn(&Variant) -> &'static [Placement],
    i: usize,
    chosen: &mut Vec<Placement>,
    out: &mut BTreeMap<HaplotypePair, (usize, u32)>,
) {
    if i == vars.len() {
        let hap = |bit: u8| -> Vec<u32> {
            let on: Vec<&Variant> = vars
                .iter()
                .zip(chosen.iter())
                .filter(|(_, &p)| p & bit != 0)
                .map(|(v, _)| *v)
                .collect();
            window.apply(&on)
        };
        let (a, b) = (hap(1), hap(2));
        let key = if a <= b { (a, b) } else { (b, a) };
        let mask = chosen
            .iter()
            .enumerate()
            .filter(|(_, &p)| p != 0)
            .fold(0u32, |m, (j, _)| m | 1 << j);
        let count = mask.count_ones() as usize;
        let entry = out.entry(key).or_insert((count, mask));
        if (count, mask) > *entry {
            *entry = (count, mask);
        }
        return;
    }
    for &p in choices(vars[i]) {
        if p != 0 && overlaps_placed(vars, chosen, i, p) {
            continue;
        }
        chosen[i] = p;
        place(vars, window, choices, i + 1, chosen, out);
    }
    chosen[i] = 0;
}

/// Whether allele `i` placed on `p` would overlap an allele already on one of the same haplotypes.
fn overlaps_placed(vars: &[&Variant], chosen: &[Placement], i: usize, p: Placement) -> bool {
    (0..i).any(|j| chosen[j] & p != 0 && vars[j].end() > vars[i].pos && vars[i].end() > vars[j].pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    //                   0123456789
    const REF: &[u8] = b"GCAAAAATGC";

    fn v(pos: u64, r: &str, a: &str, zygosity: Zygosity) -> Variant {
        Variant {
            pos,
            ref_allele: r.into(),
            alt: a.into(),
            zygosity,
            record: 0,
        }
    }

    #[test]
    fn unknown_bases_only_equal_themselves() {
        let a = v(1, "C", "T", Zygosity::Het);
        let b = v(5, "A", "G", Zygosity::Het);
        let w = Window::from_alleles([&a, &b], 1, 6);
        assert_eq!(w.symbols, [u32::from(b'C'), 257, 258, 259, u32::from(b'A')]);
        assert_eq!(
            w.apply(&[&b]),
            [u32::from(b'C'), 257, 258, 259, u32::from(b'G')]
        );
    }

    #[test]
    fn overlapping_alleles_go_on_different_haplotypes() {
        use Zygosity::Het;
        // A deletion of AA in the A run and an SNV inside it, necessarily on the other haplotype;
        // the query writes the deletion one base to the left.
        let truth = [v(2, "AAA", "A", Het), v(3, "A", "G", Het)];
        let query = [v(1, "CAA", "C", Het), v(3, "A", "G", Het)];
        let w = Window::from_reference(REF, 1, 6);
        let t: Vec<&Variant> = truth.iter().collect();
        let q: Vec<&Variant> = query.iter().collect();
        let m = match_cluster(&t, &q, &w).unwrap();
        assert_eq!(
            m,
            ClusterMatch {
                truth: vec![true, true],
                query: vec![true, true],
                genotypes_agree: true
            }
        );
        // Called homozygous, the SNV cannot share a haplotype with the deletion: alleles match,
        // genotypes do not.
        let query = [v(1, "CAA", "C", Het), v(3, "A", "G", Zygosity::Hom)];
        let q: Vec<&Variant> = query.iter().collect();
        let m = match_cluster(&t, &q, &w).unwrap();
        assert!(m.truth.iter().all(|&x| x) && !m.genotypes_agree);
    }

    #[test]
    fn oversized_clusters_are_not_tried() {
        let many: Vec<Variant> = (0..=MAX_CLUSTER_SIDE as u64)
            .map(|i| v(i, "A", "C", Zygosity::Het))
            .collect();
        let refs: Vec<&Variant> = many.iter().collect();
        let w = Window::from_alleles(refs.iter().copied(), 0, many.len() as u64);
        assert!(match_cluster(&refs, &refs[..1], &w).is_none());
    }
}
