//! Human output: one miette diagnostic per finding (source snippet, label, help with the fix), then a summary.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::{summary_line, Context, Reporter};
use crate::findings::{Finding, Severity};
use crate::run::Report;

pub struct Human;

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    title: String,
    help: Option<String>,
    source: Option<NamedSource<crate::source::SharedText>>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let finding = self.finding;
        write!(f, "{} {}: {}", finding.rule, self.title, finding.message)?;
        if self.source.is_none() {
            write!(f, "\n  at {}", finding.file)?;
            if let (Some(line), Some(col)) = (finding.line, finding.column) {
                write!(f, ":{line}:{col}")?;
            }
        }
        if let Some(w) = &finding.waived {
            write!(f, "\n  waived until {}: {}", w.expires, w.reason)?;
        }
        Ok(())
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match (self.finding.severity, &self.finding.waived) {
            (_, Some(_)) => miette::Severity::Advice,
            (Severity::Error, None) => miette::Severity::Error,
            (Severity::Warning, None) => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (offset, len) = self.finding.span?;
        let label = self
            .finding
            .path
            .clone()
            .unwrap_or_else(|| "here".to_owned());
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            offset,
            len,
        ))))
    }
}

impl Reporter for Human {
    fn render(&self, report: &Report, ctx: &Context<'_>) -> String {
        let theme = if ctx.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(ctx.width)
            .with_links(false);
        let mut out = String::new();
        for finding in &report.findings {
            let meta = ctx.policies.rule(&finding.rule);
            let source = match (finding.span, report.sources.get(&finding.file)) {
                (Some(_), Some(text)) => Some(NamedSource::new(&finding.file, text.clone())),
                _ => None,
            };
            let diag = FindingDiagnostic {
                finding,
                title: meta
                    .map(|m| m.title.clone())
                    .unwrap_or_else(|| "policy finding".to_owned()),
                help: meta
                    .map(|m| m.remediation.clone())
                    .filter(|h| !h.is_empty()),
                source,
            };
            if handler.render_report(&mut out, &diag).is_err() {
                out.push_str(&format!("{}: {}\n", finding.rule, finding.message));
            }
            out.push('\n');
        }
        // Tool errors go to standard error, in every format (the binary writes them).
        out.push_str(&summary_line(report, ctx.strict));
        out.push('\n');
        out
    }
}
