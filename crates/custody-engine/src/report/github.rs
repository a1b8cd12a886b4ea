//! `--format github`: GitHub Actions workflow commands, one per finding, then a plain summary (GitHub shows
//! only the first annotations of a step, so the summary and the log carry the rest).

use super::{summary_line, Context, Reporter};
use crate::findings::Severity;
use crate::pipeline::run::Report;

pub struct Github;

/// Escape workflow-command data (`%`, CR, LF), with every other control or bidirectional character written
/// as a visible escape ([`crate::sanitize::escape`]).
pub fn escape_data(text: &str) -> String {
    crate::sanitize::escape(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property value (data escapes plus `:` and `,`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for Github {
    fn render(&self, report: &Report, ctx: &Context<'_>) -> String {
        let mut out = String::new();
        for f in &report.findings {
            let command = match (f.severity, &f.waived) {
                (_, Some(_)) => "notice",
                (Severity::Error, None) => "error",
                (Severity::Warning, None) => "warning",
            };
            let title = ctx
                .catalogue
                .get(&f.rule)
                .map_or_else(|| f.rule.clone(), |m| format!("{} {}", f.rule, m.title));
            let mut props = format!("file={}", escape_property(&f.file));
            if let Some(l) = f.line {
                props.push_str(&format!(",line={l}"));
            }
            if let Some(c) = f.column {
                props.push_str(&format!(",col={c}"));
            }
            props.push_str(&format!(",title={}", escape_property(&title)));
            let mut message = f.message.clone();
            if let Some(w) = &f.waived {
                message.push_str(&format!(" (waived until {}: {})", w.expires, w.reason));
            }
            out.push_str(&format!("::{command} {props}::{}\n", escape_data(&message)));
        }
        for e in &report.tool_errors {
            out.push_str(&format!(
                "::error title=custody could not evaluate an input::{}\n",
                escape_data(&e.message)
            ));
        }
        for n in &report.not_evaluated {
            let mut props = format!("file={}", escape_property(&n.file));
            if let Some(l) = n.line {
                props.push_str(&format!(",line={l}"));
            }
            out.push_str(&format!(
                "::error {props},title=custody could not evaluate this document::{}\n",
                escape_data(&n.message)
            ));
        }
        out.push_str(&summary_line(report, ctx.strict));
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_github() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
