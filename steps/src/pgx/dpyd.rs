//! DPYD's own calling rules (PharmCAT's): DPYD is a "least function" gene.
//!
//! Phased (or effectively phased) data is first matched exactly, as for any gene. Otherwise, or
//! when no single diplotype fits, DPYD is reported as the *list* of named alleles found on any
//! strand (reference blanks are not filled in, so each allele is judged on its own variants), the
//! reference allele dropped once more than two alleles are found, homozygous alleles listed twice;
//! the phenotype then uses the two lowest-function alleles. HapB3 (`c.1129-5923C>G, c.1236G>A`) is
//! called from its intronic position (the exonic one only when the intronic one is missing) and
//! merged in afterwards.

use super::definition::GeneDefinition;
use super::matcher::{combination_name, matches, ordered, MatchData, Options};
use super::vcf::SampleGenotypes;

pub const HAPB3: &str = "c.1129-5923C>G, c.1236G>A (HapB3)";
const EXONIC: &str = "rs56038477";
const INTRONIC: &str = "rs75017182";
const HAPB3_RSIDS: [&str; 2] = [EXONIC, INTRONIC];

/// What DPYD matching found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpydCall {
    /// An exact diplotype (phased data).
    Diplotype(String, String),
    /// Alleles found on some strand; the phenotype uses the two lowest-function ones.
    Haplotypes(Vec<String>),
    /// Nothing matched.
    None,
}

/// The HapB3 call per strand (`true` = carries HapB3), or `None` when its positions are missing.
fn hapb3_call(
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    warnings: &mut Vec<String>,
) -> Option<Vec<bool>> {
    let hap = def.alleles.iter().find(|a| a.name == HAPB3)?;
    let strands = |rsid: &str| {
        let i = def
            .loci
            .iter()
            .position(|l| l.rsid.as_deref() == Some(rsid))?;
        let want = hap.alleles[i].as_ref()?;
        let sa = geno.alleles.get(&def.loci[i].key())?;
        let mut v = vec![&sa.allele1 == want];
        if let Some(a2) = &sa.allele2 {
            v.push(a2 == want);
        }
        Some(v)
    };
    match (strands(INTRONIC), strands(EXONIC)) {
        (Some(intron), Some(exon)) => {
            let count = |v: &Vec<bool>| v.iter().filter(|x| **x).count();
            if count(&intron) != count(&exon) {
                warnings.push("DPYD HapB3: the intronic (rs75017182) and exonic (rs56038477) calls disagree; \
                               the intronic call is used"
                    .into());
            }
            Some(intron)
        }
        (Some(intron), None) => Some(intron),
        (None, Some(exon)) => {
            warnings.push(
                "DPYD HapB3: called from the exonic position only (rs75017182 missing)".into(),
            );
            Some(exon)
        }
        (None, None) => None,
    }
}

/// Calls DPYD; `warnings` collects HapB3 notes.
pub fn call(
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    warnings: &mut Vec<String>,
) -> (MatchData, DpydCall) {
    let orig = MatchData::new(
        def,
        geno,
        Options {
            assume_reference: true,
            ..Options::default()
        },
    );
    if orig.positions.is_empty() {
        return (orig, DpydCall::None);
    }
    let hapb3 = HapB3::call(def, geno, warnings);
    let skip_alleles = [HAPB3];
    let options = |assume_reference| match hapb3.strands {
        None => Options {
            assume_reference,
            ..Options::default()
        },
        Some(_) => Options {
            assume_reference,
            skip_alleles: &skip_alleles,
            skip_rsids: &HAPB3_RSIDS,
        },
    };
    let combo = MatchData::new(def, geno, options(false));
    if orig.effectively_phased() {
        let working = MatchData::new(def, geno, options(true));
        if let Some(call) = phased_call(&working, &combo, &hapb3) {
            return (orig, call);
        }
    }
    (orig, listed(&combo, &hapb3))
}

/// HapB3 per strand, when its positions were genotyped.
struct HapB3 {
    strands: Option<Vec<bool>>,
}

impl HapB3 {
    fn call(def: &GeneDefinition, geno: &SampleGenotypes, warnings: &mut Vec<String>) -> Self {
        Self {
            strands: hapb3_call(def, geno, warnings),
        }
    }

    fn carriers(&self) -> usize {
        self.strands
            .as_ref()
            .map_or(0, |v| v.iter().filter(|x| **x).count())
    }

    /// Called on a diploid genotype with at least one copy.
    fn present(&self) -> bool {
        self.strands.as_ref().is_some_and(|v| v.len() == 2) && self.carriers() > 0
    }
}

