//! Forced sites (`--sites VCF`): the positions and alleles to genotype whatever the reads show.
//!
//! Downstream steps such as pharmacogenomics must tell "homozygous reference" from "not assessed",
//! so every site here gets a record: a genotype (0/0 included) with its depth when reads cover it,
//! and `./.` with DP=0 when none do. Symbolic ALT alleles (`<...>`) and `*` are skipped; `.` means
//! the site has only its reference allele.

use std::io::BufRead;
use std::path::Path;

use crate::error::{Result, StepError};

/// One site to genotype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedSite {
    pub contig: String,
    /// 0-based position of the first REF base.
    pub pos: i64,
    pub id: String,
    /// REF first, then the ALT alleles, uppercase.
    pub alleles: Vec<Vec<u8>>,
    /// 1-based line in the sites file, for error messages.
    pub line: usize,
}

impl ForcedSite {
    pub fn end(&self) -> i64 {
        self.pos + self.alleles[0].len() as i64
    }
}

/// Read a plain or gzip/bgzip VCF of sites.
pub fn read(path: &Path) -> Result<Vec<ForcedSite>> {
    let input = crate::textio::open(path, "sites VCF")?;
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| StepError::io("read sites VCF", path, e))?;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        out.push(
            parse_line(&line, i + 1)
                .map_err(|m| StepError::input(format!("{} line {}: {m}", path.display(), i + 1)))?,
        );
    }
    Ok(out)
}

fn parse_line(line: &str, line_no: usize) -> std::result::Result<ForcedSite, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    if cols.len() < 5 {
        return Err("expected at least 5 tab-separated columns (CHROM POS ID REF ALT)".into());
    }
    let pos: i64 = cols[1]
        .parse()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("POS {:?} is not a positive integer", cols[1]))?;
    let reference = cols[3].to_ascii_uppercase().into_bytes();
    if reference.is_empty() || !reference.iter().all(|b| b"ACGTN".contains(b)) {
        return Err(format!("REF {:?} must be bases (A, C, G, T, N)", cols[3]));
    }
    let mut alleles = vec![reference];
    for alt in cols[4].split(',') {
        let alt = alt.to_ascii_uppercase();
        if alt == "." || alt == "*" || alt.starts_with('<') {
            continue;
        }
        if !alt.bytes().all(|b| b"ACGTN".contains(&b)) {
            return Err(format!(
                "ALT {alt:?} must be bases, '.', '*' or a symbolic <...> allele"
            ));
        }
        if !alleles.contains(&alt.clone().into_bytes()) {
            alleles.push(alt.into_bytes());
        }
    }
    let id = if cols[2] == "." {
        String::new()
    } else {
        cols[2].to_string()
    };
    Ok(ForcedSite {
        contig: cols[0].to_string(),
        pos: pos - 1,
        id,
        alleles,
        line: line_no,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sites_with_no_alt_symbolic_and_multiallelic_alleles() {
        let s = parse_line("chr1\t100\trs9\tA\tG,<NON_REF>,t\t.\t.\t.", 3).unwrap();
        assert_eq!(s.pos, 99);
        assert_eq!(s.alleles, vec![b"A".to_vec(), b"G".to_vec(), b"T".to_vec()]);
        assert_eq!(s.id, "rs9");
        let r = parse_line("chr1\t5\t.\tAC\t.", 4).unwrap();
        assert_eq!((r.alleles.len(), r.end()), (1, 6));
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse_line("chr1\tx\t.\tA\tG", 1)
            .unwrap_err()
            .contains("POS"));
        assert!(parse_line("chr1\t5\t.\tA", 1)
            .unwrap_err()
            .contains("5 tab-separated"));
        assert!(parse_line("chr1\t5\t.\tA\tQ", 1)
            .unwrap_err()
            .contains("ALT"));
    }
}
