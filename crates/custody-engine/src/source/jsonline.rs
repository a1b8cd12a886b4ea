//! A fast path for JSON Lines records: a strict JSON object parsed straight into [`Node`]s, with exactly the
//! values and positions serde-saphyr gives the same text (line, 1-based column in characters, byte offset,
//! token length in bytes; containers have length 1).
//!
//! It handles only what it can handle identically. Anything else — floats, integers beyond i64, surrogate
//! `\u` escapes, raw control characters, YAML line-break characters (U+0085, U+2028, U+2029) or a byte-order
//! mark, tabs or carriage returns between tokens, duplicate keys, very long keys, nesting or node counts near
//! their budgets, a top level that is not an object, anything malformed — makes [`parse_object`] return
//! `None`, and the caller parses the record with serde-saphyr, which decides and reports. A property test
//! holds the two parsers to the same trees.

use crate::source::{Budgets, Key, Node, Pos, Value};

/// Parse one record (a line without its `\n`) when it is a plain JSON object; `None` leaves it to
/// serde-saphyr.
pub fn parse_object(text: &str, budgets: &Budgets) -> Option<Node> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        chars: 0,
        depth: 0,
        nodes: 0,
        // Stop well before a budget: the slow path then reports the breach in its own words.
        max_depth: budgets.max_depth.saturating_sub(2),
        max_nodes: budgets.max_nodes / 2,
    };
    p.spaces();
    if p.peek()? != b'{' {
        return None;
    }
    let node = p.value()?;
    p.spaces();
    // The record may still hold its line end.
    let rest = &p.s[p.i..];
    (rest.is_empty() || rest == b"\n" || rest == b"\r\n").then_some(node)
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    /// Byte offset of the next byte.
    i: usize,
    /// Characters before `i` (columns count characters).
    chars: usize,
    depth: usize,
    nodes: usize,
    max_depth: usize,
    max_nodes: usize,
}

