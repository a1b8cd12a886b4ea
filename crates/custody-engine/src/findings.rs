//! The finding type, severities, and the ordering every report uses.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

/// How serious a finding is. `Error` fails a run; `Warning` fails it only under `--strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A governed waiver that matched a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub reason: String,
    pub expires: String,
}

/// One finding about the user's input. A finding is data, not an error: the tool did its job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The file that holds the offending node, as given or found by walking; `-` for stdin.
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Dotted path of the offending field (`spec.operators[0].team`), when the finding is about a field.
    pub path: Option<String>,
    pub workflow: Option<String>,
    pub session: Option<String>,
    pub frameworks: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<Waiver>,
    /// Byte span of the offending node in `file`, for source snippets (not serialised).
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
    /// The document's name in reports that list documents (JUnit), when its id does not tell it apart: a
    /// bundle repeating an earlier bundle's session id (not serialised).
    #[serde(skip)]
    pub document: Option<String>,
}

impl Finding {
    /// A finding with only a rule, a severity, a message and a file; the rest is filled in by the caller.
    pub fn new(rule: &str, severity: Severity, message: impl Into<String>, file: &str) -> Self {
        Finding {
            rule: rule.to_owned(),
            severity,
            message: message.into(),
            file: file.to_owned(),
            line: None,
            column: None,
            path: None,
            workflow: None,
            session: None,
            frameworks: Vec::new(),
            details: None,
            waived: None,
            span: None,
            document: None,
        }
    }

    pub fn at(mut self, pos: crate::source::Pos) -> Self {
        self.line = Some(pos.line);
        self.column = Some(pos.column);
        self.span = pos.offset.map(|o| (o as usize, pos.len as usize));
        self
    }

    /// Whether this finding fails the run.
    pub fn fails(&self, strict: bool) -> bool {
        self.waived.is_none() && (self.severity == Severity::Error || strict)
    }
}

/// The order of every report (docs/json-output.md): by file, then line (findings without a line last in their file), then rule; then column,
/// path and message so that the order is total and output deterministic.
pub fn compare(a: &Finding, b: &Finding) -> Ordering {
    a.file
        .cmp(&b.file)
        .then_with(|| match (a.line, b.line) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.column.cmp(&b.column))
        .then_with(|| a.path.cmp(&b.path))
        .then_with(|| a.message.cmp(&b.message))
}

pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(compare);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_puts_lineless_findings_last_in_their_file() {
        let mut a = Finding::new("CUS-W002", Severity::Error, "a", "a.yaml");
        a.line = Some(9);
        let mut b = Finding::new("CUS-W001", Severity::Error, "b", "a.yaml");
        b.line = None;
        let mut c = Finding::new("CUS-W003", Severity::Error, "c", "a.yaml");
        c.line = Some(2);
        let d = Finding::new("CUS-P001", Severity::Error, "d", "0.yaml");
        let mut all = vec![a, b, c, d];
        sort(&mut all);
        let order: Vec<_> = all.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(order, ["CUS-P001", "CUS-W003", "CUS-W002", "CUS-W001"]);
    }
}
