//! Ambiguity is an error: two manifests declaring one workflow id (`CUS-P003` in `check` too, and a bundle
//! naming that id is not judged), the workflow rules on the manifests a `check` run's bundles name, two
//! bundles sharing a session id (`CUS-P004`), and a bundle that cannot be evaluated reported on that bundle
//! in every format.

use std::path::Path;

use crate::common::{bundle, manifest, run_full, run_json, Run, NOW};

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// `custody check --workflows w ARGS --format FORMAT --now NOW` in `dir`.
fn check(dir: &Path, format: &str, args: &[&str]) -> Run {
    let mut all = vec!["check", "--workflows", "w"];
    all.extend_from_slice(args);
    all.extend(["--format", format, "--now", NOW]);
    run_full(dir, &all, None, &[], false)
}

fn findings_of<'a>(json: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The payments manifest with `separationOfDuties: false` and no recording: permissive enough that a bundle
/// of self-approved, unrecorded sessions would pass against it.
fn weakened() -> String {
    let m = manifest();
    assert!(m.contains("separationOfDuties: true") && m.contains("recording: full"));
    m.replace("separationOfDuties: true", "separationOfDuties: false")
        .replace("recording: full", "recording: none")
}

#[test]
fn a_duplicate_workflow_id_is_p003_in_check_and_its_bundles_are_not_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", manifest());
    // Sorted first by name: the copy that used to win.
    write(d, "w/00-override.yaml", weakened());
    write(d, "b.yaml", bundle());
    let r = check(d, "json", &["b.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let json = r.json();
    let p003 = findings_of(&json, "CUS-P003");
    assert_eq!(p003.len(), 1, "{json:#}");
    assert_eq!(p003[0]["workflow"], "payments-db-admin");
    assert!(p003[0]["file"].as_str().unwrap().starts_with("w/"));
    // The bundle is counted, not judged: no session finding, one tool error naming it and the id.
    assert_eq!(json["summary"]["documents"], 1);
    assert_eq!(json["summary"]["toolErrors"], 1);
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["session"].is_null()));
    let error = json["toolErrors"][0]["message"].as_str().unwrap();
    assert!(
        error.contains("b.yaml") && error.contains("payments-db-admin"),
        "{error}"
    );
    assert!(r.stderr.contains("payments-db-admin"), "{}", r.stderr);
    assert!(r.stderr.contains("declared more than once"), "{}", r.stderr);
    // JUnit shows the bundle as an error, not as a passing test case.
    let r = check(d, "junit", &["b.yaml"]);
    assert_eq!(r.code, 2);
    let xml = String::from_utf8(r.stdout).unwrap();
    assert!(
        xml.contains("name=\"sess-20261120-0007\">\n      <error type=\"custody\""),
        "{xml}"
    );
}

