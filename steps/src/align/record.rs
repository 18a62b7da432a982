//! One alignment record, already encoded the way BAM stores it.
//!
//! Mapping threads turn minimap2's hits into [`AlnRecord`]s: the fixed fields plus the BAM
//! variable-length block (name, CIGAR, 4-bit sequence, qualities, aux tags) as bytes. Encoding once,
//! on the worker threads, keeps the single writer thread cheap: it only copies the block into an
//! htslib record. The same bytes go to sort spill files unchanged ([`AlnRecord::write_to`]).

use std::io::{self, Read, Write};

pub const FLAG_PAIRED: u16 = 0x1;
pub const FLAG_PROPER: u16 = 0x2;
pub const FLAG_UNMAPPED: u16 = 0x4;
pub const FLAG_MATE_UNMAPPED: u16 = 0x8;
pub const FLAG_REVERSE: u16 = 0x10;
pub const FLAG_MATE_REVERSE: u16 = 0x20;
pub const FLAG_READ1: u16 = 0x40;
pub const FLAG_READ2: u16 = 0x80;
pub const FLAG_SECONDARY: u16 = 0x100;
pub const FLAG_DUPLICATE: u16 = 0x400;
pub const FLAG_SUPPLEMENTARY: u16 = 0x800;

/// BAM CIGAR operation codes used here.
pub const CIGAR_M: u32 = 0;
pub const CIGAR_I: u32 = 1;
pub const CIGAR_D: u32 = 2;
pub const CIGAR_N: u32 = 3;
pub const CIGAR_S: u32 = 4;
pub const CIGAR_H: u32 = 5;
pub const CIGAR_EQ: u32 = 7;
pub const CIGAR_X: u32 = 8;

/// An alignment record: BAM fixed fields plus the encoded variable-length block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlnRecord {
    pub tid: i32,
    pub pos: i64,
    pub flag: u16,
    pub mapq: u8,
    pub mtid: i32,
    pub mpos: i64,
    pub tlen: i64,
    pub l_qname: u16,
    pub l_extranul: u8,
    pub n_cigar: u32,
    pub l_qseq: i32,
    /// Input order: `read_index << 8 | record_index`, `read_index = pair * 2 + end`. It breaks
    /// sort ties (so the order never depends on threads) and finds the read in the duplicate set.
    pub ordinal: u64,
    pub data: Vec<u8>,
}

/// The variable-length fields of a record before encoding.
#[derive(Debug)]
pub struct RecordParts<'a> {
    pub qname: &'a [u8],
    /// BAM-encoded CIGAR (`len << 4 | op`).
    pub cigar: &'a [u32],
    /// Bases in reference orientation (ASCII).
    pub seq: &'a [u8],
    /// Phred qualities (no offset) in reference orientation.
    pub qual: &'a [u8],
    /// Encoded aux tags (see [`Aux`]).
    pub aux: &'a [u8],
}

impl AlnRecord {
    /// Encode `parts` into a record with the given fixed fields left at "unmapped, no mate".
    pub fn encode(parts: &RecordParts<'_>, ordinal: u64) -> Self {
        let extranul = (4 - (parts.qname.len() + 1) % 4) % 4;
        let l_qname = parts.qname.len() + 1 + extranul;
        let seq_bytes = parts.seq.len().div_ceil(2);
        let size = l_qname + parts.cigar.len() * 4 + seq_bytes + parts.qual.len() + parts.aux.len();
        let mut data = Vec::with_capacity(size);
        data.extend_from_slice(parts.qname);
        data.extend(std::iter::repeat_n(0u8, 1 + extranul));
        for op in parts.cigar {
            data.extend_from_slice(&op.to_le_bytes());
        }
        for pair in parts.seq.chunks(2) {
            let hi = encode_base(pair[0]) << 4;
            let lo = pair.get(1).map_or(0, |b| encode_base(*b));
            data.push(hi | lo);
        }
        data.extend_from_slice(parts.qual);
        data.extend_from_slice(parts.aux);
        AlnRecord {
            tid: -1,
            pos: -1,
            flag: FLAG_UNMAPPED,
            mapq: 0,
            mtid: -1,
            mpos: -1,
            tlen: 0,
            l_qname: l_qname as u16,
            l_extranul: extranul as u8,
            n_cigar: parts.cigar.len() as u32,
            l_qseq: parts.seq.len() as i32,
            ordinal,
            data,
        }
    }

    /// The BAM-encoded CIGAR operations.
    pub fn cigar(&self) -> impl Iterator<Item = u32> + '_ {
        let start = self.l_qname as usize;
        let end = start + self.n_cigar as usize * 4;
        self.data[start..end]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Phred qualities.
    pub fn qual(&self) -> &[u8] {
        let start =
            self.l_qname as usize + self.n_cigar as usize * 4 + (self.l_qseq as usize).div_ceil(2);
        &self.data[start..start + self.l_qseq as usize]
    }

