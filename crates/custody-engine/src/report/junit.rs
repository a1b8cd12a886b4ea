//! `--format junit`: one `<testsuite>` per input file, one `<testcase>` per (document, rule) with a stable
//! name, `<failure>` for failing findings, warnings as `<skipped>` unless `--strict`, an `<error>` testcase for
//! a document that could not be evaluated, and one passing testcase per document without findings so
//! dashboards count passes.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Context, Reporter};
use crate::findings::Finding;
use crate::pipeline::run::{NotEvaluated, Report};

pub struct Junit;

/// Escape text for XML content and attributes; drop characters XML 1.0 cannot carry.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            // DEL, C1 controls and bidirectional controls: kept, as character references, so a log viewer
            // shows them instead of obeying them.
            c if crate::sanitize::is_unsafe(c) => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn document_of(f: &Finding) -> String {
    f.document
        .clone()
        .or_else(|| f.session.clone())
        .or_else(|| f.workflow.clone())
        .unwrap_or_else(|| "file".to_owned())
}

impl Reporter for Junit {
    fn render(&self, report: &Report, ctx: &Context<'_>) -> String {
        // file -> (document -> findings and errors); documents without findings come from the evaluated list.
        type Document<'r> = (Vec<&'r Finding>, Vec<&'r NotEvaluated>);
        let mut files: BTreeMap<String, BTreeMap<String, Document<'_>>> = BTreeMap::new();
        for (file, doc) in &report.evaluated {
            files
                .entry(file.clone())
                .or_default()
                .entry(doc.clone())
                .or_default();
        }
        for f in &report.findings {
            files
                .entry(f.file.clone())
                .or_default()
                .entry(document_of(f))
                .or_default()
                .0
                .push(f);
        }
        for n in &report.not_evaluated {
            files
                .entry(n.file.clone())
                .or_default()
                .entry(n.document.clone())
                .or_default()
                .1
                .push(n);
        }
        let mut body = String::new();
        let (mut all_tests, mut all_failures, mut all_errors, mut all_skipped) = (0, 0, 0, 0);
        for (file, docs) in &files {
            let mut cases = String::new();
            let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
            for (doc, (findings, not_evaluated)) in docs {
                if !not_evaluated.is_empty() {
                    tests += 1;
                    errors += 1;
                    let text: Vec<&str> =
                        not_evaluated.iter().map(|n| n.message.as_str()).collect();
                    let _ = writeln!(
                        cases,
                        "    <testcase classname=\"{}\" name=\"{}\">\n      <error type=\"custody\" message=\"not evaluated\">{}</error>\n    </testcase>",
                        xml_escape(file),
                        xml_escape(doc),
                        xml_escape(&text.join("\n"))
                    );
                }
                if findings.is_empty() {
                    if !not_evaluated.is_empty() {
                        continue;
                    }
                    tests += 1;
                    let _ = writeln!(
                        cases,
                        "    <testcase classname=\"{}\" name=\"{}\"/>",
                        xml_escape(file),
                        xml_escape(doc)
                    );
                    continue;
                }
                let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
                for f in findings {
                    by_rule.entry(f.rule.as_str()).or_default().push(f);
                }
                for (rule, fs) in by_rule {
                    tests += 1;
                    let name = format!("{doc} {rule}");
                    let title = ctx
                        .catalogue
                        .get(rule)
                        .map_or_else(|| rule.to_owned(), |m| m.title.clone());
                    let text: Vec<String> = fs
                        .iter()
                        .map(|f| {
                            format!(
                                "{}:{}:{}: {}",
                                f.file,
                                f.line.unwrap_or(0),
                                f.column.unwrap_or(0),
                                f.message
                            )
                        })
                        .collect();
                    let failing = fs.iter().any(|f| f.fails(ctx.strict));
                    let _ = writeln!(
                        cases,
                        "    <testcase classname=\"{}\" name=\"{}\">",
                        xml_escape(file),
                        xml_escape(&name)
                    );
                    if failing {
                        failures += 1;
                        let _ = writeln!(
                            cases,
                            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                            xml_escape(rule),
                            xml_escape(&title),
                            xml_escape(&text.join("\n"))
                        );
                    } else {
                        skipped += 1;
                        let _ = writeln!(
                            cases,
                            "      <skipped message=\"{}\"/>",
                            xml_escape(&format!("{title}: {}", text.join("; ")))
                        );
                    }
                    let _ = writeln!(cases, "    </testcase>");
                }
            }
            all_tests += tests;
            all_failures += failures;
            all_errors += errors;
            all_skipped += skipped;
            let _ = writeln!(
                body,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n{cases}  </testsuite>",
                xml_escape(file)
            );
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"custody\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{}\" skipped=\"{all_skipped}\">\n{body}</testsuites>\n",
            report.tool_errors.len() + all_errors
        )
    }
}
