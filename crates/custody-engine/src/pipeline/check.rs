//! `custody check`: session bundles read (files, bundle directories, JSON Lines streams), schema-checked and
//! evaluated against the workflows they name; the workflow rules run on the manifests the bundles name
//! (docs/bundle.md, "What check reports about its workflows").

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::{self, Candidate, Input};
use crate::document::DocumentKind;
use crate::engine::{Policies, Worker};
use crate::evidence::bundle::LoadedBundle;
use crate::findings::{Finding, Severity};
use crate::load::bundles::{self as load_bundles, StreamItem, StreamLine};
use crate::load::read::{self, Loaded};
use crate::source::{Node, Pos, Step};

use super::bundle_input::{facts, policy_input};
use super::declared::{declared_workflows, workflow_findings, Declared};
use super::run::{self, NotEvaluated, Report, RunOptions, Subject};
use super::stages::{self, Evaluated};

/// Bundles evaluated per parallel batch of a JSON Lines stream (memory stays flat however long it is).
const STREAM_BATCH: usize = 1024;

/// A bundle as the run meets it, in input order: its ids and where its `session.id` is.
struct Meeting {
    session: Option<String>,
    workflow: Option<String>,
    file: String,
    pos: Pos,
}

fn meeting(loaded: &LoadedBundle) -> Meeting {
    let at = loaded
        .node
        .locate(&[Step::Key("session".into()), Step::Key("id".into())]);
    Meeting {
        session: session_id(loaded).map(str::to_owned),
        workflow: workflow_id(loaded),
        file: loaded
            .files
            .get(at.file as usize)
            .or_else(|| loaded.files.first())
            .cloned()
            .unwrap_or_default(),
        pos: at.pos,
    }
}

/// What a check run remembers across its inputs, met in input order: where each session id was first seen
/// (CUS-P004) and the workflows the bundles name.
#[derive(Default)]
struct Seen {
    sessions: HashMap<String, String>,
    named: HashSet<String>,
}

impl Seen {
    /// Record a bundle. For one repeating an earlier bundle's session id: its `CUS-P004` finding and the name
    /// that tells it apart from the first in reports that list documents.
    fn meet(&mut self, m: &Meeting, policies: &Policies) -> Option<(Finding, String)> {
        if let Some(w) = &m.workflow {
            if !self.named.contains(w) {
                self.named.insert(w.clone());
            }
        }
        let id = m.session.as_ref()?;
        let here = format!("{}:{}", m.file, m.pos.line);
        let Some(first) = self.sessions.get(id) else {
            self.sessions.insert(id.clone(), here);
            return None;
        };
        let message = format!(
            "session.id {id:?} is already the id of the bundle at {first}: give each session its own id (bundles \
             sharing one share their hash chain's genesis, so events can be moved between them, and an exception \
             for the session would cover both)"
        );
        let mut f = Finding::new("CUS-P004", Severity::Error, message, &m.file).at(m.pos);
        f.path = Some("session.id".to_owned());
        f.session = Some(id.clone());
        f.workflow = m.workflow.clone();
        let name = format!("{id} ({here})");
        f.document = Some(name.clone());
        Some((run::with_frameworks(f, policies.catalogue()), name))
    }
}

/// Give the findings and errors of one evaluated bundle the name that tells it apart.
fn rename(result: &mut Evaluated, name: &str) {
    for f in &mut result.findings {
        f.document = Some(name.to_owned());
    }
    for n in &mut result.not_evaluated {
        n.document = name.to_owned();
    }
}

fn workflow_id(loaded: &LoadedBundle) -> Option<String> {
    loaded
        .node
        .at(&["session", "workflow"])
        .and_then(Node::as_str)
        .map(str::to_owned)
}

pub(super) fn session_id(loaded: &LoadedBundle) -> Option<&str> {
    loaded.node.at(&["session", "id"]).and_then(Node::as_str)
}

/// (file, session id) of an evaluated bundle, for reports that count passes.
fn evaluated(loaded: &LoadedBundle) -> (String, String) {
    let id = session_id(loaded).unwrap_or("bundle");
    (loaded.files[0].clone(), id.to_owned())
}

