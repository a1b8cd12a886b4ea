//! The JSON Schemas of custody's document kinds (embedded from `schemas/`), and the structural checks a schema
//! cannot express: ticket regexes and host/command globs that must compile, the ±(2^53−1) integer range,
//! no floats in evidence events. Every problem is a `CUS-P002` at the offending node.

use std::sync::OnceLock;

use crate::document::DocumentKind;
use crate::source::{Node, Step, StepRef, Value, MAX_SAFE_INT};

pub const WORKFLOW_SCHEMA: &str = include_str!("../../../schemas/workflow.schema.json");
pub const BUNDLE_SCHEMA: &str = include_str!("../../../schemas/bundle.schema.json");

/// One schema problem: where (a path into the document) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub path: Vec<Step>,
    pub message: String,
}

/// The schema of `kind` as JSON.
fn schema_json(kind: DocumentKind) -> serde_json::Value {
    serde_json::from_str(kind.schema_text()).expect("embedded schema is valid JSON (tested)")
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

/// Compile one of custody's own schemas (JSON Schema 2020-12) for instances of representation `F`.
/// jsonschema validates every schema it compiles against its meta-schema, and building the 2020-12
/// meta-schema's validator is half of compiling custody's schema: 3.9M instructions, about a third of a
/// one-manifest `validate`'s instructions. Its API cannot turn that off, so the schema is compiled through a
/// one-line draft-07 wrapper that only refers to it: the wrapper is what is checked, against the far smaller
/// draft-07 meta-schema, and the schema itself is evaluated under its own `$schema`, 2020-12. That custody's
/// schemas are valid 2020-12 schemas is checked by a test instead of on every run.
fn compile<F: jsonschema::json::Json>(
    options: jsonschema::ValidationOptions<'static, std::sync::Arc<dyn jsonschema::Retrieve>, F>,
    schema: &serde_json::Value,
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
        "$ref": id,
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
    let mut problems = Vec::new();
    // Most documents are valid: they are decided on the parsed document itself, and only a document with
    // errors is copied into `serde_json` values to collect them (with their messages and paths).
    let json = (!node_validator(kind).is_valid(doc)).then(|| doc.to_json());
    let errors = json.as_ref().map(|json| validator(kind).iter_errors(json));
    let mut named = 0;
    for error in errors.into_iter().flatten() {
        named += 1;
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
    extra_checks(kind, doc, &mut problems);
    // One finding per offending node: the schema and the Rust checks may both flag the same value.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.path.clone()));
    problems
}

fn extra_checks(kind: DocumentKind, doc: &Node, problems: &mut Vec<Problem>) {
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

/// custody's parsed documents ([`Node`]) as a jsonschema instance representation, read in place: valid
/// documents are checked without a `serde_json` copy. Every accessor answers as the `serde_json` value of
/// [`Node::to_json`] would (a non-finite float, which that copy turns into `null`, reads as `null`; an
/// integer is a `serde_json` integer, a float a `serde_json` float), so both validators decide alike; a test
/// holds them to it on every fixture, example and generated document.
pub(crate) struct NodeJson;

/// Scratch node for the property names jsonschema validates as strings (`propertyNames`).
pub(crate) struct NameNode(Node);

impl Default for NameNode {
    fn default() -> Self {
        NameNode(Node {
            value: Value::Str(String::new()),
            pos: crate::source::Pos::line_only(1),
            file: 0,
        })
    }
}

impl jsonschema::json::Json for NodeJson {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = NameNode;
    // Parsed documents are trees.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut NameNode, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        match &mut buffer.0.value {
            Value::Str(name) => {
                name.clear();
                name.push_str(string);
            }
            other => *other = Value::Str(string.to_owned()),
        }
        f(&buffer.0)
    }
}

/// A number of a parsed document, read as the `serde_json` number it converts to.
#[derive(Clone, Copy)]
pub(crate) enum NodeNumber {
    Int(i64),
    /// Finite only (a non-finite float is `null`).
    Float(f64),
}

impl jsonschema::json::JsonNumber for NodeNumber {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            NodeNumber::Int(i) => u64::try_from(i).ok(),
            NodeNumber::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            NodeNumber::Int(i) => Some(i),
            NodeNumber::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match *self {
            NodeNumber::Int(i) => Some(i as f64),
            NodeNumber::Float(f) => Some(f),
        }
    }

    fn as_str(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> std::borrow::Cow<'_, serde_json::Number> {
        std::borrow::Cow::Owned(match *self {
            NodeNumber::Int(i) => serde_json::Number::from(i),
            NodeNumber::Float(f) => {
                serde_json::Number::from_f64(f).unwrap_or_else(|| serde_json::Number::from(0))
            }
        })
    }
}

/// A mapping of a parsed document.
#[derive(Clone, Copy)]
pub(crate) struct NodeMembers<'a>(&'a [(crate::source::Key, Node)]);

/// A sequence of a parsed document.
#[derive(Clone, Copy)]
pub(crate) struct NodeItems<'a>(&'a [Node]);

impl<'a> jsonschema::json::Node<'a, NodeJson> for &'a Node {
    type Object = NodeMembers<'a>;
    type Array = NodeItems<'a>;
    type Number = NodeNumber;

    fn as_object(&self) -> Option<NodeMembers<'a>> {
        match &self.value {
            Value::Map(entries) => Some(NodeMembers(entries)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<NodeItems<'a>> {
        match &self.value {
            Value::Seq(items) => Some(NodeItems(items)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<std::borrow::Cow<'a, str>> {
        match &self.value {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<NodeNumber> {
        match self.value {
            Value::Int(i) => Some(NodeNumber::Int(i)),
            Value::Float(f) if f.is_finite() => Some(NodeNumber::Float(f)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.json_type() == jsonschema::JsonType::Null
    }

    fn json_type(&self) -> jsonschema::JsonType {
        use jsonschema::JsonType;
        match self.value {
            Value::Null => JsonType::Null,
            Value::Float(f) if !f.is_finite() => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) | Value::Float(_) => JsonType::Number,
            Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn to_value(&self) -> std::borrow::Cow<'a, serde_json::Value> {
        std::borrow::Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<jsonschema::json::NodeIdentity> {
        Some(jsonschema::json::NodeIdentity::new(
            std::ptr::from_ref::<Node>(*self) as usize,
        ))
    }
}

impl<'a> jsonschema::json::Object<'a, NodeJson> for NodeMembers<'a> {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = std::iter::Map<
        std::slice::Iter<'a, (crate::source::Key, Node)>,
        fn(&'a (crate::source::Key, Node)) -> (&'a str, &'a Node),
    >;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        crate::source::member(self.0, key)
    }

    fn members(&self) -> Self::MembersIter {
        self.0.iter().map(|(k, v)| (k.name.as_str(), v))
    }
}

impl<'a> jsonschema::json::Array<'a, NodeJson> for NodeItems<'a> {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custodys_schemas_are_valid_2020_12_schemas() {
        // Not checked on every run (see `compile`), so checked here.
        for kind in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
            let schema: serde_json::Value = serde_json::from_str(kind.schema_text()).unwrap();
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
                        docs.extend(
                            parse_documents(&text, &Budgets::default()).unwrap_or_default(),
                        );
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
}
