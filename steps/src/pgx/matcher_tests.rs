use std::collections::BTreeMap;

use super::*;
use crate::pgx::definition::NamedAlleleDef;

fn locus(pos: u64, r: &str, alt: &str) -> Locus {
    Locus {
        chromosome: "chr1".into(),
        position: pos,
        rsid: None,
        chromosome_hgvs_name: None,
        r#ref: r.into(),
        alts: vec![alt.into()],
    }
}

fn allele(name: &str, cells: &[&str], reference: bool) -> NamedAlleleDef {
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

/// *1 reference; *2 = T at 10; *3 = G at 20; *4 = T at 10 and G at 20; *10 = A at 30.
fn gene() -> GeneDefinition {
    GeneDefinition {
        gene: "G".into(),
        version: None,
        source: None,
        chromosome: "chr1".into(),
        genome_build: None,
        loci: vec![
            locus(10, "C", "T"),
            locus(20, "A", "G"),
            locus(30, "G", "A"),
        ],
        alleles: vec![
            allele("*1", &["C", "A", "G"], true),
            allele("*2", &["T", "", ""], false),
            allele("*3", &["", "G", ""], false),
            allele("*4", &["T", "G", ""], false),
            allele("*10", &["", "", "A"], false),
        ],
        extra_positions: Vec::new(),
        all_hits: false,
    }
}

fn genotypes(gts: &[(u64, &str, &str, &str)]) -> SampleGenotypes {
    let mut alleles = BTreeMap::new();
    for &(pos, a1, a2, sep) in gts {
        let sa = SampleAllele {
            chromosome: "chr1".into(),
            position: pos,
            allele1: a1.into(),
            allele2: Some(a2.into()),
            phased: sep == "|",
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

fn call(gts: &[(u64, &str, &str, &str)]) -> Vec<String> {
    let opts = Options {
        assume_reference: true,
        ..Options::default()
    };
    MatchData::new(&gene(), &genotypes(gts), opts)
        .diplotypes(true)
        .iter()
        .map(Diplotype::name)
        .collect()
}

#[test]
fn reference_sample_is_star1_homozygous() {
    assert_eq!(
        call(&[
            (10, "C", "C", "/"),
            (20, "A", "A", "/"),
            (30, "G", "G", "/")
        ]),
        ["*1/*1"]
    );
}

#[test]
fn unphased_double_het_prefers_the_higher_score() {
    // *1/*4 (3 + 2) beats *2/*3 (1 + 1)
    assert_eq!(
        call(&[
            (10, "C", "T", "/"),
            (20, "A", "G", "/"),
            (30, "G", "G", "/")
        ]),
        ["*1/*4"]
    );
}

#[test]
fn phased_trans_double_het_is_star2_star3() {
    assert_eq!(
        call(&[
            (10, "T", "C", "|"),
            (20, "A", "G", "|"),
            (30, "G", "G", "|")
        ]),
        ["*2/*3"]
    );
}

#[test]
fn missing_position_is_dropped_and_reported() {
    let g = genotypes(&[(10, "C", "T", "/"), (30, "G", "G", "/")]);
    let data = MatchData::new(
        &gene(),
        &g,
        Options {
            assume_reference: true,
            ..Options::default()
        },
    );
    assert_eq!(
        data.missing.iter().map(|l| l.position).collect::<Vec<_>>(),
        [20]
    );
    // *3 has nothing left to match and is dropped; *2 and *4 now look alike: both listed
    assert!(data.haps.iter().all(|h| h.name != "*3"));
    let names: Vec<String> = data.diplotypes(true).iter().map(Diplotype::name).collect();
    assert_eq!(names, ["*1/*2", "*1/*4"]);
}

#[test]
fn sequences_follow_phase() {
    let g = genotypes(&[(10, "C", "T", "/"), (20, "A", "G", "/")]);
    let d = MatchData::new(&gene(), &g, Options::default());
    assert_eq!(d.sequences.len(), 4);
    let g = genotypes(&[(10, "C", "T", "|"), (20, "A", "G", "|")]);
    assert_eq!(
        MatchData::new(&gene(), &g, Options::default())
            .sequences
            .len(),
        2
    );
}

#[test]
fn wobble_codes_and_natural_order() {
    assert!(matches(&[Some("R".into())], &["G".into()]));
    assert!(!matches(&[Some("R".into())], &["T".into()]));
    assert_eq!(natural_cmp("*2", "*10"), Ordering::Less);
    assert_eq!(natural_cmp("*10", "*10A"), Ordering::Less);
    assert_eq!(hap_order(true, "*38", false, "*1"), Ordering::Less);
}

#[test]
fn haploid_calls_are_single_haplotypes() {
    let mut g = genotypes(&[
        (10, "T", "T", "/"),
        (20, "A", "A", "/"),
        (30, "G", "G", "/"),
    ]);
    for sa in g.alleles.values_mut() {
        sa.allele2 = None;
    }
    let opts = Options {
        assume_reference: true,
        ..Options::default()
    };
    let found = MatchData::new(&gene(), &g, opts).diplotypes(true);
    assert_eq!(
        found.iter().map(Diplotype::name).collect::<Vec<_>>(),
        ["*2"]
    );
}

#[test]
fn phase_sets_flip_independently() {
    let mut g = genotypes(&[
        (10, "C", "T", "|"),
        (20, "G", "A", "|"),
        (30, "G", "A", "|"),
    ]);
    assert_eq!(
        MatchData::new(&gene(), &g, Options::default())
            .sequences
            .len(),
        2
    );
    g.alleles.get_mut("chr1:30").expect("site").phase_set = Some("2".into());
    for key in ["chr1:10", "chr1:20"] {
        g.alleles.get_mut(key).expect("site").phase_set = Some("1".into());
    }
    let d = MatchData::new(&gene(), &g, Options::default());
    assert_eq!(d.sequences.len(), 4);
    assert!(d
        .sequences
        .contains(&vec!["C".to_string(), "G".into(), "A".into()]));
}