/// A workflow that declares `session.signers` cannot be judged without allowed signers to verify them by:
/// one tool error per such workflow.
fn unverifiable_signers(
    workflows: &[crate::load::workflows::Workflow<'_>],
) -> Vec<discover::ToolError> {
    workflows
        .iter()
        .filter_map(|w| {
            let signers = w.doc.node.at(&["spec", "session", "signers"])?;
            let crate::source::Value::Seq(list) = &signers.value else {
                return None;
            };
            (!list.is_empty()).then(|| {
                discover::ToolError::new(format!(
                    "workflow `{}` ({}:{}) declares session.signers, but no allowed signers were given to verify \
                     its evidence signatures: pass --allowed-signers FILE (or set trust.allowedSigners in \
                     .custody.yaml)",
                    crate::sanitize::escape(w.id.as_deref().unwrap_or("without id")),
                    w.file.display,
                    signers.pos.line
                ))
            })
        })
        .collect()
}

/// What evaluating a bundle gives when it is not judged (`why`): its reference problems, and a tool error
/// naming it.
fn not_judged(
    loaded: &LoadedBundle,
    problems: Vec<Finding>,
    name: &str,
    workflow: Option<String>,
    session: Option<String>,
    why: &str,
) -> Evaluated {
    let document = Subject {
        node: &loaded.node,
        files: &loaded.files,
        workflow,
        session,
        events: None,
    }
    .document();
    Evaluated {
        findings: problems,
        not_evaluated: vec![NotEvaluated {
            file: loaded.files[0].clone(),
            line: Some(loaded.node.pos.line),
            document,
            message: format!("{name}: not evaluated: {why}"),
        }],
        input: None,
    }
}

/// Evaluate one bundle: its reference problems, then the policies' findings. A bundle naming an ambiguous
/// workflow is not judged.
fn evaluate(
    engine: &mut Worker,
    loaded: &mut LoadedBundle,
    declared: &Declared,
    policies: &Policies,
    opts: &RunOptions,
) -> Evaluated {
    let session = session_id(loaded).map(str::to_owned);
    let workflow_id = workflow_id(loaded);
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
    let name = format!(
        "{}: bundle {}",
        loaded.files[0],
        session.as_deref().unwrap_or("without id")
    );
    if let Some((id, at)) = workflow_id
        .as_ref()
        .and_then(|id| Some((id, declared.ambiguous.get(id)?)))
    {
        let why = format!(
            "the workflow `{id}` it names is declared more than once ({at}, CUS-P003); give each manifest \
             its own metadata.id"
        );
        return not_judged(loaded, problems, &name, workflow_id, session, &why);
    }
    let workflow = workflow_id
        .as_ref()
        .and_then(|w| declared.by_id.get(w))
        .map(|w| engine.workflow(w));
    let custody = facts(opts, workflow.as_ref(), loaded);
    let input = match policy_input(loaded, custody) {
        Ok(input) => input,
        Err(why) => return not_judged(loaded, problems, &name, workflow_id, session, &why),
    };
    let subject = Subject {
        node: &loaded.node,
        files: &loaded.files,
        workflow: workflow_id.clone(),
        session: session.clone(),
        events: loaded.events_file.as_ref(),
    };
    let kind = DocumentKind::SessionBundle;
    let mut result = stages::evaluate(engine, policies, kind, input, &subject, &name, opts);
    result.findings.splice(0..0, problems);
    result
}

/// Evaluate the bundles of files and bundle directories, in parallel; each comes with the name that tells it
/// apart when it repeats an earlier bundle's session id.
fn evaluate_all(
    mut bundles: Vec<(LoadedBundle, Option<String>)>,
    declared: &Declared,
    policies: &Policies,
    opts: &RunOptions,
    report: &mut Report,
) {
    report.documents += bundles.len();
    report
        .evaluated
        .extend(bundles.iter().map(|(loaded, name)| match name {
            Some(name) => (loaded.files[0].clone(), name.clone()),
            None => evaluated(loaded),
        }));
    let count = bundles.len();
    policies.prepare_vm(
        DocumentKind::SessionBundle,
        Some(count),
        crate::engine::EngineChoice::from_env(),
    );
    let results: Vec<Evaluated> = bundles
        .par_iter_mut()
        .map_init(
            || policies.worker(),
            |engine, (loaded, _)| evaluate(engine, loaded, declared, policies, opts),
        )
        .collect();
    for (mut result, (_, name)) in results.into_iter().zip(&bundles) {
        if let Some(name) = name {
            rename(&mut result, name);
        }
        report.findings.extend(result.findings);
        report.not_evaluated.extend(result.not_evaluated);
        report.inputs.extend(result.input);
    }
    if let Some(progress) = &opts.progress {
        progress(count as u64);
    }
}

/// Read a bundle file (or a bundle directory's manifest) and load its bundles; `base` resolves references.
/// Returns the bundles and the files they reference.
fn load_file(
    candidate: &Candidate,
    base: &Path,
    opts: &RunOptions,
    policies: &Policies,
    report: &mut Report,
) -> (Vec<LoadedBundle>, Vec<PathBuf>) {
    match read::read(candidate, opts.budgets.max_file_size) {
        Err(e) => report.tool_errors.push(e),
        Ok(Loaded::NotCustody) => report.skipped_files += 1,
        Ok(Loaded::Problem(f)) => report
            .findings
            .push(run::with_frameworks(*f, policies.catalogue())),
        Ok(Loaded::Text(text)) => {
            let loaded = load_bundles::file_bundles(candidate, &text, base, &opts.budgets);
            if loaded.bundles.is_empty() && loaded.problems.is_empty() {
                report.skipped_files += 1;
            } else {
                report
                    .sources
                    .insert(candidate.display.clone(), text.clone());
            }
            report.documents += loaded.rejected;
            report.findings.extend(
                loaded
                    .problems
                    .into_iter()
                    .map(|p| run::with_frameworks(p, policies.catalogue())),
            );
            return (loaded.bundles, loaded.references);
        }
    }
    (Vec::new(), Vec::new())
}

/// Read, load and evaluate a JSON Lines stream of bundles, one parallel batch of lines at a time, merged
/// into the report in line order: memory stays bounded by one batch.
fn stream(
    path: &Path,
    shown: &str,
    opts: &RunOptions,
    declared: &Declared,
    seen: &mut Seen,
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
                    stream_batch(batch, shown, opts, declared, seen, policies, report);
                }
            }
        }
    }
    stream_batch(batch, shown, opts, declared, seen, policies, report);
}

