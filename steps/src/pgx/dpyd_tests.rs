use std::collections::BTreeMap;

use super::*;
use crate::pgx::definition::{Locus, NamedAlleleDef};
use crate::pgx::vcf::SampleAllele;

fn locus(pos: u64, rsid: &str, r: &str, alt: &str) -> Locus {
    Locus {
        chromosome: "chr1".into(),
        position: pos,
        rsid: Some(rsid.into()),
        chromosome_hgvs_name: None,
        r#ref: r.into(),
        alts: vec![alt.into()],
    }
}

fn allele(name: &str, cells: [&str; 4], reference: bool) -> NamedAlleleDef {
    let alleles = cells
        .iter()
        .map(|c| (!c.is_empty()).then(|| c.to_string()))
        .collect();
    NamedAlleleDef {
        name: name.into(),
        id: None,
        alleles,
        reference,
    }
}

/// Reference; A (pos 10); B (pos 20); HapB3 (exonic 30 + intronic 40).
fn dpyd() -> GeneDefinition {
    GeneDefinition {
        gene: "DPYD".into(),
        version: None,
        source: None,
        chromosome: "chr1".into(),
        genome_build: None,
        loci: vec![
            locus(10, "rsA", "C", "T"),
            locus(20, "rsB", "G", "A"),
            locus(30, EXONIC, "C", "T"),
            locus(40, INTRONIC, "G", "C"),
        ],
        alleles: vec![
            allele("Reference", ["C", "G", "C", "G"], true),
            allele("A", ["T", "", "", ""], false),
            allele("B", ["", "A", "", ""], false),
            allele(HAPB3, ["", "", "T", "C"], false),
        ],
        extra_positions: Vec::new(),
        all_hits: false,
    }
}

/// Genotypes at positions 10, 20, 30, 40 as `a1 a2` pairs, phased or not.
fn geno(calls: [(&str, &str); 4], phased: bool) -> SampleGenotypes {
    let mut alleles = BTreeMap::new();
    for (pos, (a1, a2)) in [10u64, 20, 30, 40].into_iter().zip(calls) {
        let sa = SampleAllele {
            chromosome: "chr1".into(),
            position: pos,
            allele1: a1.into(),
            allele2: Some(a2.into()),
            phased,
            gt: String::new(),
            undocumented: Vec::new(),
            phase_set: None,
        };
        alleles.insert(format!("chr1:{pos}"), sa);
    }
    SampleGenotypes {
        sample: "s".into(),
        alleles,
        ..SampleGenotypes::default()
    }
}

fn run(calls: [(&str, &str); 4], phased: bool) -> DpydCall {
    call(&dpyd(), &geno(calls, phased), &mut Vec::new()).1
}

fn dip(a: &str, b: &str) -> DpydCall {
    DpydCall::Diplotype(a.into(), b.into())
}

#[test]
fn single_het_is_an_exact_diplotype() {
    assert_eq!(
        run([("C", "T"), ("G", "G"), ("C", "C"), ("G", "G")], false),
        dip("A", "Reference")
    );
}

#[test]
fn unphased_double_het_is_a_list_without_reference() {
    let got = run([("C", "T"), ("G", "A"), ("C", "C"), ("G", "G")], false);
    assert_eq!(got, DpydCall::Haplotypes(vec!["A".into(), "B".into()]));
}

#[test]
fn homozygous_allele_is_listed_twice() {
    let got = run([("T", "T"), ("G", "A"), ("C", "T"), ("G", "C")], false);
    let want = ["A", "A", "B", HAPB3].map(String::from).to_vec();
    assert_eq!(got, DpydCall::Haplotypes(want));
}

#[test]
fn effectively_phased_without_exact_match_names_each_strand() {
    // one heterozygous position: the strands are known, one carries A and B together
    let got = run([("T", "T"), ("G", "A"), ("C", "C"), ("G", "G")], false);
    assert_eq!(got, dip("A", "[A + B]"));
}

#[test]
fn phased_cis_variants_form_a_combination() {
    let got = run([("T", "C"), ("A", "G"), ("C", "C"), ("G", "G")], true);
    assert_eq!(got, dip("Reference", "[A + B]"));
}

#[test]
fn hapb3_from_intronic_variant_merges_into_the_call() {
    // intronic het only: effectively phased; HapB3 added to the reference strand
    let got = run([("C", "C"), ("G", "G"), ("C", "C"), ("G", "C")], false);
    assert_eq!(got, dip("Reference", HAPB3));
    // unphased HapB3 het plus a het allele: list
    let got = run([("C", "T"), ("G", "G"), ("C", "T"), ("G", "C")], false);
    assert_eq!(got, DpydCall::Haplotypes(vec!["A".into(), HAPB3.into()]));
    // phased: HapB3 on the second strand, A on the first
    let got = run([("T", "C"), ("G", "G"), ("C", "T"), ("G", "C")], true);
    assert_eq!(got, dip("A", HAPB3));
}

#[test]
fn exonic_disagreement_is_warned() {
    let mut warnings = Vec::new();
    call(
        &dpyd(),
        &geno([("C", "C"), ("G", "G"), ("C", "T"), ("G", "G")], false),
        &mut warnings,
    );
    assert!(
        warnings.iter().any(|w| w.contains("disagree")),
        "{warnings:?}"
    );
}
