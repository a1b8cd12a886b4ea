//! Reading YAML and JSON with serde-saphyr: one pass through its `Spanned` wrapper gives the values and the
//! position of every key and item; the parser's options and errors in custody's terms; the YAML 1.2 core
//! schema where serde-saphyr's inference differs, anchors and aliases included.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::budgets::budget_message;
use super::{Budgets, Key, Node, ParseError, Pos, Value};

impl Pos {
    /// The position serde-saphyr gives a node or key.
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
}

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

/// The parser's options: custody's budgets, and the YAML 1.2 reading of booleans, numbers, tags and keys.
pub(super) fn options(budgets: &Budgets) -> serde_saphyr::Options {
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
    // custody reads no comments: the parser need not emit them as events.
    opts.emit_comments = false;
    opts.alias_limits.max_total_replayed_events = budgets.max_alias_events;
    opts
}

/// A parser error as custody reports it: the budget it exceeded, or the parser's message without its
/// position (reported separately) or advice meant for programmers.
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

/// Parse every document with serde-saphyr alone (what [`super::parse_documents`] falls back to).
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
