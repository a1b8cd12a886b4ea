//! What every evaluating command shares: options, the run report, turning raw policy findings into located
//! findings, and applying the configuration (severity overrides, governed exceptions).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::catalogue::{is_locked, Catalogue};
use crate::config::{Config, ExceptionScope, RuleSetting};
use crate::discover::ToolError;
use crate::engine::{EvalFailure, RawFinding};
use crate::findings::{self, Finding, Severity, Waiver};
use crate::source::{path_string, Node, SharedText, Step};

/// Options shared by `validate` and `check`.
#[derive(Clone)]
pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub budgets: crate::source::Budgets,
    /// Evaluation time, nanoseconds since the epoch.
    pub now_ns: i64,
    pub jobs: Option<usize>,
    /// Called with the number of documents just evaluated (drives a progress bar in the binary).
    pub progress: Option<Progress>,
    /// Keep each policy input (as JSON) in the report, for `--dump-inputs`.
    pub dump_inputs: bool,
    /// `validate --ids-from`: manifests read only for the ids a validated manifest must not reuse.
    pub ids_from: Vec<PathBuf>,
    /// `check --allowed-signers` (or `trust.allowedSigners`): who may sign evidence heads, parsed once.
    pub allowed_signers: Option<std::sync::Arc<crate::trust::allowed_signers::AllowedSigners>>,
}

/// A progress callback, shared across worker threads.
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// Everything a run produced; reporters render it.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub documents: usize,
    /// Files read that held no custody document.
    pub skipped_files: usize,
    /// Tool errors of the run as a whole (a path that cannot be read, an invalid glob…).
    pub tool_errors: Vec<ToolError>,
    /// Documents found but not (fully) evaluated, each reported on its document; tool errors too.
    pub not_evaluated: Vec<NotEvaluated>,
    pub rules_off: Vec<String>,
    /// What the run evaluates ("workflow" / "bundle"), for messages.
    pub noun: &'static str,
    /// File texts for source snippets in human output.
    pub sources: BTreeMap<String, SharedText>,
    pub allow_empty: bool,
    /// Every document evaluated, as (file, workflow or session id), for reports that count passes.
    pub evaluated: Vec<(String, String)>,
    /// The policy inputs as JSON, in evaluation order, when `RunOptions::dump_inputs` asked for them.
    pub inputs: Vec<String>,
}

/// A document custody found but could not fully evaluate: a policy failed on it or ran out of time, or the
/// workflow it names is declared more than once. It is a tool error (exit 2) that each format reports on that
/// document.
#[derive(Clone, Debug)]
pub struct NotEvaluated {
    /// The document's own file and the line where it starts.
    pub file: String,
    pub line: Option<u32>,
    /// The document as reports that list documents name it (its session or workflow id).
    pub document: String,
    pub message: String,
}

impl Report {
    /// Every tool error: the run's, then the documents not evaluated.
    pub fn tool_error_messages(&self) -> impl Iterator<Item = &str> {
        self.tool_errors
            .iter()
            .map(|e| e.message.as_str())
            .chain(self.not_evaluated.iter().map(|n| n.message.as_str()))
    }

    pub fn tool_error_count(&self) -> usize {
        self.tool_errors.len() + self.not_evaluated.len()
    }

    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.waived.is_none() && f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.waived.is_none() && f.severity == Severity::Warning)
            .count()
    }

    pub fn waived(&self) -> usize {
        self.findings.iter().filter(|f| f.waived.is_some()).count()
    }

    /// A run with nothing to evaluate is not a pass (docs/exit-codes.md).
    pub fn nothing_to_evaluate(&self) -> bool {
        self.documents == 0 && self.findings.is_empty() && !self.allow_empty
    }

    /// The exit code (docs/exit-codes.md): 2 when the tool could not do its job, 1 for failing findings,
    /// else 0.
    pub fn exit_code(&self, strict: bool) -> u8 {
        if self.tool_error_count() > 0 || self.nothing_to_evaluate() {
            2
        } else if self.findings.iter().any(|f| f.fails(strict)) {
            1
        } else {
            0
        }
    }

    pub fn sort(&mut self) {
        findings::sort(&mut self.findings);
    }

    /// Add what a part of the run found (one input read on its own) to this report.
    pub fn merge(&mut self, part: Report) {
        self.findings.extend(part.findings);
        self.files += part.files;
        self.documents += part.documents;
        self.skipped_files += part.skipped_files;
        self.tool_errors.extend(part.tool_errors);
        self.sources.extend(part.sources);
        self.evaluated.extend(part.evaluated);
        self.inputs.extend(part.inputs);
    }
}

