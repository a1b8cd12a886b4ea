//! `custody schema workflow|bundle`: print a document kind's JSON Schema.

use super::Outcome;
use custody_engine::document::DocumentKind;

pub(super) fn run(kind: DocumentKind) -> Outcome {
    Outcome::printed(custody_engine::schema::schema_text(kind).to_owned())
}
