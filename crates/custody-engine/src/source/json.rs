//! JSON with positions: one parser of JSON text into [`Node`]s, in two modes.
//!
//! - **A `.json` file** ([`parse_text`]) is strict JSON (RFC 8259): one value and nothing else. Every
//!   deviation — a trailing comma, a comment, a single-quoted string, an unquoted key or word, a number JSON
//!   does not write (leading zeros, `+1`, `.5`, `0x1F`, `NaN`, `Infinity`), a raw control character in a
//!   string, an unknown escape or a lone surrogate, a duplicate key, text after the value — is an error at the
//!   offending byte that says what to do. The depth and node budgets hold as they hold for YAML, and nesting
//!   is refused at the depth budget before it can exhaust the stack.
//! - **A JSON Lines record** ([`parse_record`]) takes a fast path: a plain JSON object on one line. Anything
//!   serde-saphyr might read otherwise than this parser — floats, integers beyond i64, surrogate escapes,
//!   control characters or DEL, YAML line-break characters (U+0085, U+2028, U+2029) or a byte-order mark,
//!   tabs or carriage returns between tokens, very long keys, nesting or node counts near their budgets, a
//!   top level that is not an object, anything malformed — makes it return `None`, and the caller parses the
//!   record with serde-saphyr, which decides and reports.
//!
//! Both give exactly the values and positions serde-saphyr gives the same JSON text, wherever serde-saphyr
//! reads it (it refuses keys longer than 1024 characters, which JSON allows): line, 1-based column in
//! characters (a line ends at `\n`, `\r\n` or a lone `\r`), byte offset, token length in bytes (containers
//! have length 1). Property tests hold them to serde-saphyr's trees.

use std::collections::HashMap;

use crate::source::{Budgets, Key, Node, ParseError, Pos, Value};

/// Parse the text of a `.json` file as strict JSON: its one value, or the first deviation from RFC 8259
/// (what is wrong and what to do, at the offending byte).
pub fn parse_text(text: &str, budgets: &Budgets) -> Result<Node, ParseError> {
    let mut p = Parser::new(text, false, budgets.max_depth, budgets.max_nodes);
    let parsed = (|| {
        p.spaces()?;
        if p.peek().is_none() {
            return Err(p.error(
                p.i,
                0,
                "the file holds no JSON value; a .json file holds one value: an object, or an array of documents"
                    .to_owned(),
            ));
        }
        let node = p.value()?;
        p.spaces()?;
        match p.peek() {
            None => Ok(node),
            Some(b'{' | b'[') => Err(p.error(
                p.i,
                1,
                "a second JSON value after the first: a .json file holds one value; put several documents in one array `[…]`, or write them as JSON Lines (.jsonl)"
                    .to_owned(),
            )),
            Some(_) => {
                let found = p.found();
                Err(p.error(
                    p.i,
                    1,
                    format!("{found} after the JSON value: a .json file holds one value and nothing after it; remove the rest"),
                ))
            }
        }
    })();
    parsed.map_err(|stop| match stop {
        Stop::Error(e) => ParseError {
            pos: Some(pos_at(text, e.at, e.len)),
            message: e.message,
        },
        // Strict mode never declines; a decline would still be a failure, never a pass.
        Stop::Decline => ParseError {
            message: "the file is not JSON".to_owned(),
            pos: None,
        },
    })
}

/// Parse one record (a line without its `\n`) when it is a plain JSON object; `None` leaves it to
/// serde-saphyr.
pub fn parse_record(text: &str, budgets: &Budgets) -> Option<Node> {
    // Stop well before a budget: the slow path then reports the breach in its own words.
    let mut p = Parser::new(
        text,
        true,
        budgets.max_depth.saturating_sub(3),
        budgets.max_nodes / 2,
    );
    p.spaces().ok()?;
    if p.peek()? != b'{' {
        return None;
    }
    let node = p.value().ok()?;
    p.spaces().ok()?;
    // The record may still hold its line end.
    let rest = &p.s[p.i..];
    (rest.is_empty() || rest == b"\n" || rest == b"\r\n").then_some(node)
}

/// Why parsing stopped.
enum Stop {
    /// The record fast path leaves the text to serde-saphyr.
    Decline,
    /// Not strict JSON (or a budget exceeded). Boxed: the common path returns small results.
    Error(Box<Offence>),
}

/// What is wrong, and the byte offset and length of the offending text.
struct Offence {
    message: String,
    at: usize,
    len: usize,
}

type Res<T> = Result<T, Stop>;

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    /// Byte offset of the next byte.
    i: usize,
    /// Characters before `i` (columns count characters).
    chars: usize,
    /// The line of `i`, and the characters before its start.
    line: u32,
    line_chars: usize,
    depth: usize,
    nodes: usize,
    max_depth: usize,
    max_nodes: usize,
    /// The JSON Lines fast path: decline instead of reading what serde-saphyr might read otherwise.
    record: bool,
}

