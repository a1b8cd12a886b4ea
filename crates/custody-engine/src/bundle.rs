//! Session bundles (SPEC §2): loading single files, bundle directories (`bundle.yaml` + `events.jsonl` +
//! recording) and JSON Lines streams; the event hash chain; the recording digest. Mechanics only: the
//! verdicts are handed to the session policies as facts.

use std::io::{BufRead, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, Pos, Step, Value};

/// The default longest line accepted in `events.jsonl` or a JSON Lines bundle stream (bytes); the budget in
/// force is [`Budgets::max_line`] (`limits.maxLineLength`).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The genesis hash h₀: hex SHA-256 of the session id.
pub fn genesis(session_id: &str) -> String {
    sha256_hex(session_id.as_bytes())
}

/// What the chain reads of an event: its fields, and its value in the JSON data model for RFC 8785. Both
/// parsed forms implement it — custody's located [`Node`] tree (what `check` loads) and `serde_json`
/// values (what `seal` and `import` write) — so one canonicaliser serves both, and `check` hashes the tree
/// it already holds instead of first copying every event into JSON values.
pub trait ChainEvent {
    /// The member `name` of an object (none for other values).
    fn field(&self, name: &str) -> Option<&Self>;
    fn as_text(&self) -> Option<&str>;
    fn as_int(&self) -> Option<i64>;
    /// The value's shape, for the canonicaliser.
    fn shape(&self) -> Shape<'_, Self>
    where
        Self: Sized;
    /// The value in the JSON data model (the rare float fallback only).
    fn to_json_value(&self) -> serde_json::Value;
}

/// One level of a JSON value, as [`ChainEvent::shape`] shows it.
pub enum Shape<'a, T> {
    Null,
    Bool(bool),
    /// An integer RFC 8785 prints as itself (|i| ≤ 2^53).
    Int(i64),
    /// A float or a larger integer: ECMAScript number formatting, left to the canonicalizer crate.
    OtherNumber,
    Str(&'a str),
    Seq(&'a [T]),
    /// Members in any order.
    Map(Vec<(&'a str, &'a T)>),
}

impl ChainEvent for serde_json::Value {
    fn field(&self, name: &str) -> Option<&Self> {
        self.get(name)
    }
    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }
    fn as_int(&self) -> Option<i64> {
        self.as_i64()
    }
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            serde_json::Value::Null => Shape::Null,
            serde_json::Value::Bool(b) => Shape::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) if i.unsigned_abs() <= 1 << 53 => Shape::Int(i),
                _ => Shape::OtherNumber,
            },
            serde_json::Value::String(s) => Shape::Str(s),
            serde_json::Value::Array(items) => Shape::Seq(items),
            serde_json::Value::Object(map) => {
                Shape::Map(map.iter().map(|(k, v)| (k.as_str(), v)).collect())
            }
        }
    }
    fn to_json_value(&self) -> serde_json::Value {
        self.clone()
    }
}

impl ChainEvent for Node {
    fn field(&self, name: &str) -> Option<&Self> {
        self.get(name)
    }
    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }
    fn as_int(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
    fn shape(&self) -> Shape<'_, Self> {
        match &self.value {
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(*b),
            Value::Int(i) if i.unsigned_abs() <= 1 << 53 => Shape::Int(*i),
            Value::Int(_) | Value::Float(_) => Shape::OtherNumber,
            Value::Str(s) => Shape::Str(s),
            Value::Seq(items) => Shape::Seq(items),
            Value::Map(entries) => {
                Shape::Map(entries.iter().map(|(k, v)| (k.name.as_str(), v)).collect())
            }
        }
    }
    fn to_json_value(&self) -> serde_json::Value {
        self.to_json()
    }
}

/// The hash of an event given the previous hash: SHA-256(prev ‖ `\n` ‖ JCS(event without `hash`)).
pub fn event_hash<E: ChainEvent>(prev: &str, event: &E) -> String {
    hex(&event_digest(prev, event, &mut Vec::with_capacity(256)))
}

