//! OpenSSH `allowed_signers` files (`man ssh-keygen`, ALLOWED SIGNERS): which keys may sign for which
//! principals, in which namespaces and when. `ssh-key` verifies signatures but reads no such file, so the
//! format is read here, once per run.
//!
//! Supported: `#` comments and blank lines; principals as a comma-separated list of patterns (`*`, `?`,
//! `!` negation, as OpenSSH's `match_pattern_list`), optionally in double quotes; the options
//! `namespaces="pattern,…"`, `valid-after=` and `valid-before=` (`YYYYMMDD[HHMM[SS]]` with an optional `Z`;
//! a time without `Z` is read as UTC, where `ssh-keygen` reads it in its local time zone), quoted or not;
//! every public key type `ssh-key` reads. A `cert-authority` line is an error (custody verifies plain keys,
//! not certificates), as is any other option.

use std::path::Path;

use ssh_key::public::KeyData;
use ssh_key::PublicKey;

/// One line of an allowed_signers file.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The principals field as written: a comma-separated pattern list.
    pub principals: String,
    /// `namespaces=`: a pattern list (`None`: every namespace).
    pub namespaces: Option<String>,
    /// `valid-after=`, seconds since the epoch.
    pub valid_after: Option<i64>,
    /// `valid-before=`, seconds since the epoch.
    pub valid_before: Option<i64>,
    pub key: KeyData,
    /// 1-based line number.
    pub line: u32,
}

/// An allowed_signers file, parsed.
#[derive(Clone, Debug, Default)]
pub struct AllowedSigners {
    /// The file as given, for messages.
    pub file: String,
    pub entries: Vec<Entry>,
}

/// A file that could not be read or a line that could not be parsed: `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct AllowedSignersError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

impl AllowedSigners {
    /// Read and parse `path`.
    pub fn load(path: &Path) -> Result<AllowedSigners, AllowedSignersError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| AllowedSignersError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read the allowed signers file: {e}"),
        })?;
        AllowedSigners::parse(&file, &text)
    }

    /// Parse the text of an allowed_signers file named `file`.
    pub fn parse(file: &str, text: &str) -> Result<AllowedSigners, AllowedSignersError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = (i + 1) as u32;
            let err = |message: String| AllowedSignersError {
                file: file.to_owned(),
                line,
                message,
            };
            let rest = raw.trim();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            let (principals, rest) = token(rest).map_err(err)?;
            let principals = unquote(principals);
            if principals.is_empty() {
                return Err(err("empty principals field".to_owned()));
            }
            let rest = rest.trim_start();
            let mut entry = Entry {
                principals,
                namespaces: None,
                valid_after: None,
                valid_before: None,
                key: KeyData::Ed25519(ssh_key::public::Ed25519PublicKey([0; 32])),
                line,
            };
            let key_text = if is_key_type(first_word(rest)) {
                rest
            } else {
                let (options, after) = token(rest).map_err(err)?;
                for option in split_options(options) {
                    apply_option(&mut entry, &option).map_err(err)?;
                }
                after.trim_start()
            };
            if key_text.is_empty() {
                return Err(err("no public key after the principals".to_owned()));
            }
            // `type base64 [comment]`: ssh-key reads the same shape as an authorized key.
            let key = PublicKey::from_openssh(key_text).map_err(|e| {
                err(format!(
                    "cannot read the public key `{}`: {e}",
                    crate::sanitize::escape(first_word(key_text))
                ))
            })?;
            entry.key = key.key_data().clone();
            entries.push(entry);
        }
        Ok(AllowedSigners {
            file: file.to_owned(),
            entries,
        })
    }

    /// The entries that list `key` for `principal`.
    pub fn listing<'a>(
        &'a self,
        principal: &'a str,
        key: &'a KeyData,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| &e.key == key && match_pattern_list(principal, &e.principals))
    }
}

impl Entry {
    /// Whether the entry allows signatures in `namespace`.
    pub fn allows_namespace(&self, namespace: &str) -> bool {
        self.namespaces
            .as_deref()
            .is_none_or(|list| match_pattern_list(namespace, list))
    }

    /// Whether the key is valid at `at` (seconds since the epoch): not before `valid-after`, not after
    /// `valid-before` (as `ssh-keygen -Y verify -Overify-time=`). `None` (time unknown) is valid only for an
    /// entry without either option.
    pub fn valid_at(&self, at: Option<i64>) -> bool {
        match at {
            None => self.valid_after.is_none() && self.valid_before.is_none(),
            Some(t) => {
                self.valid_after.is_none_or(|a| t >= a) && self.valid_before.is_none_or(|b| t <= b)
            }
        }
    }
}

fn first_word(s: &str) -> &str {
    s.split_ascii_whitespace().next().unwrap_or("")
}

fn is_key_type(word: &str) -> bool {
    word.starts_with("ssh-") || word.starts_with("ecdsa-") || word.starts_with("sk-")
}

