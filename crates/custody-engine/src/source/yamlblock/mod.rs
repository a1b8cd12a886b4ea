//! A fast path for block-style YAML, the way manifests and bundles are written: block mappings and
//! sequences, one-line plain and quoted scalars, one-line flow sequences of scalars, comments and `---`
//! document markers, parsed straight into [`Node`]s with exactly the values and positions serde-saphyr gives
//! the same text (line, 1-based column in characters, byte offset, token length in bytes).
//!
//! serde-saphyr builds an event stream and then deserialises it; this reader goes from bytes to nodes in one
//! pass (docs/performance.md).
//!
//! It reads only what it can read identically. Anything else — anchors, aliases, tags, block scalars
//! (`|`, `>`), multi-line scalars, flow mappings and nested flow collections, tabs, carriage returns,
//! non-printable characters, YAML line-break characters and byte-order marks, directives, `...`, complex
//! keys, duplicate or merge keys, typed or very long keys, an empty sequence item, a top level that is not a
//! block collection, escapes other than the common ones, counts near a budget, anything malformed — makes
//! [`parse`] return `None`, and the caller parses the whole text with serde-saphyr, which decides and
//! reports. Plain scalars that could be anything but a string — numbers other than plain decimal integers,
//! `yes`, `True`, `.inf`, timestamps... — are typed by serde-saphyr itself (`true`, `false`, `null` and `~`
//! are read here). Property tests hold the two parsers to the same trees, on generated documents and on
//! mutated text; the `manifest_load` fuzz target asserts it too.
//!
//! `scalars.rs` reads the one-line scalars and flow sequences; this file the block structure.

mod scalars;

use super::json::MAX_KEY_BYTES;
use super::{Budgets, Key, Node, Pos, Value};
use scalars::plain_type;

/// Parse every document of `text` when it is plain block-style YAML; `None` leaves it to serde-saphyr.
pub fn parse(text: &str, budgets: &Budgets) -> Option<Vec<Node>> {
    if !printable(text.as_bytes()) {
        return None;
    }
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        line_start: 0,
        counted: (0, 0),
        nodes: 0,
        // Stop well before a budget: the slow path then reports the breach in its own words.
        max_depth: budgets.max_depth.saturating_sub(2),
        max_nodes: budgets.max_nodes / 2,
    };
    let max_documents = budgets.max_documents / 2;
    let mut docs = Vec::new();
    loop {
        match p.peek_line()? {
            Line::Eof => return Some(docs),
            Line::Marker => {
                p.skip_marker();
                continue;
            }
            Line::Content(indent) => {
                if indent != 0 || docs.len() >= max_documents {
                    return None;
                }
                let node = p.block_node(0, 0)?;
                match p.peek_line()? {
                    Line::Eof | Line::Marker => docs.push(node),
                    Line::Content(_) => return None,
                }
            }
        }
    }
}

/// Whether every character is one this reader takes: printable, no tab, carriage return, YAML 1.1 line
/// break (U+0085, U+2028, U+2029), byte-order mark or non-character (U+FFFE, U+FFFF).
fn printable(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b'\n' | 0x20..=0x7E => i += 1,
            0xC2 => {
                if s.get(i + 1).is_some_and(|c| (0x80..=0x9F).contains(c)) {
                    return false;
                }
                i += 2;
            }
            0xE2 => {
                if s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8 | 0xA9)) {
                    return false;
                }
                i += 3;
            }
            0xEF => {
                let pair = (s.get(i + 1).copied(), s.get(i + 2).copied());
                if matches!(
                    pair,
                    (Some(0xBB), Some(0xBF)) | (Some(0xBF), Some(0xBE | 0xBF))
                ) {
                    return false;
                }
                i += 3;
            }
            0x80.. => i += 1,
            _ => return false,
        }
    }
    true
}

/// What the next line that is not blank or a comment holds.
enum Line {
    /// Content indented by this many spaces (`i` is at the start of the line).
    Content(usize),
    /// A `---` document marker alone on its line.
    Marker,
    Eof,
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    /// Byte offset of the next byte.
    i: usize,
    line: u32,
    /// Byte offset of the current line's start.
    line_start: usize,
    /// A byte offset on the current line (or before it) and the characters from the line's start to it.
    counted: (usize, usize),
    nodes: usize,
    max_depth: usize,
    max_nodes: usize,
}

/// Mappings with more entries are left to serde-saphyr (keys are checked for duplicates pairwise).
const MAX_ENTRIES: usize = 256;