    /// One past the last reference base covered (pos + 1 when nothing is aligned).
    pub fn end_pos(&self) -> i64 {
        let span = reference_span(self.cigar());
        self.pos + span.max(1)
    }

    /// Sort order of a coordinate-sorted BAM (as samtools): reference, position, strand; then
    /// input order. Records with no reference go last.
    pub fn sort_key(&self) -> (u32, i64, bool, u64) {
        let tid = if self.tid < 0 {
            u32::MAX
        } else {
            self.tid as u32
        };
        (tid, self.pos, self.flag & FLAG_REVERSE != 0, self.ordinal)
    }

    /// The read this record belongs to (`pair * 2 + end`).
    pub fn read_index(&self) -> u64 {
        self.ordinal >> 8
    }

    /// The BAM bin of the record's span.
    pub fn bin(&self) -> u16 {
        let end = if self.flag & FLAG_UNMAPPED != 0 || self.n_cigar == 0 {
            self.pos + 1
        } else {
            self.end_pos()
        };
        reg2bin(self.pos.max(0), end.max(1))
    }

    /// Serialize for a sort spill file.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&self.tid.to_le_bytes())?;
        w.write_all(&self.pos.to_le_bytes())?;
        w.write_all(&self.flag.to_le_bytes())?;
        w.write_all(&[self.mapq, self.l_extranul])?;
        w.write_all(&self.mtid.to_le_bytes())?;
        w.write_all(&self.mpos.to_le_bytes())?;
        w.write_all(&self.tlen.to_le_bytes())?;
        w.write_all(&self.l_qname.to_le_bytes())?;
        w.write_all(&self.n_cigar.to_le_bytes())?;
        w.write_all(&self.l_qseq.to_le_bytes())?;
        w.write_all(&self.ordinal.to_le_bytes())?;
        w.write_all(&(self.data.len() as u32).to_le_bytes())?;
        w.write_all(&self.data)
    }

    /// Read one record written by [`write_to`](Self::write_to); `None` at a clean end of file.
    pub fn read_from(r: &mut impl Read) -> io::Result<Option<Self>> {
        let mut head = [0u8; 4 + 8 + 2 + 2 + 4 + 8 + 8 + 2 + 4 + 4 + 8 + 4];
        match r.read_exact(&mut head[..1]) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        r.read_exact(&mut head[1..])?;
        let mut f = Fields(&head);
        let tid = i32::from_le_bytes(f.take());
        let pos = i64::from_le_bytes(f.take());
        let flag = u16::from_le_bytes(f.take());
        let [mapq, l_extranul] = f.take();
        let mtid = i32::from_le_bytes(f.take());
        let mpos = i64::from_le_bytes(f.take());
        let tlen = i64::from_le_bytes(f.take());
        let l_qname = u16::from_le_bytes(f.take());
        let n_cigar = u32::from_le_bytes(f.take());
        let l_qseq = i32::from_le_bytes(f.take());
        let ordinal = u64::from_le_bytes(f.take());
        let len = u32::from_le_bytes(f.take()) as usize;
        let mut data = vec![0u8; len];
        r.read_exact(&mut data)?;
        Ok(Some(AlnRecord {
            tid,
            pos,
            flag,
            mapq,
            mtid,
            mpos,
            tlen,
            l_qname,
            l_extranul,
            n_cigar,
            l_qseq,
            ordinal,
            data,
        }))
    }
}

/// Reads fixed-size fields off the front of a byte slice.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().expect("split_at gives N bytes")
    }
}

/// Builds the encoded aux block of a record.
#[derive(Debug, Default)]
pub struct Aux(pub Vec<u8>);

impl Aux {
    /// A `Z` (string) tag.
    pub fn string(&mut self, tag: &[u8; 2], value: &[u8]) -> &mut Self {
        self.0.extend_from_slice(tag);
        self.0.push(b'Z');
        self.0.extend_from_slice(value);
        self.0.push(0);
        self
    }

    /// An integer tag in the smallest BAM integer type that holds it (as SAM parsers do).
    pub fn int(&mut self, tag: &[u8; 2], value: i64) -> &mut Self {
        self.0.extend_from_slice(tag);
        if (0..=u8::MAX as i64).contains(&value) {
            self.0.extend_from_slice(&[b'C', value as u8]);
        } else if (i8::MIN as i64..0).contains(&value) {
            self.0.extend_from_slice(&[b'c', value as i8 as u8]);
        } else if (0..=u16::MAX as i64).contains(&value) {
            self.0.push(b'S');
            self.0.extend_from_slice(&(value as u16).to_le_bytes());
        } else if (i16::MIN as i64..0).contains(&value) {
            self.0.push(b's');
            self.0.extend_from_slice(&(value as i16).to_le_bytes());
        } else {
            self.0.push(b'i');
            self.0.extend_from_slice(&(value as i32).to_le_bytes());
        }
        self
    }
}