/// The longest key token the fast paths take (YAML limits implicit keys to 1024 characters); longer keys
/// are left to serde-saphyr. Shared with [`crate::source::yamlblock`].
pub(crate) const MAX_KEY_BYTES: usize = 1000;

/// Objects with more entries than this find duplicate keys through a hash map rather than a scan.
const SCAN_KEYS: usize = 16;

/// The longest piece of the input quoted in a message.
const QUOTE_CHARS: usize = 40;

impl<'a> Parser<'a> {
    fn new(text: &'a str, record: bool, max_depth: usize, max_nodes: usize) -> Self {
        Parser {
            text,
            s: text.as_bytes(),
            i: 0,
            chars: 0,
            line: 1,
            line_chars: 0,
            depth: 0,
            nodes: 0,
            max_depth,
            max_nodes,
            record,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Advance over `n` ASCII bytes.
    fn skip(&mut self, n: usize) {
        self.i += n;
        self.chars += n;
    }

    /// Advance over a line break of `n` bytes (`\n`, `\r\n` or a lone `\r`).
    fn newline(&mut self, n: usize) {
        self.skip(n);
        self.line += 1;
        self.line_chars = self.chars;
    }

    /// A failure at byte `at` (`len` bytes long): an error in strict mode; the record fast path declines.
    fn error(&self, at: usize, len: usize, message: String) -> Stop {
        if self.record {
            return Stop::Decline;
        }
        Stop::Error(Box::new(Offence { message, at, len }))
    }

    /// Decline in the record fast path; nothing in strict mode.
    fn decline(&self) -> Res<()> {
        if self.record {
            Err(Stop::Decline)
        } else {
            Ok(())
        }
    }

    /// White space between tokens: spaces only in a record; spaces, tabs and line breaks in a file, where a
    /// comment is an error.
    #[inline(always)]
    fn spaces(&mut self) -> Res<()> {
        // The common case in both modes: spaces, or none, before the next token.
        while self.peek() == Some(b' ') {
            self.skip(1);
        }
        if self.record || !matches!(self.peek(), Some(b'\t' | b'\n' | b'\r' | b'#' | b'/')) {
            return Ok(());
        }
        self.more_spaces()
    }

    /// [`Self::spaces`] past a tab, line break or comment in a file.
    fn more_spaces(&mut self) -> Res<()> {
        loop {
            match self.peek() {
                Some(b' ') => self.skip(1),
                _ if self.record => return Ok(()),
                Some(b'\t') => self.skip(1),
                Some(b'\n') => self.newline(1),
                Some(b'\r') => self.newline(if self.s.get(self.i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                }),
                Some(b'#') => {
                    return Err(self.error(
                        self.i,
                        1,
                        "a `#` comment: JSON has no comments; remove it, or write the file as YAML (.yaml)"
                            .to_owned(),
                    ))
                }
                Some(b'/') if matches!(self.s.get(self.i + 1), Some(b'/' | b'*')) => {
                    let opener = &self.text[self.i..self.i + 2];
                    return Err(self.error(
                        self.i,
                        2,
                        format!("a `{opener}` comment: JSON has no comments; remove it, or write the file as YAML (.yaml)"),
                    ));
                }
                _ => return Ok(()),
            }
        }
    }

    fn pos(&self, len: usize) -> Res<Pos> {
        let pos = (|| {
            Some(Pos {
                line: self.line,
                column: u32::try_from(self.chars - self.line_chars + 1).ok()?,
                offset: Some(u32::try_from(self.i).ok()?),
                len: u32::try_from(len).ok()?,
            })
        })();
        // Beyond 4 GiB: far past the file-size budget, which is checked first.
        pos.ok_or_else(|| self.error(self.i, 0, "the file is too large to locate".to_owned()))
    }

    /// The next character, described for a message.
    fn found(&self) -> String {
        match self.text.get(self.i..).and_then(|t| t.chars().next()) {
            None => "the end of the text".to_owned(),
            Some(c) => describe(c),
        }
    }

    /// The end of the bare word starting at `i` (letters, digits, `+-._` and non-ASCII characters), as
    /// unquoted strings, literals and numbers are written.
    fn word_end(&self) -> usize {
        self.i
            + self.s[self.i..]
                .iter()
                .take_while(|&&b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_') || b >= 0x80
                })
                .count()
    }

    fn count(&mut self) -> Res<()> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            let message = crate::budget::exceeded("node", self.max_nodes, "maxNodes");
            return Err(self.error(self.i, 1, message));
        }
        Ok(())
    }

    fn value(&mut self) -> Res<Node> {
        self.count()?;
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos(0)?;
                let (text, len) = self.string()?;
                Ok(Node::new(Value::Str(text), Pos { len, ..start }))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't' | b'f' | b'n') => {
                let end = self.word_end();
                let value = match &self.s[self.i..end] {
                    b"true" => Value::Bool(true),
                    b"false" => Value::Bool(false),
                    b"null" => Value::Null,
                    _ => return Err(self.not_a_value()),
                };
                let pos = self.pos(end - self.i)?;
                self.skip(end - self.i);
                Ok(Node::new(value, pos))
            }
            _ => Err(self.not_a_value()),
        }
    }

    /// The error for what stands at `i` where a value is expected.
    fn not_a_value(&self) -> Stop {
        let Some(c) = self.text.get(self.i..).and_then(|t| t.chars().next()) else {
            return self.error(
                self.i,
                0,
                "the text ends where a value is expected; complete the JSON".to_owned(),
            );
        };
        let end = self.word_end();
        if let Some(message) = white_space(c) {
            return self.error(self.i, c.len_utf8(), message);
        }
        if end > self.i {
            let word = &self.text[self.i..end];
            return self.error(self.i, end - self.i, word_message(word));
        }
        let message = match c {
            '\'' => "a single-quoted string: JSON strings are written in double quotes (\"…\")".to_owned(),
            ']' | '}' | ',' | ':' => format!(
                "`{c}` where a value is expected: write the value (a missing value, or a stray `{c}`)"
            ),
            _ => format!(
                "{} cannot start a JSON value: a value is an object {{…}}, an array […], a string in double quotes, a number, true, false or null",
                describe(c)
            ),
        };
        self.error(self.i, c.len_utf8(), message)
    }

    /// A number as JSON writes it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. An integer beyond i64
    /// is kept as a float (the integer-range check reports it, as for YAML); the record fast path leaves
    /// floats and such integers to serde-saphyr.
    fn number(&mut self) -> Res<Node> {
        let start = self.i;
        let end = self.word_end();
        let token = &self.text[start..end];
        if !is_json_number(token) {
            return Err(self.error(start, end - start, word_message(token)));
        }
        let float = token.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
        let value = match (float, token.parse::<i64>()) {
            (false, Ok(v)) => Value::Int(v),
            _ => {
                self.decline()?;
                match token.parse::<f64>() {
                    Ok(f) if f.is_finite() => Value::Float(f),
                    _ => {
                        let message = format!(
                            "the number `{}` is beyond the range of a 64-bit float; write a smaller number, or the value as a string",
                            quoted(token)
                        );
                        return Err(self.error(start, end - start, message));
                    }
                }
            }
        };
        let pos = self.pos(end - start)?;
        self.skip(end - start);
        Ok(Node::new(value, pos))
    }

    /// A string token: its decoded text and its length in bytes (quotes included).
    fn string(&mut self) -> Res<(String, u32)> {
        let start = self.i;
        let mut j = start + 1;
        let mut plain = true;
        let mut chars = 0;
        let unclosed = |p: &Self| {
            p.error(
                start,
                1,
                "a string that is not closed: add the closing `\"`".to_owned(),
            )
        };
        loop {
            // Printable ASCII other than `"` and `\\`, the bulk of any text, in a tight loop.
            let run = self.s[j..]
                .iter()
                .take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
                .count();
            j += run;
            chars += run;
            let Some(&b) = self.s.get(j) else {
                return Err(unclosed(self));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    plain = false;
                    let n = match self.s.get(j + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => 2,
                        Some(b'u') => {
                            let hex = self.s.get(j + 2..j + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                let message = "a `\\u` escape without four hexadecimal digits: write `\\u` and four digits (`\\u00e9`)".to_owned();
                                return Err(self.error(j, 2, message));
                            }
                            6
                        }
                        None => return Err(unclosed(self)),
                        Some(_) => {
                            let c = self.text[j + 1..].chars().next().unwrap_or('?');
                            let message = format!(
                                "an unknown escape `\\{}` in a string: JSON's escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write the character itself, or escape its backslash (`\\\\`)",
                                quoted(&c.to_string())
                            );
                            return Err(self.error(j, 1 + c.len_utf8(), message));
                        }
                    };
                    j += n;
                    chars += n;
                }
                0x00..=0x1f => {
                    let message = control_message(b);
                    return Err(self.error(j, 1, message));
                }
                0x7f => {
                    self.decline()?;
                    j += 1;
                    chars += 1;
                }
                // U+0085 (C2 85), U+2028/U+2029 (E2 80 A8/A9), U+FEFF (EF BB BF): YAML reads them as line
                // breaks or a byte-order mark.
                0xc2 if self.s.get(j + 1) == Some(&0x85) => {
                    self.decline()?;
                    j += 2;
                    chars += 1;
                }
                0xe2 if self.s.get(j + 1) == Some(&0x80)
                    && matches!(self.s.get(j + 2), Some(0xa8 | 0xa9)) =>
                {
                    self.decline()?;
                    j += 3;
                    chars += 1;
                }
                0xef if self.s.get(j + 1) == Some(&0xbb) => {
                    self.decline()?;
                    j += 1;
                    chars += 1;
                }
                _ => {
                    if b & 0xc0 != 0x80 {
                        chars += 1;
                    }
                    j += 1;
                }
            }
        }
        let text = if plain {
            // The text is a `str` and the quotes are ASCII: the bytes between them are whole characters.
            self.text[start + 1..j].to_owned()
        } else {
            match unescape(&self.s[start + 1..j], self.record) {
                Ok(text) => text,
                Err(Some(at)) => {
                    let at = start + 1 + at;
                    let escape = &self.text[at..at + 6];
                    let message = format!(
                        "a lone surrogate `{escape}` in a string: it is half of a UTF-16 pair, not a character; write the character itself, or both halves of its pair"
                    );
                    return Err(self.error(at, 6, message));
                }
                Err(None) => return Err(Stop::Decline),
            }
        };
        let len = u32::try_from(j + 1 - start).map_err(|_| unclosed(self))?;
        self.i = j + 1;
        self.chars += chars + 2;
        Ok((text, len))
    }

    /// Enter a `{` or `[`: its position, and one more level of nesting (an error past the depth budget).
    #[inline]
    fn enter(&mut self) -> Res<Pos> {
        let pos = self.pos(1)?;
        self.depth += 1;
        if self.depth > self.max_depth {
            let message = crate::budget::exceeded("nesting-depth", self.max_depth, "maxDepth");
            return Err(self.error(self.i, 1, message));
        }
        Ok(pos)
    }

    /// The comma-separated items of a container opened at `open` up to `close`, each parsed by `item`;
    /// then leave it.
    fn items(
        &mut self,
        open: Pos,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Res<()>,
    ) -> Res<()> {
        let (what, closer) = if close == b']' {
            ("array", ']')
        } else {
            ("object", '}')
        };
        self.skip(1);
        self.spaces()?;
        if self.peek() == Some(close) {
            self.skip(1);
            self.depth -= 1;
            return Ok(());
        }
        loop {
            item(self)?;
            self.spaces()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.i;
                    self.skip(1);
                    self.spaces()?;
                    if self.peek() == Some(close) {
                        let message = format!(
                            "a trailing comma before `{closer}`: JSON allows no comma after the last item; remove it"
                        );
                        return Err(self.error(comma, 1, message));
                    }
                }
                Some(b) if b == close => {
                    self.skip(1);
                    self.depth -= 1;
                    return Ok(());
                }
                None => {
                    let message = format!(
                        "the text ends inside the {what} opened at line {}, column {}: close it with `{closer}`",
                        open.line, open.column
                    );
                    return Err(self.error(self.i, 0, message));
                }
                Some(b) => {
                    let starts_item = matches!(b, b'"' | b'\'' | b'{' | b'[' | b'-' | b'+' | b'.')
                        || b.is_ascii_alphanumeric();
                    let message = if starts_item {
                        format!("a missing comma: JSON separates the items of an {what} with `,`; add one before this")
                    } else {
                        format!(
                            "{} after an item of the {what} opened at line {}, column {}: expected `,` or `{closer}`",
                            self.found(),
                            open.line,
                            open.column
                        )
                    };
                    return Err(self.error(self.i, 1, message));
                }
            }
        }
    }

    fn object(&mut self) -> Res<Node> {
        let open = self.enter()?;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        self.items(open, b'}', |p| {
            let key = p.key(open)?;
            let seen = if entries.len() < SCAN_KEYS {
                entries.iter().position(|(k, _)| k.name == key.name)
            } else {
                if index.is_empty() {
                    index.extend(entries.iter().enumerate().map(|(n, (k, _))| (k.name.clone(), n)));
                }
                index.get(&key.name).copied()
            };
            if let Some(first) = seen {
                let first = entries[first].0.pos;
                let message = format!(
                    "duplicate key `{}` (first at line {}, column {}): JSON readers disagree on which one counts; keep one",
                    quoted(&key.name),
                    first.line,
                    first.column
                );
                let at = key.pos.offset.map_or(p.i, |o| o as usize);
                return Err(p.error(at, key.pos.len as usize, message));
            }
            p.spaces()?;
            if p.peek() != Some(b':') {
                let message = match p.peek() {
                    None => format!(
                        "the text ends inside the object opened at line {}, column {}: close it with `}}`",
                        open.line, open.column
                    ),
                    Some(_) => format!(
                        "{} after the key `{}`: expected `:` and the key's value",
                        p.found(),
                        quoted(&key.name)
                    ),
                };
                return Err(p.error(p.i, usize::from(p.peek().is_some()), message));
            }
            p.skip(1);
            p.spaces()?;
            let value = p.value()?;
            if !index.is_empty() {
                index.insert(key.name.clone(), entries.len());
            }
            entries.push((key, value));
            Ok(())
        })?;
        Ok(Node::new(Value::Map(entries), open))
    }

    /// An object's key: a string in double quotes.
    fn key(&mut self, open: Pos) -> Res<Key> {
        self.count()?;
        match self.peek() {
            Some(b'"') => {
                let start = self.pos(0)?;
                let (name, len) = self.string()?;
                if self.record && len as usize > MAX_KEY_BYTES {
                    return Err(Stop::Decline);
                }
                Ok(Key {
                    name,
                    pos: Pos { len, ..start },
                })
            }
            None => Err(self.error(
                self.i,
                0,
                format!(
                    "the text ends inside the object opened at line {}, column {}: close it with `}}`",
                    open.line, open.column
                ),
            )),
            Some(b'\'') => Err(self.error(
                self.i,
                1,
                "a single-quoted key: JSON keys are strings in double quotes (\"…\")".to_owned(),
            )),
            Some(_) => {
                let end = self.word_end();
                if end > self.i {
                    let word = quoted(&self.text[self.i..end]);
                    let message = format!(
                        "an unquoted key `{word}`: JSON keys are strings in double quotes; write \"{word}\""
                    );
                    return Err(self.error(self.i, end - self.i, message));
                }
                let message = format!(
                    "{} where a key is expected: JSON keys are strings in double quotes",
                    self.found()
                );
                Err(self.error(self.i, 1, message))
            }
        }
    }

    fn array(&mut self) -> Res<Node> {
        let open = self.enter()?;
        let mut items = Vec::new();
        self.items(open, b']', |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Node::new(Value::Seq(items), open))
    }
}

