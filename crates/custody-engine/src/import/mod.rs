//! `custody import`: evidence other systems already keep, turned into sealed session bundles.
//!
//! Each importer is pure — source events in, [`Bundle`]s out — so it is tested without files. This module
//! holds what importers share: the source logs, the workflows an importer may consult (ticket patterns,
//! target systems), and the atomic, idempotent writer of bundle directories.

pub mod teleport;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::load;
use crate::source::{self, Budgets, Node};

/// One source log, read whole.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name as given on the command line (used in messages).
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Source {
    /// The file name recorded in a bundle's provenance: its last path component, so that importing the same
    /// log from another working directory writes the same bytes (its SHA-256 identifies it).
    pub fn provenance_name(&self) -> String {
        Path::new(&self.name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.name)
            .to_owned()
    }
}

/// What an importer may know about a declared workflow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkflowInfo {
    /// `spec.approval.ticket.pattern`.
    pub ticket_pattern: Option<String>,
    /// `spec.targets[]`: (system, host globs).
    pub targets: Vec<(String, Vec<String>)>,
}

/// Importer options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--workflow`: the workflow of sessions whose server carries no `custody/workflow` label.
    pub workflow: Option<String>,
    /// Workflows loaded from `--workflows` (by id).
    pub workflows: BTreeMap<String, WorkflowInfo>,
    /// `--retain`: evidence is kept at least this long after each session's end (nanoseconds).
    pub retain_ns: Option<i64>,
    /// `--recordings`: the directory holding the session recordings Teleport exported (`<session id>.tar`);
    /// each full recording found there is hashed into its bundle (docs/teleport.md).
    pub recordings: Option<std::path::PathBuf>,
}

/// One bundle directory ready to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The session id.
    pub session: String,
    /// The directory name under `--out` (the session id, made safe as a file name).
    pub dir: String,
    /// The workflow the bundle names, when known.
    pub workflow: Option<String>,
    /// Command events in the bundle.
    pub events: usize,
    /// Files of the directory (name, bytes), in a fixed order.
    pub files: Vec<(String, Vec<u8>)>,
}

/// What an import saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Sessions (bundles).
    pub sessions: usize,
    /// Events read (non-blank lines).
    pub events: usize,
    /// Events skipped (not understood, or without the id that would link them), by event type.
    pub skipped: BTreeMap<String, usize>,
    /// Session ids written without `session.workflow` (neither label nor `--workflow`).
    #[serde(rename = "withoutWorkflow")]
    pub without_workflow: Vec<String>,
    /// Session ids with a full recording that no `--recordings` file anchors (no `sha256` in the bundle).
    #[serde(rename = "withoutRecording")]
    pub without_recording: Vec<String>,
}

impl Summary {
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

/// Why an import could not do its job (exit 2). Nothing is written when one occurs.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ImportError {
    #[error("{file}:{line}:{column}: not a JSON audit event: {message}")]
    #[diagnostic(help(
        "each line of a Teleport audit log must be one JSON event; nothing was written"
    ))]
    Malformed {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Read { file: String, message: String },
    #[error("{message}")]
    Workflows { message: String },
    #[error("refusing to overwrite {} existing bundle(s) that differ from the import: {}; pass --force to replace them", dirs.len(), dirs.join(", "))]
    Refused { dirs: Vec<String> },
    #[error("{path}: {message}")]
    Write { path: String, message: String },
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> ImportError {
    ImportError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Read the source logs named on the command line.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>, ImportError> {
    paths
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            // A FIFO or device would block or never end: only regular files are logs.
            if let Ok(meta) = std::fs::metadata(p) {
                if !meta.is_file() {
                    return Err(ImportError::Read {
                        file: name,
                        message: "not a regular file (a directory, FIFO or device): name an audit log file"
                            .to_owned(),
                    });
                }
            }
            let bytes = std::fs::read(p).map_err(|e| ImportError::Read {
                file: name.clone(),
                message: if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file or directory".to_owned()
                } else {
                    format!("cannot read: {e}")
                },
            })?;
            Ok(Source { name, bytes })
        })
        .collect()
}

