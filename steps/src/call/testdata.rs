//! Small synthetic inputs for the caller's end-to-end tests: a random reference, a diploid genome
//! with known variants, and single-end reads written as a sorted, indexed BAM with their true
//! alignments (so the tests exercise the caller, not an aligner).

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rust_htslib::bam::{self, header::HeaderRecord, record::Cigar, record::CigarString};

/// A variant: 0-based position, REF, ALT, genotype (haplotype 0 allele, haplotype 1 allele).
pub type Variant = (i64, &'static str, &'static str, (u8, u8));

/// A variant with its REF and ALT rewritten to the generated reference.
pub type TrueVariant = (i64, String, String, (u8, u8));

pub struct Dataset {
    pub reference: PathBuf,
    pub bam: PathBuf,
    pub seq: Vec<u8>,
}

/// Contig `c1` (`len` bp, reads at `depth`x) and `c2` (2 kb, no reads). Variant REFs are
/// rewritten to the generated reference, so only their lengths and positions matter.
pub fn make(
    dir: &Path,
    len: usize,
    depth: usize,
    variants: &[Variant],
    seed: u64,
) -> (Dataset, Vec<TrueVariant>) {
    make_with(dir, len, depth, variants, seed, &[])
}

/// The dataset's reads as an indexed CRAM at `out` (encoded against its reference); returns `out`.
pub fn to_cram(ds: &Dataset, out: &Path) -> PathBuf {
    use rust_htslib::bam::Read as _;
    let mut reader = bam::Reader::from_path(&ds.bam).unwrap();
    let header = bam::Header::from_template(reader.header());
    let mut writer = bam::Writer::from_path(out, &header, bam::Format::Cram).unwrap();
    writer.set_reference(&ds.reference).unwrap();
    for r in reader.records() {
        writer.write(&r.unwrap()).unwrap();
    }
    drop(writer);
    // htslib writes a .crai for a CRAM whatever the index type asked for.
    bam::index::build(out, None, bam::index::Type::Bai, 1).unwrap();
    out.to_path_buf()
}

/// An extra read: start, its bases (aligned without gaps), flags, mapping quality.
pub type ExtraRead = (i64, Vec<u8>, u16, u8);

/// [`make`], plus `extra` reads written as given.
pub fn make_with(
    dir: &Path,
    len: usize,
    depth: usize,
    variants: &[Variant],
    seed: u64,
    extra: &[ExtraRead],
) -> (Dataset, Vec<TrueVariant>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let seq: Vec<u8> = (0..len).map(|_| b"ACGT"[rng.random_range(0..4)]).collect();
    let vars: Vec<TrueVariant> = variants
        .iter()
        .map(|&(p, r, a, gt)| {
            let reference =
                String::from_utf8(seq[p as usize..p as usize + r.len()].to_vec()).unwrap();
            let mut alt = a.to_string();
            alt.replace_range(0..1, &reference[0..1]);
            if r.len() == a.len() {
                // An SNV: pick a base different from the reference.
                let b = reference.as_bytes()[0];
                alt = String::from(if b == b'A' { "C" } else { "A" });
            }
            (p, reference, alt, gt)
        })
        .collect();
    let reference = dir.join("ref.fa");
    let c2: String = (0..2000)
        .map(|i| ['A', 'C', 'G', 'T'][(i * 7 + i / 3) % 4])
        .collect();
    std::fs::write(
        &reference,
        format!(">c1\n{}\n>c2\n{c2}\n", String::from_utf8_lossy(&seq)),
    )
    .unwrap();
    let bam = dir.join("reads.bam");
    write_bam(&bam, &seq, &vars, depth, extra, &mut rng);
    (
        Dataset {
            reference,
            bam,
            seq,
        },
        vars,
    )
}

/// One haplotype and, per base, the reference position it aligns to (`None` = inserted).
fn haplotype(seq: &[u8], vars: &[TrueVariant], h: usize) -> (Vec<u8>, Vec<Option<i64>>) {
    let (mut out, mut map, mut at) = (Vec::new(), Vec::new(), 0usize);
    for (p, r, a, gt) in vars {
        let p = *p as usize;
        for (i, b) in seq.iter().enumerate().take(p).skip(at) {
            out.push(*b);
            map.push(Some(i as i64));
        }
        let carries = if h == 0 { gt.0 } else { gt.1 } == 1;
        let allele = if carries { a.as_bytes() } else { r.as_bytes() };
        for (k, b) in allele.iter().enumerate() {
            out.push(*b);
            let aligned = k == 0 || (allele.len() == r.len());
            map.push(aligned.then_some((p + k) as i64));
        }
        at = p + r.len();
    }
    for (i, b) in seq.iter().enumerate().skip(at) {
        out.push(*b);
        map.push(Some(i as i64));
    }
    (out, map)
}

