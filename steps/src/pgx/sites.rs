//! Every PGx position as a VCF, the input of forced-site genotyping: a caller that emits a
//! genotype (hom-ref included) at each of these positions leaves nothing "not assessed".
//!
//! Like PharmCAT's `pharmcat_positions.vcf`: one record per definition position (REF and every
//! defined ALT), `INFO/PX` naming the gene(s), `INFO/POI` marking positions only reported (extra
//! positions), and a `0/0` reference sample so the file itself is a valid all-reference input.

use std::collections::BTreeMap;

use super::definition::Definitions;

/// Sort key of a GRCh38 chromosome name: `chr1`..`chr22`, `chrX`, `chrY`, `chrM`, then others.
fn chrom_rank(chrom: &str) -> (u32, String) {
    let bare = chrom.trim_start_matches("chr");
    let rank = match bare {
        "X" => 23,
        "Y" => 24,
        "M" | "MT" => 25,
        n => n.parse().unwrap_or(26),
    };
    (rank, chrom.to_string())
}

struct Site {
    rsid: Option<String>,
    reference: String,
    alts: Vec<String>,
    genes: Vec<String>,
    reported_only: bool,
}

/// The sites VCF text for all definitions, sorted by chromosome and position.
pub fn sites_vcf(defs: &Definitions) -> String {
    let mut sites: BTreeMap<((u32, String), u64), Site> = BTreeMap::new();
    for def in defs.genes.values() {
        let loci = def.loci.iter().map(|l| (l, false));
        for (l, extra) in loci.chain(def.extra_positions.iter().map(|l| (l, true))) {
            let site = sites
                .entry((chrom_rank(&l.chromosome), l.position))
                .or_insert_with(|| Site {
                    rsid: l.rsid.clone(),
                    reference: l.r#ref.clone(),
                    alts: Vec::new(),
                    genes: Vec::new(),
                    reported_only: extra,
                });
            site.reported_only &= extra;
            for a in &l.alts {
                if !site.alts.contains(a) {
                    site.alts.push(a.clone());
                }
            }
            if !site.genes.contains(&def.gene) {
                site.genes.push(def.gene.clone());
            }
        }
    }
    let mut out = String::from(
        "##fileformat=VCFv4.2\n##source=cairn pgx definition positions\n\
         ##INFO=<ID=PX,Number=.,Type=String,Description=\"Gene\">\n\
         ##INFO=<ID=POI,Number=0,Type=Flag,Description=\"Position of interest, not part of an allele definition\">\n\
         ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPGX\n",
    );
    for (((_, chrom), pos), s) in &sites {
        let alt = if s.alts.is_empty() {
            ".".to_string()
        } else {
            s.alts.join(",")
        };
        let poi = if s.reported_only { ";POI" } else { "" };
        out.push_str(&format!(
            "{chrom}\t{pos}\t{}\t{}\t{alt}\t.\tPASS\tPX={}{poi}\tGT\t0/0\n",
            s.rsid.as_deref().unwrap_or("."),
            s.reference,
            s.genes.join(","),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromosomes_sort_numerically() {
        let mut names = vec!["chrX", "chr10", "chr2", "chrM", "chr1"];
        names.sort_by_key(|c| chrom_rank(c));
        assert_eq!(names, ["chr1", "chr2", "chr10", "chrX", "chrM"]);
    }
}
