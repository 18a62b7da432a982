//! Variants given as a VCF, made plantable.
//!
//! Whatever the input's spelling, the variants go through the same normalisation as random ones
//! before they are planted, so the truth never depends on how the input wrote them. Each record
//! names its line in errors: a REF that does not match the reference, an overlap on one haplotype,
//! a genotype naming an allele the record lacks.

use std::io::BufRead;
use std::path::Path;

use super::genome::Contig;
use super::variants::{normalize, Variant};
use crate::{Result, StepError};

/// Read variants from a VCF (plain or gzipped) and make them plantable. With `plant_ref`
/// (a simulated reference) each REF allele is written into the reference; otherwise REF must match
/// it. Returns the variants normalised and sorted; overlaps on one haplotype are an error.
pub fn read_variants(path: &Path, contigs: &mut [Contig], plant_ref: bool) -> Result<Vec<Variant>> {
    Ok(read_records(path, contigs, plant_ref)?
        .into_iter()
        .map(|r| r.variant)
        .collect())
}

/// A planted record of a given VCF: its line, the variant, and its `INFO/AF` if present.
#[derive(Debug, Clone)]
pub struct GivenVariant {
    pub line: usize,
    pub variant: Variant,
    pub af: Option<f64>,
}

/// [`read_variants`], keeping each record's line number and allele fraction.
pub fn read_records(
    path: &Path,
    contigs: &mut [Contig],
    plant_ref: bool,
) -> Result<Vec<GivenVariant>> {
    let reader = crate::textio::open(path, "VCF")?;
    let mut parsed = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line =
            line.map_err(|e| StepError::input(format!("{}: line {}: {e}", path.display(), i + 1)))?;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let at =
            |msg: String| StepError::input(format!("{}: line {}: {msg}", path.display(), i + 1));
        for (v, af) in parse_record(&line, contigs).map_err(at)? {
            parsed.push((i + 1, v, af));
        }
    }
    for (line, v, _) in &parsed {
        let seq = &mut contigs[v.contig].seq;
        if plant_ref {
            seq[v.pos..v.end()].copy_from_slice(&v.reference);
        } else if seq[v.pos..v.end()] != v.reference[..] {
            return Err(StepError::input(format!(
                "{}: line {line}: REF {} does not match the reference ({}); was the VCF made on another reference?",
                path.display(),
                String::from_utf8_lossy(&v.reference),
                String::from_utf8_lossy(&seq[v.pos..v.end()])
            )));
        }
    }
    let mut out: Vec<GivenVariant> = parsed
        .into_iter()
        .map(|(line, v, af)| {
            let (pos, reference, alt) =
                normalize(&contigs[v.contig].seq, v.pos, v.reference, v.alt);
            GivenVariant {
                line,
                variant: Variant {
                    pos,
                    reference,
                    alt,
                    ..v
                },
                af,
            }
        })
        .collect();
    out.sort_by_key(|r| (r.variant.contig, r.variant.pos));
    check_overlaps(path, &out)?;
    Ok(out)
}

fn check_overlaps(path: &Path, records: &[GivenVariant]) -> Result<()> {
    for h in 0..2 {
        let mut last: Option<&GivenVariant> = None;
        for r in records.iter().filter(|r| r.variant.on[h]) {
            if let Some(p) = last {
                if p.variant.contig == r.variant.contig && r.variant.pos < p.variant.end() {
                    return Err(StepError::input(format!(
                        "{}: lines {} and {}: variants overlap on haplotype {}; keep one or put them on different haplotypes (0|1 and 1|0)",
                        path.display(),
                        p.line,
                        r.line,
                        h + 1
                    )));
                }
            }
            last = Some(r);
        }
    }
    Ok(())
}

/// One data line as the variants it plants: one per distinct ALT allele in the genotype, on the
/// haplotypes that carry it (so `1|2` gives two records, as `bcftools norm -m-` would). Records
/// with nothing to plant (ALT `.`, GT `0|0`, `*` alleles) give none.
fn parse_record(line: &str, contigs: &[Contig]) -> Result<Vec<(Variant, Option<f64>)>, String> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() < 5 {
        return Err(format!(
            "expected at least 5 tab-separated columns, found {}",
            f.len()
        ));
    }
    let contig = contigs
        .iter()
        .position(|c| c.name == f[0])
        .ok_or_else(|| format!("contig `{}` is not in the reference", f[0]))?;
    let pos: usize = f[1]
        .parse()
        .ok()
        .filter(|&p| p >= 1)
        .ok_or_else(|| format!("bad POS `{}`", f[1]))?;
    if f[4] == "." {
        return Ok(Vec::new());
    }
    let reference = allele(f[3])?;
    if pos - 1 + reference.len() > contigs[contig].seq.len() {
        return Err(format!("REF runs past the end of `{}`", f[0]));
    }
    let alts: Vec<&str> = f[4].split(',').collect();
    let carried = match (f.get(8), f.get(9)) {
        (Some(fmt), Some(sample)) if fmt.split(':').next() == Some("GT") => {
            genotype(sample.split(':').next().unwrap_or("."), alts.len())?
        }
        _ => [0, 1],
    };
    let afs: Vec<Option<f64>> = f
        .get(7)
        .and_then(|info| info.split(';').find_map(|kv| kv.strip_prefix("AF=")))
        .map(|list| list.split(',').map(|x| x.parse().ok()).collect())
        .unwrap_or_default();
    let mut out: Vec<(Variant, Option<f64>)> = Vec::new();
    for (h, &k) in carried.iter().enumerate() {
        if k == 0 || alts[k - 1] == "*" {
            continue;
        }
        let alt = allele(alts[k - 1])?;
        match out.iter_mut().find(|(v, _)| v.alt == alt) {
            Some((v, _)) => v.on[h] = true,
            None => {
                let mut on = [false; 2];
                on[h] = true;
                let af = afs.get(k - 1).copied().flatten();
                out.push((
                    Variant {
                        contig,
                        pos: pos - 1,
                        reference: reference.clone(),
                        alt,
                        on,
                    },
                    af,
                ));
            }
        }
    }
    Ok(out)
}

