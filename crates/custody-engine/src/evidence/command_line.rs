//! Splitting a recorded command line into the segments S014 checks (docs/manifest.md, `commands`).
//!
//! A detective control, not a shell: segments break at unquoted `;`, `&&`, `||`, `|`, a lone `&` (not part of
//! a redirection such as `2>&1`, `>&2` or `&>`) and newlines. Single quotes are literal, double quotes take `\`
//! escapes, `\` escapes outside quotes. `$( )`, backticks and heredocs are not parsed. Segments keep their
//! original text (quotes included), trimmed; empty segments are dropped.

/// Split `line` into its trimmed, non-empty segments.
pub fn segments(line: &str) -> Vec<String> {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote = Quote::None;
    let mut i = 0;
    let flush = |current: &mut String, out: &mut Vec<String>| {
        let trimmed = current.trim();
        if !trimmed.is_empty() {
            out.push(trimmed.to_owned());
        }
        current.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Quote::Single => {
                current.push(c);
                if c == '\'' {
                    quote = Quote::None;
                }
            }
            Quote::Double => {
                current.push(c);
                if c == '\\' {
                    if let Some(&next) = chars.get(i + 1) {
                        current.push(next);
                        i += 1;
                    }
                } else if c == '"' {
                    quote = Quote::None;
                }
            }
            Quote::None => match c {
                '\\' => {
                    current.push(c);
                    if let Some(&next) = chars.get(i + 1) {
                        current.push(next);
                        i += 1;
                    }
                }
                '\'' => {
                    quote = Quote::Single;
                    current.push(c);
                }
                '"' => {
                    quote = Quote::Double;
                    current.push(c);
                }
                ';' | '\n' | '\r' => flush(&mut current, &mut out),
                '|' => {
                    if chars.get(i + 1) == Some(&'|') {
                        i += 1;
                    }
                    flush(&mut current, &mut out);
                }
                '&' => {
                    let prev = if i > 0 {
                        chars.get(i - 1).copied()
                    } else {
                        None
                    };
                    let next = chars.get(i + 1).copied();
                    if next == Some('&') {
                        i += 1;
                        flush(&mut current, &mut out);
                    } else if prev == Some('>') || prev == Some('<') || next == Some('>') {
                        // A redirection: `2>&1`, `>&2`, `<&0`, `&>file`, `&>>file`.
                        current.push(c);
                    } else {
                        flush(&mut current, &mut out);
                    }
                }
                _ => current.push(c),
            },
        }
        i += 1;
    }
    flush(&mut current, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn splits_at_unquoted_operators() {
        assert_eq!(
            segments("psql -c 'a; b' && rm -rf / || echo x | tee y ; ls & whoami\nid"),
            [
                "psql -c 'a; b'",
                "rm -rf /",
                "echo x",
                "tee y",
                "ls",
                "whoami",
                "id"
            ]
        );
    }

    #[test]
    fn redirections_are_not_separators() {
        assert_eq!(segments("make 2>&1 | tee log"), ["make 2>&1", "tee log"]);
        assert_eq!(segments("cmd &> out; cmd >&2"), ["cmd &> out", "cmd >&2"]);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            segments(r#"echo "a \" ; b" ; x"#),
            [r#"echo "a \" ; b""#, "x"]
        );
        assert_eq!(segments(r"echo a\;b"), [r"echo a\;b"]);
        assert_eq!(segments("echo 'it\\'; rm x"), ["echo 'it\\'", "rm x"]);
        assert!(segments("  ;; \n ").is_empty());
    }
}
