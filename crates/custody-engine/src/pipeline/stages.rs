//! The stages `validate` and `check` share: reading workflow manifests into the report, schema-checking
//! their workflows, building a policy input, and evaluating one document into located findings.

use std::path::PathBuf;

use regorus::Value as RegoValue;

use crate::discover::ToolError;
use crate::document::DocumentKind;
use crate::engine::{Policies, Worker};
use crate::findings::Finding;
use crate::load::workflows::{self, LoadedFile, Workflow};
use crate::source::Node;

use super::run::{self, Report, RunOptions, Subject};

/// Read the manifests under `paths` (with the run's excludes and budgets); files without a custody document
/// and paths that cannot be read are counted in `report`.
pub fn read_manifests(
    paths: &[PathBuf],
    opts: &RunOptions,
    report: &mut Report,
) -> Vec<LoadedFile> {
    let read = workflows::read_files(paths, &opts.exclude, &opts.budgets);
    report.tool_errors.extend(read.errors);
    report.files += read.not_custody;
    report.skipped_files += read.not_custody;
    read.files
}

/// Schema-check the workflows of `files`, in file order, recording each file (its text for snippets, its
/// parse and schema problems) in `report`.
pub fn schema_check<'a>(
    files: &'a [LoadedFile],
    report: &mut Report,
    policies: &Policies,
) -> Vec<Workflow<'a>> {
    let workflows = workflows::workflows(files);
    let mut of_file = workflows.iter().peekable();
    for file in files {
        report.files += 1;
        if let Some(text) = &file.text {
            report.sources.insert(file.display.clone(), text.clone());
        }
        for p in &file.problems {
            report
                .findings
                .push(run::with_frameworks(p.clone(), policies.catalogue()));
        }
        if file.documents.is_empty() && file.problems.is_empty() {
            report.skipped_files += 1;
        }
        while let Some(w) = of_file.next_if(|w| std::ptr::eq(w.file, file)) {
            for p in &w.problems {
                report
                    .findings
                    .push(run::with_frameworks(p.clone(), policies.catalogue()));
            }
        }
    }
    workflows
}

/// A policy input: the document plus `input.custody`.
pub fn policy_input(doc: &Node, custody: RegoValue) -> RegoValue {
    let mut input = doc.to_rego();
    if let Ok(obj) = input.as_object_mut() {
        obj.insert(RegoValue::from("custody"), custody);
    }
    input
}

/// The policy input as JSON when `--dump-inputs` asked for it.
fn dump(opts: &RunOptions, input: &RegoValue) -> Option<String> {
    if !opts.dump_inputs {
        return None;
    }
    Some(serde_json::to_string(input).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("the input cannot be rendered as JSON: {e}") })
            .to_string()
    }))
}

/// What evaluating one document gave.
#[derive(Default)]
pub struct Evaluated {
    pub findings: Vec<Finding>,
    /// Policies that could not be evaluated on it (exit 2).
    pub errors: Vec<ToolError>,
    /// The policy input as JSON, for `--dump-inputs`.
    pub input: Option<String>,
}

/// Evaluate the policies of `kind` on `input` and locate the findings in `subject`; `name` names the
/// document in tool errors.
pub fn evaluate(
    engine: &mut Worker,
    policies: &Policies,
    kind: DocumentKind,
    input: RegoValue,
    subject: &Subject<'_>,
    name: &str,
    opts: &RunOptions,
) -> Evaluated {
    let dumped = dump(opts, &input);
    let (raw, failures) = policies.evaluate(engine, input, kind);
    Evaluated {
        findings: raw
            .into_iter()
            .map(|r| run::locate(r, subject, policies.catalogue()))
            .collect(),
        errors: run::policy_failures(name, failures),
        input: dumped,
    }
}
