//! Unit tests of loading and evaluating policies, the worker pool and the test runner.

use std::collections::BTreeMap;
use std::path::Path;

use super::evaluate::{eval_within, Deadline};
use super::*;
use crate::findings::Severity;
use crate::source::Step;

const POLICY: &str = r#"package custody.workflow.demo

# METADATA
# title: Demo rule
# description: Checks a demo field.
# custom:
#   id: CUS-X001
#   severity: warning
#   frameworks: [NIST-800-53:AC-5]
#   remediation: Set demo.
warn contains f if {
	not input.demo
	f := {"id": "CUS-X001", "msg": "no demo", "path": ["demo"]}
}

deny contains "plain string" if input.bad

test_ok if {
	count(warn) == 0 with input as {"demo": true}
}
"#;

fn load(text: &str) -> Policies {
    Policies::load(
        vec![PolicySource {
            path: "demo.rego".into(),
            text: text.into(),
            builtin: false,
        }],
        data_document(&BTreeMap::new(), &[]),
        true,
    )
    .expect("loads")
}

#[test]
fn a_rule_set_whose_entry_points_cannot_be_found_fails_to_load() {
    // regorus gives up on a file with a rule head keyed by a composite value; its deny rules must not
    // be silently left out of the run.
    let text = "package custody.workflow.pairs\nimport rego.v1\n\npairs[[a, b]] := 1 if {\n\ta := 1\n\tb := 2\n}\n\ndeny contains \"x\" if input.bad\n";
    let loaded = Policies::load(
        vec![PolicySource {
            path: "pairs.rego".into(),
            text: text.into(),
            builtin: false,
        }],
        data_document(&BTreeMap::new(), &[]),
        false,
    );
    let Err(e) = loaded else {
        panic!("a rule set whose deny rules cannot be found must not load")
    };
    let message = e.to_string();
    assert!(message.contains("pairs.rego"), "{message}");
    assert!(
        message.contains("cannot tell whether this file declares `deny` rules"),
        "{message}"
    );
    // Keyed by a variable, the same rule set loads and its deny rule is an entry point.
    let text = text.replace("pairs[[a, b]] := 1", "pairs contains [a, b]");
    let policies = load(&text);
    assert!(policies
        .string_rule_ids()
        .contains(&"custody.workflow.pairs.deny".to_owned()));
}
#[test]
fn evaluation_yields_objects_and_strings() {
    let policies = load(POLICY);
    let mut engine = policies.worker();
    let input = Value::from_json_str(r#"{"bad": true}"#).unwrap();
    let (mut findings, failures) = policies.evaluate(&mut engine, input, DocumentKind::Workflow);
    assert!(failures.is_empty(), "{failures:?}");
    findings.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(findings[0].id, "CUS-X001");
    assert_eq!(findings[0].path, Some(vec![Step::Key("demo".into())]));
    assert_eq!(findings[1].id, "custody.workflow.demo.deny");
    assert_eq!(findings[1].severity, Severity::Error);
    let (none, _) = policies.evaluate(
        &mut engine,
        Value::new_object(),
        DocumentKind::SessionBundle,
    );
    assert!(none.is_empty());
}

/// The address of the first string inside `value` (a path of objects and arrays down to it).
fn first_string(value: &Value) -> *const u8 {
    match value {
        Value::String(s) => s.as_ptr(),
        Value::Array(items) => first_string(&items[0]),
        Value::Object(map) => first_string(map.iter().next().unwrap().1),
        other => panic!("no string in {other:?}"),
    }
}

fn node(json: &str) -> Arc<crate::source::Node> {
    Arc::new(crate::source::parse_one(json, &crate::source::Budgets::default()).unwrap())
}

#[test]
fn a_worker_makes_a_workflow_value_once_and_returns_to_its_thread() {
    let policies = load(POLICY);
    let shared = node(r#"{"a": [{"b": "c"}], "d": 1, "e": null}"#);
    let value = {
        let mut worker = policies.worker();
        let value = worker.workflow(&shared);
        assert_eq!(value, shared.to_rego(), "the workflow's value");
        let again = worker.workflow(&shared);
        assert_eq!(
            first_string(&again),
            first_string(&value),
            "made once per worker"
        );
        let other = node(r#"{"a": [{"b": "c"}]}"#);
        assert_ne!(first_string(&worker.workflow(&other)), first_string(&value));
        value
    };
    // The worker went back to its thread: the next one asked for is it, values and all.
    let mut worker = policies.worker();
    assert_eq!(
        first_string(&worker.workflow(&shared)),
        first_string(&value)
    );
    assert_eq!(worker.copies.len(), 2, "both values it made");
    drop(worker);
    // Another thread has workers of its own.
    std::thread::scope(|scope| {
        scope.spawn(|| {
            assert!(
                policies.worker().copies.is_empty(),
                "another thread's worker"
            )
        });
    });
    // Other policies (or the same with another time limit) have workers of their own.
    let mut limited = policies.clone();
    limited.set_eval_time_limit(Duration::from_secs(3));
    assert!(
        limited.worker().copies.is_empty(),
        "a worker with the new limit"
    );
    // A worker whose job panicked is not lent again.
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let worker = policies.worker();
        assert_eq!(worker.copies.len(), 2, "the idle worker");
        panic!("a job panics with the worker out");
    }));
    assert!(unwound.is_err());
    assert!(
        policies.worker().copies.is_empty(),
        "a fresh worker, not the one that unwound"
    );
}

