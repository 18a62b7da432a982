//! A tumour sample: the germline genome plus somatic variants carried by a fraction of its cells.
//!
//! Each somatic variant sits on one haplotype and is carried by a fraction of all cells in the
//! sample (its cell fraction: purity for clonal variants, purity x subclone size for subclonal
//! ones), so its expected allele fraction is half that. Cells are modelled as nested groups: sort
//! the distinct cell fractions t1 < t2 < ...; the cells in [0, t1) carry every variant, those in
//! [t1, t2) all but the rarest, and so on, down to the normal cells that carry none (a linear
//! phylogeny, as in a trunk with one subclone). Each group is two haplotypes, weighted by its
//! share of cells, and the read sampler draws from them like from any other haplotypes.

use std::path::Path;

use rand::{Rng, RngCore};

use super::genome::Contig;
use super::given::read_records;
use super::haplotype::{apply, Haplotype};
use super::variants::{plant, Variant, VariantRates};
use crate::{Result, StepError};

/// A somatic variant and the fraction of all cells in the sample that carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Somatic {
    pub variant: Variant,
    pub cell_fraction: f64,
}

impl Somatic {
    /// Expected fraction of reads at the site that carry the variant.
    pub fn allele_fraction(&self) -> f64 {
        self.cell_fraction * self.variant.on.iter().filter(|&&x| x).count() as f64 / 2.0
    }
}

/// Tumour composition.
#[derive(Debug, Clone, Copy)]
pub struct TumourModel {
    /// Fraction of cells that are tumour cells.
    pub purity: f64,
    /// Fraction of tumour cells in the subclone.
    pub subclone_size: f64,
    /// Fraction of somatic variants private to the subclone.
    pub subclonal_share: f64,
}

/// Bases kept between a somatic variant and any germline variant.
const GERMLINE_GAP: usize = 10;

/// Random somatic SNVs and indels (heterozygous, on one haplotype each), away from germline ones.
pub fn plant_somatic(
    contigs: &[Contig],
    germline: &[Variant],
    rates: VariantRates,
    model: TumourModel,
    rng: &mut impl RngCore,
) -> Vec<Somatic> {
    let rates = VariantRates {
        hom_fraction: 0.0,
        ..rates
    };
    plant(contigs, rates, rng)
        .into_iter()
        .filter(|v| !near_germline(v, germline))
        .map(|variant| {
            let subclonal = rng.random::<f64>() < model.subclonal_share;
            let cell_fraction = model.purity * if subclonal { model.subclone_size } else { 1.0 };
            Somatic {
                variant,
                cell_fraction,
            }
        })
        .collect()
}

/// Keep `snvs` SNVs and `indels` indels (when given) of `planted`, drawn evenly at random and
/// returned in genome order; a kind with fewer variants than asked keeps them all.
pub fn keep_counts(
    planted: Vec<Somatic>,
    snvs: Option<usize>,
    indels: Option<usize>,
    rng: &mut impl RngCore,
) -> Vec<Somatic> {
    let is_snv = |s: &Somatic| s.variant.reference.len() == 1 && s.variant.alt.len() == 1;
    let mut keep = vec![true; planted.len()];
    for (want, snv) in [(snvs, true), (indels, false)] {
        let Some(n) = want else { continue };
        let mut idx: Vec<usize> = (0..planted.len())
            .filter(|&i| is_snv(&planted[i]) == snv)
            .collect();
        // Partial Fisher-Yates: the first `n` are the draw.
        for i in 0..n.min(idx.len()) {
            let j = rng.random_range(i..idx.len());
            idx.swap(i, j);
        }
        for &i in idx.iter().skip(n) {
            keep[i] = false;
        }
    }
    planted
        .into_iter()
        .zip(keep)
        .filter_map(|(s, k)| k.then_some(s))
        .collect()
}

