//! Writing the sorted, duplicate-marked BAM and its index through htslib, under temporary names.
//!
//! Compression level and block boundaries are fixed, and the header carries no timestamps or
//! paths, so the bytes depend only on the records. The index is `.bai` unless a contig is longer
//! than BAI can address (2^29 bp), then `.csi`. Nothing is published until everything is written:
//! the caller renames the temporary files at the very end.

use std::path::Path;

use rust_htslib::bam::{
    self, header::HeaderRecord, index, CompressionLevel, Format, Header, Record,
};

use super::dedup::DupSet;
use super::metrics::Metrics;
use super::record::{AlnRecord, FLAG_DUPLICATE};
use super::sort::Merge;
use crate::error::{Result, StepError};

/// BGZF compression level of the output (fixed: part of the output's identity). Base qualities
/// dominate a BAM and compress alike at every level: on 200k simulated pairs libdeflate's level 1
/// wrote 2.3% more bytes than level 6 for a third of the compression time.
pub const COMPRESSION_LEVEL: u32 = 1;

/// BAI addresses positions below 2^29; longer contigs need CSI.
pub const BAI_MAX_LEN: u64 = 1 << 29;

/// The read group written to the header and to every record.
#[derive(Debug, Clone)]
pub struct ReadGroup {
    pub id: String,
    pub sample: String,
    pub library: String,
    pub platform: String,
}

/// The BAM header: sort order, contigs, read group and a reproducible @PG line.
pub fn header(contigs: &[(String, u64)], rg: &ReadGroup) -> Header {
    let mut h = Header::new();
    h.push_record(
        HeaderRecord::new(b"HD")
            .push_tag(b"VN", "1.6")
            .push_tag(b"SO", "coordinate"),
    );
    for (name, len) in contigs {
        h.push_record(
            HeaderRecord::new(b"SQ")
                .push_tag(b"SN", name)
                .push_tag(b"LN", len),
        );
    }
    h.push_record(
        HeaderRecord::new(b"RG")
            .push_tag(b"ID", &rg.id)
            .push_tag(b"SM", &rg.sample)
            .push_tag(b"LB", &rg.library)
            .push_tag(b"PL", &rg.platform),
    );
    h.push_record(
        HeaderRecord::new(b"PG")
            .push_tag(b"ID", "cairn-align")
            .push_tag(b"PN", "cairn")
            .push_tag(b"VN", env!("CARGO_PKG_VERSION"))
            .push_tag(
                b"CL",
                "cairn step align (minimap2 -x sr in-process, coordinate sort, markdup)",
            ),
    );
    h
}

/// Write all merged records to `path`, flagging duplicates and feeding the metrics.
pub fn write_bam(
    path: &Path,
    header: &Header,
    merge: &mut Merge<AlnRecord>,
    dups: &DupSet,
    metrics: &mut Metrics,
    threads: usize,
) -> Result<()> {
    let hts = |e: rust_htslib::errors::Error| {
        StepError::failed(format!("cannot write BAM {}: {e}", path.display()))
    };
    let mut writer = bam::Writer::from_path(path, header, Format::Bam).map_err(hts)?;
    writer
        .set_compression_level(CompressionLevel::Level(COMPRESSION_LEVEL))
        .map_err(hts)?;
    if threads > 1 {
        writer.set_threads(threads).map_err(hts)?;
    }
    let mut record = Record::new();
    while let Some(mut rec) = merge.next_item()? {
        if dups.contains(rec.read_index()) {
            rec.flag |= FLAG_DUPLICATE;
        }
        let optical = dups.optical.contains(rec.read_index());
        if optical {
            rec.data.extend_from_slice(b"dtZSQ\0");
        }
        metrics.add(&rec, optical);
        fill(&mut record, &rec);
        writer.write(&record).map_err(hts)?;
    }
    drop(writer);
    Ok(())
}

/// Copy an encoded record into an htslib record.
pub fn fill(record: &mut Record, rec: &AlnRecord) {
    record.set_data(&rec.data);
    let core = &mut record.inner_mut().core;
    core.tid = rec.tid;
    core.pos = rec.pos;
    core.bin = rec.bin();
    core.qual = rec.mapq;
    core.l_extranul = rec.l_extranul;
    core.flag = rec.flag;
    core.l_qname = rec.l_qname;
    core.n_cigar = rec.n_cigar;
    core.l_qseq = rec.l_qseq;
    core.mtid = rec.mtid;
    core.mpos = rec.mpos;
    core.isize = rec.tlen;
}

/// Index `bam` into `index_path`: BAI, or CSI when a contig is too long for BAI.
pub fn write_index(
    bam: &Path,
    index_path: &Path,
    contigs: &[(String, u64)],
    threads: usize,
) -> Result<()> {
    let kind = if needs_csi(contigs) {
        index::Type::Csi(14)
    } else {
        index::Type::Bai
    };
    index::build(bam, Some(index_path), kind, threads.max(1) as u32)
        .map_err(|e| StepError::failed(format!("cannot index {}: {e}", bam.display())))
}

pub fn needs_csi(contigs: &[(String, u64)]) -> bool {
    contigs.iter().any(|(_, len)| *len >= BAI_MAX_LEN)
}
