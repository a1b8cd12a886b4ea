//! `custody baseline`: today's findings written into the configuration as governed exceptions (reason
//! `baseline`, an expiry `params.baselineMaxAge` away, each bound to its finding's node by `path`), so that a
//! team can turn the gate on now and pay the debt down before the exceptions expire.
//!
//! The configuration file is edited as text: the new exceptions are added to its `exceptions:` list (or a new
//! one at its end), and every other byte of the file stays as it was. The result is parsed again before it is
//! written, so a file custody could not read back is never written.

use crate::catalogue::is_locked;
use crate::config::Config;
use crate::findings::Finding;

/// One exception to write.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub rule: String,
    /// `workflow` or `session`, and its id.
    pub scope: (&'static str, String),
    pub path: Option<String>,
}

/// Why a finding is not baselined.
pub fn refusal(finding: &Finding) -> Option<&'static str> {
    if is_locked(&finding.rule) {
        return Some("a locked rule, never waived: fix the input");
    }
    if finding.rule.starts_with("CUS-C") {
        return Some("a finding about the configuration itself: fix the configuration");
    }
    if finding.workflow.is_none() && finding.session.is_none() {
        return Some("it names no workflow or session an exception could be scoped to");
    }
    None
}

/// The exception that waives `finding` at its node: session-scoped for a finding on a session (a `CUS-S`
/// rule, or a user rule on a bundle), workflow-scoped otherwise.
fn entry(finding: &Finding) -> Entry {
    let on_session = finding.rule.starts_with("CUS-S")
        || (!finding.rule.starts_with("CUS-W") && finding.session.is_some());
    let scope = match (&finding.session, &finding.workflow) {
        (Some(s), _) if on_session => ("session", s.clone()),
        (_, Some(w)) => ("workflow", w.clone()),
        (Some(s), None) => ("session", s.clone()),
        (None, None) => ("workflow", String::new()),
    };
    Entry {
        rule: finding.rule.clone(),
        scope,
        path: finding.path.clone(),
    }
}

/// The exceptions that waive the unwaived `findings` that may be waived, sorted and without repeats, and
/// the findings that may not be (with why).
pub fn plan(findings: &[Finding]) -> (Vec<Entry>, Vec<(&Finding, &'static str)>) {
    let mut entries = Vec::new();
    let mut refused = Vec::new();
    for finding in findings.iter().filter(|f| f.waived.is_none()) {
        match refusal(finding) {
            Some(why) => refused.push((finding, why)),
            None => entries.push(entry(finding)),
        }
    }
    entries.sort();
    entries.dedup();
    (entries, refused)
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// The list items of `entries`, each line starting with `indent`.
fn items(entries: &[Entry], expires: &str, indent: &str) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!("{indent}- rule: {}\n", quoted(&e.rule)));
        out.push_str(&format!(
            "{indent}  {}: {}\n",
            e.scope.0,
            quoted(&e.scope.1)
        ));
        if let Some(path) = &e.path {
            out.push_str(&format!("{indent}  path: {}\n", quoted(path)));
        }
        out.push_str(&format!("{indent}  reason: baseline\n"));
        out.push_str(&format!("{indent}  expires: {expires}\n"));
    }
    out
}

/// Whether `line` is `exceptions:` with no value on it (a block list follows, or nothing).
fn block_list_key(line: &str) -> bool {
    line.strip_prefix("exceptions:")
        .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
}

/// For `exceptions: []` (the empty list `custody init` writes), with or without a comment after it: that
/// comment (with the spaces before it), to keep on the `exceptions:` line that replaces it.
fn empty_list_value(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("exceptions:")?
        .trim_end_matches(['\n', '\r']);
    let after = rest.trim_start().strip_prefix("[]")?;
    (after.trim().is_empty() || after.trim_start().starts_with('#')).then_some(after.trim_end())
}