fn strings(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(source::Value::Seq(items)) => items
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Load the workflows under `paths` as `custody check --workflows` loads them (found, read, split and
/// schema-checked by [`crate::load`]): id → what importers use. A manifest that cannot be read or parsed, or
/// a workflow that fails its schema check, is an error naming its file and line: guessing without it would
/// be silent.
pub fn load_workflows(paths: &[PathBuf]) -> Result<BTreeMap<String, WorkflowInfo>, ImportError> {
    let fail = |message: String| ImportError::Workflows {
        message: format!("--workflows: {message}"),
    };
    let read = load::workflows::read_files(paths, &[], &Budgets::default());
    if let Some(e) = read.errors.first() {
        return Err(fail(e.message.clone()));
    }
    let workflows = load::workflows::workflows(&read.files);
    let file_problems = read.files.iter().flat_map(|f| &f.problems);
    let schema_problems = workflows.iter().flat_map(|w| &w.problems);
    if let Some(f) = file_problems.chain(schema_problems).next() {
        let at = match (f.line, f.column) {
            (Some(line), Some(column)) => format!(":{line}:{column}"),
            _ => String::new(),
        };
        return Err(fail(format!("{}{at}: {}", f.file, f.message)));
    }
    let mut out = BTreeMap::new();
    for w in &workflows {
        let Some(id) = &w.id else {
            continue;
        };
        let doc = &w.doc.node;
        let ticket_pattern = doc
            .at(&["spec", "approval", "ticket", "pattern"])
            .and_then(Node::as_str)
            .map(str::to_owned);
        let mut targets = Vec::new();
        if let Some(source::Value::Seq(items)) = doc.at(&["spec", "targets"]).map(|n| &n.value) {
            for t in items {
                if let Some(system) = t.get("system").and_then(Node::as_str) {
                    targets.push((system.to_owned(), strings(t.get("hosts"))));
                }
            }
        }
        out.entry(id.clone()).or_insert(WorkflowInfo {
            ticket_pattern,
            targets,
        });
    }
    Ok(out)
}

/// A session id as a directory name: characters outside `[A-Za-z0-9._-]` become `_`, and a name that would be
/// hidden or empty is prefixed.
pub fn dir_name(session: &str) -> String {
    let mut name: String = session
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        name.insert_str(0, "session-");
    }
    name
}

/// What writing one bundle did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    Replaced,
    /// An identical bundle was already there: nothing touched.
    Unchanged,
}

impl Written {
    pub fn as_str(self) -> &'static str {
        match self {
            Written::Created => "created",
            Written::Replaced => "replaced",
            Written::Unchanged => "unchanged",
        }
    }
}