/// The longest key token the fast paths take (YAML limits implicit keys to 1024 characters); longer keys
/// are left to serde-saphyr. Shared with [`crate::source::yamlblock`].
pub(crate) const MAX_KEY_BYTES: usize = 1000;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Advance over `n` ASCII bytes.
    fn skip(&mut self, n: usize) {
        self.i += n;
        self.chars += n;
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.skip(1);
        }
    }

    fn pos(&self, len: usize) -> Option<Pos> {
        Some(Pos {
            line: 1,
            column: u32::try_from(self.chars + 1).ok()?,
            offset: Some(u32::try_from(self.i).ok()?),
            len: u32::try_from(len).ok()?,
        })
    }

    fn value(&mut self) -> Option<Node> {
        self.nodes += 1;
        if self.nodes >= self.max_nodes {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                let start = self.pos(0)?;
                let (text, len) = self.string()?;
                Some(Node::new(Value::Str(text), Pos { len, ..start }))
            }
            b't' => self.word(b"true", Value::Bool(true)),
            b'f' => self.word(b"false", Value::Bool(false)),
            b'n' => self.word(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    fn word(&mut self, word: &[u8], value: Value) -> Option<Node> {
        if !self.s[self.i..].starts_with(word) {
            return None;
        }
        let pos = self.pos(word.len())?;
        self.skip(word.len());
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(Node::new(value, pos))
    }

    /// An integer that fits i64; a fraction or exponent (a float) is left to serde-saphyr.
    fn integer(&mut self) -> Option<Node> {
        let start = self.i;
        let mut j = self.i + usize::from(self.s[self.i] == b'-');
        let digits = j;
        while self.s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let n = j - digits;
        if n == 0 || (n > 1 && self.s[digits] == b'0') {
            return None;
        }
        if matches!(
            self.s.get(j),
            Some(b'.' | b'e' | b'E') | Some(b'a'..=b'z' | b'A'..=b'Z' | b'_')
        ) {
            return None;
        }
        let text = std::str::from_utf8(&self.s[start..j]).ok()?;
        let value: i64 = text.parse().ok()?;
        let pos = self.pos(j - start)?;
        self.skip(j - start);
        Some(Node::new(Value::Int(value), pos))
    }

    /// A string token: its decoded text and its length in bytes (quotes included).
    fn string(&mut self) -> Option<(String, u32)> {
        let start = self.i;
        let mut j = start + 1;
        let mut plain = true;
        let mut chars = 0;
        loop {
            // Printable ASCII other than `"` and `\\`, the bulk of any record, in a tight loop.
            let run = self.s[j..]
                .iter()
                .take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
                .count();
            j += run;
            chars += run;
            let b = *self.s.get(j)?;
            match b {
                b'"' => break,
                b'\\' => {
                    plain = false;
                    // An escape is two ASCII bytes, or six for \uXXXX.
                    let next = *self.s.get(j + 1)?;
                    let n = if next == b'u' { 6 } else { 2 };
                    j += n;
                    chars += n;
                }
                0x00..=0x1f | 0x7f => return None,
                // U+0085 (C2 85), U+2028/U+2029 (E2 80 A8/A9), U+FEFF (EF BB BF): YAML reads them as line
                // breaks or a byte-order mark.
                0xc2 if self.s.get(j + 1) == Some(&0x85) => return None,
                0xe2 if self.s.get(j + 1) == Some(&0x80)
                    && matches!(self.s.get(j + 2), Some(0xa8 | 0xa9)) =>
                {
                    return None
                }
                0xef if self.s.get(j + 1) == Some(&0xbb) => return None,
                _ => {
                    if b & 0xc0 != 0x80 {
                        chars += 1;
                    }
                    j += 1;
                }
            }
        }
        let text = if plain {
            // The record is a `str` and the quotes are ASCII: the bytes between them are whole characters.
            self.text.get(start + 1..j)?.to_owned()
        } else {
            unescape(&self.s[start + 1..j])?
        };
        let len = u32::try_from(j + 1 - start).ok()?;
        self.i = j + 1;
        self.chars += chars + 2;
        Some((text, len))
    }

    /// Enter a `{` or `[`: its position, and one more level of nesting (`None` near the depth budget).
    fn enter(&mut self) -> Option<Pos> {
        let pos = self.pos(1)?;
        self.depth += 1;
        (self.depth < self.max_depth).then_some(pos)
    }

    /// The comma-separated items of a container up to `close`, each parsed by `item`; then leave it.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.skip(1);
        self.spaces();
        if self.peek()? == close {
            self.skip(1);
            self.depth -= 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.spaces();
            match self.peek()? {
                b',' => {
                    self.skip(1);
                    self.spaces();
                }
                b if b == close => {
                    self.skip(1);
                    self.depth -= 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self) -> Option<Node> {
        let pos = self.enter()?;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        self.items(b'}', |p| {
            if p.peek()? != b'"' {
                return None;
            }
            let key_start = p.pos(0)?;
            let (name, len) = p.string()?;
            if len as usize > MAX_KEY_BYTES || entries.iter().any(|(k, _)| k.name == name) {
                return None;
            }
            p.spaces();
            if p.peek()? != b':' {
                return None;
            }
            p.skip(1);
            p.spaces();
            let value = p.value()?;
            let key = Key {
                name,
                pos: Pos { len, ..key_start },
            };
            entries.push((key, value));
            Some(())
        })?;
        Some(Node::new(Value::Map(entries), pos))
    }

    fn array(&mut self) -> Option<Node> {
        let pos = self.enter()?;
        let mut items = Vec::new();
        self.items(b']', |p| {
            items.push(p.value()?);
            Some(())
        })?;
        Some(Node::new(Value::Seq(items), pos))
    }
}

/// Decode the JSON escapes of a string's contents; `None` for a surrogate escape or an invalid one.
fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        let b = raw[k];
        if b != b'\\' {
            out.push(b);
            k += 1;
            continue;
        }
        let e = *raw.get(k + 1)?;
        let decoded = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hex = std::str::from_utf8(raw.get(k + 2..k + 6)?).ok()?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                let code = u32::from_str_radix(hex, 16).ok()?;
                // Surrogates (pairs or lone) and the characters YAML treats specially go to serde-saphyr.
                if (0xd800..=0xdfff).contains(&code)
                    || matches!(code, 0x85 | 0x2028 | 0x2029 | 0xfeff)
                {
                    return None;
                }
                k += 4;
                char::from_u32(code)?
            }
            _ => return None,
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
        k += 2;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::parse_documents_saphyr as parse_documents;

    fn slow(text: &str) -> Node {
        let mut docs = parse_documents(text, &Budgets::default()).expect("serde-saphyr parses it");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn same(text: &str) {
        let fast = parse_object(text, &Budgets::default())
            .unwrap_or_else(|| panic!("the fast path declined {text}"));
        assert_eq!(fast, slow(text), "{text}");
    }

    #[test]
    fn plain_records_parse_as_serde_saphyr_parses_them() {
        same(r#"{"a":1,"bé":{"c":[true,null,"x\u00e9y",-5,0,[]]},"d":"é\"q\\/\n\t","e":{}}"#);
        same(r#"  { "k" : [ 1 , { "z" : "ü€😀" } ] , "n": -9223372036854775808 }  "#);
        same(
            r#"{"apiVersion":"custody/v1","kind":"SessionBundle","session":{"id":"s-1","start":"2026-11-07T02:59:21Z"}}"#,
        );
        same("{\"a\": [1, 2]}\n");
        same("{\"a\": [1, 2]}\r\n");
    }

    #[test]
    fn anything_unusual_is_left_to_serde_saphyr() {
        for text in [
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":99999999999999999999}"#,
            r#"{"a":"\ud83d\ude00"}"#,
            "{\"a\":\"x\u{2028}y\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":\t1}",
            r#"{"a":1,"a":2}"#,
            r#"{"a":01}"#,
            r#"{"a":tru}"#,
            r#"{"a":1}x"#,
            r#"{"a":1"#,
            r#"[1,2]"#,
            r#"null"#,
            r#"{"a":1,}"#,
            r#"{a:1}"#,
        ] {
            assert!(parse_object(text, &Budgets::default()).is_none(), "{text}");
        }
    }

    #[test]
    fn budgets_are_left_to_serde_saphyr() {
        let deep = format!("{}1{}", "{\"a\":".repeat(40), "}".repeat(40));
        let budgets = Budgets {
            max_depth: 32,
            ..Budgets::default()
        };
        assert!(parse_object(&deep, &budgets).is_none());
        assert!(parse_object(&deep, &Budgets::default()).is_some());
    }

    /// Nested arrays and objects (names with spaces and non-ASCII letters) over `strings` and the other
    /// JSON scalars except floats.
    fn values(
        strings: &'static str,
    ) -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            strings.prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                proptest::collection::vec(("[a-z\u{e9}_ -]{0,6}", inner), 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Anything, control characters and YAML line breaks included (the fast path may decline).
    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        prop_oneof![
            values("\\PC{0,12}"),
            values("[\\x00-\\x1f\"\\\\/a-z\u{e9}\u{1f600}\u{ff5e}\u{85}\u{2028}]{0,8}"),
        ]
    }

    /// Values the fast path must take: no floats, control characters or YAML line breaks.
    fn plain_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        values("[a-zA-Z0-9 \u{e9}\u{1f600}\u{ff5e}_.:/\"\\\\-]{0,12}")
    }

    proptest::proptest! {
        /// Plain records are always taken by the fast path, and read exactly as serde-saphyr reads them.
        #[test]
        fn plain_records_take_the_fast_path(
            members in proptest::collection::vec(("[a-z]{1,4}", plain_value()), 0..6),
        ) {
            let text = serde_json::to_string(&serde_json::Value::Object(members.into_iter().collect())).unwrap();
            let fast = parse_object(&text, &Budgets::default());
            proptest::prop_assert!(fast.is_some(), "declined {}", text);
            proptest::prop_assert_eq!(fast.unwrap(), slow(&text));
        }

        /// Whenever the fast path takes a record, its tree — values and positions — is serde-saphyr's.
        #[test]
        fn the_fast_path_agrees_with_serde_saphyr(
            members in proptest::collection::vec(("[a-z]{1,4}", json_value()), 0..6),
            pretty in proptest::bool::ANY,
        ) {
            let object = serde_json::Value::Object(members.into_iter().collect());
            let text = if pretty {
                // Spaces around separators, on one line.
                serde_json::to_string(&object).unwrap().replace(",\"", " , \"").replace("\":", "\" : ")
            } else {
                serde_json::to_string(&object).unwrap()
            };
            if let Some(fast) = parse_object(&text, &Budgets::default()) {
                proptest::prop_assert_eq!(fast, slow(&text));
            }
        }
    }
}
