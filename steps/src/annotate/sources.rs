//! Lookups in bgzipped + tabixed VCF sources (dbSNP, gnomAD, ClinVar, ...), as vcfanno does.
//!
//! Each source is named (`--source NAME=FILE.vcf.gz`). A query allele matches a source record when
//! both normalise (trim, left-align against the reference) to the same allele: a different ALT at
//! the same position is not a match. From a match the source's ID column becomes `NAME_ID` and each
//! of the INFO fields [`FIELDS`] the source's header declares becomes `NAME_<FIELD>` (for
//! `Number=A` fields, the value of the matched ALT).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rust_htslib::bcf::{self, Read};

use crate::eval::variant::normalise;
use crate::{Result, StepError};

/// INFO fields copied from a matching source record.
pub const FIELDS: &[&str] = &["AF", "CLNSIG", "CLNREVSTAT", "CLNDN", "GENEINFO"];

pub struct Source {
    pub name: String,
    pub path: PathBuf,
    reader: bcf::IndexedReader,
    pub fields: Vec<&'static str>,
}

/// Values found for one allele: field (`ID`, `AF`, ...) -> value.
pub type Hit = IndexMap<String, String>;

impl Source {
    /// Parse `NAME=FILE` and open the indexed VCF.
    pub fn open(spec: &str) -> Result<Source> {
        let (name, file) = spec.split_once('=').ok_or_else(|| {
            StepError::input(format!("--source `{spec}`: write it as NAME=FILE.vcf.gz"))
        })?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StepError::input(format!(
                "--source `{spec}`: the name must be letters, digits or _ (it prefixes INFO keys)"
            )));
        }
        let path = PathBuf::from(file);
        let reader = bcf::IndexedReader::from_path(&path).map_err(|e| {
            StepError::input(format!(
                "source {name}: cannot open {} as an indexed VCF ({e}); bgzip it and run `tabix -p vcf`",
                path.display()
            ))
        })?;
        let header = reader.header();
        let fields = FIELDS
            .iter()
            .copied()
            .filter(|f| header.info_type(f.as_bytes()).is_ok())
            .collect();
        Ok(Source {
            name: name.to_string(),
            path,
            reader,
            fields,
        })
    }

    /// The source record matching `(pos, ref, alt)` (0-based), normalised against `seq`.
    pub fn lookup(
        &mut self,
        contig: &str,
        pos: u64,
        r: &[u8],
        alt: &[u8],
        seq: &[u8],
    ) -> Result<Option<Hit>> {
        let Ok(rid) = self.reader.header().name2rid(contig.as_bytes()) else {
            return Ok(None);
        };
        let want = normalise(pos, r, alt, Some(seq));
        let lo = pos.saturating_sub(100);
        let hi = pos + r.len() as u64 + 100;
        self.reader
            .fetch(rid, lo, Some(hi))
            .map_err(|e| fail(&self.path, e))?;
        let mut rec = self.reader.empty_record();
        while let Some(res) = self.reader.read(&mut rec) {
            res.map_err(|e| fail(&self.path, e))?;
            let alleles = rec.alleles();
            let Some((sref, alts)) = alleles.split_first() else {
                continue;
            };
            for (i, salt) in alts.iter().enumerate() {
                if normalise(rec.pos() as u64, sref, salt, Some(seq)) == want && !want.is_empty() {
                    return Ok(Some(self.hit(&rec, i)));
                }
            }
        }
        Ok(None)
    }

    fn hit(&self, rec: &bcf::Record, alt_index: usize) -> Hit {
        let mut hit = Hit::new();
        let id = String::from_utf8_lossy(&rec.id()).into_owned();
        if id != "." {
            hit.insert("ID".into(), id);
        }
        for &f in &self.fields {
            let info = rec.info(f.as_bytes());
            let value = if let Ok(Some(v)) = info.float() {
                let v: Vec<f32> = v.iter().copied().collect();
                v.get(alt_index).or(v.first()).map(|x| format!("{x}"))
            } else if let Ok(Some(v)) = rec.info(f.as_bytes()).string() {
                let v: Vec<String> = v
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect();
                Some(v.join(","))
            } else {
                None
            };
            if let Some(v) = value {
                hit.insert(f.to_string(), v);
            }
        }
        hit
    }
}

fn fail(path: &Path, e: rust_htslib::errors::Error) -> StepError {
    StepError::input(format!("cannot read source {}: {e}", path.display()))
}
