//! The JSON Schemas of custody's document kinds (embedded from `schemas/`), and the structural checks a schema
//! cannot express: ticket regexes and host/command globs that must compile, the ±(2^53−1) integer range,
//! no floats in evidence events. Every problem is a `CUS-P002` at the offending node.
//!
//! `node_json.rs` lets the validator read custody's parsed documents in place.

use std::sync::OnceLock;

use crate::document::DocumentKind;
use crate::source::{Node, Step, StepRef, Value, MAX_SAFE_INT};

mod node_json;

use node_json::NodeJson;

pub const WORKFLOW_SCHEMA: &str = include_str!("../../../../schemas/workflow.schema.json");
pub const BUNDLE_SCHEMA: &str = include_str!("../../../../schemas/bundle.schema.json");

/// The JSON Schema of a document kind (what `custody schema` prints).
pub fn schema_text(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Workflow => WORKFLOW_SCHEMA,
        DocumentKind::SessionBundle => BUNDLE_SCHEMA,
    }
}

/// One schema problem: where (a path into the document) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub path: Vec<Step>,
    pub message: String,
}

/// The schema of `kind` as JSON.
fn schema_json(kind: DocumentKind) -> serde_json::Value {
    serde_json::from_str(schema_text(kind)).expect("embedded schema is valid JSON (tested)")
}

/// The validator of `kind` over `serde_json` values: what reports a document's schema errors. It is compiled
/// only when a document has some (valid documents are decided by [`node_validator`]).
fn validator(kind: DocumentKind) -> &'static jsonschema::Validator {
    static WORKFLOW: OnceLock<jsonschema::Validator> = OnceLock::new();
    static BUNDLE: OnceLock<jsonschema::Validator> = OnceLock::new();
    let cell = match kind {
        DocumentKind::Workflow => &WORKFLOW,
        DocumentKind::SessionBundle => &BUNDLE,
    };
    cell.get_or_init(|| {
        compile(jsonschema::options(), &schema_json(kind))
            .expect("embedded schema compiles (tested)")
    })
}

/// The validator of `kind` over custody's parsed documents ([`NodeJson`]): whether a document is valid,
/// without building a `serde_json` copy of it first.
fn node_validator(kind: DocumentKind) -> &'static jsonschema::Validator<NodeJson> {
    static WORKFLOW: OnceLock<jsonschema::Validator<NodeJson>> = OnceLock::new();
    static BUNDLE: OnceLock<jsonschema::Validator<NodeJson>> = OnceLock::new();
    let cell = match kind {
        DocumentKind::Workflow => &WORKFLOW,
        DocumentKind::SessionBundle => &BUNDLE,
    };
    cell.get_or_init(|| {
        compile(jsonschema::options_for::<NodeJson>(), &schema_json(kind))
            .expect("embedded schema compiles (tested)")
    })
}

/// The fragment of the bundle schema that one evidence event must match.
const EVENT: &str = "#/$defs/event";

/// The validator of one evidence event over `serde_json` values (its errors; see [`validator`]).
fn event_validator() -> &'static jsonschema::Validator {
    static EVENT_VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    EVENT_VALIDATOR.get_or_init(|| {
        compile_at(
            jsonschema::options(),
            &schema_json(DocumentKind::SessionBundle),
            EVENT,
        )
        .expect("embedded schema compiles (tested)")
    })
}

/// The validator of one evidence event over custody's parsed documents (see [`node_validator`]).
fn event_node_validator() -> &'static jsonschema::Validator<NodeJson> {
    static EVENT_VALIDATOR: OnceLock<jsonschema::Validator<NodeJson>> = OnceLock::new();
    EVENT_VALIDATOR.get_or_init(|| {
        compile_at(
            jsonschema::options_for::<NodeJson>(),
            &schema_json(DocumentKind::SessionBundle),
            EVENT,
        )
        .expect("embedded schema compiles (tested)")
    })
}

