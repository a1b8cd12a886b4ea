//! The JSON Schemas of custody's document kinds (embedded from `schemas/`), and the structural checks a schema
//! cannot express: ticket regexes and host/command globs that must compile, the ±(2^53−1) integer range,
//! no floats in evidence events. Every problem is a `CUS-P002` at the offending node.

use std::sync::OnceLock;

use crate::source::{Node, Step, StepRef, Value, MAX_SAFE_INT};

pub const WORKFLOW_SCHEMA: &str = include_str!("../schemas/workflow.schema.json");
pub const BUNDLE_SCHEMA: &str = include_str!("../schemas/bundle.schema.json");

/// The document kinds custody evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Workflow,
    SessionBundle,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Workflow => "Workflow",
            Kind::SessionBundle => "SessionBundle",
        }
    }

    pub fn schema_text(self) -> &'static str {
        match self {
            Kind::Workflow => WORKFLOW_SCHEMA,
            Kind::SessionBundle => BUNDLE_SCHEMA,
        }
    }
}

/// One schema problem: where (a path into the document) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub path: Vec<Step>,
    pub message: String,
}

fn validator(kind: Kind) -> &'static jsonschema::Validator {
    static WORKFLOW: OnceLock<jsonschema::Validator> = OnceLock::new();
    static BUNDLE: OnceLock<jsonschema::Validator> = OnceLock::new();
    let cell = match kind {
        Kind::Workflow => &WORKFLOW,
        Kind::SessionBundle => &BUNDLE,
    };
    cell.get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(kind.schema_text())
            .expect("embedded schema is valid JSON (tested)");
        compile(&schema).expect("embedded schema compiles (tested)")
    })
}

/// Compile one of custody's own schemas (JSON Schema 2020-12). jsonschema validates every schema it
/// compiles against its meta-schema, and building the 2020-12 meta-schema's validator is half of compiling
/// custody's schema: 3.9M instructions, about a third of a one-manifest `validate`'s instructions. Its API cannot turn that off,
/// so the schema is compiled through a one-line draft-07 wrapper that only refers to it: the wrapper is what
/// is checked, against the far smaller draft-07 meta-schema, and the schema itself is evaluated under its own
/// `$schema`, 2020-12. That custody's schemas are valid 2020-12 schemas is checked by a test instead of on
/// every run.
fn compile(schema: &serde_json::Value) -> Result<jsonschema::Validator, String> {
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
        "$ref": id,
    });
    jsonschema::options()
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
pub fn prewarm(kinds: &'static [Kind]) {
    let _ = std::thread::Builder::new()
        .name("custody-schema".to_owned())
        .spawn(move || {
            for kind in kinds {
                let _ = validator(*kind);
            }
        });
}

