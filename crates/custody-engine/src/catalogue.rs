//! The rule catalogue: every rule's metadata (id, title, description, severity, frameworks, remediation), and
//! which rules are locked. The built-in Rego rules' metadata comes from their `# METADATA` blocks (read by
//! `build.rs` and embedded) and user policies' are added by the engine when it loads them
//! ([`crate::engine::Policies::catalogue`]); the checks custody makes in Rust before any policy runs
//! (parsing, schema) and on its configuration (exceptions) are described here. Reporters, `custody rules`
//! and `custody explain` read the catalogue.

use serde::Serialize;

use crate::findings::Severity;

/// A rule's metadata.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub frameworks: Vec<String>,
    pub remediation: String,
    /// The Rego package that holds the rule (`custody.workflow.owner`), or `custody` for a check custody
    /// makes in Rust ([`RUST_CHECKS`]).
    pub package: String,
    /// The policy file and line of the rule, for `custody explain`; empty (and not serialised) for a check
    /// made in Rust.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub line: usize,
}

fn is_zero(line: &usize) -> bool {
    *line == 0
}

impl RuleMeta {
    /// Whether custody makes this check in Rust rather than in a Rego policy.
    pub fn is_rust_check(&self) -> bool {
        self.file.is_empty()
    }
}

/// A check custody makes in Rust: (id, severity, title, description, frameworks, remediation).
type RustCheck = (
    &'static str,
    Severity,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);

/// The checks custody makes in Rust. Parsing and schema checks are mechanics, not governance decisions, so
/// they have no Rego body; the exception checks read the configuration, which policies never see.
pub const RUST_CHECKS: &[RustCheck] = &[
    (
        "CUS-P001",
        Severity::Error,
        "File cannot be parsed",
        "The file is not valid YAML or JSON (a `.json` file is strict JSON: no trailing commas, comments, \
         single quotes, unquoted keys or NaN), is not UTF-8, holds duplicate keys or unsupported tags, exceeds a \
         resource budget (size, depth, aliases, nodes), or names a referenced file that is missing or escapes \
         the bundle directory. Nothing in it could be evaluated, so the run fails closed.",
        &["NIST-800-53:AU-9", "NIST-CSF-2.0:GV.PO-01"],
        "Fix the syntax at the line and column shown (a YAML or JSON linter helps; or rename a `.json` file \
         that is really YAML to `.yaml`), save the file as UTF-8, remove the duplicate key or the tag; when the message names a budget (limits.maxFileSize, limits.maxDepth, …), \
         split the input or, for input you trust, raise that budget under limits: in .custody.yaml.",
    ),
    (
        "CUS-P002",
        Severity::Error,
        "Document does not match its schema",
        "A custody document has a field of the wrong type, an unknown field (often a typo such as `aproval`), \
         a value outside its allowed set, an invalid ticket regex or host/command glob, an integer beyond \
         ±(2^53−1), a float inside an evidence event, or an unsupported apiVersion. A misspelt governance field \
         would otherwise be silently ignored.",
        &["NIST-CSF-2.0:GV.PO-01", "NIST-800-53:CM-3"],
        "Correct the field named in the message; `custody schema workflow` (or `bundle`) prints the JSON \
         Schema, and the `# yaml-language-server: $schema=...` line makes editors flag such errors as you type.",
    ),
    (
        "CUS-P004",
        Severity::Error,
        "Duplicate session id",
        "Two session bundles of one check run carry the same session.id. Their hash chains start from the same \
         genesis (the SHA-256 of the session id), so events can be moved from one bundle to the other without \
         breaking either chain, and an exception scoped to the session would waive findings of both. Reported \
         on every bundle after the first that uses the id; all of them are still evaluated.",
        &["NIST-800-53:AU-9", "NIST-CSF-2.0:PR.DS-01"],
        "Give every session its own id (the id of the system that recorded the session, such as Teleport's \
         sid), then reseal the renamed bundle with `custody seal --reseal`; if the two files are copies of one \
         session, delete the stale copy.",
    ),
    (
        "CUS-C001",
        Severity::Warning,
        "Exception has expired",
        "A waiver in .custody.yaml is past its `expires` date (valid through that day, UTC), so it no longer \
         applies and the findings it waived are reported again.",
        &["NIST-CSF-2.0:GV.PO-01"],
        "Fix the underlying findings and delete the exception, or renew it with a new `expires` date and a \
         reason that records who accepted the risk.",
    ),
    (
        "CUS-C002",
        Severity::Warning,
        "Exception matched nothing",
        "A waiver in .custody.yaml matched no finding in this run. It may be stale (the problem was fixed, or \
         the workflow or session was renamed) and would silently waive a future regression.",
        &["NIST-CSF-2.0:GV.PO-01"],
        "Delete the exception if the finding is gone, or correct its rule, workflow or session.",
    ),
    (
        "CUS-C003",
        Severity::Warning,
        "Exception valid too far ahead",
        "A waiver in .custody.yaml expires more than `params.exceptionMaxAge` (365d unless configured) after \
         the evaluation time. A governed waiver has a horizon: one valid for years is a permanent exception \
         that nobody reviews.",
        &["NIST-CSF-2.0:GV.PO-01", "NIST-800-53:CM-3"],
        "Set `expires` within the horizon and review the exception when it comes due, or fix the findings it \
         waives.",
    ),
];