/// What one line of a bundle stream gave.
#[derive(Default)]
struct LineOutcome {
    /// The line was a custody bundle (evaluated, or reported as not evaluable).
    document: bool,
    evaluated: Option<(String, String)>,
    meeting: Option<Meeting>,
    result: Evaluated,
}

fn stream_batch(
    batch: Vec<(u32, Vec<u8>)>,
    shown: &str,
    opts: &RunOptions,
    declared: &Declared,
    seen: &mut Seen,
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
                    StreamLine::Bundle(mut loaded) => {
                        out.document = true;
                        out.evaluated = Some(evaluated(&loaded));
                        out.meeting = Some(meeting(&loaded));
                        out.result = evaluate(engine, &mut loaded, declared, policies, opts);
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
    for mut o in outcomes {
        documents += usize::from(o.document);
        if let Some((p004, name)) = o.meeting.as_ref().and_then(|m| seen.meet(m, policies)) {
            report.findings.push(p004);
            rename(&mut o.result, &name);
            if let Some(evaluated) = &mut o.evaluated {
                evaluated.1 = name;
            }
        }
        report.findings.extend(o.result.findings);
        report.not_evaluated.extend(o.result.not_evaluated);
        report.evaluated.extend(o.evaluated);
        report.inputs.extend(o.result.input);
    }
    report.documents += documents;
    if let Some(progress) = &opts.progress {
        progress(documents as u64);
    }
}

/// The `events.jsonl` files of the bundles: (display name, path), for source snippets.
fn events_files(bundles: &[(LoadedBundle, Option<String>)]) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for (loaded, _) in bundles {
        let Some(name) = loaded.files.get(1) else {
            continue;
        };
        if let Some(dir) = Path::new(&loaded.files[0]).parent() {
            let path = dir.join(Path::new(name).file_name().unwrap_or_default());
            files.push((name.clone(), path));
        }
    }
    files
}