/// Somatic variants from a VCF: `GT` says which haplotypes carry each (none: `0|1`) and `INFO/AF`
/// its expected allele fraction. Cell fractions are rounded to 1% so that at most 100 cell groups
/// (200 haplotypes) are built.
pub fn read_somatic(
    path: &Path,
    contigs: &mut [Contig],
    germline: &[Variant],
    plant_ref: bool,
) -> Result<Vec<Somatic>> {
    let records = read_records(path, contigs, plant_ref)?;
    records
        .into_iter()
        .map(|r| {
            let at = |msg: String| {
                StepError::input(format!("{}: line {}: {msg}", path.display(), r.line))
            };
            let af = r.af.ok_or_else(|| {
                at("a somatic record needs INFO/AF, its expected allele fraction".into())
            })?;
            let copies = r.variant.on.iter().filter(|&&x| x).count() as f64;
            let cell_fraction = (af * 2.0 / copies * 100.0).round() / 100.0;
            if !(cell_fraction > 0.0 && cell_fraction <= 1.0) {
                return Err(at(format!(
                    "AF {af} is out of reach for GT {} (at most {}); use GT 1|1 for AF above 0.5",
                    r.variant.genotype(),
                    copies / 2.0
                )));
            }
            if overlaps_germline(&r.variant, germline) {
                return Err(at(
                    "the somatic variant overlaps a germline variant on the same haplotype".into(),
                ));
            }
            Ok(Somatic {
                variant: r.variant,
                cell_fraction,
            })
        })
        .collect()
}

fn overlaps_germline(v: &Variant, germline: &[Variant]) -> bool {
    germline.iter().any(|g| {
        g.contig == v.contig
            && (0..2).any(|h| g.on[h] && v.on[h])
            && g.pos < v.end()
            && v.pos < g.end()
    })
}

/// Whether `v` overlaps or crowds a germline variant (`germline` sorted by contig and position).
fn near_germline(v: &Variant, germline: &[Variant]) -> bool {
    let start = v.pos.saturating_sub(GERMLINE_GAP + 100_000);
    let first = germline.partition_point(|g| (g.contig, g.pos) < (v.contig, start));
    germline[first..]
        .iter()
        .take_while(|g| g.contig == v.contig && g.pos <= v.end() + GERMLINE_GAP)
        .any(|g| g.end() + GERMLINE_GAP > v.pos)
}

