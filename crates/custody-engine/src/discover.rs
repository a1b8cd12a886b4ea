//! Finding inputs: the one walker behind `validate` (workflow manifests), `check` (session bundles: files,
//! bundle directories and JSON Lines streams), `import --workflows` and the policy loader (Rego files).
//!
//! A path named on the command line is always read; files found by walking a directory are filtered by
//! extension (in any letter case: `.YAML` counts) and by `--exclude`; whether a walked file holds a custody
//! document is decided by the loader on its parsed values (docs/manifest.md, "Which files are read").
//! `.git` directories are skipped, and symlinks, FIFOs, sockets and devices found by walking are neither
//! followed nor read. `-` names standard input.
//!
//! A bundle directory (one holding `bundle.yaml`, `bundle.yml` or `bundle.json`) is one input, and the walk
//! goes on inside it: other bundle files, nested bundle directories and streams beside the manifest are
//! inputs too. Which of its files the bundle references (events, recording) is known only once it is
//! loaded; `check` leaves those out ([`crate::load::bundles::referenced`]).

use std::collections::HashSet;
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
    /// Named on the command line (always parsed) rather than found by walking (read only when it holds a
    /// custody document, or fails to parse and mentions custody).
    pub named: bool,
}

/// One bundle input of `check`.
#[derive(Clone, Debug)]
pub enum Input {
    /// A YAML or JSON file of bundle documents.
    File(Candidate),
    /// A directory holding one of `bundle.yaml`, `bundle.yml` or `bundle.json` (see [`bundle_manifests`]).
    BundleDir {
        dir: PathBuf,
        manifest: PathBuf,
        display: String,
    },
    /// A directory holding more than one bundle manifest: which is the bundle is ambiguous, so none is
    /// judged (a `CUS-P001` on the directory).
    AmbiguousBundleDir {
        dir: PathBuf,
        manifests: Vec<PathBuf>,
        display: String,
    },
    /// A JSON Lines stream of bundles (`.jsonl`, `.ndjson` or `-`).
    Stream {
        path: PathBuf,
        display: String,
        /// Named on the command line rather than found by walking.
        named: bool,
    },
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

/// The `--exclude` and config `exclude` globs, compiled.
///
/// A glob written as an absolute path (what a configuration file in another directory makes of its relative
/// globs, see [`crate::config::Config`]) is matched against each walked path made absolute; any other glob
/// against the reported path and the path below the walked root.
#[derive(Clone, Debug)]
pub struct Excludes {
    relative: GlobSet,
    absolute: GlobSet,
}

impl Excludes {
    /// No exclusion.
    pub fn none() -> Excludes {
        Excludes {
            relative: GlobSet::empty(),
            absolute: GlobSet::empty(),
        }
    }

    /// Whether the walked `path` (reported as `display`, found under `root`) is excluded.
    fn matches(&self, display: &str, path: &Path, root: &Path) -> bool {
        self.relative.is_match(display)
            || self
                .relative
                .is_match(path.strip_prefix(root).unwrap_or(path))
            || (!self.absolute.is_empty()
                && absolute(path).is_some_and(|abs| self.absolute.is_match(abs)))
    }
}

/// `path` made absolute against the working directory, with `.` and `..` resolved lexically (symlinks are
/// not followed), as excludes anchored to a directory are compared.
pub fn absolute(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let joined = std::path::absolute(path).ok()?;
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Build the exclusion sets from globs.
pub fn exclude_set(globs: &[String]) -> Result<Excludes, ToolError> {
    let mut relative = GlobSetBuilder::new();
    let mut absolute = GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| ToolError::new(format!("invalid --exclude glob `{g}`: {e}")))?;
        if Path::new(g).is_absolute() {
            absolute.add(glob);
        } else {
            relative.add(glob);
        }
    }
    let build = |b: GlobSetBuilder| {
        b.build()
            .map_err(|e| ToolError::new(format!("invalid --exclude globs: {e}")))
    };
    Ok(Excludes {
        relative: build(relative)?,
        absolute: build(absolute)?,
    })
}

