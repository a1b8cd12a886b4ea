//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it — one `rules[]` entry per rule id that
//! fired, relative locations, stable `partialFingerprints`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Context, Reporter};
use crate::findings::{Finding, Severity};
use crate::pipeline::run::Report;

pub struct Sarif;

pub const INFORMATION_URI: &str = "https://github.com/custody-dev/custody";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A fingerprint that survives unrelated edits (no line numbers): rule, file, path, document ids.
fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        f.rule,
        f.file,
        f.path.as_deref().unwrap_or(""),
        f.workflow.as_deref().unwrap_or(""),
        f.session.as_deref().unwrap_or(""),
        if f.path.is_none() {
            f.message.as_str()
        } else {
            ""
        }
    );
    crate::evidence::sha256_hex(key.as_bytes())
}

/// A relative file path as a URI reference: `/` separators, everything but unreserved characters and `/`
/// percent-encoded (a space or `#` in a file name must not change what the URI names).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One notification per tool error; a document not evaluated carries its location.
fn notifications(report: &Report) -> Vec<Value> {
    let run = report.tool_errors.iter().map(|e| {
        json!({
            "level": "error",
            "message": {"text": e.message},
        })
    });
    let documents = report.not_evaluated.iter().map(|n| {
        let mut region = serde_json::Map::new();
        region.insert("startLine".into(), json!(n.line.unwrap_or(1)));
        json!({
            "level": "error",
            "message": {"text": n.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri(&n.file)},
                "region": region,
            }}],
            "properties": {"document": n.document},
        })
    });
    run.chain(documents).collect()
}

impl Reporter for Sarif {
    fn render(&self, report: &Report, ctx: &Context<'_>) -> String {
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &report.findings {
            let next = index.len();
            index.entry(f.rule.as_str()).or_insert(next);
        }
        let mut ordered: Vec<(&str, usize)> = index.iter().map(|(k, v)| (*k, *v)).collect();
        ordered.sort_by_key(|(_, i)| *i);
        let rules: Vec<Value> = ordered
            .iter()
            .map(|(id, _)| {
                let meta = ctx.catalogue.get(id);
                let severity = report
                    .findings
                    .iter()
                    .find(|f| f.rule == *id)
                    .map(|f| f.severity)
                    .unwrap_or(Severity::Error);
                let title = meta.map_or_else(|| (*id).to_owned(), |m| m.title.clone());
                let description = meta.map_or_else(|| title.clone(), |m| if m.description.is_empty() { m.title.clone() } else { m.description.clone() });
                let remediation = meta.map_or_else(String::new, |m| m.remediation.clone());
                let frameworks = meta.map_or_else(Vec::new, |m| m.frameworks.clone());
                json!({
                    "id": id,
                    "name": id.replace(['-', '.'], "_"),
                    "shortDescription": {"text": title},
                    "fullDescription": {"text": description},
                    "help": {"text": remediation, "markdown": format!("**How to fix:** {remediation}\n\n`custody explain {id}`")},
                    "helpUri": format!("{INFORMATION_URI}#rules"),
                    "defaultConfiguration": {"level": level(severity)},
                    "properties": {"tags": frameworks},
                })
            })
            .collect();
        let results: Vec<Value> = report
            .findings
            .iter()
            .map(|f| {
                let mut region = serde_json::Map::new();
                region.insert("startLine".into(), json!(f.line.unwrap_or(1)));
                if let Some(c) = f.column {
                    region.insert("startColumn".into(), json!(c));
                }
                let mut result = json!({
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule.as_str()],
                    "level": level(f.severity),
                    "message": {"text": f.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.file)},
                        "region": region,
                    }}],
                    "partialFingerprints": {"custodyFinding/v1": fingerprint(f)},
                    "properties": {"path": f.path, "workflow": f.workflow, "session": f.session, "frameworks": f.frameworks},
                });
                if let Some(w) = &f.waived {
                    result["suppressions"] = json!([{"kind": "external", "justification": format!("{} (expires {})", w.reason, w.expires)}]);
                }
                result
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "custody",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "invocations": [{
                    "executionSuccessful": report.tool_error_count() == 0 && !report.nothing_to_evaluate(),
                    "toolExecutionNotifications": notifications(report),
                }],
                "results": results,
            }],
        });
        let mut out = crate::sanitize::to_json_pretty(&doc).unwrap_or_default();
        out.push('\n');
        out
    }
}