/// Keep the text of the `events.jsonl` files that findings point into, for source snippets, when within the
/// file-size budget. Read once the bundles are evaluated and their events dropped, and only when a finding
/// needs it: a large events file is never held twice, nor at all when nothing is reported in it.
fn events_sources(files: Vec<(String, PathBuf)>, opts: &RunOptions, report: &mut Report) {
    let wanted: HashSet<&str> = report.findings.iter().map(|f| f.file.as_str()).collect();
    let mut texts = Vec::new();
    for (name, path) in files {
        if !wanted.contains(name.as_str()) || report.sources.contains_key(&name) {
            continue;
        }
        if let Some(text) = read::snippet_text(&path, opts.budgets.max_file_size) {
            texts.push((name, text));
        }
    }
    report.sources.extend(texts);
}

/// Run `custody check`.
pub fn check(opts: &RunOptions, workflow_paths: &[PathBuf], policies: &Policies) -> Report {
    run::in_pool(opts.jobs, "bundle", |report| {
        let mut read = Report::default();
        let files = stages::read_manifests(workflow_paths, opts, &mut read);
        let workflows = stages::schema_check(&files, &mut read, policies);
        let declared = declared_workflows(&workflows, read, report);
        if opts.allowed_signers.is_none() {
            report.tool_errors.extend(unverifiable_signers(&workflows));
        }
        // Without all its declared workflows, no bundle can be judged.
        if !report.tool_errors.is_empty() {
            return;
        }
        let exclude = match discover::exclude_set(&opts.exclude) {
            Ok(s) => s,
            Err(e) => {
                report.tool_errors.push(e);
                return;
            }
        };
        let walk = discover::bundles(&opts.paths, &exclude);
        report.tool_errors.extend(walk.errors);
        // Bundle files and directories are loaded before streams are read: a walked file that a bundle
        // references (its events, its recording) is part of that bundle, never an input of its own.
        let mut loaded = Vec::new();
        let mut streams = Vec::new();
        let mut referenced = load_bundles::Referenced::default();
        for input in walk.inputs {
            let (walked, base, c) = match input {
                Input::Stream {
                    path,
                    display,
                    named,
                } => {
                    streams.push((path, display, named));
                    continue;
                }
                Input::AmbiguousBundleDir {
                    dir,
                    manifests,
                    display,
                } => {
                    // Neither manifest is judged, but the files they reference are still theirs.
                    for manifest in &manifests {
                        let c = Candidate {
                            display: display.clone(),
                            path: manifest.clone(),
                            named: true,
                        };
                        let (_, references) =
                            load_file(&c, &dir, opts, policies, &mut Report::default());
                        references.iter().for_each(|r| referenced.add(r));
                    }
                    let f = load_bundles::ambiguous(&display, &manifests);
                    report.files += 1;
                    report
                        .findings
                        .push(run::with_frameworks(f, policies.catalogue()));
                    continue;
                }
                Input::File(c) => (!c.named, load_bundles::base_dir(&c.path), c),
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
                    (false, dir, c)
                }
            };
            let mut part = Report::default();
            let (bundles, references) = load_file(&c, &base, opts, policies, &mut part);
            references.iter().for_each(|r| referenced.add(r));
            loaded.push((walked.then_some(c.path), part, bundles));
        }
        let mut seen = Seen::default();
        let mut bundles = Vec::new();
        for (walked, part, file_bundles) in loaded {
            if walked.is_some_and(|path| referenced.contains(&path)) {
                continue;
            }
            report.files += 1;
            report.merge(part);
            for loaded in file_bundles {
                let name = seen.meet(&meeting(&loaded), policies).map(|(p004, name)| {
                    report.findings.push(p004);
                    name
                });
                bundles.push((loaded, name));
            }
        }
        for (path, display, named) in streams {
            if !named && referenced.contains(&path) {
                continue;
            }
            report.files += 1;
            stream(
                &path, &display, opts, &declared, &mut seen, policies, report,
            );
        }
        let events_files = events_files(&bundles);
        evaluate_all(bundles, &declared, policies, opts, report);
        events_sources(events_files, opts, report);
        workflow_findings(&workflows, &declared, &seen.named, policies, opts, report);
    })
}
