//! The policy engine: built-in and user Rego compiled into regorus engines (one per thread: regorus's values
//! are not shared between threads), evaluated on each document into raw findings.
//!
//! - [`sources`]: the Rego to load; [`data`]: the data document;
//! - [`compile`]: the interpreter and the entry points; [`program`], [`precompiled`]: the VM programs
//!   `build.rs` compiles and embeds; [`metadata`]: METADATA blocks; [`recursion`]: rejecting recursive Rego;
//! - [`pool`]: each thread's engines and workers; [`extensions`]: custody's extension functions;
//! - [`evaluate`]: one document's evaluation; [`vm`]: the VM path; [`results`]: raw findings and failures;
//! - [`test_runner`]: `custody test`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use regorus::Value;

pub mod compile;
pub mod data;
pub mod evaluate;
pub mod extensions;
pub mod metadata;
pub mod pool;
pub mod precompiled;
pub mod program;
pub mod recursion;
pub mod results;
pub mod sources;
pub mod test_runner;
pub mod vm;

pub use data::{data_document, DEFAULT_PARAMS};
pub use extensions::{add_extensions, call_extension, PatternCache, EXTENSIONS};
pub use pool::{EngineChoice, PooledWorker, Worker, VM_MIN_DOCUMENTS};
pub use results::{EvalError, EvalFailure, RawFinding};
pub use sources::{builtin_sources, user_sources, PolicySource, BUILTIN};
pub use test_runner::{run_tests, FileCoverage, TestResult};

use crate::catalogue::{Catalogue, RuleMeta};
use crate::document::DocumentKind;
use crate::findings::Severity;
use compile::{
    compile_sources, finish_interpreter, push_entry, targets_of, Entry, EVAL_TIME_LIMIT,
};
use pool::{keep, next_id, VmState, LOCAL, LOCAL_ENGINES};
use program::package_of;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PolicyError {
    #[error("policy {file} does not compile:\n{message}")]
    #[diagnostic(
        help("fix the Rego syntax at the position shown; custody policies are Rego v1 (`deny contains f if {{ … }}`)")
    )]
    Compile { file: String, message: String },
    #[error("cannot read policy {path}: {source}")]
    #[diagnostic(help("check that the path exists and is readable"))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("policy data {file} could not be loaded: {message}")]
    #[diagnostic(help("--data takes a JSON or YAML object"))]
    Data { file: String, message: String },
    #[error("policy engine error: {0}")]
    Engine(String),
}

/// All policies, compiled once, with their rules' catalogue.
#[derive(Clone)]
pub struct Policies {
    /// Names this set of policies (and its time limit) in each thread's interpreters and idle workers
    /// ([`LOCAL`]): regorus's values are reference-counted without atomics (its `arc` feature is off, see
    /// `vendor/regorus/CUSTODY.md`), so engines and VMs never cross threads; each thread builds its own.
    id: u64,
    entries: Vec<Entry>,
    /// The rules of the checks made in Rust and of every loaded policy file.
    catalogue: Catalogue,
    pub sources: Vec<PolicySource>,
    /// Built-in rule sets of the other target, left out of a run limited to one: their METADATA is read
    /// only if the configuration names rules ([`Policies::catalogue_ids`]).
    left_out: Vec<PolicySource>,
    time_limit: Duration,
    vm: Arc<VmState>,
}

/// Whether a run limited to `only` loads `source`: built-in rule sets of the other target are left out.
fn wanted(source: &PolicySource, only: Option<DocumentKind>) -> bool {
    let Some(only) = only else { return true };
    let declared = package_of(&source.text).and_then(targets_of);
    !(source.builtin && declared.is_some_and(|t| !t.contains(&only)))
}

impl Policies {
    /// Load the given sources (tests included when `with_tests`) and the data document.
    pub fn load(
        sources: Vec<PolicySource>,
        data: serde_json::Value,
        with_tests: bool,
    ) -> Result<Policies, PolicyError> {
        Policies::load_for(sources, data, with_tests, None)
    }

