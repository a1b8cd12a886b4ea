use super::*;

#[test]
fn custodys_schemas_are_valid_2020_12_schemas() {
    // Not checked on every run (see `compile`), so checked here.
    for kind in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
        let schema: serde_json::Value = serde_json::from_str(schema_text(kind)).unwrap();
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{kind:?}"
        );
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{kind:?} schema: {e} at {}", e.instance_path());
        }
        assert!(compile(jsonschema::options(), &schema).is_ok());
        assert!(compile(jsonschema::options_for::<NodeJson>(), &schema).is_ok());
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
    let validator = compile(jsonschema::options(), &schema).unwrap();
    assert!(validator.is_valid(&serde_json::json!({"pair": [1, "x"], "name": "abc"})));
    assert!(!validator.is_valid(&serde_json::json!({"pair": ["x"]})));
    assert!(!validator.is_valid(&serde_json::json!({"name": "abcd"})));
    assert!(!validator.is_valid(&serde_json::json!({"name": 1})));
    assert!(
        compile(
            jsonschema::options(),
            &serde_json::json!({"type": "object"})
        )
        .is_err(),
        "a schema needs an $id"
    );
}
use crate::source::{parse_documents, Budgets};

fn problems(kind: DocumentKind, text: &str) -> Vec<Problem> {
    let docs = parse_documents(text, &Budgets::default()).unwrap();
    check(kind, &docs[0])
}

/// The child at `path` (indices into sequences and mappings) of `node`.
fn at_mut<'a>(node: &'a mut Node, path: &[usize]) -> &'a mut Node {
    path.iter().fold(node, |n, &i| match &mut n.value {
        Value::Seq(items) => &mut items[i],
        Value::Map(entries) => &mut entries[i].1,
        _ => unreachable!("paths lead through collections"),
    })
}

fn paths(node: &Node, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(prefix.clone());
    let children: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Map(entries) => entries.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    for (i, child) in children.into_iter().enumerate() {
        prefix.push(i);
        paths(child, prefix, out);
        prefix.pop();
    }
}

/// The validator over parsed documents and the one over their `serde_json` copies decide alike: on every
/// document of the fixtures and examples, and on variants of each with one node replaced by a value of
/// another type (non-finite floats included), one key removed or an unknown key added.
#[test]
fn node_and_serde_validators_agree() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut docs = Vec::new();
    for dir in ["tests/fixtures", "examples"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            match path.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "json") => {
                    docs.extend(parse_documents(&text, &Budgets::default()).unwrap_or_default());
                }
                Some("jsonl") => docs.extend(
                    text.lines()
                        .filter_map(|l| crate::source::parse_one(l, &Budgets::default()).ok()),
                ),
                _ => {}
            }
        }
    }
    assert!(docs.len() > 100, "{} documents", docs.len());
    let node = |v: Value| Node {
        value: v,
        pos: crate::source::Pos::line_only(1),
        file: 0,
    };
    let replacements = [
        Value::Null,
        Value::Bool(true),
        Value::Int(1),
        Value::Int(-3),
        Value::Float(1.5),
        Value::Float(2.0),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::Str(String::new()),
        Value::Str("x".repeat(3)),
        Value::Seq(Vec::new()),
        Value::Map(Vec::new()),
    ];
    let (mut compared, mut invalid) = (0, 0);
    let mut agree = |kind: DocumentKind, doc: &Node| {
        let by_node = node_validator(kind).is_valid(doc);
        let by_serde = validator(kind).is_valid(&doc.to_json());
        assert_eq!(by_node, by_serde, "{kind:?}: {}", doc.to_json());
        compared += 1;
        invalid += usize::from(!by_node);
    };
    for (d, doc) in docs.iter().enumerate() {
        let kind = match doc.get("kind").and_then(Node::as_str) {
            Some("Workflow") => DocumentKind::Workflow,
            _ => DocumentKind::SessionBundle,
        };
        agree(kind, doc);
        let mut all = Vec::new();
        paths(doc, &mut Vec::new(), &mut all);
        for (p, path) in all.iter().enumerate().skip(1) {
            let mut variant = doc.clone();
            let replacement = &replacements[(d + p) % replacements.len()];
            at_mut(&mut variant, path).value = replacement.clone();
            agree(kind, &variant);
            let target = at_mut(&mut variant, path);
            target.value = doc_value_at(doc, path);
            if let Value::Map(entries) = &mut target.value {
                if !entries.is_empty() {
                    let mut removed = variant.clone();
                    if let Value::Map(entries) = &mut at_mut(&mut removed, path).value {
                        entries.remove(p % entries.len());
                    }
                    agree(kind, &removed);
                }
                if let Value::Map(entries) = &mut at_mut(&mut variant, path).value {
                    entries.push((
                        crate::source::Key {
                            name: "unexpected".to_owned(),
                            pos: crate::source::Pos::line_only(1),
                        },
                        node(Value::Null),
                    ));
                }
                agree(kind, &variant);
            }
        }
    }
    assert!(
        compared > 5_000 && invalid > 1_000,
        "{compared} compared, {invalid} invalid"
    );
}

