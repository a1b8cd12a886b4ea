//! File bytes to text.

use super::{ParseError, Pos};

/// Decode file bytes as UTF-8 text (a leading byte-order mark is accepted and dropped).
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
