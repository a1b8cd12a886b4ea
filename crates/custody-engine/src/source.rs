//! Source files: reading with limits, YAML/JSON parsing into a value tree that keeps the position of every
//! key and item, and the conversions the rest of custody needs (JSON for the schema validator and hashing,
//! regorus values for policies).
//!
//! One parser decides all user input: `serde-saphyr` (maintained, pure Rust, span-aware, duplicate keys rejected,
//! alias and depth budgets). JSON is read by the same parser, so a file never passes one reader and fails another.
//! Two fast paths read the common shapes — plain block-style YAML ([`crate::yamlblock`]) and plain JSON Lines
//! records ([`crate::jsonline`]) — to exactly the tree serde-saphyr gives, and leave everything else, every
//! error included, to it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// The largest integer every JSON canonicaliser agrees on (2^53 − 1).
pub const MAX_SAFE_INT: i64 = 9_007_199_254_740_991;

/// A position in a source file: 1-based line and column, and the byte offset (for miette labels).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    /// Byte offset of the node in the file, when known.
    pub offset: Option<u32>,
    /// Byte length of the node's token, when known (0 for zero-length spans).
    pub len: u32,
}

impl Pos {
    fn from_location(loc: &serde_saphyr::Location) -> Self {
        let span = loc.span();
        Pos {
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
            offset: span.byte_offset().and_then(|o| u32::try_from(o).ok()),
            len: span
                .byte_len()
                .and_then(|o| u32::try_from(o).ok())
                .unwrap_or(0),
        }
    }

    /// A position known by line only (JSON Lines records).
    pub fn line_only(line: u32) -> Self {
        Pos {
            line,
            column: 1,
            offset: None,
            len: 0,
        }
    }

    /// Shift a position parsed from a sub-slice (one line of a JSON Lines file) to file coordinates.
    pub fn shifted(self, line: u32, line_offset: u32) -> Self {
        Pos {
            line: self.line + line - 1,
            column: self.column,
            offset: self.offset.map(|o| o + line_offset),
            len: self.len,
        }
    }
}

/// A scalar or collection as written, with the position of the node.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique (duplicates are rejected by the parser).
    Map(Vec<(Key, Node)>),
}

/// The value of `key` among a mapping's entries.
pub fn member<'a>(entries: &'a [(Key, Node)], key: &str) -> Option<&'a Node> {
    entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
}

/// A mapping key and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

/// A value and where it is written. `file` is an index into the caller's file table when a document spans
/// several files (a directory bundle's `events.jsonl`); 0 is the document's own file.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    pub file: u16,
}

/// A [`Step`] borrowing its key, as [`Node::walk`] gives paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepRef<'a> {
    Key(&'a str),
    Index(usize),
}

impl StepRef<'_> {
    /// The path as owned steps.
    pub fn owned(path: &[StepRef<'_>]) -> Vec<Step> {
        path.iter()
            .map(|s| match *s {
                StepRef::Key(k) => Step::Key(k.to_owned()),
                StepRef::Index(i) => Step::Index(i),
            })
            .collect()
    }
}

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) => f.write_str(k),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Render a path as `spec.operators[0].team`.
pub fn path_string(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// The result of locating a path: the position of the deepest existing node on it (the key for a map entry,
/// the item for a list element), its file, and whether the whole path exists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Located {
    pub pos: Pos,
    pub file: u16,
    pub exact: bool,
}