/// Compile one of custody's own schemas (JSON Schema 2020-12) for instances of representation `F`.
/// jsonschema validates every schema it compiles against its meta-schema, and building the 2020-12
/// meta-schema's validator costs as much as compiling custody's schema itself. Its API cannot turn that off, so the schema is compiled through a
/// one-line draft-07 wrapper that only refers to it: the wrapper is what is checked, against the far smaller
/// draft-07 meta-schema, and the schema itself is evaluated under its own `$schema`, 2020-12. That custody's
/// schemas are valid 2020-12 schemas is checked by a test instead of on every run.
fn compile<F: jsonschema::json::Json>(
    options: jsonschema::ValidationOptions<'static, std::sync::Arc<dyn jsonschema::Retrieve>, F>,
    schema: &serde_json::Value,
) -> Result<jsonschema::Validator<F>, String> {
    compile_at(options, schema, "")
}

/// [`compile`], of the part of the schema at `fragment` (a JSON pointer fragment such as `#/$defs/event`;
/// empty for the whole schema).
fn compile_at<F: jsonschema::json::Json>(
    options: jsonschema::ValidationOptions<'static, std::sync::Arc<dyn jsonschema::Retrieve>, F>,
    schema: &serde_json::Value,
    fragment: &str,
) -> Result<jsonschema::Validator<F>, String> {
    let id = schema
        .get("$id")
        .and_then(serde_json::Value::as_str)
        .ok_or("the schema has no $id")?;
    let registry = jsonschema::Registry::new()
        .add(id, schema)
        .and_then(|builder| builder.prepare())
        .map_err(|e| e.to_string())?;
    let wrapper = serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$ref": format!("{id}{fragment}"),
    });
    options
        .with_draft(jsonschema::Draft::Draft7)
        .with_registry(&registry)
        .build(&wrapper)
        .map_err(|e| e.to_string())
}

/// Resolve a JSON pointer against the document into path steps (an all-digit segment is an index only
/// where the node there is a list).
fn pointer_steps(doc: &Node, pointer: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut node = Some(doc);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let step = match node.map(|n| &n.value) {
            Some(Value::Seq(_)) => seg.parse().map(Step::Index).unwrap_or(Step::Key(seg)),
            _ => Step::Key(seg),
        };
        node = match (node, &step) {
            (Some(n), Step::Key(k)) => n.get(k),
            (
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }),
                Step::Index(i),
            ) => items.get(*i),
            _ => None,
        };
        steps.push(step);
    }
    steps
}

/// Compile the validators of `kinds` on a background thread, so that the compilation (a few milliseconds,
/// most of a one-manifest pre-commit run's schema time) overlaps with loading the policies. The first
/// [`check`] waits for it if it is not done yet.
pub fn prewarm(kinds: &'static [DocumentKind]) {
    let _ = std::thread::Builder::new()
        .name("custody-schema".to_owned())
        .spawn(move || {
            for kind in kinds {
                let _ = node_validator(*kind);
            }
        });
}

/// Validate a document against the schema of its kind, then run the checks the schema cannot express.
pub fn check(kind: DocumentKind, doc: &Node) -> Vec<Problem> {
    let mut problems = schema_errors(node_validator(kind), || validator(kind), doc, kind);
    extra_checks(kind, doc, &mut problems);
    unique(problems)
}

/// Check one evidence event of a bundle on its own, as [`check`] checks it inside its bundle: against the
/// bundle schema's event definition, and the integer range and no floats. Paths are the event's own (the
/// caller puts `evidence.events[i]` before them). A bundle whose events are read a line at a time is
/// checked event by event, without its events ever being held in one tree.
pub fn check_event(event: &Node) -> Vec<Problem> {
    let mut problems = schema_errors(
        event_node_validator(),
        event_validator,
        event,
        DocumentKind::SessionBundle,
    );
    number_checks(event, true, &mut problems);
    unique(problems)
}

/// One problem per offending node: the schema and the Rust checks may both flag the same value.
fn unique(mut problems: Vec<Problem>) -> Vec<Problem> {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.path.clone()));
    problems
}