#[test]
fn builtin_rule_sets_run_on_the_vm_with_the_interpreters_results() {
    let data = || data_document(&BTreeMap::new(), &[]);
    // The built-in rule sets as embedded: nothing parsed when loading, the embedded programs used even
    // for one document.
    let embedded = Policies::load(builtin_sources(), data(), false).unwrap();
    assert!(
        !embedded.interpreter_built(),
        "loading the built-in rule sets alone parses no Rego"
    );
    // The same rule sets with their texts changed (a comment): parsed when loading, and compiled for the
    // VM at run time, only when asked to or for many documents.
    let mut changed = builtin_sources();
    for source in changed.iter_mut().filter(|s| !s.is_test()) {
        source.text.push_str("\n# changed\n");
    }
    let compiled = Policies::load(changed, data(), false).unwrap();
    assert!(compiled.interpreter_built());
    let mut interpreter = embedded.worker();
    for target in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
        assert!(!embedded.vm_ready(target));
        embedded.prepare_vm(target, Some(1), EngineChoice::Auto);
        assert!(
            embedded.vm_ready(target),
            "auto uses the embedded {target:?} program for one document"
        );
        compiled.prepare_vm(target, Some(1), EngineChoice::Auto);
        assert!(
            !compiled.vm_ready(target),
            "auto compiles only for many documents"
        );
        compiled.prepare_vm(target, None, EngineChoice::Vm);
        assert!(
            compiled.vm_ready(target),
            "the built-in {target:?} rule sets compile"
        );
    }
    let mut vm = embedded.worker();
    let mut compiled_vm = compiled.worker();
    let manifest = std::fs::read_to_string(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("examples/workflows/okta-super-admin.json"),
    )
    .unwrap();
    let inputs = [
        ("{}", DocumentKind::Workflow),
        ("{}", DocumentKind::SessionBundle),
        (manifest.as_str(), DocumentKind::Workflow),
        (
            r#"{"metadata": {"id": "x"}, "spec": {"owner": 3}}"#,
            DocumentKind::Workflow,
        ),
        (
            r#"{"session": {"id": "s", "workflow": "w"}, "custody": {}}"#,
            DocumentKind::SessionBundle,
        ),
    ];
    let mut seen = 0;
    for (text, target) in inputs {
        let input = Value::from_json_str(text).unwrap();
        let want = embedded.evaluate(&mut interpreter, input.clone(), target);
        let got = embedded.evaluate(&mut vm, input.clone(), target);
        assert_eq!(got, want, "{text}: embedded program");
        let got = compiled.evaluate(&mut compiled_vm, input, target);
        assert_eq!(got, want, "{text}: program compiled at run time");
        seen += got.0.len();
    }
    assert_eq!(vm.vm_fallbacks, 0, "the VM evaluated every input itself");
    assert_eq!(compiled_vm.vm_fallbacks, 0);
    assert!(
        vm.engine.is_none(),
        "the VM worker never needed the interpreter"
    );
    assert!(seen > 0, "the inputs produce findings to compare");
}

