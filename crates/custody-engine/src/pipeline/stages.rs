//! The stages `validate` and `check` share: reading workflow manifests into the report, schema-checking
//! their workflows, building a policy input, and evaluating one document into located findings.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

use regorus::Value as RegoValue;

use crate::document::DocumentKind;
use crate::engine::{Policies, Worker};
use crate::findings::Finding;
use crate::load::workflows::{self, DeclaredId, LoadedFile, Workflow};
use crate::source::{Node, Step};

use super::run::{self, NotEvaluated, Report, RunOptions, Subject};

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
    pub not_evaluated: Vec<NotEvaluated>,
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
        not_evaluated: run::policy_failures(name, subject, failures),
        input: dumped,
    }
}

/// The `input.custody` object of a workflow evaluation; `duplicate_of` is where an earlier manifest declared
/// the same id (CUS-P003).
fn workflow_facts(now_ns: i64, duplicate_of: Option<(&str, u32)>) -> RegoValue {
    let (now_ns, now) = run::time_input(now_ns);
    let mut map = BTreeMap::new();
    map.insert(RegoValue::from("now_ns"), now_ns);
    map.insert(RegoValue::from("now"), now);
    if let Some((file, line)) = duplicate_of {
        let mut dup = BTreeMap::new();
        dup.insert(RegoValue::from("file"), RegoValue::from(file));
        dup.insert(RegoValue::from("line"), RegoValue::from(u64::from(line)));
        map.insert(RegoValue::from("duplicate_of"), RegoValue::from(dup));
    }
    RegoValue::from(map)
}

/// The line of a workflow's `metadata.id` (or of its nearest existing parent).
pub fn id_line(w: &Workflow<'_>) -> u32 {
    w.doc
        .node
        .locate(&[Step::Key("metadata".into()), Step::Key("id".into())])
        .pos
        .line
}

/// For each workflow (in file order), the earlier declaration of its id, if any: later declarations are
/// duplicates (CUS-P003). `known` holds declarations in other files (`validate --ids-from`), which come
/// before every workflow of the run.
pub fn duplicates<'a>(
    known: &'a [DeclaredId],
    workflows: &'a [Workflow<'a>],
) -> Vec<Option<(&'a str, u32)>> {
    let mut first: HashMap<&str, (&str, u32)> = HashMap::new();
    for k in known {
        first
            .entry(k.id.as_str())
            .or_insert((k.file.as_str(), k.line));
    }
    let mut duplicate_of = Vec::with_capacity(workflows.len());
    for w in workflows {
        let line = id_line(w);
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
    duplicate_of
}

/// Evaluate the workflow policies on the schema-valid workflows that `selected` keeps, in parallel; the
/// results are in the order of `workflows` (an unselected or schema-invalid workflow gives an empty result).
pub fn evaluate_workflows(
    workflows: &[Workflow<'_>],
    duplicate_of: &[Option<(&str, u32)>],
    selected: impl Fn(&Workflow<'_>) -> bool + Sync,
    policies: &Policies,
    opts: &RunOptions,
) -> Vec<Evaluated> {
    workflows
        .par_iter()
        .zip(duplicate_of.par_iter())
        .map_init(
            || policies.worker(),
            |engine, (w, dup)| {
                if !w.schema_ok() || !selected(w) {
                    return Evaluated::default();
                }
                let input = policy_input(&w.doc.node, workflow_facts(opts.now_ns, *dup));
                let names = [w.file.display.clone()];
                let subject = Subject {
                    node: &w.doc.node,
                    files: &names,
                    workflow: w.id.clone(),
                    session: None,
                    events: None,
                };
                let name = format!(
                    "{}: document {} ({})",
                    w.file.display,
                    w.doc.index + 1,
                    w.id.as_deref().unwrap_or("no id")
                );
                evaluate(
                    engine,
                    policies,
                    DocumentKind::Workflow,
                    input,
                    &subject,
                    &name,
                    opts,
                )
            },
        )
        .collect()
}