impl Node {
    pub fn new(value: Value, pos: Pos) -> Self {
        Node {
            value,
            pos,
            file: 0,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => member(entries, key),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Follow a dotted key path of map keys only (`["session", "id"]`).
    pub fn at(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The position of `path` in this document: the key of a map entry, the item of a list; for a path that
    /// does not exist, the nearest existing parent (its key).
    pub fn locate(&self, path: &[Step]) -> Located {
        let mut here = Located {
            pos: self.pos,
            file: self.file,
            exact: true,
        };
        let mut node = self;
        for step in path {
            let next = match (&node.value, step) {
                (Value::Map(entries), Step::Key(k)) => entries
                    .iter()
                    .find(|(key, _)| &key.name == k)
                    .map(|(key, v)| (key.pos, v)),
                (Value::Seq(items), Step::Index(i)) => items.get(*i).map(|v| (v.pos, v)),
                _ => None,
            };
            match next {
                Some((pos, child)) => {
                    here = Located {
                        pos,
                        file: child.file,
                        exact: true,
                    };
                    node = child;
                }
                None => {
                    here.exact = false;
                    return here;
                }
            }
        }
        here
    }

    /// Visit every node with its path (pre-order). The path borrows the keys ([`StepRef`]): a callback that
    /// keeps a path copies it ([`StepRef::owned`]), so a walk allocates nothing per node.
    pub fn walk<'a>(
        &'a self,
        path: &mut Vec<StepRef<'a>>,
        f: &mut dyn FnMut(&[StepRef<'a>], &'a Node),
    ) {
        f(path, self);
        match &self.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(StepRef::Index(i));
                    item.walk(path, f);
                    path.pop();
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    path.push(StepRef::Key(&k.name));
                    v.walk(path, f);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// The value in the JSON data model (for the schema validator and canonical hashing).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The value as a regorus value (what policies see), built directly without a JSON round-trip.
    pub fn to_rego(&self) -> regorus::Value {
        match &self.value {
            Value::Null => regorus::Value::Null,
            Value::Bool(b) => regorus::Value::from(*b),
            Value::Int(i) => regorus::Value::from(*i),
            Value::Float(f) => regorus::Value::from(*f),
            Value::Str(s) => regorus::Value::from(s.as_str()),
            Value::Seq(items) => {
                regorus::Value::from(items.iter().map(Node::to_rego).collect::<Vec<_>>())
            }
            Value::Map(entries) => regorus::Value::from(regorus::value::Object::from_entries(
                entries
                    .iter()
                    .map(|(k, v)| (regorus::Value::from(k.name.as_str()), v.to_rego()))
                    .collect(),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Deserialisation through serde-saphyr's `Spanned` wrapper: one pass gives values and positions.

struct RawNode(Node);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawValue>::deserialize(deserializer)?;
        Ok(RawNode(Node::new(
            spanned.value.0,
            Pos::from_location(&spanned.referenced),
        )))
    }
}

struct RawValue(Value);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue(Value::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        match i64::try_from(v) {
            Ok(i) => Ok(RawValue(Value::Int(i))),
            // Out of range for i64: kept as a float so the integer-range check reports it (CUS-P002).
            Err(_) => Ok(RawValue(Value::Float(v as f64))),
        }
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        match i64::try_from(v) {
            Ok(i) => Ok(RawValue(Value::Int(i))),
            Err(_) => Ok(RawValue(Value::Float(v as f64))),
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        match i64::try_from(v) {
            Ok(i) => Ok(RawValue(Value::Int(i))),
            Err(_) => Ok(RawValue(Value::Float(v as f64))),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue(Value::Str(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue(Value::Str(v)))
    }
    fn visit_bytes<E: de::Error>(self, _v: &[u8]) -> Result<RawValue, E> {
        Err(E::custom("binary values are not supported"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(RawNode(node)) = seq.next_element::<RawNode>()? {
            items.push(node);
        }
        Ok(RawValue(Value::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries: Vec<(Key, Node)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<Spanned<KeyName>>()? {
            let RawNode(value) = map.next_value::<RawNode>()?;
            let name = key.value.0;
            if entries.iter().any(|(k, _)| k.name == name) {
                return Err(de::Error::custom(format!("duplicate key `{name}`")));
            }
            entries.push((
                Key {
                    name,
                    pos: Pos::from_location(&key.referenced),
                },
                value,
            ));
        }
        Ok(RawValue(Value::Map(entries)))
    }
}

/// A mapping key: scalars only, rendered as the string a JSON object would use.
struct KeyName(String);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyName, E> {
                Ok(KeyName(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyName, E> {
                Ok(KeyName(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyName, E> {
                Ok(KeyName(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyName, E> {
                Ok(KeyName(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyName, E> {
                Ok(KeyName(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyName, E> {
                Ok(KeyName(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyName, E> {
                Ok(KeyName("null".to_owned()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

// ---------------------------------------------------------------------------------------------------------

/// Resource budgets for one file. Exceeding one is a `CUS-P001` finding that names the budget.
#[derive(Clone, Copy, Debug)]
pub struct Budgets {
    pub max_file_size: u64,
    pub max_depth: usize,
    pub max_nodes: usize,
    pub max_aliases: usize,
    pub max_documents: usize,
    /// Events replayed through aliases across a file ("billion laughs" guard).
    pub max_alias_events: usize,
    /// Events in one session bundle (inline or from `events.jsonl`).
    pub max_events: usize,
    /// Bytes in one line of a JSON Lines stream, `events.jsonl` or a recording (its `\n` not counted).
    pub max_line: usize,
    /// Seconds one policy query may run on one document (regorus execution timer).
    pub max_eval_seconds: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_file_size: 16 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 5_000_000,
            max_aliases: 10_000,
            max_documents: 100_000,
            max_alias_events: 100_000,
            max_events: 1_000_000,
            max_line: 16 * 1024 * 1024,
            max_eval_seconds: 10,
        }
    }
}

impl Budgets {
    /// Set the budget named by a `limits:` key of the configuration (see [`crate::budget::LIMIT_KEYS`]).
    /// `Err` says why the value is not accepted.
    pub fn set(&mut self, key: &str, value: u64) -> Result<(), String> {
        let count = usize::try_from(value).unwrap_or(usize::MAX);
        if value == 0 {
            return Err(format!("limits.{key} must be greater than 0"));
        }
        match key {
            "maxFileSize" => self.max_file_size = value,
            "maxDepth" => {
                if count > crate::budget::MAX_DEPTH_CEILING {
                    return Err(format!(
                        "limits.maxDepth may be at most {}: deeper nesting would exhaust the parser's stack",
                        crate::budget::MAX_DEPTH_CEILING
                    ));
                }
                self.max_depth = count;
            }
            "maxNodes" => self.max_nodes = count,
            "maxAliases" => self.max_aliases = count,
            "maxAliasEvents" => self.max_alias_events = count,
            "maxDocuments" => self.max_documents = count,
            "maxEvents" => self.max_events = count,
            "maxLineLength" => self.max_line = count,
            "maxEvalSeconds" => self.max_eval_seconds = value,
            other => return Err(format!("unknown limit `{other}`")),
        }
        Ok(())
    }
}

/// A parse failure: what went wrong and where (when the parser knew).
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub pos: Option<Pos>,
}

fn options(budgets: &Budgets) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = budgets.max_depth;
    budget.max_nodes = budgets.max_nodes;
    budget.max_aliases = budgets.max_aliases;
    budget.max_documents = budgets.max_documents;
    // Parser events are nodes plus their ends and document markers: bounded through the node budget, so a
    // file within every named budget never trips an unnamed one (the parser's own default is 1,000,000).
    budget.max_events = budgets
        .max_nodes
        .saturating_mul(2)
        .saturating_add(budgets.max_documents.saturating_mul(2))
        .saturating_add(2);
    let mut opts = serde_saphyr::Options::default();
    opts.budget = Some(budget);
    opts.strict_booleans = true;
    opts.underscored_numbers_as_strings = true;
    opts.reject_unsupported_tags = true;
    opts.legacy_octal_numbers = false;
    opts.merge_keys = serde_saphyr::options::MergeKeyPolicy::Error;
    opts.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    opts.with_snippet = false;
    // custody reads no comments: not emitting them as parser events saves 5% of the parser's time.
    opts.emit_comments = false;
    opts.alias_limits.max_total_replayed_events = budgets.max_alias_events;
    opts
}

/// The message for a parser error that is an exceeded budget, naming the budget and its config key.
fn budget_message(err: &serde_saphyr::Error, budgets: &Budgets) -> Option<String> {
    use crate::budget::exceeded;
    use serde_saphyr::budget::BudgetBreach;
    let mut err = err;
    while let serde_saphyr::Error::WithSnippet { error, .. }
    | serde_saphyr::Error::AliasError { error, .. } = err
    {
        err = error;
    }
    match err {
        serde_saphyr::Error::Budget { breach, .. } => Some(match breach {
            BudgetBreach::Depth { .. } => exceeded("nesting-depth", budgets.max_depth, "maxDepth"),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
                exceeded("node", budgets.max_nodes, "maxNodes")
            }
            BudgetBreach::Aliases { .. } => exceeded("alias", budgets.max_aliases, "maxAliases"),
            BudgetBreach::Documents { .. } => {
                exceeded("document", budgets.max_documents, "maxDocuments")
            }
            BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
                "uses {aliases} aliases for {anchors} anchors, a pattern of alias bombs; expand the aliases"
            ),
            other => format!("exceeds a parser budget ({other:?})"),
        }),
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. }
        | serde_saphyr::Error::AliasReplayCounterOverflow { .. } => Some(exceeded(
            "alias-expansion",
            format!("{} events", budgets.max_alias_events),
            "maxAliasEvents",
        )),
        _ => None,
    }
}

fn parse_error(err: &serde_saphyr::Error, budgets: &Budgets) -> ParseError {
    let pos = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| Pos::from_location(&l));
    if let Some(message) = budget_message(err, budgets) {
        return ParseError { message, pos };
    }
    let mut message = err.to_string();
    // The YAML parser's own nesting ceiling guards the same stack as the depth budget.
    if message.starts_with("recursion limit exceeded") {
        return ParseError {
            message: crate::budget::exceeded("nesting-depth", budgets.max_depth, "maxDepth"),
            pos,
        };
    }
    // The parser appends its own "at line X column Y"; custody reports the position separately.
    if let Some(idx) = message.find(" at line ") {
        message.truncate(idx);
    }
    // Advice addressed to programmers using the parser is not for custody's users.
    if let Some(idx) = message.find(", set DuplicateKeyPolicy") {
        message.truncate(idx);
    }
    ParseError {
        message: message.trim().to_owned(),
        pos,
    }
}

/// Decode file bytes as UTF-8 text (a leading byte-order mark is accepted and dropped).
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        ParseError {
            message: format!(
                "the file is not valid UTF-8 (invalid byte at offset {}); save it as UTF-8",
                e.valid_up_to()
            ),
            pos: Some(Pos {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(col).unwrap_or(u32::MAX),
                offset: u32::try_from(e.valid_up_to()).ok(),
                len: 1,
            }),
        }
    })
}

/// Parse every document of a YAML (or JSON) text. Empty documents are dropped.
pub fn parse_documents(text: &str, budgets: &Budgets) -> Result<Vec<Node>, ParseError> {
    if text.contains('\0') {
        let offset = text.find('\0').unwrap_or(0);
        let line = text[..offset].matches('\n').count() + 1;
        return Err(ParseError {
            message: "the file contains a NUL byte; YAML and JSON text may not".to_owned(),
            pos: Some(Pos {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: 1,
                offset: u32::try_from(offset).ok(),
                len: 1,
            }),
        });
    }
    // Plain block-style YAML (the common manifest) is read by the block fast path, to the same tree.
    if let Some(docs) = crate::yamlblock::parse(text, budgets) {
        return Ok(docs);
    }
    parse_documents_saphyr(text, budgets)
}

/// Parse every document with serde-saphyr alone (what [`parse_documents`] falls back to).
pub fn parse_documents_saphyr(text: &str, budgets: &Budgets) -> Result<Vec<Node>, ParseError> {
    // A panic in the parser is a bug, never a pass: the file becomes an input problem.
    let parsed = crate::budget::guarded(|| {
        serde_saphyr::from_multiple_with_options::<Option<RawNode>>(text, options(budgets))
    })
    .map_err(|message| ParseError {
        message: format!("the YAML parser failed: {message}"),
        pos: None,
    })?;
    let docs: Vec<Option<RawNode>> = parsed.map_err(|e| parse_error(&e, budgets))?;
    let mut docs: Vec<Node> = docs.into_iter().flatten().map(|RawNode(n)| n).collect();
    for doc in &mut docs {
        // Anchors are per document.
        core_schema(doc, text, &mut BTreeMap::new());
    }
    Ok(docs)
}

/// Read the plain scalars of `node` as the YAML 1.2 core schema does, where serde-saphyr's inference differs,
/// from the text as written (`text[pos.offset..][..pos.len]`):
/// - `0b101`, `+0x1F`, `-0o17`, `0X1F` are strings: the core schema's integers are `[-+]?[0-9]+`, `0o[0-7]+`
///   and `0x[0-9a-fA-F]+` only (serde-saphyr reads the first three as integers);
/// - `017`, `-017`, `+017` are the base-10 integers 17 and -17 (serde-saphyr reads them as floats, which
///   events may not hold);
/// - a hexadecimal or octal integer too large for 64 bits is kept as its (inexact) value, so that the
///   integer-range check reports it as it does a decimal one (serde-saphyr leaves it a string).
///
/// A scalar with an explicit tag (`!!str 017`, `!!int 0b101`) keeps the type its tag gives. An alias takes
/// the corrected values of its anchor (`anchors`, filled in document order), keeping its own positions.
fn core_schema(node: &mut Node, text: &str, anchors: &mut BTreeMap<String, Node>) {
    let start = node.pos.offset.map(|o| o as usize);
    let written = start.and_then(|o| text.get(o..o + node.pos.len as usize));
    if let Some(name) = written.and_then(|w| w.strip_prefix('*')) {
        if let Some(anchored) = anchors.get(name) {
            copy_values(node, anchored);
        }
        return;
    }
    let Some(start) = start.filter(|&o| text.is_char_boundary(o)) else {
        return;
    };
    let (anchor, tagged) = properties(text, start);
    match &mut node.value {
        Value::Seq(items) => {
            for item in items {
                core_schema(item, text, anchors);
            }
        }
        Value::Map(entries) => {
            for (_, value) in entries {
                core_schema(value, text, anchors);
            }
        }
        Value::Null | Value::Bool(_) => {}
        Value::Int(_) | Value::Float(_) | Value::Str(_) => {
            if let (Some(written), false) = (written, tagged) {
                match (core_int(written), &node.value) {
                    (Some(value), _) => node.value = value,
                    (None, Value::Int(_)) => node.value = Value::Str(written.to_owned()),
                    _ => {}
                }
            }
        }
    }
    if let Some(anchor) = anchor {
        anchors.insert(anchor.to_owned(), node.clone());
    }
}

/// Give `dst` (an alias's copy of an anchored node) the scalar values of `src` (the anchored node, already
/// read per the core schema), keeping `dst`'s positions.
fn copy_values(dst: &mut Node, src: &Node) {
    match (&mut dst.value, &src.value) {
        (Value::Seq(d), Value::Seq(s)) if d.len() == s.len() => {
            for (d, s) in d.iter_mut().zip(s) {
                copy_values(d, s);
            }
        }
        (Value::Map(d), Value::Map(s)) if d.len() == s.len() => {
            for ((_, d), (_, s)) in d.iter_mut().zip(s) {
                copy_values(d, s);
            }
        }
        (Value::Seq(_) | Value::Map(_), _) | (_, Value::Seq(_) | Value::Map(_)) => {}
        (d, s) => *d = s.clone(),
    }
}

/// The anchor (`&name`) and whether there is a tag (`!…`) among the node properties written just before the
/// node that starts at byte `start`: on its line, or at the end of the line before when the node starts its
/// line (`key: &a` then a block collection). Reads backwards token by token, so each node costs the length
/// of its properties, not of its line.
fn properties(text: &str, start: usize) -> (Option<&str>, bool) {
    let bytes = text.as_bytes();
    let (mut anchor, mut tagged) = (None, false);
    let mut end = start.min(bytes.len());
    let mut crossed_line = false;
    loop {
        let mut i = end;
        while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        if i > 0 && bytes[i - 1] == b'\n' {
            if crossed_line {
                break;
            }
            crossed_line = true;
            // The line before, without its comment (a `#` after a space, or starting the line).
            let line_end = if i >= 2 && bytes[i - 2] == b'\r' {
                i - 2
            } else {
                i - 1
            };
            let line_start = text[..line_end].rfind('\n').map_or(0, |n| n + 1);
            let line = &text[line_start..line_end];
            end = line_start
                + line
                    .char_indices()
                    .find(|&(k, c)| c == '#' && (k == 0 || line[..k].ends_with([' ', '\t'])))
                    .map_or(line.len(), |(k, _)| k);
            continue;
        }
        let mut j = i;
        while j > 0
            && !matches!(
                bytes[j - 1],
                b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b','
            )
        {
            j -= 1;
        }
        let token = &text[j..i];
        if let Some(name) = token.strip_prefix('&') {
            anchor = anchor.or(Some(name));
        } else if token.starts_with('!') {
            tagged = true;
        } else {
            break;
        }
        end = j;
    }
    (anchor, tagged)
}

/// The value of `t` when it is an integer of the YAML 1.2 core schema; a value beyond 64 bits as a float.
pub(crate) fn core_int(t: &str) -> Option<Value> {
    let (digits, radix) = if let Some(d) = t.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = t.strip_prefix("0o") {
        (d, 8)
    } else {
        (t.strip_prefix(['-', '+']).unwrap_or(t), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if radix == 10 {
        return Some(match t.parse::<i64>() {
            Ok(v) => Value::Int(v),
            Err(_) => Value::Float(t.parse().ok()?),
        });
    }
    Some(match i64::from_str_radix(digits, radix) {
        Ok(v) => Value::Int(v),
        Err(_) => Value::Float(
            digits
                .chars()
                .filter_map(|c| c.to_digit(radix))
                .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d)),
        ),
    })
}

/// The value serde-saphyr gives a plain scalar written alone (how the block fast path types a plain scalar
/// that may be other than a string); `None` when it is not a scalar.
pub(crate) fn scalar_value(text: &str) -> Option<Value> {
    let mut docs = parse_documents_saphyr(text, &Budgets::default()).ok()?;
    match (docs.pop(), docs.is_empty()) {
        (Some(node), true) if !matches!(node.value, Value::Seq(_) | Value::Map(_)) => {
            Some(node.value)
        }
        // A document that is null is dropped: these are the core schema's nulls.
        (None, _) if matches!(text, "~" | "null" | "Null" | "NULL") => Some(Value::Null),
        _ => None,
    }
}

/// Parse a single JSON/YAML value (one line of a JSON Lines stream).
pub fn parse_one(text: &str, budgets: &Budgets) -> Result<Node, ParseError> {
    // A plain JSON object (the common record) is read by the JSON fast path, to the same tree.
    if let Some(node) = crate::jsonline::parse_object(text, budgets) {
        return Ok(node);
    }
    let mut docs = parse_documents(text, budgets)?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        0 => Err(ParseError {
            message: "empty record".to_owned(),
            pos: None,
        }),
        _ => Err(ParseError {
            message: "a JSON Lines record holds more than one document".to_owned(),
            pos: None,
        }),
    }
}

/// A file's text shared between findings (miette's `NamedSource` clones it cheaply).
pub type SharedText = Arc<str>;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Node> {
        parse_documents(text, &Budgets::default()).expect("parses")
    }

    /// The vendored regorus orders values by hand (a fast path for strings): the same order as its derived
    /// `PartialOrd`, which is the order `derive(Ord)` gave, on values of every kind and strings that share
    /// prefixes, are empty or are not ASCII.
    #[test]
    fn regorus_value_order_is_the_derived_order() {
        let json = |t: &str| regorus::Value::from_json_str(t).unwrap();
        let mut values = vec![
            regorus::Value::Null,
            regorus::Value::Undefined,
            regorus::Value::from(false),
            regorus::Value::from(true),
            regorus::Value::from(-1_i64),
            regorus::Value::from(2.5),
            regorus::Value::from(10_i64),
            regorus::Value::new_set(),
            json(r#"["a", 1]"#),
            json(r#"["a", 2]"#),
            json(r#"{"k": "v"}"#),
            json(r#"{"k": "w", "a": null}"#),
            regorus::Value::from(
                ["b", "a"]
                    .iter()
                    .map(|s| regorus::Value::from(*s))
                    .collect::<std::collections::BTreeSet<_>>(),
            ),
        ];
        for s in [
            "", "a", "ab", "abc", "b", "B", "é", "éa", "z", "seq", "session", "time", "type",
        ] {
            values.push(regorus::Value::from(s));
        }
        for a in &values {
            for b in &values {
                assert_eq!(Some(a.cmp(b)), a.partial_cmp(b), "{a:?} vs {b:?}");
            }
        }
        let mut sorted = values.clone();
        sorted.sort();
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
    }

    /// The policy input is the document as regorus reads the same JSON: objects whose keys were written
    /// in any order (sorted once by `Object::from_entries`) look up, compare and iterate alike.
    #[test]
    fn policy_values_equal_regorus_own_reading() {
        let text =
            r#"{"z": 1, "b": {"y": [true, null, "s"], "a": -2}, "a": {}, "m": [{"k": 1, "c": 2}]}"#;
        let ours = parse(text)[0].to_rego();
        let theirs = regorus::Value::from_json_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours["b"]["a"], regorus::Value::from(-2_i64));
        assert_eq!(ours["m"][0]["c"], regorus::Value::from(2_i64));
        let keys: Vec<_> = ours
            .as_object()
            .unwrap()
            .iter_sorted()
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(keys, ["a", "b", "m", "z"].map(regorus::Value::from));
        // Repeated keys (which documents never have) keep the last value, as a BTreeMap does.
        let repeated = regorus::value::Object::from_entries(vec![
            (regorus::Value::from("k"), regorus::Value::from(1_i64)),
            (regorus::Value::from("a"), regorus::Value::Null),
            (regorus::Value::from("k"), regorus::Value::from(2_i64)),
        ]);
        assert_eq!(repeated.len(), 2);
        assert_eq!(
            repeated.get(&regorus::Value::from("k")),
            Some(&regorus::Value::from(2_i64))
        );
    }

    #[test]
    fn keys_and_items_keep_positions() {
        let docs = parse("a:\n  b: 1\n  list:\n    - x: 1\n    - plain\n");
        let doc = &docs[0];
        let b = doc.locate(&[Step::Key("a".into()), Step::Key("b".into())]);
        assert_eq!((b.pos.line, b.pos.column, b.exact), (2, 3, true));
        let item = doc.locate(&[
            Step::Key("a".into()),
            Step::Key("list".into()),
            Step::Index(1),
        ]);
        assert_eq!((item.pos.line, item.pos.column), (5, 7));
        let missing = doc.locate(&[Step::Key("a".into()), Step::Key("zzz".into())]);
        assert_eq!((missing.pos.line, missing.exact), (1, false));
        assert_eq!(b.pos.offset, Some(5));
    }

    #[test]
    fn yaml_12_core_schema_scalars() {
        let docs =
            parse("a: yes\nb: 2026-11-20T10:02:00Z\nc: 1_000\nd: null\ne: ~\nf: 0x1F\ng: true\n");
        let json = docs[0].to_json();
        assert_eq!(json["f"], 31);
        assert_eq!(json["a"], "yes");
        assert_eq!(json["b"], "2026-11-20T10:02:00Z");
        assert_eq!(json["c"], "1_000");
        assert!(json["d"].is_null() && json["e"].is_null());
        assert_eq!(json["g"], true);
    }

    #[test]
    fn integers_are_read_as_the_yaml_12_core_schema_reads_them() {
        // (written, core-schema value as JSON): serde-saphyr alone reads several of these otherwise.
        let cases = [
            ("0x1F", "31"),
            ("0x1f", "31"),
            ("0o17", "15"),
            ("017", "17"),
            ("-017", "-17"),
            ("+017", "17"),
            ("+12", "12"),
            ("-0", "0"),
            ("00", "0"),
            ("0b101", "\"0b101\""),
            ("-0x1F", "\"-0x1F\""),
            ("+0o17", "\"+0o17\""),
            ("0X1F", "\"0X1F\""),
            ("0o8", "\"0o8\""),
            ("0x", "\"0x\""),
            ("1_000", "\"1_000\""),
            ("'017'", "\"017\""),
            ("\"0b1\"", "\"0b1\""),
            ("!!str 017", "\"017\""),
            ("!!float 017", "17.0"),
            ("0x1FFFFFFFFFFFFFFFF", "3.6893488147419103e19"),
            ("-9223372036854775808", "-9223372036854775808"),
            ("-9223372036854775809", "-9.223372036854776e18"),
        ];
        for (written, want) in cases {
            let want: serde_json::Value = serde_json::from_str(want).unwrap();
            // Both readers: the block fast path and serde-saphyr (a flow mapping is read by serde-saphyr).
            for text in [format!("a: {written}\n"), format!("{{a: {written}}}\n")] {
                let docs = parse(&text);
                assert_eq!(docs[0].to_json()["a"], want, "{text:?}");
            }
            // In a sequence, and through an anchor and its alias.
            let docs = parse(&format!(
                "a: [{written}]\nb: &n {written}\nc: *n\nd: [&m {written}, *m]\n"
            ));
            let json = docs[0].to_json();
            if !written.starts_with('!') {
                assert_eq!(json["a"][0], want, "{written} in a sequence");
                assert_eq!(json["b"], want, "{written} anchored");
                assert_eq!(json["c"], want, "{written} through an alias");
                assert_eq!(
                    json["d"][1], want,
                    "{written} through an alias in a flow sequence"
                );
            }
        }
        // Aliases of anchored collections take their anchor's corrected values and keep their own positions;
        // properties may end the line before a block collection, a comment after them.
        let text = "a: &x {b: 0b101, c: 017}\nd: *x\ne: &y # note\n  - 0b1\n  - 017\nf: *y\ng: !!str\n  017\n";
        let docs = parse(text);
        let json = docs[0].to_json();
        let want = serde_json::json!({
            "a": {"b": "0b101", "c": 17}, "d": {"b": "0b101", "c": 17},
            "e": ["0b1", 17], "f": ["0b1", 17], "g": "017",
        });
        assert_eq!(json, want);
        // Non-ASCII text before and around the scalars: positions are byte offsets.
        let wide = parse("ü€: &ä 017\nß: [*ä, 0b1]\n\"😀\": {k: 0x1F}\n");
        assert_eq!(
            wide[0].to_json(),
            serde_json::json!({"ü€": 17, "ß": [17, "0b1"], "😀": {"k": 31}})
        );
        let alias = docs[0].at(&["d", "c"]).unwrap();
        assert_eq!(
            alias.pos.line, 2,
            "an alias's values keep the alias's position"
        );
        // A core-schema integer beyond ±(2^53−1) is reported, whichever base it is written in.
        for written in [
            "0x20000000000000",
            "9007199254740992",
            "0x1FFFFFFFFFFFFFFFF",
        ] {
            let docs = parse(&format!("a: {written}\n"));
            let mut path = Vec::new();
            let mut big = false;
            docs[0].walk(&mut path, &mut |_, n| {
                big |= matches!(n.value, Value::Int(i) if i > MAX_SAFE_INT)
                    || matches!(n.value, Value::Float(f) if f > MAX_SAFE_INT as f64);
            });
            assert!(big, "{written}");
        }
    }

    #[test]
    fn duplicate_keys_and_tags_are_errors() {
        let err = parse_documents("a: 1\na: 2\n", &Budgets::default()).unwrap_err();
        assert!(err.message.to_lowercase().contains("duplicate"), "{err:?}");
        assert_eq!(err.pos.map(|p| p.line), Some(2));
        let err =
            parse_documents("a: !!python/object:os.system x\n", &Budgets::default()).unwrap_err();
        assert!(err.pos.is_some(), "{err:?}");
        let err = parse_documents("{\"a\": 1, \"a\": 2}", &Budgets::default()).unwrap_err();
        assert!(err.message.to_lowercase().contains("duplicate"), "{err:?}");
    }

    #[test]
    fn multi_document_and_json() {
        let docs = parse("---\na: 1\n---\n---\nb: [1, 2]\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].pos.line, 5);
        let docs = parse("{\n  \"a\": {\"b\": true}\n}\n");
        let b = docs[0].locate(&[Step::Key("a".into()), Step::Key("b".into())]);
        assert_eq!((b.pos.line, b.pos.column), (2, 9));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse_documents("a: [1, 2\nb: 3\n", &Budgets::default()).unwrap_err();
        assert!(err.pos.is_some(), "{err:?}");
        let err = decode(b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!(err.pos.map(|p| (p.line, p.column)), Some((2, 4)));
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
    }

    #[test]
    fn only_named_budgets_apply() {
        // The parser's own event ceiling (1,000,000 by default; a 16 MiB file of 5,000 manifests passed it)
        // follows the node budget, so only named budgets can trip.
        let budget = options(&Budgets::default()).budget.expect("budget set");
        assert!(budget.max_events >= 2 * Budgets::default().max_nodes);
        let text = format!("[{}]", "0,".repeat(2_000));
        assert_eq!(parse(&text).len(), 1);
        let small = Budgets {
            max_nodes: 1_000,
            ..Budgets::default()
        };
        let err = parse_documents(&text, &small).unwrap_err();
        assert!(err.message.contains("(limits.maxNodes)"), "{err:?}");
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(parse_documents(&text, &Budgets::default()).is_err());
    }
}
