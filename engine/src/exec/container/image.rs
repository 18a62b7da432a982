//! Images: the names workflows use (`images.toml`), and what an image is, by content.
//!
//! ```toml
//! [images.tools]
//! image = "localhost/cairn-tools:bookworm"       # what the runtime is asked for
//! digest = "sha256:4542fb38..."                  # the pin: the image must be exactly this
//! build = "containers/build.sh tools"            # said when the image is missing
//! ```
//!
//! Resolving an image asks the runtime what the reference names right now (`podman image inspect`)
//! and returns its image id: the identity that goes into the action digest and that the container
//! is started from. A pin is checked against the id, the manifest digest and the repo digests, so
//! either kind of digest pins. File-based runtimes (Apptainer, Charliecloud) name a SIF or SquashFS
//! file or an image folder; its identity is the BLAKE3 digest of its content.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::{ContainerError, Runtime};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    images: BTreeMap<String, RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    image: String,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    build: Option<String>,
}

/// An image as a workflow names it, before asking any runtime about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The name used in `container:`.
    pub name: String,
    /// The reference given to the runtime (`repo:tag`, `repo@sha256:...`, an id, or a path).
    pub reference: String,
    /// The digest the image must have.
    pub pin: Option<String>,
    /// How to build it, when it is missing.
    pub build: Option<String>,
    /// The `images.toml` it comes from.
    pub table: Option<PathBuf>,
}

impl ImageSpec {
    /// A `container:` value that is itself a reference, not a name in a table.
    pub fn literal(reference: &str) -> ImageSpec {
        ImageSpec {
            name: reference.to_string(),
            reference: reference.to_string(),
            pin: None,
            build: None,
            table: None,
        }
    }

