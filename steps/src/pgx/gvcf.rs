//! gVCF reference blocks: a record with `INFO/END`, only symbolic ALTs (`<NON_REF>`, `<*>`) and a
//! homozygous-reference GT says every position from POS to END is reference. Definition positions
//! inside such a block (and without a record of their own) are read as hom-ref, so a gVCF gives
//! the same calls as a VCF that lists every PGx position.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::vcf::{SampleAllele, SiteOfInterest};

/// Definition positions per chromosome, and which of them fall in a reference block.
#[derive(Debug, Default)]
pub struct RefBlocks {
    positions: HashMap<String, Vec<u64>>,
    /// `chr:pos` -> GT of the covering block (`0/0`, `0|0`, `0`).
    covered: BTreeMap<String, String>,
    /// Sites that had a record of their own.
    seen: HashSet<String>,
}

impl RefBlocks {
    pub fn new<'a>(keys: impl Iterator<Item = &'a String>) -> Self {
        let mut positions: HashMap<String, Vec<u64>> = HashMap::new();
        for key in keys {
            if let Some((chrom, pos)) = key
                .rsplit_once(':')
                .and_then(|(c, p)| Some((c, p.parse().ok()?)))
            {
                positions.entry(chrom.to_string()).or_default().push(pos);
            }
        }
        for v in positions.values_mut() {
            v.sort_unstable();
        }
        Self {
            positions,
            ..Self::default()
        }
    }

    /// Notes the definition positions a reference-block record covers (after its own POS).
    pub fn add(&mut self, chrom: &str, pos: u64, end: Option<u64>, alts: &[String], gt: &str) {
        let Some(end) = end.filter(|e| *e > pos) else {
            return;
        };
        let symbolic = alts.iter().all(|a| a.starts_with('<') || a == "*");
        let hom_ref = !gt.is_empty() && gt.split(['/', '|']).all(|a| a == "0");
        let Some(list) = self.positions.get(chrom).filter(|_| symbolic && hom_ref) else {
            return;
        };
        let from = list.partition_point(|p| *p <= pos);
        for p in list[from..].iter().take_while(|p| **p <= end) {
            self.covered.insert(format!("{chrom}:{p}"), gt.to_string());
        }
    }

    /// A definition position had its own record (which then wins over any block).
    pub fn seen(&mut self, key: &str) {
        self.seen.insert(key.to_string());
    }

    /// Adds hom-ref genotypes for covered sites without a record; returns how many.
    pub fn fill(
        &self,
        sites: &HashMap<String, SiteOfInterest>,
        alleles: &mut BTreeMap<String, SampleAllele>,
    ) -> usize {
        let mut n = 0;
        for (key, gt) in &self.covered {
            let Some(site) = sites.get(key).filter(|_| !self.seen.contains(key)) else {
                continue;
            };
            let Some((chrom, pos)) = key.rsplit_once(':') else {
                continue;
            };
            let copies = gt.split(['/', '|']).count();
            let sa = SampleAllele {
                chromosome: chrom.to_string(),
                position: pos.parse().unwrap_or_default(),
                allele1: site.reference.clone(),
                allele2: (copies > 1).then(|| site.reference.clone()),
                phased: !gt.contains('/'),
                gt: gt.clone(),
                undocumented: Vec::new(),
                phase_set: None,
            };
            alleles.insert(key.clone(), sa);
            n += 1;
        }
        n
    }
}

impl RefBlocks {
    /// Adds hom-ref genotypes for definition positions with no record and no covering block;
    /// returns their keys.
    pub fn fill_absent(
        &self,
        sites: &HashMap<String, SiteOfInterest>,
        alleles: &mut BTreeMap<String, SampleAllele>,
    ) -> std::collections::BTreeSet<String> {
        let mut keys = std::collections::BTreeSet::new();
        for (key, site) in sites {
            if self.seen.contains(key) || alleles.contains_key(key) {
                continue;
            }
            let Some((chrom, pos)) = key.rsplit_once(':') else {
                continue;
            };
            let haploid = matches!(chrom, "chrY" | "chrM");
            let sa = SampleAllele {
                chromosome: chrom.to_string(),
                position: pos.parse().unwrap_or_default(),
                allele1: site.reference.clone(),
                allele2: (!haploid).then(|| site.reference.clone()),
                phased: false,
                gt: if haploid { "0".into() } else { "0/0".into() },
                undocumented: Vec::new(),
                phase_set: None,
            };
            alleles.insert(key.clone(), sa);
            keys.insert(key.clone());
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_covers_sites_after_its_start_only_when_hom_ref() {
        let keys = [
            "chr1:100".to_string(),
            "chr1:150".to_string(),
            "chr1:300".to_string(),
        ];
        let sites: HashMap<String, SiteOfInterest> = keys
            .iter()
            .map(|k| {
                let site = SiteOfInterest {
                    reference: "A".into(),
                    alts: vec!["G".into()],
                    undocumented_as_reference: false,
                };
                (k.clone(), site)
            })
            .collect();
        let mut blocks = RefBlocks::new(keys.iter());
        let non_ref = ["<NON_REF>".to_string()];
        blocks.add("chr1", 90, Some(200), &non_ref, "0/0");
        blocks.add("chr1", 250, Some(400), &non_ref, "0/1");
        blocks.seen("chr1:100");
        let mut alleles = BTreeMap::new();
        assert_eq!(blocks.fill(&sites, &mut alleles), 1);
        let sa = &alleles["chr1:150"];
        assert_eq!(
            (sa.allele1.as_str(), sa.allele2.as_deref()),
            ("A", Some("A"))
        );
    }
}
