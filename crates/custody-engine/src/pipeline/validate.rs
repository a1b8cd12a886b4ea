//! `custody validate`: workflow manifests read, schema-checked and evaluated against the workflow policies.

use crate::document::DocumentKind;
use crate::engine::Policies;

use super::run::{self, Report, RunOptions};
use super::stages;

/// Run `custody validate`.
pub fn validate(opts: &RunOptions, policies: &Policies) -> Report {
    run::in_pool(opts.jobs, "workflow", |report| {
        // What the VM needs whatever the number of documents (the embedded program) is read first, while
        // the schema compiles on its own thread, instead of after the schema check has waited for it.
        let choice = crate::engine::EngineChoice::from_env();
        policies.prepare_vm(DocumentKind::Workflow, Some(0), choice);
        let files = stages::read_manifests(&opts.paths, opts, report);
        let workflows = stages::schema_check(&files, report, policies);
        report.documents = workflows.len();
        report.evaluated = workflows
            .iter()
            .map(|w| {
                (
                    w.file.display.clone(),
                    w.id.clone()
                        .unwrap_or_else(|| format!("document {}", w.doc.index + 1)),
                )
            })
            .collect();
        let known = match opts.ids_from.is_empty() {
            true => Vec::new(),
            false => {
                let (known, errors) = crate::load::workflows::declared_ids(
                    &opts.ids_from,
                    &files,
                    &opts.exclude,
                    &opts.budgets,
                );
                report.tool_errors.extend(errors);
                known
            }
        };
        let duplicate_of = stages::duplicates(&known, &workflows);
        policies.prepare_vm(DocumentKind::Workflow, Some(workflows.len()), choice);
        let results =
            stages::evaluate_workflows(&workflows, &duplicate_of, |_| true, policies, opts);
        for result in results {
            report.findings.extend(result.findings);
            report.not_evaluated.extend(result.not_evaluated);
            report.inputs.extend(result.input);
        }
    })
}
