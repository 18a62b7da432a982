//! From minimap2 hits to BAM records with mate information.
//!
//! The minimap2 crate's paired call pairs the mates internally but hands back two plain lists of
//! hits; the SAM fields that tie mates together are set here, as `bwa mem` and `samtools fixmate`
//! do: pairing flags, RNEXT/PNEXT, TLEN, and the MC/MQ tags. An unmapped read whose mate maps is
//! placed at its mate's position (so both sort together), and a mapped read whose mate is unmapped
//! points at itself. Secondary hits are dropped (as `minimap2 -x sr` prints none); supplementary
//! hits are kept with soft clips and an SA tag. Duplicate keys are taken here too (see
//! [`super::dedup`]), while both mates are in hand.

use std::sync::Arc;

use super::dedup::{quality_score, EndKey, FragEntry, PairEntry};
use super::fastq::FastqRecord;
use super::record::*;

/// One alignment of a read, in the form the records need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub tid: i32,
    pub contig: Arc<String>,
    pub pos: i64,
    pub end: i64,
    pub reverse: bool,
    pub mapq: u8,
    /// Full CIGAR including soft clips, BAM-encoded.
    pub cigar: Vec<u32>,
    pub nm: i32,
    pub score: i32,
    pub supplementary: bool,
}

impl Hit {
    /// Unclipped 5' position: where the read's first sequenced base would align without clipping.
    pub fn unclipped_five_prime(&self) -> i64 {
        let clip = |op: &u32| matches!(op & 0xf, CIGAR_S | CIGAR_H);
        if self.reverse {
            let trailing: i64 = self
                .cigar
                .iter()
                .rev()
                .take_while(|op| clip(op))
                .map(|op| (op >> 4) as i64)
                .sum();
            self.end - 1 + trailing
        } else {
            let leading: i64 = self
                .cigar
                .iter()
                .take_while(|op| clip(op))
                .map(|op| (op >> 4) as i64)
                .sum();
            self.pos - leading
        }
    }

    fn end_key(&self) -> EndKey {
        (self.tid, self.unclipped_five_prime(), self.reverse)
    }

    /// `rname,pos,strand,CIGAR,mapQ,NM;` for SA tags.
    fn sa_entry(&self) -> String {
        let strand = if self.reverse { '-' } else { '+' };
        format!(
            "{},{},{strand},{},{},{};",
            self.contig,
            self.pos + 1,
            cigar_string(&self.cigar),
            self.mapq,
            self.nm
        )
    }
}

/// The hits of one read: its primary (if mapped) and supplementary alignments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadHits {
    pub primary: Option<Hit>,
    pub supplementary: Vec<Hit>,
}

/// Settings that shape every record.
#[derive(Debug, Clone)]
pub struct PairingOptions {
    pub read_group: String,
    /// Largest fragment (TLEN) of a proper pair.
    pub max_insert: i64,
}

/// The records and duplicate entries of one fragment (a pair or a single read).
#[derive(Debug, Default)]
pub struct FragmentOut {
    pub records: Vec<AlnRecord>,
    pub pair: Option<PairEntry>,
    pub frags: Vec<FragEntry>,
}

/// Build all records of fragment number `index` (reads `[r1, r2]` with their hits).
pub fn build_fragment(
    index: u64,
    reads: [Option<(&FastqRecord, &ReadHits)>; 2],
    opts: &PairingOptions,
) -> FragmentOut {
    let mut out = FragmentOut::default();
    let paired = reads[1].is_some();
    for end in 0..2 {
        let Some((read, hits)) = reads[end] else {
            continue;
        };
        let mate = if paired {
            reads[1 - end].map(|(_, h)| h.primary.as_ref())
        } else {
            None
        };
        let read_index = index * 2 + end as u64;
        let ctx = ReadContext {
            read,
            hits,
            mate,
            end,
            read_index,
            opts,
        };
        ctx.push_records(&mut out.records);
        if let Some(hit) = &hits.primary {
            let score = quality_score(&read.qual);
            out.frags.push(FragEntry {
                end: hit.end_key(),
                paired: matches!(mate, Some(Some(_))),
                score,
                read: read_index,
            });
        }
    }
    if let (Some((r1, h1)), Some((r2, h2))) = (reads[0], reads[1]) {
        if let (Some(a), Some(b)) = (&h1.primary, &h2.primary) {
            let score = quality_score(&r1.qual) + quality_score(&r2.qual);
            out.pair = Some(PairEntry::new(
                a.end_key(),
                b.end_key(),
                score,
                &r1.name,
                index,
            ));
        }
    }
    out
}

/// One read of a fragment and what is known about its mate.
struct ReadContext<'a> {
    read: &'a FastqRecord,
    hits: &'a ReadHits,
    /// `None` for single-end reads; `Some(None)` when the mate is unmapped.
    mate: Option<Option<&'a Hit>>,
    end: usize,
    read_index: u64,
    opts: &'a PairingOptions,
}