#[test]
fn a_duplicate_id_no_bundle_names_is_still_p003_and_other_bundles_are_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", manifest());
    let other = manifest().replace("id: payments-db-admin", "id: other-workflow");
    write(d, "w/other.yaml", &other);
    write(d, "w/other-copy.yaml", &other);
    write(d, "b.yaml", bundle());
    let r = check(d, "json", &["b.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    assert_eq!(r.rules(), ["CUS-P003"], "{json:#}");
    assert_eq!(json["findings"][0]["workflow"], "other-workflow");
    assert!(json["summary"].get("toolErrors").is_none(), "{json:#}");
    assert!(json.get("toolErrors").is_none(), "{json:#}");
}

#[test]
fn check_reports_the_workflow_rules_of_the_manifests_its_bundles_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", weakened());
    // A weak manifest no bundle names is validate's business, not this run's.
    let unnamed = weakened().replace("id: payments-db-admin", "id: unused-workflow");
    write(d, "w/unused.yaml", unnamed);
    write(d, "b.yaml", bundle());
    let r = check(d, "json", &["b.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    let w005 = findings_of(&json, "CUS-W005");
    assert_eq!(w005.len(), 1, "{json:#}");
    assert_eq!(w005[0]["file"], "w/payments.yaml");
    assert_eq!(w005[0]["workflow"], "payments-db-admin");
    assert_eq!(w005[0]["path"], "spec.approval.separationOfDuties");
    assert!(w005[0]["line"].as_u64().unwrap() > 1);
    assert_eq!(findings_of(&json, "CUS-W009").len(), 1, "{json:#}");
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["workflow"] != "unused-workflow"),
        "{json:#}"
    );
    // The summary still counts bundles.
    assert_eq!(json["summary"]["documents"], 1);
    assert_eq!(json["summary"]["files"], 1);
    // The same run against the sound manifest passes: the failure came from the manifest alone.
    write(d, "w/payments.yaml", manifest());
    let r = check(d, "json", &["b.yaml"]);
    assert_eq!(r.code, 0, "{:#}", r.json());
}

#[test]
fn two_bundles_with_one_session_id_are_p004_and_both_are_evaluated() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", manifest());
    // Both copies are tampered with, so each evaluation shows in its own S013.
    let tampered = bundle().replacen("command: ", "command: rm -rf / ; ", 1);
    assert_ne!(tampered, bundle());
    write(d, "a.yaml", &tampered);
    write(d, "two.yaml", format!("{tampered}---\n{tampered}"));
    let r = check(d, "json", &["a.yaml", "two.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    let p004 = findings_of(&json, "CUS-P004");
    assert_eq!(p004.len(), 2, "{json:#}");
    for f in &p004 {
        assert_eq!(f["file"], "two.yaml");
        assert_eq!(f["path"], "session.id");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["session"], "sess-20261120-0007");
        let message = f["message"].as_str().unwrap();
        assert!(message.contains("a.yaml:9"), "{message}");
    }
    assert_ne!(p004[0]["line"], p004[1]["line"]);
    assert!(findings_of(&json, "CUS-S013").len() >= 3, "{json:#}");
    assert_eq!(json["summary"]["documents"], 3);

    // JUnit keeps the three bundles apart: no two test cases share a name.
    let r = check(d, "junit", &["a.yaml", "two.yaml"]);
    let xml = String::from_utf8(r.stdout).unwrap();
    let names: Vec<&str> = xml
        .split("<testcase ")
        .skip(1)
        .map(|c| {
            c.split(" name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        })
        .collect();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(names.len(), unique.len(), "{xml}");
    let s013: Vec<&&str> = names.iter().filter(|n| n.ends_with("CUS-S013")).collect();
    assert_eq!(s013.len(), 3, "{xml}");
    assert!(
        s013.iter().any(|n| n.contains("two.yaml:")),
        "the repeated bundles are named by file and line: {xml}"
    );
}

#[test]
fn p004_is_locked_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", manifest());
    write(d, "b.yaml", bundle());
    write(d, ".custody.yaml", "rules:\n  CUS-P004: off\n");
    let r = check(d, "json", &["b.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("CUS-P004"), "{}", r.stderr);
    let elsewhere = tempfile::tempdir().unwrap();
    let r = run_full(
        elsewhere.path(),
        &["explain", "CUS-P004", "--format", "json"],
        None,
        &[],
        false,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rule = r.json();
    assert_eq!(rule["severity"], "error");
    assert!(
        rule["frameworks"]
            .as_array()
            .unwrap()
            .contains(&"NIST-800-53:AU-9".into()),
        "{rule:#}"
    );
}

#[test]
fn a_bundle_that_cannot_be_evaluated_is_reported_on_that_bundle_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", manifest());
    write(d, "b.yaml", bundle());
    let other = bundle().replace("sess-20261120-0007", "sess-other");
    write(d, "ok.yaml", other);
    // A user policy that fails at run time on one bundle only.
    write(
        d,
        "pol/p.rego",
        "package main\n\ndeny contains msg if {\n\tinput.session.id == \"sess-20261120-0007\"\n\tn := to_number(\"x\")\n\tn > 0\n\tmsg := \"never\"\n}\n",
    );
    let args = ["b.yaml", "ok.yaml", "--policy", "pol"];

    let r = check(d, "json", &args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let json = r.json();
    assert_eq!(json["summary"]["toolErrors"], 1, "{json:#}");
    assert_eq!(json["toolErrors"][0]["file"], "b.yaml");
    assert_eq!(json["toolErrors"][0]["document"], "sess-20261120-0007");

    let r = check(d, "junit", &args);
    assert_eq!(r.code, 2);
    let xml = String::from_utf8(r.stdout).unwrap();
    let suite = xml
        .split("<testsuite name=\"b.yaml\"")
        .nth(1)
        .unwrap()
        .split("</testsuite>")
        .next()
        .unwrap();
    assert!(suite.contains("errors=\"1\""), "{xml}");
    assert!(
        suite.contains("name=\"sess-20261120-0007\">\n      <error "),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"ok.yaml\" tests=\"1\" failures=\"1\" errors=\"0\""),
        "the other bundle was evaluated (its re-id breaks its chain): {xml}"
    );

    let r = check(d, "sarif", &args);
    assert_eq!(r.code, 2);
    let sarif: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "b.yaml"
    );

    let r = check(d, "github", &args);
    assert_eq!(r.code, 2);
    let out = String::from_utf8(r.stdout).unwrap();
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=b.yaml,line=") && l.contains("sess-20261120-0007")),
        "{out}"
    );
}

#[test]
fn validate_still_reports_p003_and_counts_tool_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/a.yaml", manifest());
    write(d, "w/b.yaml", manifest());
    let r = run_json(d, &["validate", "w"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.rules(), ["CUS-P003"]);
}

#[test]
fn p004_follows_input_order_across_files_and_streams() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w/payments.yaml", manifest());
    write(d, "b.yaml", bundle());
    let line = |id: &str| {
        format!(
            "{{\"apiVersion\": \"custody/v1\", \"kind\": \"SessionBundle\", \"session\": {{\"id\": \"{id}\", \"workflow\": \"payments-db-admin\"}}}}\n"
        )
    };
    let stdin = [
        line("s-1"),
        line("s-2"),
        line("s-1"),
        line("sess-20261120-0007"),
    ]
    .concat();
    let r = run_full(
        d,
        &[
            "check",
            "--workflows",
            "w",
            "b.yaml",
            "-",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        Some(stdin.into_bytes()),
        &[],
        false,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    let p004 = findings_of(&json, "CUS-P004");
    let at: Vec<(String, u64, String)> = p004
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(at.len(), 2, "{json:#}");
    assert_eq!((at[0].0.as_str(), at[0].1), ("-", 3));
    assert!(at[0].2.contains("-:1"), "{}", at[0].2);
    assert_eq!((at[1].0.as_str(), at[1].1), ("-", 4));
    assert!(at[1].2.contains("b.yaml:9"), "{}", at[1].2);
    assert_eq!(json["summary"]["documents"], 5);
}
