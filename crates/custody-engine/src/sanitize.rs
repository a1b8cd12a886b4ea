//! Text from input made safe to show: output never obeys what an attacker wrote.
//!
//! A manifest key, an `apiVersion`, a file name or a session id can carry terminal escape sequences (which
//! can clear a screen and paint a fake "passed"), other control characters, or bidirectional overrides (which
//! reorder what a reader sees). Everything custody shows that came from input goes through one of these:
//!
//! - [`escape`] for messages, paths and names: each such character becomes a visible escape such as `\u{1b}`;
//! - [`mask_in_place`] for source text shown with byte spans (snippets): each such character becomes visible
//!   replacement characters of the same length in bytes, so the spans still point where they did.
//!
//! Tabs and line ends are kept: they are layout, not commands.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or a reader as is: C0 and C1 controls (but tab, line feed and
/// carriage return), DEL, and the bidirectional controls (embeddings, overrides, isolates and marks).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{61c}')
}

/// `text` with every unsafe character written as a Rust-style escape (`\u{1b}`); borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with every unsafe character replaced by as many `?` as it has bytes: the same length in bytes, so
/// byte spans into it stay valid; borrowed when there is none.
pub fn mask_in_place(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_but_keeps_layout_and_text() {
        assert_eq!(escape("custody: passed"), "custody: passed");
        assert!(matches!(escape("plain é 山"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\u{7f}\u{9b}y"), "x\\u{7f}\\u{9b}y");
        assert_eq!(escape("id\u{202e}gnp.exe"), "id\\u{202e}gnp.exe");
        assert_eq!(escape("a\tb\nc\r"), "a\tb\nc\r");
    }

    #[test]
    fn masking_keeps_every_byte_offset() {
        for text in [
            "a\u{1b}[2Jb",
            "x\u{9b}y",
            "p\u{2066}q\u{2069}",
            "key: \u{7}\u{8}",
        ] {
            let masked = mask_in_place(text);
            assert_eq!(masked.len(), text.len(), "{text:?}");
            assert!(!masked.chars().any(is_unsafe), "{masked:?}");
            for (i, _) in text.char_indices() {
                assert!(masked.is_char_boundary(i), "{text:?} at {i}");
            }
        }
    }
}