/// Whether `t` is a number as JSON writes it.
fn is_json_number(t: &str) -> bool {
    let b = t.as_bytes();
    let mut k = usize::from(b.first() == Some(&b'-'));
    let digits = |k: &mut usize| {
        let from = *k;
        while b.get(*k).is_some_and(u8::is_ascii_digit) {
            *k += 1;
        }
        *k - from
    };
    match digits(&mut k) {
        0 => return false,
        n if n > 1 && b[k - n] == b'0' => return false,
        _ => {}
    }
    if b.get(k) == Some(&b'.') {
        k += 1;
        if digits(&mut k) == 0 {
            return false;
        }
    }
    if matches!(b.get(k), Some(b'e' | b'E')) {
        k += 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if digits(&mut k) == 0 {
            return false;
        }
    }
    k == b.len()
}

/// What is wrong with a bare word where a JSON value is expected, and what to write instead.
fn word_message(word: &str) -> String {
    let shown = quoted(word);
    let lower = word.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "nan" | "inf" | "infinity" | ".nan" | ".inf") {
        return format!(
            "`{shown}` is not a JSON number: JSON has no NaN or infinities; write null, or the value as a string"
        );
    }
    if matches!(lower.as_str(), "true" | "false" | "null") {
        return format!("`{shown}` is not a JSON literal: write `{lower}`, in lower case");
    }
    if word.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        let digits = word.trim_start_matches(['+', '-']);
        let why = if word.starts_with('+') {
            "JSON numbers have no leading `+`"
        } else if digits.len() > 1
            && digits.starts_with('0')
            && digits[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            "JSON numbers have no leading zeros"
        } else if lower.trim_start_matches('-').starts_with("0x")
            || lower.trim_start_matches('-').starts_with("0o")
            || lower.trim_start_matches('-').starts_with("0b")
        {
            "JSON numbers are decimal"
        } else if digits.starts_with('.') || word.contains(".e") || word.ends_with('.') {
            "a `.` in a JSON number has digits on both sides"
        } else {
            "JSON numbers are written `-1`, `0`, `2.5` or `1e3`"
        };
        return format!(
            "`{shown}` is not a JSON number ({why}); write the number as JSON does, or the value as a string in double quotes"
        );
    }
    format!("`{shown}` is not a JSON value: a string is written in double quotes (\"{shown}\")")
}