/// The SHA-256 digest behind [`event_hash`]; `canonical` is scratch space, reused across events.
fn event_digest<E: ChainEvent>(prev: &str, event: &E, canonical: &mut Vec<u8>) -> [u8; 32] {
    canonical.clear();
    if !jcs(event, true, canonical) {
        // A float somewhere: RFC 8785 number formatting (ECMAScript) is the canonicalizer crate's job.
        let mut json = event.to_json_value();
        if let serde_json::Value::Object(map) = &mut json {
            map.remove("hash");
        }
        *canonical = serde_json_canonicalizer::to_vec(&json).unwrap_or_default();
    }
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(b"\n");
    hasher.update(&canonical[..]);
    hasher.finalize().into()
}

/// Whether `stored` is the lowercase hex form of `digest` (compared without building a string).
fn hex_matches(stored: &str, digest: &[u8; 32]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let stored = stored.as_bytes();
    stored.len() == 64
        && digest.iter().enumerate().all(|(i, b)| {
            stored[2 * i] == DIGITS[usize::from(b >> 4)]
                && stored[2 * i + 1] == DIGITS[usize::from(b & 15)]
        })
}

/// RFC 8785 (JCS) serialisation of a JSON value without floats (without its top-level `hash` member when
/// `without_hash`), appended to `out`; `false` (with `out` in an unspecified state) when the value holds a
/// non-integer number or an integer beyond ±2^53, whose canonical form needs ECMAScript number formatting.
/// Events carry integers only (the schema rejects floats), so this is the path taken.
fn jcs<E: ChainEvent>(value: &E, without_hash: bool, out: &mut Vec<u8>) -> bool {
    match value.shape() {
        Shape::Null => out.extend_from_slice(b"null"),
        Shape::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Shape::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        Shape::OtherNumber => return false,
        Shape::Str(text) => jcs_string(text, out),
        Shape::Seq(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if !jcs(item, false, out) {
                    return false;
                }
            }
            out.push(b']');
        }
        Shape::Map(mut members) => {
            if without_hash {
                members.retain(|(k, _)| *k != "hash");
            }
            sort_members(&mut members);
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                jcs_string(k, out);
                out.push(b':');
                if !jcs(v, false, out) {
                    return false;
                }
            }
            out.push(b'}');
        }
    }
    true
}

/// Members sorted by the UTF-16 code units of their names (RFC 8785 §3.2.3). UTF-8 byte order is UTF-16
/// code-unit order unless a name holds a character at or above U+E000 (lead byte 0xEE or higher), where
/// surrogate pairs sort below the rest of the BMP: compare bytes unless so. Members already in order (what
/// `seal` and `import` write) are left as they are.
fn sort_members<T>(members: &mut [(&str, T)]) {
    if members.iter().all(|(k, _)| k.bytes().all(|b| b < 0xEE)) {
        if !members.is_sorted_by(|a, b| a.0 <= b.0) {
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
    } else {
        members.sort_unstable_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    }
}

/// A JSON string as RFC 8785 writes it: only `"`, `\\` and control characters are escaped.
fn jcs_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = text.as_bytes();
    // Runs of bytes that need no escape are copied whole.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x0d => out.extend_from_slice(b"\\r"),
            0x00..=0x1f => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(DIGITS[usize::from(b >> 4)]);
                out.push(DIGITS[usize::from(b & 15)]);
            }
            _ => out.push(b),
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The kind of the first chain failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    Link,
    Content,
    Seq,
    Head,
}

impl Break {
    pub fn as_str(self) -> &'static str {
        match self {
            Break::Link => "link",
            Break::Content => "content",
            Break::Seq => "seq",
            Break::Head => "head",
        }
    }
}

/// The outcome of verifying a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainResult {
    pub events: usize,
    /// The first failure: its kind, the `seq` reported (the event's `seq` field; for head, events + 1) and
    /// the index of the failing event (none for head).
    pub failure: Option<(Break, Option<i64>, Option<usize>)>,
}

impl ChainResult {
    pub fn verified(&self) -> bool {
        self.failure.is_none()
    }
}

/// The evidence head anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub hash: Option<String>,
    pub count: Option<i64>,
}