/// `text` (a configuration file, possibly empty) with `entries` added to its `exceptions:` list, expiring on
/// `expires` (`YYYY-MM-DD`); `comment` goes above them. An error when the file's `exceptions` is not a block
/// list this edit can extend, or when the result would not be a valid configuration.
pub fn insert(
    file: &str,
    text: &str,
    entries: &[Entry],
    expires: &str,
    comment: &str,
) -> Result<String, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let key = lines
        .iter()
        .position(|l| empty_list_value(l).is_some() || block_list_key(l));
    let mut out = String::with_capacity(text.len() + entries.len() * 120);
    match key {
        None => {
            if lines.iter().any(|l| l.starts_with("exceptions:")) {
                return Err(format!(
                    "{file}: its `exceptions` is not a block list (`exceptions:` then `- rule: …` lines): \
                     write it as one, then run custody baseline again"
                ));
            }
            out.push_str(text);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("exceptions:\n");
            out.push_str(&format!("  # {comment}\n"));
            out.push_str(&items(entries, expires, "  "));
        }
        Some(at) => {
            // The block ends at the next top-level line (not blank, not a comment) or at the end.
            let end = lines[at + 1..]
                .iter()
                .position(|l| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#') && !l.starts_with([' ', '-'])
                })
                .map_or(lines.len(), |i| at + 1 + i);
            let indent = lines[at + 1..end]
                .iter()
                .find_map(|l| {
                    let t = l.trim_start_matches(' ');
                    t.starts_with('-').then(|| " ".repeat(l.len() - t.len()))
                })
                .unwrap_or_else(|| "  ".to_owned());
            for (i, line) in lines.iter().enumerate() {
                if let (true, Some(comment)) = (i == at, empty_list_value(line)) {
                    out.push_str(&format!("exceptions:{comment}\n"));
                } else {
                    out.push_str(line);
                }
                if i + 1 == end {
                    if !line.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&format!("{indent}# {comment}\n"));
                    out.push_str(&items(entries, expires, &indent));
                }
            }
        }
    }
    Config::parse(file, out.clone()).map_err(|e| {
        format!(
            "{file}: the configuration with the baseline added would not be valid ({}): nothing was written",
            e.message
        )
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: &str, path: &str) -> Entry {
        Entry {
            rule: rule.to_owned(),
            scope: ("workflow", "payments-db-admin".to_owned()),
            path: Some(path.to_owned()),
        }
    }

    #[test]
    fn a_file_without_exceptions_gains_a_list_at_its_end() {
        let text = "# house rules\nrules:\n  CUS-W006: off # noisy\n";
        let out = insert(
            ".custody.yaml",
            text,
            &[entry("CUS-W005", "spec.approval")],
            "2027-03-08",
            "baseline",
        )
        .unwrap();
        assert!(out.starts_with(text), "every existing byte stays: {out}");
        assert!(out.ends_with("exceptions:\n  # baseline\n  - rule: \"CUS-W005\"\n    workflow: \"payments-db-admin\"\n    path: \"spec.approval\"\n    reason: baseline\n    expires: 2027-03-08\n"), "{out}");
        let config = Config::parse(".custody.yaml", out).unwrap();
        assert_eq!(config.exceptions[0].path.as_deref(), Some("spec.approval"));
    }

    #[test]
    fn an_existing_list_is_extended_in_place() {
        let text = "exceptions:\n    - rule: CUS-W016\n      workflow: legacy\n      reason: tracked\n      expires: 2027-01-01\nrules: {}\n";
        let out = insert(
            "c.yaml",
            text,
            &[entry("CUS-W005", "spec")],
            "2027-03-08",
            "baseline",
        )
        .unwrap();
        let config = Config::parse("c.yaml", out.clone()).unwrap();
        assert_eq!(config.exceptions.len(), 2, "{out}");
        assert!(out.ends_with("rules: {}\n"), "{out}");
        assert!(
            out.contains("      expires: 2027-01-01\n    # baseline\n    - rule: \"CUS-W005\""),
            "{out}"
        );
        let empty = insert(
            "c.yaml",
            "exceptions: []\n",
            &[entry("CUS-W005", "spec")],
            "2027-03-08",
            "b",
        )
        .unwrap();
        assert_eq!(Config::parse("c.yaml", empty).unwrap().exceptions.len(), 1);
        // As `custody init` writes it: an empty list with a comment, which stays.
        let scaffold = "rules: {}\nexceptions: []   # governed waivers\n";
        let out = insert(
            "c.yaml",
            scaffold,
            &[entry("CUS-W005", "spec")],
            "2027-03-08",
            "b",
        )
        .unwrap();
        assert!(
            out.starts_with("rules: {}\nexceptions:   # governed waivers\n  # b\n  - rule:"),
            "{out}"
        );
        assert_eq!(Config::parse("c.yaml", out).unwrap().exceptions.len(), 1);
    }

    #[test]
    fn a_flow_list_is_refused() {
        let text = "exceptions: [{rule: CUS-W016, workflow: x, reason: r, expires: 2027-01-01}]\n";
        assert!(insert(
            "c.yaml",
            text,
            &[entry("CUS-W005", "spec")],
            "2027-03-08",
            "b"
        )
        .is_err());
    }
}
