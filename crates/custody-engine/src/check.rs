//! `custody check`: session bundles evaluated against the workflows they name.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use regorus::Value as RegoValue;

use crate::bundle::{self, LoadedBundle};
use crate::document::DocumentKind;
use crate::engine::Policies;
use crate::findings::{Finding, Severity};
use crate::inputs::{self, Loaded, ToolError};
use crate::run::{self, Report, RunOptions, Subject};
use crate::schema;
use crate::source::{self, path_string, Node, Pos};
use crate::validate;

/// Bundles evaluated per parallel batch of a JSON Lines stream (memory stays flat however long it is).
const STREAM_BATCH: usize = 1024;

/// Load the declared workflows: P001/P002 findings on them are reported; W rules are `validate`'s job.
fn load_workflows(
    paths: &[PathBuf],
    opts: &RunOptions,
    report: &mut Report,
    policies: &Policies,
) -> HashMap<String, Arc<Node>> {
    let wf_opts = RunOptions {
        paths: paths.to_vec(),
        ..opts.clone()
    };
    let mut wf_report = Report::default();
    let files = validate::load_files(&wf_opts, &mut wf_report);
    let workflows = validate::workflows(&files, &mut wf_report, policies);
    let mut map = HashMap::new();
    for w in workflows.iter().filter(|w| w.schema_ok) {
        if let Some(id) = &w.id {
            map.entry(id.clone())
                .or_insert_with(|| Arc::new(w.doc.node.clone()));
        }
    }
    if workflows.is_empty() && wf_report.tool_errors.is_empty() && wf_report.findings.is_empty() {
        report.tool_errors.push(ToolError::new(
            "--workflows holds no workflow manifest; every bundle would be CUS-S001",
        ));
    }
    report.findings.extend(wf_report.findings);
    report.tool_errors.extend(wf_report.tool_errors);
    for (k, v) in wf_report.sources {
        report.sources.insert(k, v);
    }
    map
}

/// One bundle input: a file, a bundle directory, or a JSON Lines stream.
enum Input {
    File(inputs::Candidate),
    Dir {
        dir: PathBuf,
        manifest: PathBuf,
        display: String,
    },
    Stream {
        path: PathBuf,
        display: String,
    },
}

fn display(path: &Path) -> String {
    let t = path.display().to_string();
    t.strip_prefix("./").map(str::to_owned).unwrap_or(t)
}

fn bundle_manifest(dir: &Path) -> Option<PathBuf> {
    ["bundle.yaml", "bundle.yml", "bundle.json"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn is_stream(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e == "jsonl" || e == "ndjson")
}

/// Expand the BUNDLE arguments.
fn expand(paths: &[PathBuf], exclude: &globset::GlobSet, report: &mut Report) -> Vec<Input> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stream {
                path: path.clone(),
                display: "-".into(),
            });
            continue;
        }
        if path.is_dir() {
            if let Some(manifest) = bundle_manifest(path) {
                out.push(Input::Dir {
                    dir: path.clone(),
                    manifest,
                    display: display(path),
                });
                continue;
            }
            // Walk: bundle directories count as one input each; other files are candidates.
            let mut walker = walkdir::WalkDir::new(path)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter();
            while let Some(entry) = walker.next() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        report
                            .tool_errors
                            .push(ToolError::new(format!("cannot read: {e}")));
                        continue;
                    }
                };
                let p = entry.path();
                let shown = display(p);
                if exclude.is_match(&shown) || exclude.is_match(p.strip_prefix(path).unwrap_or(p)) {
                    if entry.file_type().is_dir() {
                        walker.skip_current_dir();
                    }
                    continue;
                }
                if entry.file_type().is_dir() {
                    if entry.depth() > 0 && entry.file_name() == ".git" {
                        walker.skip_current_dir();
                    } else if entry.depth() > 0 {
                        if let Some(manifest) = bundle_manifest(p) {
                            out.push(Input::Dir {
                                dir: p.to_owned(),
                                manifest,
                                display: shown,
                            });
                            walker.skip_current_dir();
                        }
                    }
                    continue;
                }
                if !entry.file_type().is_file() {
                    continue;
                }
                if is_stream(p) {
                    out.push(Input::Stream {
                        path: p.to_owned(),
                        display: shown,
                    });
                } else if p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
                {
                    out.push(Input::File(inputs::Candidate {
                        path: p.to_owned(),
                        display: shown,
                        named: false,
                    }));
                }
            }
            continue;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {
                if is_stream(path) {
                    out.push(Input::Stream {
                        path: path.clone(),
                        display: display(path),
                    });
                } else {
                    out.push(Input::File(inputs::Candidate {
                        path: path.clone(),
                        display: display(path),
                        named: true,
                    }));
                }
            }
            Ok(_) => report.tool_errors.push(ToolError::new(format!(
                "{}: not a regular file or directory",
                path.display()
            ))),
            Err(_) => report.tool_errors.push(ToolError::new(format!(
                "{}: no such file or directory",
                path.display()
            ))),
        }
    }
    out
}

