//! Human output: one miette diagnostic per finding (source snippet, label, help with the fix), then a summary.
//!
//! Everything shown that came from input — messages, file names, paths, source text — goes through
//! [`crate::sanitize`], whatever the colour setting, so a crafted key or file name cannot move the cursor,
//! clear the screen or reorder what the reader sees. A finding on a very long line (minified JSON, say) is
//! shown with a window of that line around the finding instead of the whole line.
//!
//! Each finding's snippet is cut from its file through a per-file line index ([`LineIndex`]): only the lines
//! around the finding are masked and handed to miette, so rendering costs the same per finding however large
//! the file and however many findings it holds.

use std::fmt;

use std::collections::HashMap;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{summary_line, Context, Reporter};
use crate::findings::{Finding, Severity};
use crate::pipeline::run::Report;
use crate::sanitize::{escape, escape_line, mask_in_place};

/// A line longer than this (in bytes) is not shown as a snippet: an excerpt around the finding is.
const MAX_SNIPPET_LINE: usize = 1024;

/// How much of a long line the excerpt shows on each side of the finding (in bytes, rounded to characters).
const EXCERPT_CONTEXT: usize = 80;

/// How many lines a snippet's window holds before and after the finding's lines: more than the one line
/// of context miette shows on each side.
const WINDOW_LINES: usize = 3;

pub struct Human;

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    title: String,
    help: Option<String>,
    source: Option<SourceWindow>,
    /// For a finding on a very long line: the part of the line around it.
    excerpt: Option<String>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let finding = self.finding;
        write!(
            f,
            "{} {}: {}",
            escape_line(&finding.rule),
            escape_line(&self.title),
            escape_line(&finding.message)
        )?;
        if self.source.is_none() {
            write!(f, "\n  at {}", escape_line(&finding.file))?;
            if let (Some(line), Some(col)) = (finding.line, finding.column) {
                write!(f, ":{line}:{col}")?;
            }
        }
        if let Some(excerpt) = &self.excerpt {
            write!(f, "\n  near: {excerpt}")?;
        }
        if let Some(w) = &finding.waived {
            write!(
                f,
                "\n  waived until {}: {}",
                escape_line(&w.expires),
                escape_line(&w.reason)
            )?;
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
            .as_deref()
            .map_or_else(|| "here".to_owned(), |p| escape_line(p).into_owned());
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
        // Wrapped at spaces only, never inside a word: a timestamp, a command or a path stays whole (one longer
        // than the line overflows it rather than being cut).
        let handler = GraphicalReportHandler::new_themed(theme).with_links(false);
        let handler = match ctx.width {
            Some(width) => handler
                .with_width(width)
                .with_break_words(false)
                .with_word_separator(textwrap::WordSeparator::AsciiSpace)
                .with_word_splitter(textwrap::WordSplitter::NoHyphenation),
            None => handler.with_wrap_lines(false),
        };
        let mut out = String::new();
        let mut indexes: HashMap<&str, LineIndex> = HashMap::new();
        for finding in &report.findings {
            let meta = ctx.catalogue.get(&finding.rule);
            let (source, excerpt) = match (finding.span, report.sources.get(&finding.file)) {
                (Some(span), Some(text)) => {
                    let index = indexes
                        .entry(finding.file.as_str())
                        .or_insert_with(|| LineIndex::new(text));
                    match long_line_excerpt(text, index, span) {
                        Some(excerpt) => (None, Some(excerpt)),
                        None => (
                            Some(SourceWindow::new(&finding.file, text, index, span)),
                            None,
                        ),
                    }
                }
                _ => (None, None),
            };
            let diag = FindingDiagnostic {
                finding,
                title: meta
                    .map(|m| m.title.clone())
                    .unwrap_or_else(|| "policy finding".to_owned()),
                help: meta
                    .map(|m| escape(&m.remediation).into_owned())
                    .filter(|h| !h.is_empty()),
                source,
                excerpt,
            };
            if handler.render_report(&mut out, &diag).is_err() {
                out.push_str(&format!(
                    "{}: {}\n",
                    escape_line(&finding.rule),
                    escape_line(&finding.message)
                ));
            }
            out.push('\n');
        }
        // Tool errors go to standard error, in every format (the binary writes them).
        out.push_str(&summary_line(report, ctx.strict));
        out.push('\n');
        out
    }
}

/// Where each line of a text starts, to find the lines around a byte offset without scanning the text.
struct LineIndex {
    /// The byte offset of each line's first byte; the first is 0.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 0-based number of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Where line `line` starts, and where it ends (before its newline, if any).
    fn bounds(&self, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        (start, end)
    }
}

/// The lines of a file around one finding, as miette reads them: offsets and line numbers are the file's,
/// the text is only the window's, with unsafe characters masked in place (the same byte length, so the
/// finding's span still points at its node).
struct SourceWindow {
    name: String,
    text: String,
    /// The byte offset in the file of the window's first byte.
    start: usize,
    /// The 0-based number in the file of the window's first line.
    first_line: usize,
}

impl SourceWindow {
    fn new(
        file: &str,
        text: &str,
        index: &LineIndex,
        (offset, len): (usize, usize),
    ) -> SourceWindow {
        let offset = offset.min(text.len());
        let first = index.line_of(offset).saturating_sub(WINDOW_LINES);
        let last = (index.line_of((offset + len).min(text.len())) + WINDOW_LINES)
            .min(index.starts.len() - 1);
        let (start, _) = index.bounds(first);
        let (_, end) = index.bounds(last);
        SourceWindow {
            name: escape_line(file).into_owned(),
            text: mask_in_place(&text[start..end]).into_owned(),
            start,
            first_line: first,
        }
    }
}

impl SourceCode for SourceWindow {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = span
            .offset()
            .checked_sub(self.start)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(offset.into(), span.len());
        let inner =
            self.text
                .as_str()
                .read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + self.start).into(),
                inner.span().len(),
            ),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// When the line holding `span` is longer than [`MAX_SNIPPET_LINE`]: that line's text around the span,
/// escaped, with `…` where it was cut.
fn long_line_excerpt(
    text: &str,
    index: &LineIndex,
    (offset, len): (usize, usize),
) -> Option<String> {
    let offset = offset.min(text.len());
    let (line_start, line_end) = index.bounds(index.line_of(offset));
    if line_end - line_start <= MAX_SNIPPET_LINE {
        return None;
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let from = floor(offset.saturating_sub(EXCERPT_CONTEXT).max(line_start));
    let to = floor((offset + len.min(EXCERPT_CONTEXT) + EXCERPT_CONTEXT).min(line_end));
    let mut excerpt = String::new();
    if from > line_start {
        excerpt.push('…');
    }
    excerpt.push_str(&escape(&text[from..to]));
    if to < line_end {
        excerpt.push('…');
    }
    Some(excerpt)
}
