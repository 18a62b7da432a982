//! PharmCAT's own matcher cases that come with their own definition files (wobble scoring, a
//! mismatched REF), and the sites VCF against PharmCAT's `pharmcat_positions.vcf`.

use std::collections::BTreeSet;

use cairn_steps::pgx::{self, Knowledge};

use super::{call_file, shared_pgx};

/// PharmCAT's wobble-scoring case (NamedAlleleMatcherTest.testWobbleScoring, on its CYP2D6 test
/// definitions): a wobble cell filled by the reference allele does not score, so `*1/*12` ties
/// `*1/*2` instead of beating it.
#[test]
fn wobble_matched_by_reference_does_not_score() {
    let Some(dir) = shared_pgx() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = dir.join("test_vcfs/haplotype/NamedAlleleMatcher-cyp2d6.json");
    std::fs::copy(&src, tmp.path().join("CYP2D6_translation.json")).expect("copy");
    let defs = pgx::definition::Definitions::load(tmp.path()).expect("definitions");
    let def = &defs.genes["CYP2D6"];
    let variant = |rsid: &str| match rsid {
        "rs1135840" => Some(("C", "G")),
        "rs16947" => Some(("G", "A")),
        "rs1058164" => Some(("G", "G")),
        _ => None,
    };
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n",
    );
    for l in def
        .loci
        .iter()
        .filter(|l| l.rsid.as_deref() != Some("rs5030862"))
    {
        let rsid = l.rsid.clone().unwrap_or_default();
        let (a1, a2) = variant(&rsid).unwrap_or((&l.r#ref, &l.r#ref));
        let mut alleles = vec![l.r#ref.clone()];
        alleles.extend(l.alts.iter().cloned());
        for a in [a1, a2] {
            if !alleles.iter().any(|x| x == a) {
                alleles.push(a.to_string());
            }
        }
        let idx = |a: &str| alleles.iter().position(|x| x == a).unwrap_or(0);
        let alt = if alleles.len() > 1 {
            alleles[1..].join(",")
        } else {
            ".".into()
        };
        vcf.push_str(&format!(
            "{}\t{}\t{rsid}\t{}\t{alt}\t.\tPASS\t.\tGT\t{}|{}\n",
            l.chromosome,
            l.position,
            l.r#ref,
            idx(a1),
            idx(a2)
        ));
    }
    let path = tmp.path().join("wobble.vcf");
    std::fs::write(&path, vcf).expect("vcf");
    let geno = pgx::vcf::read(&path, None, &pgx::sites(&defs)).expect("read");
    let opts = pgx::matcher::Options {
        assume_reference: true,
        ..Default::default()
    };
    let data = pgx::matcher::MatchData::new(def, &geno, opts);
    let names: Vec<String> = data.diplotypes(true).iter().map(|d| d.name()).collect();
    assert_eq!(names, ["*1/*2", "*1/*12"]);
}

/// PharmCAT test VCFs that come with their own definition file (NamedAlleleMatcherTest.testCall and
/// testMismatchedRefAlleleWarnings): the call, and the REF-mismatch warnings at the right positions.
#[test]
fn own_definition_cases_agree_with_pharmcat() {
    let Some(dir) = shared_pgx() else { return };
    let base = dir.join("test_vcfs/haplotype");
    let cases = [
        (
            "haplotyper.json",
            "CYP3A5",
            "haplotyper.vcf",
            "*1/*2",
            vec![],
        ),
        (
            "NamedAlleleMatcher-mismatchedRefAllele.json",
            "CYP2C9",
            "NamedAlleleMatcher-mismatchedRefAllele.vcf",
            "*1/*2",
            vec!["chr10:94942205", "chr10:94949281"],
        ),
    ];
    for (json, gene, vcf, want, mismatched) in cases {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::copy(
            base.join(json),
            tmp.path().join(format!("{gene}_translation.json")),
        )
        .expect("copy");
        let k = Knowledge::load(tmp.path()).expect("knowledge");
        let geno = pgx::vcf::read(&base.join(vcf), None, &pgx::sites(&k.definitions)).expect("vcf");
        let warned: Vec<&str> = geno
            .warnings
            .iter()
            .filter(|(_, w)| {
                w.iter()
                    .any(|m| m.contains("does not match the definition's reference"))
            })
            .map(|(key, _)| key.as_str())
            .collect();
        assert_eq!(warned, mismatched, "{vcf}");
        let got = call_file(&k, &base.join(vcf), gene);
        println!("{vcf}: {}", got.join(" | "));
        assert_eq!(got, [want], "{vcf}");
    }
}

/// The sites VCF written from the definitions lists the same positions, REF and ALT alleles as
/// PharmCAT's own `pharmcat_positions.vcf` (a check of the definition loader, and the input for
/// forced-site genotyping).
#[test]
fn sites_vcf_matches_pharmcat_positions() {
    let Some(dir) = shared_pgx() else { return };
    let defs = pgx::definition::Definitions::load(&dir).expect("definitions");
    let ours = pgx::sites::sites_vcf(&defs);
    // PharmCAT's file also lists positions of genes it has no allele definitions for (F5)
    let defined = |l: &str| {
        let genes = l
            .split('\t')
            .nth(7)
            .and_then(|i| i.strip_prefix("PX="))
            .unwrap_or_default();
        // extra (reported-only) positions are ours alone: PharmCAT's file leaves them out
        !l.contains(";POI") && genes.split([',', ';']).any(|g| defs.genes.contains_key(g))
    };
    let key = |l: &str| {
        let f: Vec<&str> = l.split('\t').collect();
        let mut alts: Vec<&str> = f[4].split(',').collect();
        alts.sort_unstable();
        format!("{}:{} {} {}", f[0], f[1], f[3], alts.join(","))
    };
    let set = |text: &str| -> BTreeSet<String> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty() && defined(l))
            .map(key)
            .collect()
    };
    let theirs =
        set(&std::fs::read_to_string(dir.join("pharmcat_positions.vcf")).expect("positions"));
    let ours = set(&ours);
    let only_theirs: Vec<&String> = theirs.difference(&ours).collect();
    let only_ours: Vec<&String> = ours.difference(&theirs).collect();
    println!(
        "{} positions; only PharmCAT: {only_theirs:?}; only Cairn: {only_ours:?}",
        theirs.len()
    );
    assert!(only_theirs.is_empty() && only_ours.is_empty());
    // the file is itself a valid all-reference input
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("sites.vcf");
    std::fs::write(&path, pgx::sites::sites_vcf(&defs)).expect("write");
    let geno = pgx::vcf::read(&path, None, &pgx::sites(&defs)).expect("reads");
    assert_eq!(geno.alleles.len(), pgx::sites(&defs).len());
}
