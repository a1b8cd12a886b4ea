//! Compiling user patterns: host and command globs (globset syntax, `*` also matches `/`) and ticket regexes.

/// The longest glob custody compiles. globset panics on a glob whose regex outgrows its size limit (a
/// 6 MB alternation did); host and command globs are a few dozen characters.
pub const MAX_GLOB_CHARS: usize = 4096;

/// Compile a glob as custody matches them: `*` crosses `/`, `\` escapes, optional case-insensitivity. The
/// error says what is wrong with the glob.
pub fn glob(pattern: &str, case_insensitive: bool) -> Result<globset::GlobMatcher, String> {
    Ok(parse_glob(pattern, case_insensitive)?.compile_matcher())
}

/// Parse a glob without compiling its matcher. Whether a glob is valid is decided here: globset's
/// `compile_matcher` compiles the regex `build` already produced and does not fail (it would panic).
fn parse_glob(pattern: &str, case_insensitive: bool) -> Result<globset::Glob, String> {
    if pattern.chars().count() > MAX_GLOB_CHARS {
        return Err(format!("it is longer than {MAX_GLOB_CHARS} characters"));
    }
    globset::GlobBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// Compile a ticket pattern (Rust `regex` syntax, searched in the ticket id).
pub fn regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
}

/// Whether `pattern` is a valid glob (case-sensitive, as the schema checks them): the error's kind when
/// not. It is parsed, not compiled (compiling its matcher costs ten times as much and cannot fail); results
/// are remembered for the process, so a glob shared by many manifests is parsed once.
pub fn glob_error(pattern: &str) -> Option<String> {
    remembered(&GLOBS, pattern, |p| parse_glob(p, false).err())
}

/// Whether `pattern` compiles as a ticket regex: the error's message when not (remembered like globs).
pub fn regex_error(pattern: &str) -> Option<String> {
    remembered(&REGEXES, pattern, |p| regex(p).err().map(|e| e.to_string()))
}

type Verdicts = std::sync::Mutex<Option<std::collections::HashMap<String, Option<String>>>>;

static GLOBS: Verdicts = std::sync::Mutex::new(None);
static REGEXES: Verdicts = std::sync::Mutex::new(None);

/// At most this many patterns are remembered per kind (a hostile corpus of unique patterns stays bounded).
const REMEMBERED: usize = 100_000;

fn remembered(
    cache: &Verdicts,
    pattern: &str,
    check: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    if let Ok(guard) = cache.lock() {
        if let Some(verdict) = guard.as_ref().and_then(|m| m.get(pattern)) {
            return verdict.clone();
        }
    }
    // Compiled outside the lock: another thread may compile the same pattern meanwhile, to the same verdict.
    let verdict = check(pattern);
    if let Ok(mut guard) = cache.lock() {
        let map = guard.get_or_insert_with(Default::default);
        if map.len() < REMEMBERED {
            map.insert(pattern.to_owned(), verdict.clone());
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_crosses_slashes_and_case_is_optional() {
        assert!(glob("rm -rf *", false).unwrap().is_match("rm -rf /var/lib"));
        assert!(glob("pgdb-*.example.com", true)
            .unwrap()
            .is_match("PGDB-1.Example.com"));
        assert!(!glob("psql *", false).unwrap().is_match("PSQL -c x"));
        assert!(glob("pgdb-[prod", false).is_err());
        assert!(regex("^CHG[0-9{7}$").is_err());
        // A glob too long to compile safely is an error, never a panic.
        let long = format!("{{{}}}", vec!["a*b[xyz]?"; 1_000].join(","));
        assert!(glob(&long, false).unwrap_err().contains("longer than 4096"));
        assert!(glob(&"a".repeat(MAX_GLOB_CHARS), false).is_ok());
    }

    #[test]
    fn verdicts_are_remembered_and_stay_the_same() {
        for _ in 0..2 {
            assert_eq!(glob_error("ok-*"), None);
            assert!(glob_error("bad-[x").is_some());
            assert_eq!(regex_error("^CHG[0-9]{7}$"), None);
            assert!(regex_error("^CHG[0-9{7}$").is_some());
        }
    }

    #[test]
    fn a_glob_parsed_valid_compiles() {
        // glob_error only parses; the matcher compiled later must exist for every glob it lets through, and
        // every glob it refuses must fail to compile, with the same message.
        let long = format!("{}*", "{a,b}".repeat(MAX_GLOB_CHARS / 5));
        let longest = "a*".repeat(MAX_GLOB_CHARS / 2);
        let too_long = "a".repeat(MAX_GLOB_CHARS + 1);
        let globs = [
            "ok-*",
            "*.example.com",
            "[a-z]?*",
            "{x,y}-[!0-9]",
            "\\*literal",
            "**/x",
            "a[",
            "{a,b",
            "[z-a]",
            "x\\",
            "",
            "*",
            long.as_str(),
            longest.as_str(),
            too_long.as_str(),
            "[[:alpha:]]",
            "ü*€",
        ];
        for g in globs {
            let verdict = glob_error(g);
            for case_insensitive in [false, true] {
                match glob(g, case_insensitive) {
                    Ok(_) => assert_eq!(verdict, None, "{g}"),
                    Err(e) => assert_eq!(verdict.as_deref(), Some(e.as_str()), "{g}"),
                }
            }
        }
    }
}