/// A path as reported: without a leading `./`.
pub fn display_of(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// Whether the extension of `path` is one of `extensions` (lower case), in any letter case.
fn extension_is(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn is_yaml_or_json(path: &Path) -> bool {
    extension_is(path, &["yaml", "yml", "json"])
}

fn is_stream(path: &Path) -> bool {
    extension_is(path, &["jsonl", "ndjson"])
}

/// The file names of a bundle directory's manifest.
const MANIFEST_NAMES: [&str; 3] = ["bundle.yaml", "bundle.yml", "bundle.json"];

/// The manifest of a bundle directory: `bundle.yaml`, `bundle.yml` or `bundle.json`, the first present.
pub fn bundle_manifest(dir: &Path) -> Option<PathBuf> {
    MANIFEST_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// The bundle manifests a walked directory holds: its regular files named `bundle.yaml`, `bundle.yml` or
/// `bundle.json` (exactly; a symlink is not followed), in that order. More than one is ambiguous.
pub fn bundle_manifests(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                MANIFEST_NAMES.iter().any(|n| name == **n)
                    && e.file_type().is_ok_and(|t| t.is_file())
            })
            .map(|e| e.path())
            .collect(),
        // An unreadable directory is reported by the walk itself.
        Err(_) => Vec::new(),
    };
    let rank = |p: &PathBuf| {
        let name = p.file_name().unwrap_or_default();
        MANIFEST_NAMES.iter().position(|n| name == *n)
    };
    found.sort_by_key(rank);
    found
}

