//! The commands behind the CLI, one file each. Each returns an [`Outcome`]: what to write where and the exit
//! code. Nothing here prints or exits; `main.rs` does. This file holds what several commands share: loading
//! the configuration, policies and evaluation time, and rendering a report per the reporting flags.

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Color, Command, Evaluation, Format, ImportSource};
use custody_engine::catalogue::RuleMeta;
use custody_engine::config::Config;
use custody_engine::document::DocumentKind;
use custody_engine::engine::{self, Policies, PolicySource};
use custody_engine::pipeline::run::{self, Report, RunOptions};
use custody_engine::report::{self, Context};
use custody_engine::source::Budgets;

mod baseline;
mod check;
mod check_command;
mod completions;
mod explain;
mod import;
mod init;
pub(crate) mod man;
mod rules;
mod schema;
mod seal;
mod test;
mod validate;

/// What a command produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

impl Outcome {
    /// Text for standard output, exit code 0.
    fn printed(stdout: String) -> Outcome {
        Outcome {
            stdout,
            ..Outcome::default()
        }
    }

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

/// Run a parsed command line; `progress` is told of each bundle `check` evaluates.
pub fn run(cli: Cli, progress: Option<run::Progress>) -> Outcome {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Check(args) => check::run(args, progress),
        Command::Seal(args) => seal::run(&args),
        Command::Import {
            source: ImportSource::Teleport(args),
        } => import::teleport(&args),
        Command::Test(args) => test::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Baseline(args) => baseline::run(&args),
        Command::JudgeCommandLine(args) => check_command::run(&args),
        Command::Init(args) => init::run(&args.dir),
        Command::Completions(args) => completions::run(args.shell),
        Command::Man(args) => man::run(&args),
        Command::Schema(args) => schema::run(args.kind),
    }
}

/// The flags a command loads its policies with. `policies` are the `--policy` paths, `extra` further
/// policy paths (`custody test`'s arguments); commands without `--data` pass none.
struct PolicyFlags<'a> {
    config: Option<&'a Path>,
    policies: &'a [PathBuf],
    extra: &'a [PathBuf],
    data: &'a [PathBuf],
    now: Option<&'a str>,
}

impl<'a> PolicyFlags<'a> {
    /// The flags of `test`, `rules` and `explain`, with the policy files whose tests to run (`extra`) and
    /// data documents.
    fn of(args: &'a crate::cli::PolicyArgs, extra: &'a [PathBuf], data: &'a [PathBuf]) -> Self {
        PolicyFlags {
            config: args.config.as_deref(),
            policies: &args.policies,
            extra,
            data,
            now: args.now.as_deref(),
        }
    }
}

/// Everything a command that loads policies sets up from its flags: config, policies, time.
struct Setup {
    config: Config,
    policies: Policies,
    now_ns: i64,
    budgets: Budgets,
}

/// The evaluation time: `--now`, or the clock.
fn parse_now(now: Option<&str>) -> Result<i64, String> {
    match now {
        Some(text) => custody_engine::units::instant_ns(text).ok_or_else(|| {
            format!("--now `{text}` is not an RFC 3339 timestamp with an offset (e.g. 2026-11-25T12:00:00Z)")
        }),
        None => Ok(jiff::Timestamp::now().as_nanosecond() as i64),
    }
}

/// Load the configuration, the policies (built-in, configured, `--policy`, extra) with their data, and the
/// evaluation time. `with_tests` keeps the `test_*` rules; `only` limits the rule sets to one document kind.
fn setup(
    flags: &PolicyFlags<'_>,
    with_tests: bool,
    only: Option<DocumentKind>,
) -> Result<Setup, Outcome> {
    let now_ns = parse_now(flags.now).map_err(Outcome::usage)?;
    let config = Config::discover(flags.config).map_err(|e| Outcome::diagnostic(&e))?;
    let mut paths = config.policies.clone();
    paths.extend(flags.policies.iter().cloned());
    paths.extend(flags.extra.iter().cloned());
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
    let data = custody_engine::load::data_documents(flags.data).map_err(|e| {
        Outcome::diagnostic(&engine::PolicyError::Data {
            file: e.file,
            message: e.message,
        })
    })?;
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

/// Every rule the loaded policies define, sorted by id: what `rules` lists.
fn catalogue(policies: &Policies) -> Vec<&RuleMeta> {
    let mut rules: Vec<&RuleMeta> = policies.catalogue().rules().iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

/// One rule of the loaded policies by id, in any letter case, with or without custody's `CUS-` prefix
/// (`W005` is `CUS-W005`): what `explain` shows.
fn find_rule<'p>(policies: &'p Policies, id: &str) -> Option<&'p RuleMeta> {
    let catalogue = policies.catalogue();
    let upper = id.to_uppercase();
    catalogue
        .get(&upper)
        .or_else(|| catalogue.get(id))
        .or_else(|| catalogue.get(&format!("CUS-{upper}")))
}

