//! DPYD against PharmCAT's own DPYD cases (NamedAlleleMatcherTest, on its `NamedAlleleMatcher-dpyd.json`
//! test definitions): VCFs are built the way PharmCAT's TestVcfBuilder does (every definition
//! position hom-ref unless set; listed positions left out).

use std::path::PathBuf;

use cairn_steps::pgx::{self, Knowledge, PgxArgs};

use super::shared_pgx;

struct Case {
    phased: bool,
    /// rsid -> (allele 1, allele 2)
    set: &'static [(&'static str, &'static str, &'static str)],
    missing: &'static [&'static str],
}

fn build_vcf(def: &pgx::definition::GeneDefinition, case: &Case) -> String {
    let sep = if case.phased { "|" } else { "/" };
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n",
    );
    for l in &def.loci {
        let rsid = l.rsid.clone().unwrap_or_default();
        if case.missing.contains(&rsid.as_str()) {
            continue;
        }
        let (a1, a2) = case
            .set
            .iter()
            .find(|(r, _, _)| *r == rsid)
            .map(|(_, a, b)| (a.to_string(), b.to_string()))
            .unwrap_or((l.r#ref.clone(), l.r#ref.clone()));
        let mut alleles = vec![l.r#ref.clone()];
        alleles.extend(l.alts.iter().cloned());
        let idx = |a: &str| {
            alleles
                .iter()
                .position(|x| x == a)
                .expect("allele in definition")
        };
        let alt = if alleles.len() > 1 {
            alleles[1..].join(",")
        } else {
            ".".to_string()
        };
        vcf.push_str(&format!(
            "{}\t{}\t{rsid}\t{}\t{alt}\t.\tPASS\t.\tGT\t{}{sep}{}\n",
            l.chromosome,
            l.position,
            l.r#ref,
            idx(&a1),
            idx(&a2)
        ));
    }
    vcf
}

/// (diplotype names, DPYD haplotype list) for a case.
fn run(case: &Case) -> Option<(Vec<String>, Vec<String>)> {
    let dir = shared_pgx()?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = dir.join("test_vcfs/haplotype/NamedAlleleMatcher-dpyd.json");
    std::fs::copy(src, tmp.path().join("DPYD_translation.json")).expect("copy");
    let k = Knowledge::load(tmp.path()).expect("knowledge");
    let vcf = tmp.path().join("case.vcf");
    std::fs::write(&vcf, build_vcf(&k.definitions.genes["DPYD"], case)).expect("vcf");
    let args = PgxArgs {
        vcf,
        definitions: PathBuf::new(),
        sample: None,
        outside_calls: None,
        missing_to_ref: false,
        out: PathBuf::new(),
    };
    let result = pgx::compute_with(&k, &args).expect("compute");
    let g = result
        .genes
        .into_iter()
        .find(|g| g.gene == "DPYD")
        .expect("DPYD");
    Some((
        g.diplotypes.into_iter().map(|d| d.name).collect(),
        g.haplotypes,
    ))
}

fn diplotype(case: Case, want: &str) {
    if let Some((got, list)) = run(&case) {
        assert_eq!(got, [want], "haplotype list {list:?}");
        assert!(list.is_empty(), "an exact call needs no list: {list:?}");
    }
}

#[test]
fn effectively_phased_single_het() {
    diplotype(
        Case {
            phased: false,
            set: &[("rs80081766", "C", "T")],
            missing: &[],
        },
        "Reference/c.62G>A",
    );
}

#[test]
fn effectively_phased_combination_on_both_strands() {
    let set = &[
        ("rs61622928", "T", "T"),
        ("rs1801159", "C", "C"),
        ("rs1801265", "A", "G"),
    ];
    diplotype(
        Case {
            phased: false,
            set,
            missing: &[],
        },
        "[c.85T>C (*9A) + c.1218G>A + c.1627A>G (*5)]/[c.1218G>A + c.1627A>G (*5)]",
    );
}

#[test]
fn phased_cis_pair_is_a_combination() {
    let set = &[("rs80081766", "C", "T"), ("rs114096998", "G", "T")];
    diplotype(
        Case {
            phased: true,
            set,
            missing: &[],
        },
        "Reference/[c.62G>A + c.3067C>A]",
    );
}

#[test]
fn phased_double_with_hapb3() {
    let set = &[
        ("rs75017182", "G", "C"),
        ("rs56038477", "C", "T"),
        ("rs80081766", "T", "T"),
        ("rs114096998", "T", "T"),
    ];
    diplotype(
        Case {
            phased: true,
            set,
            missing: &[],
        },
        "[c.62G>A + c.1129-5923C>G, c.1236G>A (HapB3) + c.3067C>A]/[c.62G>A + c.3067C>A]",
    );
}

#[test]
fn phased_homozygous_combination() {
    let set = &[("rs80081766", "T", "T"), ("rs114096998", "T", "T")];
    diplotype(
        Case {
            phased: true,
            set,
            missing: &[],
        },
        "[c.62G>A + c.3067C>A]/[c.62G>A + c.3067C>A]",
    );
}

#[test]
fn effectively_phased_combination_with_missing_positions() {
    let missing = &[
        "rs148799944",
        "rs140114515",
        "rs1801268",
        "rs72547601",
        "rs72547602",
        "rs141044036",
        "rs147545709",
        "rs55674432",
        "rs146529561",
        "rs137999090",
        "rs138545885",
        "rs55971861",
        "rs72549303",
        "rs147601618",
        "rs145773863",
        "rs138616379",
        "rs148994843",
        "rs138391898",
        "rs111858276",
        "rs72549304",
        "rs142512579",
        "rs764666241",
        "rs140602333",
        "rs78060119",
        "rs143154602",
        "rs72549306",
        "rs145112791",
        "rs150437414",
        "rs1801266",
        "rs72549307",
        "rs72549308",
        "rs139834141",
        "rs141462178",
        "rs150385342",
        "rs72549309",
        "rs80081766",
        "rs150036960",
    ];
    let set = &[("rs1801159", "C", "C"), ("rs1801265", "A", "G")];
    diplotype(
        Case {
            phased: false,
            set,
            missing,
        },
        "c.1627A>G (*5)/[c.85T>C (*9A) + c.1627A>G (*5)]",
    );
}

#[test]
fn unphased_hets_are_listed() {
    let set = &[("rs80081766", "C", "T"), ("rs114096998", "G", "T")];
    if let Some((_, list)) = run(&Case {
        phased: false,
        set,
        missing: &[],
    }) {
        assert_eq!(list, ["c.62G>A", "c.3067C>A"]);
    }
}

#[test]
fn unphased_homozygous_allele_is_listed_twice() {
    let set = &[
        ("rs72547601", "C", "C"),
        ("rs67376798", "A", "T"),
        ("rs60139309", "T", "C"),
    ];
    if let Some((_, list)) = run(&Case {
        phased: false,
        set,
        missing: &[],
    }) {
        assert_eq!(list, ["c.2582A>G", "c.2846A>T", "c.2933A>G", "c.2933A>G"]);
    }
}