/// Note a walked directory as a bundle directory when it holds a manifest; its manifests go into `skip`, as
/// they are read as the directory's bundle, not again as files.
fn bundle_dir(dir: &Path, display: String, out: &mut Walk<Input>, skip: &mut HashSet<PathBuf>) {
    let manifests = bundle_manifests(dir);
    match manifests.as_slice() {
        [] => {}
        [manifest] => out.inputs.push(Input::BundleDir {
            dir: dir.to_owned(),
            manifest: manifest.clone(),
            display,
        }),
        _ => out.inputs.push(Input::AmbiguousBundleDir {
            dir: dir.to_owned(),
            manifests: manifests.clone(),
            display,
        }),
    }
    skip.extend(manifests);
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
pub fn manifests(paths: &[PathBuf], exclude: &Excludes) -> Walk<Candidate> {
    let walk = walk(paths, exclude, Mode::Manifests);
    Walk {
        inputs: walk
            .inputs
            .into_iter()
            .filter_map(|input| match input {
                Input::File(c) => Some(c),
                Input::BundleDir { .. }
                | Input::AmbiguousBundleDir { .. }
                | Input::Stream { .. } => None,
            })
            .collect(),
        errors: walk.errors,
    }
}

/// Expand the BUNDLE arguments of `check`: bundle files, bundle directories (each one input, and walked
/// into like any directory) and JSON Lines streams.
pub fn bundles(paths: &[PathBuf], exclude: &Excludes) -> Walk<Input> {
    walk(paths, exclude, Mode::Bundles)
}

fn walk(paths: &[PathBuf], exclude: &Excludes, mode: Mode) -> Walk<Input> {
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
                    named: true,
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
            // A bundle directory named on the command line is read whatever the excludes say.
            let mut skip = HashSet::new();
            if mode == Mode::Bundles {
                bundle_dir(root, display_of(root), &mut out, &mut skip);
            }
            walk_dir(root, exclude, mode, &skip, &mut out);
        } else if meta.is_file() {
            let display = display_of(root);
            out.inputs
                .push(if mode == Mode::Bundles && is_stream(root) {
                    Input::Stream {
                        path: root.clone(),
                        display,
                        named: true,
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

/// Walk one directory named on the command line, in file-name order; `skip` holds the manifests of bundle
/// directories already found.
fn walk_dir(
    root: &Path,
    exclude: &Excludes,
    mode: Mode,
    skip: &HashSet<PathBuf>,
    out: &mut Walk<Input>,
) {
    let mut skip = skip.clone();
    let excluded = |display: &str, path: &Path| exclude.matches(display, path, root);
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
                bundle_dir(path, display, out, &mut skip);
            }
            continue;
        }
        // Symlinks, FIFOs, sockets and devices found by walking are not followed or read.
        if !entry.file_type().is_file() || skip.contains(path) {
            continue;
        }
        if mode == Mode::Bundles && is_stream(path) {
            out.inputs.push(Input::Stream {
                path: path.to_owned(),
                display,
                named: false,
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
                Input::AmbiguousBundleDir {
                    display, manifests, ..
                } => {
                    let names: Vec<_> = manifests.iter().filter_map(|m| m.file_name()).collect();
                    format!("ambiguous {display} {names:?}")
                }
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
            ("C.YML", "x"),
            ("notes.txt", "x"),
            ("d/bundle.yaml", "x"),
            ("d/events.JSONL", "x"),
            ("d/inner.yaml", "x"),
            ("d/nested/bundle.json", "x"),
            ("e/bundle.yaml", "x"),
            ("e/bundle.json", "x"),
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
        // A bundle directory is one input, and everything else in it is walked; two manifests are ambiguous.
        assert_eq!(
            names(&walk),
            [
                format!("file {shown}/C.YML"),
                format!("file {shown}/a.yaml"),
                format!("stream {shown}/b.jsonl"),
                format!("dir {shown}/d"),
                format!("stream {shown}/d/events.JSONL"),
                format!("file {shown}/d/inner.yaml"),
                format!("dir {shown}/d/nested"),
                format!("ambiguous {shown}/e [\"bundle.yaml\", \"bundle.json\"]"),
            ]
        );
        // A bundle directory named on the command line is walked into too.
        let named = bundles(&[root.join("d")], &exclude);
        assert_eq!(
            names(&named),
            [
                format!("dir {shown}/d"),
                format!("stream {shown}/d/events.JSONL"),
                format!("file {shown}/d/inner.yaml"),
                format!("dir {shown}/d/nested"),
            ]
        );
        let manifests = manifests(&[root.to_owned()], &exclude);
        let found: Vec<_> = manifests.inputs.iter().map(|c| c.display.clone()).collect();
        assert_eq!(
            found,
            [
                format!("{shown}/C.YML"),
                format!("{shown}/a.yaml"),
                format!("{shown}/d/bundle.yaml"),
                format!("{shown}/d/inner.yaml"),
                format!("{shown}/d/nested/bundle.json"),
                format!("{shown}/e/bundle.json"),
                format!("{shown}/e/bundle.yaml"),
            ]
        );
        let missing = manifests_error(&root.join("nope"));
        assert!(
            missing.ends_with("nope: no such file or directory"),
            "{missing}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_manifest_makes_no_bundle_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::write(root.join("real.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("real.yaml"), root.join("d/bundle.yaml")).unwrap();
        assert!(bundle_manifests(&root.join("d")).is_empty());
        let walk = bundles(&[root.join("d")], &Excludes::none());
        assert!(walk.inputs.is_empty() && walk.errors.is_empty());
    }

    #[test]
    fn stdin_is_a_manifest_or_a_bundle_stream() {
        let stdin = [PathBuf::from("-")];
        let manifests = manifests(&stdin, &Excludes::none());
        assert!(manifests.inputs[0].named && manifests.inputs[0].display == "-");
        let bundles = bundles(&stdin, &Excludes::none());
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
        let walk = manifests(&[path.to_owned()], &Excludes::none());
        walk.errors[0].message.clone()
    }
}