fn cigar_of(map: &[Option<i64>]) -> (i64, CigarString) {
    let mut ops: Vec<Cigar> = Vec::new();
    let mut push = |op: Cigar| match (ops.last_mut(), op) {
        (Some(Cigar::Match(n)), Cigar::Match(m)) => *n += m,
        (Some(Cigar::Ins(n)), Cigar::Ins(m)) => *n += m,
        _ => ops.push(op),
    };
    let mut last: Option<i64> = None;
    for m in map {
        match (m, last) {
            (Some(p), Some(l)) if *p > l + 1 => {
                push(Cigar::Del((*p - l - 1) as u32));
                push(Cigar::Match(1));
            }
            (Some(_), _) => push(Cigar::Match(1)),
            (None, _) => push(Cigar::Ins(1)),
        }
        if m.is_some() {
            last = *m;
        }
    }
    (map[0].unwrap_or(0), CigarString(ops))
}

fn write_bam(
    path: &Path,
    seq: &[u8],
    vars: &[TrueVariant],
    depth: usize,
    extra: &[ExtraRead],
    rng: &mut impl Rng,
) {
    const READ_LEN: usize = 100;
    let haps = [haplotype(seq, vars, 0), haplotype(seq, vars, 1)];
    let mut records = Vec::new();
    for i in 0..seq.len() * depth / READ_LEN {
        let (hap, map) = &haps[i % 2];
        let s = rng.random_range(0..hap.len() - READ_LEN);
        let m = &map[s..s + READ_LEN];
        if m[0].is_none() || m[READ_LEN - 1].is_none() {
            continue;
        }
        let mut bases = hap[s..s + READ_LEN].to_vec();
        let qual: Vec<u8> = (0..READ_LEN).map(|_| rng.random_range(25..40)).collect();
        if rng.random_bool(0.2) {
            let k = rng.random_range(0..READ_LEN);
            bases[k] = if bases[k] == b'A' { b'C' } else { b'A' };
        }
        let (pos, cigar) = cigar_of(m);
        let flags = if rng.random_bool(0.5) { 16 } else { 0 };
        records.push(record(
            &format!("r{i}"),
            pos,
            &cigar,
            &bases,
            &qual,
            flags,
            60,
        ));
    }
    for (i, (pos, bases, flags, mapq)) in extra.iter().enumerate() {
        let cigar = CigarString(vec![Cigar::Match(bases.len() as u32)]);
        records.push(record(
            &format!("x{i}"),
            *pos,
            &cigar,
            bases,
            &vec![35; bases.len()],
            *flags,
            *mapq,
        ));
    }
    records.sort_by_key(|r| r.pos());
    let mut w = bam::Writer::from_path(path, &header(seq.len()), bam::Format::Bam).unwrap();
    for r in &records {
        w.write(r).unwrap();
    }
    drop(w);
    bam::index::build(path, None, bam::index::Type::Bai, 1).unwrap();
}

fn header(c1_len: usize) -> bam::Header {
    let mut header = bam::Header::new();
    header.push_record(
        HeaderRecord::new(b"HD")
            .push_tag(b"VN", "1.6")
            .push_tag(b"SO", "coordinate"),
    );
    header.push_record(
        HeaderRecord::new(b"SQ")
            .push_tag(b"SN", "c1")
            .push_tag(b"LN", c1_len),
    );
    header.push_record(
        HeaderRecord::new(b"SQ")
            .push_tag(b"SN", "c2")
            .push_tag(b"LN", 2000),
    );
    header.push_record(
        HeaderRecord::new(b"RG")
            .push_tag(b"ID", "rg")
            .push_tag(b"SM", "synth"),
    );
    header
}

fn record(
    name: &str,
    pos: i64,
    cigar: &CigarString,
    bases: &[u8],
    qual: &[u8],
    flags: u16,
    mapq: u8,
) -> bam::Record {
    let mut r = bam::Record::new();
    r.set(name.as_bytes(), Some(cigar), bases, qual);
    r.set_tid(0);
    r.set_pos(pos);
    r.set_mapq(mapq);
    r.set_flags(flags);
    r.set_mtid(-1);
    r.set_mpos(-1);
    r
}
