//! Numbers: a number token as JSON writes it, read into an integer or a float.

use super::describe::{quoted, word_message};
use super::{Node, Parser, Res, Value};

impl Parser<'_> {
    /// A number as JSON writes it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. An integer beyond i64
    /// is kept as a float (the integer-range check reports it, as for YAML); the record fast path leaves
    /// floats and such integers to serde-saphyr.
    pub(super) fn number(&mut self) -> Res<Node> {
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
}

/// Whether `t` is a number as JSON writes it.
pub(super) fn is_json_number(t: &str) -> bool {
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