/// Where a finding belongs: its document, the file table of that document, and its ids.
pub struct Subject<'a> {
    pub node: &'a Node,
    /// Display names of the files a document's nodes come from (index 0 is the document's own file).
    pub files: &'a [String],
    pub workflow: Option<String>,
    pub session: Option<String>,
    /// The `events.jsonl` whose events were taken out of `node` into the policy input: findings on
    /// `evidence.events[i]` are located in event `i` read again from its line.
    pub events: Option<&'a crate::evidence::bundle::EventsFile>,
}

impl Subject<'_> {
    /// Where `path` is: in the document, or for a path into an event that was taken out of it, in that
    /// event read again from its line of `events.jsonl`.
    pub fn locate(&self, path: &[Step]) -> crate::source::Located {
        if let (Some(events), [Step::Key(evidence), Step::Key(list), Step::Index(i), rest @ ..]) =
            (self.events, path)
        {
            if evidence == "evidence" && list == "events" {
                if let Some(event) = events.event(*i) {
                    return event.locate(rest);
                }
            }
        }
        self.node.locate(path)
    }

    /// The document as reports that list documents name it: its session id, else its workflow id.
    pub fn document(&self) -> String {
        self.session
            .clone()
            .or_else(|| self.workflow.clone())
            .unwrap_or_else(|| "file".to_owned())
    }
}

/// Locate a raw finding in its document and attach the rule's metadata.
pub fn locate(raw: RawFinding, subject: &Subject<'_>, catalogue: &Catalogue) -> Finding {
    let (pos, file, path) = match &raw.path {
        Some(path) => {
            let located = subject.locate(path);
            (located.pos, located.file, Some(path_string(path)))
        }
        None => (subject.node.pos, subject.node.file, None),
    };
    let file_name = subject
        .files
        .get(file as usize)
        .or_else(|| subject.files.first())
        .cloned()
        .unwrap_or_default();
    let mut finding = Finding::new(&raw.id, raw.severity, raw.message, &file_name).at(pos);
    finding.path = path;
    finding.workflow = subject.workflow.clone();
    finding.session = subject.session.clone();
    finding.details = raw.details;
    if let Some(meta) = catalogue.get(&raw.id) {
        finding.frameworks = meta.frameworks.clone();
    }
    finding
}

/// Attach catalogue frameworks to findings produced in Rust (P001, P002).
pub fn with_frameworks(mut finding: Finding, catalogue: &Catalogue) -> Finding {
    if let Some(meta) = catalogue.get(&finding.rule) {
        finding.frameworks = meta.frameworks.clone();
    }
    finding
}

/// Apply severity overrides and exceptions; add `CUS-C001` (expired), `CUS-C002` (unused) and `CUS-C003`
/// (valid too far ahead) warnings.
pub fn apply_config(report: &mut Report, config: &Config, catalogue: &Catalogue, now_ns: i64) {
    let mut used = vec![false; config.exceptions.len()];
    let mut kept = Vec::with_capacity(report.findings.len());
    for mut finding in std::mem::take(&mut report.findings) {
        if !is_locked(&finding.rule) {
            match config.setting(&finding.rule) {
                Some(RuleSetting::Off) => continue,
                Some(RuleSetting::Level(level)) => finding.severity = level,
                None => {}
            }
            for (i, exception) in config.exceptions.iter().enumerate() {
                if exception.rule != finding.rule || exception.expires_end_ns < now_ns {
                    continue;
                }
                let in_scope = match &exception.scope {
                    ExceptionScope::Workflow(w) => finding.workflow.as_deref() == Some(w.as_str()),
                    ExceptionScope::Session(s) => finding.session.as_deref() == Some(s.as_str()),
                };
                let at_node = exception
                    .path
                    .as_deref()
                    .is_none_or(|p| finding.path.as_deref() == Some(p));
                let matches = in_scope && at_node;
                if matches {
                    used[i] = true;
                    finding.waived = Some(Waiver {
                        reason: exception.reason.clone(),
                        expires: exception.expires.clone(),
                    });
                    break;
                }
            }
        }
        kept.push(finding);
    }
    for (i, exception) in config.exceptions.iter().enumerate() {
        let scope = match &exception.scope {
            ExceptionScope::Workflow(w) => format!("workflow `{w}`"),
            ExceptionScope::Session(s) => format!("session `{s}`"),
        };
        let horizon = config.exception_horizon_ns();
        if exception.expires_end_ns >= now_ns
            && i128::from(exception.expires_end_ns) - i128::from(now_ns) > i128::from(horizon.1)
        {
            let message = format!(
                "the exception for {} on {scope} is valid until {}, more than exceptionMaxAge ({}) from the \
                 evaluation time: a governed waiver has a horizon",
                exception.rule, exception.expires, horizon.0
            );
            push_config_finding(&mut kept, config, catalogue, "CUS-C003", message, i);
        }
        let (rule, message) = if exception.expires_end_ns < now_ns {
            (
                "CUS-C001",
                format!(
                    "the exception for {} on {scope} expired on {}; it no longer applies",
                    exception.rule, exception.expires
                ),
            )
        } else if !used[i] {
            (
                "CUS-C002",
                format!(
                    "the exception for {} on {scope} matched no finding in this run; it may be stale",
                    exception.rule
                ),
            )
        } else {
            continue;
        };
        push_config_finding(&mut kept, config, catalogue, rule, message, i);
    }
    report.findings = kept;
    report.rules_off = config.rules_off();
}

