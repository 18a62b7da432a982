//! A second, deliberately naive implementation of PharmCAT's diplotype rule, used to check the
//! matcher on generated samples: instead of expanding the sample into phase permutations and
//! matching alleles to them (what `pgx::matcher` does), it takes every pair of named alleles and
//! asks whether that pair can produce the sample's genotypes, position by position.
//!
//! The rule it encodes (PharmCAT's NamedAlleleMatcher, default options): positions without a
//! genotype are dropped, so are alleles left with no defined cell; blank cells of non-reference
//! alleles are the reference allele's; a pair's score is the defined cells of both alleles (a
//! wobble cell the sample fills with the reference base does not count); the top score wins and
//! ties are all kept (all pairs when the gene asks for all hits). A haploid sample (male chrX) is
//! matched one allele at a time.

use std::collections::BTreeSet;

use cairn_steps::pgx::definition::GeneDefinition;

/// One position's genotype: the two alleles (the second absent when haploid), phased or not.
#[derive(Debug, Clone)]
pub struct Gt {
    pub a1: String,
    pub a2: Option<String>,
    pub phased: bool,
}

/// IUPAC codes as base sets (a plain base is itself).
pub fn bases(code: &str) -> &'static str {
    match code {
        "R" => "AG",
        "Y" => "CT",
        "S" => "CG",
        "W" => "AT",
        "K" => "GT",
        "M" => "AC",
        "B" => "CGT",
        "D" => "AGT",
        "H" => "ACT",
        "V" => "ACG",
        "N" => "ACGT",
        _ => "",
    }
}

pub fn is_wobble(cell: &str) -> bool {
    !bases(cell).is_empty()
}

/// Does a definition cell accept a sample allele?
fn accepts(cell: &str, allele: &str) -> bool {
    cell == allele || (is_wobble(cell) && allele.len() == 1 && bases(cell).contains(allele))
}

/// A named allele restricted to the present positions.
struct Restricted {
    name: String,
    /// (cell after reference filling, was defined, is a wobble).
    cells: Vec<(String, bool, bool)>,
}

