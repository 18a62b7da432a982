//! Reading one per-sample VCF for merging: its contigs, filters, sample names and records.
//!
//! A record whose ALT is only `.` or a symbolic reference allele (`<NON_REF>`, `<*>`) is a
//! reference block: it says the sample was assessed from POS to INFO/END (or the end of REF) and
//! holds the genotype it gives (0/0 usually, ./. when not covered). Other records are variants;
//! symbolic alleles are dropped from them, and genotype indices pointing at dropped alleles become
//! missing.

use std::io::BufRead;
use std::path::Path;

use crate::error::{Result, StepError};

/// One sample's genotype fields from a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleCall {
    /// Allele indices into the record's kept alleles; `None` = missing.
    pub gt: Vec<Option<usize>>,
    pub gq: Option<String>,
    pub dp: Option<String>,
    /// AD per kept allele.
    pub ad: Option<Vec<String>>,
}

/// A variant record or a reference block.
#[derive(Debug, Clone, PartialEq)]
pub struct InRecord {
    pub contig: String,
    /// 0-based.
    pub pos: i64,
    /// Inclusive 0-based end of what the record covers (reference blocks).
    pub end: i64,
    pub id: String,
    /// REF then concrete ALT alleles.
    pub alleles: Vec<String>,
    pub qual: Option<f64>,
    pub filter: String,
    pub reference_block: bool,
    pub samples: Vec<SampleCall>,
}

/// One parsed input VCF.
#[derive(Debug, Default)]
pub struct InVcf {
    pub contigs: Vec<String>,
    /// `##contig=` lines, verbatim.
    pub contig_lines: Vec<String>,
    pub filter_lines: Vec<String>,
    pub samples: Vec<String>,
    pub records: Vec<InRecord>,
}

pub fn read(path: &Path) -> Result<InVcf> {
    let input = crate::textio::open(path, "VCF")?;
    let mut vcf = InVcf::default();
    let mut last: Option<(String, i64)> = None;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| StepError::io("read VCF", path, e))?;
        let err = |m: String| StepError::input(format!("{} line {}: {m}", path.display(), i + 1));
        if let Some(meta) = line.strip_prefix("##") {
            header_line(&mut vcf, meta, &line);
        } else if let Some(cols) = line.strip_prefix("#CHROM") {
            vcf.samples = cols.split('\t').skip(9).map(str::to_string).collect();
        } else if !line.trim().is_empty() {
            let rec = parse_record(&line, vcf.samples.len()).map_err(err)?;
            if let Some((c, p)) = &last {
                if *c == rec.contig && rec.pos < *p {
                    return Err(err(
                        "records are not sorted by position; sort with `bcftools sort`".into(),
                    ));
                }
            }
            last = Some((rec.contig.clone(), rec.pos));
            vcf.records.push(rec);
        }
    }
    Ok(vcf)
}

fn header_line(vcf: &mut InVcf, meta: &str, line: &str) {
    if let Some(rest) = meta.strip_prefix("contig=<ID=") {
        let id = rest
            .split([',', '>'])
            .next()
            .unwrap_or_default()
            .to_string();
        if !vcf.contigs.contains(&id) {
            vcf.contigs.push(id);
            vcf.contig_lines.push(line.to_string());
        }
    } else if meta.starts_with("FILTER=") && !meta.starts_with("FILTER=<ID=PASS,") {
        vcf.filter_lines.push(line.to_string());
    }
}

fn parse_record(line: &str, n_samples: usize) -> std::result::Result<InRecord, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    if cols.len() < 8 || (n_samples > 0 && cols.len() < 9 + n_samples) {
        return Err(format!(
            "expected {} tab-separated columns, found {}",
            9 + n_samples,
            cols.len()
        ));
    }
    let pos = cols[1]
        .parse::<i64>()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("bad POS {:?}", cols[1]))?
        - 1;
    let mut alleles = vec![cols[3].to_ascii_uppercase()];
    // Old index -> kept index.
    let mut map = vec![Some(0)];
    for alt in cols[4].split(',') {
        if alt == "." || alt == "*" || alt.starts_with('<') {
            map.push(None);
        } else {
            map.push(Some(alleles.len()));
            alleles.push(alt.to_ascii_uppercase());
        }
    }
    let end = cols[7]
        .split(';')
        .find_map(|f| f.strip_prefix("END="))
        .and_then(|e| e.parse::<i64>().ok())
        .map(|e| e - 1)
        .unwrap_or(pos + alleles[0].len() as i64 - 1);
    let format: Vec<&str> = cols
        .get(8)
        .map(|f| f.split(':').collect())
        .unwrap_or_default();
    let samples = cols
        .iter()
        .skip(9)
        .take(n_samples)
        .map(|s| sample_call(s, &format, &map))
        .collect();
    Ok(InRecord {
        contig: cols[0].to_string(),
        pos,
        end,
        id: cols[2].to_string(),
        qual: cols[5].parse().ok(),
        filter: cols[6].to_string(),
        reference_block: alleles.len() == 1,
        alleles,
        samples,
    })
}

fn sample_call(col: &str, format: &[&str], map: &[Option<usize>]) -> SampleCall {
    let values: Vec<&str> = col.split(':').collect();
    let get = |key: &str| {
        format
            .iter()
            .position(|f| *f == key)
            .and_then(|i| values.get(i))
            .copied()
    };
    let gt = get("GT")
        .unwrap_or(".")
        .split(['/', '|'])
        .map(|a| {
            a.parse::<usize>()
                .ok()
                .and_then(|i| map.get(i).copied().flatten())
        })
        .collect();
    let present = |v: Option<&str>| v.filter(|s| *s != ".").map(str::to_string);
    let ad = present(get("AD")).map(|ad| {
        let old: Vec<&str> = ad.split(',').collect();
        let mut kept = vec![".".to_string(); map.iter().flatten().count()];
        for (o, k) in map.iter().enumerate() {
            if let (Some(k), Some(v)) = (k, old.get(o)) {
                kept[*k] = v.to_string();
            }
        }
        kept
    });
    SampleCall {
        gt,
        gq: present(get("GQ")),
        dp: present(get("DP")),
        ad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_variants_and_reference_blocks() {
        let v = parse_record(
            "c\t10\trs1\tA\tG,<NON_REF>\t50\tPASS\tDP=9\tGT:GQ:DP:AD\t0/1:40:9:4,5,0",
            1,
        )
        .unwrap();
        assert_eq!(v.alleles, vec!["A", "G"]);
        assert!(!v.reference_block);
        assert_eq!(v.samples[0].gt, vec![Some(0), Some(1)]);
        assert_eq!(
            v.samples[0].ad,
            Some(vec!["4".to_string(), "5".to_string()])
        );
        let b = parse_record("c\t20\t.\tT\t<NON_REF>\t.\t.\tEND=30\tGT:DP\t0/0:12", 1).unwrap();
        assert!(b.reference_block);
        assert_eq!((b.pos, b.end), (19, 29));
        let hom_ref_site = parse_record("c\t5\t.\tAC\t.\t.\t.\tDP=3\tGT:DP\t0/0:3", 1).unwrap();
        assert!(hom_ref_site.reference_block);
        assert_eq!(hom_ref_site.end, 5);
    }

    #[test]
    fn rejects_short_lines() {
        assert!(parse_record("c\t10\t.\tA\tG\t.\t.\t.\tGT", 1)
            .unwrap_err()
            .contains("columns"));
    }
}
