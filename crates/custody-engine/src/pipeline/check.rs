//! `custody check`: session bundles read (files, bundle directories, JSON Lines streams), schema-checked and
//! evaluated against the workflows they name.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use regorus::Value as RegoValue;

use crate::discover::{self, Candidate, Input, ToolError};
use crate::document::DocumentKind;
use crate::engine::{Policies, Worker};
use crate::evidence::bundle::{self, LoadedBundle};
use crate::evidence::chain;
use crate::load::bundles::{self as load_bundles, StreamItem, StreamLine};
use crate::load::read::{self, Loaded};
use crate::load::workflows;
use crate::source::Node;

use super::run::{self, Report, RunOptions, Subject};
use super::stages::{self, Evaluated};

/// Bundles evaluated per parallel batch of a JSON Lines stream (memory stays flat however long it is).
const STREAM_BATCH: usize = 1024;

/// Load the declared workflows: P001/P002 findings on them are reported; W rules are `validate`'s job.
fn declared_workflows(
    paths: &[PathBuf],
    opts: &RunOptions,
    report: &mut Report,
    policies: &Policies,
) -> HashMap<String, Arc<Node>> {
    let mut declared = Report::default();
    let files = stages::read_manifests(paths, opts, &mut declared);
    let workflows = stages::schema_check(&files, &mut declared, policies);
    let map = workflows::by_id(&workflows);
    if workflows.is_empty() && declared.tool_errors.is_empty() && declared.findings.is_empty() {
        report.tool_errors.push(ToolError::new(
            "--workflows holds no workflow manifest; every bundle would be CUS-S001",
        ));
    }
    report.findings.extend(declared.findings);
    report.tool_errors.extend(declared.tool_errors);
    report.sources.extend(declared.sources);
    map
}

fn session_id(loaded: &LoadedBundle) -> Option<&str> {
    loaded.node.at(&["session", "id"]).and_then(Node::as_str)
}

/// (file, session id) of an evaluated bundle, for reports that count passes.
fn evaluated(loaded: &LoadedBundle) -> (String, String) {
    let id = session_id(loaded).unwrap_or("bundle");
    (loaded.files[0].clone(), id.to_owned())
}

/// The `input.custody` object of a bundle evaluation: time, the named workflow, the hash chain and recording
/// facts.
fn facts(now_ns: i64, workflow: Option<&RegoValue>, loaded: &LoadedBundle) -> RegoValue {
    let (now_ns, now) = run::time_input(now_ns);
    let mut map = BTreeMap::new();
    map.insert(RegoValue::from("now_ns"), now_ns);
    map.insert(RegoValue::from("now"), now);
    if let Some(w) = workflow {
        map.insert(RegoValue::from("workflow"), w.clone());
    }
    let id = session_id(loaded).unwrap_or_default();
    let (events, head) = bundle::chain_inputs(&loaded.node);
    let result = chain::verify(id, events, head.as_ref());
    let mut chain = BTreeMap::new();
    chain.insert(
        RegoValue::from("verified"),
        RegoValue::from(result.verified()),
    );
    chain.insert(
        RegoValue::from("events"),
        RegoValue::from(result.events as u64),
    );
    let (kind, seq, index) = match result.failure {
        Some((k, s, i)) => (
            RegoValue::from(k.as_str()),
            s.map(RegoValue::from).unwrap_or(RegoValue::Null),
            i.map(|i| RegoValue::from(i as u64))
                .unwrap_or(RegoValue::Null),
        ),
        None => (RegoValue::Null, RegoValue::Null, RegoValue::Null),
    };
    chain.insert(RegoValue::from("kind"), kind);
    chain.insert(RegoValue::from("seq"), seq);
    chain.insert(RegoValue::from("index"), index);
    chain.insert(
        RegoValue::from("present"),
        RegoValue::from(chain::carries_chain(events)),
    );
    map.insert(RegoValue::from("chain"), RegoValue::from(chain));
    let recording = &loaded.recording;
    let or_null = |v: Option<RegoValue>| v.unwrap_or(RegoValue::Null);
    let mut rec = BTreeMap::new();
    rec.insert(RegoValue::from("file"), RegoValue::from(recording.file));
    rec.insert(
        RegoValue::from("sha256_ok"),
        or_null(recording.sha256_ok.map(RegoValue::from)),
    );
    rec.insert(
        RegoValue::from("cast_duration_ns"),
        or_null(recording.cast_duration_ns.map(RegoValue::from)),
    );
    map.insert(RegoValue::from("recording"), RegoValue::from(rec));
    RegoValue::from(map)
}

