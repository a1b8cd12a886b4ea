//! The commands behind the CLI. Each returns an [`Outcome`]: what to write where and the exit code. Nothing
//! here prints or exits; `main.rs` does.

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Color, Command, Common, Format, ImportFormat, ImportSource, TeleportImport};
use custody_engine::config::Config;
use custody_engine::document::DocumentKind;
use custody_engine::engine::{self, Policies, PolicySource};
use custody_engine::findings::Severity;
use custody_engine::report::{self, Context};
use custody_engine::run::{self, Report, RunOptions};
use custody_engine::source::{self, Budgets};

/// What a command produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

impl Outcome {
    fn usage(message: impl std::fmt::Display) -> Outcome {
        Outcome {
            stderr: format!("error: {message}\n"),
            code: 2,
            ..Outcome::default()
        }
    }

    fn diagnostic(diag: &dyn miette::Diagnostic) -> Outcome {
        let mut out = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        if handler.render_report(&mut out, diag).is_err() {
            out = format!("error: {diag}\n");
        }
        Outcome {
            stderr: out,
            code: 2,
            ..Outcome::default()
        }
    }
}

/// Everything an evaluating command sets up from its flags: config, policies, time.
struct Setup {
    config: Config,
    policies: Policies,
    now_ns: i64,
    budgets: Budgets,
}

fn parse_now(now: Option<&str>) -> Result<i64, String> {
    match now {
        Some(text) => source_now(text),
        None => Ok(jiff::Timestamp::now().as_nanosecond() as i64),
    }
}

fn source_now(text: &str) -> Result<i64, String> {
    custody_engine::units::instant_ns(text)
        .ok_or_else(|| format!("--now `{text}` is not an RFC 3339 timestamp with an offset (e.g. 2026-11-25T12:00:00Z)"))
}

fn load_data(paths: &[PathBuf]) -> Result<Vec<serde_json::Value>, engine::PolicyError> {
    let mut out = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        let err = |message: String| engine::PolicyError::Data {
            file: file.clone(),
            message,
        };
        let bytes =
            custody_engine::budget::read_file_bounded(path, Budgets::default().max_file_size)
                .map_err(|e| err(e.to_string()))?;
        let text = source::decode(&bytes).map_err(|e| err(e.message))?;
        let docs = source::parse_documents(text, &Budgets::default()).map_err(|e| {
            let at = e
                .pos
                .map(|p| format!("{}:{}: ", p.line, p.column))
                .unwrap_or_default();
            err(format!("{at}{}", e.message))
        })?;
        for doc in docs {
            let json = doc.to_json();
            if !json.is_object() {
                return Err(err("the data document must be an object".to_owned()));
            }
            out.push(json);
        }
    }
    Ok(out)
}

fn setup(
    common: &Common,
    extra_policy_paths: &[PathBuf],
    with_tests: bool,
    only: Option<DocumentKind>,
) -> Result<Setup, Outcome> {
    let now_ns = parse_now(common.now.as_deref()).map_err(Outcome::usage)?;
    let config = Config::discover(common.config.as_deref()).map_err(|e| Outcome::diagnostic(&e))?;
    let mut paths = config.policies.clone();
    paths.extend(common.policies.iter().cloned());
    paths.extend(extra_policy_paths.iter().cloned());
    let mut sources: Vec<PolicySource> = engine::builtin_sources();
    let user = engine::user_sources(&paths).map_err(|e| Outcome::diagnostic(&e))?;
    for source in &user {
        // regorus does not reject recursion; evaluating it would overflow the stack.
        if let Some(cycle) = custody_engine::engine::recursion::find_cycle(&source.text) {
            let e = engine::PolicyError::Compile {
                file: source.path.clone(),
                message: format!("recursion is not allowed in Rego: {cycle}"),
            };
            return Err(Outcome::diagnostic(&e));
        }
    }
    if !user.is_empty() {
        // Cycles through `data.` references or imports, across files and packages (built-in ones included).
        let texts: Vec<&str> = sources
            .iter()
            .chain(&user)
            .map(|s| s.text.as_str())
            .collect();
        if let Some(cycle) = custody_engine::engine::recursion::find_cycle_in(&texts) {
            let e = engine::PolicyError::Compile {
                file: user
                    .iter()
                    .map(|s| s.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                message: format!("recursion is not allowed in Rego: {cycle}"),
            };
            return Err(Outcome::diagnostic(&e));
        }
    }
    sources.extend(user);
    let data = load_data(&common.data).map_err(|e| Outcome::diagnostic(&e))?;
    let data = engine::data_document(&config.params, &data);
    let mut policies =
        Policies::load_for(sources, data, with_tests, only).map_err(|e| Outcome::diagnostic(&e))?;
    let budgets = config.budgets();
    policies.set_eval_time_limit(std::time::Duration::from_secs(budgets.max_eval_seconds));
    if config.names_rules() {
        let known = policies
            .catalogue_ids()
            .map_err(|e| Outcome::diagnostic(&e))?;
        config
            .check_rule_ids(&known)
            .map_err(|e| Outcome::diagnostic(&e))?;
    }
    Ok(Setup {
        config,
        policies,
        now_ns,
        budgets,
    })
}

fn use_color(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
        }
    }
}