/// Verify events (located nodes or JSON values, in file order) against the SPEC §10 reading of the chain.
pub fn verify<E: ChainEvent>(session_id: &str, events: &[E], head: Option<&Head>) -> ChainResult {
    let genesis = genesis(session_id);
    let mut prev: &str = &genesis;
    let mut canonical = Vec::with_capacity(512);
    for (i, event) in events.iter().enumerate() {
        let seq = event.field("seq").and_then(E::as_int);
        let fail = |kind| ChainResult {
            events: events.len(),
            failure: Some((kind, seq, Some(i))),
        };
        if event.field("prev").and_then(E::as_text) != Some(prev) {
            return fail(Break::Link);
        }
        let digest = event_digest(prev, event, &mut canonical);
        let Some(stored) = event
            .field("hash")
            .and_then(E::as_text)
            .filter(|h| hex_matches(h, &digest))
        else {
            return fail(Break::Content);
        };
        prev = stored;
        if seq != i64::try_from(i + 1).ok() {
            return fail(Break::Seq);
        }
    }
    if let Some(head) = head {
        let count_ok = head
            .count
            .is_none_or(|c| usize::try_from(c).ok() == Some(events.len()));
        let hash_ok = head.hash.as_deref().is_none_or(|h| h == prev);
        if !count_ok || !hash_ok {
            return ChainResult {
                events: events.len(),
                failure: Some((Break::Head, i64::try_from(events.len() + 1).ok(), None)),
            };
        }
    }
    ChainResult {
        events: events.len(),
        failure: None,
    }
}

/// Compute the chain over events: set `prev` and `hash` (and `seq` where absent) in place; return the head.
pub fn seal_events(session_id: &str, events: &mut [serde_json::Value]) -> Head {
    let mut prev = genesis(session_id);
    for (i, event) in events.iter_mut().enumerate() {
        if let Some(obj) = event.as_object_mut() {
            if !obj.contains_key("seq") {
                obj.insert("seq".to_owned(), serde_json::Value::from(i + 1));
            }
            obj.insert("prev".to_owned(), serde_json::Value::from(prev.clone()));
            obj.remove("hash");
        }
        let hash = event_hash(&prev, event);
        if let Some(obj) = event.as_object_mut() {
            obj.insert("hash".to_owned(), serde_json::Value::from(hash.clone()));
        }
        prev = hash;
    }
    Head {
        hash: Some(prev),
        count: i64::try_from(events.len()).ok(),
    }
}

/// Facts about the recording file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordingFacts {
    pub file: bool,
    pub sha256_ok: Option<bool>,
    pub cast_duration_ns: Option<i64>,
}

/// Stream a file through SHA-256 (recordings are not bounded by the document size limit).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// A recording file read as an asciinema cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    /// asciicast v2: a JSON header with `"version": 2`, then `[time, code, data]` lines; the offset of its
    /// last event in nanoseconds.
    V2 { duration_ns: i64 },
    /// A cast header of another version (asciicast v3 stores intervals between events, not offsets, so it
    /// must not be read as v2).
    Unsupported { version: i64 },
    /// Not a cast, or a v2 cast that does not parse.
    Invalid,
}

/// Read a recording as an asciinema cast (streamed line by line; a line longer than `max_line` bytes makes
/// it invalid, never an unbounded read).
pub fn read_cast(path: &Path, max_line: usize) -> Cast {
    use crate::budget::{read_line_bounded, LineRead};
    let Ok(file) = std::fs::File::open(path) else {
        return Cast::Invalid;
    };
    let mut reader = std::io::BufReader::new(file);
    let mut buf = Vec::new();
    let mut next_line = move || -> Option<Option<String>> {
        match read_line_bounded(&mut reader, max_line, &mut buf) {
            Ok(LineRead::Line(_)) => Some(String::from_utf8(buf.clone()).ok()),
            Ok(LineRead::Eof) => None,
            Ok(LineRead::TooLong(_)) | Err(_) => Some(None),
        }
    };
    let Some(Some(first)) = next_line() else {
        return Cast::Invalid;
    };
    let Ok(header) =
        serde_json::from_str::<serde_json::Value>(first.trim_start_matches('\u{feff}'))
    else {
        return Cast::Invalid;
    };
    match header.get("version").and_then(serde_json::Value::as_i64) {
        Some(2) if header.is_object() => {}
        Some(version) if header.is_object() => return Cast::Unsupported { version },
        _ => return Cast::Invalid,
    }
    let mut last = 0.0f64;
    while let Some(line) = next_line() {
        let Some(line) = line else {
            return Cast::Invalid;
        };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(serde_json::Value::Array(event)) = serde_json::from_str::<serde_json::Value>(&line)
        else {
            return Cast::Invalid;
        };
        let (Some(time), Some(true), Some(true)) = (
            event.first().and_then(serde_json::Value::as_f64),
            event.get(1).map(serde_json::Value::is_string),
            event.get(2).map(serde_json::Value::is_string),
        ) else {
            return Cast::Invalid;
        };
        if !time.is_finite() || time < 0.0 {
            return Cast::Invalid;
        }
        last = last.max(time);
    }
    Cast::V2 {
        duration_ns: (last * 1e9) as i64,
    }
}

