//! `custody validate`: workflow manifests checked against the schema and the policies.

use std::collections::HashMap;

use rayon::prelude::*;
use regorus::Value as RegoValue;

use crate::document::DocumentKind;
use crate::engine::Policies;
use crate::findings::{Finding, Severity};
use crate::inputs::{self, Document, Loaded, ToolError};
use crate::run::{self, Report, RunOptions, Subject};
use crate::schema;
use crate::source::{path_string, SharedText, Step};

/// One loaded file: its display name, text, documents and parse problems.
pub struct LoadedFile {
    pub display: String,
    pub text: Option<SharedText>,
    pub documents: Vec<Document>,
    pub problems: Vec<Finding>,
}

/// Read and split every candidate file (in parallel), keeping the candidates' order.
pub fn load_files(opts: &RunOptions, report: &mut Report) -> Vec<LoadedFile> {
    let exclude = match inputs::exclude_set(&opts.exclude) {
        Ok(set) => set,
        Err(e) => {
            report.tool_errors.push(e);
            return Vec::new();
        }
    };
    let walk = inputs::walk(&opts.paths, &exclude);
    report.tool_errors.extend(walk.errors);
    let results: Vec<Result<Option<LoadedFile>, ToolError>> = walk
        .candidates
        .par_iter()
        .map(|c| {
            Ok(match inputs::read(c, opts.budgets.max_file_size)? {
                Loaded::NotCustody => None,
                Loaded::Problem(f) => Some(LoadedFile {
                    display: c.display.clone(),
                    text: None,
                    documents: Vec::new(),
                    problems: vec![*f],
                }),
                Loaded::Text(text) => {
                    let (documents, problems) = inputs::documents(&c.display, &text, &opts.budgets);
                    Some(LoadedFile {
                        display: c.display.clone(),
                        text: Some(text),
                        documents,
                        problems,
                    })
                }
            })
        })
        .collect();
    let mut files = Vec::new();
    for r in results {
        match r {
            Ok(Some(f)) => files.push(f),
            Ok(None) => {
                report.files += 1;
                report.skipped_files += 1;
            }
            Err(e) => report.tool_errors.push(e),
        }
    }
    files
}

/// A workflow document ready for evaluation.
pub struct Workflow<'a> {
    pub file: &'a LoadedFile,
    pub doc: &'a Document,
    pub id: Option<String>,
    pub schema_ok: bool,
}

/// Schema-check the workflow documents of the loaded files; P001/P002/P003 mechanics. Returns the workflows
/// in file order and pushes input-problem findings into the report.
pub fn workflows<'a>(
    files: &'a [LoadedFile],
    report: &mut Report,
    policies: &Policies,
) -> Vec<Workflow<'a>> {
    // Schema checks are independent per document: run them in parallel, consume them in file order.
    let docs: Vec<&Document> = files
        .iter()
        .flat_map(|f| {
            f.documents
                .iter()
                .filter(|d| d.kind == DocumentKind::Workflow)
        })
        .collect();
    let mut checked = docs
        .par_iter()
        .map(|doc| schema::check(DocumentKind::Workflow, &doc.node))
        .collect::<Vec<_>>()
        .into_iter();
    let mut out = Vec::new();
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
        for doc in file
            .documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Workflow)
        {
            let id = doc
                .node
                .at(&["metadata", "id"])
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            let problems = checked.next().unwrap_or_default();
            for problem in &problems {
                let located = doc.node.locate(&problem.path);
                let mut f = Finding::new(
                    "CUS-P002",
                    Severity::Error,
                    problem.message.clone(),
                    &file.display,
                )
                .at(located.pos);
                f.path = Some(path_string(&problem.path));
                f.workflow = id.clone();
                report
                    .findings
                    .push(run::with_frameworks(f, policies.catalogue()));
            }
            out.push(Workflow {
                file,
                doc,
                id,
                schema_ok: problems.is_empty(),
            });
        }
    }
    out
}

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

/// Build a policy input: the document plus `input.custody`.
pub fn policy_input(doc: &crate::source::Node, custody: RegoValue) -> RegoValue {
    let mut input = doc.to_rego();
    if let Ok(obj) = input.as_object_mut() {
        obj.insert(RegoValue::from("custody"), custody);
    }
    input
}

/// The policy input as JSON when `--dump-inputs` asked for it.
pub fn dump(opts: &RunOptions, input: &RegoValue) -> Option<String> {
    if !opts.dump_inputs {
        return None;
    }
    Some(serde_json::to_string(input).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("the input cannot be rendered as JSON: {e}") })
            .to_string()
    }))
}

/// Run `custody validate`.
pub fn validate(opts: &RunOptions, policies: &Policies) -> Report {
    run::in_pool(opts.jobs, "workflow", |report| {
        // What the VM needs whatever the number of documents (the embedded program) is read first, while
        // the schema compiles on its own thread, instead of after the schema check has waited for it.
        let choice = crate::engine::EngineChoice::from_env();
        policies.prepare_vm(DocumentKind::Workflow, Some(0), choice);
        let files = load_files(opts, report);
        let workflows = workflows(&files, report, policies);
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
        let results: Vec<(Vec<Finding>, Vec<ToolError>, Option<String>)> = workflows
            .par_iter()
            .zip(duplicate_of.par_iter())
            .map_init(
                || policies.worker(),
                |engine, (w, dup)| {
                    if !w.schema_ok {
                        return (Vec::new(), Vec::new(), None);
                    }
                    let input = policy_input(&w.doc.node, facts(opts.now_ns, *dup));
                    let dumped = dump(opts, &input);
                    let (raw, failures) = policies.evaluate(engine, input, DocumentKind::Workflow);
                    let names = [w.file.display.clone()];
                    let subject = Subject {
                        node: &w.doc.node,
                        files: &names,
                        workflow: w.id.clone(),
                        session: None,
                    };
                    let findings = raw
                        .into_iter()
                        .map(|r| run::locate(r, &subject, policies.catalogue()))
                        .collect();
                    let subject = format!(
                        "{}: document {} ({})",
                        w.file.display,
                        w.doc.index + 1,
                        w.id.as_deref().unwrap_or("no id")
                    );
                    let errors = run::policy_failures(&subject, failures);
                    (findings, errors, dumped)
                },
            )
            .collect();
        for (findings, errors, dumped) in results {
            report.findings.extend(findings);
            report.tool_errors.extend(errors);
            report.inputs.extend(dumped);
        }
    })
}