    /// Like [`Policies::load`], but when `only` names a target, built-in rule sets of the other target are
    /// not compiled (their metadata is still read, so every rule id stays known). `validate` compiles no
    /// session policies: a one-manifest pre-commit run starts in half the time.
    ///
    /// The built-in rule sets alone (no user policy, no test) are not parsed at all: their entry points
    /// and VM programs were found and compiled by `build.rs` ([`precompiled`]).
    pub fn load_for(
        sources: Vec<PolicySource>,
        data: serde_json::Value,
        with_tests: bool,
        only: Option<DocumentKind>,
    ) -> Result<Policies, PolicyError> {
        let sources: Vec<PolicySource> = sources
            .into_iter()
            .filter(|s| with_tests || !s.is_test())
            .collect();
        // Only the rule sets loaded are compiled and have their METADATA read (a one-manifest run skips the
        // session rules').
        let (loaded, left_out): (Vec<&PolicySource>, Vec<&PolicySource>) =
            sources.iter().partition(|s| wanted(s, only));
        let precompiled = loaded
            .iter()
            .all(|s| s.builtin && precompiled::is_embedded(&s.path, &s.text));
        let read_metadata = || {
            loaded
                .iter()
                .map(|s| parse_metadata(&s.path, &s.text))
                .collect::<Vec<_>>()
        };
        let (interpreter, entries, metadata) = if precompiled {
            let mut entries = Vec::new();
            for source in &loaded {
                for (package, rule) in precompiled::entry_points(&source.path) {
                    if let Some(targets) = targets_of(package) {
                        push_entry(&mut entries, package, rule, targets, true);
                    }
                }
            }
            (None, entries, read_metadata())
        } else {
            // The METADATA blocks are parsed on a second thread while the engine compiles the Rego: a
            // third of a one-manifest run's start-up otherwise.
            let (compiled, metadata) = std::thread::scope(|scope| {
                let metadata = scope.spawn(read_metadata);
                let compiled = compile_sources(&loaded);
                // parse_metadata does not panic (a malformed block is an error value); fall back to parsing
                // here if the thread could not finish.
                let metadata = metadata.join().unwrap_or_else(|_| read_metadata());
                (compiled, metadata)
            });
            let (engine, entries) = compiled?;
            let engine = finish_interpreter(engine, &entries, Value::from(data.clone()))?;
            (Some(engine), entries, metadata)
        };
        let builtin_packages: Vec<&str> = sources
            .iter()
            .filter(|s| s.builtin)
            .filter_map(|s| package_of(&s.text))
            .collect();
        let overlaps = |p: &str| {
            builtin_packages.iter().any(|b| {
                *b == p
                    || b.strip_prefix(p).is_some_and(|r| r.starts_with('.'))
                    || p.strip_prefix(b).is_some_and(|r| r.starts_with('.'))
            })
        };
        let eligible = !sources
            .iter()
            .filter(|s| !s.builtin)
            .filter_map(|s| package_of(&s.text))
            .any(overlaps);
        let vm = VmState {
            data,
            eligible,
            compiled: [OnceLock::new(), OnceLock::new()],
        };
        let mut catalogue = Catalogue::new();
        for (source, meta) in loaded.iter().zip(metadata) {
            catalogue.extend(meta.map_err(|message| PolicyError::Compile {
                file: source.path.clone(),
                message,
            })?);
        }
        let id = next_id();
        if let Some(engine) = interpreter {
            // This thread's interpreter: the one compiled to report compile errors up front.
            LOCAL.with(|local| {
                keep(
                    &mut local.borrow_mut().engines,
                    id,
                    Ok(engine),
                    LOCAL_ENGINES,
                )
            });
        }
        Ok(Policies {
            id,
            entries,
            catalogue,
            sources: loaded.into_iter().cloned().collect(),
            left_out: left_out.into_iter().cloned().collect(),
            time_limit: EVAL_TIME_LIMIT,
            vm: Arc::new(vm),
        })
    }

    /// The catalogue of this run's rules: the checks made in Rust and the rules of every loaded policy
    /// file, user policies included.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Every rule id the configuration may name: the catalogue (built-in rule sets left out of this run
    /// included) and the conftest-style string rules.
    pub fn catalogue_ids(&self) -> Result<Vec<String>, PolicyError> {
        let mut ids: Vec<String> = self.catalogue.ids().map(str::to_owned).collect();
        for source in &self.left_out {
            let meta = parse_metadata(&source.path, &source.text).map_err(|message| {
                PolicyError::Compile {
                    file: source.path.clone(),
                    message,
                }
            })?;
            ids.extend(meta.into_iter().map(|r| r.id));
        }
        ids.extend(self.string_rule_ids());
        Ok(ids)
    }

    /// Ids of conftest-style string rules (`main.deny`), which are valid ids for configuration too.
    pub fn string_rule_ids(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| format!("{}.{}", e.package, e.rule))
            .collect()
    }
}

/// Read every `# METADATA` block of a Rego source that names a `custom.id` (a built-in file's as read at
/// build time).
pub fn parse_metadata(file: &str, text: &str) -> Result<Vec<RuleMeta>, String> {
    let package = package_of(text).unwrap_or_default();
    let blocks = match precompiled::metadata(file, text) {
        Some(blocks) => blocks,
        None => metadata::blocks(file, text)?,
    };
    Ok(blocks
        .into_iter()
        .map(|b| RuleMeta {
            id: b.id,
            title: b.title,
            description: b.description,
            severity: if b.warning {
                Severity::Warning
            } else {
                Severity::Error
            },
            frameworks: b.frameworks,
            remediation: b.remediation,
            package: package.to_owned(),
            file: file.to_owned(),
            line: b.line,
        })
        .collect())
}

#[cfg(test)]
mod parity_tests;
#[cfg(test)]
mod tests;
