use super::*;

fn site() -> SiteOfInterest {
    SiteOfInterest {
        reference: "C".into(),
        alts: vec!["T".into()],
        undocumented_as_reference: false,
    }
}

fn rec(alt: &str, gt: &str) -> Record {
    let line = format!("10\t5\t.\tC\t{alt}\t.\tPASS\t.\tGT\t{gt}");
    Record::parse(&line, 9).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn reads_phased_het_and_no_call() {
    let sa = genotype(&rec("T", "1|0"), &site())
        .ok()
        .flatten()
        .expect("called");
    assert_eq!(
        (sa.allele1.as_str(), sa.allele2.as_deref(), sa.phased),
        ("T", Some("C"), true)
    );
    assert_eq!(sa.chromosome, "chr10");
    assert!(matches!(genotype(&rec("T", "./."), &site()), Ok(None)));
    assert!(matches!(genotype(&rec("T", "./0"), &site()), Ok(None)));
}

#[test]
fn undocumented_alt_can_read_as_reference() {
    let mut s = site();
    let sa = genotype(&rec("G", "0/1"), &s)
        .ok()
        .flatten()
        .expect("called");
    assert_eq!(
        (sa.allele2.as_deref(), sa.undocumented.len()),
        (Some("G"), 1)
    );
    s.undocumented_as_reference = true;
    let sa = genotype(&rec("G", "0/1"), &s)
        .ok()
        .flatten()
        .expect("called");
    assert_eq!(sa.allele2.as_deref(), Some("C"));
}

#[test]
fn malformed_genotype_is_an_error() {
    assert!(matches!(
        genotype(&rec("T", "0/2"), &site()),
        Err(GtError::Malformed(_))
    ));
    assert!(matches!(
        genotype(&rec("T", "a/1"), &site()),
        Err(GtError::Malformed(_))
    ));
}

#[test]
fn reads_gzip_and_chooses_the_named_sample() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.vcf.gz");
    let text =
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n\
                chr10\t5\t.\tC\tT\t.\tPASS\t.\tGT:DP\t0/0:9\t1|1:7\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    std::fs::write(&path, gz.finish().expect("gzip")).expect("write");
    let sites = HashMap::from([("chr10:5".to_string(), site())]);
    let g = read(&path, Some("B"), &sites).expect("reads");
    assert_eq!(g.sample, "B");
    let sa = &g.alleles["chr10:5"];
    assert_eq!((sa.allele1.as_str(), sa.gt.as_str()), ("T", "1|1"));
    let first = read(&path, None, &sites).expect("first sample");
    assert_eq!(first.sample, "A");
    assert!(first.warnings["VCF"][0].contains("--sample"));
}

#[test]
fn older_builds_are_recognized_in_the_header() {
    let p = Path::new("x.vcf");
    assert!(check_build(p, "reference=file:///ref/hs37d5.fa").is_err());
    assert!(check_build(p, "reference=file:///ref/human_g1k_v37.fasta").is_err());
    assert!(check_build(p, "contig=<ID=1,length=249250621>").is_err());
    assert!(check_build(p, "contig=<ID=chr1,length=248956422,assembly=GRCh38>").is_ok());
    assert!(check_build(p, "INFO=<ID=DB,Description=\"dbSNP hg19 membership\">").is_ok());
}

#[test]
fn indel_with_other_padding_is_read_in_the_definition_frame() {
    let ta = SiteOfInterest {
        reference: "CAT".into(),
        alts: vec!["C".into(), "CATAT".into(), "CATATAT".into()],
        undocumented_as_reference: false,
    };
    let parse = |r: &str, a: &str| {
        let line = format!("2\t233760233\t.\t{r}\t{a}\t.\tPASS\t.\tGT\t0/1");
        Record::parse(&line, 9).unwrap_or_else(|e| panic!("{e}"))
    };
    // an insertion padded with one base: C>CAT is CAT>CATAT (*28)
    let mut r = parse("C", "CAT");
    assert!(reframe(&mut r, &ta).is_some());
    assert_eq!(
        (r.reference.as_str(), r.alts.as_slice()),
        ("CAT", &["CATAT".to_string()][..])
    );
    // a longer padding stripped: CATAT>CAT is CAT>C (*36)
    let mut r = parse("CATAT", "CAT");
    assert!(reframe(&mut r, &ta).is_some());
    assert_eq!(r.alts, ["C"]);
    // a record without ALT stays a REF mismatch (PharmCAT discards it)
    let mut r = parse("C", ".");
    assert!(reframe(&mut r, &ta).is_none());
    // an SNV at the anchor base is another variant: left alone
    let mut r = parse("C", "T");
    assert!(reframe(&mut r, &ta).is_none());
    assert_eq!(r.reference, "C");
}

#[test]
fn split_multiallelic_records_merge_into_one_genotype() {
    let tpmt = SiteOfInterest {
        reference: "T".into(),
        alts: vec!["C".into(), "G".into()],
        undocumented_as_reference: false,
    };
    let at = |alt: &str, gt: &str| {
        let line = format!("6\t18130687\t.\tT\t{alt}\t.\tPASS\t.\tGT\t{gt}");
        let r = Record::parse(&line, 9).unwrap_or_else(|e| panic!("{e}"));
        genotype(&r, &tpmt).ok().flatten().expect("called")
    };
    // 1/2 split by bcftools norm -m-: 1/0 (C) and 0/1 (G)
    let m = merge_split(&at("C", "1/0"), &at("G", "0/1"), "T").expect("merges");
    assert_eq!((m.allele1.as_str(), m.allele2.as_deref()), ("C", Some("G")));
    // 2/2: 0/0 and 1/1
    let m = merge_split(&at("C", "0/0"), &at("G", "1/1"), "T").expect("merges");
    assert_eq!((m.allele1.as_str(), m.allele2.as_deref()), ("G", Some("G")));
    // both records call a variant on the same strand: not one genotype
    assert!(merge_split(&at("C", "1/0"), &at("G", "1/0"), "T").is_err());
}
