//! Command-line definition (clap). Parsing only: the binary dispatches.

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use custody_engine::document::DocumentKind;

#[derive(Debug, Parser)]
#[command(
    name = "custody",
    version,
    about = "Policy-as-code for privileged-access accountability: validate workflow manifests, check session evidence",
    long_about = None,
    after_help = "Exit codes: 0 no failing finding; 1 at least one failing finding; 2 the tool could not do its job."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check workflow manifests against the schema and the policies
    Validate(ValidateArgs),
    /// Check session bundles against the workflows they name, and verify their evidence
    Check(CheckArgs),
    /// Compute and write a bundle's event hash chain and head anchor (atomically)
    Seal(SealArgs),
    /// Import evidence other systems keep (Teleport audit events) into sealed session bundles
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Write today's findings into the configuration as governed exceptions (reason `baseline`), to turn the
    /// gate on now and pay the debt down
    Baseline(BaselineArgs),
    /// Run the Rego unit tests (rules named test_*) of the built-in and the given policies
    Test(TestArgs),
    /// List the rule catalogue (id, severity, title, frameworks)
    Rules(RulesArgs),
    /// Explain one rule: what it checks, why, how to fix it, framework references
    Explain(ExplainArgs),
    /// Test a command line against a workflow's command policy: each segment and the glob that decided it
    #[command(name = "check-command")]
    JudgeCommandLine(CheckCommandArgs),
    /// Scaffold a starter layout: example workflow, .custody.yaml, pre-commit and CI files
    Init(InitArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Print a man page (roff): custody(1), or custody-COMMAND(1) for one command; --dir writes them all
    Man(ManArgs),
    /// Print the JSON Schema of a document kind
    Schema(SchemaArgs),
}

/// `custody validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or directories (default: the current directory)
    pub paths: Vec<PathBuf>,
    /// Also write each policy input (the document plus `input.custody`) to FILE as JSON Lines, in input
    /// order: what the policies see, for debugging a policy or evaluating it with `opa eval`
    #[arg(long, value_name = "FILE")]
    pub dump_inputs: Option<PathBuf>,
    /// Other manifests (files or directories; repeatable) whose ids the validated ones must not reuse: read
    /// for their `metadata.id` only, never judged. The pre-commit hook passes the repository (`.`), so a
    /// changed manifest that reuses another's id is a CUS-P003 finding while untouched files' findings stay
    /// out of the commit
    #[arg(long, value_name = "PATH")]
    pub ids_from: Vec<PathBuf>,
    #[command(flatten)]
    pub evaluation: Evaluation,
}

/// `custody check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Workflow manifests (files or directories; repeatable)
    #[arg(long = "workflows", value_name = "PATH", required = true)]
    pub workflows: Vec<PathBuf>,
    /// Bundle files, bundle directories, JSON Lines streams (.jsonl), or - for JSON Lines on stdin
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    /// OpenSSH allowed_signers file: whose SSH signatures of evidence heads to trust (CUS-S022); default:
    /// trust.allowedSigners in .custody.yaml
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Also write each policy input (the document plus `input.custody`) to FILE as JSON Lines, in input
    /// order: what the policies see, for debugging a policy or evaluating it with `opa eval`
    #[arg(long, value_name = "FILE")]
    pub dump_inputs: Option<PathBuf>,
    #[command(flatten)]
    pub evaluation: Evaluation,
}

/// `custody seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Bundle files or bundle directories
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    /// Rewrite a chain that exists but does not verify (after investigating why)
    #[arg(long)]
    pub reseal: bool,
    /// Then sign each sealed bundle's evidence head with this OpenSSH private key (ed25519 or ECDSA P-256;
    /// an encrypted key asks for its passphrase on the terminal): adds one evidence.head.signatures entry
    #[arg(long, value_name = "KEYFILE", requires = "signer")]
    pub sign: Option<PathBuf>,
    /// The principal the signature is made as (as the allowed_signers file lists the key), with --sign
    #[arg(long, value_name = "NAME", requires = "sign")]
    pub signer: Option<String>,
    /// Configuration file, for its `limits` (default: the nearest .custody.yaml, in this directory or a parent up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accepted and ignored, so that scripts can pass --now to every command; still checked as RFC 3339.
    /// Sealing reads no clock. Hidden from --help.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub now: Option<String>,
}

/// `custody test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Extra policy files or directories whose tests to run
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Extra data document (JSON or YAML), merged into `data` (repeatable)
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Also run the built-in policies' tests (run anyway when no policy of your own is given)
    #[arg(long)]
    pub builtin: bool,
    /// Run only the tests whose full name (`data.<package>.<rule>`) matches REGEX, as `opa test --run`
    #[arg(long = "run", short = 'r', value_name = "REGEX")]
    pub run: Option<String>,
    /// Show every test run and the coverage of each policy file, not only the failures
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
}

/// `custody rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

/// `custody explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id such as CUS-W005
    pub rule: String,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
}