fn restrict(def: &GeneDefinition, present: &[usize]) -> Vec<Restricted> {
    let reference = def.reference();
    def.alleles
        .iter()
        .filter(|a| present.iter().any(|&i| a.alleles[i].is_some()))
        .map(|a| Restricted {
            name: a.name.clone(),
            cells: present
                .iter()
                .map(|&i| match &a.alleles[i] {
                    Some(c) => (c.clone(), true, is_wobble(c)),
                    None => {
                        let r = reference.alleles[i].clone();
                        let r = r.filter(|r| !is_wobble(r) || a.reference);
                        (r.unwrap_or_else(|| def.loci[i].r#ref.clone()), false, false)
                    }
                })
                .collect(),
        })
        .collect()
}

/// Score of allele `x` carrying `alleles` (one per present position), or `None` if it cannot.
fn strand_score(x: &Restricted, alleles: &[&str], refs: &[&str]) -> Option<usize> {
    let mut score = 0;
    for ((cell, defined, wobble), (a, r)) in x.cells.iter().zip(alleles.iter().zip(refs)) {
        if !accepts(cell, a) {
            return None;
        }
        if *defined && !(*wobble && a == r) {
            score += 1;
        }
    }
    Some(score)
}

/// Best score of the pair (x on one strand, y on the other) over every phase assignment the
/// genotypes allow: phased heterozygous positions flip together, unphased ones each on their own.
fn pair_score(x: &Restricted, y: &Restricted, gts: &[&Gt], refs: &[&str]) -> Option<usize> {
    let mut best = None;
    for flip_phased in [false, true] {
        // unphased positions are independent: pick per position whichever orientation fits
        let mut sx = Vec::with_capacity(gts.len());
        let mut sy = Vec::with_capacity(gts.len());
        for (i, g) in gts.iter().enumerate() {
            let a2 = g.a2.as_deref().unwrap_or(&g.a1);
            let (p, q) = if g.phased && flip_phased {
                (a2, g.a1.as_str())
            } else {
                (g.a1.as_str(), a2)
            };
            let (cx, cy) = (&x.cells[i].0, &y.cells[i].0);
            let straight = accepts(cx, p) && accepts(cy, q);
            let crossed = accepts(cx, q) && accepts(cy, p);
            let (p, q) = match (straight, crossed, g.phased) {
                (true, _, true) | (true, false, false) => (p, q),
                (false, true, false) => (q, p),
                // both fit: the orientation that scores more (a wobble on the reference base
                // does not score)
                (true, true, false) => {
                    let gain = |a: &str, b: &str| {
                        usize::from(!(x.cells[i].2 && a == refs[i]))
                            + usize::from(!(y.cells[i].2 && b == refs[i]))
                    };
                    if gain(q, p) > gain(p, q) {
                        (q, p)
                    } else {
                        (p, q)
                    }
                }
                _ => {
                    sx.clear();
                    break;
                }
            };
            sx.push(p);
            sy.push(q);
        }
        if sx.len() != gts.len() {
            continue;
        }
        if let (Some(a), Some(b)) = (strand_score(x, &sx, refs), strand_score(y, &sy, refs)) {
            best = best.max(Some(a + b));
        }
    }
    best
}

/// The diplotypes (unordered name pairs; one name for a haploid call) PharmCAT's rule gives.
pub fn expected(def: &GeneDefinition, gts: &[Option<Gt>]) -> BTreeSet<Vec<String>> {
    let present: Vec<usize> = (0..gts.len()).filter(|&i| gts[i].is_some()).collect();
    let sample: Vec<&Gt> = present.iter().filter_map(|&i| gts[i].as_ref()).collect();
    let refs: Vec<&str> = present
        .iter()
        .map(|&i| def.loci[i].r#ref.as_str())
        .collect();
    if sample.is_empty() {
        return BTreeSet::new();
    }
    // an allele can only be part of a pair if it accepts one of the two alleles everywhere
    let haps: Vec<Restricted> = restrict(def, &present)
        .into_iter()
        .filter(|x| {
            x.cells.iter().zip(&sample).all(|((cell, _, _), g)| {
                accepts(cell, &g.a1) || g.a2.as_deref().is_some_and(|a2| accepts(cell, a2))
            })
        })
        .collect();
    let mut scored: Vec<(usize, Vec<String>)> = Vec::new();
    if sample.iter().all(|g| g.a2.is_none()) {
        let strand: Vec<&str> = sample.iter().map(|g| g.a1.as_str()).collect();
        for x in &haps {
            if let Some(s) = strand_score(x, &strand, &refs) {
                scored.push((s, vec![x.name.clone()]));
            }
        }
    } else {
        let het = sample
            .iter()
            .any(|g| g.a2.as_deref().is_some_and(|a2| a2 != g.a1));
        for (i, x) in haps.iter().enumerate() {
            for y in &haps[i..] {
                if let Some(s) = pair_score(x, y, &sample, &refs) {
                    // an allele pairs with itself on a heterozygous sample only when a wobble
                    // lets it carry both alleles
                    if het && x.name == y.name && !carries_both(x, &sample) {
                        continue;
                    }
                    let mut names = vec![x.name.clone(), y.name.clone()];
                    names.sort();
                    scored.push((s, names));
                }
            }
        }
    }
    let top = scored.iter().map(|(s, _)| *s).max();
    scored
        .into_iter()
        .filter(|(s, _)| def.all_hits || Some(*s) == top)
        .map(|(_, n)| n)
        .collect()
}

fn carries_both(x: &Restricted, gts: &[&Gt]) -> bool {
    gts.iter().zip(&x.cells).all(|(g, (cell, _, _))| {
        accepts(cell, &g.a1) && g.a2.as_deref().is_none_or(|a2| accepts(cell, a2))
    })
}
