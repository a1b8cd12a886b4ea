//! The event hash chain (docs/hash-chain.md): the genesis hash, each event's hash over its RFC 8785 (JCS)
//! canonical form, verification against the head anchor, and sealing.

use sha2::{Digest, Sha256};

use super::{hex, sha256_hex};
use crate::source::{Node, Value};

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

/// Whether any event carries a chain (a `prev` or `hash` member): events without one were never sealed.
pub fn carries_chain<E: ChainEvent>(events: &[E]) -> bool {
    events
        .iter()
        .any(|e| e.field("prev").is_some() || e.field("hash").is_some())
}

/// Verify events (located nodes or JSON values, in file order) against the chain as docs/hash-chain.md describes it.
pub fn verify<E: ChainEvent>(session_id: &str, events: &[E], head: Option<&Head>) -> ChainResult {
    let mut verifier = Verifier::new(session_id);
    for event in events {
        if !verifier.push(event) {
            break;
        }
    }
    verifier.finish(events.len(), head)
}

/// Verification one event at a time, for events read as a stream: [`Verifier::push`] each event in file
/// order, then [`Verifier::finish`]. It keeps the previous hash and the first failure, never the events.
pub struct Verifier {
    prev: String,
    seen: usize,
    canonical: Vec<u8>,
    failure: Option<(Break, Option<i64>, Option<usize>)>,
    carries_chain: bool,
}

impl Verifier {
    pub fn new(session_id: &str) -> Self {
        Verifier {
            prev: genesis(session_id),
            seen: 0,
            canonical: Vec::with_capacity(512),
            failure: None,
            carries_chain: false,
        }
    }

    /// Take the next event; `false` once the chain has failed (later events cannot change the verdict).
    pub fn push<E: ChainEvent>(&mut self, event: &E) -> bool {
        let i = self.seen;
        self.seen += 1;
        self.carries_chain |= event.field("prev").is_some() || event.field("hash").is_some();
        if self.failure.is_some() {
            return false;
        }
        let seq = event.field("seq").and_then(E::as_int);
        if event.field("prev").and_then(E::as_text) != Some(self.prev.as_str()) {
            self.failure = Some((Break::Link, seq, Some(i)));
            return false;
        }
        let digest = event_digest(&self.prev, event, &mut self.canonical);
        let Some(stored) = event
            .field("hash")
            .and_then(E::as_text)
            .filter(|h| hex_matches(h, &digest))
        else {
            self.failure = Some((Break::Content, seq, Some(i)));
            return false;
        };
        self.prev.clear();
        self.prev.push_str(stored);
        if seq != i64::try_from(i + 1).ok() {
            self.failure = Some((Break::Seq, seq, Some(i)));
            return false;
        }
        true
    }

    /// Whether any event pushed so far carries a chain (see [`carries_chain`]).
    pub fn carries_chain(&self) -> bool {
        self.carries_chain
    }

    /// Whether the events pushed so far form a valid chain (the head anchor aside).
    pub fn links_hold(&self) -> bool {
        self.failure.is_none()
    }

    /// The head anchor of the events pushed so far (meaningful while [`Verifier::links_hold`]).
    pub fn head(&self) -> Head {
        Head {
            hash: Some(self.prev.clone()),
            count: i64::try_from(self.seen).ok(),
        }
    }

    /// The verdict over `events` events in all, against the head anchor when there is one.
    pub fn finish(self, events: usize, head: Option<&Head>) -> ChainResult {
        if self.failure.is_some() {
            return ChainResult {
                events,
                failure: self.failure,
            };
        }
        if let Some(head) = head {
            let count_ok = head
                .count
                .is_none_or(|c| usize::try_from(c).ok() == Some(events));
            let hash_ok = head.hash.as_deref().is_none_or(|h| h == self.prev);
            if !count_ok || !hash_ok {
                return ChainResult {
                    events,
                    failure: Some((Break::Head, i64::try_from(events + 1).ok(), None)),
                };
            }
        }
        ChainResult {
            events,
            failure: None,
        }
    }
}

/// Compute the chain over events: set `prev` and `hash` (and `seq` where absent) in place; return the head.
pub fn seal_events(session_id: &str, events: &mut [serde_json::Value]) -> Head {
    let mut sealer = Sealer::new(session_id);
    events.iter_mut().for_each(|e| sealer.seal(e));
    sealer.head()
}

/// Sealing one event at a time, for events written as a stream: [`Sealer::seal`] each event in file order,
/// then [`Sealer::head`].
pub struct Sealer {
    prev: String,
    count: usize,
}

impl Sealer {
    pub fn new(session_id: &str) -> Self {
        Sealer {
            prev: genesis(session_id),
            count: 0,
        }
    }

    /// Set the next event's `prev` and `hash` (and `seq` where absent) in place.
    pub fn seal(&mut self, event: &mut serde_json::Value) {
        self.count += 1;
        if let Some(obj) = event.as_object_mut() {
            if !obj.contains_key("seq") {
                obj.insert("seq".to_owned(), serde_json::Value::from(self.count));
            }
            obj.insert(
                "prev".to_owned(),
                serde_json::Value::from(self.prev.clone()),
            );
            obj.remove("hash");
        }
        let hash = event_hash(&self.prev, event);
        if let Some(obj) = event.as_object_mut() {
            obj.insert("hash".to_owned(), serde_json::Value::from(hash.clone()));
        }
        self.prev = hash;
    }

    /// The head anchor of the events sealed so far.
    pub fn head(&self) -> Head {
        Head {
            hash: Some(self.prev.clone()),
            count: i64::try_from(self.count).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{self, Budgets};
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