/// Setup for `validate` and `check`; `only` limits the built-in rule sets to one document kind.
fn setup_evaluation(evaluation: &Evaluation, only: Option<DocumentKind>) -> Result<Setup, Outcome> {
    let flags = PolicyFlags {
        config: evaluation.config.as_deref(),
        policies: &evaluation.policies,
        extra: &[],
        data: &evaluation.data,
        now: evaluation.now.as_deref(),
    };
    setup(&flags, false, only)
}

/// The width to wrap human output to when standard output is a terminal: `COLUMNS` when it holds a
/// plausible width, else the terminal's own; `None` when standard output is not a terminal (no wrapping).
fn terminal_width() -> Option<usize> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 20);
    Some(
        columns
            .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
            .unwrap_or(100),
    )
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

/// The options of a `validate` or `check` run.
fn run_options(
    evaluation: &Evaluation,
    setup: &Setup,
    paths: Vec<PathBuf>,
    progress: Option<run::Progress>,
    dump_inputs: Option<&Path>,
) -> RunOptions {
    let mut exclude = setup.config.exclude.clone();
    exclude.extend(evaluation.exclude.iter().cloned());
    RunOptions {
        paths,
        exclude,
        budgets: setup.budgets,
        now_ns: setup.now_ns,
        jobs: evaluation.jobs,
        progress,
        dump_inputs: dump_inputs.is_some(),
        ids_from: Vec::new(),
        allowed_signers: None,
    }
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

/// Render a finished `validate` or `check` report per the reporting flags.
fn render_report(report: &mut Report, setup: &Setup, evaluation: &Evaluation) -> Outcome {
    run::apply_config(
        report,
        &setup.config,
        setup.policies.catalogue(),
        setup.now_ns,
    );
    report.allow_empty = evaluation.allow_empty;
    report.sort();
    let ctx = Context {
        catalogue: setup.policies.catalogue(),
        strict: evaluation.strict,
        color: evaluation.output.is_none() && use_color(evaluation.color),
        width: (evaluation.output.is_none()).then(terminal_width).flatten(),
    };
    let reporter =
        report::for_format(evaluation.format.name()).expect("every --format value has a reporter");
    let rendered = reporter.render(report, &ctx);
    let code = report.exit_code(evaluation.strict);
    let mut outcome = Outcome {
        code,
        ..Outcome::default()
    };
    // Tool errors go to standard error in every format; "nothing to evaluate" only when no tool error
    // already says why.
    // Text from input is escaped here too: a terminal shows standard error, and GitHub Actions reads workflow
    // commands from it as from standard output.
    let shown = |message: &str| match evaluation.format {
        Format::Github => report::escape_workflow_data(message),
        _ => custody_engine::sanitize::escape_line(message).into_owned(),
    };
    for message in report.tool_error_messages() {
        outcome
            .stderr
            .push_str(&format!("error: {}\n", shown(message)));
    }
    if report.tool_errors.is_empty() && report.nothing_to_evaluate() {
        outcome.stderr.push_str(&format!(
            "error: no {} document found to evaluate (pass --allow-empty to accept an empty run)\n",
            report.noun
        ));
    }
    match &evaluation.output {
        Some(path) => {
            if let Err(e) = custody_engine::atomic::write_atomic(path, rendered.as_bytes()) {
                return Outcome::usage(format!("cannot write {}: {e}", path.display()));
            }
            if !evaluation.quiet {
                outcome.stderr.push_str(&format!(
                    "{}\n",
                    report::summary_line(report, evaluation.strict)
                ));
            }
        }
        None => outcome.stdout = rendered,
    }
    outcome
}
