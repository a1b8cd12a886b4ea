//! Text from input made safe to show: output never obeys what an attacker wrote.
//!
//! A manifest key, an `apiVersion`, a file name or a session id can carry terminal escape sequences (which
//! can clear a screen and paint a fake "passed"), other control characters, or bidirectional overrides (which
//! reorder what a reader sees). Everything custody shows that came from input goes through one of these:
//!
//! - [`escape`] for messages, paths and names: each such character becomes a visible escape such as `\u{1b}`;
//! - [`mask_in_place`] for source text shown with byte spans (snippets): each such character becomes visible
//!   replacement characters of the same length in bytes, so the spans still point where they did;
//! - [`to_json_pretty`] for JSON reports: the same data, with each such character written as a `\uXXXX`
//!   escape (JSON's own), so a report is faithful when parsed and inert when printed.
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

/// `text` on one line: as [`escape`], with line feeds, carriage returns and tabs escaped too (`\n`, `\r`,
/// `\t`), for messages, names and paths. A line break from input could otherwise start a line of its own —
/// one that a CI system reads as a command (`::add-mask::` in GitHub Actions logs).
pub fn escape_line(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| is_unsafe(c) || matches!(c, '\n' | '\r' | '\t'))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
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

/// `value` as pretty-printed JSON (two-space indent, as `serde_json::to_string_pretty`) in which every unsafe
/// character of a string is written as a `\uXXXX` escape.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, InertJson::default());
    value.serialize(&mut serializer)?;
    // The serializer writes only UTF-8: the input was `str`s and the escapes are ASCII.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// serde_json's pretty formatter, with unsafe characters in strings escaped.
#[derive(Default)]
struct InertJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for InertJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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
    fn one_line_escapes_line_breaks_too() {
        assert_eq!(
            escape_line("a\n::add-mask::x\r\tb"),
            "a\\n::add-mask::x\\r\\tb"
        );
        assert_eq!(escape_line("a\u{1b}b"), "a\\u{1b}b");
        assert!(matches!(escape_line("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_is_the_same_data_and_inert() {
        let value =
            serde_json::json!({"msg": "a\u{1b}[2J\u{202e}b\u{7f}", "n": [1, 2], "plain": "é"});
        let text = to_json_pretty(&value).unwrap();
        assert!(!text.chars().any(is_unsafe), "{text}");
        assert!(text.contains("\\u202e"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        let plain = serde_json::json!({"a": [1, {"b": "c"}], "d": {}});
        assert_eq!(
            to_json_pretty(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
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
