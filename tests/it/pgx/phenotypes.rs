//! Phenotypes and recommendations beyond the PharmCAT example: a G6PD table in PharmCAT's format
//! (male rows keyed by one allele) turns a male chrX call into a phenotype and its guidance; a
//! gene without a table is called but its guidelines are listed as unavailable, never guessed;
//! outside calls for genes PharmCAT only takes from outside (MT-RNR1, HLA-A) reach their
//! guidelines, including CPIC's `No Result` rows for a gene of a pair that was not called.

use std::path::{Path, PathBuf};

use cairn_steps::pgx::output::PgxResult;
use cairn_steps::pgx::{self, Knowledge, PgxArgs};

use super::generated::{strand_allele, vcf_text, Case};
use super::oracle::Gt;
use super::shared_pgx;

/// A male sample carrying `allele` on his one X, every other gene absent.
fn male_g6pd(k: &Knowledge, allele: &str, dir: &Path) -> PathBuf {
    let def = &k.definitions.genes["G6PD"];
    let a = def
        .alleles
        .iter()
        .position(|x| x.name == allele)
        .expect("allele");
    let case = Case {
        label: allele.into(),
        truth: vec![allele.into()],
        gts: (0..def.loci.len())
            .map(|i| {
                Some(Gt {
                    a1: strand_allele(def, a, i),
                    a2: None,
                    phased: false,
                })
            })
            .collect(),
        all_alts: false,
        trimmed: false,
    };
    let path = dir.join(format!("male_{a}.vcf"));
    std::fs::write(&path, vcf_text(def, &case)).expect("vcf");
    path
}

fn run(k: &Knowledge, vcf: PathBuf, outside: Option<PathBuf>) -> PgxResult {
    let args = PgxArgs {
        vcf,
        definitions: PathBuf::new(),
        sample: None,
        outside_calls: outside,
        missing_to_ref: false,
        out: PathBuf::new(),
    };
    pgx::compute_with(k, &args).expect("compute")
}

/// Rows as PharmCAT's G6PD table writes them: one allele for a male, two for a female.
const G6PD_TABLE: &str = r#"{"gene":"G6PD",
  "haplotypes":{"B (reference)":"Normal","A- 202A_376G":"Deficient"},
  "diplotypes":[
    {"generesult":"Normal","lookupkey":"Normal","diplotypekey":{"B (reference)":1}},
    {"generesult":"Deficient","lookupkey":"Deficient","diplotypekey":{"A- 202A_376G":1}},
    {"generesult":"Normal","lookupkey":"Normal","diplotypekey":{"B (reference)":2}}]}"#;

#[test]
fn male_g6pd_gets_phenotype_and_guidance_from_a_pharmcat_table() {
    let Some(dir) = shared_pgx() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut k = Knowledge::load(&dir).expect("knowledge");
    // without a G6PD table (the shared data has none): called, guidance listed as unavailable
    let r = run(&k, male_g6pd(&k, "A- 202A_376G", tmp.path()), None);
    let g6pd = r.genes.iter().find(|g| g.gene == "G6PD").expect("G6PD");
    assert_eq!(g6pd.diplotypes[0].name, "A- 202A_376G");
    assert!(g6pd.phenotypes.is_empty());
    let blocked: Vec<&str> = r
        .recommendations_unavailable
        .iter()
        .filter(|u| u.genes_without_phenotype.iter().any(|g| g == "G6PD"))
        .map(|u| u.guideline.as_str())
        .collect();
    assert!(
        blocked.iter().any(|g| g.contains("primaquine")),
        "{blocked:?}"
    );
    // with one: the male row gives the phenotype and primaquine's recommendation
    let table = serde_json::from_str(G6PD_TABLE).expect("table");
    k.phenotypes.genes.insert("G6PD".into(), table);
    for (allele, phenotype) in [("A- 202A_376G", "Deficient"), ("B (reference)", "Normal")] {
        let r = run(&k, male_g6pd(&k, allele, tmp.path()), None);
        let g6pd = r.genes.iter().find(|g| g.gene == "G6PD").expect("G6PD");
        assert_eq!(g6pd.diplotypes[0].name, allele);
        assert!(g6pd.diplotypes[0].allele2.is_none());
        assert_eq!(g6pd.phenotypes, [phenotype]);
        let primaquine = r
            .recommendations
            .iter()
            .find(|x| x.drugs.iter().any(|d| d == "primaquine"))
            .expect("primaquine recommendation");
        assert_eq!(primaquine.genes["G6PD"], phenotype);
    }
}

#[test]
fn outside_only_genes_reach_their_guidelines() {
    let Some(dir) = shared_pgx() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = Knowledge::load(&dir).expect("knowledge");
    let calls = tmp.path().join("outside.tsv");
    std::fs::write(
        &calls,
        "MT-RNR1\tm.1555A>G\nHLA-A\t*31:01/*02:01\nCYP2D6\t*1/*4\tIntermediate Metabolizer\t1.0\n",
    )
    .expect("tsv");
    let vcf = dir.join("example/pharmcat.example.vcf");
    let r = run(&k, vcf, Some(calls));
    let gene = |name: &str| r.genes.iter().find(|g| g.gene == name).expect("gene");
    assert_eq!(
        gene("MT-RNR1").phenotypes,
        ["increased risk of aminoglycoside-induced hearing loss"]
    );
    assert_eq!(gene("HLA-A").phenotypes, ["*31:01 positive"]);
    assert_eq!(gene("CYP2D6").activity_scores, ["1.0"]);
    let drugs = |d: &str| -> Vec<&std::collections::BTreeMap<String, String>> {
        r.recommendations
            .iter()
            .filter(|x| x.drugs.iter().any(|y| y == d))
            .map(|x| &x.genes)
            .collect()
    };
    assert!(!drugs("amikacin").is_empty());
    // HLA-B not called: carbamazepine uses CPIC's rows for HLA-B "No Result"
    let cbz = drugs("carbamazepine");
    assert!(!cbz.is_empty());
    assert!(cbz
        .iter()
        .all(|k| k["HLA-B"] == "No Result" && k["HLA-A"] == "*31:01 positive"));
    assert!(!drugs("codeine").is_empty());
}

#[test]
fn definitions_dir_of_a_pharmcat_layout_finds_tables_above_it() {
    let Some(dir) = shared_pgx() else { return };
    let k = Knowledge::load(&dir.join("definition/alleles")).expect("knowledge");
    assert!(k.phenotypes.genes.contains_key("CYP2C19"));
    assert!(!k.guidelines.genes().is_empty());
}
