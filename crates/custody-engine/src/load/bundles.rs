//! Loading session bundles: the bundle documents of a file or bundle directory with their references
//! resolved (events file, recording), and the lines of a JSON Lines stream, each schema-checked.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::budget::{self, LineRead};
use crate::discover::{Candidate, ToolError};
use crate::document::DocumentKind;
use crate::evidence::bundle::{self, LoadedBundle};
use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, Pos};

use super::documents::{candidate_documents, classify, schema_problems, Class, Problem};

/// The directory a bundle file's references are resolved against: the file's own directory.
pub fn base_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The `CUS-P002` findings of a bundle's schema check, with its session and workflow ids.
pub fn schema_checked(node: &Node, files: &[String]) -> Vec<Finding> {
    let mut problems = schema_problems(DocumentKind::SessionBundle, node, files);
    let id = |keys: &[&str]| node.at(keys).and_then(Node::as_str).map(str::to_owned);
    let (session, workflow) = (id(&["session", "id"]), id(&["session", "workflow"]));
    for p in &mut problems {
        p.session = session.clone();
        p.workflow = workflow.clone();
    }
    problems
}

/// The bundles of one file (or bundle-directory manifest).
#[derive(Default)]
pub struct FileBundles {
    /// Bundles that passed their schema check, ready for evaluation.
    pub bundles: Vec<LoadedBundle>,
    /// Problems: the file's parse problems, then each rejected bundle's schema and reference problems.
    pub problems: Vec<Finding>,
    /// Bundle documents rejected by their schema check (counted as documents, not evaluated).
    pub rejected: usize,
    /// The files its bundles reference (evaluated and rejected bundles alike).
    pub references: Vec<PathBuf>,
}

/// Split a bundle file's text into bundles, resolve their references against `base` and schema-check them.
pub fn file_bundles(
    candidate: &Candidate,
    text: &str,
    base: &Path,
    budgets: &Budgets,
) -> FileBundles {
    let file = candidate.display.as_str();
    let (docs, problems) = candidate_documents(candidate, text, budgets);
    let mut out = FileBundles {
        problems,
        ..FileBundles::default()
    };
    for doc in docs
        .into_iter()
        .filter(|d| d.kind == DocumentKind::SessionBundle)
    {
        // References are resolved first so that events from `events.jsonl` are schema-checked too.
        let mut loaded = bundle::resolve(doc.node, file, Some(base), budgets);
        out.references.extend(loaded.references.iter().cloned());
        let mut problems = schema_checked(&loaded.node, &loaded.files);
        // The events of an `events.jsonl` were schema-checked one by one as they were read.
        let id = |keys: &[&str]| {
            loaded
                .node
                .at(keys)
                .and_then(Node::as_str)
                .map(str::to_owned)
        };
        let (session, workflow) = (id(&["session", "id"]), id(&["session", "workflow"]));
        problems.extend(
            std::mem::take(&mut loaded.event_problems)
                .into_iter()
                .map(|mut p| {
                    p.session = session.clone();
                    p.workflow = workflow.clone();
                    p
                }),
        );
        if problems.is_empty() {
            out.bundles.push(loaded);
        } else {
            out.problems.extend(problems);
            out.problems.extend(loaded.problems);
            out.rejected += 1;
        }
    }
    out
}

/// The files that bundles of a run reference (events, recordings): part of their bundles, so a walk never
/// reads them as bundles of their own. Compared by canonical path.
#[derive(Default)]
pub struct Referenced {
    paths: HashSet<PathBuf>,
    names: HashSet<OsString>,
}

impl Referenced {
    pub fn add(&mut self, path: &Path) {
        if let Ok(canonical) = path.canonicalize() {
            if let Some(name) = canonical.file_name() {
                self.names.insert(name.to_owned());
            }
            self.paths.insert(canonical);
        }
    }

    /// Whether a file found by walking (never a symlink itself) is referenced by a bundle.
    pub fn contains(&self, path: &Path) -> bool {
        path.file_name().is_some_and(|n| self.names.contains(n))
            && path
                .canonicalize()
                .is_ok_and(|canonical| self.paths.contains(&canonical))
    }
}