fn allele(a: &str) -> Result<Vec<u8>, String> {
    let a = a.to_ascii_uppercase().into_bytes();
    if a.is_empty() || !a.iter().all(|b| b"ACGTN".contains(b)) {
        return Err(format!(
            "allele `{}` is not a plain sequence of A, C, G, T, N (symbolic alleles cannot be planted)",
            String::from_utf8_lossy(&a)
        ));
    }
    Ok(a)
}

/// The allele index on each haplotype for `0|1`, `1/2`, `1`, `./.` ...; unphased genotypes are
/// taken in the order written. A haploid call counts for both haplotypes.
fn genotype(gt: &str, n_alts: usize) -> Result<[usize; 2], String> {
    let index = |a: &str| -> Result<usize, String> {
        match a {
            "." => Ok(0),
            _ => a
                .parse::<usize>()
                .ok()
                .filter(|&k| k <= n_alts)
                .ok_or_else(|| {
                    format!("genotype `{gt}` names an allele this record does not have")
                }),
        }
    };
    let alleles: Vec<&str> = gt.split(['|', '/']).collect();
    match alleles.as_slice() {
        [a] => Ok([index(a)?; 2]),
        [a, b] => Ok([index(a)?, index(b)?]),
        _ => Err(format!("genotype `{gt}` is not diploid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn reference() -> Vec<Contig> {
        vec![Contig {
            name: "c1".into(),
            seq: b"GGCACACAGGTTTTTA".to_vec(),
        }]
    }

    fn vcf(body: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        write!(f, "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts\n{body}").unwrap();
        f
    }

    #[test]
    fn given_variants_are_normalised_sorted_and_genotyped() {
        let f = vcf("c1\t15\t.\tTA\tA\t.\t.\t.\tGT\t1/1\nc1\t8\t.\tA\tACA\t.\t.\t.\tGT\t1|0\n");
        let mut contigs = reference();
        let v = read_variants(f.path(), &mut contigs, false).unwrap();
        assert_eq!(
            (
                v[0].pos,
                v[0].reference.as_slice(),
                v[0].alt.as_slice(),
                v[0].on
            ),
            (1, &b"G"[..], &b"GCA"[..], [true, false])
        );
        assert_eq!(
            (v[1].pos, v[1].reference.as_slice(), v[1].alt.as_slice()),
            (9, &b"GT"[..], &b"G"[..])
        );
        assert_eq!(v[1].genotype(), "1|1");
    }

    #[test]
    fn ref_mismatch_and_overlap_are_errors_naming_lines() {
        let f = vcf("c1\t3\t.\tG\tT\n");
        let e = read_variants(f.path(), &mut reference(), false).unwrap_err();
        assert!(
            e.message.contains("line 3: REF G does not match"),
            "{}",
            e.message
        );
        let mut planted = reference();
        assert_eq!(
            read_variants(f.path(), &mut planted, true).unwrap().len(),
            1
        );
        assert_eq!(planted[0].seq[2], b'G');
        let f = vcf("c1\t2\t.\tGCA\tG\t.\t.\t.\tGT\t1|1\nc1\t3\t.\tC\tT\t.\t.\t.\tGT\t0|1\n");
        let e = read_variants(f.path(), &mut reference(), false).unwrap_err();
        assert!(e.message.contains("lines 3 and 4"), "{}", e.message);
        let f = vcf("c9\t2\t.\tG\tT\n");
        assert!(read_variants(f.path(), &mut reference(), false)
            .unwrap_err()
            .message
            .contains("c9"));
    }

    #[test]
    fn multi_allelic_genotypes_split_per_haplotype() {
        let f = vcf("c1\t3\t.\tC\tA,T\t.\t.\t.\tGT\t1/2\nc1\t11\t.\tT\tG,*\t.\t.\t.\tGT:DP\t2|1:9\nc1\t5\t.\tC\tG\t.\t.\t.\tGT\t0/0\n");
        let v = read_variants(f.path(), &mut reference(), false).unwrap();
        let got: Vec<(usize, &[u8], [bool; 2])> =
            v.iter().map(|v| (v.pos, v.alt.as_slice(), v.on)).collect();
        assert_eq!(
            got,
            [
                (2, &b"A"[..], [true, false]),
                (2, &b"T"[..], [false, true]),
                (10, &b"G"[..], [false, true])
            ]
        );
        let f = vcf("c1\t3\t.\tC\tA\t.\t.\t.\tGT\t0|2\n");
        let e = read_variants(f.path(), &mut reference(), false).unwrap_err();
        assert!(
            e.message.contains("line 3: genotype `0|2` names an allele"),
            "{}",
            e.message
        );
    }
}
