//! GFF3/GTF reading on literal files: both formats give the same model, bad files are refused.

use super::gff::parse;
use super::model::Strand;

const GFF3: &str = "##gff-version 3
c1\t.\tgene\t1\t100\t.\t-\t.\tID=gene:G1;Name=GENE1;biotype=protein_coding
c1\t.\tmRNA\t1\t100\t.\t-\t.\tID=transcript:T1;Parent=gene:G1;biotype=protein_coding;tag=basic,Ensembl_canonical,MANE_Select
c1\t.\texon\t1\t30\t.\t-\t.\tParent=transcript:T1
c1\t.\texon\t61\t100\t.\t-\t.\tParent=transcript:T1
c1\t.\tCDS\t71\t90\t.\t-\t0\tID=CDS:P1;Parent=transcript:T1
c1\t.\tCDS\t11\t30\t.\t-\t1\tID=CDS:P1;Parent=transcript:T1
";

const GTF: &str = "c1\t.\ttranscript\t1\t100\t.\t-\t.\tgene_id \"G1\"; transcript_id \"T1\"; gene_name \"GENE1\"; transcript_biotype \"protein_coding\"; tag \"basic\"; tag \"Ensembl_canonical\";
c1\t.\texon\t1\t30\t.\t-\t.\tgene_id \"G1\"; transcript_id \"T1\";
c1\t.\texon\t61\t100\t.\t-\t.\tgene_id \"G1\"; transcript_id \"T1\";
c1\t.\tCDS\t71\t90\t.\t-\t0\tgene_id \"G1\"; transcript_id \"T1\";
c1\t.\tCDS\t14\t30\t.\t-\t1\tgene_id \"G1\"; transcript_id \"T1\";
c1\t.\tstop_codon\t11\t13\t.\t-\t0\tgene_id \"G1\"; transcript_id \"T1\";
";

#[test]
fn gff3_and_gtf_give_the_same_transcript() {
    let a = parse(GFF3.as_bytes(), false, "a.gff3").unwrap();
    let b = parse(GTF.as_bytes(), true, "a.gtf").unwrap();
    for m in [&a, &b] {
        let t = &m.transcripts[0];
        assert_eq!(t.id, "T1");
        assert_eq!(t.gene_id, "G1");
        assert_eq!(t.gene_name, "GENE1");
        assert_eq!(t.strand, Strand::Minus);
        assert_eq!(t.exons, vec![(0, 30), (60, 100)]);
        assert_eq!(t.cds, Some((10, 90)));
        assert!(t.canonical);
    }
    assert!(a.transcripts[0].mane);
    assert!(!b.transcripts[0].mane);
}

#[test]
fn inconsistent_phases_are_an_error() {
    let bad = GFF3.replace("-\t1\tID=CDS:P1", "-\t0\tID=CDS:P1");
    let err = parse(bad.as_bytes(), false, "bad.gff3")
        .unwrap_err()
        .message;
    assert!(
        err.contains("phase 0") && err.contains("imply phase 1"),
        "{err}"
    );
}

#[test]
fn a_transcript_on_two_contigs_is_an_error() {
    let bad = GFF3.replace("c1\t.\texon\t61", "c2\t.\texon\t61");
    let err = parse(bad.as_bytes(), false, "bad.gff3")
        .unwrap_err()
        .message;
    assert!(err.contains("one contig"), "{err}");
    assert!(err.contains("line 5"), "{err}");
}

#[test]
fn orphan_exons_are_a_warning() {
    let text = format!("{GFF3}c1\t.\texon\t200\t300\t.\t+\t.\tParent=transcript:T9\n");
    let m = parse(text.as_bytes(), false, "a.gff3").unwrap();
    assert_eq!(m.transcripts.len(), 1);
    assert!(m.warnings[0].contains("1 transcript id"));
}

/// RefSeq GFF3: `rna-` ids, `gene=` names, `transcript_id` on the mRNA, `MANE Select` tag.
#[test]
fn refseq_gff3() {
    let text = "NC_000007.14\tBestRefSeq\tgene\t1\t100\t.\t+\t.\tID=gene-BRAF;Name=BRAF;gene=BRAF;gene_biotype=protein_coding
NC_000007.14\tBestRefSeq\tmRNA\t1\t100\t.\t+\t.\tID=rna-NM_004333.6;Parent=gene-BRAF;gbkey=mRNA;gene=BRAF;tag=MANE Select;transcript_id=NM_004333.6
NC_000007.14\tBestRefSeq\texon\t1\t100\t.\t+\t.\tID=exon-NM_004333.6-1;Parent=rna-NM_004333.6
NC_000007.14\tBestRefSeq\tCDS\t10\t99\t.\t+\t0\tID=cds-NP_004324.2;Parent=rna-NM_004333.6
";
    let m = parse(text.as_bytes(), false, "refseq.gff3").unwrap();
    let t = &m.transcripts[0];
    assert_eq!(
        (t.id.as_str(), t.gene_name.as_str()),
        ("NM_004333.6", "BRAF")
    );
    assert!(t.mane);
    assert_eq!(t.cds, Some((9, 99)));
}
