//! Named-allele definitions: the CPIC/PharmCAT `*_translation.json` format (format version 2).
//!
//! Each file holds one gene: its variant positions (`variants`, with VCF-style `ref`/`alts`) and its
//! named alleles (`namedAlleles`), each an array of VCF alleles aligned with `variants`, where `null`
//! means "not part of this allele's definition" and a one-letter IUPAC code (R, Y, M, ...) means
//! "any of these bases" (a *wobble*). Exactly one allele is the reference (`reference: true`).
//! An optional `exemptions.json` removes alleles or positions from matching, adds extra positions to
//! report, or asks for all hits instead of the top-scoring ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Result, StepError};

/// One variant position of a gene definition.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Locus {
    pub chromosome: String,
    pub position: u64,
    #[serde(default)]
    pub rsid: Option<String>,
    #[serde(default)]
    pub chromosome_hgvs_name: Option<String>,
    pub r#ref: String,
    #[serde(default)]
    pub alts: Vec<String>,
}

impl Locus {
    /// `chr:pos`, the key a VCF record is looked up by.
    pub fn key(&self) -> String {
        format!("{}:{}", self.chromosome, self.position)
    }

    /// A short human label: `chr10:94761900 (rs12248560)`.
    pub fn label(&self) -> String {
        match &self.rsid {
            Some(rs) => format!("{}:{} ({rs})", self.chromosome, self.position),
            None => self.key(),
        }
    }
}

/// A named allele (star allele, haplotype) as written in the definition file.
#[derive(Debug, Clone, Deserialize)]
pub struct NamedAlleleDef {
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    pub alleles: Vec<Option<String>>,
    #[serde(default)]
    pub reference: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefinitionFile {
    gene: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    source: Option<String>,
    chromosome: String,
    #[serde(default)]
    genome_build: Option<String>,
    variants: Vec<Locus>,
    named_alleles: Vec<NamedAlleleDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Exemption {
    gene: String,
    #[serde(default)]
    ignored_positions: Vec<Locus>,
    #[serde(default)]
    extra_positions: Vec<Locus>,
    #[serde(default)]
    ignored_alleles: Vec<String>,
    #[serde(default)]
    all_hits: Option<bool>,
}

/// One gene's definition, ready for matching: ignored positions and alleles already removed.
#[derive(Debug, Clone)]
pub struct GeneDefinition {
    pub gene: String,
    pub version: Option<String>,
    pub source: Option<String>,
    pub chromosome: String,
    pub genome_build: Option<String>,
    pub loci: Vec<Locus>,
    pub alleles: Vec<NamedAlleleDef>,
    /// Positions reported alongside the call but not used to match.
    pub extra_positions: Vec<Locus>,
    /// Report every matching diplotype rather than only the top-scoring ones.
    pub all_hits: bool,
}

impl GeneDefinition {
    /// The index of the reference named allele.
    pub fn reference(&self) -> &NamedAlleleDef {
        self.alleles
            .iter()
            .find(|a| a.reference)
            .expect("checked at load")
    }
}

/// Every gene definition found in a directory, by gene symbol.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    pub genes: BTreeMap<String, GeneDefinition>,
}

/// Where translation files live inside a user's definitions directory: the directory itself,
/// `alleles/` or `definition/alleles/` (the layout of a PharmCAT data checkout).
pub fn allele_dir(root: &Path) -> PathBuf {
    for sub in ["definition/alleles", "alleles"] {
        let p = root.join(sub);
        if p.is_dir() {
            return p;
        }
    }
    root.to_path_buf()
}

impl Definitions {
    /// Loads every `*_translation.json` (and `exemptions.json`, if present) under `root`.
    pub fn load(root: &Path) -> Result<Self> {
        let dir = allele_dir(root);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| StepError::io("read definitions directory", &dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with("_translation.json"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(StepError::input(format!(
                "no *_translation.json allele definitions in {}; point --definitions at a CPIC/PharmCAT \
                 definition directory (e.g. test-data/pgx)",
                dir.display()
            )));
        }
        let exemptions = load_exemptions(&dir.join("exemptions.json"))?;
        let mut genes = BTreeMap::new();
        for file in files {
            let def = load_file(&file, exemptions.get(&file_gene(&file)))?;
            genes.insert(def.gene.clone(), def);
        }
        Ok(Self { genes })
    }
}

fn file_gene(file: &Path) -> String {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    name.trim_end_matches("_translation.json").to_string()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| StepError::io("read", path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        StepError::input(format!(
            "{}: not a valid definition file: {e}",
            path.display()
        ))
    })
}

fn load_exemptions(path: &Path) -> Result<BTreeMap<String, Exemption>> {
    if !path.is_file() {
        return Ok(BTreeMap::new());
    }
    let list: Vec<Exemption> = read_json(path)?;
    Ok(list.into_iter().map(|e| (e.gene.clone(), e)).collect())
}

fn load_file(path: &Path, exemption: Option<&Exemption>) -> Result<GeneDefinition> {
    let file: DefinitionFile = read_json(path)?;
    let bad = |msg: String| StepError::input(format!("{}: {msg}", path.display()));
    let n = file.variants.len();
    if let Some(a) = file.named_alleles.iter().find(|a| a.alleles.len() != n) {
        return Err(bad(format!(
            "allele `{}` has {} alleles but the gene has {n} variants",
            a.name,
            a.alleles.len()
        )));
    }
    if file.named_alleles.iter().filter(|a| a.reference).count() != 1 {
        return Err(bad(
            "exactly one named allele must have \"reference\": true".into(),
        ));
    }
    let mut def = GeneDefinition {
        gene: file.gene,
        version: file.version,
        source: file.source,
        chromosome: file.chromosome,
        genome_build: file.genome_build,
        loci: file.variants,
        alleles: file.named_alleles,
        extra_positions: Vec::new(),
        all_hits: false,
    };
    if let Some(ex) = exemption {
        apply_exemption(&mut def, ex);
    }
    Ok(def)
}

fn apply_exemption(def: &mut GeneDefinition, ex: &Exemption) {
    let ignored_names: Vec<String> = ex
        .ignored_alleles
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    def.alleles
        .retain(|a| a.reference || !ignored_names.contains(&a.name.to_lowercase()));
    // an ignored position is one specific variant (position, REF and ALTs), not every variant at
    // that coordinate: definitions may have replaced it with another one there
    let drop: Vec<usize> = (0..def.loci.len())
        .filter(|&i| {
            let l = &def.loci[i];
            ex.ignored_positions
                .iter()
                .any(|p| p.position == l.position && p.r#ref == l.r#ref && p.alts == l.alts)
        })
        .collect();
    for &i in drop.iter().rev() {
        def.loci.remove(i);
        for a in &mut def.alleles {
            a.alleles.remove(i);
        }
    }
    def.alleles
        .retain(|a| a.reference || a.alleles.iter().any(Option::is_some));
    def.extra_positions = ex.extra_positions.clone();
    def.all_hits = ex.all_hits.unwrap_or(false);
}
