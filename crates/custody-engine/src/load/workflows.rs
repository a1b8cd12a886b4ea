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