/// Validate a document against the schema of its kind, then run the checks the schema cannot express.
pub fn check(kind: Kind, doc: &Node) -> Vec<Problem> {
    let json = doc.to_json();
    let mut problems = Vec::new();
    let validator = validator(kind);
    // Most documents are valid: `is_valid` stops at nothing and builds no errors, so the errors are only
    // collected for a document that has some.
    let errors = if validator.is_valid(&json) {
        None
    } else {
        Some(validator.iter_errors(&json))
    };
    for error in errors.into_iter().flatten() {
        let mut path = pointer_steps(doc, error.instance_path().as_str());
        let message = match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                // Point at the unknown key itself, one problem per key.
                for key in unexpected.iter().skip(1) {
                    let mut p = path.clone();
                    p.push(Step::Key(key.clone()));
                    problems.push(Problem {
                        path: p,
                        message: format!("unknown field `{key}`"),
                    });
                }
                if let Some(first) = unexpected.first() {
                    path.push(Step::Key(first.clone()));
                    format!("unknown field `{first}`")
                } else {
                    error.to_string()
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
    extra_checks(kind, doc, &mut problems);
    // One finding per offending node: the schema and the Rust checks may both flag the same value.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.path.clone()));
    problems
}

fn extra_checks(kind: Kind, doc: &Node, problems: &mut Vec<Problem>) {
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
        Value::Float(f) if in_event(path) => problems.push(Problem {
            path: StepRef::owned(path),
            message: format!("evidence events may not hold floats ({f}): they are hashed canonically; use an integer or a string"),
        }),
        _ => {}
    });
    if kind == Kind::Workflow {
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
mod tests {
    use super::*;

    #[test]
    fn custodys_schemas_are_valid_2020_12_schemas() {
        // Not checked on every run (see `compile`), so checked here.
        for kind in [Kind::Workflow, Kind::SessionBundle] {
            let schema: serde_json::Value = serde_json::from_str(kind.schema_text()).unwrap();
            assert_eq!(
                schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{kind:?}"
            );
            if let Err(e) = jsonschema::meta::validate(&schema) {
                panic!("{kind:?} schema: {e} at {}", e.instance_path());
            }
            assert!(compile(&schema).is_ok());
        }
    }

    #[test]
    fn schemas_compiled_through_the_wrapper_keep_their_2020_12_meaning() {
        // `prefixItems` is a 2020-12 keyword that draft-07 ignores, and draft-07 ignores any keyword beside
        // `$ref`: the wrapper must not turn either off.
        let schema = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://custody.dev/schemas/test.schema.json",
            "$defs": {"text": {"type": "string"}},
            "properties": {
                "pair": {"prefixItems": [{"type": "integer"}]},
                "name": {"$ref": "#/$defs/text", "maxLength": 3}
            }
        });
        let validator = compile(&schema).unwrap();
        assert!(validator.is_valid(&serde_json::json!({"pair": [1, "x"], "name": "abc"})));
        assert!(!validator.is_valid(&serde_json::json!({"pair": ["x"]})));
        assert!(!validator.is_valid(&serde_json::json!({"name": "abcd"})));
        assert!(!validator.is_valid(&serde_json::json!({"name": 1})));
        assert!(
            compile(&serde_json::json!({"type": "object"})).is_err(),
            "a schema needs an $id"
        );
    }
    use crate::source::{parse_documents, Budgets};

    fn problems(kind: Kind, text: &str) -> Vec<Problem> {
        let docs = parse_documents(text, &Budgets::default()).unwrap();
        check(kind, &docs[0])
    }

    #[test]
    fn embedded_schemas_compile() {
        for kind in [Kind::Workflow, Kind::SessionBundle] {
            let _ = validator(kind);
        }
    }

    #[test]
    fn minimal_documents_pass() {
        assert_eq!(
            problems(
                Kind::Workflow,
                "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: ab}\nspec: {}\n"
            ),
            []
        );
        assert_eq!(
            problems(
                Kind::SessionBundle,
                "apiVersion: custody/v1\nkind: SessionBundle\nsession: {id: s1}\n"
            ),
            []
        );
    }

    #[test]
    fn unknown_fields_point_at_the_key() {
        let p = problems(
            Kind::Workflow,
            "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: ab}\nspec:\n  aproval: {}\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(crate::source::path_string(&p[0].path), "spec.aproval");
    }

    #[test]
    fn patterns_and_ranges() {
        let p = problems(
            Kind::Workflow,
            "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: ab}\nspec:\n  approval: {ticket: {pattern: '^CHG[0-9{7}$'}}\n  targets: [{system: a, hosts: ['pgdb-[x']}]\n",
        );
        let paths: Vec<String> = p
            .iter()
            .map(|p| crate::source::path_string(&p.path))
            .collect();
        assert!(
            paths.contains(&"spec.approval.ticket.pattern".to_owned()),
            "{p:?}"
        );
        assert!(
            paths.contains(&"spec.targets[0].hosts[0]".to_owned()),
            "{p:?}"
        );
        let p = problems(
            Kind::SessionBundle,
            "apiVersion: custody/v1\nkind: SessionBundle\nsession: {id: s1}\nevidence: {events: [{seq: 1, type: x, n: 1.5, big: 9007199254740993}]}\n",
        );
        let paths: Vec<String> = p
            .iter()
            .map(|p| crate::source::path_string(&p.path))
            .collect();
        assert!(paths.contains(&"evidence.events[0].n".to_owned()), "{p:?}");
        assert!(
            paths.contains(&"evidence.events[0].big".to_owned()),
            "{p:?}"
        );
    }
}