/// Whether the directory holds exactly these files with these bytes.
fn identical(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<bool, ImportError> {
    let mut present = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| write_err(dir, e))? {
        let entry = entry.map_err(|e| write_err(dir, e))?;
        present.push(entry.file_name().to_string_lossy().into_owned());
    }
    present.sort();
    let mut wanted: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    wanted.sort_unstable();
    if present != wanted {
        return Ok(false);
    }
    for (name, bytes) in files {
        let path = dir.join(name);
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Ok(false);
        }
        if std::fs::read(&path).map_err(|e| write_err(&path, e))? != *bytes {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Write bundles under `out`, each directory atomically (built in a temporary directory inside `out`, then
/// renamed into place). An identical existing bundle is left untouched; a different one is refused — before
/// anything is written — unless `force`.
pub fn write_bundles(
    out: &Path,
    bundles: &[Bundle],
    force: bool,
) -> Result<Vec<(PathBuf, Written)>, ImportError> {
    let mut seen = std::collections::BTreeSet::new();
    for b in bundles {
        if !seen.insert(b.dir.as_str()) {
            return Err(ImportError::Write {
                path: out.join(&b.dir).display().to_string(),
                message: "two session ids map to this directory name".to_owned(),
            });
        }
    }
    std::fs::create_dir_all(out).map_err(|e| write_err(out, e))?;
    let mut plan = Vec::new();
    let mut refused = Vec::new();
    for b in bundles {
        let target = out.join(&b.dir);
        let state = match std::fs::symlink_metadata(&target) {
            Err(_) => Written::Created,
            Ok(m) if m.is_dir() => {
                if identical(&target, &b.files)? {
                    Written::Unchanged
                } else {
                    Written::Replaced
                }
            }
            Ok(_) => {
                return Err(ImportError::Write {
                    path: target.display().to_string(),
                    message: "exists and is not a bundle directory".to_owned(),
                })
            }
        };
        if state == Written::Replaced && !force {
            refused.push(target.display().to_string());
        }
        plan.push((b, target, state));
    }
    if !refused.is_empty() {
        return Err(ImportError::Refused { dirs: refused });
    }
    let mut done = Vec::new();
    for (b, target, state) in plan {
        if state != Written::Unchanged {
            write_dir(out, &target, &b.files, state == Written::Replaced)?;
        }
        done.push((target, state));
    }
    if let Ok(d) = std::fs::File::open(out) {
        let _ = d.sync_all();
    }
    Ok(done)
}

fn write_dir(
    out: &Path,
    target: &Path,
    files: &[(String, Vec<u8>)],
    replace: bool,
) -> Result<(), ImportError> {
    let tmp = tempfile::Builder::new()
        .prefix(".custody-import-")
        .tempdir_in(out)
        .map_err(|e| write_err(out, e))?;
    for (name, bytes) in files {
        let path = tmp.path().join(name);
        let mut f = std::fs::File::create(&path).map_err(|e| write_err(&path, e))?;
        std::io::Write::write_all(&mut f, bytes).map_err(|e| write_err(&path, e))?;
        f.sync_all().map_err(|e| write_err(&path, e))?;
    }
    if replace {
        // Move the old bundle aside (onto an empty temporary directory), put the new one in place, drop the old.
        let old = tempfile::Builder::new()
            .prefix(".custody-replaced-")
            .tempdir_in(out)
            .map_err(|e| write_err(out, e))?;
        std::fs::rename(target, old.path()).map_err(|e| write_err(target, e))?;
        if let Err(e) = std::fs::rename(tmp.path(), target) {
            let _ = std::fs::rename(old.path(), target);
            return Err(write_err(target, e));
        }
        let _ = tmp.keep();
        drop(old);
    } else {
        std::fs::rename(tmp.path(), target).map_err(|e| write_err(target, e))?;
        let _ = tmp.keep();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(dir: &str, text: &str) -> Bundle {
        Bundle {
            session: dir.to_owned(),
            dir: dir.to_owned(),
            workflow: None,
            events: 0,
            files: vec![
                ("bundle.yaml".to_owned(), text.as_bytes().to_vec()),
                ("events.jsonl".to_owned(), Vec::new()),
            ],
        }
    }

    #[test]
    fn schema_invalid_workflows_are_errors_naming_their_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("w.yaml");
        let text = "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: broken\n";
        std::fs::write(&path, text).unwrap();
        let err = load_workflows(std::slice::from_ref(&path))
            .unwrap_err()
            .to_string();
        let expected = format!("--workflows: {}:1:1: ", path.display());
        assert!(err.starts_with(&expected), "{err}");
    }

    #[test]
    fn dir_names_are_safe() {
        assert_eq!(dir_name("4a9d97de-0b36-11e6"), "4a9d97de-0b36-11e6");
        assert_eq!(dir_name("../etc"), "session-.._etc");
        assert_eq!(dir_name("a/b c"), "a_b_c");
        assert_eq!(dir_name(""), "session-");
    }

    #[test]
    fn writes_are_idempotent_and_refuse_different_bundles() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = write_bundles(&out, &[bundle("s1", "a")], false).unwrap();
        assert_eq!(first[0].1, Written::Created);
        let again = write_bundles(&out, &[bundle("s1", "a")], false).unwrap();
        assert_eq!(again[0].1, Written::Unchanged);
        let refused = write_bundles(&out, &[bundle("s2", "x"), bundle("s1", "b")], false);
        assert!(matches!(refused, Err(ImportError::Refused { .. })));
        assert!(
            !out.join("s2").exists(),
            "nothing is written when one bundle is refused"
        );
        let forced = write_bundles(&out, &[bundle("s1", "b")], true).unwrap();
        assert_eq!(forced[0].1, Written::Replaced);
        assert_eq!(std::fs::read(out.join("s1/bundle.yaml")).unwrap(), b"b");
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, vec!["s1".to_owned()]);
    }
}