/// A finding of a configuration rule (`CUS-C…`) on exception `i`, at its configured severity (none when the
/// rule is off).
fn push_config_finding(
    findings: &mut Vec<Finding>,
    config: &Config,
    catalogue: &Catalogue,
    rule: &str,
    message: String,
    i: usize,
) {
    let severity = match config.setting(rule) {
        Some(RuleSetting::Off) => return,
        Some(RuleSetting::Level(level)) => level,
        None => Severity::Warning,
    };
    let exception = &config.exceptions[i];
    let mut finding = Finding::new(rule, severity, message, &config.file_name()).at(exception.pos);
    finding.path = Some(format!("exceptions[{i}]"));
    findings.push(with_frameworks(finding, catalogue));
}

/// The evaluation time as the policies see it.
pub fn time_input(now_ns: i64) -> (regorus::Value, regorus::Value) {
    (
        regorus::Value::from(now_ns),
        regorus::Value::from(crate::units::format_instant(now_ns)),
    )
}

/// A report of `noun`s filled by `body` on a pool of `jobs` worker threads; a pool that cannot start is the
/// report's tool error.
pub fn in_pool(
    jobs: Option<usize>,
    noun: &'static str,
    body: impl FnOnce(&mut Report) + Send,
) -> Report {
    let mut report = Report {
        noun,
        ..Report::default()
    };
    match pool(jobs) {
        Ok(p) => p.install(|| body(&mut report)),
        Err(e) => report.tool_errors.push(e),
    }
    report
}

/// Policy failures on one document as documents not evaluated (exit 2); `name` names the document in the
/// messages, `subject` locates it.
pub fn policy_failures(
    name: &str,
    subject: &Subject<'_>,
    failures: Vec<EvalFailure>,
) -> Vec<NotEvaluated> {
    failures
        .into_iter()
        .map(|f| NotEvaluated {
            file: subject.files.first().cloned().unwrap_or_default(),
            line: Some(subject.node.pos.line),
            document: subject.document(),
            message: format!(
                "{name}: policy {} could not be evaluated: {}",
                f.rule, f.message
            ),
        })
        .collect()
}

/// Build a rayon pool of `jobs` threads (default: all cores). The calling thread is one of them when it can
/// be (it is in no other pool): it holds the interpreter compiled when the policies were loaded, which then
/// serves its documents, where another thread would compile its own (regorus's engines stay in the thread
/// that made them). It must have a [`crate::budget::STACK_SIZE`] stack, as `main`'s work thread has.
pub fn pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, ToolError> {
    let builder = || {
        let builder = rayon::ThreadPoolBuilder::new().stack_size(crate::budget::STACK_SIZE);
        match jobs {
            Some(n) => builder.num_threads(n.max(1)),
            None => builder,
        }
    };
    builder()
        .use_current_thread()
        .build()
        .or_else(|_| builder().build())
        .map_err(|e| ToolError::new(format!("cannot start worker threads: {e}")))
}
