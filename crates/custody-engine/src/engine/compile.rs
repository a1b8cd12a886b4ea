//! Compiling Rego sources into an interpreter (`regorus::Engine`) and finding their entry points.

use std::num::NonZeroU32;
use std::time::Duration;

use regorus::{Engine, Value};

use super::extensions::add_extensions;
use super::program::{self, declared_entries};
use super::sources::PolicySource;
use super::PolicyError;
use crate::document::DocumentKind;
use crate::findings::Severity;

/// The longest a single rule evaluation may run before it is stopped (guards against looping policies).
pub(super) const EVAL_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The kind of a rule entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EntryKind {
    /// `deny` (error) / `warn` (warning) / `violation` (error).
    Set(Severity),
}

#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) query: String,
    pub(super) package: String,
    pub(super) rule: &'static str,
    pub(super) kind: EntryKind,
    pub(super) targets: &'static [DocumentKind],
    /// Declared by a built-in rule set (evaluated by the compiled VM when it is in use).
    pub(super) builtin: bool,
}

pub(super) fn new_engine() -> Result<Engine, PolicyError> {
    let mut engine = Engine::new();
    engine.set_strict_builtin_errors(true);
    set_time_limit(&mut engine, EVAL_TIME_LIMIT);
    add_extensions(&mut engine)?;
    Ok(engine)
}

/// The package a rule set belongs to decides which documents it applies to.
pub(super) fn targets_of(package: &str) -> Option<&'static [DocumentKind]> {
    program::kinds_of(package)
}

/// Add the entry point `rule` of `package` unless a rule set of the same package added it already.
pub(super) fn push_entry(
    entries: &mut Vec<Entry>,
    package: &str,
    rule: &'static str,
    targets: &'static [DocumentKind],
    builtin: bool,
) {
    let kind = match rule {
        "warn" => EntryKind::Set(Severity::Warning),
        _ => EntryKind::Set(Severity::Error),
    };
    let query = format!("data.{package}.{rule}");
    if !entries.iter().any(|e| e.query == query) {
        entries.push(Entry {
            query,
            package: package.to_owned(),
            rule,
            kind,
            targets,
            builtin,
        });
    }
}

/// Add the generated aggregate modules and the data document to an engine holding the sources, and prepare
/// it (analyse and schedule) once: worker clones then start prepared instead of each repeating it on their
/// first document.
pub(super) fn finish_interpreter(
    mut engine: Engine,
    entries: &[Entry],
    data: Value,
) -> Result<Engine, PolicyError> {
    for target in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
        let path = format!("<custody: {}>", aggregate_query(target));
        engine
            .add_policy(path.clone(), aggregate_module(target, entries))
            .map_err(|e| PolicyError::Compile {
                file: path,
                message: e.to_string(),
            })?;
    }
    engine
        .add_data(data)
        .map_err(|e| PolicyError::Engine(e.to_string()))?;
    // The result of this empty-input evaluation is not used.
    engine.set_input(Value::new_object());
    let _ = engine.eval_query("true".to_owned(), false);
    Ok(engine)
}

/// Bound the time one query of `engine` may run.
pub(super) fn set_time_limit(engine: &mut Engine, limit: Duration) {
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit,
        check_interval: NonZeroU32::new(64).unwrap_or(NonZeroU32::MIN),
    });
}

/// Compile the sources into a new engine and find their entry points (`deny`, `warn`, `violation`).
pub(super) fn compile_sources(
    sources: &[&PolicySource],
) -> Result<(Engine, Vec<Entry>), PolicyError> {
    let mut engine = new_engine()?;
    let mut entries = Vec::new();
    for source in sources {
        let package = engine
            .add_policy(source.path.clone(), source.text.clone())
            .map_err(|e| PolicyError::Compile {
                file: source.path.clone(),
                message: e.to_string(),
            })?;
        let package = package.strip_prefix("data.").unwrap_or(&package).to_owned();
        if !source.is_test() {
            if let Some(targets) = targets_of(&package) {
                let declared = declared_entries(&engine, &source.path).map_err(|message| {
                    PolicyError::Compile {
                        file: source.path.clone(),
                        message,
                    }
                })?;
                for rule in declared {
                    push_entry(&mut entries, &package, rule, targets, source.builtin);
                }
            }
        }
    }
    Ok((engine, entries))
}

/// The rule of the generated module that evaluates every entry point of a target at once.
pub(super) fn aggregate_query(target: DocumentKind) -> String {
    program::aggregate_query(target.rule_set())
}

/// The generated module behind [`aggregate_query`], over the target's entries.
pub(super) fn aggregate_module(target: DocumentKind, entries: &[Entry]) -> String {
    program::aggregate_module(
        target.rule_set(),
        entries
            .iter()
            .filter(|e| e.targets.contains(&target))
            .map(|e| e.query.as_str()),
    )
}