    /// Whether the image is fixed by content: a pin, a `@sha256:` reference or a bare image id.
    pub fn pinned(&self) -> bool {
        let r = self
            .reference
            .strip_prefix("sha256:")
            .unwrap_or(&self.reference);
        self.pin.is_some()
            || self.reference.contains("@sha256:")
            || (r.len() == 64 && r.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    fn source(&self) -> String {
        self.table
            .as_ref()
            .map_or_else(|| "the workflow".to_string(), |t| t.display().to_string())
    }
}

/// The named images of an `images.toml`.
#[derive(Debug, Clone, Default)]
pub struct ImageTable {
    pub path: PathBuf,
    pub images: BTreeMap<String, ImageSpec>,
}

impl ImageTable {
    pub fn load(path: &Path) -> Result<ImageTable, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the image table {}: {e}", path.display()))?;
        ImageTable::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<ImageTable, String> {
        let raw: RawTable =
            toml::from_str(text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let images = raw
            .images
            .into_iter()
            .map(|(name, e)| {
                // A relative path (an image file or folder) is relative to the table.
                let reference = if e.image.starts_with("./") || e.image.starts_with("../") {
                    base.join(&e.image).to_string_lossy().into_owned()
                } else {
                    e.image
                };
                let spec = ImageSpec {
                    name: name.clone(),
                    reference,
                    pin: e.digest,
                    build: e.build,
                    table: Some(path.to_path_buf()),
                };
                (name, spec)
            })
            .collect();
        Ok(ImageTable {
            path: path.to_path_buf(),
            images,
        })
    }
}

/// An image as a runtime found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    pub spec: ImageSpec,
    /// Its identity: `sha256:<image id>` or `blake3:<content digest>`. In the action digest.
    pub id: String,
    /// What the runtime is given to start it: the id itself, or the file's absolute path.
    pub run_ref: String,
}

/// Ask the runtime what `spec` is now; check its pin.
pub fn resolve_image(rt: &Runtime, spec: &ImageSpec) -> Result<ResolvedImage, ContainerError> {
    let missing = |detail: String| ContainerError::ImageMissing {
        name: spec.name.clone(),
        reference: spec.reference.clone(),
        runtime: rt.kind,
        detail,
        how: match (&spec.build, rt.kind.has_image_store()) {
            (Some(b), _) => format!("build it with `{b}`"),
            (None, true) => format!(
                "build it (containers/build.sh) or pull it (`{} pull {}`)",
                rt.kind.default_binary(),
                spec.reference
            ),
            (None, false) => "build the image file or folder, or correct the path".into(),
        },
    };
    let (id, run_ref, also) = if rt.kind.has_image_store() {
        let (id, digests) = inspect(rt, &spec.reference).map_err(|detail| {
            // A daemon that is not running is not a missing image.
            if detail.contains("Cannot connect") || detail.contains("daemon") {
                ContainerError::RuntimeDown {
                    kind: rt.kind,
                    detail,
                }
            } else {
                missing(detail)
            }
        })?;
        (id.clone(), id, digests)
    } else {
        let path =
            std::path::absolute(&spec.reference).unwrap_or_else(|_| spec.reference.clone().into());
        if !path.exists() {
            return Err(missing(format!("{} does not exist", path.display())));
        }
        let d = image_digest(&path).map_err(|e| missing(e.to_string()))?;
        (
            format!("blake3:{d}"),
            path.to_string_lossy().into_owned(),
            Vec::new(),
        )
    };
    if let Some(pin) = &spec.pin {
        let matches = |d: &str| d == pin || d.ends_with(&format!("@{pin}"));
        if !matches(&id) && !also.iter().any(|d| matches(d)) {
            return Err(ContainerError::PinMismatch {
                name: spec.name.clone(),
                reference: spec.reference.clone(),
                found: std::iter::once(id.as_str())
                    .chain(also.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(", "),
                pin: pin.clone(),
                source_file: spec.source(),
            });
        }
    }
    Ok(ResolvedImage {
        spec: spec.clone(),
        id,
        run_ref,
    })
}

/// `inspect` of podman or docker: the image id (as `sha256:...`) and its other digests.
fn inspect(rt: &Runtime, reference: &str) -> Result<(String, Vec<String>), String> {
    // docker's inspect has no `.Digest`; its repo digests carry the same information.
    let format = match rt.kind {
        super::RuntimeKind::Podman => "{{.Id}} {{.Digest}} {{range .RepoDigests}}{{.}} {{end}}",
        _ => "{{.Id}} {{range .RepoDigests}}{{.}} {{end}}",
    };
    let out = Command::new(&rt.binary)
        .args(["image", "inspect", "--format", format, reference])
        .output()
        .map_err(|e| format!("cannot run `{} image inspect`: {e}", rt.binary.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no such image");
        return Err(first.trim().trim_start_matches("Error: ").to_string());
    }
    parse_inspect(&String::from_utf8_lossy(&out.stdout))
}

fn parse_inspect(text: &str) -> Result<(String, Vec<String>), String> {
    let mut words = text.split_whitespace();
    let id = words.next().ok_or("the runtime printed no image id")?;
    let id = if id.starts_with("sha256:") {
        id.to_string()
    } else {
        format!("sha256:{id}")
    };
    Ok((id, words.map(str::to_string).collect()))
}

/// BLAKE3 of a file's bytes, or of a folder's tree: relative paths, kinds, link targets and file
/// contents, in sorted order.
pub fn image_digest(path: &Path) -> std::io::Result<String> {
    let mut h = blake3::Hasher::new();
    if std::fs::metadata(path)?.is_file() {
        hash_file(&mut h, path)?;
    } else {
        hash_tree(&mut h, path, Path::new(""))?;
    }
    Ok(h.finalize().to_hex().to_string())
}

fn hash_file(h: &mut blake3::Hasher, path: &Path) -> std::io::Result<()> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

/// Hash the entries under `rel`; returns whether there was any (a folder holding only empty folders
/// counts as absent: Charliecloud creates such mount points in a writable image folder, and they do
/// not make another image).
fn hash_tree(h: &mut blake3::Hasher, root: &Path, rel: &Path) -> std::io::Result<bool> {
    let mut entries: Vec<_> = std::fs::read_dir(root.join(rel))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut any = false;
    for e in entries {
        let r = rel.join(e.file_name());
        let t = e.file_type()?;
        let mut sub = blake3::Hasher::new();
        sub.update(r.to_string_lossy().as_bytes());
        if t.is_symlink() {
            sub.update(b"\0l\0");
            sub.update(std::fs::read_link(e.path())?.to_string_lossy().as_bytes());
        } else if t.is_dir() {
            sub.update(b"\0d\0");
            if !hash_tree(&mut sub, root, &r)? {
                continue;
            }
        } else if t.is_file() {
            sub.update(b"\0f\0");
            hash_file(&mut sub, &e.path())?;
        } else {
            continue;
        }
        h.update(sub.finalize().as_bytes());
        any = true;
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_images_and_pins() {
        let t = ImageTable::parse(
            "[images.tools]\nimage = \"localhost/cairn-tools:bookworm\"\nbuild = \"containers/build.sh tools\"\n\
             [images.pinned]\nimage = \"localhost/x:1\"\ndigest = \"sha256:ab\"\n\
             [images.sif]\nimage = \"./tools.sif\"\n",
            Path::new("/repo/containers/images.toml"),
        )
        .unwrap();
        assert!(!t.images["tools"].pinned());
        assert!(t.images["pinned"].pinned());
        assert_eq!(t.images["sif"].reference, "/repo/containers/./tools.sif");
        let bad = ImageTable::parse("[images.x]\nimage = \"a\"\ntag = 1\n", Path::new("i.toml"));
        assert!(bad.unwrap_err().contains("tag"));
    }

    #[test]
    fn references_that_pin_themselves() {
        assert!(ImageSpec::literal("localhost/x@sha256:4542fb38").pinned());
        assert!(ImageSpec::literal(&"a".repeat(64)).pinned());
        assert!(ImageSpec::literal(&format!("sha256:{}", "0".repeat(64))).pinned());
        assert!(!ImageSpec::literal("localhost/x:latest").pinned());
    }

    #[test]
    fn inspect_output_of_podman_and_docker() {
        let (id, also) =
            parse_inspect("ad7ba7f3 sha256:4542fb38 localhost/cairn-probe@sha256:4542fb38 \n")
                .unwrap();
        assert_eq!(id, "sha256:ad7ba7f3");
        assert_eq!(
            also,
            ["sha256:4542fb38", "localhost/cairn-probe@sha256:4542fb38"]
        );
        assert_eq!(parse_inspect("sha256:ff \n").unwrap().0, "sha256:ff");
        assert!(parse_inspect("  \n").is_err());
    }

    #[test]
    fn folder_digest_follows_content() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("bin")).unwrap();
        std::fs::write(d.path().join("bin/tool"), b"v1").unwrap();
        let a = image_digest(d.path()).unwrap();
        assert_eq!(a, image_digest(d.path()).unwrap());
        std::fs::write(d.path().join("bin/tool"), b"v2").unwrap();
        let b = image_digest(d.path()).unwrap();
        assert_ne!(a, b);
        // Empty mount points (Charliecloud makes them) do not change the image.
        std::fs::create_dir_all(d.path().join("var/tmp/task")).unwrap();
        assert_eq!(b, image_digest(d.path()).unwrap());
        std::fs::write(d.path().join("var/tmp/task/x"), b"").unwrap();
        assert_ne!(b, image_digest(d.path()).unwrap());
    }
}
