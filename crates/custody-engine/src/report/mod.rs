//! Reporters: every output format behind one trait. Findings are collected and sorted before rendering.

mod github;
mod human;
mod json;
mod junit;
mod sarif;

pub use github::{escape_data as escape_workflow_data, Github};
pub use human::Human;
pub use json::Json;
pub use junit::Junit;
pub use sarif::Sarif;

use crate::catalogue::Catalogue;
use crate::pipeline::run::Report;

/// What a reporter needs besides the report.
pub struct Context<'a> {
    /// The rules' metadata (titles, frameworks, remediation).
    pub catalogue: &'a Catalogue,
    pub strict: bool,
    pub color: bool,
    /// The terminal's width, to wrap human output to; `None` (output to a file or a pipe): no wrapping.
    pub width: Option<usize>,
}

/// An output format.
pub trait Reporter {
    /// Render the whole report.
    fn render(&self, report: &Report, ctx: &Context<'_>) -> String;
}

/// The reporter for a `--format` name.
pub fn for_format(name: &str) -> Option<Box<dyn Reporter>> {
    match name {
        "human" => Some(Box::new(Human)),
        "json" => Some(Box::new(Json)),
        "sarif" => Some(Box::new(Sarif)),
        "junit" => Some(Box::new(Junit)),
        "github" => Some(Box::new(Github)),
        _ => None,
    }
}

/// The one-line summary shown after every run.
pub fn summary_line(report: &Report, strict: bool) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {}: {}, {}",
        plural(report.files, "file"),
        plural(report.documents, report.noun),
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning"),
    );
    if report.waived() > 0 {
        line.push_str(&format!(", {} waived", report.waived()));
    }
    if !report.rules_off.is_empty() {
        line.push_str(&format!("; rules off: {}", report.rules_off.join(", ")));
    }
    if report.tool_error_count() > 0 {
        line.push_str(&format!(
            "; {} not evaluated",
            plural(report.tool_error_count(), "input")
        ));
    }
    let verdict = match report.exit_code(strict) {
        0 => "passed",
        1 => "failed",
        _ => "incomplete",
    };
    format!("custody: {verdict}: {line}")
}
