//! A bundle per session rule (tests/fixtures/check): each breaks one rule and must report exactly the expected
//! findings (rule, line, path, severity, S013 details) with the right exit code. The shipped example
//! bundles pass; the invalid examples fail.

use std::collections::BTreeSet;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-11-25T12:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(dir: &std::path::Path, workflows: &str, bundle: &str) -> (i32, Value) {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .current_dir(dir)
        .args([
            "check",
            "--workflows",
            workflows,
            bundle,
            "--format",
            "json",
            "--now",
            NOW,
        ])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{bundle}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

type Key = (String, u64, String, String, String);

fn key(f: &Value) -> Key {
    (
        f["rule"].as_str().unwrap_or("").to_owned(),
        f["line"].as_u64().unwrap_or(0),
        f["path"].as_str().unwrap_or("").to_owned(),
        f["severity"].as_str().unwrap_or("").to_owned(),
        f.get("details")
            .filter(|d| !d.is_null())
            .map(|d| format!("{}/{}", d["seq"], d["kind"].as_str().unwrap_or("")))
            .unwrap_or_default(),
    )
}

#[test]
fn every_session_rule_fixture_reports_exactly_its_findings() {
    let dir = root().join("tests/fixtures/check");
    let expected: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let covered: BTreeSet<String> = expected
        .values()
        .flat_map(|v| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap().to_owned())
        })
        .collect();
    for i in 1..=19 {
        let id = format!("CUS-S{i:03}");
        assert!(covered.contains(&id), "no fixture for {id}");
    }
    let mut failures = Vec::new();
    for (fixture, want) in &expected {
        let (code, report) = check(&dir, "workflows", fixture);
        let got: BTreeSet<Key> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        let want: BTreeSet<Key> = want.as_array().unwrap().iter().map(key).collect();
        let want_code = if want.iter().any(|k| k.3 == "error") {
            1
        } else {
            0
        };
        if got != want || code != want_code {
            failures.push(format!(
                "{fixture}: exit {code} (want {want_code})\n  got  {got:?}\n  want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_bundles_pass_and_invalid_ones_fail() {
    let (code, report) = check(&root(), "examples/workflows", "examples/bundles");
    assert_eq!(code, 0, "{report:#}");
    assert!(report["summary"]["documents"].as_u64().unwrap() >= 4);
    let (code, report) = check(&root(), "examples/workflows", "examples/bundles-invalid");
    assert_eq!(code, 1);
    let rules: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    for rule in ["CUS-S007", "CUS-S009", "CUS-S013", "CUS-S016"] {
        assert!(rules.contains(rule), "{rule} missing: {rules:?}");
    }
}