/// The `CUS-P001` of a directory holding more than one bundle manifest.
pub fn ambiguous(display: &str, manifests: &[PathBuf]) -> Finding {
    let names = manifests
        .iter()
        .filter_map(|m| m.file_name())
        .map(|m| format!("`{}`", m.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" and ");
    let message = format!(
        "the bundle directory holds {names}: which is the bundle is ambiguous, so none is read; keep one manifest"
    );
    Finding::new("CUS-P001", Severity::Error, message, display)
}

/// One item of a JSON Lines stream.
pub enum StreamItem {
    /// A line (1-based number, bytes).
    Line(u32, Vec<u8>),
    /// A line longer than the line-length budget, skipped without being kept: its `CUS-P001` finding.
    TooLong(Box<Finding>),
}

/// The lines of a bundle stream, read within the line-length budget; memory stays bounded by one line.
pub struct StreamLines {
    reader: std::io::BufReader<Box<dyn Read>>,
    shown: String,
    max_line: usize,
    line_no: u32,
    done: bool,
}

/// Open a bundle stream (`-` is standard input).
pub fn stream(path: &Path, shown: &str, max_line: usize) -> Result<StreamLines, ToolError> {
    let reader: Box<dyn Read> = if shown == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| ToolError::new(format!("{shown}: cannot read: {e}")))?,
        )
    };
    Ok(StreamLines {
        reader: std::io::BufReader::with_capacity(1 << 20, reader),
        shown: shown.to_owned(),
        max_line,
        line_no: 0,
        done: false,
    })
}

impl Iterator for StreamLines {
    type Item = Result<StreamItem, ToolError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buf = Vec::new();
        let too_long = match budget::read_line_bounded(&mut self.reader, self.max_line, &mut buf) {
            Ok(LineRead::Eof) => {
                self.done = true;
                return None;
            }
            Ok(LineRead::Line(_)) => false,
            Ok(LineRead::TooLong(_)) => true,
            Err(e) => {
                self.done = true;
                let shown = &self.shown;
                return Some(Err(ToolError::new(format!("{shown}: cannot read: {e}"))));
            }
        };
        self.line_no += 1;
        let line_no = self.line_no;
        if !too_long {
            return Some(Ok(StreamItem::Line(line_no, buf)));
        }
        let limit = format!("{} bytes", self.max_line);
        let message = budget::exceeded("line-length", limit, "maxLineLength");
        let f = Finding::new(
            "CUS-P001",
            Severity::Error,
            format!("line {line_no} {message}"),
            &self.shown,
        )
        .at(Pos::line_only(line_no));
        Some(Ok(StreamItem::TooLong(Box::new(f))))
    }
}

/// What one line of a bundle stream holds.
pub enum StreamLine {
    /// A blank line.
    Blank,
    /// Not a custody/v1 bundle: its `CUS-P001` finding.
    Problem(Box<Finding>),
    /// A bundle rejected by its schema check: its `CUS-P002` findings.
    Rejected(Vec<Finding>),
    /// A bundle ready for evaluation.
    Bundle(Box<LoadedBundle>),
}

/// Decode, parse and schema-check one line of the bundle stream `shown`.
pub fn stream_line(line_no: u32, buf: &[u8], shown: &str, budgets: &Budgets) -> StreamLine {
    let problem = |message: String, pos: Option<Pos>| {
        StreamLine::Problem(Box::new(
            Finding::new("CUS-P001", Severity::Error, message, shown)
                .at(pos.unwrap_or(Pos::line_only(line_no))),
        ))
    };
    let text = match source::decode(buf) {
        Ok(t) => t,
        Err(e) => return problem(e.message, None),
    };
    if text.trim().is_empty() {
        return StreamLine::Blank;
    }
    let mut node = match source::parse_one(text, budgets) {
        Ok(n) => n,
        Err(e) => {
            let pos = e.pos.map(|p| Pos {
                line: line_no,
                column: p.column,
                offset: None,
                len: 0,
            });
            let message = format!("line {line_no} is not a JSON bundle: {}", e.message);
            return problem(message, pos);
        }
    };
    bundle::shift(&mut node, line_no, 0);
    strip_offsets(&mut node);
    match classify(&node) {
        Class::Custody(DocumentKind::SessionBundle) => {}
        // A bundle with another apiVersion, or a misspelt one: the field is named.
        Class::Problem(p @ Problem::ApiVersion(_)) => {
            return StreamLine::Rejected(vec![p.finding(shown, &node)]);
        }
        Class::Custody(DocumentKind::Workflow)
        | Class::Problem(Problem::Kind(_))
        | Class::Other => {
            let message = format!("line {line_no} is not a custody/v1 SessionBundle");
            return problem(message, Some(Pos::line_only(line_no)));
        }
    }
    let problems = schema_checked(&node, &[shown.to_owned()]);
    if !problems.is_empty() {
        return StreamLine::Rejected(problems);
    }
    StreamLine::Bundle(Box::new(bundle::resolve(node, shown, None, budgets)))
}

/// Stream records have no snippet source; drop byte offsets so reporters do not look for one.
fn strip_offsets(node: &mut Node) {
    node.pos.offset = None;
    match &mut node.value {
        source::Value::Seq(items) => items.iter_mut().for_each(strip_offsets),
        source::Value::Map(entries) => entries.iter_mut().for_each(|(k, n)| {
            k.pos.offset = None;
            strip_offsets(n)
        }),
        _ => {}
    }
}