/// The message for a control character written raw inside a string.
fn control_message(b: u8) -> String {
    let (name, escape) = match b {
        b'\t' => ("a tab", "\\t".to_owned()),
        b'\n' => ("a line break", "\\n".to_owned()),
        b'\r' => ("a carriage return", "\\r".to_owned()),
        0x08 => ("a backspace", "\\b".to_owned()),
        0x0c => ("a form feed", "\\f".to_owned()),
        _ => ("a control character", format!("\\u{b:04x}")),
    };
    let close = if b == b'\n' {
        ", or close the string on its line"
    } else {
        ""
    };
    format!(
        "{name} (U+{b:04X}) inside a string: JSON strings escape control characters; write `{escape}`{close}"
    )
}

/// The message for a white-space character JSON does not allow between tokens; `None` for other characters.
fn white_space(c: char) -> Option<String> {
    (c.is_whitespace() || c == '\u{feff}').then(|| {
        format!(
            "{} between tokens: JSON's white space is spaces, tabs and line breaks only; replace it with a space",
            describe(c)
        )
    })
}

/// A character as a message names it: itself in backticks when printable ASCII, its code point otherwise.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else {
        format!("the character U+{:04X}", u32::from(c))
    }
}

/// A piece of the input for a message, cut at [`QUOTE_CHARS`] characters.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The position of byte `at` (`len` bytes long) in `text`; lines end at `\n`, `\r\n` or a lone `\r`.
fn pos_at(text: &str, at: usize, len: usize) -> Pos {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    let mut line = 1usize;
    let mut line_start = 0;
    for (k, &b) in bytes[..at].iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(k + 1) != Some(&b'\n')) {
            line += 1;
            line_start = k + 1;
        }
    }
    let column = bytes[line_start..at]
        .iter()
        .filter(|&&b| b & 0xc0 != 0x80)
        .count()
        + 1;
    Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        offset: u32::try_from(at).ok(),
        len: u32::try_from(len.min(bytes.len() - at)).unwrap_or(0),
    }
}