impl Parser<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    /// Whether offset `i` ends a token: a space, the end of the line or of the text.
    fn ends(&self, i: usize) -> bool {
        matches!(self.at(i), None | Some(b' ' | b'\n'))
    }

    fn pos(&mut self, offset: usize, len: usize) -> Option<Pos> {
        // Columns count characters (continuation bytes do not start one), counted on from the last position
        // asked for on this line: a long line of flow items stays linear.
        let (from, before) = match self.counted {
            (at, chars) if at >= self.line_start && at <= offset => (at, chars),
            _ => (self.line_start, 0),
        };
        let chars = before
            + self.s[from..offset]
                .iter()
                .filter(|b| (**b & 0xC0) != 0x80)
                .count();
        self.counted = (offset, chars);
        Some(Pos {
            line: self.line,
            column: u32::try_from(chars + 1).ok()?,
            offset: Some(u32::try_from(offset).ok()?),
            len: u32::try_from(len).ok()?,
        })
    }

    fn count_node(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes < self.max_nodes).then_some(())
    }

    fn spaces(&mut self) {
        while self.at(self.i) == Some(b' ') {
            self.i += 1;
        }
    }

    /// Skip to the next line that holds content, leaving `i` at its start.
    fn peek_line(&mut self) -> Option<Line> {
        loop {
            if self.i >= self.s.len() {
                return Some(Line::Eof);
            }
            let mut j = self.i;
            while self.at(j) == Some(b' ') {
                j += 1;
            }
            match self.at(j) {
                None => {
                    self.i = j;
                    return Some(Line::Eof);
                }
                Some(b'\n') => self.newline(j),
                Some(b'#') => {
                    let end = self.line_end(j);
                    if end >= self.s.len() {
                        self.i = end;
                        return Some(Line::Eof);
                    }
                    self.newline(end);
                }
                Some(_) => {
                    let indent = j - self.i;
                    let rest = &self.s[self.i..];
                    if indent == 0 && (rest.starts_with(b"---") || rest.starts_with(b"...")) {
                        // A marker (or `...`, or content after `---`) unless the dashes start a scalar.
                        return if rest.starts_with(b"---")
                            && matches!(rest.get(3), None | Some(b'\n'))
                        {
                            Some(Line::Marker)
                        } else if matches!(rest.get(3), None | Some(b' ' | b'\n')) {
                            None
                        } else {
                            Some(Line::Content(0))
                        };
                    }
                    return Some(Line::Content(indent));
                }
            }
        }
    }

    /// The offset of the `\n` ending the line that holds `from` (or the end of the text).
    fn line_end(&self, from: usize) -> usize {
        self.s[from..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(self.s.len(), |n| from + n)
    }

    /// Move past the `\n` at `at`.
    fn newline(&mut self, at: usize) {
        self.i = at + 1;
        self.line += 1;
        self.line_start = self.i;
    }

    fn skip_marker(&mut self) {
        let end = self.line_end(self.i);
        if end >= self.s.len() {
            self.i = end;
        } else {
            self.newline(end);
        }
    }

    /// After a token: spaces, perhaps a comment, then the end of the line.
    fn end_line(&mut self) -> Option<()> {
        let before = self.i;
        self.spaces();
        match self.at(self.i) {
            None => Some(()),
            Some(b'\n') => {
                self.newline(self.i);
                Some(())
            }
            Some(b'#') if self.i > before => {
                let end = self.line_end(self.i);
                if end >= self.s.len() {
                    self.i = end;
                } else {
                    self.newline(end);
                }
                Some(())
            }
            _ => None,
        }
    }

    /// Whether a block sequence entry (`-` then a space or the line's end) starts at `i`.
    fn dash(&self) -> bool {
        self.at(self.i) == Some(b'-') && self.ends(self.i + 1)
    }

    /// A block collection starting at `i`, whose first token is at column `indent` (0-based).
    fn block_node(&mut self, indent: usize, depth: usize) -> Option<Node> {
        if depth >= self.max_depth {
            return None;
        }
        if self.dash() {
            self.block_seq(indent, false, depth + 1)
        } else if self.key_ahead()? {
            self.block_map(indent, depth + 1)
        } else {
            None
        }
    }

    /// A block mapping whose keys are at column `indent`; `i` is at its first key.
    fn block_map(&mut self, indent: usize, depth: usize) -> Option<Node> {
        self.count_node()?;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        loop {
            let key = self.key()?;
            if key.name == "<<"
                || entries.len() >= MAX_ENTRIES
                || entries.iter().any(|(k, _)| k.name == key.name)
            {
                return None;
            }
            let colon = self.i;
            self.i += 1;
            let value = self.map_value(indent, colon, depth)?;
            entries.push((key, value));
            match self.peek_line()? {
                Line::Content(n) if n == indent => self.i += n,
                Line::Content(n) if n > indent => return None,
                _ => break,
            }
        }
        let pos = Pos {
            len: 0,
            ..entries[0].0.pos
        };
        Some(Node::new(Value::Map(entries), pos))
    }

    /// The value after a key's `:` (at `colon`) in a mapping at column `indent`.
    fn map_value(&mut self, indent: usize, colon: usize, depth: usize) -> Option<Node> {
        let empty = self.pos(colon, 0)?;
        let before = self.i;
        self.spaces();
        if matches!(self.at(self.i), None | Some(b'\n' | b'#')) {
            self.i = before;
            self.end_line()?;
            return match self.peek_line()? {
                Line::Content(n) if n > indent => {
                    self.i += n;
                    self.block_node(n, depth)
                }
                Line::Content(n) if n == indent && self.s[self.i + n..].starts_with(b"-") => {
                    self.i += n;
                    if !self.dash() {
                        return None;
                    }
                    self.block_seq(n, true, depth + 1)
                }
                _ => {
                    self.count_node()?;
                    Some(Node::new(Value::Null, empty))
                }
            };
        }
        let node = self.inline_value(depth)?;
        self.end_line()?;
        Some(node)
    }

    /// A block sequence whose `-` are at column `indent`; `i` is at the first `-`. An indentless sequence
    /// (the value of a key at the key's own column) is placed where its first item is, as serde-saphyr does.
    fn block_seq(&mut self, indent: usize, indentless: bool, depth: usize) -> Option<Node> {
        if depth >= self.max_depth {
            return None;
        }
        self.count_node()?;
        let first_dash = self.pos(self.i, 0)?;
        let mut items = Vec::new();
        loop {
            self.i += 1;
            let before = self.i;
            self.spaces();
            let column = self.i - self.line_start;
            let item = if matches!(self.at(self.i), None | Some(b'\n' | b'#')) {
                // serde-saphyr places an indentless sequence whose first item starts on a later line at
                // the end of the dash's line: not worth imitating.
                if indentless && items.is_empty() {
                    return None;
                }
                self.i = before;
                self.end_line()?;
                match self.peek_line()? {
                    Line::Content(n) if n > indent => {
                        self.i += n;
                        self.block_node(n, depth)?
                    }
                    // An empty item: its position is not worth imitating.
                    _ => return None,
                }
            } else if self.dash() {
                self.block_seq(column, false, depth + 1)?
            } else if self.key_ahead()? {
                self.block_map(column, depth + 1)?
            } else {
                let node = self.inline_value(depth)?;
                self.end_line()?;
                node
            };
            items.push(item);
            match self.peek_line()? {
                Line::Content(n) if n == indent => {
                    if self.s[self.i + n] == b'-' {
                        self.i += n;
                        if !self.dash() {
                            return None;
                        }
                    } else if indentless {
                        break;
                    } else {
                        return None;
                    }
                }
                Line::Content(n) if n > indent => return None,
                _ => break,
            }
        }
        let pos = if indentless {
            Pos {
                len: 0,
                ..items[0].pos
            }
        } else {
            first_dash
        };
        Some(Node::new(Value::Seq(items), pos))
    }

    /// Whether a mapping key (a scalar, then `:` and a space or the line's end) starts at `i`. `None`: the
    /// line holds something this reader leaves alone.
    fn key_ahead(&self) -> Option<bool> {
        let mut j = self.i;
        match self.at(j)? {
            b'"' | b'\'' => {
                let quote = self.s[j];
                j += 1;
                loop {
                    match self.at(j)? {
                        b'\n' => return None,
                        b'\\' if quote == b'"' => j += 2,
                        c if c == quote => {
                            if quote == b'\'' && self.at(j + 1) == Some(b'\'') {
                                j += 2;
                                continue;
                            }
                            j += 1;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                Some(self.at(j) == Some(b':') && self.ends(j + 1))
            }
            _ => loop {
                match self.at(j) {
                    None | Some(b'\n') => return Some(false),
                    Some(b':') if self.ends(j + 1) => return Some(true),
                    Some(b'#') if j == self.i || self.s[j - 1] == b' ' => return Some(false),
                    _ => j += 1,
                }
            },
        }
    }

    /// A mapping key; `i` ends at its `:`.
    fn key(&mut self) -> Option<Key> {
        let start = self.i;
        let name = match self.at(start)? {
            b'"' => self.double_quoted()?,
            b'\'' => self.single_quoted()?,
            _ => {
                let end = self.plain_end(false)?;
                let name = &self.text[start..end];
                self.i = end;
                // A key serde-saphyr would type (`1:`, `true:`) is left to it.
                match plain_type(name)? {
                    Value::Str(s) => s,
                    _ => return None,
                }
            }
        };
        let len = self.i - start;
        if len > MAX_KEY_BYTES || self.at(self.i) != Some(b':') || !self.ends(self.i + 1) {
            return None;
        }
        Some(Key {
            name,
            pos: self.pos(start, len)?,
        })
    }
}

#[cfg(test)]
mod tests;
