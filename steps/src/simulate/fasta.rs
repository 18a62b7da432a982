//! FASTA in and out: the simulated reference is written with its `.fai`, and a user's reference
//! can be read in place of a random one.
//!
//! The index is computed while writing (every line is 60 bases, so offsets are arithmetic), which
//! avoids a second pass and gives a file `samtools faidx` accepts unchanged.

use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use super::genome::Contig;
use crate::{Result, StepError};

const LINE: usize = 60;

/// Write `contigs` as FASTA to `path` and its index to `index`.
pub fn write(path: &Path, index: &Path, contigs: &[Contig]) -> Result<()> {
    let err = |e| StepError::io("write", path, e);
    let mut fa = BufWriter::new(File::create(path).map_err(err)?);
    let mut fai = String::new();
    let mut offset = 0usize;
    for c in contigs {
        let header = format!(">{}\n", c.name);
        fa.write_all(header.as_bytes()).map_err(err)?;
        offset += header.len();
        fai.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            c.name,
            c.seq.len(),
            offset,
            LINE,
            LINE + 1
        ));
        for line in c.seq.chunks(LINE) {
            fa.write_all(line).map_err(err)?;
            fa.write_all(b"\n").map_err(err)?;
            offset += line.len() + 1;
        }
    }
    fa.flush().map_err(err)?;
    std::fs::write(index, fai).map_err(|e| StepError::io("write", index, e))
}

/// Read a FASTA file (plain or gzipped). Names are the first word of each header; bases are
/// upper-cased; anything but A, C, G, T becomes `N`.
pub fn read(path: &Path) -> Result<Vec<Contig>> {
    parse(crate::textio::open(path, "FASTA")?, path)
}

fn parse(reader: impl BufRead, path: &Path) -> Result<Vec<Contig>> {
    let mut contigs: Vec<Contig> = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line =
            line.map_err(|e| StepError::input(format!("{}: line {}: {e}", path.display(), i + 1)))?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if let Some(header) = line.strip_prefix(b">") {
            let name = String::from_utf8_lossy(header)
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            if name.is_empty() {
                return Err(StepError::input(format!(
                    "{}: line {}: a FASTA header needs a name after `>`",
                    path.display(),
                    i + 1
                )));
            }
            contigs.push(Contig {
                name,
                seq: Vec::new(),
            });
        } else if let Some(last) = contigs.last_mut() {
            last.seq
                .extend(line.iter().map(|b| match b.to_ascii_uppercase() {
                    x @ (b'A' | b'C' | b'G' | b'T') => x,
                    _ => b'N',
                }));
        } else if !line.is_empty() {
            return Err(StepError::input(format!(
                "{}: line {}: sequence before the first `>name` header; is this a FASTA file?",
                path.display(),
                i + 1
            )));
        }
    }
    if contigs.is_empty() {
        return Err(StepError::input(format!(
            "{}: no sequences; give a FASTA reference",
            path.display()
        )));
    }
    Ok(contigs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_index() {
        let dir = tempfile::tempdir().unwrap();
        let (fa, fai) = (dir.path().join("r.fa"), dir.path().join("r.fa.fai"));
        let contigs = vec![
            Contig {
                name: "a".into(),
                seq: b"ACGT".repeat(40),
            },
            Contig {
                name: "b".into(),
                seq: b"GGN".to_vec(),
            },
        ];
        write(&fa, &fai, &contigs).unwrap();
        assert_eq!(read(&fa).unwrap(), contigs);
        let index = std::fs::read_to_string(&fai).unwrap();
        assert_eq!(index, "a\t160\t3\t60\t61\nb\t3\t169\t60\t61\n");
        let text = std::fs::read(&fa).unwrap();
        assert_eq!(&text[169..172], b"GGN");
    }

    #[test]
    fn lowercase_iupac_and_names() {
        let text = b">x desc\nacgtRy\n>y\nAC\r\n";
        let contigs = parse(&text[..], Path::new("t.fa")).unwrap();
        assert_eq!(
            contigs[0],
            Contig {
                name: "x".into(),
                seq: b"ACGTNN".to_vec()
            }
        );
        assert_eq!(contigs[1].seq, b"AC");
    }

    #[test]
    fn not_fasta_is_an_error() {
        let err = parse(&b"ACGT\n"[..], Path::new("t.fa")).unwrap_err();
        assert!(err.message.contains("t.fa: line 1"), "{}", err.message);
        assert!(parse(&b""[..], Path::new("t.fa")).is_err());
    }
}
