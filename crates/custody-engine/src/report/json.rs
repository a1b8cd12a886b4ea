//! `--format json` (docs/json-output.md).

use serde_json::json;

use super::{Context, Reporter};
use crate::pipeline::run::Report;

pub struct Json;

impl Reporter for Json {
    fn render(&self, report: &Report, _ctx: &Context<'_>) -> String {
        let mut summary = json!({
            "files": report.files,
            "documents": report.documents,
            "errors": report.errors(),
            "warnings": report.warnings(),
            "waived": report.waived(),
            "rulesOff": report.rules_off,
        });
        if !report.tool_errors.is_empty() {
            summary["toolErrors"] = json!(report
                .tool_errors
                .iter()
                .map(|e| &e.message)
                .collect::<Vec<_>>());
        }
        let doc = json!({
            "version": 1,
            "summary": summary,
            "findings": report.findings,
        });
        let mut out = crate::sanitize::to_json_pretty(&doc)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        out.push('\n');
        out
    }
}
