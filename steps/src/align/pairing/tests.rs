//! Pairing flags, mate fields, tags and duplicate keys on literal reads and hits.

use super::*;

fn read(name: &str, seq: &[u8]) -> FastqRecord {
    FastqRecord {
        name: name.as_bytes().to_vec(),
        seq: seq.to_vec(),
        qual: vec![30; seq.len()],
    }
}

/// A hit of a 10-base read: `clip` soft-clipped bases at its start (in reference order).
fn hit(pos: i64, reverse: bool, clip: u32) -> Hit {
    let mut cigar = Vec::new();
    if clip > 0 {
        cigar.push(clip << 4 | CIGAR_S);
    }
    cigar.push((10 - clip) << 4 | CIGAR_M);
    let end = pos + (10 - clip) as i64;
    let contig = Arc::new("chr1".to_string());
    Hit {
        tid: 0,
        contig,
        pos,
        end,
        reverse,
        mapq: 60,
        cigar,
        nm: 0,
        score: 20,
        supplementary: false,
    }
}

fn hits(primary: Option<Hit>) -> ReadHits {
    ReadHits {
        primary,
        supplementary: Vec::new(),
    }
}

fn opts() -> PairingOptions {
    PairingOptions {
        read_group: "rg1".to_string(),
        max_insert: 800,
        optical_distance: 0,
    }
}

#[test]
fn proper_pair_flags_mate_fields_and_tlen() {
    let (a, b) = (read("p", b"ACGTACGTAA"), read("p", b"TTACGTACGT"));
    let (h1, h2) = (
        hits(Some(hit(100, false, 0))),
        hits(Some(hit(290, true, 0))),
    );
    let out = build_fragment(3, [Some((&a, &h1)), Some((&b, &h2))], &opts());
    let [r1, r2] = [&out.records[0], &out.records[1]];
    assert_eq!(
        r1.flag,
        FLAG_PAIRED | FLAG_PROPER | FLAG_MATE_REVERSE | FLAG_READ1
    );
    assert_eq!(
        r2.flag,
        FLAG_PAIRED | FLAG_PROPER | FLAG_REVERSE | FLAG_READ2
    );
    assert_eq!((r1.mtid, r1.mpos, r1.tlen), (0, 290, 200));
    assert_eq!((r2.mtid, r2.mpos, r2.tlen), (0, 100, -200));
    assert_eq!((r1.ordinal, r2.ordinal), (6 << 8, 7 << 8));
    let aux = &r1.data[r1.data.len() - 20..];
    assert!(aux.windows(6).any(|w| w == b"MCZ10M"), "mate CIGAR tag");
    assert!(r1.data.ends_with(b"RGZrg1\0"));
    // read 2 is stored reverse-complemented
    assert_eq!(r2.data[r2.l_qname as usize + 4], 0x12); // ACGTACGTAA: A, C
    assert_eq!(
        out.pair,
        Some(PairEntry::new(
            (0, 100, false),
            (0, 299, true),
            600,
            b"p",
            3
        ))
    );
}

#[test]
fn pairs_that_do_not_face_each_other_or_are_too_far_are_not_proper() {
    assert!(
        !is_proper(&hit(100, false, 0), &hit(290, false, 0), 800),
        "same strand"
    );
    assert!(
        !is_proper(&hit(100, true, 0), &hit(290, false, 0), 800),
        "reverse mate upstream (outie)"
    );
    assert!(
        !is_proper(&hit(100, false, 0), &hit(990, true, 0), 800),
        "fragment longer than 800"
    );
    let mut other = hit(150, true, 0);
    other.tid = 1;
    assert!(!is_proper(&hit(100, false, 0), &other, 800));
    assert_eq!(template_length(&hit(100, false, 0), &other), 0);
}

#[test]
fn template_length_runs_between_five_prime_ends() {
    // Facing mates that start together: the forward one is positive (samtools fixmate).
    let (fwd, rev) = (hit(100, false, 0), hit(100, true, 0));
    assert_eq!(
        (template_length(&fwd, &rev), template_length(&rev, &fwd)),
        (10, -10)
    );
    // A reverse mate starting 1 base before the forward read (dovetail): 5' to 5'.
    let (fwd, rev) = (hit(101, false, 0), hit(100, true, 0));
    assert_eq!(
        (template_length(&fwd, &rev), template_length(&rev, &fwd)),
        (9, -9)
    );
}