#[test]
fn malformed_findings_are_failures_not_silence() {
    let policies = load("package main\n\ndeny contains f if {\n\tf := {\"id\": \"X\"}\n}\n");
    let mut engine = policies.worker();
    let (findings, failures) =
        policies.evaluate(&mut engine, Value::new_object(), DocumentKind::Workflow);
    assert!(findings.is_empty());
    assert_eq!(failures.len(), 1);
}

#[test]
fn running_out_of_time_is_told_apart_from_other_errors() {
    // 10^12 iterations cannot finish within 300 ms: the interpreter's time-limit error is recognised as
    // such (not as any other failure), and a spent deadline stops the next query before it starts.
    let policies = load("package main\n\ndeny contains \"never\" if {\n\tcount([1 | some x in numbers.range(1, 1000000); some y in numbers.range(1, 1000000)]) > 0\n}\n");
    let mut engine = policies.engine().unwrap();
    let deadline = Deadline::new(Duration::from_millis(300));
    let query = "data.main.deny".to_owned();
    assert_eq!(
        eval_within(&mut engine, query.clone(), &deadline),
        Err(EvalError::TimedOut)
    );
    assert_eq!(
        eval_within(&mut engine, query, &deadline),
        Err(EvalError::TimedOut)
    );
    // Any other error stays an error of its own.
    let failing =
        load("package main\n\ndeny contains x if {\n\tx := custody.duration_ns(\"7s\")\n}\n");
    let mut engine = failing.engine().unwrap();
    let fine = Deadline::new(Duration::from_secs(30));
    assert!(matches!(
        eval_within(&mut engine, "data.main.deny".to_owned(), &fine),
        Err(EvalError::Failed(m)) if m.contains("invalid duration")
    ));
}

#[test]
fn runtime_errors_are_failures() {
    let policies =
        load("package main\n\ndeny contains x if {\n\tx := custody.duration_ns(\"7s\")\n}\n");
    let mut engine = policies.worker();
    let (_, failures) = policies.evaluate(&mut engine, Value::new_object(), DocumentKind::Workflow);
    assert_eq!(failures.len(), 1, "{failures:?}");
}

#[test]
fn compile_errors_name_the_file() {
    let err = Policies::load(
        vec![PolicySource {
            path: "broken.rego".into(),
            text: "package x\n\ndeny contains f if {\n".into(),
            builtin: false,
        }],
        serde_json::json!({}),
        false,
    )
    .err()
    .expect("fails");
    assert!(err.to_string().contains("broken.rego"), "{err}");
}

#[test]
fn test_runner_reports_passes_and_failures() {
    let policies = load(&format!("{POLICY}\ntest_bad if {{\n\tfalse\n}}\n"));
    let (results, coverage) = run_tests(&policies, &|_, _| true);
    assert_eq!(results.len(), 2);
    assert!(results.iter().any(|r| r.name == "test_ok" && r.passed));
    assert!(results.iter().any(|r| r.name == "test_bad" && !r.passed));
    assert!(!coverage.is_empty());
}

#[test]
fn metadata_blocks_are_parsed() {
    let meta = parse_metadata("demo.rego", POLICY).unwrap();
    assert_eq!(meta.len(), 1);
    assert_eq!(meta[0].id, "CUS-X001");
    assert_eq!(meta[0].severity, Severity::Warning);
    assert_eq!(meta[0].frameworks, ["NIST-800-53:AC-5"]);
    assert_eq!(meta[0].package, "custody.workflow.demo");
    assert_eq!((meta[0].file.as_str(), meta[0].line), ("demo.rego", 11));
}

#[test]
fn no_builtin_policy_describes_a_check_made_in_rust() {
    for (path, text) in BUILTIN {
        for rule in parse_metadata(path, text).unwrap() {
            assert!(
                crate::catalogue::RUST_CHECKS.iter().all(|c| c.0 != rule.id),
                "{path} describes {}",
                rule.id
            );
        }
    }
    let policies = Policies::load(
        builtin_sources(),
        data_document(&BTreeMap::new(), &[]),
        false,
    )
    .expect("the built-in policies load");
    for id in [
        "CUS-P001", "CUS-P002", "CUS-C001", "CUS-C002", "CUS-P003", "CUS-S013",
    ] {
        assert!(policies.catalogue().get(id).is_some(), "{id}");
    }
}
