//! Compiling user patterns: host and command globs (globset syntax, `*` also matches `/`) and ticket regexes.

/// Compile a glob as custody matches them: `*` crosses `/`, `\` escapes, optional case-insensitivity.
pub fn glob(pattern: &str, case_insensitive: bool) -> Result<globset::GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .literal_separator(false)
        .backslash_escape(true)
        .build()?
        .compile_matcher())
}

/// Compile a ticket pattern (Rust `regex` syntax, searched in the ticket id).
pub fn regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
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
    }
}