/// Duration of an asciinema v2 cast: the offset of its last event, in nanoseconds. `None` when the file is
/// not a v2 cast, or has a line longer than `max_line` bytes.
pub fn cast_duration_ns(path: &Path, max_line: usize) -> Option<i64> {
    match read_cast(path, max_line) {
        Cast::V2 { duration_ns } => Some(duration_ns),
        _ => None,
    }
}

/// Resolve a file named by a bundle inside the bundle's directory; `Err` says why it may not be followed.
pub fn resolve_inside(base: &Path, name: &str) -> Result<PathBuf, String> {
    let rel = Path::new(name);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "`{name}` escapes the bundle directory; name a file inside it"
        ));
    }
    let path = base.join(rel);
    let canonical_base = base
        .canonicalize()
        .map_err(|e| format!("cannot resolve the bundle directory: {e}"))?;
    match path.canonicalize() {
        Ok(p) if p.starts_with(&canonical_base) && !p.is_file() => Err(format!(
            "`{name}` is not a regular file (a FIFO, device or directory is never read)"
        )),
        Ok(p) if p.starts_with(&canonical_base) => Ok(path),
        Ok(_) => Err(format!(
            "`{name}` escapes the bundle directory through a symlink"
        )),
        Err(_) => Err(format!("`{name}` does not exist in the bundle directory")),
    }
}

/// A bundle document with everything its references brought in.
pub struct LoadedBundle {
    pub node: Node,
    /// Display names of the files its nodes come from (0: the bundle file; 1: events.jsonl when used).
    pub files: Vec<String>,
    pub recording: RecordingFacts,
    /// `CUS-P001` findings on references (missing, escaping, unparsable events).
    pub problems: Vec<Finding>,
    /// The files its references name (events file, recording), as resolved inside its directory: part of
    /// the bundle, never read as bundles of their own.
    pub references: Vec<PathBuf>,
}

fn set_file(node: &mut Node, file: u16) {
    node.file = file;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| set_file(n, file)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| set_file(n, file)),
        _ => {}
    }
}

fn reference_problem(file: &str, node: &Node, path: &[Step], message: String) -> Finding {
    let located = node.locate(path);
    let mut f = Finding::new("CUS-P001", Severity::Error, message, file).at(located.pos);
    f.path = Some(source::path_string(path));
    f
}

/// Read `events.jsonl` line by line into event nodes positioned at their lines.
pub(crate) fn read_events(
    path: &Path,
    display: &str,
    budgets: &Budgets,
) -> Result<Vec<Node>, (Option<Pos>, String)> {
    let file =
        std::fs::File::open(path).map_err(|e| (None, format!("cannot read {display}: {e}")))?;
    parse_events(std::io::BufReader::new(file), display, budgets)
}

