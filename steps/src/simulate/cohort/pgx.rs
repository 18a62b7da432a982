//! The demo's pharmacogene loci and the definition set that describes them.
//!
//! The demo genome is synthetic, so GRCh38 coordinates cannot point into it. Instead every
//! definition position of the project's small CPIC set (`test-data/pgx`) is given a place on a
//! demo contig named after its chromosome (`demo_chr10` holds CYP2C19 and CYP2C9), in the same
//! order, 400 bp apart, with the definition's REF base written into the reference there. The
//! definition files are rewritten with those positions and declare the synthetic build
//! ([`BUILD`]); allele names, functions, phenotypes and guidelines are copied unchanged, so the
//! `pgx` kind reads the demo set exactly as it reads a CPIC/PharmCAT directory. A CYP2D6 definition
//! (a two-position subset: *4 and *10) is added so the demo shows what PharmCAT shows for CYP2D6
//! without an outside call: a gene that is not called from a VCF, listed with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::{Result, StepError};

/// The build the demo definitions declare.
pub const BUILD: &str = "cairn-demo-1 (synthetic; not GRCh38)";
/// Bases before the first and after the last site of a contig, and between genes.
const FLANK: usize = 1500;
/// Distance between two definition positions of one gene.
const STEP: usize = 400;

/// One definition position, placed on a demo contig.
#[derive(Debug, Clone)]
pub struct Site {
    pub gene: String,
    pub rsid: String,
    pub contig: String,
    /// 1-based.
    pub pos: usize,
    pub reference: String,
    pub alt: String,
}

/// The demo PGx contigs (name, length), their sites and the definition files to write.
#[derive(Debug, Default)]
pub struct Loci {
    pub contigs: Vec<(String, usize)>,
    pub sites: Vec<Site>,
    /// (path under the definition folder, JSON text)
    pub files: Vec<(PathBuf, String)>,
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| StepError::io("read", path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| StepError::input(format!("{}: not valid JSON: {e}", path.display())))
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| StepError::io("read", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// A two-position CYP2D6 subset (rs3892097 defines *4 with rs1065852; rs1065852 alone, *10).
fn cyp2d6() -> Value {
    let variant = |pos: u64, rsid: &str, r: &str, a: &str| json!({"chromosome": "chr22", "position": pos, "rsid": rsid, "ref": r, "alts": [a]});
    let allele = |name: &str, alleles: Value, reference: bool| json!({"name": name, "id": format!("CYP2D6-{name}"), "alleles": alleles, "reference": reference});
    json!({
        "formatVersion": "2", "source": "CPIC", "version": "cairn-demo-1", "gene": "CYP2D6",
        "chromosome": "chr22", "genomeBuild": "GRCh38",
        "variants": [variant(42128945, "rs3892097", "C", "T"), variant(42130692, "rs1065852", "G", "A")],
        "namedAlleles": [
            allele("*1", json!(["C", "G"]), true),
            allele("*4", json!(["T", "A"]), false),
            allele("*10", json!([null, "A"]), false),
        ],
    })
}

/// Lay the definitions of `source` (a CPIC-format folder) out on demo contigs.
pub fn loci(source: &Path) -> Result<Loci> {
    let alleles = source.join("definition/alleles");
    let mut defs: Vec<Value> = json_files(&alleles)?
        .iter()
        .map(|p| read_json(p))
        .collect::<Result<_>>()?;
    defs.push(cyp2d6());
    let mut by_chrom: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for d in defs {
        let chrom = d["chromosome"].as_str().unwrap_or("chrUn").to_string();
        by_chrom.entry(chrom).or_default().push(d);
    }
    let mut loci = Loci::default();
    for (chrom, mut genes) in by_chrom {
        let contig = format!("demo_{chrom}");
        genes.sort_by_key(|g| g["gene"].as_str().unwrap_or("").to_string());
        let mut cursor = FLANK;
        for mut g in genes {
            relocate(&mut g, &contig, &mut cursor, &mut loci.sites)?;
            let gene = g["gene"].as_str().unwrap_or("").to_string();
            let text = serde_json::to_string_pretty(&g).expect("a JSON value serializes") + "\n";
            let path = PathBuf::from(format!("definition/alleles/{gene}_translation.json"));
            loci.files.push((path, text));
            cursor += FLANK;
        }
        loci.contigs.push((contig, cursor));
    }
    for sub in ["phenotype/cpic", "guidelines_cpic"] {
        for p in json_files(&source.join(sub))? {
            let text = std::fs::read_to_string(&p).map_err(|e| StepError::io("read", &p, e))?;
            let name = p.file_name().unwrap_or_default();
            loci.files.push((Path::new(sub).join(name), text));
        }
    }
    Ok(loci)
}

/// Give each variant of one definition file a demo position (in the original order) and record
/// the sites.
fn relocate(
    def: &mut Value,
    contig: &str,
    cursor: &mut usize,
    sites: &mut Vec<Site>,
) -> Result<()> {
    let gene = def["gene"].as_str().unwrap_or("").to_string();
    def["chromosome"] = json!(contig);
    def["genomeBuild"] = json!(BUILD);
    let variants = def["variants"]
        .as_array_mut()
        .ok_or_else(|| StepError::input(format!("definition of {gene} has no `variants` list")))?;
    let mut order: Vec<usize> = (0..variants.len()).collect();
    order.sort_by_key(|&i| variants[i]["position"].as_u64().unwrap_or(0));
    for i in order {
        let v = &mut variants[i];
        let pos = *cursor + 1;
        *cursor += STEP;
        let (r, alt) = (
            v["ref"].as_str().unwrap_or("").to_string(),
            v["alts"][0].as_str().unwrap_or("").to_string(),
        );
        if r.len() != 1 || alt.len() != 1 {
            return Err(StepError::input(format!(
                "{gene}: the demo places single-base definition positions only, found {r}>{alt}"
            )));
        }
        v["chromosome"] = json!(contig);
        v["position"] = json!(pos);
        if v.get("cpicPosition").is_some() {
            v["cpicPosition"] = json!(pos);
        }
        v["chromosomeHgvsName"] = json!(format!("g.{pos}{r}>{alt}"));
        sites.push(Site {
            gene: gene.clone(),
            rsid: v["rsid"].as_str().unwrap_or(".").to_string(),
            contig: contig.to_string(),
            pos,
            reference: r,
            alt,
        });
    }
    Ok(())
}

/// Write the definition files under `dir`.
pub fn write(loci: &Loci, dir: &Path) -> Result<()> {
    for (rel, text) in &loci.files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StepError::io("create", parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| StepError::io("write", &path, e))?;
    }
    Ok(())
}
