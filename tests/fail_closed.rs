//! Fail-closed proof: a failure injected at every stage of a run — reading, parsing, schema, policy compile,
//! policy runtime, a malformed finding, a worker panic — never yields exit 0, and the report still accounts
//! for the input it could not evaluate (a finding on it, a tool error naming it, or its count in the summary).

use std::path::Path;

use crate::common::{bundle, manifest, run_full, run_json, NOW};

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// The run's tool errors (`toolErrors` in JSON), as text to search.
fn tool_errors(r: &crate::common::Run) -> String {
    r.json()["toolErrors"].to_string()
}

#[test]
fn reading_parsing_and_schema_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "good.yaml", manifest());
    // Unreadable: named but cannot be opened.
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere.yaml", d.join("unreadable.yaml")).unwrap();
    #[cfg(unix)]
    {
        let r = run_json(d, &["validate", "good.yaml", "unreadable.yaml"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            tool_errors(&r).contains("unreadable.yaml"),
            "{}",
            tool_errors(&r)
        );
        assert_eq!(r.json()["summary"]["documents"], 1);
    }
    // Parse error next to a good file.
    write(
        d,
        "broken.yaml",
        "apiVersion: custody/v1\nkind: Workflow\nspec: [\n",
    );
    let r = run_json(d, &["validate", "good.yaml", "broken.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["CUS-P001"]);
    assert_eq!(r.json()["summary"]["files"], 2);
    // Schema error.
    write(
        d,
        "typo.yaml",
        manifest().replace("  purpose:", "  purpse:"),
    );
    let r = run_json(d, &["validate", "good.yaml", "typo.yaml"]);
    assert_eq!(r.code, 1);
    assert!(r.rules().contains(&"CUS-P002".to_owned()));
    assert_eq!(r.json()["summary"]["documents"], 2);
    // The same for a bundle that fails to parse: only its P001, and it is not a pass.
    write(d, "w/w.yaml", manifest());
    write(
        d,
        "b.yaml",
        bundle().replace("kind: SessionBundle", "kind: SessionBundle\n  bad: [indent"),
    );
    let r = run_json(d, &["check", "--workflows", "w", "b.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["CUS-P001"]);
}

#[test]
fn policy_failures_are_tool_errors_naming_the_document() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w.yaml", manifest());
    let cases = [
        ("compile", "package main\n\ndeny contains msg if {\n", "does not compile"),
        (
            "runtime",
            "package main\n\ndeny contains msg if {\n\tn := to_number(\"not a number\")\n\tn > 0\n\tmsg := \"x\"\n}\n",
            "could not be evaluated",
        ),
        (
            "no-msg",
            "package main\n\ndeny contains f if {\n\tf := {\"id\": \"X-1\"}\n}\n",
            "has no `msg`",
        ),
        (
            "not-a-finding",
            "package main\n\ndeny contains f if {\n\tf := 42\n}\n",
            "a finding must be a string or an object",
        ),
        (
            "bad-path",
            "package main\n\ndeny contains f if {\n\tf := {\"msg\": \"m\", \"path\": \"spec\"}\n}\n",
            "must be an array",
        ),
    ];
    for (name, rego, needle) in cases {
        write(d, &format!("{name}/p.rego"), rego);
        let r = run_json(d, &["validate", "w.yaml", "--policy", name]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{name}: {}", r.stderr);
        if name != "compile" {
            assert!(
                r.stderr.contains("w.yaml: document 1 (payments-db-admin)"),
                "{name}: {}",
                r.stderr
            );
            assert_eq!(r.json()["summary"]["documents"], 1, "{name}");
        }
    }
}

#[test]
fn a_worker_panic_is_an_internal_error_not_a_pass() {
    if !cfg!(debug_assertions) {
        // The fault hook exists only in debug builds.
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/a.yaml", manifest());
    write(
        d,
        "w/b.yaml",
        manifest().replace("id: payments-db-admin", "id: payments-db-admin-2"),
    );
    write(d, "s.yaml", bundle());
    let fault = [("CUSTODY_FAULT", "panic-worker")];
    for jobs in ["1", "2"] {
        let r = run_full(
            d,
            &[
                "validate", "w", "--format", "json", "--now", NOW, "--jobs", jobs,
            ],
            None,
            &fault,
            true,
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("internal error"), "{}", r.stderr);
        assert_eq!(r.json()["summary"]["documents"], 2);
        let errors = tool_errors(&r);
        assert!(
            errors.contains("w/a.yaml") && errors.contains("w/b.yaml"),
            "{errors}"
        );
        let r = run_full(
            d,
            &[
                "check",
                "--workflows",
                "w",
                "s.yaml",
                "--format",
                "json",
                "--now",
                NOW,
                "--jobs",
                jobs,
            ],
            None,
            &fault,
            true,
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(tool_errors(&r).contains("s.yaml"), "{}", tool_errors(&r));
        assert_eq!(r.json()["summary"]["documents"], 1);
    }
    // Without the fault the same inputs pass: the failure above came from the injected panic alone.
    let r = run_json(d, &["check", "--workflows", "w", "s.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