#[test]
fn unmapped_mate_is_placed_at_its_mapped_mate() {
    let (a, b) = (read("p", b"ACGTACGTAA"), read("p", b"TTACGTACGT"));
    let (h1, h2) = (hits(Some(hit(100, true, 0))), hits(None));
    let out = build_fragment(0, [Some((&a, &h1)), Some((&b, &h2))], &opts());
    let [r1, r2] = [&out.records[0], &out.records[1]];
    assert_eq!(
        r1.flag,
        FLAG_PAIRED | FLAG_MATE_UNMAPPED | FLAG_REVERSE | FLAG_READ1
    );
    assert_eq!(
        (r1.tid, r1.pos, r1.mtid, r1.mpos, r1.tlen),
        (0, 100, 0, 100, 0)
    );
    assert_eq!(
        r2.flag,
        FLAG_PAIRED | FLAG_UNMAPPED | FLAG_MATE_REVERSE | FLAG_READ2
    );
    assert_eq!(
        (r2.tid, r2.pos, r2.mtid, r2.mpos, r2.n_cigar),
        (0, 100, 0, 100, 0)
    );
    assert!(out.pair.is_none());
    assert_eq!(
        out.frags,
        vec![FragEntry {
            end: (0, 109, true),
            paired: false,
            score: 300,
            read: 0
        }]
    );
}

#[test]
fn both_unmapped_have_no_coordinates() {
    let (a, b) = (read("p", b"ACGT"), read("p", b"TTAC"));
    let none = hits(None);
    let out = build_fragment(0, [Some((&a, &none)), Some((&b, &none))], &opts());
    for (rec, mate_flag) in out.records.iter().zip([FLAG_READ1, FLAG_READ2]) {
        assert_eq!(
            rec.flag,
            FLAG_PAIRED | FLAG_UNMAPPED | FLAG_MATE_UNMAPPED | mate_flag
        );
        assert_eq!((rec.tid, rec.pos, rec.mtid, rec.mpos), (-1, -1, -1, -1));
    }
    assert!(out.frags.is_empty() && out.pair.is_none());
}

#[test]
fn unclipped_five_prime_accounts_for_soft_clips_and_strand() {
    assert_eq!(hit(100, false, 3).unclipped_five_prime(), 97);
    assert_eq!(hit(100, false, 0).unclipped_five_prime(), 100);
    let mut rev = hit(100, true, 0); // 100..110
    rev.cigar = vec![7 << 4 | CIGAR_M, 3 << 4 | CIGAR_S];
    rev.end = 107;
    assert_eq!(rev.unclipped_five_prime(), 109);
    assert_eq!(
        hit(100, true, 3).unclipped_five_prime(),
        106,
        "leading clips do not move a reverse 5' end"
    );
}

#[test]
fn soft_clipped_duplicates_share_a_key() {
    // Same fragment, one copy with its first 3 bases clipped: same unclipped 5' end.
    let (a, b) = (read("p", b"ACGTACGTAA"), read("p", b"TTACGTACGT"));
    let (h1, h2) = (
        hits(Some(hit(100, false, 0))),
        hits(Some(hit(290, true, 0))),
    );
    let (c1, c2) = (
        hits(Some(hit(103, false, 3))),
        hits(Some(hit(290, true, 0))),
    );
    let x = build_fragment(0, [Some((&a, &h1)), Some((&b, &h2))], &opts())
        .pair
        .unwrap();
    let y = build_fragment(1, [Some((&a, &c1)), Some((&b, &c2))], &opts())
        .pair
        .unwrap();
    assert_eq!(x.ends, y.ends);
}

#[test]
fn supplementary_records_carry_sa_and_pair_flags() {
    let (a, b) = (read("p", b"ACGTACGTAA"), read("p", b"TTACGTACGT"));
    let mut supp = hit(5000, false, 4);
    supp.supplementary = true;
    let h1 = ReadHits {
        primary: Some(hit(100, false, 0)),
        supplementary: vec![supp],
    };
    let h2 = hits(Some(hit(290, true, 0)));
    let out = build_fragment(0, [Some((&a, &h1)), Some((&b, &h2))], &opts());
    assert_eq!(out.records.len(), 3);
    let s = &out.records[1];
    assert_eq!(
        s.flag,
        FLAG_PAIRED | FLAG_MATE_REVERSE | FLAG_READ1 | FLAG_SUPPLEMENTARY
    );
    assert_eq!((s.mpos, s.tlen, s.ordinal), (290, 0, 1));
    let has = |r: &AlnRecord, t: &[u8]| r.data.windows(t.len()).any(|w| w == t);
    assert!(has(s, b"SAZchr1,101,+,10M,60,0;"));
    assert!(has(&out.records[0], b"SAZchr1,5001,+,4S6M,60,0;"));
}

#[test]
fn single_end_reads_have_no_pair_flags() {
    let a = read("s", b"ACGTACGTAA");
    let h = hits(Some(hit(100, true, 0)));
    let out = build_fragment(5, [Some((&a, &h)), None], &opts());
    assert_eq!(out.records.len(), 1);
    assert_eq!(out.records[0].flag, FLAG_REVERSE);
    assert_eq!((out.records[0].mtid, out.records[0].mpos), (-1, -1));
    assert_eq!(out.frags[0].read, 10);
}