/// Parse a JSON Lines events stream (the contents of `events.jsonl`) into event nodes positioned at their
/// lines, within the line-length and events budgets. `Err` is the `CUS-P001` position and message.
pub fn parse_events(
    mut reader: impl BufRead,
    display: &str,
    budgets: &Budgets,
) -> Result<Vec<Node>, (Option<Pos>, String)> {
    use crate::budget::{exceeded, read_line_bounded, LineRead};
    let mut events = Vec::new();
    let mut line_no = 0u32;
    let mut offset = 0u32;
    let mut buf = Vec::new();
    loop {
        let n = match read_line_bounded(&mut reader, budgets.max_line, &mut buf)
            .map_err(|e| (None, format!("cannot read {display}: {e}")))?
        {
            LineRead::Eof => break,
            LineRead::Line(n) => n,
            LineRead::TooLong(_) => {
                line_no = line_no.saturating_add(1);
                return Err((
                    Some(Pos::line_only(line_no)),
                    format!(
                        "{display}: line {line_no} {}",
                        exceeded(
                            "line-length",
                            format!("{} bytes", budgets.max_line),
                            "maxLineLength"
                        )
                    ),
                ));
            }
        };
        line_no = line_no.saturating_add(1);
        let text = source::decode(&buf).map_err(|e| {
            (
                Some(Pos::line_only(line_no)),
                format!("{display}: {}", e.message),
            )
        })?;
        if !text.trim().is_empty() {
            if events.len() >= budgets.max_events {
                return Err((
                    Some(Pos::line_only(line_no)),
                    format!(
                        "{display}: the bundle {}",
                        exceeded("events", budgets.max_events, "maxEvents")
                    ),
                ));
            }
            let mut node = source::parse_one(text, budgets).map_err(|e| {
                let pos = e
                    .pos
                    .map(|p| p.shifted(line_no, offset))
                    .unwrap_or(Pos::line_only(line_no));
                (
                    Some(pos),
                    format!(
                        "{display}: line {line_no} is not a JSON event: {}",
                        e.message
                    ),
                )
            })?;
            shift(&mut node, line_no, offset);
            events.push(node);
        }
        offset = offset.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    }
    Ok(events)
}

/// Shift every position of a node parsed from one line to file coordinates.
pub fn shift(node: &mut Node, line: u32, offset: u32) {
    node.pos = node.pos.shifted(line, offset);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, line, offset)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, n)| {
            k.pos = k.pos.shifted(line, offset);
            shift(n, line, offset)
        }),
        _ => {}
    }
}