/// The schema errors of `doc` (`kind` names its schema in the fallback message).
fn schema_errors(
    node_validator: &jsonschema::Validator<NodeJson>,
    validator: impl Fn() -> &'static jsonschema::Validator,
    doc: &Node,
    kind: DocumentKind,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    // Most documents are valid: they are decided on the parsed document itself, and only a document with
    // errors is copied into `serde_json` values to collect them (with their messages and paths).
    let json = (!node_validator.is_valid(doc)).then(|| doc.to_json());
    let errors = json.as_ref().map(|json| validator().iter_errors(json));
    let mut named = 0;
    for error in errors.into_iter().flatten() {
        named += 1;
        let mut path = pointer_steps(doc, error.instance_path().as_str());
        let message = match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                // Point at the unknown key itself, one problem per key.
                let known = known_fields(kind, error.schema_path().as_str());
                for key in unexpected.iter().skip(1) {
                    let mut p = path.clone();
                    p.push(Step::Key(key.clone()));
                    problems.push(Problem {
                        path: p,
                        message: unknown_field(key, &known),
                    });
                }
                if let Some(first) = unexpected.first() {
                    path.push(Step::Key(first.clone()));
                    unknown_field(first, &known)
                } else {
                    error.to_string()
                }
            }
            jsonschema::error::ValidationErrorKind::Pattern { .. } => {
                match expected(kind, error.schema_path().as_str()) {
                    Some(what) => {
                        format!("{} is not valid here: expected {what}", error.instance())
                    }
                    None => error.to_string(),
                }
            }
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default().to_owned();
                path.push(Step::Key(name.clone()));
                format!("required field `{name}` is missing")
            }
            _ => error.to_string(),
        };
        problems.push(Problem { path, message });
    }
    if json.is_some() && named == 0 {
        // The two validators disagree (they are tested not to): fail closed rather than pass the document.
        problems.push(Problem {
            path: Vec::new(),
            message: format!(
                "the document does not match the {} schema, but no field could be named: check it against `custody schema`",
                kind.kind_field()
            ),
        });
    }
    problems
}

/// The schema object holding the keyword at `keyword_location` (a JSON pointer into the schema of `kind`,
/// as a validation error gives it), when it can be found.
fn keyword_parent(kind: DocumentKind, keyword_location: &str) -> Option<serde_json::Value> {
    static WORKFLOW: OnceLock<serde_json::Value> = OnceLock::new();
    static BUNDLE: OnceLock<serde_json::Value> = OnceLock::new();
    let schema = match kind {
        DocumentKind::Workflow => WORKFLOW.get_or_init(|| schema_json(kind)),
        DocumentKind::SessionBundle => BUNDLE.get_or_init(|| schema_json(kind)),
    };
    let parent = &keyword_location[..keyword_location.rfind('/')?];
    // Through the one-line wrapper the schema is compiled with, the location may start with its `$ref`.
    let parent = parent.strip_prefix("/$ref").unwrap_or(parent);
    schema.pointer(parent).cloned()
}

/// The fields the schema object at `keyword_location`'s parent declares (`properties`), sorted.
fn known_fields(kind: DocumentKind, keyword_location: &str) -> Vec<String> {
    let mut fields: Vec<String> = keyword_parent(kind, keyword_location)
        .and_then(|s| s.get("properties")?.as_object().cloned())
        .map(|props| props.keys().cloned().collect())
        .unwrap_or_default();
    fields.sort();
    fields
}

/// What the schema says a value with a `pattern` must be, from its description, as a phrase that follows
/// "expected" (`a duration such as …`).
fn expected(kind: DocumentKind, keyword_location: &str) -> Option<String> {
    let parent = keyword_parent(kind, keyword_location)?;
    let description = parent.get("description")?.as_str()?.trim();
    let description = description.strip_suffix('.').unwrap_or(description);
    let mut chars = description.chars();
    let first = chars.next()?;
    Some(first.to_lowercase().chain(chars).collect())
}

