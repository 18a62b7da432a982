//! The transcript model as a file: built once per annotation and reused.
//!
//! `cairn step annotate-index --annotation GENES.gff3 --out MODEL.json` parses and checks the
//! annotation once; `annotate --annotation MODEL.json` loads it instead of re-parsing. In a
//! workflow the index is its own step, so the engine caches it as an artifact keyed by the
//! annotation's content and every sample's annotate step shares it (as `align-index` does for
//! the aligner). The file is JSON, schema `cairn.annotate-model/1`: `{schema, annotation,
//! warnings, transcripts: [{id, gene_id, gene_name, biotype, contig, strand, exons: [[start,
//! end]], cds: [start, end] | null, start_phase, canonical, mane}]}` (0-based half-open).

use std::path::{Path, PathBuf};

use super::gff;
use super::model::{Model, Transcript};
use crate::{Result, StepError};

pub const SCHEMA: &str = "cairn.annotate-model/1";

/// Arguments of `cairn step annotate-index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Gene models: GFF3 or GTF, optionally gzipped.
    #[arg(long)]
    pub annotation: PathBuf,
    /// The model file to write (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ModelFile {
    schema: String,
    annotation: String,
    warnings: Vec<String>,
    transcripts: Vec<Transcript>,
}

pub fn run(args: IndexArgs) -> Result<()> {
    let model = gff::read(&args.annotation)?;
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    let file = ModelFile {
        schema: SCHEMA.to_string(),
        annotation: args.annotation.display().to_string(),
        warnings: model.warnings.clone(),
        transcripts: model.transcripts,
    };
    let text = serde_json::to_string(&file)
        .map_err(|e| StepError::failed(format!("cannot encode the model: {e}")))?;
    let name = args
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = args.out.with_file_name(format!(".{name}.partial"));
    std::fs::write(&tmp, text).map_err(|e| StepError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, &args.out).map_err(|e| StepError::io("publish", &args.out, e))
}

/// Whether `path` names a model file rather than GFF3/GTF.
pub fn is_model(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".json")
}

/// Load a model file, or parse GFF3/GTF.
pub fn load(path: &Path) -> Result<Model> {
    if !is_model(path) {
        return gff::read(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| StepError::io("read model", path, e))?;
    let file: ModelFile = serde_json::from_str(&text).map_err(|e| {
        StepError::input(format!(
            "{} is not a cairn annotation model ({e}); build one with `cairn step annotate-index`",
            path.display()
        ))
    })?;
    if file.schema != SCHEMA {
        return Err(StepError::input(format!(
            "{}: model schema {} is not {SCHEMA}; rebuild it with `cairn step annotate-index`",
            path.display(),
            file.schema
        )));
    }
    Ok(Model::new(file.transcripts, file.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let gtf = dir.path().join("g.gtf");
        std::fs::write(
            &gtf,
            "c1\t.\texon\t1\t30\t.\t+\t.\tgene_id \"G\"; transcript_id \"T\"; gene_name \"N\";\n\
             c1\t.\tCDS\t4\t30\t.\t+\t0\tgene_id \"G\"; transcript_id \"T\";\n",
        )
        .unwrap();
        let out = dir.path().join("m.json");
        run(IndexArgs {
            annotation: gtf.clone(),
            out: out.clone(),
        })
        .unwrap();
        let a = load(&gtf).unwrap();
        let b = load(&out).unwrap();
        assert_eq!(a.transcripts.len(), 1);
        assert_eq!(a.transcripts[0].exons, b.transcripts[0].exons);
        assert_eq!(a.transcripts[0].cds, b.transcripts[0].cds);
        std::fs::write(
            &out,
            "{\"schema\":\"x\",\"annotation\":\"\",\"warnings\":[],\"transcripts\":[]}",
        )
        .unwrap();
        assert!(load(&out).unwrap_err().message.contains("rebuild"));
    }
}
