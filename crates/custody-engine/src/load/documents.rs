//! Splitting a file's text into custody documents with positions.

use crate::document::DocumentKind;
use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, Step};

use super::read::p001;

/// A custody document found in a file.
#[derive(Clone, Debug)]
pub struct Document {
    pub kind: DocumentKind,
    pub node: Node,
    /// Index of the document within its file (0-based, empty documents skipped).
    pub index: usize,
}

/// Split a file's text into custody documents. Documents whose `apiVersion` does not start with `custody` are
/// skipped; a `custody` apiVersion other than `custody/v1`, or an unknown kind, is `CUS-P002`; text that does
/// not parse is `CUS-P001`.
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

/// The `CUS-P002` findings of a document's schema check, each at the node it is about. `files` names the
/// files the document's nodes come from (index 0 is its own file).
pub fn schema_problems(kind: DocumentKind, node: &Node, files: &[String]) -> Vec<Finding> {
    let problems = crate::schema::check(kind, node);
    schema_findings(problems, node, files)
}

/// [`schema_problems`] of a check already made.
pub fn schema_findings(
    problems: Vec<crate::schema::Problem>,
    node: &Node,
    files: &[String],
) -> Vec<Finding> {
    problems
        .into_iter()
        .map(|p| {
            let located = node.locate(&p.path);
            let file = files
                .get(located.file as usize)
                .or(files.first())
                .map_or("", String::as_str);
            let mut f = Finding::new("CUS-P002", Severity::Error, p.message, file).at(located.pos);
            f.path = Some(source::path_string(&p.path));
            f
        })
        .collect()
}
