//! The built-in rule sets compiled to regorus's register VM (RVM), for runs over many documents.
//!
//! The interpreter (`regorus::Engine`) stays the reference: it evaluates user policies, runs `custody test`,
//! and takes over any document the VM could not evaluate. The VM runs only the built-in rule sets, compiled
//! from the same Rego with one mechanical change: regorus 0.14's RVM does not resolve an import alias used as
//! a rule reference (`lib.has_workflow` after `import data.custody.session.lib` reads as undefined), so the
//! aliases are expanded to full references (`data.custody.session.lib.has_workflow`) before compiling.
//! custody's extension functions are host calls (`HostAwait`), answered in place by [`super::extensions::call_extension`]
//! through the vendored regorus's `RegoVM::set_host_calls` (see `vendor/regorus/CUSTODY.md`), without suspending
//! the VM for each call.
//! `tests/engine_parity.rs` runs the same inputs through both engines and requires identical reports, and
//! `parity_tests.rs` does the same with the input of every built-in Rego test.

use regorus::rvm::program::DeserializationResult;
use regorus::rvm::vm::{ExecutionMode, ExecutionState, HostCalls, RegoVM, VmError};
use regorus::rvm::Program;
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};

use super::extensions::{call_extension, PatternCache};
use super::results::EvalError;
use super::sources::PolicySource;

/// A target's built-in rule sets, compiled once; each worker's VM gets its own program and data document.
///
/// Kept as bytes and JSON, which threads can share: regorus's values are reference-counted without atomics
/// (its `arc` feature is off), so a program or a value belongs to the thread that made it. Each worker
/// deserializes its own program from the serialized bytes and makes its own data document.
pub struct Compiled {
    program: Vec<u8>,
    data: serde_json::Value,
    entry: String,
}

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
        data: serde_json::Value,
    ) -> Result<Compiled, String> {
        let texts: Vec<(&str, &str)> = sources
            .iter()
            .map(|s| (s.path.as_str(), s.text.as_str()))
            .collect();
        let program = super::program::compile_for_vm(
            engine,
            &texts,
            name,
            queries,
            Value::from(data.clone()),
        )?;
        Ok(Compiled::private(program.serialize_binary()?, name, data))
    }

    fn private(program: Vec<u8>, name: &str, data: serde_json::Value) -> Compiled {
        Compiled {
            program,
            data,
            entry: super::program::aggregate_query(name),
        }
    }

    /// A program `build.rs` compiled (see [`super::precompiled`]), for documents of `name`, against `data`:
    /// the VM reads the data document when it runs, so one program serves every configuration.
    pub fn from_binary(
        bytes: &[u8],
        name: &str,
        data: serde_json::Value,
    ) -> Result<Compiled, String> {
        // Deserialized once here to find out whether the bytes are usable, so a worker's copy cannot fail.
        program_of(bytes)?;
        Ok(Compiled::private(bytes.to_vec(), name, data))
    }

    /// The program and the data document of one worker.
    fn copy(&self) -> Result<(regorus::Rc<Program>, Value), String> {
        Ok((
            regorus::Rc::new(program_of(&self.program)?),
            Value::from(self.data.clone()),
        ))
    }
}

fn program_of(bytes: &[u8]) -> Result<Program, String> {
    match Program::deserialize_binary(bytes)? {
        DeserializationResult::Complete(program) => Ok(program),
        DeserializationResult::Partial(_) => {
            Err("the embedded VM program needs recompiling (a regorus format change)".to_owned())
        }
    }
}

/// One worker's VM over a [`Compiled`] program.
pub struct Vm {
    vm: RegoVM,
    entry: String,
}

/// custody's extension functions as the VM's host calls, with the worker's compiled patterns.
struct Extensions {
    cache: PatternCache,
}

impl HostCalls for Extensions {
    fn call(&mut self, identifier: &Value, argument: &Value) -> Result<Value, String> {
        let Value::String(name) = identifier else {
            return Err(format!("a host call named {identifier:?}, not by a string"));
        };
        let Value::Array(args) = argument else {
            return Err(format!("host call {name} without an argument array"));
        };
        call_extension(name, args.as_slice(), &mut self.cache).map_err(|e| e.to_string())
    }
}

