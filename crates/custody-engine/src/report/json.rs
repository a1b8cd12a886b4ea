//! `--format json` (docs/json-output.md).

use serde::Serialize;
use serde_json::json;

use super::{Context, Reporter};
use crate::findings::Finding;
use crate::pipeline::run::Report;

pub struct Json;

/// The report document, serialised straight from the report's findings (never copied into JSON values
/// first: a run with a million findings holds them once, and its text).
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    summary: Summary<'a>,
    findings: &'a [Finding],
    #[serde(rename = "toolErrors", skip_serializing_if = "Option::is_none")]
    tool_errors: Option<Vec<serde_json::Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    files: usize,
    documents: usize,
    errors: usize,
    warnings: usize,
    waived: usize,
    rules_off: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_errors: Option<usize>,
}

impl Reporter for Json {
    fn render(&self, report: &Report, _ctx: &Context<'_>) -> String {
        let tool_errors = (report.tool_error_count() > 0).then(|| {
            let run = report.tool_errors.iter().map(
                |e| json!({"message": e.message, "file": null, "line": null, "document": null}),
            );
            let documents = report.not_evaluated.iter().map(|n| {
                json!({"message": n.message, "file": n.file, "line": n.line, "document": n.document})
            });
            run.chain(documents).collect::<Vec<_>>()
        });
        let doc = Document {
            version: 1,
            summary: Summary {
                files: report.files,
                documents: report.documents,
                errors: report.errors(),
                warnings: report.warnings(),
                waived: report.waived(),
                rules_off: &report.rules_off,
                tool_errors: tool_errors.as_ref().map(|_| report.tool_error_count()),
            },
            findings: &report.findings,
            tool_errors,
        };
        let mut out = crate::sanitize::to_json_pretty(&doc)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        out.push('\n');
        out
    }
}