impl ReadContext<'_> {
    fn push_records(&self, out: &mut Vec<AlnRecord>) {
        let Some(primary) = &self.hits.primary else {
            out.push(self.unmapped_record());
            return;
        };
        let all: Vec<&Hit> = std::iter::once(primary)
            .chain(&self.hits.supplementary)
            .collect();
        for (i, hit) in all.iter().enumerate() {
            let sa: String = all
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, h)| h.sa_entry())
                .collect();
            out.push(self.mapped_record(hit, primary, &sa, i as u64));
        }
    }

    fn pair_flags(&self) -> u16 {
        match self.mate {
            None => 0,
            Some(mate) => {
                let mut flag = FLAG_PAIRED
                    | if self.end == 0 {
                        FLAG_READ1
                    } else {
                        FLAG_READ2
                    };
                match mate {
                    None => flag |= FLAG_MATE_UNMAPPED,
                    Some(m) if m.reverse => flag |= FLAG_MATE_REVERSE,
                    Some(_) => {}
                }
                flag
            }
        }
    }

    fn mapped_record(&self, hit: &Hit, primary: &Hit, sa: &str, rec_index: u64) -> AlnRecord {
        let (seq, qual) = oriented(self.read, hit.reverse);
        let mut aux = Aux::default();
        aux.int(b"NM", hit.nm as i64).int(b"AS", hit.score as i64);
        if let Some(Some(mate)) = self.mate {
            aux.string(b"MC", cigar_string(&mate.cigar).as_bytes())
                .int(b"MQ", mate.mapq as i64);
        }
        if !sa.is_empty() {
            aux.string(b"SA", sa.as_bytes());
        }
        aux.string(b"RG", self.opts.read_group.as_bytes());
        let parts = RecordParts {
            qname: &self.read.name,
            cigar: &hit.cigar,
            seq: &seq,
            qual: &qual,
            aux: &aux.0,
        };
        let mut rec = AlnRecord::encode(&parts, self.read_index << 8 | rec_index);
        rec.tid = hit.tid;
        rec.pos = hit.pos;
        rec.mapq = hit.mapq;
        rec.flag = self.pair_flags() | if hit.reverse { FLAG_REVERSE } else { 0 };
        if hit.supplementary {
            rec.flag |= FLAG_SUPPLEMENTARY;
        }
        match self.mate {
            Some(Some(mate)) => {
                (rec.mtid, rec.mpos) = (mate.tid, mate.pos);
                if !hit.supplementary {
                    rec.tlen = template_length(hit, mate, self.end);
                    if is_proper(hit, mate, self.opts.max_insert) {
                        rec.flag |= FLAG_PROPER;
                    }
                }
            }
            Some(None) => (rec.mtid, rec.mpos) = (primary.tid, primary.pos),
            None => {}
        }
        rec
    }

    fn unmapped_record(&self) -> AlnRecord {
        let mut aux = Aux::default();
        if let Some(Some(mate)) = self.mate {
            aux.string(b"MC", cigar_string(&mate.cigar).as_bytes())
                .int(b"MQ", mate.mapq as i64);
        }
        aux.string(b"RG", self.opts.read_group.as_bytes());
        let parts = RecordParts {
            qname: &self.read.name,
            cigar: &[],
            seq: &self.read.seq,
            qual: &self.read.qual,
            aux: &aux.0,
        };
        let mut rec = AlnRecord::encode(&parts, self.read_index << 8);
        rec.flag = FLAG_UNMAPPED | self.pair_flags();
        if let Some(Some(mate)) = self.mate {
            (rec.tid, rec.pos, rec.mtid, rec.mpos) = (mate.tid, mate.pos, mate.tid, mate.pos);
        }
        rec
    }
}

/// Sequence and qualities as stored for a hit: reverse-complemented for the reverse strand.
fn oriented(read: &FastqRecord, reverse: bool) -> (Vec<u8>, Vec<u8>) {
    if !reverse {
        return (read.seq.clone(), read.qual.clone());
    }
    let seq = read.seq.iter().rev().map(|b| complement(*b)).collect();
    let qual = read.qual.iter().rev().copied().collect();
    (seq, qual)
}

pub fn complement(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        b'a' => b't',
        b'c' => b'g',
        b'g' => b'c',
        b't' => b'a',
        other => other,
    }
}

/// SAM TLEN: leftmost to rightmost mapped base of the pair, positive for the leftmost read
/// (read 1 when both start together), 0 across references.
pub fn template_length(hit: &Hit, mate: &Hit, end: usize) -> i64 {
    if hit.tid != mate.tid {
        return 0;
    }
    let span = hit.end.max(mate.end) - hit.pos.min(mate.pos);
    let leftmost = hit.pos < mate.pos || (hit.pos == mate.pos && end == 0);
    if leftmost {
        span
    } else {
        -span
    }
}

/// A proper pair: same reference, facing each other (forward mate not past the reverse mate's
/// end), fragment no longer than `max_insert`.
pub fn is_proper(a: &Hit, b: &Hit, max_insert: i64) -> bool {
    if a.tid != b.tid || a.reverse == b.reverse {
        return false;
    }
    let (fwd, rev) = if a.reverse { (b, a) } else { (a, b) };
    let span = a.end.max(b.end) - a.pos.min(b.pos);
    fwd.pos < rev.end && span <= max_insert
}

#[cfg(test)]
mod tests {
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
        assert_eq!(template_length(&hit(100, false, 0), &other, 0), 0);
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
}