/// Render a finished report per the common flags.
fn finish(report: &mut Report, setup: &Setup, common: &Common) -> Outcome {
    run::apply_config(
        report,
        &setup.config,
        setup.policies.catalogue(),
        setup.now_ns,
    );
    report.allow_empty = common.allow_empty;
    report.sort();
    let ctx = Context {
        catalogue: setup.policies.catalogue(),
        strict: common.strict,
        color: common.output.is_none() && use_color(common.color),
        width: 100,
    };
    let reporter =
        report::for_format(common.format.name()).expect("every --format value has a reporter");
    let rendered = reporter.render(report, &ctx);
    let code = report.exit_code(common.strict);
    let mut outcome = Outcome {
        code,
        ..Outcome::default()
    };
    match &common.output {
        Some(path) => {
            if let Err(e) = custody_engine::atomic::write_atomic(path, rendered.as_bytes()) {
                return Outcome::usage(format!("cannot write {}: {e}", path.display()));
            }
            if !common.quiet {
                outcome.stderr = format!("{}\n", report::summary_line(report, common.strict));
            }
        }
        None => {
            outcome.stdout = rendered;
            if common.format != Format::Human {
                for e in &report.tool_errors {
                    outcome.stderr.push_str(&format!("error: {}\n", e.message));
                }
                if report.nothing_to_evaluate() {
                    outcome.stderr.push_str(&format!(
                        "error: no {} document found to evaluate (pass --allow-empty to accept an empty run)\n",
                        report.noun
                    ));
                }
            }
        }
    }
    outcome
}

/// `--dump-inputs FILE`: the policy inputs as JSON Lines, written atomically. `Some` is the failure outcome.
fn write_inputs(report: &Report, path: Option<&Path>) -> Option<Outcome> {
    let path = path?;
    let mut text = String::with_capacity(report.inputs.iter().map(|i| i.len() + 1).sum());
    for input in &report.inputs {
        text.push_str(input);
        text.push('\n');
    }
    custody_engine::atomic::write_atomic(path, text.as_bytes())
        .err()
        .map(|e| Outcome::usage(format!("cannot write {}: {e}", path.display())))
}

fn run_options(
    common: &Common,
    setup: &Setup,
    paths: Vec<PathBuf>,
    progress: Option<run::Progress>,
    dump_inputs: Option<&Path>,
) -> RunOptions {
    let mut exclude = setup.config.exclude.clone();
    exclude.extend(common.exclude.iter().cloned());
    RunOptions {
        paths,
        exclude,
        budgets: setup.budgets,
        now_ns: setup.now_ns,
        jobs: common.jobs,
        progress,
        dump_inputs: dump_inputs.is_some(),
    }
}

