//! Finding inputs: the one walker behind `validate` (workflow manifests), `check` (session bundles: files,
//! bundle directories and JSON Lines streams), `import --workflows` and the policy loader (Rego files).
//!
//! A path named on the command line is always read; files found by walking a directory are filtered by
//! extension and by `--exclude`. `.git` directories are skipped, and symlinks, FIFOs, sockets and devices
//! found by walking are neither followed nor read. `-` names standard input.

use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};

/// A problem that stops the tool from doing its job for one input (exit 2): an unreadable or missing path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ToolError {
    pub message: String,
}

impl ToolError {
    pub fn new(message: impl Into<String>) -> Self {
        ToolError {
            message: message.into(),
        }
    }
}

/// A file to read.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: PathBuf,
    /// The path as reported: as given, or found by walking from it.
    pub display: String,
    /// Named on the command line (always parsed) rather than found by walking (parsed only when it mentions
    /// `custody/`).
    pub named: bool,
}

/// One bundle input of `check`.
#[derive(Clone, Debug)]
pub enum Input {
    /// A YAML or JSON file of bundle documents.
    File(Candidate),
    /// A directory holding `bundle.yaml`, `bundle.yml` or `bundle.json` (see [`bundle_manifest`]).
    BundleDir {
        dir: PathBuf,
        manifest: PathBuf,
        display: String,
    },
    /// A JSON Lines stream of bundles (`.jsonl`, `.ndjson` or `-`).
    Stream { path: PathBuf, display: String },
}

/// What walking the inputs found, in a stable order.
#[derive(Debug)]
pub struct Walk<T> {
    pub inputs: Vec<T>,
    pub errors: Vec<ToolError>,
}

impl<T> Default for Walk<T> {
    fn default() -> Self {
        Walk {
            inputs: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Build the exclusion set; globs match the reported path and the path below the walked root.
pub fn exclude_set(globs: &[String]) -> Result<GlobSet, ToolError> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| ToolError::new(format!("invalid --exclude glob `{g}`: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| ToolError::new(format!("invalid --exclude globs: {e}")))
}

/// A path as reported: without a leading `./`.
pub fn display_of(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

fn extension_is(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.contains(&e))
}

fn is_yaml_or_json(path: &Path) -> bool {
    extension_is(path, &["yaml", "yml", "json"])
}

fn is_stream(path: &Path) -> bool {
    extension_is(path, &["jsonl", "ndjson"])
}

/// The manifest of a bundle directory: `bundle.yaml`, `bundle.yml` or `bundle.json`, the first present.
pub fn bundle_manifest(dir: &Path) -> Option<PathBuf> {
    ["bundle.yaml", "bundle.yml", "bundle.json"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// What a walk looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// YAML and JSON files (`validate`, declared workflows).
    Manifests,
    /// YAML and JSON files, bundle directories and JSON Lines streams (`check`).
    Bundles,
}

/// Expand the command-line paths of `validate` (or of `--workflows`) into the YAML and JSON files to read.
pub fn manifests(paths: &[PathBuf], exclude: &GlobSet) -> Walk<Candidate> {
    let walk = walk(paths, exclude, Mode::Manifests);
    Walk {
        inputs: walk
            .inputs
            .into_iter()
            .filter_map(|input| match input {
                Input::File(c) => Some(c),
                Input::BundleDir { .. } | Input::Stream { .. } => None,
            })
            .collect(),
        errors: walk.errors,
    }
}

/// Expand the BUNDLE arguments of `check`: bundle files, bundle directories (each one input, never walked
/// into) and JSON Lines streams.
pub fn bundles(paths: &[PathBuf], exclude: &GlobSet) -> Walk<Input> {
    walk(paths, exclude, Mode::Bundles)
}

fn walk(paths: &[PathBuf], exclude: &GlobSet, mode: Mode) -> Walk<Input> {
    let mut out = Walk::default();
    for root in paths {
        if root.as_os_str() == "-" {
            let display = "-".to_owned();
            out.inputs.push(match mode {
                Mode::Manifests => Input::File(Candidate {
                    path: root.clone(),
                    display,
                    named: true,
                }),
                Mode::Bundles => Input::Stream {
                    path: root.clone(),
                    display,
                },
            });
            continue;
        }
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                // `check` words every unreadable path as missing.
                let reason = if e.kind() == std::io::ErrorKind::NotFound || mode == Mode::Bundles {
                    "no such file or directory".to_owned()
                } else {
                    e.to_string()
                };
                out.errors
                    .push(ToolError::new(format!("{}: {reason}", root.display())));
                continue;
            }
        };
        if meta.is_dir() {
            if mode == Mode::Bundles {
                if let Some(manifest) = bundle_manifest(root) {
                    out.inputs.push(Input::BundleDir {
                        dir: root.clone(),
                        manifest,
                        display: display_of(root),
                    });
                    continue;
                }
            }
            walk_dir(root, exclude, mode, &mut out);
        } else if meta.is_file() {
            let display = display_of(root);
            out.inputs
                .push(if mode == Mode::Bundles && is_stream(root) {
                    Input::Stream {
                        path: root.clone(),
                        display,
                    }
                } else {
                    Input::File(Candidate {
                        path: root.clone(),
                        display,
                        named: true,
                    })
                });
        } else {
            out.errors.push(ToolError::new(format!(
                "{}: not a regular file or directory",
                root.display()
            )));
        }
    }
    out
}

/// Walk one directory named on the command line, in file-name order.
fn walk_dir(root: &Path, exclude: &GlobSet, mode: Mode, out: &mut Walk<Input>) {
    let excluded = |display: &str, path: &Path| {
        exclude.is_match(display) || exclude.is_match(path.strip_prefix(root).unwrap_or(path))
    };
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let message = match mode {
                    Mode::Manifests => {
                        let path = e.path().map(|p| p.display().to_string());
                        format!("{}: cannot read: {e}", path.unwrap_or_default())
                    }
                    Mode::Bundles => format!("cannot read: {e}"),
                };
                out.errors.push(ToolError::new(message));
                continue;
            }
        };
        let path = entry.path();
        let display = display_of(path);
        let is_dir = entry.file_type().is_dir();
        // A bundle walk tests the root directory against the excludes too; a manifest walk never skips it.
        if (entry.depth() > 0 || mode == Mode::Bundles) && excluded(&display, path) {
            if is_dir {
                walker.skip_current_dir();
            }
            continue;
        }
        if is_dir {
            if entry.depth() == 0 {
                continue;
            }
            if entry.file_name() == ".git" {
                walker.skip_current_dir();
            } else if mode == Mode::Bundles {
                if let Some(manifest) = bundle_manifest(path) {
                    out.inputs.push(Input::BundleDir {
                        dir: path.to_owned(),
                        manifest,
                        display,
                    });
                    walker.skip_current_dir();
                }
            }
            continue;
        }
        // Symlinks, FIFOs, sockets and devices found by walking are not followed or read.
        if !entry.file_type().is_file() {
            continue;
        }
        if mode == Mode::Bundles && is_stream(path) {
            out.inputs.push(Input::Stream {
                path: path.to_owned(),
                display,
            });
        } else if is_yaml_or_json(path) {
            out.inputs.push(Input::File(Candidate {
                path: path.to_owned(),
                display,
                named: false,
            }));
        }
    }
}

