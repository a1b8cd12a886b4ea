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
    Validate {
        /// Files or directories (default: the current directory)
        paths: Vec<PathBuf>,
        /// Also write each policy input (the document plus `input.custody`) to FILE as JSON Lines, in input
        /// order: what the policies see, for debugging a policy or evaluating it with `opa eval`
        #[arg(long, value_name = "FILE")]
        dump_inputs: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Check session bundles against the workflows they name, and verify their evidence
    Check {
        /// Workflow manifests (files or directories; repeatable)
        #[arg(long = "workflows", value_name = "PATH", required = true)]
        workflows: Vec<PathBuf>,
        /// Bundle files, bundle directories, JSON Lines streams (.jsonl), or - for JSON Lines on stdin
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Also write each policy input (the document plus `input.custody`) to FILE as JSON Lines, in input
        /// order: what the policies see, for debugging a policy or evaluating it with `opa eval`
        #[arg(long, value_name = "FILE")]
        dump_inputs: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Compute and write a bundle's event hash chain and head anchor (atomically)
    Seal {
        /// Bundle files or bundle directories
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Rewrite a chain that exists but does not verify (after investigating why)
        #[arg(long)]
        reseal: bool,
        /// Configuration file, for its `limits` (default: .custody.yaml in the working directory, when present)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Evaluation time (accepted for symmetry with other commands)
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
    /// Import evidence other systems keep (Teleport audit events) into sealed session bundles
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Run the Rego unit tests (rules named test_*) of the built-in and the given policies
    Test {
        /// Extra policy files or directories whose tests to run
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// List the rule catalogue (id, severity, title, frameworks)
    Rules {
        #[command(flatten)]
        common: Common,
    },
    /// Explain one rule: what it checks, why, how to fix it, framework references
    Explain {
        /// A rule id such as CUS-W005
        rule: String,
        #[command(flatten)]
        common: Common,
    },
    /// Scaffold a starter layout: example workflow, .custody.yaml, pre-commit and CI files
    Init {
        /// Directory to scaffold (default: the current directory)
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Print the JSON Schema of a document kind
    Schema {
        #[arg(value_parser = schema_kind())]
        kind: DocumentKind,
    },
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
    /// Replace existing bundles that differ from the import (identical ones are never touched)
    #[arg(long)]
    pub force: bool,
    /// Output format of the import summary
    #[arg(long, value_enum, default_value_t = ImportFormat::Human)]
    pub format: ImportFormat,
    /// Print only the summary line, not one line per bundle
    #[arg(long, short)]
    pub quiet: bool,
    /// Evaluation time (accepted for symmetry with other commands; an import reads no clock)
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Human,
    Json,
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

/// Flags every evaluating command accepts.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Extra Rego policy directory or file (repeatable)
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Extra data document (JSON or YAML), merged into `data` (repeatable)
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Configuration file (default: .custody.yaml in the working directory, when present)
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