/// Run a parsed command line; `progress` is told of each bundle `check` evaluates.
pub fn run_with_progress(cli: Cli, progress: Option<run::Progress>) -> Outcome {
    match cli.command {
        Command::Validate {
            paths,
            dump_inputs,
            common,
        } => {
            custody_engine::schema::prewarm(&[DocumentKind::Workflow]);
            let setup = match setup(&common, &[], false, Some(DocumentKind::Workflow)) {
                Ok(s) => s,
                Err(o) => return o,
            };
            let paths = if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            };
            let opts = run_options(&common, &setup, paths, None, dump_inputs.as_deref());
            let mut report = custody_engine::validate::validate(&opts, &setup.policies);
            if let Some(o) = write_inputs(&report, dump_inputs.as_deref()) {
                return o;
            }
            finish(&mut report, &setup, &common)
        }
        Command::Check {
            workflows,
            bundles,
            dump_inputs,
            common,
        } => {
            custody_engine::schema::prewarm(&[DocumentKind::Workflow, DocumentKind::SessionBundle]);
            let setup = match setup(&common, &[], false, Some(DocumentKind::SessionBundle)) {
                Ok(s) => s,
                Err(o) => return o,
            };
            let opts = run_options(&common, &setup, bundles, progress, dump_inputs.as_deref());
            let mut report = custody_engine::check::check(&opts, &workflows, &setup.policies);
            if let Some(o) = write_inputs(&report, dump_inputs.as_deref()) {
                return o;
            }
            finish(&mut report, &setup, &common)
        }
        Command::Seal {
            bundles,
            reseal,
            config,
            now,
        } => seal(&bundles, reseal, config.as_deref(), now.as_deref()),
        Command::Import {
            source: ImportSource::Teleport(args),
        } => import_teleport(&args),
        Command::Test { paths, common } => test(&paths, &common),
        Command::Rules { common } => rules(&common),
        Command::Explain { rule, common } => explain(&rule, &common),
        Command::Init { dir } => init(&dir),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "custody", &mut buf);
            Outcome {
                stdout: String::from_utf8_lossy(&buf).into_owned(),
                ..Outcome::default()
            }
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut buf) {
                Ok(()) => Outcome {
                    stdout: String::from_utf8_lossy(&buf).into_owned(),
                    ..Outcome::default()
                },
                Err(e) => Outcome::usage(format!("cannot render the man page: {e}")),
            }
        }
        Command::Schema { kind } => Outcome {
            stdout: kind.schema_text().to_owned(),
            ..Outcome::default()
        },
    }
}

