//! The built-in rule sets compiled to regorus's register VM (RVM), for runs over many documents.
//!
//! The interpreter (`regorus::Engine`) stays the reference: it evaluates user policies, runs `custody test`,
//! and takes over any document the VM could not evaluate. The VM runs only the built-in rule sets, compiled
//! from the same Rego with one mechanical change: regorus 0.14's RVM does not resolve an import alias used as
//! a rule reference (`lib.has_workflow` after `import data.custody.session.lib` reads as undefined), so the
//! aliases are expanded to full references (`data.custody.session.lib.has_workflow`) before compiling.
//! custody's extension functions are host calls (`HostAwait`), answered by [`crate::policy::call_extension`].
//! `tests/engine_parity.rs` runs the same inputs through both engines and requires identical reports.

use std::sync::Arc;

use regorus::rvm::program::DeserializationResult;
use regorus::rvm::vm::{ExecutionMode, ExecutionState, RegoVM};
use regorus::rvm::Program;
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};

use crate::policy::{call_extension, PatternCache, PolicySource};

/// A target's built-in rule sets, compiled once and shared by every worker's VM.
pub struct Compiled {
    program: Arc<Program>,
    data: Value,
    entry: String,
}

// SAFETY-free sharing: with regorus's `arc` feature every shared part is an `Arc`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Compiled>();
};

impl Compiled {
    /// Compile `sources` (the built-in policy texts) with a generated module whose rule evaluates to the
    /// array of the values of `queries` (the entry points), for documents of `name` (`workflow`, `session`),
    /// against the data document `data`.
    pub fn new(
        engine: Engine,
        sources: &[&PolicySource],
        name: &str,
        queries: &[&str],
        data: Value,
    ) -> Result<Compiled, String> {
        let texts: Vec<(&str, &str)> = sources
            .iter()
            .map(|s| (s.path.as_str(), s.text.as_str()))
            .collect();
        let program = crate::program::compile_for_vm(engine, &texts, name, queries, data.clone())?;
        Ok(Compiled {
            program,
            data,
            entry: crate::program::aggregate_query(name),
        })
    }

    /// A program `build.rs` compiled (see [`crate::precompiled`]), for documents of `name`, against `data`:
    /// the VM reads the data document when it runs, so one program serves every configuration.
    pub fn from_binary(bytes: &[u8], name: &str, data: Value) -> Result<Compiled, String> {
        match Program::deserialize_binary(bytes)? {
            DeserializationResult::Complete(program) => Ok(Compiled {
                program: Arc::new(program),
                data,
                entry: crate::program::aggregate_query(name),
            }),
            DeserializationResult::Partial(_) => Err(
                "the embedded VM program needs recompiling (a regorus format change)".to_owned(),
            ),
        }
    }
}

/// One worker's VM over a [`Compiled`] program.
pub struct Vm {
    vm: RegoVM,
    entry: String,
    cache: PatternCache,
}

impl Vm {
    pub fn new(compiled: &Compiled, time_limit: std::time::Duration) -> Result<Vm, String> {
        let mut vm = RegoVM::new();
        vm.load_program(compiled.program.clone());
        vm.set_data(compiled.data.clone())
            .map_err(|e| e.to_string())?;
        vm.set_strict_builtin_errors(true);
        // The wall-clock limit bounds an evaluation, as it does for the interpreter; the instruction count
        // does not (a large bundle legitimately runs many instructions).
        vm.set_max_instructions(usize::MAX);
        vm.set_execution_timer_config(Some(ExecutionTimerConfig {
            limit: time_limit,
            check_interval: std::num::NonZeroU32::new(1024).unwrap_or(std::num::NonZeroU32::MIN),
        }));
        vm.set_execution_mode(ExecutionMode::Suspendable);
        Ok(Vm {
            vm,
            entry: compiled.entry.clone(),
            cache: PatternCache::default(),
        })
    }

    /// Evaluate the entry point on `input`, answering host calls; an error (of the VM or of an extension)
    /// leaves the document to the interpreter.
    pub fn run(&mut self, input: Value) -> Result<Value, String> {
        self.vm.set_input(input);
        let mut result = self
            .vm
            .execute_entry_point_by_name(&self.entry)
            .map_err(|e| e.to_string())?;
        loop {
            match self.vm.execution_state() {
                ExecutionState::Suspended { .. } => {}
                ExecutionState::Completed { .. } => return Ok(result),
                other => return Err(format!("the VM stopped in state {other:?}")),
            }
            let name = match self.vm.get_host_await_identifier() {
                Some(Value::String(name)) => name.clone(),
                _ => return Err("the VM suspended for something other than a host call".to_owned()),
            };
            let args = match self.vm.get_host_await_argument() {
                Some(Value::Array(args)) => args.clone(),
                _ => return Err(format!("host call {name} without an argument array")),
            };
            let value = call_extension(&name, args.as_slice(), &mut self.cache)
                .map_err(|e| e.to_string())?;
            result = self.vm.resume(Some(value)).map_err(|e| e.to_string())?;
        }
    }
}