/// Resolve a bundle's references (events file, recording) relative to `base` (None: stdin, no files).
pub fn resolve(mut node: Node, file: &str, base: Option<&Path>, budgets: &Budgets) -> LoadedBundle {
    let mut files = vec![file.to_owned()];
    let mut problems = Vec::new();
    let mut references = Vec::new();
    let mut recording = RecordingFacts::default();
    let events_file = node
        .at(&["evidence", "events", "file"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    if let Some(name) = events_file.clone() {
        let path = [
            Step::Key("evidence".into()),
            Step::Key("events".into()),
            Step::Key("file".into()),
        ];
        let resolved = match base {
            Some(base) => resolve_inside(base, &name),
            None => Err(format!(
                "`{name}` cannot be read for a bundle from standard input"
            )),
        };
        references.extend(resolved.iter().cloned());
        let mut replacement = None;
        match resolved {
            Err(message) => problems.push(reference_problem(file, &node, &path, message)),
            Ok(p) => {
                let display = Path::new(file)
                    .parent()
                    .map_or_else(|| PathBuf::from(&name), |d| d.join(&name))
                    .display()
                    .to_string();
                match read_events(&p, &display, budgets) {
                    Ok(mut events) => {
                        events.iter_mut().for_each(|e| set_file(e, 1));
                        files.push(display);
                        let pos = node.locate(&path[..2]).pos;
                        replacement = Some(Node::new(Value::Seq(events), pos));
                    }
                    Err((pos, message)) => {
                        let mut f = Finding::new("CUS-P001", Severity::Error, message, &display);
                        if let Some(pos) = pos {
                            f = f.at(pos);
                        }
                        problems.push(f);
                    }
                }
            }
        }
        // The events either come from the file, or are treated as absent.
        if let Some(evidence) = node.get_mut("evidence") {
            if let Value::Map(entries) = &mut evidence.value {
                match replacement {
                    Some(events) => {
                        if let Some(slot) = entries.iter_mut().find(|(k, _)| k.name == "events") {
                            slot.1 = events;
                        }
                    }
                    None => entries.retain(|(k, _)| k.name != "events"),
                }
            }
        }
    }
    // Inline events are bounded by the same events budget as `events.jsonl`.
    let inline_events = match node.at(&["evidence", "events"]).map(|n| &n.value) {
        Some(Value::Seq(items)) if events_file.is_none() => items.len(),
        _ => 0,
    };
    if inline_events > budgets.max_events {
        let path = [Step::Key("evidence".into()), Step::Key("events".into())];
        let message = format!(
            "the bundle {}",
            crate::budget::exceeded("events", budgets.max_events, "maxEvents")
        );
        problems.push(reference_problem(file, &node, &path, message));
        if let Some(Value::Map(entries)) = node.get_mut("evidence").map(|e| &mut e.value) {
            entries.retain(|(k, _)| k.name != "events");
        }
    }
    let rec_file = node
        .at(&["evidence", "recording", "file"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    if let Some(name) = rec_file {
        let path = [
            Step::Key("evidence".into()),
            Step::Key("recording".into()),
            Step::Key("file".into()),
        ];
        let resolved = match base {
            Some(base) => resolve_inside(base, &name),
            None => Err(format!(
                "`{name}` cannot be read for a bundle from standard input"
            )),
        };
        references.extend(resolved.iter().cloned());
        match resolved {
            Err(message) => problems.push(reference_problem(file, &node, &path, message)),
            Ok(p) => match sha256_file(&p) {
                Err(e) => problems.push(reference_problem(
                    file,
                    &node,
                    &path,
                    format!("cannot read `{name}`: {e}"),
                )),
                Ok(digest) => {
                    recording.file = true;
                    recording.sha256_ok = node
                        .at(&["evidence", "recording", "sha256"])
                        .and_then(Node::as_str)
                        .map(|want| want.eq_ignore_ascii_case(&digest));
                    match read_cast(&p, budgets.max_line) {
                        Cast::V2 { duration_ns } => recording.cast_duration_ns = Some(duration_ns),
                        Cast::Unsupported { version } => problems.push(reference_problem(
                            file,
                            &node,
                            &path,
                            format!("`{name}` is an asciicast v{version} recording, which custody does not support (it reads asciicast v2 only; v3 times are intervals, not offsets): convert it to asciicast v2 to have its duration checked"),
                        )),
                        Cast::Invalid if name.ends_with(".cast") => problems.push(reference_problem(
                            file,
                            &node,
                            &path,
                            format!("`{name}` is not a valid asciinema v2 cast (a JSON header with version 2, then [time, code, data] lines)"),
                        )),
                        Cast::Invalid => {}
                    }
                }
            },
        }
    }
    LoadedBundle {
        node,
        files,
        recording,
        problems,
        references,
    }
}

/// The events of a bundle node (inline list, as loaded), and the head anchor.
pub fn chain_inputs(node: &Node) -> (&[Node], Option<Head>) {
    let events: &[Node] = match node.at(&["evidence", "events"]).map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    };
    let head = node.at(&["evidence", "head"]).map(|h| Head {
        hash: h.get("hash").and_then(Node::as_str).map(str::to_owned),
        count: match h.get("count").map(|c| &c.value) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        },
    });
    (events, head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sealed(n: usize) -> (Vec<serde_json::Value>, Head) {
        let mut events: Vec<_> = (0..n)
            .map(|i| json!({"time": format!("2026-11-20T10:0{i}:00Z"), "type": "command", "principal": "a", "command": format!("ls {i}")}))
            .collect();
        let head = seal_events("s1", &mut events);
        (events, head)
    }

    #[test]
    fn sealed_chains_verify_and_edits_break_them() {
        let (events, head) = sealed(3);
        assert!(verify("s1", &events, Some(&head)).verified());
        assert_eq!(events[0]["prev"], genesis("s1"));
        let mut edited = events.clone();
        edited[1]["command"] = json!("rm -rf /");
        assert_eq!(
            verify("s1", &edited, Some(&head)).failure,
            Some((Break::Content, Some(2), Some(1)))
        );
        let truncated = &events[..2];
        assert_eq!(
            verify("s1", truncated, Some(&head)).failure,
            Some((Break::Head, Some(3), None))
        );
        assert_eq!(
            verify("s2", &events, None).failure,
            Some((Break::Link, Some(1), Some(0)))
        );
        let empty = seal_events("s1", &mut []);
        assert_eq!(empty.hash.as_deref(), Some(genesis("s1").as_str()));
        assert!(verify::<serde_json::Value>("s1", &[], Some(&empty)).verified());
    }

    #[test]
    fn genesis_is_sha256_of_the_session_id() {
        assert_eq!(
            genesis("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn casts_are_read_as_v2_and_v3_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let v2 = write(
            "a.cast",
            "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"$ \"]\n[12.25, \"o\", \"exit\\r\\n\"]\n",
        );
        assert_eq!(
            read_cast(&v2, 1 << 20),
            Cast::V2 {
                duration_ns: 12_250_000_000
            }
        );
        let v3 = write(
            "b.cast",
            "{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}\n[0.5, \"o\", \"$ \"]\n[1.25, \"o\", \"x\"]\n",
        );
        assert_eq!(read_cast(&v3, 1 << 20), Cast::Unsupported { version: 3 });
        assert_eq!(cast_duration_ns(&v3, 1 << 20), None);
        let bad = write("c.cast", "{\"version\": 2}\n[\"x\", \"o\", \"y\"]\n");
        assert_eq!(read_cast(&bad, 1 << 20), Cast::Invalid);
        let not_json = write("d.cast", "hello\n");
        assert_eq!(read_cast(&not_json, 1 << 20), Cast::Invalid);
    }

    #[test]
    fn paths_may_not_escape() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("e.jsonl"), "").unwrap();
        assert!(resolve_inside(dir.path(), "e.jsonl").is_ok());
        assert!(resolve_inside(dir.path(), "../e.jsonl").is_err());
        assert!(resolve_inside(dir.path(), "/etc/passwd").is_err());
        assert!(resolve_inside(dir.path(), "missing.jsonl").is_err());
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (-(1_i64 << 53)..=(1_i64 << 53)).prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            "\\PC*".prop_map(serde_json::Value::from),
            "[\\x00-\\x1f\"\\\\a-z\u{e9}\u{1f600}\u{ff5e}]{0,8}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                // Members in generated (unsorted) order, so that the canonical sort is exercised.
                proptest::collection::vec(("[a-z\u{e9}\u{1f600}\u{ff5e}_]{0,5}", inner), 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The integer fast path of JCS is byte-identical to the reference canonicalizer (and declines
        /// what it cannot print exactly).
        #[test]
        fn jcs_fast_path_matches_the_canonicalizer(value in json_value()) {
            let mut fast = Vec::new();
            if jcs(&value, false, &mut fast) {
                proptest::prop_assert_eq!(fast, serde_json_canonicalizer::to_vec(&value).unwrap());
            }
            let small = serde_json::json!([1, -9007199254740992_i64, {"b": "\u{1}", "a": [true, null]}]);
            let mut out = Vec::new();
            proptest::prop_assert!(jcs(&small, false, &mut out));
        }

        /// `check` hashes the located tree it loaded; `seal` hashes JSON values. An event's hash is the
        /// same either way, floats and big integers (the canonicalizer's fallback) included.
        #[test]
        fn located_trees_and_json_values_hash_alike(value in json_value(), prev in "[0-9a-f]{0,64}") {
            let event = serde_json::json!({"seq": 1, "hash": "x", "e": value, "prev": prev});
            let text = serde_json::to_string(&event).unwrap();
            if let Ok(node) = source::parse_one(&text, &Budgets::default()) {
                proptest::prop_assert_eq!(event_hash(&prev, &node), event_hash(&prev, &node.to_json()));
                let events = [node];
                let json = [events[0].to_json()];
                proptest::prop_assert_eq!(verify("s", &events, None), verify("s", &json, None));
            }
        }
    }

    #[test]
    fn event_hash_ignores_the_hash_member_and_handles_floats() {
        let with = serde_json::json!({"seq": 1, "b": "x", "a": 2.5, "hash": "zz"});
        let without = serde_json::json!({"a": 2.5, "b": "x", "seq": 1});
        assert_eq!(event_hash("p", &with), event_hash("p", &without));
        let expected = {
            let mut h = Sha256::new();
            h.update(b"p\n{\"a\":2.5,\"b\":\"x\",\"seq\":1}");
            hex(&h.finalize())
        };
        assert_eq!(event_hash("p", &with), expected);
    }
}
