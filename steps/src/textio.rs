//! Text inputs that may be plain, gzip or bgzip (VCF, BED, FASTA, FASTQ): one place that sniffs the
//! gzip magic bytes and names the file in its errors.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Result, StepError};

/// Open `path` for line reading, decompressing when it starts with the gzip magic bytes. `what`
/// names the kind of file in errors ("sites VCF", "BED", ...).
pub fn open(path: &Path, what: &str) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(|e| StepError::io(&format!("open {what}"), path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let head = reader
        .fill_buf()
        .map_err(|e| StepError::io(&format!("read {what}"), path, e))?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    })
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, Write};

    #[test]
    fn reads_plain_and_gzip_alike() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.vcf");
        std::fs::write(&plain, "x\ny\n").unwrap();
        let gz = dir.path().join("a.vcf.gz");
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::fast(),
        );
        enc.write_all(b"x\ny\n").unwrap();
        enc.finish().unwrap();
        for p in [&plain, &gz] {
            let lines: Vec<String> = BufRead::lines(super::open(p, "VCF").unwrap())
                .map(Result::unwrap)
                .collect();
            assert_eq!(lines, ["x", "y"]);
        }
        let err = super::open(&dir.path().join("missing"), "sites VCF")
            .err()
            .unwrap();
        assert!(
            err.message.contains("cannot open sites VCF"),
            "{}",
            err.message
        );
    }
}