/// `custody baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Manifests to validate (default: the current directory); with --workflows, the bundles to check
    pub paths: Vec<PathBuf>,
    /// Baseline the findings of `check` on the bundles PATHS, against these workflow manifests (repeatable)
    #[arg(long = "workflows", value_name = "PATH")]
    pub workflows: Vec<PathBuf>,
    /// Extra Rego policy directory or file (repeatable)
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Extra data document (JSON or YAML), merged into `data` (repeatable)
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// The configuration file to write the exceptions into (default: the nearest .custody.yaml, else a new
    /// .custody.yaml in the current directory)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Evaluation time (RFC 3339; default: now); the exceptions expire params.baselineMaxAge after it
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Skip paths matching this glob (repeatable)
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// `custody check-command`.
#[derive(Debug, Args)]
pub struct CheckCommandArgs {
    /// The workflow's metadata.id
    pub workflow: String,
    /// The command line, as a session would record it (quote it for the shell)
    pub command_line: String,
    /// Workflow manifests (files or directories; repeatable)
    #[arg(long = "workflows", value_name = "PATH", required = true)]
    pub workflows: Vec<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
}

/// The flags of the commands that load the policies without evaluating documents (`test`, `rules`,
/// `explain`).
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Extra Rego policy directory or file (repeatable)
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Configuration file (default: the nearest .custody.yaml, in this directory or a parent up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accepted and ignored, so that scripts can pass --now to every command; still checked as RFC 3339.
    /// These commands read no evaluation time. Hidden from --help.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub now: Option<String>,
}

/// `custody init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to scaffold (default: the current directory)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// `custody man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (default: custody(1), the overview)
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::commands::man::PAGES.iter().map(|p| p.command).filter(|c| !c.is_empty())))]
    pub command: Option<String>,
    /// Write every page (custody.1, custody-validate.1, …) into DIR instead of printing one
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

/// `custody completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `custody schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[arg(value_parser = schema_kind())]
    pub kind: DocumentKind,
}

/// The systems `custody import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Teleport audit events (JSON Lines) → one sealed bundle directory per session id
    Teleport(TeleportImport),
}

/// `custody import teleport`.
#[derive(Debug, Args)]
pub struct TeleportImport {
    /// Teleport audit logs: one JSON event per line, as the file log backend and the event handler write them
    #[arg(required = true, value_name = "AUDIT.jsonl")]
    pub logs: Vec<PathBuf>,
    /// Directory to write the bundles into (one directory per session id; created when absent)
    #[arg(long, value_name = "DIR", required = true)]
    pub out: PathBuf,
    /// Workflow of sessions whose server carries no `custody/workflow` label
    #[arg(long, value_name = "ID")]
    pub workflow: Option<String>,
    /// Workflow manifests (files or directories): ticket patterns and target systems (repeatable)
    #[arg(long = "workflows", value_name = "PATH")]
    pub workflows: Vec<PathBuf>,
    /// Evidence is kept at least this long after each session's end (e.g. 400d): writes retention.until
    #[arg(long, value_name = "DURATION")]
    pub retain: Option<String>,
    /// Directory of the session recordings Teleport exported (`<session id>.tar`): each full recording found
    /// is hashed into its bundle (recording uri and sha256), which immutable workflows require (CUS-S020)
    #[arg(long, value_name = "DIR")]
    pub recordings: Option<PathBuf>,
    /// Replace existing bundles that differ from the import (identical ones are never touched)
    #[arg(long)]
    pub force: bool,
    /// Output format of the import summary
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
    /// Print only the summary line, not one line per bundle
    #[arg(long, short)]
    pub quiet: bool,
    /// Accepted and ignored, so that scripts can pass --now to every command; still checked as RFC 3339.
    /// An import reads no clock. Hidden from --help.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub now: Option<String>,
}

/// Output of the commands that print either text for people or JSON (`test`, `explain`, `import`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Human,
    Json,
}

/// Output of `custody rules`: the catalogue as text, JSON or a Markdown reference (docs/rules.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

/// `custody schema workflow|bundle`: the document kind by the name users type.
fn schema_kind() -> impl clap::builder::TypedValueParser<Value = DocumentKind> {
    clap::builder::PossibleValuesParser::new(["workflow", "bundle"]).map(|name| {
        match name.as_str() {
            "workflow" => DocumentKind::Workflow,
            _ => DocumentKind::SessionBundle,
        }
    })
}

/// The report formats of `validate` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Flags of the commands that evaluate documents and report findings (`validate`, `check`).
#[derive(Debug, Args, Clone)]
pub struct Evaluation {
    /// Extra Rego policy directory or file (repeatable)
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Extra data document (JSON or YAML), merged into `data` (repeatable)
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Configuration file (default: the nearest .custody.yaml, in this directory or a parent up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Warnings fail the run too
    #[arg(long)]
    pub strict: bool,
    /// Evaluation time (RFC 3339; default: now)
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Skip paths matching this glob (repeatable)
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// A run with nothing to evaluate exits 0 instead of 2
    #[arg(long)]
    pub allow_empty: bool,
    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores)
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar and no summary line on stderr
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour in human output (NO_COLOR is honoured under auto)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}
