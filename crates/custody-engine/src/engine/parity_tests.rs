//! The VM and the interpreter agree on every input the built-in Rego tests use.
//!
//! The `test_*` rules run on the interpreter only (`custody test`): regorus's VM mishandles `default`
//! functions and some comprehensions over undefined values, and its compiler rejects `with`, which every
//! test uses. So that no built-in policy comes to depend on a VM bug, this harness takes the input of each
//! built-in test and evaluates the workflow or session rule sets on it with both engines, requiring equal
//! findings and failures, and requiring the VM to evaluate every input itself (no fallback to the
//! interpreter, which would hide a difference).
//!
//! The inputs are collected, not copied: every built-in test sets its input with `with input as NAME` (a
//! local variable: regorus evaluates a rule reference there as undefined). The harness compiles the test
//! files with each `with input as NAME` rewritten to `with input as custody.capture(NAME)`, an extension
//! that records its argument and returns it unchanged, then runs every test on the interpreter. What the
//! tests pass is therefore exactly what is compared, however they build it (fixtures, `object.union`,
//! `json.patch`), and a new test adds its inputs without any change here. Each input goes through JSON,
//! as documents do when custody sends them, and is evaluated for the target of the test's directory
//! (`policies/workflow/` or `policies/session/`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use regorus::Value;

use super::compile::new_engine;
use super::program::package_of;
use super::test_runner::test_names;
use super::*;

/// `with input as NAME` made `with input as custody.capture(NAME)`, for every local variable `NAME`.
fn capturing(text: &str) -> (String, usize) {
    const WITH: &str = "with input as ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut count = 0;
    while let Some(at) = rest.find(WITH) {
        let (before, after) = rest.split_at(at + WITH.len());
        out.push_str(before);
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 {
            out.push_str(&format!("custody.capture({})", &after[..len]));
            count += 1;
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    (out, count)
}

/// Every input the built-in tests of `dir` (`policies/workflow/`, `policies/session/`) pass with
/// `with input as`, as JSON, without repeats.
fn test_inputs(dir: &str) -> BTreeSet<String> {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut engine = new_engine().expect("the interpreter");
    let record = Arc::clone(&seen);
    engine
        .add_extension(
            "custody.capture".to_owned(),
            1,
            Box::new(move |args: Vec<Value>| {
                let value = args.into_iter().next().unwrap_or(Value::Undefined);
                if let Ok(json) = value.to_json_str() {
                    record.lock().expect("not poisoned").push(json);
                }
                Ok(value)
            }),
        )
        .expect("register custody.capture");
    let mut tests = Vec::new();
    for (path, text) in BUILTIN {
        if !path.ends_with(".rego") {
            continue;
        }
        let text = if path.ends_with("_test.rego") {
            let (rewritten, count) = capturing(text);
            if path.starts_with(dir) && count > 0 {
                let package = package_of(text).expect("a package").to_owned();
                tests.extend(
                    test_names(text)
                        .into_iter()
                        .map(|t| format!("data.{package}.{t}")),
                );
            }
            rewritten
        } else {
            (*text).to_owned()
        };
        engine
            .add_policy((*path).to_owned(), text)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    engine
        .add_data(Value::from(data_document(&Default::default(), &[])))
        .expect("the data document");
    assert!(tests.len() > 20, "{dir}: only {} tests", tests.len());
    for test in tests {
        engine.set_input(Value::new_object());
        let passed = engine.eval_rule(test.clone()).ok() == Some(Value::from(true));
        assert!(passed, "{test} fails on the interpreter");
    }
    let seen = seen.lock().expect("not poisoned");
    seen.iter().cloned().collect()
}

#[test]
fn builtin_test_inputs_evaluate_the_same_on_the_vm_and_the_interpreter() {
    let policies = Policies::load(
        builtin_sources(),
        data_document(&Default::default(), &[]),
        false,
    )
    .expect("the built-in policies load");
    // Lent before the VM is prepared: this worker has no VM and evaluates everything on the interpreter.
    let mut interpreter = policies.worker();
    for target in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
        policies.prepare_vm(target, None, EngineChoice::Vm);
        assert!(policies.vm_ready(target), "{target:?}");
    }
    let mut vm = policies.worker();
    for (dir, target) in [
        ("policies/workflow/", DocumentKind::Workflow),
        ("policies/session/", DocumentKind::SessionBundle),
    ] {
        let inputs = test_inputs(dir);
        assert!(inputs.len() > 50, "{dir}: only {} inputs", inputs.len());
        let mut findings = 0;
        for json in &inputs {
            let input = Value::from_json_str(json).expect("captured as JSON");
            let want = policies.evaluate(&mut interpreter, input.clone(), target);
            let fallbacks = vm.vm_fallbacks;
            let got = policies.evaluate(&mut vm, input, target);
            assert_eq!(
                vm.vm_fallbacks, fallbacks,
                "the VM could not evaluate this {dir} test input itself: {json}"
            );
            assert_eq!(
                got, want,
                "VM (left) and interpreter (right) differ on {json}"
            );
            findings += want.0.len();
        }
        // The tests exist to violate rules: the comparison covers findings, not only clean passes.
        assert!(
            findings > inputs.len() / 2,
            "{dir}: {findings} findings on {} inputs",
            inputs.len()
        );
    }
    assert!(
        interpreter.vms.iter().all(Option::is_none),
        "the interpreter worker has no VM"
    );
}

#[test]
fn with_input_is_captured_for_local_variables_only() {
    let (text, count) =
        capturing("a if {\n\tfx.ids == {\"x\"} with input as inp\n\tb with input as m2; c\n}\n");
    assert_eq!(count, 2);
    assert_eq!(
        text,
        "a if {\n\tfx.ids == {\"x\"} with input as custody.capture(inp)\n\tb with input as custody.capture(m2); c\n}\n"
    );
}
