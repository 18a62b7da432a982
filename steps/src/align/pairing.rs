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
    /// Pixel distance for optical duplicates (0: off).
    pub optical_distance: u32,
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
                    rec.tlen = template_length(hit, mate);
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

pub use crate::seq::complement;

/// SAM TLEN as `samtools fixmate` and bwa set it: from this read's 5' end to its mate's 5' end
/// (a forward read's start, a reverse read's end), so the forward read of a facing pair is
/// positive; 0 across references.
pub fn template_length(hit: &Hit, mate: &Hit) -> i64 {
    if hit.tid != mate.tid {
        return 0;
    }
    let five_prime = |h: &Hit| if h.reverse { h.end } else { h.pos };
    five_prime(mate) - five_prime(hit)
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
mod tests;