/// Effectively phased data: the one exact diplotype (HapB3 merged in), or each strand named by
/// the alleles it carries.
fn phased_call(working: &MatchData, combo: &MatchData, hapb3: &HapB3) -> Option<DpydCall> {
    let found = working.diplotypes(false);
    if let [d] = found.as_slice() {
        let (h1, h2) = match (&hapb3.strands, hapb3.present()) {
            (Some(v), true) => merge_phased(working, &d.hap1, &d.hap2, v),
            _ => (d.hap1.clone(), d.hap2.clone()),
        };
        return Some(DpydCall::Diplotype(h1, h2));
    }
    let strands = hapb3.strands.as_deref().filter(|_| hapb3.present());
    strand_names(combo, strands).map(|(a, b)| DpydCall::Diplotype(a, b))
}

/// Unphased data: every allele found on some strand (homozygous ones twice, the reference dropped
/// once more than two alleles are found), then HapB3 copies.
fn listed(combo: &MatchData, hapb3: &HapB3) -> DpydCall {
    let present = hapb3.present();
    let mut found: Vec<(String, bool, bool)> = combo
        .haplotype_matches()
        .into_iter()
        .map(|(h, _)| {
            let hap = &combo.haps[h];
            let hom = homozygous_carrier(combo, h) && !(hap.reference && present);
            (hap.name.clone(), hap.reference, hom)
        })
        .collect();
    if found.len() + hapb3.carriers() > 2 {
        found.retain(|(_, reference, _)| !reference);
    }
    let mut list = Vec::new();
    for (name, _, hom) in found {
        if hom {
            list.push(name.clone());
        }
        list.push(name);
    }
    if present {
        list.extend(std::iter::repeat_n(HAPB3.to_string(), hapb3.carriers()));
    }
    if list.is_empty() {
        DpydCall::None
    } else {
        DpydCall::Haplotypes(list)
    }
}

/// Phased data that no single pair of alleles explains: each strand is named by every allele it
/// carries (`[A + B]` for several, the reference for none), HapB3 added where called.
fn strand_names(data: &MatchData, hapb3: Option<&[bool]>) -> Option<(String, String)> {
    let strand = |first: bool| -> Vec<String> {
        data.sample
            .iter()
            .map(|s| {
                if first {
                    s.allele1.clone()
                } else {
                    s.allele2.clone().unwrap_or_else(|| ".".into())
                }
            })
            .collect()
    };
    let name = |seq: &[String], carries: bool| -> Option<String> {
        let mut names: Vec<&str> = data
            .haps
            .iter()
            .filter(|h| !h.reference && matches(&h.alleles, seq))
            .map(|h| h.name.as_str())
            .collect();
        if carries {
            names.push(HAPB3);
        }
        let reference = data.haps.iter().find(|h| h.reference);
        match names.len() {
            0 => reference
                .filter(|r| matches(&r.alleles, seq))
                .map(|r| r.name.clone()),
            1 => Some(names[0].to_string()),
            _ => Some(combination_name(names)),
        }
    };
    let on = |i: usize| hapb3.is_some_and(|v| v.get(i).copied().unwrap_or(false));
    let a = name(&strand(true), on(0))?;
    let b = name(&strand(false), on(1))?;
    Some(ordered(a, b))
}

/// Both strands carry every defined allele of haplotype `h`.
fn homozygous_carrier(data: &MatchData, h: usize) -> bool {
    let hap = &data.haps[h];
    data.sample.iter().zip(&hap.alleles).all(|(sa, cell)| {
        let carries = |a: &str| matches(std::slice::from_ref(cell), &[a.to_string()]);
        carries(&sa.allele1) && sa.allele2.as_deref().is_some_and(carries)
    })
}

/// Adds HapB3 to the strand(s) that carry it in a phased diplotype.
fn merge_phased(data: &MatchData, h1: &str, h2: &str, hapb3: &[bool]) -> (String, String) {
    let strand1: Vec<String> = data.sample.iter().map(|s| s.allele1.clone()).collect();
    let hap1_on_strand1 = data
        .haps
        .iter()
        .find(|h| h.name == h1)
        .is_some_and(|h| matches(&h.alleles, &strand1));
    let (on1, on2) = if h1 == h2 || hapb3.iter().all(|x| *x) || hap1_on_strand1 {
        let mut v = hapb3.to_vec();
        if h1 == h2 {
            v.sort();
        }
        (v[0], v[1])
    } else {
        (hapb3[1], hapb3[0])
    };
    let reference = data
        .haps
        .iter()
        .find(|h| h.reference)
        .map(|h| h.name.as_str());
    let add = |name: &str, carries: bool| -> String {
        match carries {
            false => name.to_string(),
            true if Some(name) == reference => HAPB3.to_string(),
            true => combination_name(vec![name, HAPB3]),
        }
    };
    ordered(add(h1, on1), add(h2, on2))
}

#[cfg(test)]
#[path = "dpyd_tests.rs"]
mod tests;