/// The message for an unknown field `key` where `known` are the fields allowed: the nearest known field
/// when one is close (a typo, another letter case), else the list.
fn unknown_field(key: &str, known: &[String]) -> String {
    let nearest = known
        .iter()
        .map(|k| {
            let distance = if k.eq_ignore_ascii_case(key) {
                0
            } else {
                strsim::damerau_levenshtein(&k.to_lowercase(), &key.to_lowercase()).max(1)
            };
            (distance, k)
        })
        .filter(|(distance, k)| {
            *distance <= (k.chars().count().max(key.chars().count()) / 3).max(1)
        })
        .min_by_key(|(distance, _)| *distance);
    match nearest {
        Some((_, k)) => format!("unknown field `{key}`: did you mean `{k}`?"),
        None if known.is_empty() => format!("unknown field `{key}`"),
        None => format!(
            "unknown field `{key}` (the fields here are {})",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn extra_checks(kind: DocumentKind, doc: &Node, problems: &mut Vec<Problem>) {
    number_checks(doc, false, problems);
    workflow_checks(kind, doc, problems);
}

/// The ±(2^53−1) integer range everywhere, and no floats in evidence events (`event`: `doc` is one event).
fn number_checks(doc: &Node, event: bool, problems: &mut Vec<Problem>) {
    let mut path = Vec::new();
    doc.walk(&mut path, &mut |path, node| match &node.value {
        Value::Int(i) if !(-MAX_SAFE_INT..=MAX_SAFE_INT).contains(i) => problems.push(Problem {
            path: StepRef::owned(path),
            message: format!("integer {i} is outside ±(2^53−1); write it as a string"),
        }),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() > MAX_SAFE_INT as f64 => {
            problems.push(Problem {
                path: StepRef::owned(path),
                message: format!("integer {f} is outside ±(2^53−1); write it as a string"),
            })
        }
        Value::Float(f) if event || in_event(path) => problems.push(Problem {
            path: StepRef::owned(path),
            message: format!("evidence events may not hold floats ({f}): they are hashed canonically; use an integer or a string"),
        }),
        _ => {}
    });
}

/// Ticket regexes and host and command globs of a workflow, which must compile.
fn workflow_checks(kind: DocumentKind, doc: &Node, problems: &mut Vec<Problem>) {
    if kind == DocumentKind::Workflow {
        let spec = [Step::Key("spec".into())];
        let at = |keys: &[&str]| -> Vec<Step> {
            spec.iter()
                .cloned()
                .chain(keys.iter().map(|k| Step::Key((*k).to_owned())))
                .collect()
        };
        for keys in [
            &["approval", "ticket", "pattern"][..],
            &["breakGlass", "ticket", "pattern"],
        ] {
            let full: Vec<&str> = std::iter::once("spec")
                .chain(keys.iter().copied())
                .collect();
            if let Some(pattern) = doc.at(&full).and_then(Node::as_str) {
                if let Some(e) = crate::patterns::regex_error(pattern) {
                    problems.push(Problem {
                        path: at(keys),
                        message: format!(
                            "ticket pattern `{pattern}` is not a valid regex: {}",
                            first_line(&e)
                        ),
                    });
                }
            }
        }
        if let Some(Value::Seq(targets)) = doc.at(&["spec", "targets"]).map(|n| &n.value) {
            for (t, target) in targets.iter().enumerate() {
                check_globs(
                    target.get("hosts"),
                    &[
                        Step::Key("spec".into()),
                        Step::Key("targets".into()),
                        Step::Index(t),
                        Step::Key("hosts".into()),
                    ],
                    "host",
                    problems,
                );
            }
        }
        for list in ["allow", "deny"] {
            check_globs(
                doc.at(&["spec", "session", "commands", list]),
                &at(&["session", "commands", list]),
                "command",
                problems,
            );
        }
    }
}

fn check_globs(list: Option<&Node>, base: &[Step], what: &str, problems: &mut Vec<Problem>) {
    let Some(Node {
        value: Value::Seq(items),
        ..
    }) = list
    else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if let Some(glob) = item.as_str() {
            if let Some(e) = crate::patterns::glob_error(glob) {
                let mut path = base.to_vec();
                path.push(Step::Index(i));
                problems.push(Problem {
                    path,
                    message: format!("{what} glob `{glob}` is not a valid glob: {e}"),
                });
            }
        }
    }
}

fn in_event(path: &[StepRef<'_>]) -> bool {
    matches!(path, [StepRef::Key("evidence"), StepRef::Key("events"), ..])
}

fn first_line(text: &str) -> String {
    text.lines().last().unwrap_or(text).trim().to_owned()
}

#[cfg(test)]
mod tests;
