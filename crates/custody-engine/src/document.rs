//! The kinds of document custody evaluates. (Dependency-free: `build.rs` includes it too.)

/// A custody document kind: what its `kind` field says, which JSON Schema checks it, and which rule sets
/// (`custody.workflow.*` or `custody.session.*`) evaluate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Workflow,
    SessionBundle,
}

impl DocumentKind {
    /// Both kinds, workflows first.
    pub const ALL: [DocumentKind; 2] = [DocumentKind::Workflow, DocumentKind::SessionBundle];

    /// The kind of a document whose `kind` field is `value`.
    pub fn from_kind_field(value: &str) -> Option<DocumentKind> {
        match value {
            "Workflow" => Some(DocumentKind::Workflow),
            "SessionBundle" => Some(DocumentKind::SessionBundle),
            _ => None,
        }
    }

    /// The value of the document's `kind` field.
    pub fn kind_field(self) -> &'static str {
        match self {
            DocumentKind::Workflow => "Workflow",
            DocumentKind::SessionBundle => "SessionBundle",
        }
    }

    /// The rule sets' name for this kind: the package segment (`custody.session`) and the name of the
    /// compiled program.
    pub fn rule_set(self) -> &'static str {
        match self {
            DocumentKind::Workflow => "workflow",
            DocumentKind::SessionBundle => "session",
        }
    }

    /// A position in per-kind arrays.
    pub fn index(self) -> usize {
        match self {
            DocumentKind::Workflow => 0,
            DocumentKind::SessionBundle => 1,
        }
    }
}
