//! File bytes to text.

use std::borrow::Cow;

use super::{ParseError, Pos};

/// Decode bytes as UTF-8 text (a leading byte-order mark is accepted and dropped): one line of a JSON Lines
/// stream, or a file already known to be UTF-8.
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        ParseError {
            message: format!(
                "the file is not valid UTF-8 (invalid byte at offset {}); save it as UTF-8",
                e.valid_up_to()
            ),
            pos: Some(Pos {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(col).unwrap_or(u32::MAX),
                offset: u32::try_from(e.valid_up_to()).ok(),
                len: 1,
            }),
        }
    })
}

/// The Unicode encodings a YAML or JSON file may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Utf32Le => "UTF-32LE",
            Encoding::Utf32Be => "UTF-32BE",
        }
    }
}

/// The encoding of a file and the length of its byte-order mark, detected as YAML 1.2 (§5.2) and JSON
/// (RFC 4627) detect it: by the byte-order mark, or else by the NUL bytes around the first character, which
/// is ASCII in every YAML or JSON document.
pub fn detect(bytes: &[u8]) -> (Encoding, usize) {
    match bytes {
        [0, 0, 0xFE, 0xFF, ..] => (Encoding::Utf32Be, 4),
        [0, 0, 0, _, ..] => (Encoding::Utf32Be, 0),
        [0xFF, 0xFE, 0, 0, ..] => (Encoding::Utf32Le, 4),
        [_, 0, 0, 0, ..] => (Encoding::Utf32Le, 0),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        [0, _, ..] => (Encoding::Utf16Be, 0),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [_, 0, ..] => (Encoding::Utf16Le, 0),
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        _ => (Encoding::Utf8, 0),
    }
}

/// Decode a whole file as text: UTF-8, UTF-16 or UTF-32 (see [`detect`]), a byte-order mark dropped. UTF-8
/// is borrowed; the others are converted. Positions in errors are in the decoded text.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    let (encoding, bom) = detect(bytes);
    let body = &bytes[bom..];
    let (unit, big_endian) = match encoding {
        Encoding::Utf8 => return decode(body).map(Cow::Borrowed),
        Encoding::Utf16Le => (2, false),
        Encoding::Utf16Be => (2, true),
        Encoding::Utf32Le => (4, false),
        Encoding::Utf32Be => (4, true),
    };
    let invalid = |text: &str, at: usize| {
        let line = text.matches('\n').count() + 1;
        let col = text.chars().rev().take_while(|c| *c != '\n').count() + 1;
        ParseError {
            message: format!(
                "the file is not valid {} (invalid code unit at byte offset {}); save it as UTF-8",
                encoding.name(),
                bom + at
            ),
            pos: Some(Pos {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(col).unwrap_or(u32::MAX),
                offset: u32::try_from(text.len()).ok(),
                len: 1,
            }),
        }
    };
    let mut text = String::with_capacity(body.len() / unit);
    let mut at = 0;
    if unit == 2 {
        let code_units = body.chunks_exact(2).map(|c| match big_endian {
            false => u16::from_le_bytes([c[0], c[1]]),
            true => u16::from_be_bytes([c[0], c[1]]),
        });
        for decoded in char::decode_utf16(code_units) {
            match decoded {
                Ok(c) => {
                    text.push(c);
                    at += 2 * c.len_utf16();
                }
                Err(_) => return Err(invalid(&text, at)),
            }
        }
    } else {
        for c in body.chunks_exact(4) {
            let value = match big_endian {
                false => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                true => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
            };
            match char::from_u32(value) {
                Some(c) => text.push(c),
                None => return Err(invalid(&text, at)),
            }
            at += 4;
        }
    }
    // A trailing part of a code unit: the file was cut short.
    if !body.len().is_multiple_of(unit) {
        return Err(invalid(&text, at));
    }
    Ok(Cow::Owned(text))
}