fn test(paths: &[PathBuf], common: &Common) -> Outcome {
    let setup = match setup(common, paths, true, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (results, coverage) = engine::run_tests(&setup.policies);
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    let mut out = String::new();
    if common.format == Format::Json {
        let doc = serde_json::json!({
            "summary": {"passed": passed, "failed": failed},
            "tests": results,
            "coverage": coverage,
        });
        out = serde_json::to_string_pretty(&doc).unwrap_or_default();
        out.push('\n');
    } else {
        for r in &results {
            let status = if r.passed { "PASS" } else { "FAIL" };
            out.push_str(&format!("{status} {} {}\n", r.file, r.name));
            if let Some(m) = &r.message {
                out.push_str(&format!("     {m}\n"));
            }
        }
        out.push_str("\ncoverage (lines of policy evaluated by the tests):\n");
        for c in &coverage {
            let total = c.covered + c.not_covered;
            let pct = if total == 0 {
                100.0
            } else {
                100.0 * c.covered as f64 / total as f64
            };
            out.push_str(&format!("  {pct:5.1}%  {}\n", c.file));
        }
        out.push_str(&format!("\n{passed} passed, {failed} failed\n"));
    }
    let code = if results.is_empty() {
        2
    } else if failed > 0 {
        1
    } else {
        0
    };
    let mut outcome = Outcome {
        stdout: out,
        code,
        ..Outcome::default()
    };
    if results.is_empty() {
        outcome.stderr = "error: no test_* rules found\n".to_owned();
    }
    outcome
}

fn rules(common: &Common) -> Outcome {
    let setup = match setup(common, &[], false, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let mut rules = setup.policies.catalogue().rules().to_vec();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let stdout = if common.format == Format::Json {
        let mut s = serde_json::to_string_pretty(&rules).unwrap_or_default();
        s.push('\n');
        s
    } else {
        let mut s = String::new();
        for r in &rules {
            let sev = match setup.config.setting(&r.id) {
                Some(custody_engine::config::RuleSetting::Off) => "off".to_owned(),
                Some(custody_engine::config::RuleSetting::Level(l)) => l.to_string(),
                None => r.severity.to_string(),
            };
            s.push_str(&format!("{:<9} {:<8} {}\n", r.id, sev, r.title));
            if !r.frameworks.is_empty() {
                s.push_str(&format!("{:<18} {}\n", "", r.frameworks.join(", ")));
            }
        }
        s
    };
    Outcome {
        stdout,
        ..Outcome::default()
    }
}

fn explain(rule: &str, common: &Common) -> Outcome {
    let setup = match setup(common, &[], false, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let catalogue = setup.policies.catalogue();
    let Some(meta) = catalogue
        .get(&rule.to_uppercase())
        .or_else(|| catalogue.get(rule))
    else {
        return Outcome::usage(format!("unknown rule `{rule}`; `custody rules` lists them"));
    };
    if common.format == Format::Json {
        let mut s = serde_json::to_string_pretty(meta).unwrap_or_default();
        s.push('\n');
        return Outcome {
            stdout: s,
            ..Outcome::default()
        };
    }
    let severity = match meta.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut s = format!("{} — {}\n\n", meta.id, meta.title);
    s.push_str(&format!("severity:   {severity}\n"));
    if meta.is_rust_check() {
        s.push_str("policy:     custody (checked in Rust, before or after the policies run)\n\n");
    } else {
        s.push_str(&format!(
            "policy:     {} ({}:{})\n\n",
            meta.package, meta.file, meta.line
        ));
    }
    s.push_str(&format!(
        "What it checks and why:\n  {}\n\n",
        meta.description
    ));
    s.push_str(&format!("How to fix:\n  {}\n\n", meta.remediation));
    s.push_str("Framework references:\n");
    for f in &meta.frameworks {
        s.push_str(&format!("  {f}\n"));
    }
    Outcome {
        stdout: s,
        ..Outcome::default()
    }
}

fn seal(bundles: &[PathBuf], reseal: bool, config: Option<&Path>, now: Option<&str>) -> Outcome {
    if let Err(e) = parse_now(now) {
        return Outcome::usage(e);
    }
    // The configuration's limits bound what seal reads, as they bound what check reads: a bundle check
    // accepts can be sealed, and one over the limits is refused.
    let budgets = match Config::discover(config) {
        Ok(config) => config.budgets(),
        Err(e) => return Outcome::diagnostic(&e),
    };
    let mut outcome = Outcome::default();
    for path in bundles {
        match custody_engine::seal::seal(path, reseal, &budgets) {
            Ok(custody_engine::seal::Sealed::Written(files)) => {
                for f in files {
                    outcome
                        .stdout
                        .push_str(&format!("sealed {}\n", f.display()));
                }
            }
            Ok(custody_engine::seal::Sealed::Unchanged) => {
                outcome
                    .stdout
                    .push_str(&format!("unchanged {} (chain verifies)\n", path.display()));
            }
            Ok(custody_engine::seal::Sealed::Refused { message, .. }) => {
                outcome
                    .stderr
                    .push_str(&format!("CUS-S013 {}: {message}\n", path.display()));
                outcome.code = outcome.code.max(1);
            }
            Err(e) => {
                outcome.stderr.push_str(&format!("error: {e}\n"));
                outcome.code = 2;
            }
        }
    }
    outcome
}

fn import_teleport(args: &TeleportImport) -> Outcome {
    use custody_engine::import;
    if let Err(e) = parse_now(args.now.as_deref()) {
        return Outcome::usage(e);
    }
    let retain_ns = match args.retain.as_deref() {
        None => None,
        Some(text) => match custody_engine::units::duration_ns(text) {
            Some(ns) => Some(ns),
            None => {
                return Outcome::usage(format!(
                    "--retain `{text}` is not a duration `<int><m|h|d>` (e.g. 400d)"
                ))
            }
        },
    };
    let workflows = if args.workflows.is_empty() {
        Default::default()
    } else {
        match import::load_workflows(&args.workflows) {
            Ok(w) => w,
            Err(e) => return Outcome::usage(e),
        }
    };
    let opts = import::Options {
        workflow: args.workflow.clone(),
        workflows,
        retain_ns,
    };
    let result = import::read_sources(&args.logs)
        .and_then(|sources| import::teleport::import(&sources, &opts))
        .and_then(|(bundles, summary)| {
            let written = import::write_bundles(&args.out, &bundles, args.force)?;
            Ok((bundles, summary, written))
        });
    let (bundles, summary, written) = match result {
        Ok(r) => r,
        Err(e) => return Outcome::usage(e),
    };
    let mut outcome = Outcome::default();
    if args.format == ImportFormat::Json {
        let items: Vec<serde_json::Value> = bundles
            .iter()
            .zip(&written)
            .map(|(b, (path, state))| {
                serde_json::json!({
                    "session": b.session,
                    "dir": path.display().to_string(),
                    "workflow": b.workflow,
                    "events": b.events,
                    "status": state.as_str(),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "summary": {
                "sessions": summary.sessions,
                "events": summary.events,
                "skipped": summary.skipped_total(),
                "skippedByType": summary.skipped,
                "withoutWorkflow": summary.without_workflow,
            },
            "bundles": items,
        });
        outcome.stdout = serde_json::to_string_pretty(&doc).unwrap_or_default();
        outcome.stdout.push('\n');
        return outcome;
    }
    if !args.quiet {
        for (b, (path, state)) in bundles.iter().zip(&written) {
            outcome.stdout.push_str(&format!(
                "{:<9} {} ({} event{}{})\n",
                state.as_str(),
                path.display(),
                b.events,
                if b.events == 1 { "" } else { "s" },
                b.workflow
                    .as_ref()
                    .map_or(", no workflow".to_owned(), |w| format!(", workflow {w}"))
            ));
        }
    }
    outcome
        .stdout
        .push_str(&import_summary_line(&summary, &args.out));
    outcome
}

/// `imported 5 sessions (58 events read, 21 skipped: print 6, …) into DIR`.
fn import_summary_line(summary: &custody_engine::import::Summary, out: &Path) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "imported {} ({} read, {} skipped",
        plural(summary.sessions, "session"),
        plural(summary.events, "event"),
        summary.skipped_total()
    );
    if !summary.skipped.is_empty() {
        let parts: Vec<String> = summary
            .skipped
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        line.push_str(&format!(": {}", parts.join(", ")));
    }
    line.push_str(&format!(") into {}", out.display()));
    if !summary.without_workflow.is_empty() {
        line.push_str(&format!(
            "; {} without a workflow (check reports CUS-S001): {}",
            plural(summary.without_workflow.len(), "session"),
            summary.without_workflow.join(", ")
        ));
    }
    line.push('\n');
    line
}

/// The files `custody init` writes, relative to its directory.
pub const INIT_FILES: &[(&str, &str)] = &[
    (
        "workflows/example.yaml",
        include_str!("../templates/workflow.yaml"),
    ),
    (".custody.yaml", include_str!("../templates/custody.yaml")),
    (
        ".pre-commit-config.yaml",
        include_str!("../templates/pre-commit-config.yaml"),
    ),
    (
        ".github/workflows/custody.yml",
        include_str!("../templates/github-workflow.yml"),
    ),
];

fn init(dir: &Path) -> Outcome {
    let existing: Vec<String> = INIT_FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Outcome::usage(format!(
            "refusing to overwrite existing files: {}; move them away or scaffold into another directory",
            existing.join(", ")
        ));
    }
    let mut outcome = Outcome::default();
    for (rel, text) in INIT_FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                return Outcome::usage(format!("cannot create {}: {e}", parent.display()));
            }
        }
        if let Err(e) = custody_engine::atomic::write_atomic(&path, text.as_bytes()) {
            return Outcome::usage(format!("cannot write {}: {e}", path.display()));
        }
        outcome
            .stdout
            .push_str(&format!("created {}\n", path.display()));
    }
    outcome
        .stdout
        .push_str("next: edit workflows/example.yaml, then run `custody validate`\n");
    outcome
}