impl Vm {
    pub fn new(compiled: &Compiled, time_limit: std::time::Duration) -> Result<Vm, String> {
        let (program, data) = compiled.copy()?;
        let mut vm = RegoVM::new();
        vm.load_program(program);
        vm.set_data(data).map_err(|e| e.to_string())?;
        vm.set_strict_builtin_errors(true);
        // The wall-clock limit bounds an evaluation, as it does for the interpreter; the instruction count
        // does not (a large bundle legitimately runs many instructions).
        vm.set_max_instructions(usize::MAX);
        vm.set_execution_timer_config(Some(ExecutionTimerConfig {
            limit: time_limit,
            check_interval: std::num::NonZeroU32::new(1024).unwrap_or(std::num::NonZeroU32::MIN),
        }));
        // The recursive run-to-completion path: a rule call is a Rust call, where the stackless (suspendable)
        // loop builds, pushes and unwinds a frame record for it (docs/performance.md has the figures).
        // Recursion is bounded by the rule graph, which has no cycles (`super::recursion`), and every thread
        // that evaluates runs on a `budget::STACK_SIZE` stack.
        vm.set_execution_mode(ExecutionMode::RunToCompletion);
        vm.set_host_calls(Some(Box::new(Extensions {
            cache: PatternCache::default(),
        })));
        Ok(Vm {
            vm,
            entry: compiled.entry.clone(),
        })
    }

