//! Strings: a string token read and checked (its escapes, control characters, surrogates), and the decoding of
//! its escapes.

use super::describe::{control_message, quoted};
use super::{Parser, Res, Stop};

impl Parser<'_> {
    /// A string token: its decoded text and its length in bytes (quotes included).
    pub(super) fn string(&mut self) -> Res<(String, u32)> {
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
}

/// Decode the escapes of a string's contents (already checked to be JSON's escapes). A surrogate pair is
/// one character; a lone surrogate is `Err(Some(offset))` of its escape. The record fast path declines
/// (`Err(None)`) surrogates and the characters YAML treats specially.
pub(super) fn unescape(raw: &[u8], record: bool) -> Result<String, Option<usize>> {
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
