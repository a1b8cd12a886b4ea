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

mod describe;
mod numbers;
mod strings;

use describe::{describe, quoted, white_space, word_message};

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

#[cfg(test)]
mod tests;
