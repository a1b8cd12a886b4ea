//! Loading workflow manifests: every file found under the given paths, read in parallel, split into
//! documents, and the workflow documents schema-checked. `validate` evaluates them; `check` and `import`
//! use the schema-valid ones as the declared workflows.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{self, ToolError};
use crate::document::DocumentKind;
use crate::findings::Finding;
use crate::source::{Budgets, Node, SharedText};

use super::documents::{candidate_documents, schema_findings, Document};
use super::read::{read, Loaded};

/// One file read: its display name, text, documents and the problems found reading it.
pub struct LoadedFile {
    pub display: String,
    pub text: Option<SharedText>,
    pub documents: Vec<Document>,
    pub problems: Vec<Finding>,
}

/// The files found under some paths.
#[derive(Default)]
pub struct Files {
    /// Files read (with their documents or problems), in the walk's order.
    pub files: Vec<LoadedFile>,
    /// Files found by walking that mention no custody document.
    pub not_custody: usize,
    /// Paths that could not be walked or read.
    pub errors: Vec<ToolError>,
}

/// Walk `paths` (excluding `exclude`) and read and split every file found, in parallel, in the walk's order.
pub fn read_files(paths: &[PathBuf], exclude: &[String], budgets: &Budgets) -> Files {
    let mut out = Files::default();
    let exclude = match discover::exclude_set(exclude) {
        Ok(set) => set,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let walk = discover::manifests(paths, &exclude);
    out.errors.extend(walk.errors);
    let results: Vec<Result<Option<LoadedFile>, ToolError>> = walk
        .inputs
        .par_iter()
        .map(|c| {
            Ok(match read(c, budgets.max_file_size)? {
                Loaded::NotCustody => None,
                Loaded::Problem(f) => Some(LoadedFile {
                    display: c.display.clone(),
                    text: None,
                    documents: Vec::new(),
                    problems: vec![*f],
                }),
                Loaded::Text(text) => {
                    let (documents, problems) = candidate_documents(c, &text, budgets);
                    Some(LoadedFile {
                        display: c.display.clone(),
                        text: Some(text),
                        documents,
                        problems,
                    })
                }
            })
        })
        .collect();
    for r in results {
        match r {
            Ok(Some(f)) => out.files.push(f),
            Ok(None) => out.not_custody += 1,
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// A workflow document, schema-checked.
pub struct Workflow<'a> {
    pub file: &'a LoadedFile,
    pub doc: &'a Document,
    /// `metadata.id`.
    pub id: Option<String>,
    /// The `CUS-P002` findings of its schema check (empty: the document may be evaluated).
    pub problems: Vec<Finding>,
}

impl Workflow<'_> {
    pub fn schema_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Schema-check the workflow documents of `files` (in parallel), in file order.
pub fn workflows(files: &[LoadedFile]) -> Vec<Workflow<'_>> {
    let docs: Vec<(&LoadedFile, &Document)> = files
        .iter()
        .flat_map(|f| {
            f.documents
                .iter()
                .filter(|d| d.kind == DocumentKind::Workflow)
                .map(move |d| (f, d))
        })
        .collect();
    docs.par_iter()
        .map(|(file, doc)| {
            let id = doc
                .node
                .at(&["metadata", "id"])
                .and_then(Node::as_str)
                .map(str::to_owned);
            let checked = crate::schema::check(DocumentKind::Workflow, &doc.node);
            let mut problems =
                schema_findings(checked, &doc.node, std::slice::from_ref(&file.display));
            for p in &mut problems {
                p.workflow = id.clone();
            }
            Workflow {
                file,
                doc,
                id,
                problems,
            }
        })
        .collect()
}

/// A workflow id declared in a file read for its ids only (`validate --ids-from`).
pub struct DeclaredId {
    pub id: String,
    pub file: String,
    /// The line of its `metadata.id`.
    pub line: u32,
}

/// The ids of the workflows declared under `paths`, except in the files of `judged` (the run's own files,
/// whose declarations the run compares itself), with the paths that could not be walked or read. Nothing
/// else of those files is looked at: a file that does not parse declares no id here.
pub fn declared_ids(
    paths: &[PathBuf],
    judged: &[LoadedFile],
    exclude: &[String],
    budgets: &Budgets,
) -> (Vec<DeclaredId>, Vec<ToolError>) {
    let own: std::collections::HashSet<PathBuf> = judged
        .iter()
        .filter_map(|f| std::fs::canonicalize(&f.display).ok())
        .collect();
    let exclude = match discover::exclude_set(exclude) {
        Ok(set) => set,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let walk = discover::manifests(paths, &exclude);
    let mut errors = walk.errors;
    let results: Vec<Result<Vec<DeclaredId>, ToolError>> = walk
        .inputs
        .par_iter()
        .map(|c| {
            if std::fs::canonicalize(&c.path).is_ok_and(|p| own.contains(&p)) {
                return Ok(Vec::new());
            }
            let Loaded::Text(text) = read(c, budgets.max_file_size)? else {
                return Ok(Vec::new());
            };
            let declared = |id: &str, line: u32| DeclaredId {
                id: id.to_owned(),
                file: c.display.clone(),
                line,
            };
            if let Some(ids) = super::ids::plain_workflow_ids(&text) {
                return Ok(ids.iter().map(|(id, line)| declared(id, *line)).collect());
            }
            let (documents, _) = candidate_documents(c, &text, budgets);
            Ok(documents
                .iter()
                .filter(|d| d.kind == DocumentKind::Workflow)
                .filter_map(|d| {
                    let id = d.node.at(&["metadata", "id"]).and_then(Node::as_str)?;
                    let line = d
                        .node
                        .locate(&[
                            crate::source::Step::Key("metadata".into()),
                            crate::source::Step::Key("id".into()),
                        ])
                        .pos
                        .line;
                    Some(declared(id, line))
                })
                .collect())
        })
        .collect();
    let mut ids = Vec::new();
    for r in results {
        match r {
            Ok(found) => ids.extend(found),
            Err(e) => errors.push(e),
        }
    }
    (ids, errors)
}

/// The schema-valid workflows by `metadata.id`; the first declaration of an id wins.
pub fn by_id(workflows: &[Workflow<'_>]) -> HashMap<String, Arc<Node>> {
    let mut map = HashMap::new();
    for w in workflows.iter().filter(|w| w.schema_ok()) {
        if let Some(id) = &w.id {
            map.entry(id.clone())
                .or_insert_with(|| Arc::new(w.doc.node.clone()));
        }
    }
    map
}
