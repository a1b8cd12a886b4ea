//! One-line scalars (plain, double- and single-quoted) and one-line flow sequences of scalars.

use super::Parser;
use crate::source::yaml::{core_int, scalar_value};
use crate::source::{Node, Value};

/// Plain words some YAML schema reads as other than a string (compared in lower case): serde-saphyr types
/// them.
const WORDS: &[&str] = &[
    "true", "false", "null", "yes", "no", "y", "n", "on", "off", "nan", "inf", "infinity",
];

impl Parser<'_> {
    /// The end of a one-line plain scalar starting at `i` (trailing spaces excluded). In a flow collection
    /// it ends at `,` or `]`; a `:` that would end it there, or a character that only flow collections,
    /// quotes or comments use, makes it something this reader leaves alone.
    pub(super) fn plain_end(&self, flow: bool) -> Option<usize> {
        let first = self.at(self.i)?;
        if matches!(
            first,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b' '
                | b'\n'
        ) && !(first == b'-' && !self.ends(self.i + 1) && !self.s[self.i..].starts_with(b"--"))
        {
            return None;
        }
        let mut j = self.i;
        let mut end = j;
        loop {
            match self.at(j) {
                None | Some(b'\n') => break,
                Some(b':') if self.ends(j + 1) => break,
                Some(b'#') if j > self.i && self.s[j - 1] == b' ' => break,
                Some(b',' | b']') if flow => break,
                Some(b'[' | b'{' | b'}' | b':' | b'#' | b'"' | b'\'') if flow => return None,
                Some(b' ') => j += 1,
                Some(_) => {
                    j += 1;
                    end = j;
                }
            }
        }
        Some(end)
    }

    /// A scalar, `[]`/`{}` or a one-line flow sequence of scalars, on the current line.
    pub(super) fn inline_value(&mut self, depth: usize) -> Option<Node> {
        match self.at(self.i)? {
            b'[' => self.flow_seq(depth),
            b'{' => {
                if self.at(self.i + 1) != Some(b'}') {
                    return None;
                }
                self.count_node()?;
                let pos = self.pos(self.i, 1)?;
                self.i += 2;
                Some(Node::new(Value::Map(Vec::new()), pos))
            }
            _ => {
                let node = self.scalar(false)?;
                // A plain scalar ending at `: ` would make this line a mapping, which is not allowed here.
                if self.at(self.i) == Some(b':') {
                    return None;
                }
                Some(node)
            }
        }
    }

    fn scalar(&mut self, flow: bool) -> Option<Node> {
        self.count_node()?;
        let start = self.i;
        let value = match self.at(start)? {
            b'"' => Value::Str(self.double_quoted()?),
            b'\'' => Value::Str(self.single_quoted()?),
            _ => {
                let end = self.plain_end(flow)?;
                if end == start {
                    return None;
                }
                self.i = end;
                plain_type(&self.text[start..end])?
            }
        };
        Some(Node::new(value, self.pos(start, self.i - start)?))
    }

    /// `[a, "b", 'c']` on one line: scalars only.
    fn flow_seq(&mut self, depth: usize) -> Option<Node> {
        if depth + 1 >= self.max_depth {
            return None;
        }
        self.count_node()?;
        let pos = self.pos(self.i, 1)?;
        self.i += 1;
        let mut items = Vec::new();
        self.spaces();
        if self.at(self.i) != Some(b']') {
            loop {
                items.push(self.scalar(true)?);
                self.spaces();
                match self.at(self.i)? {
                    b',' => {
                        self.i += 1;
                        self.spaces();
                        if self.at(self.i) == Some(b']') {
                            return None;
                        }
                    }
                    b']' => break,
                    _ => return None,
                }
            }
        }
        self.i += 1;
        Some(Node::new(Value::Seq(items), pos))
    }

    /// A one-line double-quoted scalar with the common escapes.
    pub(super) fn double_quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut j = self.i + 1;
        let mut run = j;
        loop {
            match self.at(j)? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    out.push_str(&self.text[run..j]);
                    let c = match self.at(j + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'u' => {
                            let hex = self.text.get(j + 2..j + 6)?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            let code = u32::from_str_radix(hex, 16).ok()?;
                            if code < 0x20 {
                                return None;
                            }
                            j += 4;
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    out.push(c);
                    j += 2;
                    run = j;
                }
                _ => j += 1,
            }
        }
        out.push_str(&self.text[run..j]);
        self.i = j + 1;
        Some(out)
    }

    /// A one-line single-quoted scalar (`''` is a quote).
    pub(super) fn single_quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut j = self.i + 1;
        let mut run = j;
        loop {
            match self.at(j)? {
                b'\'' if self.at(j + 1) == Some(b'\'') => {
                    out.push_str(&self.text[run..=j]);
                    j += 2;
                    run = j;
                }
                b'\'' => break,
                b'\n' => return None,
                _ => j += 1,
            }
        }
        out.push_str(&self.text[run..j]);
        self.i = j + 1;
        Some(out)
    }
}

/// The value of a plain scalar: `true`, `false`, `null`, `~`, an integer of the core schema, or a string when
/// it starts with a letter (and is not a word some schema reads otherwise); anything else is typed by
/// serde-saphyr.
pub(super) fn plain_type(text: &str) -> Option<Value> {
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "null" | "~" => return Some(Value::Null),
        _ => {}
    }
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if first.is_ascii_alphabetic() || first >= 0x80 {
        let word = text.len() <= 8 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(text));
        if !word {
            return Some(Value::Str(text.to_owned()));
        }
    } else if let Some(value) = core_int(text) {
        // An integer of the YAML 1.2 core schema: what serde-saphyr's reading, re-read per the core schema
        // (`source::core_schema`), gives for it.
        return Some(value);
    }
    // Typed alone, a scalar starting like a document marker would not be the same scalar.
    if text.starts_with("...") || text.starts_with("---") {
        return None;
    }
    scalar_value(text)
}
