//! `custody validate` as a user runs it: every rule's fixture, exit codes, configuration, user policies.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::{custody, root, NOW};

/// Run `validate --format json` and return (exit code, parsed report).
fn validate_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = custody(dir)
        .arg("validate")
        .args(args)
        .args(["--format", "json"])
        .args(if args.contains(&"--now") {
            vec![]
        } else {
            vec!["--now", NOW]
        })
        .output()
        .expect("runs");
    let code = out.status.code().expect("exit code");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect()
}

#[test]
fn every_rule_fixture_reports_that_rule_at_its_line() {
    let dir = root().join("tests/fixtures/validate");
    let expected: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    assert!(expected.len() >= 21, "a fixture per rule");
    let warnings_only = ["CUS-W006", "CUS-W016", "CUS-W017"];
    let mut failures = Vec::new();
    for (fixture, want) in &expected {
        // A fixture inside a directory (cus-p003/b.yaml) is judged by a run over its whole directory.
        let target = fixture.split('/').next().unwrap_or(fixture);
        let (mut code, report) = validate_json(&dir, &[target]);
        let got: BTreeSet<(String, u64, u64, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| target == fixture || f["file"].as_str() == Some(fixture.as_str()))
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap_or(0),
                    f["column"].as_u64().unwrap_or(0),
                    f["path"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let want_set: BTreeSet<(String, u64, u64, String)> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap_or(0),
                    f["column"].as_u64().unwrap_or(0),
                    f["path"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let only_warnings = want_set
            .iter()
            .all(|(r, ..)| warnings_only.contains(&r.as_str()))
            || fixture == "cus-w008.yaml";
        let want_code = if only_warnings { 0 } else { 1 };
        if target != fixture && want_set.is_empty() {
            code = 0; // the directory's exit code belongs to its other file
        }
        if got != want_set || code != want_code {
            failures.push(format!(
                "{fixture}: exit {code} (want {want_code})\n  got  {got:?}\n  want {want_set:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shipped_examples_pass_and_invalid_examples_fail() {
    let (code, report) = validate_json(&root(), &["examples/workflows"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], 0);
    assert!(report["summary"]["documents"].as_u64().unwrap() >= 6);
    let (code, report) = validate_json(&root(), &["examples/invalid"]);
    assert_eq!(code, 1);
    let rules: BTreeSet<String> = rules_of(&report).into_iter().collect();
    for rule in ["CUS-P001", "CUS-P002", "CUS-W002", "CUS-W014", "CUS-W016"] {
        assert!(rules.contains(rule), "{rule} missing from {rules:?}");
    }
}

#[test]
fn json_output_has_the_spec_shape_and_order() {
    let (_, report) = validate_json(&root(), &["examples/invalid"]);
    assert_eq!(report["version"], 1);
    for key in ["files", "documents", "errors", "warnings"] {
        assert!(report["summary"][key].is_u64(), "summary.{key}");
    }
    let findings = report["findings"].as_array().unwrap();
    for f in findings {
        for key in [
            "rule",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "path",
            "workflow",
            "session",
            "frameworks",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
        assert!(
            !f["file"].as_str().unwrap().starts_with('/'),
            "relative paths stay relative"
        );
    }
    let keys: Vec<(String, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap_or(u64::MAX),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "findings sorted by file, line, rule");
}

#[test]
fn tool_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    // A path that does not exist.
    custody(tmp.path())
        .args(["validate", "missing.yaml"])
        .assert()
        .code(2);
    // Nothing to evaluate.
    std::fs::write(
        tmp.path().join("k8s.yaml"),
        "apiVersion: v1\nkind: ConfigMap\n",
    )
    .unwrap();
    custody(tmp.path())
        .args(["validate", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no workflow document"));
    custody(tmp.path())
        .args(["validate", ".", "--allow-empty"])
        .assert()
        .code(0);
    // A policy that does not compile names its file and position.
    std::fs::create_dir(tmp.path().join("pol")).unwrap();
    std::fs::write(
        tmp.path().join("pol/bad.rego"),
        "package main\n\ndeny contains x if {\n",
    )
    .unwrap();
    custody(tmp.path())
        .args(["validate", "--policy", "pol", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("pol/bad.rego:"));
    // A bad --now is a usage error.
    custody(tmp.path())
        .args(["validate", "--now", "yesterday"])
        .assert()
        .code(2);
}

#[test]
fn a_parse_error_is_a_finding_not_nothing_to_evaluate() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("w.yaml"),
        "apiVersion: custody/v1\nkind: Workflow\nspec: [\n",
    )
    .unwrap();
    let (code, report) = validate_json(tmp.path(), &["w.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&report), ["CUS-P001"]);
    assert_eq!(report["findings"][0]["file"], "w.yaml");
    assert!(report["findings"][0]["line"].as_u64().is_some());
}

#[test]
fn walking_skips_foreign_yaml_git_and_excludes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join(".git")).unwrap();
    std::fs::create_dir_all(d.join("vendor")).unwrap();
    std::fs::create_dir_all(d.join("cfn")).unwrap();
    let manifest =
        std::fs::read_to_string(root().join("examples/workflows/payments-db-admin.yaml")).unwrap();
    std::fs::write(d.join("w.yaml"), &manifest).unwrap();
    std::fs::write(
        d.join(".git/w.yaml"),
        "apiVersion: custody/v1\nkind: Workflow\n: [",
    )
    .unwrap();
    std::fs::write(
        d.join("vendor/w.yaml"),
        "apiVersion: custody/v1\nkind: Workflow\n: [",
    )
    .unwrap();
    std::fs::write(d.join("cfn/stack.yaml"), "Resources:\n  B: !Ref Thing\n").unwrap();
    let (code, report) = validate_json(d, &[".", "--exclude", "vendor/**"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["documents"], 1);
}

#[test]
fn strict_makes_warnings_fail() {
    let dir = root().join("tests/fixtures/validate");
    let (code, report) = validate_json(&dir, &["cus-w016.yaml"]);
    assert_eq!((code, rules_of(&report)), (0, vec!["CUS-W016".to_owned()]));
    let (code, _) = validate_json(&dir, &["cus-w016.yaml", "--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn configuration_overrides_waivers_and_stale_exceptions() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let fixtures = root().join("tests/fixtures/validate");
    std::fs::copy(fixtures.join("cus-w016.yaml"), d.join("shared.yaml")).unwrap();
    std::fs::copy(fixtures.join("cus-w005.yaml"), d.join("sod.yaml")).unwrap();
    let id = |file: &str| {
        let (_, r) = validate_json(d, &[file]);
        r["findings"][0]["workflow"].as_str().unwrap().to_owned()
    };
    let shared_id = id("shared.yaml");
    let sod_id = id("sod.yaml");
    std::fs::write(
        d.join(".custody.yaml"),
        format!(
            "rules:\n  CUS-W006: off\n  CUS-W005: warning\nexceptions:\n  - rule: CUS-W016\n    workflow: {shared_id}\n    reason: Mainframe has no per-user accounts; CHG0099999\n    expires: 2027-03-31\n  - rule: CUS-W016\n    workflow: {sod_id}\n    reason: stale\n    expires: 2027-03-31\n  - rule: CUS-W001\n    workflow: {sod_id}\n    reason: old\n    expires: 2026-01-01\n"
        ),
    )
    .unwrap();
    let (code, report) = validate_json(d, &["."]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["summary"]["rulesOff"],
        serde_json::json!(["CUS-W006"])
    );
    let findings = report["findings"].as_array().unwrap();
    let by_rule = |rule: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect::<Vec<_>>()
    };
    let waived = by_rule("CUS-W016");
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["waived"]["expires"], "2027-03-31");
    assert_eq!(by_rule("CUS-W005")[0]["severity"], "warning");
    let c002 = by_rule("CUS-C002");
    assert_eq!(c002.len(), 1);
    assert_eq!(c002[0]["file"], ".custody.yaml");
    assert_eq!(c002[0]["line"], 9);
    assert_eq!(
        by_rule("CUS-C001").len(),
        1,
        "expired exception reported once, as C001 only"
    );
    // An exception expiring today still applies through the end of the day.
    let (_, report) = validate_json(d, &[".", "--now", "2027-03-31T23:59:59Z"]);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "CUS-W016" && f["waived"].is_object()));
}

#[test]
fn configuration_errors_exit_2_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        d.join("w.yaml"),
    )
    .unwrap();
    for (config, needle) in [
        ("rules:\n  CUS-W006: off\nexclud: []\n", ":3:1"),
        ("rules:\n  CUS-W999: off\n", ":2:3"),
        ("rules:\n  CUS-P001: off\n", ":2:3"),
        ("exceptions:\n  - rule: CUS-W016\n    workflow: x\n    expires: 2027-01-01\n", "reason"),
        ("exceptions:\n  - rule: CUS-S013\n    session: x\n    reason: r\n    expires: 2027-01-01\n", "fail-closed"),
    ] {
        std::fs::write(d.join("c.yaml"), config).unwrap();
        custody(d)
            .args(["validate", "--config", "c.yaml", "w.yaml"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(needle));
    }
}

#[test]
fn params_change_thresholds() {
    let dir = root().join("tests/fixtures/validate");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("c.yaml"), "params:\n  maxDuration: 12h\n").unwrap();
    let config = tmp.path().join("c.yaml");
    let (code, report) = validate_json(
        &dir,
        &["cus-w008.yaml", "--config", config.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    assert!(rules_of(&report).is_empty(), "{report:#}");
}

#[test]
fn user_policies_object_and_conftest_style() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        d.join("w.yaml"),
    )
    .unwrap();
    std::fs::create_dir(d.join("pol")).unwrap();
    std::fs::write(
        d.join("pol/labels.rego"),
        "package custody.workflow.acme\n\ndeny contains f if {\n\tnot input.metadata.labels[\"business-unit\"]\n\tf := {\"id\": \"ACME-001\", \"msg\": \"every workflow names a cost centre\", \"path\": [\"metadata\", \"labels\", \"business-unit\"]}\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("pol/main.rego"),
        "package main\n\nwarn contains msg if {\n\tinput.kind == \"Workflow\"\n\tmsg := sprintf(\"%s is checked by conftest-style rules too\", [input.metadata.id])\n}\n",
    )
    .unwrap();
    let (code, report) = validate_json(d, &["--policy", "pol", "w.yaml"]);
    assert_eq!(code, 1, "{report:#}");
    let rules = rules_of(&report);
    assert!(rules.contains(&"ACME-001".to_owned()), "{rules:?}");
    assert!(rules.contains(&"main.warn".to_owned()), "{rules:?}");
    let acme = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ACME-001")
        .unwrap();
    assert_eq!(acme["path"], "metadata.labels.business-unit");
    assert!(
        acme["line"].as_u64().unwrap() > 1,
        "points at the labels key"
    );
}

#[test]
fn a_policy_runtime_error_is_never_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        d.join("w.yaml"),
    )
    .unwrap();
    std::fs::create_dir(d.join("pol")).unwrap();
    std::fs::write(
        d.join("pol/boom.rego"),
        "package custody.workflow.boom\n\ndeny contains f if {\n\tx := custody.duration_ns(input.metadata.id)\n\tf := {\"id\": \"BOOM\", \"msg\": sprintf(\"%d\", [x]), \"path\": []}\n}\n",
    )
    .unwrap();
    let out = custody(d)
        .args(["validate", "--policy", "pol", "w.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not be evaluated"));
}

#[test]
fn output_file_is_written_and_summary_still_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    custody(&root())
        .args([
            "validate",
            "examples/invalid",
            "--format",
            "json",
            "--output",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("custody: failed"));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
}

#[test]
fn builtin_rego_unit_tests_pass() {
    let out = custody(&root()).arg("test").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    // A failing user test fails the run.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("x_test.rego"),
        "package custody.workflow.x_test\n\ntest_no if {\n\tfalse\n}\n",
    )
    .unwrap();
    custody(tmp.path())
        .args(["test", "."])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("FAIL"));
}