/// Decode the escapes of a string's contents (already checked to be JSON's escapes). A surrogate pair is
/// one character; a lone surrogate is `Err(Some(offset))` of its escape. The record fast path declines
/// (`Err(None)`) surrogates and the characters YAML treats specially.
fn unescape(raw: &[u8], record: bool) -> Result<String, Option<usize>> {
    let mut out = Vec::with_capacity(raw.len());
    let hex = |k: usize| -> Option<u32> {
        let digits = std::str::from_utf8(raw.get(k..k + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let mut k = 0;
    while k < raw.len() {
        let b = raw[k];
        if b != b'\\' {
            out.push(b);
            k += 1;
            continue;
        }
        let decoded = match raw.get(k + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let code = hex(k + 2).ok_or(None)?;
                let special = matches!(code, 0x85 | 0x2028 | 0x2029 | 0xfeff);
                if record && (special || (0xd800..=0xdfff).contains(&code)) {
                    return Err(None);
                }
                if (0xd800..0xdc00).contains(&code)
                    && raw.get(k + 6..k + 8) == Some(b"\\u")
                    && hex(k + 8).is_some_and(|low| (0xdc00..0xe000).contains(&low))
                {
                    let low = hex(k + 8).ok_or(None)?;
                    let c = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                    k += 6;
                    char::from_u32(c).ok_or(Some(k - 6))?
                } else {
                    char::from_u32(code).ok_or(Some(k))?
                }
            }
            _ => return Err(None),
        };
        if matches!(raw.get(k + 1), Some(b'u')) {
            k += 4;
        }
        let mut buf = [0u8; 4];
        out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
        k += 2;
    }
    String::from_utf8(out).map_err(|_| None)
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
        let fast = parse_record(text, &Budgets::default())
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
            assert!(parse_record(text, &Budgets::default()).is_none(), "{text}");
        }
    }

    #[test]
    fn budgets_are_left_to_serde_saphyr() {
        let deep = format!("{}1{}", "{\"a\":".repeat(40), "}".repeat(40));
        let budgets = Budgets {
            max_depth: 32,
            ..Budgets::default()
        };
        assert!(parse_record(&deep, &budgets).is_none());
        assert!(parse_record(&deep, &Budgets::default()).is_some());
    }

    fn strict(text: &str) -> Result<Node, ParseError> {
        parse_text(text, &Budgets::default())
    }

    #[test]
    fn json_files_parse_as_serde_saphyr_parses_them() {
        for text in [
            "{\n  \"a\": {\"b\": true},\n  \"c\": [1.5, -0, 1E2, 2.5e-3, 12345678901234567890, \"x\\u00e9\\ud83d\\ude00\\/\"]\n}\n",
            "{\r\n  \"a\" : [ ],\r\n  \"b\" : { }, \"\u{e9}\u{1f600}\": \"\u{ff5e}\"\r\n}",
            "[{\"apiVersion\": \"custody/v1\"},\n {\"kind\": \"Workflow\", \"n\": null}]",
            "{\"$schema\": \"../schemas/workflow.schema.json\", \"a\": \"x\\\"y\\\\z\"}",
            // Tabs, lone carriage returns, and characters YAML 1.1 treated as line breaks.
            "{\n\t\"a\": 1,\r\"b\": [\n\t\t2\n\t]\n}",
            "{\"a\": \"x\u{2028}y\u{85}z\u{feff}\", \"b\": \"\\u2028\", \"c\": 1}",
        ] {
            assert_eq!(strict(text).unwrap(), slow(text), "{text}");
        }
        // Tabs and lone carriage returns are JSON white space; a lone `\r` ends a line.
        let node = strict("{\r\t\"a\":\t[1,\r\n\t\t2]\n}").unwrap();
        let a = node.get("a").unwrap();
        assert_eq!((a.pos.line, a.pos.column, a.pos.offset), (2, 7, Some(8)));
        let Value::Seq(items) = &a.value else {
            panic!("{a:?}")
        };
        assert_eq!((items[1].pos.line, items[1].pos.column), (3, 3));
        // A long key, which YAML would refuse as an implicit key, is JSON.
        let long = format!("{{\"{}\": 1}}", "k".repeat(2_000));
        assert!(strict(&long).is_ok());
    }

    #[test]
    fn every_deviation_is_an_error_at_the_offending_byte() {
        for (text, line, column, words) in [
            ("{\"a\": [1, 2,]}", 1, 12, "a trailing comma before `]`"),
            ("{\n  \"a\": 1,\n}", 2, 9, "a trailing comma before `}`"),
            ("{\"a\": 1} // note", 1, 10, "a `//` comment"),
            ("{\n  /* c */ \"a\": 1}", 2, 3, "a `/*` comment"),
            ("# c\n{}", 1, 1, "a `#` comment"),
            ("{\"a\": 'x'}", 1, 7, "a single-quoted string"),
            ("{'a': 1}", 1, 2, "a single-quoted key"),
            ("{a: 1}", 1, 2, "an unquoted key `a`"),
            ("{\"a\": 017}", 1, 7, "leading zeros"),
            ("{\"a\": -00}", 1, 7, "leading zeros"),
            ("{\"a\": NaN}", 1, 7, "no NaN"),
            ("{\"a\": -Infinity}", 1, 7, "no NaN or infinities"),
            ("{\"a\": +1}", 1, 7, "no leading `+`"),
            ("{\"a\": .5}", 1, 7, "digits on both sides"),
            ("{\"a\": 1.}", 1, 7, "digits on both sides"),
            ("{\"a\": 0x1F}", 1, 7, "decimal"),
            ("{\"a\": 1e400}", 1, 7, "beyond the range"),
            ("{\"a\": True}", 1, 7, "write `true`"),
            ("{\"a\": yes}", 1, 7, "double quotes"),
            ("{\"a\": \"x\ty\"}", 1, 9, "a tab (U+0009) inside a string"),
            ("{\"a\": \"x\ny\"}", 1, 9, "a line break (U+000A)"),
            ("{\"a\": \"x\u{1}\"}", 1, 9, "write `\\u0001`"),
            ("{\"a\": \"\\x41\"}", 1, 8, "unknown escape `\\x`"),
            ("{\"a\": \"\\'\"}", 1, 8, "unknown escape `\\'`"),
            ("{\"a\": \"\\u12\"}", 1, 8, "four hexadecimal digits"),
            ("{\"a\": \"\\ud800\"}", 1, 8, "lone surrogate `\\ud800`"),
            (
                "{\"a\": \"\\udc00\\ud800\"}",
                1,
                8,
                "lone surrogate `\\udc00`",
            ),
            (
                "{\"a\": 1,\n \"a\": 2}",
                2,
                2,
                "duplicate key `a` (first at line 1, column 2)",
            ),
            ("{\"a\": 1} {\"b\": 2}", 1, 10, "a second JSON value"),
            ("{\"a\": 1} x", 1, 10, "`x` after the JSON value"),
            ("{\"a\": 1 \"b\": 2}", 1, 9, "a missing comma"),
            ("[1 2]", 1, 4, "a missing comma"),
            ("{\"a\" 1}", 1, 6, "expected `:`"),
            ("{\"a\": [1, 2}", 1, 12, "expected `,` or `]`"),
            (
                "{\"a\": 1",
                1,
                8,
                "ends inside the object opened at line 1, column 1",
            ),
            (
                "[\n  [1",
                2,
                5,
                "ends inside the array opened at line 2, column 3",
            ),
            ("{\"a\": \"x}", 1, 7, "not closed"),
            ("", 1, 1, "no JSON value"),
            ("  \n", 2, 1, "no JSON value"),
            ("{\"a\":\u{a0}1}", 1, 6, "U+00A0 between tokens"),
            ("{\"a\": 1,, \"b\": 2}", 1, 9, "`,` where a key is expected"),
            ("{\"a\": }", 1, 7, "`}` where a value is expected"),
            ("{\"a\": &x 1}", 1, 7, "`&` cannot start a JSON value"),
            (
                "{\"\u{e9}\": \"\u{e9}\", \"b\": tru}",
                1,
                17,
                "`tru` is not a JSON value",
            ),
        ] {
            let err = strict(text).expect_err(text);
            let pos = err.pos.unwrap_or_else(|| panic!("{text}: {err:?}"));
            assert_eq!((pos.line, pos.column), (line, column), "{text}: {err:?}");
            assert!(err.message.contains(words), "{text}: {err:?}");
            let offset = pos.offset.expect("an offset") as usize;
            assert!(text.is_char_boundary(offset), "{text}: {err:?}");
        }
    }

    #[test]
    fn json_files_keep_the_budgets() {
        let small = |max_depth, max_nodes| Budgets {
            max_depth,
            max_nodes,
            ..Budgets::default()
        };
        // As for YAML: nesting up to the depth budget is read, one level more is refused.
        assert!(parse_text("[[[[1]]]]", &small(4, 100)).is_ok());
        let err = parse_text("[[[{\"a\": 1}]]]", &small(3, 100)).unwrap_err();
        assert!(err.message.contains("(limits.maxDepth)"), "{err:?}");
        assert_eq!(err.pos.map(|p| p.column), Some(4));
        // Keys count as nodes, as they do for YAML.
        assert!(parse_text("[1,2,3,4,5,6,7,8,9]", &small(8, 10)).is_ok());
        let err = parse_text("[1,2,3,4,5,6,7,8,9,10]", &small(8, 10)).unwrap_err();
        assert!(err.message.contains("(limits.maxNodes)"), "{err:?}");
        assert!(parse_text("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", &small(8, 9)).is_ok());
        assert!(parse_text("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}", &small(8, 10)).is_err());
        // Deep nesting fails closed at the budget, never on the stack.
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = strict(&deep).unwrap_err();
        assert!(err.message.contains("nesting-depth"), "{err:?}");
        let deep = "{\"a\":".repeat(100_000);
        assert!(strict(&deep).is_err());
    }

    #[test]
    fn many_keys_are_checked_for_duplicates() {
        let keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}}}", keys.join(", "));
        assert_eq!(strict(&text).unwrap(), slow(&text));
        let text = format!("{{{}, \"k57\": 0}}", keys.join(", "));
        let err = strict(&text).unwrap_err();
        assert!(err.message.contains("duplicate key `k57`"), "{err:?}");
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

    /// A `.json` file's value: an object or array over every JSON scalar, floats included, and strings
    /// serde_json writes with escapes where JSON needs them.
    fn file_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            "[\\x00-\\x1f\"\\\\/a-zA-Z0-9 \u{e9}\u{1f600}\u{ff5e}_.:-]{0,12}"
                .prop_map(serde_json::Value::from),
        ];
        let tree = leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                proptest::collection::vec(("[a-z\u{e9}_ -]{0,6}", inner), 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        });
        proptest::collection::vec(tree, 0..4).prop_map(serde_json::Value::from)
    }

    proptest::proptest! {
        /// Plain records are always taken by the fast path, and read exactly as serde-saphyr reads them.
        #[test]
        fn plain_records_take_the_fast_path(
            members in proptest::collection::vec(("[a-z]{1,4}", plain_value()), 0..6),
        ) {
            let text = serde_json::to_string(&serde_json::Value::Object(members.into_iter().collect())).unwrap();
            let fast = parse_record(&text, &Budgets::default());
            proptest::prop_assert!(fast.is_some(), "declined {}", text);
            proptest::prop_assert_eq!(fast.unwrap(), slow(&text));
        }

        /// A `.json` file in any layout is read, to the tree serde-saphyr gives the same text.
        #[test]
        fn json_files_read_as_serde_saphyr_reads_them(value in file_value(), layout in 0u8..3) {
            let text = match layout {
                0 => serde_json::to_string(&value).unwrap(),
                1 => serde_json::to_string_pretty(&value).unwrap(),
                _ => serde_json::to_string_pretty(&value).unwrap().replace('\n', "\r\n"),
            };
            let strict = parse_text(&text, &Budgets::default());
            proptest::prop_assert!(strict.is_ok(), "{:?}: {}", strict, text);
            proptest::prop_assert_eq!(strict.unwrap(), slow(&text), "{}", text);
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
            if let Some(fast) = parse_record(&text, &Budgets::default()) {
                proptest::prop_assert_eq!(fast, slow(&text));
            }
        }
    }
}