/// A bundle ready for evaluation.
struct Unit {
    loaded: LoadedBundle,
}

impl Unit {
    /// (file, session id) for reports that count passes.
    fn evaluated(&self) -> (String, String) {
        let id = self
            .loaded
            .node
            .at(&["session", "id"])
            .and_then(Node::as_str)
            .unwrap_or("bundle");
        (self.loaded.files[0].clone(), id.to_owned())
    }
}

fn facts(now_ns: i64, workflow: Option<&RegoValue>, loaded: &LoadedBundle) -> RegoValue {
    let (now_ns, now) = run::time_input(now_ns);
    let mut map = BTreeMap::new();
    map.insert(RegoValue::from("now_ns"), now_ns);
    map.insert(RegoValue::from("now"), now);
    if let Some(w) = workflow {
        map.insert(RegoValue::from("workflow"), w.clone());
    }
    let id = loaded
        .node
        .at(&["session", "id"])
        .and_then(Node::as_str)
        .unwrap_or_default();
    let (events, head) = bundle::chain_inputs(&loaded.node);
    let result = bundle::verify(id, events, head.as_ref());
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
    map.insert(RegoValue::from("chain"), RegoValue::from(chain));
    let mut rec = BTreeMap::new();
    rec.insert(
        RegoValue::from("file"),
        RegoValue::from(loaded.recording.file),
    );
    rec.insert(
        RegoValue::from("sha256_ok"),
        loaded
            .recording
            .sha256_ok
            .map(RegoValue::from)
            .unwrap_or(RegoValue::Null),
    );
    rec.insert(
        RegoValue::from("cast_duration_ns"),
        loaded
            .recording
            .cast_duration_ns
            .map(RegoValue::from)
            .unwrap_or(RegoValue::Null),
    );
    map.insert(RegoValue::from("recording"), RegoValue::from(rec));
    RegoValue::from(map)
}