/// 4-bit BAM code of an ASCII base (`=ACMGRSVTWYHKDBN`); anything unknown is N.
fn encode_base(b: u8) -> u8 {
    match b.to_ascii_uppercase() {
        b'=' => 0,
        b'A' => 1,
        b'C' => 2,
        b'M' => 3,
        b'G' => 4,
        b'R' => 5,
        b'S' => 6,
        b'V' => 7,
        b'T' => 8,
        b'W' => 9,
        b'Y' => 10,
        b'H' => 11,
        b'K' => 12,
        b'D' => 13,
        b'B' => 14,
        _ => 15,
    }
}

/// Reference bases covered by a CIGAR (M, D, N, =, X).
pub fn reference_span(cigar: impl Iterator<Item = u32>) -> i64 {
    cigar
        .filter(|op| matches!(op & 0xf, CIGAR_M | CIGAR_D | CIGAR_N | CIGAR_EQ | CIGAR_X))
        .map(|op| (op >> 4) as i64)
        .sum()
}

/// CIGAR as SAM text, for MC and SA tags.
pub fn cigar_string(cigar: &[u32]) -> String {
    const OPS: &[u8; 9] = b"MIDNSHP=X";
    let mut s = String::with_capacity(cigar.len() * 4);
    for op in cigar {
        s.push_str(&(op >> 4).to_string());
        s.push(OPS[(op & 0xf) as usize % 9] as char);
    }
    s
}

/// The BAM/UCSC binning scheme (SAM spec section 5.3) for the zero-based span [beg, end).
pub fn reg2bin(beg: i64, end: i64) -> u16 {
    let end = end - 1;
    for (shift, offset) in [(14, 4681), (17, 585), (20, 73), (23, 9), (26, 1)] {
        if beg >> shift == end >> shift {
            return (offset + (beg >> shift)) as u16;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AlnRecord {
        let mut aux = Aux::default();
        aux.string(b"RG", b"rg1")
            .int(b"NM", 3)
            .int(b"AS", -5)
            .int(b"XX", 70000);
        let cigar = [
            5 << 4 | CIGAR_S,
            10 << 4 | CIGAR_M,
            2 << 4 | CIGAR_D,
            5 << 4 | CIGAR_M,
        ];
        let parts = RecordParts {
            qname: b"read1",
            cigar: &cigar,
            seq: b"ACGTNACGTNACGTNACGTA",
            qual: &[30; 20],
            aux: &aux.0,
        };
        let mut rec = AlnRecord::encode(&parts, 7 << 8);
        rec.tid = 0;
        rec.pos = 100;
        rec
    }

    #[test]
    fn encoding_pads_the_name_and_packs_bases() {
        let rec = sample();
        assert_eq!(rec.l_qname, 8); // "read1" + NUL + 2 padding NULs
        assert_eq!(&rec.data[..8], b"read1\0\0\0");
        assert_eq!(rec.cigar().count(), 4);
        let seq_start = 8 + 16;
        assert_eq!(rec.data[seq_start], 0x12); // A, C
        assert_eq!(rec.data[seq_start + 2], 0xf1); // N, A
        assert_eq!(rec.qual(), &[30; 20]);
        assert_eq!(rec.end_pos(), 117);
        assert_eq!(rec.read_index(), 7);
    }

    #[test]
    fn aux_ints_use_the_smallest_type() {
        let mut aux = Aux::default();
        aux.int(b"NM", 3)
            .int(b"AS", -5)
            .int(b"XS", 300)
            .int(b"XL", 70000);
        assert_eq!(&aux.0[..4], b"NMC\x03");
        assert_eq!(&aux.0[4..8], b"ASc\xfb");
        assert_eq!(&aux.0[8..11], b"XSS");
        assert_eq!(&aux.0[13..16], b"XLi");
    }

    #[test]
    fn spill_round_trip() {
        let rec = sample();
        let mut buf = Vec::new();
        rec.write_to(&mut buf).unwrap();
        rec.write_to(&mut buf).unwrap();
        let mut r = &buf[..];
        assert_eq!(AlnRecord::read_from(&mut r).unwrap().as_ref(), Some(&rec));
        assert_eq!(AlnRecord::read_from(&mut r).unwrap().as_ref(), Some(&rec));
        assert_eq!(AlnRecord::read_from(&mut r).unwrap(), None);
        let mut truncated = &buf[..buf.len() - 3];
        AlnRecord::read_from(&mut truncated).unwrap();
        assert!(AlnRecord::read_from(&mut truncated).is_err());
    }

    #[test]
    fn bins_match_the_spec() {
        assert_eq!(reg2bin(0, 1), 4681);
        assert_eq!(reg2bin(16383, 16385), 585);
        assert_eq!(
            cigar_string(&[5 << 4 | CIGAR_S, 10 << 4 | CIGAR_M]),
            "5S10M"
        );
    }
}