/// The Rego files of the user's policy paths, in a stable order: a file is taken as named, a directory is
/// walked for `*.rego` files (symlinks are not followed). `Err` names the path that could not be read.
pub fn rego_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut out = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| (root.clone(), e))?;
        if !meta.is_dir() {
            out.push(root.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.map_err(|e| (root.clone(), e.into()))?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "rego")
            {
                out.push(entry.into_path());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(walk: &Walk<Input>) -> Vec<String> {
        walk.inputs
            .iter()
            .map(|i| match i {
                Input::File(c) => format!("file {}", c.display),
                Input::BundleDir { display, .. } => format!("dir {display}"),
                Input::Stream { display, .. } => format!("stream {display}"),
            })
            .collect()
    }

    #[test]
    fn bundle_walks_find_files_directories_and_streams() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (name, text) in [
            ("a.yaml", "x"),
            ("b.jsonl", "x"),
            ("notes.txt", "x"),
            ("d/bundle.yaml", "x"),
            ("d/inner.yaml", "x"),
            (".git/c.yaml", "x"),
            ("skip/e.yaml", "x"),
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let exclude = exclude_set(&["skip".to_owned()]).unwrap();
        let walk = bundles(&[root.to_owned()], &exclude);
        let shown = display_of(root);
        assert_eq!(
            names(&walk),
            [
                format!("file {shown}/a.yaml"),
                format!("stream {shown}/b.jsonl"),
                format!("dir {shown}/d"),
            ]
        );
        let manifests = manifests(&[root.to_owned()], &exclude);
        let found: Vec<_> = manifests.inputs.iter().map(|c| c.display.clone()).collect();
        assert_eq!(
            found,
            [
                format!("{shown}/a.yaml"),
                format!("{shown}/d/bundle.yaml"),
                format!("{shown}/d/inner.yaml"),
            ]
        );
        let missing = manifests_error(&root.join("nope"));
        assert!(
            missing.ends_with("nope: no such file or directory"),
            "{missing}"
        );
    }

    #[test]
    fn stdin_is_a_manifest_or_a_bundle_stream() {
        let stdin = [PathBuf::from("-")];
        let manifests = manifests(&stdin, &GlobSet::empty());
        assert!(manifests.inputs[0].named && manifests.inputs[0].display == "-");
        let bundles = bundles(&stdin, &GlobSet::empty());
        assert_eq!(names(&bundles), ["stream -"]);
    }

    #[test]
    fn rego_files_under_directories_and_named_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for name in ["p/a.rego", "p/sub/b.rego", "p/notes.md", "named.txt"] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "package x").unwrap();
        }
        let found = rego_files(&[root.join("p"), root.join("named.txt")]).unwrap();
        let expected = ["p/a.rego", "p/sub/b.rego", "named.txt"].map(|n| root.join(n));
        assert_eq!(found, expected);
        let (path, e) = rego_files(&[root.join("missing")]).unwrap_err();
        assert_eq!(
            (path, e.kind()),
            (root.join("missing"), std::io::ErrorKind::NotFound)
        );
    }

    fn manifests_error(path: &Path) -> String {
        let walk = manifests(&[path.to_owned()], &GlobSet::empty());
        walk.errors[0].message.clone()
    }
}
