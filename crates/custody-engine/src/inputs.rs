//! Finding input files (command-line paths, directory walks with `--exclude`), reading them within the size
//! budget, and splitting them into custody documents.

use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};

use crate::document::DocumentKind;
use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, SharedText, Step};

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

/// What walking the inputs found.
#[derive(Debug, Default)]
pub struct Walk {
    pub candidates: Vec<Candidate>,
    pub errors: Vec<ToolError>,
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

fn display_of(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

fn is_yaml_or_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// Expand the command-line paths into candidate files, in a stable order.
pub fn walk(paths: &[PathBuf], exclude: &GlobSet) -> Walk {
    let mut out = Walk::default();
    for root in paths {
        if root.as_os_str() == "-" {
            out.candidates.push(Candidate {
                path: root.clone(),
                display: "-".to_owned(),
                named: true,
            });
            continue;
        }
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(ToolError::new(format!(
                    "{}: {}",
                    root.display(),
                    if e.kind() == std::io::ErrorKind::NotFound {
                        "no such file or directory".to_owned()
                    } else {
                        e.to_string()
                    }
                )));
                continue;
            }
        };
        if !meta.is_dir() {
            if !meta.is_file() {
                out.errors.push(ToolError::new(format!(
                    "{}: not a regular file or directory",
                    root.display()
                )));
                continue;
            }
            out.candidates.push(Candidate {
                path: root.clone(),
                display: display_of(root),
                named: true,
            });
            continue;
        }
        let mut walker = walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    out.errors
                        .push(ToolError::new(format!("{path}: cannot read: {e}")));
                    continue;
                }
            };
            let path = entry.path();
            let display = display_of(path);
            let relative = path.strip_prefix(root).unwrap_or(path);
            if entry.file_type().is_dir() {
                if entry.depth() > 0
                    && (entry.file_name() == ".git"
                        || exclude.is_match(&display)
                        || exclude.is_match(relative))
                {
                    walker.skip_current_dir();
                }
                continue;
            }
            // Symlinks, FIFOs, sockets and devices found by walking are not followed or read.
            if !entry.file_type().is_file() || !is_yaml_or_json(path) {
                continue;
            }
            if exclude.is_match(&display) || exclude.is_match(relative) {
                continue;
            }
            out.candidates.push(Candidate {
                path: path.to_owned(),
                display,
                named: false,
            });
        }
    }
    out
}

/// The text of one input file, or why it has none.
pub enum Loaded {
    Text(SharedText),
    /// A walked file that holds no custody document (counted and skipped).
    NotCustody,
    /// Could not be parsed: a `CUS-P001` finding.
    Problem(Box<Finding>),
}

fn p001(file: &str, message: String, pos: Option<source::Pos>) -> Finding {
    let mut f = Finding::new("CUS-P001", Severity::Error, message, file);
    if let Some(pos) = pos {
        f = f.at(pos);
    }
    f
}

/// Read a file within the size budget and decode it (`-` reads stdin).
pub fn read(candidate: &Candidate, max_size: u64) -> Result<Loaded, ToolError> {
    let mut bytes = Vec::new();
    let limited = |r: &mut dyn Read, bytes: &mut Vec<u8>| r.take(max_size + 1).read_to_end(bytes);
    let result = if candidate.display == "-" {
        limited(&mut std::io::stdin().lock(), &mut bytes)
    } else {
        match std::fs::File::open(&candidate.path) {
            Ok(mut f) => limited(&mut f, &mut bytes),
            Err(e) => Err(e),
        }
    };
    if let Err(e) = result {
        return Err(ToolError::new(format!(
            "{}: cannot read: {e}",
            candidate.display
        )));
    }
    if bytes.len() as u64 > max_size {
        return Ok(Loaded::Problem(Box::new(p001(
            &candidate.display,
            crate::budget::file_too_large(max_size),
            None,
        ))));
    }
    if !candidate.named && !bytes.windows(8).any(|w| w == b"custody/") {
        return Ok(Loaded::NotCustody);
    }
    match source::decode(&bytes) {
        Ok(text) => Ok(Loaded::Text(SharedText::from(text))),
        Err(e) => Ok(Loaded::Problem(Box::new(p001(
            &candidate.display,
            e.message,
            e.pos,
        )))),
    }
}

/// A custody document found in a file.
#[derive(Clone, Debug)]
pub struct Document {
    pub kind: DocumentKind,
    pub node: Node,
    /// Index of the document within its file (0-based, empty documents skipped).
    pub index: usize,
}

/// Split a file's text into custody documents. Documents whose `apiVersion` does not start with `custody` are
/// skipped; a `custody` apiVersion other than `custody/v1`, or an unknown kind, is `CUS-P002`.
pub fn documents(file: &str, text: &str, budgets: &Budgets) -> (Vec<Document>, Vec<Finding>) {
    let nodes = match source::parse_documents(text, budgets) {
        Ok(n) => n,
        Err(e) => {
            let message = format!("cannot parse: {}", e.message);
            return (Vec::new(), vec![p001(file, message, e.pos)]);
        }
    };
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for (index, node) in nodes.into_iter().enumerate() {
        let Some(api) = node.get("apiVersion").and_then(Node::as_str) else {
            continue;
        };
        if !api.starts_with("custody") {
            continue;
        }
        let api_pos = node.locate(&[Step::Key("apiVersion".into())]).pos;
        if api != "custody/v1" {
            let mut f = Finding::new(
                "CUS-P002",
                Severity::Error,
                format!("unsupported apiVersion `{api}`: this custody reads custody/v1"),
                file,
            )
            .at(api_pos);
            f.path = Some("apiVersion".to_owned());
            problems.push(f);
            continue;
        }
        let kind_field = node.get("kind").and_then(Node::as_str);
        let kind = match kind_field.and_then(DocumentKind::from_kind_field) {
            Some(kind) => kind,
            None => {
                let pos = node.locate(&[Step::Key("kind".into())]).pos;
                let mut f = Finding::new(
                    "CUS-P002",
                    Severity::Error,
                    match kind_field {
                        Some(k) => format!("unknown kind `{k}`: custody/v1 documents are Workflow or SessionBundle"),
                        None => "a custody/v1 document needs `kind: Workflow` or `kind: SessionBundle`".to_owned(),
                    },
                    file,
                )
                .at(pos);
                f.path = Some("kind".to_owned());
                problems.push(f);
                continue;
            }
        };
        docs.push(Document { kind, node, index });
    }
    (docs, problems)
}
