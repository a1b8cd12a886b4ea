//! Evaluating one document: the VM for the built-in rule sets when it is in use, the interpreter for the
//! rest, all within the document's time limit.

use std::time::Duration;

use regorus::{Engine, Value};

use super::compile::{aggregate_query, set_time_limit, Entry};
use super::pool::Worker;
use super::results::{collect, EvalError, EvalFailure, RawFinding};
use super::Policies;
use crate::document::DocumentKind;

impl Policies {
    /// Evaluate every rule set that applies to `target` on one input. A panic during the evaluation is a
    /// failure of this input (fail-closed, exit 2), not a crash; the worker's engine is replaced afterwards.
    ///
    /// All entry points of a target are evaluated by one query (the generated `custody_eval` module), so the
    /// helpers they share (`custody.session.lib`, …) are computed once per document instead of once per rule
    /// set. When that query fails, each entry point is evaluated on its own to attribute the failure.
    pub fn evaluate(
        &self,
        worker: &mut Worker,
        input: Value,
        target: DocumentKind,
    ) -> (Vec<RawFinding>, Vec<EvalFailure>) {
        crate::budget::guarded(|| {
            crate::budget::inject_fault("panic-worker");
            self.evaluate_unguarded(worker, input, target)
        })
        .unwrap_or_else(|message| {
            *worker = self.fresh_worker();
            let failure = EvalFailure {
                rule: "custody".to_owned(),
                message,
            };
            (Vec::new(), vec![failure])
        })
    }

    fn evaluate_unguarded(
        &self,
        worker: &mut Worker,
        input: Value,
        target: DocumentKind,
    ) -> (Vec<RawFinding>, Vec<EvalFailure>) {
        let mut findings = Vec::new();
        let mut failures = Vec::new();
        let entries: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.targets.contains(&target))
            .collect();
        if entries.is_empty() {
            return (findings, failures);
        }
        // One time limit for the document, whichever engines and queries its evaluation takes: running out
        // of it ends the evaluation (a failure), never a second try that would start the clock again.
        let deadline = Deadline::new(self.time_limit);
        // The VM evaluates the built-in entry points; the interpreter the rest. Anything else the VM could not
        // evaluate is evaluated again, whole, by the interpreter (which reports what failed).
        if let Some(vm) = worker.vms[target.index()].as_mut() {
            let builtin: Vec<&Entry> = entries.iter().copied().filter(|e| e.builtin).collect();
            match vm.run(input.clone()) {
                Ok(Value::Array(values)) if values.len() == builtin.len() => {
                    for (entry, value) in builtin.iter().zip(values.iter()) {
                        collect(entry, value, &mut findings, &mut failures);
                    }
                    let user: Vec<&Entry> =
                        entries.iter().copied().filter(|e| !e.builtin).collect();
                    if !user.is_empty() {
                        match worker.interpreter(self) {
                            Ok(engine) => {
                                engine.set_input(input);
                                eval_each(engine, &user, &deadline, &mut findings, &mut failures);
                            }
                            Err(failure) => failures.push(failure),
                        }
                    }
                    return (findings, failures);
                }
                Err(EvalError::TimedOut) => {
                    worker.vms[target.index()] = self.vm(target);
                    failures.push(deadline.failure());
                    return (findings, failures);
                }
                _ => {
                    worker.vm_fallbacks += 1;
                    // A fresh VM for the next document; this one goes to the interpreter.
                    worker.vms[target.index()] = self.vm(target);
                }
            }
        }
        let engine = match worker.interpreter(self) {
            Ok(engine) => engine,
            Err(failure) => {
                failures.push(failure);
                return (findings, failures);
            }
        };
        engine.set_input(input);
        match eval_within(engine, aggregate_query(target), &deadline) {
            Ok(Value::Array(values)) if values.len() == entries.len() => {
                for (entry, value) in entries.iter().zip(values.iter()) {
                    collect(entry, value, &mut findings, &mut failures);
                }
                return (findings, failures);
            }
            Err(EvalError::TimedOut) => {
                failures.push(deadline.failure());
                return (findings, failures);
            }
            _ => {}
        }
        eval_each(engine, &entries, &deadline, &mut findings, &mut failures);
        (findings, failures)
    }
}

/// The time one document's evaluation may take (`limits.maxEvalSeconds`), from when it started.
pub(super) struct Deadline {
    start: std::time::Instant,
    limit: Duration,
}

impl Deadline {
    pub(super) fn new(limit: Duration) -> Deadline {
        Deadline {
            start: std::time::Instant::now(),
            limit,
        }
    }

    /// The time left; `None` once it is spent.
    fn remaining(&self) -> Option<Duration> {
        self.limit
            .checked_sub(self.start.elapsed())
            .filter(|left| !left.is_zero())
    }

    fn failure(&self) -> EvalFailure {
        EvalFailure {
            rule: "custody".to_owned(),
            message: format!(
                "the evaluation ran past its time limit of {:?} (limits.maxEvalSeconds): simplify the document or the policy, or raise the limit in .custody.yaml for input you trust",
                self.limit
            ),
        }
    }
}

/// Evaluate `query` within what is left of `deadline`.
pub(super) fn eval_within(
    engine: &mut Engine,
    query: String,
    deadline: &Deadline,
) -> Result<Value, EvalError> {
    use regorus::utils::limits::LimitError;
    let Some(left) = deadline.remaining() else {
        return Err(EvalError::TimedOut);
    };
    set_time_limit(engine, left);
    engine.eval_rule(query).map_err(|e| {
        let timed_out = e.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<LimitError>(),
                Some(LimitError::TimeLimitExceeded { .. })
            )
        });
        if timed_out {
            EvalError::TimedOut
        } else {
            EvalError::Failed(e.to_string())
        }
    })
}

/// Evaluate entry points one query each, collecting their findings and attributing each failure; the first
/// query to run out of the document's time ends the evaluation.
pub(super) fn eval_each(
    engine: &mut Engine,
    entries: &[&Entry],
    deadline: &Deadline,
    findings: &mut Vec<RawFinding>,
    failures: &mut Vec<EvalFailure>,
) {
    for entry in entries {
        match eval_within(engine, entry.query.clone(), deadline) {
            Ok(value) => collect(entry, &value, findings, failures),
            Err(EvalError::TimedOut) => {
                failures.push(deadline.failure());
                return;
            }
            Err(EvalError::Failed(message)) => failures.push(EvalFailure {
                rule: entry.query.clone(),
                message,
            }),
        }
    }
}
