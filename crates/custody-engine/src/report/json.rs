//! `--format json` (docs/json-output.md).

use serde_json::json;

use super::{Context, Reporter};
use crate::pipeline::run::Report;

pub struct Json;

impl Reporter for Json {
    fn render(&self, report: &Report, _ctx: &Context<'_>) -> String {
        let summary = json!({
            "files": report.files,
            "documents": report.documents,
            "errors": report.errors(),
            "warnings": report.warnings(),
            "waived": report.waived(),
            "rulesOff": report.rules_off,
        });
        let mut doc = json!({
            "version": 1,
            "summary": summary,
            "findings": report.findings,
        });
        if report.tool_error_count() > 0 {
            doc["summary"]["toolErrors"] = json!(report.tool_error_count());
            let run = report.tool_errors.iter().map(
                |e| json!({"message": e.message, "file": null, "line": null, "document": null}),
            );
            let documents = report.not_evaluated.iter().map(|n| {
                json!({"message": n.message, "file": n.file, "line": n.line, "document": n.document})
            });
            doc["toolErrors"] = json!(run.chain(documents).collect::<Vec<_>>());
        }
        let mut out = crate::sanitize::to_json_pretty(&doc)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        out.push('\n');
        out
    }
}