fn doc_value_at(doc: &Node, path: &[usize]) -> Value {
    let mut copy = doc.clone();
    at_mut(&mut copy, path).value.clone()
}

#[test]
fn embedded_schemas_compile() {
    for kind in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
        let _ = validator(kind);
    }
}

#[test]
fn minimal_documents_pass() {
    assert_eq!(
        problems(
            DocumentKind::Workflow,
            "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: ab}\nspec: {}\n"
        ),
        []
    );
    assert_eq!(
        problems(
            DocumentKind::SessionBundle,
            "apiVersion: custody/v1\nkind: SessionBundle\nsession: {id: s1}\n"
        ),
        []
    );
}

#[test]
fn unknown_fields_point_at_the_key() {
    let p = problems(
        DocumentKind::Workflow,
        "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: ab}\nspec:\n  aproval: {}\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(crate::source::path_string(&p[0].path), "spec.aproval");
}

#[test]
fn patterns_and_ranges() {
    let p = problems(
            DocumentKind::Workflow,
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
            DocumentKind::SessionBundle,
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

/// An event checked on its own (as `check` checks the events of an `events.jsonl`, a line at a time) has
/// exactly the problems, messages and paths it has inside its bundle.
#[test]
fn an_event_checked_alone_has_the_problems_it_has_in_its_bundle() {
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bundles/clean-per-session.yaml"
    ))
    .unwrap();
    let events = [
        r#"{"seq": 1, "type": "command", "time": "2026-11-20T10:00:00Z", "principal": "a", "command": "ls"}"#,
        r#"{"type": "command", "extra": {"nested": 2.5}}"#,
        r#"{"seq": 0, "type": 7, "time": "yesterday", "hash": "ABC", "big": 9007199254740993}"#,
        r#"{"seq": 4, "type": "command", "principal": ["a"], "command": null, "ratio": 1.5}"#,
        r#"[1, 2]"#,
        r#""text""#,
    ];
    let mut doc = crate::source::parse_documents(&manifest, &crate::source::Budgets::default())
        .unwrap()
        .remove(0);
    let parsed: Vec<Node> = events
        .iter()
        .map(|e| crate::source::parse_one(e, &crate::source::Budgets::default()).unwrap())
        .collect();
    if let Some(Value::Map(entries)) = doc.get_mut("evidence").map(|e| &mut e.value) {
        for (k, v) in entries.iter_mut() {
            if k.name == "events" {
                v.value = Value::Seq(parsed.clone());
            }
        }
    }
    let whole = check(DocumentKind::SessionBundle, &doc);
    let mut alone = Vec::new();
    for (i, event) in parsed.iter().enumerate() {
        for p in check_event(event) {
            let mut path = vec![
                Step::Key("evidence".into()),
                Step::Key("events".into()),
                Step::Index(i),
            ];
            path.extend(p.path);
            alone.push(Problem {
                path,
                message: p.message,
            });
        }
    }
    let mut whole_sorted = whole.clone();
    whole_sorted.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    alone.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    assert!(alone.len() >= 8, "{alone:#?}");
    assert_eq!(alone, whole_sorted);
}