#[test]
fn test_shows_the_users_own_tests_and_selects_as_opa_test_does() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("x_test.rego"),
        "package custody.workflow.x_test\n\ntest_no if {\n\tfalse\n}\n\ntest_yes if true\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = custody(tmp.path()).args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Only the user's tests, failures shown, passes counted.
    let (code, out, _) = run(&["test", "."]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL ./x_test.rego test_no"), "{out}");
    assert!(!out.contains("PASS"), "{out}");
    assert!(!out.contains("policies/"), "no built-in test shown: {out}");
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
    // -v shows the passes and the coverage of the user's files only.
    let (_, out, _) = run(&["test", ".", "-v"]);
    assert!(out.contains("PASS ./x_test.rego test_yes"), "{out}");
    assert!(!out.contains("policies/"), "{out}");
    // --run selects by full name.
    let (code, out, _) = run(&["test", ".", "--run", "x_test.test_yes$"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
    let (code, _, err) = run(&["test", ".", "--run", "nothing_matches"]);
    assert_eq!(code, 2);
    assert!(err.contains("no test_* rule matches --run"), "{err}");
    let (code, _, err) = run(&["test", ".", "--run", "("]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid --run regular expression"), "{err}");
    // --builtin adds the built-in policies' tests.
    let (code, out, _) = run(&["test", ".", "--builtin", "-v"]);
    assert_eq!(code, 1);
    assert!(out.contains("PASS policies/session/"), "{out}");
    assert!(out.contains("FAIL ./x_test.rego test_no"), "{out}");
}

#[test]
fn rule_catalogue_is_complete_and_unique() {
    let out = custody(&root())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rules: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        ids.len(),
        unique.len(),
        "each rule id documented once: {ids:?}"
    );
    let mut want: Vec<String> = (1..=18).map(|i| format!("CUS-W{i:03}")).collect();
    want.extend(["CUS-P001", "CUS-P002", "CUS-P003", "CUS-C001", "CUS-C002"].map(String::from));
    for id in &want {
        let rule = rules
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(!rule["title"].as_str().unwrap().is_empty());
        assert!(
            !rule["remediation"].as_str().unwrap().is_empty(),
            "{id} has a remediation"
        );
        let frameworks = rule["frameworks"].as_array().unwrap();
        assert!(!frameworks.is_empty(), "{id} has framework references");
        for f in frameworks {
            let f = f.as_str().unwrap();
            assert!(!f.contains("PR.AC-"), "{id}: CSF 1.1 id {f}");
            assert!(
                [
                    "NIST-CSF-2.0:",
                    "NIST-800-53:",
                    "OWASP-NHI:",
                    "PCI-DSS-4.0:",
                    "ISO-27001-2022:"
                ]
                .iter()
                .any(|p| f.starts_with(p)),
                "{id}: {f}"
            );
        }
    }
    custody(&root())
        .args(["explain", "CUS-W005"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("NIST-800-53:AC-5"));
    custody(&root())
        .args(["explain", "CUS-X999"])
        .assert()
        .code(2);
}

#[test]
fn schema_command_prints_the_schemas() {
    for kind in ["workflow", "bundle"] {
        let out = custody(&root()).args(["schema", kind]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn init_scaffolds_a_passing_layout_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    custody(tmp.path()).args(["init", "."]).assert().code(0);
    for f in [
        "workflows/example.yaml",
        ".custody.yaml",
        ".pre-commit-config.yaml",
        ".github/workflows/custody.yml",
    ] {
        assert!(tmp.path().join(f).is_file(), "{f}");
    }
    let (code, report) = validate_json(tmp.path(), &["."]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["documents"], 1);
    std::fs::write(tmp.path().join(".custody.yaml"), "rules: {}\n").unwrap();
    std::fs::remove_file(tmp.path().join(".pre-commit-config.yaml")).unwrap();
    // A second run writes only what is missing and leaves the rest as it is, saying what to add.
    let out = custody(tmp.path()).args(["init", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("created ./.pre-commit-config.yaml"),
        "{stdout}"
    );
    assert!(stdout.contains("kept ./.custody.yaml"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".custody.yaml")).unwrap(),
        "rules: {}\n"
    );
    // An existing pre-commit configuration is kept, and the hook to add is printed.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join(".pre-commit-config.yaml"), "repos: []\n").unwrap();
    let out = custody(other.path()).args(["init", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("entry: custody validate --allow-empty --ids-from ."),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(other.path().join(".pre-commit-config.yaml")).unwrap(),
        "repos: []\n"
    );
    assert!(other.path().join("workflows/example.yaml").is_file());
    // The scaffolded hook is the shipped one, with the binary on PATH.
    let scaffold = std::fs::read_to_string(tmp.path().join(".pre-commit-config.yaml")).unwrap();
    assert!(scaffold.contains("repo: local"), "{scaffold}");
    assert!(!scaffold.contains("rev: v0.1.0"), "{scaffold}");
    assert!(
        scaffold.contains(&format!("entry: custody {}", hook_entry().join(" "))),
        "{scaffold}"
    );
}

/// The hook's entry as .pre-commit-hooks.yaml declares it, as arguments after `custody`.
fn hook_entry() -> Vec<String> {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: "))
        .expect("entry line");
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("custody"));
    words.map(str::to_owned).collect()
}

#[test]
fn pre_commit_hook_judges_the_changed_files_only() {
    // A repository with the example manifests, an invalid manifest nobody touches, and another tool's YAML;
    // the hook is run as pre-commit runs it: its entry, then the changed files.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::create_dir(repo.join("workflows")).unwrap();
    let mut examples = Vec::new();
    for e in std::fs::read_dir(root().join("examples/workflows")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        std::fs::copy(
            root().join("examples/workflows").join(&name),
            repo.join("workflows").join(&name),
        )
        .unwrap();
        examples.push(format!("workflows/{name}"));
    }
    examples.sort();
    std::fs::copy(
        root().join("examples/invalid/missing-purpose.yaml"),
        repo.join("legacy.yaml"),
    )
    .unwrap();
    std::fs::write(
        repo.join("docker-compose.yaml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    let hook = |files: &[&str]| {
        let out = custody(repo)
            .args(hook_entry())
            .args(files)
            .args(["--now", "2026-11-25T12:00:00Z"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
    // The example manifests pass although an untouched manifest in the repository has findings.
    assert_eq!(hook(&examples).0, 0);
    // A commit touching only another tool's YAML passes.
    assert_eq!(hook(&["docker-compose.yaml"]).0, 0);
    // The changed invalid manifest fails.
    assert_eq!(hook(&["legacy.yaml", "docker-compose.yaml"]).0, 1);
    // A near-miss custody document is still an error.
    std::fs::write(
        repo.join("near.yaml"),
        "apiVersion: custody/v2\nkind: Workflow\nmetadata: {id: near}\n",
    )
    .unwrap();
    let (code, out) = hook(&["near.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("CUS-P002"), "{out}");
    // A new manifest that reuses the id of an untouched one: CUS-P003 on the new one, naming the other.
    let copy = std::fs::read_to_string(repo.join("workflows/payments-db-admin.yaml")).unwrap();
    std::fs::write(repo.join("workflows/copy.yaml"), copy).unwrap();
    let (code, out) = hook(&["workflows/copy.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("CUS-P003"), "{out}");
    assert!(out.contains("workflows/payments-db-admin.yaml"), "{out}");
    assert!(out.contains("╭─[workflows/copy.yaml:"), "{out}");
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        custody(&root())
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicates::str::contains("validate"));
    }
    custody(&root())
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicates::str::contains(".TH custody"));
    // A page per command, with what clap does not know: exit status, examples, files, environment.
    let out = custody(&root()).args(["man", "validate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    for part in [
        ".TH custody-validate 1",
        "\\fB\\-\\-ids\\-from\\fR",
        ".SH \"EXIT STATUS\"",
        ".SH EXAMPLES",
        ".SH FILES",
        ".SH ENVIRONMENT",
        "\\fBcustody\\-check\\fR(1)",
    ] {
        assert!(page.contains(part), "{part}:\n{page}");
    }
    custody(&root()).args(["man", "nope"]).assert().code(2);
    let tmp = tempfile::tempdir().unwrap();
    custody(tmp.path())
        .args(["man", "--dir", "man1"])
        .assert()
        .code(0);
    let mut pages: Vec<String> = std::fs::read_dir(tmp.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 14, "{pages:?}");
    assert!(
        pages.contains(&"custody.1".to_owned()) && pages.contains(&"custody-seal.1".to_owned())
    );
}

#[test]
fn one_configuration_serves_validate_and_check() {
    // `validate` loads only the workflow rule sets, yet a session rule named in the shared configuration
    // is a known id, not a configuration error; an id in neither catalogue still is one.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("w.yaml"), crate::common::manifest()).unwrap();
    std::fs::write(
        d.join(".custody.yaml"),
        "rules:\n  CUS-S014: warning\n  CUS-W006: off\n",
    )
    .unwrap();
    crate::common::custody(d)
        .args(["validate", "w.yaml", "--now", "2026-11-26T00:00:00Z"])
        .assert()
        .code(0);
    std::fs::write(d.join(".custody.yaml"), "rules:\n  CUS-S099: warning\n").unwrap();
    let out = crate::common::custody(d)
        .args(["validate", "w.yaml", "--now", "2026-11-26T00:00:00Z"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("unknown rule id `CUS-S099`"), "{stderr}");
}
