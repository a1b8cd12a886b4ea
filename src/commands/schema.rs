//! `custody schema workflow|bundle`: print a document kind's JSON Schema.

use super::Outcome;
use custody_engine::document::DocumentKind;

pub(super) fn run(kind: DocumentKind) -> Outcome {
    Outcome::printed(kind.schema_text().to_owned())
}
