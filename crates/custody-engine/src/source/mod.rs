//! Source files: reading with limits, YAML/JSON parsing into a value tree that keeps the position of every
//! key and item, and the conversions the rest of custody needs (JSON for the schema validator and hashing,
//! regorus values for policies).
//!
//! A file is read by its name ([`Syntax`]): a `.json` file as strict JSON ([`json`]: RFC 8259, every
//! deviation an error with its position), anything else as YAML. YAML is decided by `serde-saphyr`
//! (maintained, pure Rust, span-aware, duplicate keys rejected, alias and depth budgets), read in `yaml.rs`.
//! Two fast paths read the common shapes — plain block-style YAML ([`yamlblock`]) and plain JSON Lines
//! records ([`json::parse_record`]) — to exactly the tree serde-saphyr gives, and leave everything else,
//! every error included, to it. The JSON parser gives a `.json` file the tree serde-saphyr gives the same
//! text, so a finding points at the same line and column whichever reads it.
//!
//! The parts: this file holds the tree ([`Node`], [`Value`], [`Key`], [`Pos`]), paths into it ([`Step`],
//! [`path_string`], [`Node::locate`]) and the entry points [`parse_file`], [`parse_documents`] and
//! [`parse_one`]; [`decode`] turns bytes into text; [`Budgets`] are the resource limits every parser honours.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

mod budgets;
mod decode;
pub mod edit;
pub mod json;
mod yaml;
pub mod yamlblock;

pub use budgets::Budgets;
pub use decode::{decode, decode_text};
pub use yaml::parse_documents_saphyr;

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
        self.to_rego_with(&mut RegoStrings::default())
    }

    /// [`Node::to_rego`], sharing one regorus string among equal keys and equal short strings (`strings`
    /// holds those made so far, and can be kept across documents): a bundle's many events repeat the same
    /// keys and mostly the same type, principal and times, which are then held once.
    pub fn to_rego_with(&self, strings: &mut RegoStrings) -> regorus::Value {
        match &self.value {
            Value::Null => regorus::Value::Null,
            Value::Bool(b) => regorus::Value::from(*b),
            Value::Int(i) => regorus::Value::from(*i),
            Value::Float(f) => regorus::Value::from(*f),
            Value::Str(s) => strings.get(s),
            Value::Seq(items) => regorus::Value::from(
                items
                    .iter()
                    .map(|item| item.to_rego_with(strings))
                    .collect::<Vec<_>>(),
            ),
            Value::Map(entries) => regorus::Value::from(regorus::value::Object::from_entries(
                entries
                    .iter()
                    .map(|(k, v)| (strings.get(&k.name), v.to_rego_with(strings)))
                    .collect(),
            )),
        }
    }
}

/// The regorus strings made so far, shared by every value that holds the same text: all short texts, and
/// the last few long ones (an event's `prev` is the previous event's `hash`).
#[derive(Default)]
pub struct RegoStrings {
    short: HashMap<Box<str>, regorus::Value>,
    recent: [Option<regorus::Value>; 4],
    next: usize,
}

impl RegoStrings {
    /// Longer strings (commands, hashes) are rarely repeated but by the next few values: not worth
    /// remembering for longer.
    const SHARED_LEN: usize = 32;

    /// The regorus string of `text`, shared when it is short or was among the last few long ones.
    pub fn get(&mut self, text: &str) -> regorus::Value {
        if text.len() > Self::SHARED_LEN {
            let recent = self.recent.iter().flatten().find(|v| {
                v.as_string()
                    .is_ok_and(|s| s.len() == text.len() && s.as_ref() == text)
            });
            if let Some(value) = recent {
                return value.clone();
            }
            let value = regorus::Value::from(text);
            self.recent[self.next] = Some(value.clone());
            self.next = (self.next + 1) % self.recent.len();
            return value;
        }
        if let Some(value) = self.short.get(text) {
            return value.clone();
        }
        let value = regorus::Value::from(text);
        self.short.insert(text.into(), value.clone());
        value
    }
}

/// A parse failure: what went wrong and where (when the parser knew).
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub pos: Option<Pos>,
}

/// How a file's text is read, decided by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// YAML (JSON written in a YAML file is read as YAML flow syntax).
    Yaml,
    /// Strict JSON (RFC 8259): a file whose name ends in `.json`, in any letter case.
    Json,
}

impl Syntax {
    /// The syntax of the file at `path`: JSON for `*.json` (`.JSON`, `.Json` …), YAML otherwise (standard
    /// input, `-`, included).
    pub fn of(path: &Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// Parse every document of a file's text as its syntax reads it: the YAML documents (empty ones dropped), or
/// the one value of a strict JSON text.
pub fn parse_file(text: &str, syntax: Syntax, budgets: &Budgets) -> Result<Vec<Node>, ParseError> {
    match syntax {
        Syntax::Yaml => parse_documents(text, budgets),
        Syntax::Json => json::parse_text(text, budgets).map(|node| vec![node]),
    }
}

/// Parse every document of a YAML text (JSON in YAML flow syntax included). Empty documents are dropped.
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
    if let Some(docs) = yamlblock::parse(text, budgets) {
        return Ok(docs);
    }
    parse_documents_saphyr(text, budgets)
}

/// Parse a single JSON/YAML value (one line of a JSON Lines stream).
pub fn parse_one(text: &str, budgets: &Budgets) -> Result<Node, ParseError> {
    // A plain JSON object (the common record) is read by the JSON fast path, to the same tree.
    if let Some(node) = json::parse_record(text, budgets) {
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
mod tests;
