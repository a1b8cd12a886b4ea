//! What evaluating a document gives: the entry points' values decoded into raw findings, and the failures
//! of rules that could not be evaluated.

use regorus::Value;

use super::compile::{Entry, EntryKind};
use crate::findings::Severity;
use crate::source::Step;

/// A finding as a policy produced it, before positions and configuration are applied.
#[derive(Clone, Debug, PartialEq)]
pub struct RawFinding {
    pub id: String,
    pub message: String,
    pub severity: Severity,
    pub path: Option<Vec<Step>>,
    pub details: Option<serde_json::Value>,
}

/// A rule that could not be evaluated on a document: the tool did not do its job for it (exit 2).
#[derive(Clone, Debug, PartialEq)]
pub struct EvalFailure {
    pub rule: String,
    pub message: String,
}

/// Why an evaluation (a VM run or an interpreter query) gave no value.
#[derive(Debug, PartialEq)]
pub enum EvalError {
    /// It ran past the document's time limit: the document's evaluation ends there.
    TimedOut,
    /// Anything else.
    Failed(String),
}

/// Add one entry point's value (a set of findings) to the findings, or record why it is not one.
pub(super) fn collect(
    entry: &Entry,
    value: &Value,
    findings: &mut Vec<RawFinding>,
    failures: &mut Vec<EvalFailure>,
) {
    let EntryKind::Set(severity) = entry.kind;
    if *value == Value::Undefined {
        return;
    }
    match value.as_set() {
        Ok(set) => {
            for item in set.iter() {
                match raw_finding(entry, severity, item) {
                    Ok(f) => findings.push(f),
                    Err(message) => failures.push(EvalFailure {
                        rule: entry.query.clone(),
                        message,
                    }),
                }
            }
        }
        Err(_) => failures.push(EvalFailure {
            rule: entry.query.clone(),
            message: format!(
                "`{}` must be a set of findings (`{} contains f if {{ … }}`), got {value}",
                entry.rule, entry.rule
            ),
        }),
    }
}

/// Turn one element of a `deny`/`warn`/`violation` set into a raw finding.
pub(super) fn raw_finding(
    entry: &Entry,
    severity: Severity,
    item: &Value,
) -> Result<RawFinding, String> {
    if let Ok(text) = item.as_string() {
        return Ok(RawFinding {
            id: format!("{}.{}", entry.package, entry.rule),
            message: text.to_string(),
            severity,
            path: None,
            details: None,
        });
    }
    let obj = item.as_object().map_err(|_| {
        format!("a finding must be a string or an object {{id, msg, path}}, got {item}")
    })?;
    let field = |name: &str| obj.get(&Value::from(name));
    let id = match field("id") {
        Some(v) => v
            .as_string()
            .map_err(|_| format!("finding `id` must be a string, got {v}"))?
            .to_string(),
        None => format!("{}.{}", entry.package, entry.rule),
    };
    let message = match field("msg").or_else(|| field("message")) {
        Some(v) => v
            .as_string()
            .map_err(|_| format!("finding `msg` must be a string, got {v}"))?
            .to_string(),
        None => return Err(format!("finding {item} has no `msg`")),
    };
    let path = match field("path") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let arr = v.as_array().map_err(|_| {
                format!("finding `path` must be an array of keys and indices, got {v}")
            })?;
            let mut steps = Vec::with_capacity(arr.len());
            for step in arr.iter() {
                if let Ok(s) = step.as_string() {
                    steps.push(Step::Key(s.to_string()));
                } else if let Ok(i) = step.as_u64() {
                    steps.push(Step::Index(usize::try_from(i).map_err(|e| e.to_string())?));
                } else {
                    return Err(format!(
                        "finding `path` element {step} is neither a key nor an index"
                    ));
                }
            }
            Some(steps)
        }
    };
    let details = match field("details") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::to_value(v)
                .map_err(|e| format!("finding `details` cannot be rendered: {e}"))?,
        ),
    };
    Ok(RawFinding {
        id,
        message,
        severity,
        path,
        details,
    })
}
