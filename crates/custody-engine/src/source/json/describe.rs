//! How a deviation from JSON is described: what was found, in words, and what to write instead.

use super::QUOTE_CHARS;

/// What is wrong with a bare word where a JSON value is expected, and what to write instead.
pub(super) fn word_message(word: &str) -> String {
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
pub(super) fn control_message(b: u8) -> String {
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
pub(super) fn white_space(c: char) -> Option<String> {
    (c.is_whitespace() || c == '\u{feff}').then(|| {
        format!(
            "{} between tokens: JSON's white space is spaces, tabs and line breaks only; replace it with a space",
            describe(c)
        )
    })
}

/// A character as a message names it: itself in backticks when printable ASCII, its code point otherwise.
pub(super) fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else {
        format!("the character U+{:04X}", u32::from(c))
    }
}

/// A piece of the input for a message, cut at [`QUOTE_CHARS`] characters.
pub(super) fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