    /// Evaluate the entry point on `input`. An error (of the VM or of an extension) leaves the document to the
    /// interpreter, except running out of time, which ends the document's evaluation.
    pub fn run(&mut self, input: Value) -> Result<Value, EvalError> {
        self.vm.set_input(input);
        let result = self
            .vm
            .execute_entry_point_by_name(&self.entry)
            .map_err(|e| match e {
                VmError::TimeLimitExceeded { .. } => EvalError::TimedOut,
                other => EvalError::Failed(other.to_string()),
            })?;
        // Run to completion returns only when done (the VM is `Ready` again); a suspended or failed state
        // would mean the result is not the entry point's value.
        match self.vm.execution_state() {
            ExecutionState::Completed { .. } | ExecutionState::Ready => Ok(result),
            other => Err(EvalError::Failed(format!(
                "the VM stopped in state {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VM over one rule set whose `deny` is the entry point.
    fn vm_for(text: &str) -> Vm {
        vm_within(text, std::time::Duration::from_secs(5))
    }

    fn vm_within(text: &str, limit: std::time::Duration) -> Vm {
        let mut engine = Engine::new();
        engine.set_strict_builtin_errors(true);
        super::super::extensions::add_extensions(&mut engine).unwrap();
        let source = PolicySource {
            path: "t.rego".to_owned(),
            text: text.to_owned(),
            builtin: false,
        };
        let compiled = Compiled::new(
            engine,
            &[&source],
            "session",
            &["data.t.deny"],
            serde_json::json!({}),
        )
        .unwrap();
        Vm::new(&compiled, limit).unwrap()
    }

    #[test]
    fn host_calls_are_answered_in_place() {
        let mut vm = vm_for(
            "package t\nimport rego.v1\n\
             deny contains x if {\n\
             \tsome c in input.commands\n\
             \tcustody.glob_match([\"rm *\"], false, c)\n\
             \tx := sprintf(\"%s at %d\", [c, custody.instant(input.at)])\n}\n",
        );
        for _ in 0..2 {
            let input = Value::from_json_str(
                r#"{"commands": ["ls", "rm -rf /", "rm x"], "at": "2026-11-20T10:00:00Z"}"#,
            )
            .unwrap();
            let got = vm.run(input).unwrap();
            let want = Value::from_json_str(
                r#"[["rm -rf / at 1795168800000000000", "rm x at 1795168800000000000"]]"#,
            )
            .unwrap();
            // The entry point's value is a set: compare its elements.
            let elements: Vec<Value> = match &got {
                Value::Array(a) => a
                    .iter()
                    .map(|s| match s {
                        Value::Set(s) => Value::from(s.iter().cloned().collect::<Vec<_>>()),
                        other => other.clone(),
                    })
                    .collect(),
                other => panic!("not an array: {other:?}"),
            };
            assert_eq!(Value::from(elements), want);
        }
    }

    #[test]
    fn a_failing_host_call_ends_the_run_even_inside_a_rule() {
        // custody.duration_ns raises an error on a malformed duration; no rule body may absorb it into
        // "undefined" (which would drop the finding silently): the run fails, so the interpreter takes over.
        let mut vm = vm_for(
            "package t\nimport rego.v1\n\
             limit := custody.duration_ns(input.d)\n\
             deny contains \"long\" if limit > 10\n",
        );
        let Err(EvalError::Failed(err)) = vm.run(Value::from_json_str(r#"{"d": "7s"}"#).unwrap())
        else {
            panic!("the host call's error is the run's");
        };
        assert!(err.contains("custody.duration_ns"), "{err}");
        assert!(err.contains("invalid duration"), "{err}");
        // The VM is usable again for the next document.
        let got = vm
            .run(Value::from_json_str(r#"{"d": "1h"}"#).unwrap())
            .unwrap();
        assert!(matches!(&got, Value::Array(a) if a.len() == 1), "{got:?}");
    }

    /// Run to completion still stops at the time limit, inside rule calls and loops, and the VM is usable
    /// for the next document; an ordinary run ends `Ready`, which is a result, not a failure.
    #[test]
    fn run_to_completion_stops_at_the_time_limit_and_completes_otherwise() {
        let mut vm = vm_within(
            "package t\nimport rego.v1\n\
             pairs(n) := count([1 | some i in numbers.range(1, n); some j in numbers.range(1, n)])\n\
             deny contains \"slow\" if pairs(input.n) > 0\n",
            std::time::Duration::from_millis(200),
        );
        // 10^12 iterations: only the time limit ends them.
        let slow = vm.run(Value::from_json_str(r#"{"n": 1000000}"#).unwrap());
        assert!(matches!(slow, Err(EvalError::TimedOut)), "{slow:?}");
        let quick = vm
            .run(Value::from_json_str(r#"{"n": 3}"#).unwrap())
            .unwrap();
        assert!(
            matches!(&quick, Value::Array(a) if a.len() == 1),
            "{quick:?}"
        );
        assert!(matches!(
            vm.vm.execution_state(),
            ExecutionState::Ready | ExecutionState::Completed { .. }
        ));
    }

    /// Function results are remembered within one evaluation (the VM patch's `function_memo`): repeated calls
    /// with the same arguments agree, other arguments are computed, and the next document (another input)
    /// gets its own results, not the previous document's.
    #[test]
    fn function_results_are_remembered_per_evaluation_only() {
        let mut vm = vm_for(
            "package t\nimport rego.v1\n\
             f(x) := concat(\"-\", [x, input.tag])\n\
             deny contains f(\"a\")\n\
             deny contains y if { y := f(\"a\"); y != \"\" }\n\
             deny contains f(\"b\")\n",
        );
        for tag in ["1", "2", "1"] {
            let input = Value::from_json_str(&format!(r#"{{"tag": "{tag}"}}"#)).unwrap();
            let got = vm.run(input).unwrap();
            let Value::Array(sets) = &got else {
                panic!("not an array: {got:?}");
            };
            let Value::Set(set) = &sets[0] else {
                panic!("not a set: {got:?}");
            };
            let got: Vec<Value> = set.iter().cloned().collect();
            let want: Vec<Value> = [format!("a-{tag}"), format!("b-{tag}")]
                .into_iter()
                .map(Value::from)
                .collect();
            assert_eq!(got, want, "tag {tag}");
        }
    }
}