/// The tumour sample's haplotypes and the share of fragments each contributes.
pub fn haplotypes(
    contigs: &[Contig],
    germline: &[Variant],
    somatic: &[Somatic],
) -> (Vec<Haplotype>, Vec<f64>) {
    let mut bounds: Vec<f64> = somatic
        .iter()
        .map(|s| s.cell_fraction.clamp(0.0, 1.0))
        .collect();
    bounds.extend([0.0, 1.0]);
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    let (mut haps, mut weights) = (Vec::new(), Vec::new());
    for group in bounds.windows(2) {
        let (from, width) = (group[0], group[1] - group[0]);
        for h in 0..2 {
            let mut vars: Vec<&Variant> = germline.iter().filter(|v| v.on[h]).collect();
            vars.extend(
                somatic
                    .iter()
                    .filter(|s| s.variant.on[h] && s.cell_fraction > from)
                    .map(|s| &s.variant),
            );
            vars.sort_by_key(|v| (v.contig, v.pos));
            haps.push(apply(contigs, vars));
            weights.push(width);
        }
    }
    (haps, weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::genome::random_reference;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn var(pos: usize, alt: &[u8], on: [bool; 2]) -> Variant {
        Variant {
            contig: 0,
            pos,
            reference: b"A".to_vec(),
            alt: alt.to_vec(),
            on,
        }
    }

    #[test]
    fn nested_cell_groups_give_the_expected_allele_fractions() {
        let contigs = [Contig {
            name: "c".into(),
            seq: b"A".repeat(40),
        }];
        let germline = [var(5, b"G", [true, true])];
        let somatic = [
            Somatic {
                variant: var(20, b"C", [true, false]),
                cell_fraction: 0.6,
            },
            Somatic {
                variant: var(30, b"T", [false, true]),
                cell_fraction: 0.2,
            },
        ];
        let (haps, weights) = haplotypes(&contigs, &germline, &somatic);
        assert_eq!(weights.len(), 6);
        let total: f64 = weights.iter().sum();
        let vaf = |pos: usize, base: u8| -> f64 {
            haps.iter()
                .zip(&weights)
                .filter(|(h, _)| h.contigs[0][pos] == base)
                .map(|(_, w)| w)
                .sum::<f64>()
                / total
        };
        assert!((vaf(20, b'C') - 0.3).abs() < 1e-9);
        assert!((vaf(30, b'T') - 0.1).abs() < 1e-9);
        assert!((vaf(5, b'G') - 1.0).abs() < 1e-9);
    }

    #[test]
    fn exact_counts_keep_an_even_draw_in_genome_order() {
        let planted: Vec<Somatic> = (0..10)
            .map(|i| Somatic {
                variant: var(10 * i, if i % 2 == 0 { b"C" } else { b"AT" }, [true, false]),
                cell_fraction: 0.6,
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let kept = keep_counts(planted.clone(), Some(3), Some(1), &mut rng);
        let snvs = kept.iter().filter(|s| s.variant.alt.len() == 1).count();
        assert_eq!((snvs, kept.len() - snvs), (3, 1));
        assert!(kept.windows(2).all(|w| w[0].variant.pos < w[1].variant.pos));
        assert_eq!(
            keep_counts(planted.clone(), None, Some(9), &mut rng).len(),
            10
        );
    }

    #[test]
    fn given_somatic_variants_need_a_reachable_allele_fraction() {
        let mut contigs = vec![Contig {
            name: "c".into(),
            seq: b"ACGTACGTACGTACGTACGT".to_vec(),
        }];
        let germline = [Variant {
            contig: 0,
            pos: 4,
            reference: b"A".to_vec(),
            alt: b"G".to_vec(),
            on: [false, true],
        }];
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let head = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n";
        std::io::Write::write_all(
            &mut f,
            format!("{head}c\t2\t.\tC\tT\t.\t.\tAF=0.15\nc\t9\t.\tA\tC\t.\t.\tAF=0.8\tGT\t1|1\n")
                .as_bytes(),
        )
        .unwrap();
        let s = read_somatic(f.path(), &mut contigs, &germline, false).unwrap();
        assert_eq!((s[0].cell_fraction, s[0].allele_fraction()), (0.3, 0.15));
        assert_eq!((s[1].cell_fraction, s[1].allele_fraction()), (0.8, 0.8));
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(
            &mut f,
            format!("{head}c\t2\t.\tC\tT\t.\t.\tAF=0.7\nc\t5\t.\tA\tT\t.\t.\tAF=0.1\n").as_bytes(),
        )
        .unwrap();
        let e = read_somatic(f.path(), &mut contigs, &germline, false).unwrap_err();
        assert!(
            e.message
                .contains("line 2: AF 0.7 is out of reach for GT 0|1"),
            "{}",
            e.message
        );
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(
            &mut f,
            format!("{head}c\t5\t.\tA\tT\t.\t.\tAF=0.1\n").as_bytes(),
        )
        .unwrap();
        let e = read_somatic(f.path(), &mut contigs, &germline, false).unwrap_err();
        assert!(
            e.message.contains("overlaps a germline variant"),
            "{}",
            e.message
        );
    }

    #[test]
    fn somatic_variants_avoid_germline_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let contigs = random_reference(200_000, 1, &mut rng);
        let rates = VariantRates {
            snv: 2e-3,
            indel: 2e-4,
            hom_fraction: 0.3,
            max_indel: 20,
        };
        let germline = plant(&contigs, rates, &mut rng);
        let model = TumourModel {
            purity: 0.8,
            subclone_size: 0.25,
            subclonal_share: 0.5,
        };
        let somatic = plant_somatic(&contigs, &germline, rates, model, &mut rng);
        assert!(somatic.len() > 200, "{}", somatic.len());
        for s in &somatic {
            assert!(!near_germline(&s.variant, &germline));
            assert_eq!(
                s.variant.on.iter().filter(|&&x| x).count(),
                1,
                "heterozygous"
            );
            assert!(s.cell_fraction == 0.8 || (s.cell_fraction - 0.2).abs() < 1e-12);
        }
        let (_, weights) = haplotypes(&contigs, &germline, &somatic);
        assert_eq!(weights.len(), 6, "normal, subclone and trunk-only cells");
    }
}