/// The first whitespace-delimited token of `s` (double quotes protect whitespace), and the rest.
fn token(s: &str) -> Result<(&str, &str), String> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_ascii_whitespace() && !quoted => return Ok((&s[..i], &s[i..])),
            _ => {}
        }
    }
    if quoted {
        return Err("unterminated quote".to_owned());
    }
    Ok((s, ""))
}

fn unquote(s: &str) -> String {
    s.replace('"', "")
}

/// `a,b="x,y",c` → `a`, `b="x,y"`, `c`: commas inside quotes do not split.
fn split_options(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out
}

fn apply_option(entry: &mut Entry, option: &str) -> Result<(), String> {
    let (name, value) = match option.split_once('=') {
        Some((n, v)) => (n, Some(unquote(v))),
        None => (option, None),
    };
    let shown = crate::sanitize::escape(name);
    match (name.to_ascii_lowercase().as_str(), value) {
        ("cert-authority", _) => Err(
            "cert-authority lines are not supported: custody verifies signatures by plain keys; list the \
             signers' public keys instead"
                .to_owned(),
        ),
        ("namespaces", Some(v)) => {
            entry.namespaces = Some(v);
            Ok(())
        }
        ("valid-after", Some(v)) => {
            entry.valid_after = Some(parse_time(&v)?);
            Ok(())
        }
        ("valid-before", Some(v)) => {
            entry.valid_before = Some(parse_time(&v)?);
            Ok(())
        }
        ("namespaces" | "valid-after" | "valid-before", None) => {
            Err(format!("option {shown} needs a value ({shown}=\"…\")"))
        }
        _ => Err(format!(
            "unknown option `{shown}` (supported: namespaces=, valid-after=, valid-before=)"
        )),
    }
}

/// `YYYYMMDD[HHMM[SS]][Z]` → seconds since the epoch, always as UTC.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let digits = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let bad = || {
        format!(
            "invalid time `{}`: expected YYYYMMDD[HHMM[SS]][Z]",
            crate::sanitize::escape(text)
        )
    };
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<i16>().map_err(|_| bad());
    let (hour, minute, second) = match digits.len() {
        8 => (0, 0, 0),
        12 => (n(8..10)?, n(10..12)?, 0),
        _ => (n(8..10)?, n(10..12)?, n(12..14)?),
    };
    let year = n(0..4)?;
    let dt = jiff::civil::DateTime::new(
        year,
        n(4..6)? as i8,
        n(6..8)? as i8,
        hour as i8,
        minute as i8,
        second as i8,
        0,
    )
    .map_err(|_| bad())?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .map_err(|_| bad())
}

/// OpenSSH's `match_pattern_list`: `text` matches the comma-separated `list` when a pattern matches and no
/// negated (`!`) pattern does.
pub fn match_pattern_list(text: &str, list: &str) -> bool {
    let mut matched = false;
    for pattern in list.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        if match_pattern(text.as_bytes(), pattern.as_bytes()) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// `*` (any run) and `?` (one character), byte-wise as OpenSSH's `match_pattern`.
fn match_pattern(text: &[u8], pattern: &[u8]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            t += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILIDniwCXFLfuqEWIZmp4uim+3h/OlsJryrH55SDUE5R test";

    #[test]
    fn patterns_follow_openssh() {
        assert!(match_pattern_list("recorder@pam", "recorder@*"));
        assert!(match_pattern_list("a", "x,a"));
        assert!(!match_pattern_list("recorder@pam", "*,!recorder@*"));
        assert!(match_pattern_list("ab", "a?"));
        assert!(!match_pattern_list("abc", "a?"));
        assert!(!match_pattern_list("b", "a"));
    }

    #[test]
    fn lines_with_options_parse() {
        let text = format!(
            "# comment\n\nalice@x {KEY}\n\"bob@x,carol@*\" namespaces=\"git,custody\",valid-after=20260101,valid-before=\"20270101120000Z\" {KEY}\n"
        );
        let parsed = AllowedSigners::parse("as", &text).unwrap();
        assert_eq!(parsed.entries.len(), 2);
        let e = &parsed.entries[1];
        assert_eq!(e.line, 4);
        assert!(e.allows_namespace("custody") && !e.allows_namespace("file"));
        assert_eq!(e.valid_after, Some(1_767_225_600));
        assert!(e.valid_at(Some(1_767_225_600)) && !e.valid_at(Some(1_767_225_599)));
        assert!(!e.valid_at(None));
        assert!(parsed.entries[0].valid_at(None));
        assert_eq!(parsed.listing("carol@y", &e.key).count(), 2 - 1);
    }

    #[test]
    fn errors_name_their_line() {
        let e =
            AllowedSigners::parse("f", &format!("a {KEY}\nb cert-authority {KEY}\n")).unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (2, "f"));
        assert!(e.message.contains("cert-authority"), "{e}");
        let e = AllowedSigners::parse("f", "a ssh-ed25519 AAAAbad\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = AllowedSigners::parse("f", &format!("a valid-after=2026 {KEY}\n")).unwrap_err();
        assert!(e.to_string().starts_with("f:1: invalid time"), "{e}");
    }
}