/// Whether findings of `rule` can be neither turned off, downgraded, nor waived: evaluation is fail-closed.
/// Locked are the input checks (`CUS-P…`: an input custody could not read or that breaks its schema was not
/// evaluated), `CUS-S013` (a broken evidence hash chain), `CUS-S020` (evidence not anchored under an
/// immutable workflow) and `CUS-S022` (evidence not signed by a trusted signer).
pub fn is_locked(rule: &str) -> bool {
    rule.starts_with("CUS-P") || matches!(rule, "CUS-S013" | "CUS-S020" | "CUS-S022")
}

/// Rule metadata by id: the checks made in Rust, then the rules of each loaded policy file, in load order
/// (the first rule to claim an id describes it).
#[derive(Clone, Debug, PartialEq)]
pub struct Catalogue {
    rules: Vec<RuleMeta>,
}

impl Default for Catalogue {
    fn default() -> Catalogue {
        Catalogue::new()
    }
}

impl Catalogue {
    /// The checks custody makes in Rust ([`RUST_CHECKS`]), with no policy rule yet.
    pub fn new() -> Catalogue {
        let rules = RUST_CHECKS
            .iter()
            .map(
                |&(id, severity, title, description, frameworks, remediation)| RuleMeta {
                    id: id.to_owned(),
                    title: title.to_owned(),
                    description: description.to_owned(),
                    severity,
                    frameworks: frameworks.iter().map(|f| (*f).to_owned()).collect(),
                    remediation: remediation.to_owned(),
                    package: "custody".to_owned(),
                    file: String::new(),
                    line: 0,
                },
            )
            .collect();
        Catalogue { rules }
    }

    /// Add the rules of one more policy file.
    pub fn extend(&mut self, rules: impl IntoIterator<Item = RuleMeta>) {
        self.rules.extend(rules);
    }

    /// The metadata of rule `id`.
    pub fn get(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every rule, in catalogue order.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// Every rule id, in catalogue order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_checks_are_catalogued_once_and_complete() {
        let catalogue = Catalogue::new();
        let ids: Vec<&str> = catalogue.ids().collect();
        assert_eq!(
            ids,
            ["CUS-P001", "CUS-P002", "CUS-P004", "CUS-C001", "CUS-C002", "CUS-C003"]
        );
        for rule in catalogue.rules() {
            assert!(rule.is_rust_check(), "{}", rule.id);
            assert!(!rule.title.is_empty() && !rule.description.is_empty());
            assert!(!rule.remediation.is_empty() && !rule.frameworks.is_empty());
        }
    }

    #[test]
    fn locked_rules() {
        assert!(is_locked("CUS-P001") && is_locked("CUS-P003") && is_locked("CUS-S013"));
        assert!(is_locked("CUS-S020") && is_locked("CUS-S022"));
        assert!(!is_locked("CUS-W001") && !is_locked("CUS-S014") && !is_locked("CUS-C001"));
    }
}
