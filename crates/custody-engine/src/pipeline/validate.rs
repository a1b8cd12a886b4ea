//! `custody validate`: workflow manifests read, schema-checked and evaluated against the workflow policies.

use std::collections::HashMap;

use rayon::prelude::*;
use regorus::Value as RegoValue;

use crate::document::DocumentKind;
use crate::engine::Policies;
use crate::source::Step;

use super::run::{self, Report, RunOptions, Subject};
use super::stages::{self, Evaluated};

/// The `input.custody` object of a workflow evaluation.
fn facts(now_ns: i64, duplicate_of: Option<(&str, u32)>) -> RegoValue {
    let (now_ns, now) = run::time_input(now_ns);
    let mut map = std::collections::BTreeMap::new();
    map.insert(RegoValue::from("now_ns"), now_ns);
    map.insert(RegoValue::from("now"), now);
    if let Some((file, line)) = duplicate_of {
        let mut dup = std::collections::BTreeMap::new();
        dup.insert(RegoValue::from("file"), RegoValue::from(file));
        dup.insert(RegoValue::from("line"), RegoValue::from(u64::from(line)));
        map.insert(RegoValue::from("duplicate_of"), RegoValue::from(dup));
    }
    RegoValue::from(map)
}

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
        // The first declaration of each id, in file order; later ones are duplicates (CUS-P003).
        let mut first: HashMap<&str, (&str, u32)> = HashMap::new();
        let mut duplicate_of = Vec::with_capacity(workflows.len());
        for w in &workflows {
            let line = w
                .doc
                .node
                .locate(&[Step::Key("metadata".into()), Step::Key("id".into())])
                .pos
                .line;
            duplicate_of.push(match w.id.as_deref() {
                Some(id) => match first.get(id) {
                    Some(earlier) => Some(*earlier),
                    None => {
                        first.insert(id, (w.file.display.as_str(), line));
                        None
                    }
                },
                None => None,
            });
        }
        policies.prepare_vm(DocumentKind::Workflow, Some(workflows.len()), choice);
        let results: Vec<Evaluated> = workflows
            .par_iter()
            .zip(duplicate_of.par_iter())
            .map_init(
                || policies.worker(),
                |engine, (w, dup)| {
                    if !w.schema_ok() {
                        return Evaluated::default();
                    }
                    let input = stages::policy_input(&w.doc.node, facts(opts.now_ns, *dup));
                    let names = [w.file.display.clone()];
                    let subject = Subject {
                        node: &w.doc.node,
                        files: &names,
                        workflow: w.id.clone(),
                        session: None,
                    };
                    let name = format!(
                        "{}: document {} ({})",
                        w.file.display,
                        w.doc.index + 1,
                        w.id.as_deref().unwrap_or("no id")
                    );
                    let kind = DocumentKind::Workflow;
                    stages::evaluate(engine, policies, kind, input, &subject, &name, opts)
                },
            )
            .collect();
        for result in results {
            report.findings.extend(result.findings);
            report.tool_errors.extend(result.errors);
            report.inputs.extend(result.input);
        }
    })
}