/// Schema-check one bundle document; `None` when it failed (P002 findings pushed).
fn schema_checked(
    node: &Node,
    files: &[String],
    policies: &Policies,
    findings: &mut Vec<Finding>,
) -> bool {
    let problems = schema::check(DocumentKind::SessionBundle, node);
    let session = node
        .at(&["session", "id"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    let workflow = node
        .at(&["session", "workflow"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    for p in &problems {
        let located = node.locate(&p.path);
        let file = files
            .get(located.file as usize)
            .or(files.first())
            .map_or("", String::as_str);
        let mut f =
            Finding::new("CUS-P002", Severity::Error, p.message.clone(), file).at(located.pos);
        f.path = Some(path_string(&p.path));
        f.session = session.clone();
        f.workflow = workflow.clone();
        findings.push(run::with_frameworks(f, policies.catalogue()));
    }
    problems.is_empty()
}

fn evaluate(
    engine: &mut crate::engine::Worker,
    unit: &Unit,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    opts: &RunOptions,
) -> (Vec<Finding>, Vec<ToolError>, Option<String>) {
    let now_ns = opts.now_ns;
    let node = &unit.loaded.node;
    let session = node
        .at(&["session", "id"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    let workflow_id = node
        .at(&["session", "workflow"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    let mut findings: Vec<Finding> = unit
        .loaded
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
    let input = validate::policy_input(node, facts(now_ns, workflow.as_ref(), &unit.loaded));
    let dumped = validate::dump(opts, &input);
    let (raw, failures) = policies.evaluate(engine, input, DocumentKind::SessionBundle);
    let subject = Subject {
        node,
        files: &unit.loaded.files,
        workflow: workflow_id.clone(),
        session: session.clone(),
    };
    findings.extend(
        raw.into_iter()
            .map(|r| run::locate(r, &subject, policies.catalogue())),
    );
    let errors = run::policy_failures(
        &format!(
            "{}: bundle {}",
            unit.loaded.files[0],
            session.as_deref().unwrap_or("without id")
        ),
        failures,
    );
    (findings, errors, dumped)
}

fn run_units(
    units: Vec<Unit>,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    opts: &RunOptions,
    report: &mut Report,
) {
    report.documents += units.len();
    report.evaluated.extend(units.iter().map(Unit::evaluated));
    let results_len = units.len();
    policies.prepare_vm(
        DocumentKind::SessionBundle,
        Some(units.len()),
        crate::engine::EngineChoice::from_env(),
    );
    let results: Vec<(Vec<Finding>, Vec<ToolError>, Option<String>)> = units
        .par_iter()
        .map_init(
            || policies.worker(),
            |engine, unit| evaluate(engine, unit, workflows, policies, opts),
        )
        .collect();
    for (f, e, dumped) in results {
        report.findings.extend(f);
        report.tool_errors.extend(e);
        report.inputs.extend(dumped);
    }
    if let Some(progress) = &opts.progress {
        progress(results_len as u64);
    }
}

/// Documents of a bundle file or directory manifest → units (after schema check).
fn units_of_text(
    file: &str,
    text: &str,
    base: &Path,
    opts: &RunOptions,
    policies: &Policies,
    report: &mut Report,
) -> Vec<Unit> {
    let (docs, problems) = inputs::documents(file, text, &opts.budgets);
    report.findings.extend(
        problems
            .into_iter()
            .map(|p| run::with_frameworks(p, policies.catalogue())),
    );
    let mut units = Vec::new();
    for doc in docs
        .into_iter()
        .filter(|d| d.kind == DocumentKind::SessionBundle)
    {
        // References are resolved first so that events from `events.jsonl` are schema-checked too.
        let loaded = bundle::resolve(doc.node, file, Some(base), &opts.budgets);
        if !schema_checked(&loaded.node, &loaded.files, policies, &mut report.findings) {
            report.documents += 1;
            report.findings.extend(
                loaded
                    .problems
                    .into_iter()
                    .map(|p| run::with_frameworks(p, policies.catalogue())),
            );
            continue;
        }
        units.push(Unit { loaded });
    }
    units
}

fn stream(
    path: &Path,
    shown: &str,
    opts: &RunOptions,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
    report: &mut Report,
) {
    let reader: Box<dyn Read> = if shown == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                report
                    .tool_errors
                    .push(ToolError::new(format!("{shown}: cannot read: {e}")));
                return;
            }
        }
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader);
    // Lines are read in batches; each batch is decoded, parsed, schema-checked and evaluated in parallel,
    // and merged into the report in line order. Memory stays bounded by one batch.
    let mut batch: Vec<(u32, Vec<u8>)> = Vec::with_capacity(STREAM_BATCH);
    let mut line_no = 0u32;
    loop {
        let mut buf = Vec::new();
        let read = crate::budget::read_line_bounded(&mut reader, opts.budgets.max_line, &mut buf);
        let too_long = match read {
            Ok(crate::budget::LineRead::Eof) => break,
            Ok(crate::budget::LineRead::Line(_)) => false,
            Ok(crate::budget::LineRead::TooLong(_)) => true,
            Err(e) => {
                report
                    .tool_errors
                    .push(ToolError::new(format!("{shown}: cannot read: {e}")));
                break;
            }
        };
        line_no += 1;
        if too_long {
            // The over-long line was skipped without being kept in memory.
            let budget = format!("{} bytes", opts.budgets.max_line);
            let message = crate::budget::exceeded("line-length", budget, "maxLineLength");
            let f = Finding::new(
                "CUS-P001",
                Severity::Error,
                format!("line {line_no} {message}"),
                shown,
            )
            .at(Pos::line_only(line_no));
            report
                .findings
                .push(run::with_frameworks(f, policies.catalogue()));
            continue;
        }
        batch.push((line_no, buf));
        if batch.len() >= STREAM_BATCH {
            stream_batch(
                std::mem::take(&mut batch),
                shown,
                opts,
                workflows,
                policies,
                report,
            );
        }
    }
    stream_batch(batch, shown, opts, workflows, policies, report);
}

/// What one line of a bundle stream gave.
#[derive(Default)]
struct LineOutcome {
    findings: Vec<Finding>,
    errors: Vec<ToolError>,
    /// The bundle was a custody document (evaluated, or reported as not evaluable).
    document: bool,
    evaluated: Option<(String, String)>,
    input: Option<String>,
}

/// Decode, parse, schema-check and evaluate one line of a bundle stream (on a worker thread).
fn stream_line(
    engine: &mut crate::engine::Worker,
    line_no: u32,
    buf: &[u8],
    shown: &str,
    opts: &RunOptions,
    workflows: &HashMap<String, Arc<Node>>,
    policies: &Policies,
) -> LineOutcome {
    let mut out = LineOutcome::default();
    let problem = |message: String, pos: Option<Pos>| {
        let f = Finding::new("CUS-P001", Severity::Error, message, shown)
            .at(pos.unwrap_or(Pos::line_only(line_no)));
        run::with_frameworks(f, policies.catalogue())
    };
    let text = match source::decode(buf) {
        Ok(t) => t,
        Err(e) => {
            out.findings.push(problem(e.message, None));
            return out;
        }
    };
    if text.trim().is_empty() {
        return out;
    }
    let mut node = match source::parse_one(text, &opts.budgets) {
        Ok(n) => n,
        Err(e) => {
            let pos = e.pos.map(|p| Pos {
                line: line_no,
                column: p.column,
                offset: None,
                len: 0,
            });
            out.findings.push(problem(
                format!("line {line_no} is not a JSON bundle: {}", e.message),
                pos,
            ));
            return out;
        }
    };
    bundle::shift(&mut node, line_no, 0);
    strip_offsets(&mut node);
    let is_bundle = node.get("kind").and_then(Node::as_str) == Some("SessionBundle")
        && node.get("apiVersion").and_then(Node::as_str) == Some("custody/v1");
    if !is_bundle {
        out.findings.push(problem(
            format!("line {line_no} is not a custody/v1 SessionBundle"),
            Some(Pos::line_only(line_no)),
        ));
        return out;
    }
    out.document = true;
    if !schema_checked(&node, &[shown.to_owned()], policies, &mut out.findings) {
        return out;
    }
    let unit = Unit {
        loaded: bundle::resolve(node, shown, None, &opts.budgets),
    };
    out.evaluated = Some(unit.evaluated());
    let (findings, errors, input) = evaluate(engine, &unit, workflows, policies, opts);
    out.findings.extend(findings);
    out.errors = errors;
    out.input = input;
    out
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
                stream_line(engine, *line_no, buf, shown, opts, workflows, policies)
            },
        )
        .collect();
    let mut documents = 0;
    for o in outcomes {
        documents += usize::from(o.document);
        report.findings.extend(o.findings);
        report.tool_errors.extend(o.errors);
        report.evaluated.extend(o.evaluated);
        report.inputs.extend(o.input);
    }
    report.documents += documents;
    if let Some(progress) = &opts.progress {
        progress(documents as u64);
    }
}

/// Stream records have no snippet source; drop byte offsets so reporters do not look for one.
fn strip_offsets(node: &mut Node) {
    node.pos.offset = None;
    match &mut node.value {
        source::Value::Seq(items) => items.iter_mut().for_each(strip_offsets),
        source::Value::Map(entries) => entries.iter_mut().for_each(|(k, n)| {
            k.pos.offset = None;
            strip_offsets(n)
        }),
        _ => {}
    }
}

/// Run `custody check`.
pub fn check(opts: &RunOptions, workflow_paths: &[PathBuf], policies: &Policies) -> Report {
    run::in_pool(opts.jobs, "bundle", |report| {
        let workflows = load_workflows(workflow_paths, opts, report, policies);
        let exclude = match inputs::exclude_set(&opts.exclude) {
            Ok(s) => s,
            Err(e) => {
                report.tool_errors.push(e);
                return;
            }
        };
        let inputs = expand(&opts.paths, &exclude, report);
        let mut units = Vec::new();
        for input in inputs {
            report.files += 1;
            match input {
                Input::Stream { path, display } => {
                    stream(&path, &display, opts, &workflows, policies, report)
                }
                Input::File(c) => match inputs::read(&c, opts.budgets.max_file_size) {
                    Err(e) => report.tool_errors.push(e),
                    Ok(Loaded::NotCustody) => report.skipped_files += 1,
                    Ok(Loaded::Problem(f)) => report
                        .findings
                        .push(run::with_frameworks(*f, policies.catalogue())),
                    Ok(Loaded::Text(text)) => {
                        report.sources.insert(c.display.clone(), text.clone());
                        let base = c
                            .path
                            .parent()
                            .map(Path::to_owned)
                            .unwrap_or_else(|| PathBuf::from("."));
                        let base = if base.as_os_str().is_empty() {
                            PathBuf::from(".")
                        } else {
                            base
                        };
                        units.extend(units_of_text(
                            &c.display, &text, &base, opts, policies, report,
                        ));
                    }
                },
                Input::Dir {
                    dir,
                    manifest,
                    display,
                } => {
                    let shown = format!(
                        "{display}/{}",
                        manifest
                            .file_name()
                            .and_then(|n| n.to_str())
                            .unwrap_or("bundle.yaml")
                    );
                    let c = inputs::Candidate {
                        path: manifest,
                        display: shown.clone(),
                        named: true,
                    };
                    match inputs::read(&c, opts.budgets.max_file_size) {
                        Err(e) => report.tool_errors.push(e),
                        Ok(Loaded::NotCustody) => {}
                        Ok(Loaded::Problem(f)) => report
                            .findings
                            .push(run::with_frameworks(*f, policies.catalogue())),
                        Ok(Loaded::Text(text)) => {
                            report.sources.insert(shown.clone(), text.clone());
                            units
                                .extend(units_of_text(&shown, &text, &dir, opts, policies, report));
                        }
                    }
                }
            }
        }
        for unit in &units {
            for (i, name) in unit.loaded.files.iter().enumerate().skip(1) {
                if i == 1 && !report.sources.contains_key(name) {
                    if let Some(dir) = Path::new(&unit.loaded.files[0]).parent() {
                        let p = dir.join(Path::new(name).file_name().unwrap_or_default());
                        // For snippets only: kept when within the file-size budget.
                        let max = opts.budgets.max_file_size;
                        let text = crate::budget::read_file_bounded(&p, max)
                            .ok()
                            .and_then(|bytes| String::from_utf8(bytes).ok());
                        if let Some(text) = text {
                            report.sources.insert(name.clone(), text.into());
                        }
                    }
                }
            }
        }
        run_units(units, &workflows, policies, opts, report);
    })
}