/// Evaluate one bundle: its reference problems, then the policies' findings.
fn evaluate(
    engine: &mut Worker,
    loaded: &LoadedBundle,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    opts: &RunOptions,
) -> Evaluated {
    let node = &loaded.node;
    let session = session_id(loaded).map(str::to_owned);
    let workflow_id = node
        .at(&["session", "workflow"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    let problems: Vec<_> = loaded
        .problems
        .iter()
        .map(|p| {
            let mut p = run::with_frameworks(p.clone(), policies.catalogue());
            p.session = session.clone();
            p.workflow = workflow_id.clone();
            p
        })
        .collect();
    let workflow = workflow_id
        .as_ref()
        .and_then(|w| workflows.get(w))
        .map(|w| engine.workflow(w));
    let input = stages::policy_input(node, facts(opts.now_ns, workflow.as_ref(), loaded));
    let subject = Subject {
        node,
        files: &loaded.files,
        workflow: workflow_id.clone(),
        session: session.clone(),
    };
    let name = format!(
        "{}: bundle {}",
        loaded.files[0],
        session.as_deref().unwrap_or("without id")
    );
    let kind = DocumentKind::SessionBundle;
    let mut result = stages::evaluate(engine, policies, kind, input, &subject, &name, opts);
    result.findings.splice(0..0, problems);
    result
}

/// Evaluate the bundles of files and bundle directories, in parallel.
fn evaluate_all(
    bundles: Vec<LoadedBundle>,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    opts: &RunOptions,
    report: &mut Report,
) {
    report.documents += bundles.len();
    report.evaluated.extend(bundles.iter().map(evaluated));
    let count = bundles.len();
    policies.prepare_vm(
        DocumentKind::SessionBundle,
        Some(count),
        crate::engine::EngineChoice::from_env(),
    );
    let results: Vec<Evaluated> = bundles
        .par_iter()
        .map_init(
            || policies.worker(),
            |engine, loaded| evaluate(engine, loaded, workflows, policies, opts),
        )
        .collect();
    for result in results {
        report.findings.extend(result.findings);
        report.tool_errors.extend(result.errors);
        report.inputs.extend(result.input);
    }
    if let Some(progress) = &opts.progress {
        progress(count as u64);
    }
}

/// Read a bundle file (or a bundle directory's manifest) and load its bundles; `base` resolves references.
fn load_file(
    candidate: &Candidate,
    base: &Path,
    opts: &RunOptions,
    policies: &Policies,
    report: &mut Report,
) -> Vec<LoadedBundle> {
    match read::read(candidate, opts.budgets.max_file_size) {
        Err(e) => report.tool_errors.push(e),
        Ok(Loaded::NotCustody) => report.skipped_files += 1,
        Ok(Loaded::Problem(f)) => report
            .findings
            .push(run::with_frameworks(*f, policies.catalogue())),
        Ok(Loaded::Text(text)) => {
            let shown = &candidate.display;
            report.sources.insert(shown.clone(), text.clone());
            let loaded = load_bundles::file_bundles(shown, &text, base, &opts.budgets);
            report.documents += loaded.rejected;
            report.findings.extend(
                loaded
                    .problems
                    .into_iter()
                    .map(|p| run::with_frameworks(p, policies.catalogue())),
            );
            return loaded.bundles;
        }
    }
    Vec::new()
}

/// Read, load and evaluate a JSON Lines stream of bundles, one parallel batch of lines at a time, merged
/// into the report in line order: memory stays bounded by one batch.
fn stream(
    path: &Path,
    shown: &str,
    opts: &RunOptions,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    report: &mut Report,
) {
    let lines = match load_bundles::stream(path, shown, opts.budgets.max_line) {
        Ok(lines) => lines,
        Err(e) => {
            report.tool_errors.push(e);
            return;
        }
    };
    let mut batch: Vec<(u32, Vec<u8>)> = Vec::with_capacity(STREAM_BATCH);
    for item in lines {
        match item {
            Err(e) => report.tool_errors.push(e),
            Ok(StreamItem::TooLong(f)) => report
                .findings
                .push(run::with_frameworks(*f, policies.catalogue())),
            Ok(StreamItem::Line(line_no, buf)) => {
                batch.push((line_no, buf));
                if batch.len() >= STREAM_BATCH {
                    let batch = std::mem::take(&mut batch);
                    stream_batch(batch, shown, opts, workflows, policies, report);
                }
            }
        }
    }
    stream_batch(batch, shown, opts, workflows, policies, report);
}

/// What one line of a bundle stream gave.
#[derive(Default)]
struct LineOutcome {
    /// The line was a custody bundle (evaluated, or reported as not evaluable).
    document: bool,
    evaluated: Option<(String, String)>,
    result: Evaluated,
}

fn stream_batch(
    batch: Vec<(u32, Vec<u8>)>,
    shown: &str,
    opts: &RunOptions,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    report: &mut Report,
) {
    // A stream's length is unknown: the VM is compiled for it (under `auto`) on the first batch.
    policies.prepare_vm(
        DocumentKind::SessionBundle,
        None,
        crate::engine::EngineChoice::from_env(),
    );
    let outcomes: Vec<LineOutcome> = batch
        .par_iter()
        .map_init(
            || policies.worker(),
            |engine, (line_no, buf)| {
                let mut out = LineOutcome::default();
                let findings = match load_bundles::stream_line(*line_no, buf, shown, &opts.budgets)
                {
                    StreamLine::Blank => Vec::new(),
                    StreamLine::Problem(f) => vec![*f],
                    StreamLine::Rejected(findings) => {
                        out.document = true;
                        findings
                    }
                    StreamLine::Bundle(loaded) => {
                        out.document = true;
                        out.evaluated = Some(evaluated(&loaded));
                        out.result = evaluate(engine, &loaded, workflows, policies, opts);
                        return out;
                    }
                };
                out.result.findings = findings
                    .into_iter()
                    .map(|f| run::with_frameworks(f, policies.catalogue()))
                    .collect();
                out
            },
        )
        .collect();
    let mut documents = 0;
    for o in outcomes {
        documents += usize::from(o.document);
        report.findings.extend(o.result.findings);
        report.tool_errors.extend(o.result.errors);
        report.evaluated.extend(o.evaluated);
        report.inputs.extend(o.result.input);
    }
    report.documents += documents;
    if let Some(progress) = &opts.progress {
        progress(documents as u64);
    }
}

/// Keep the text of each bundle's `events.jsonl` for source snippets, when within the file-size budget.
fn events_sources(bundles: &[LoadedBundle], opts: &RunOptions, report: &mut Report) {
    for loaded in bundles {
        let Some(name) = loaded.files.get(1) else {
            continue;
        };
        if report.sources.contains_key(name) {
            continue;
        }
        if let Some(dir) = Path::new(&loaded.files[0]).parent() {
            let path = dir.join(Path::new(name).file_name().unwrap_or_default());
            if let Some(text) = read::snippet_text(&path, opts.budgets.max_file_size) {
                report.sources.insert(name.clone(), text);
            }
        }
    }
}

/// Run `custody check`.
pub fn check(opts: &RunOptions, workflow_paths: &[PathBuf], policies: &Policies) -> Report {
    run::in_pool(opts.jobs, "bundle", |report| {
        let workflows = declared_workflows(workflow_paths, opts, report, policies);
        let exclude = match discover::exclude_set(&opts.exclude) {
            Ok(s) => s,
            Err(e) => {
                report.tool_errors.push(e);
                return;
            }
        };
        let walk = discover::bundles(&opts.paths, &exclude);
        report.tool_errors.extend(walk.errors);
        let mut bundles = Vec::new();
        for input in walk.inputs {
            report.files += 1;
            match input {
                Input::Stream { path, display } => {
                    stream(&path, &display, opts, &workflows, policies, report)
                }
                Input::File(c) => {
                    let base = load_bundles::base_dir(&c.path);
                    bundles.extend(load_file(&c, &base, opts, policies, report));
                }
                Input::BundleDir {
                    dir,
                    manifest,
                    display,
                } => {
                    let name = manifest.file_name().and_then(|n| n.to_str());
                    let c = Candidate {
                        display: format!("{display}/{}", name.unwrap_or("bundle.yaml")),
                        path: manifest,
                        named: true,
                    };
                    bundles.extend(load_file(&c, &dir, opts, policies, report));
                }
            }
        }
        events_sources(&bundles, opts, report);
        evaluate_all(bundles, &workflows, policies, opts, report);
    })
}
