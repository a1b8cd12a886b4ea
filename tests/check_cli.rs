//! `custody check` and `custody seal` as a user runs them.

use std::path::Path;

use serde_json::Value;

use crate::common::{custody, root, NOW};

/// A temp dir with the payments workflow and the reference bundle of docs/bundle.md, sealed.
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("workflows")).unwrap();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        tmp.path().join("workflows/payments.yaml"),
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/data/spec-bundle.yaml"),
        tmp.path().join("b.yaml"),
    )
    .unwrap();
    custody(tmp.path())
        .args(["seal", "b.yaml"])
        .assert()
        .code(0);
    tmp
}

fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = custody(dir)
        .args([
            "check",
            "--workflows",
            "workflows",
            "--format",
            "json",
            "--now",
            NOW,
        ])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_sealed_clean_bundle_passes() {
    let tmp = workspace();
    let (code, report) = check_json(tmp.path(), &["b.yaml"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["documents"], 1);
    assert!(rules(&report).is_empty());
}

#[test]
fn a_tampered_event_is_s013_with_its_seq_and_kind() {
    let tmp = workspace();
    edit(
        &tmp.path().join("b.yaml"),
        "pg_dump -t orders",
        "pg_dump -t customers",
    );
    let (code, report) = check_json(tmp.path(), &["b.yaml"]);
    assert_eq!(code, 1);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CUS-S013")
        .expect("S013");
    assert_eq!(f["details"]["seq"], 2);
    assert_eq!(f["details"]["kind"], "content");
    assert_eq!(f["session"], "sess-20261120-0007");
    assert_eq!(f["workflow"], "payments-db-admin");
}

#[test]
fn unknown_workflow_is_only_s001() {
    let tmp = workspace();
    edit(
        &tmp.path().join("b.yaml"),
        "workflow: payments-db-admin",
        "workflow: nope",
    );
    let (code, report) = check_json(tmp.path(), &["b.yaml"]);
    assert_eq!((code, rules(&report)), (1, vec!["CUS-S001".to_owned()]));
}

#[test]
fn stdin_json_lines_are_streamed_with_line_numbers() {
    let tmp = workspace();
    let docs = custody_engine::source::parse_documents(
        &std::fs::read_to_string(tmp.path().join("b.yaml")).unwrap(),
        &custody_engine::source::Budgets::default(),
    )
    .unwrap();
    let good = serde_json::to_string(&docs[0].to_json()).unwrap();
    let mut bad = docs[0].to_json();
    bad["identity"]["principal"] = Value::from("mallory");
    let bad = serde_json::to_string(&bad).unwrap();
    let stream = format!("{good}\n{good}\n\n{bad}\nnot json\n");
    let out = custody(tmp.path())
        .args([
            "check",
            "--workflows",
            "workflows",
            "--format",
            "json",
            "--now",
            NOW,
            "-",
        ])
        .write_stdin(stream)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["documents"], 3);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["file"] == "-"));
    let p001 = findings
        .iter()
        .find(|f| f["rule"] == "CUS-P001")
        .expect("bad line reported");
    assert_eq!(p001["line"], 5);
    let s002 = findings
        .iter()
        .find(|f| f["rule"] == "CUS-S002")
        .expect("S002: events name alex.kim, identity mallory");
    assert_eq!(s002["line"], 4);
}

#[test]
fn directory_bundles_point_into_events_jsonl() {
    let tmp = workspace();
    let dir = tmp.path().join("s1");
    std::fs::create_dir(&dir).unwrap();
    let docs = custody_engine::source::parse_documents(
        &std::fs::read_to_string(root().join("tests/data/spec-bundle.yaml")).unwrap(),
        &custody_engine::source::Budgets::default(),
    )
    .unwrap();
    let mut doc = docs[0].to_json();
    let mut events = doc["evidence"]["events"].as_array().unwrap().clone();
    events[1]["command"] = Value::from("rm -rf /var/lib/postgresql");
    let lines: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    std::fs::write(dir.join("events.jsonl"), lines.join("\n") + "\n").unwrap();
    doc["evidence"]["events"] = serde_json::json!({"file": "events.jsonl"});
    std::fs::write(
        dir.join("bundle.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
    custody(tmp.path()).args(["seal", "s1"]).assert().code(0);
    let (code, report) = check_json(tmp.path(), &["s1"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["summary"]["files"], 1);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CUS-S014")
        .expect("S014");
    assert_eq!(f["file"], "s1/events.jsonl");
    assert_eq!(f["line"], 2);
    // A missing events file is a P001 on the reference; the rest of the bundle is still evaluated.
    std::fs::remove_file(dir.join("events.jsonl")).unwrap();
    let (code, report) = check_json(tmp.path(), &["s1"]);
    assert_eq!(code, 1);
    assert!(
        rules(&report).contains(&"CUS-P001".to_owned()),
        "{report:#}"
    );
    // A reference that escapes the bundle directory is never followed.
    edit(
        &dir.join("bundle.json"),
        "\"events.jsonl\"",
        "\"../b.yaml\"",
    );
    let (_, report) = check_json(tmp.path(), &["s1"]);
    let p001 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CUS-P001")
        .unwrap();
    assert!(
        p001["message"].as_str().unwrap().contains("escapes"),
        "{p001}"
    );
    assert_eq!(p001["path"], "evidence.events.file");
}

#[test]
fn seal_is_idempotent_and_refuses_to_launder_tampering() {
    let tmp = workspace();
    let path = tmp.path().join("b.yaml");
    let before = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    custody(tmp.path())
        .args(["seal", "b.yaml"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("unchanged"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    edit(&path, "pg_dump -t orders", "pg_dump -t customers");
    let tampered = std::fs::read(&path).unwrap();
    custody(tmp.path())
        .args(["seal", "b.yaml"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("CUS-S013"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        tampered,
        "a refused seal changes nothing"
    );
    custody(tmp.path())
        .args(["seal", "--reseal", "b.yaml"])
        .assert()
        .code(0);
    let (code, _) = check_json(tmp.path(), &["b.yaml"]);
    assert_eq!(code, 0);
}

#[test]
fn seal_reads_within_the_configured_limits() {
    let tmp = workspace();
    let file = tmp.path().join("b.yaml");
    let dir = tmp.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    for name in ["bundle.yaml", "events.jsonl", "session.cast"] {
        std::fs::copy(
            root().join("examples/bundles/dir-session").join(name),
            dir.join(name),
        )
        .unwrap();
    }
    let snapshot = || {
        ["b.yaml", "d/bundle.yaml", "d/events.jsonl"]
            .map(|f| std::fs::read(tmp.path().join(f)).unwrap())
    };
    let before = snapshot();
    // .custody.yaml's limits bound what seal reads, as they bound what check reads.
    for (limit, value, target) in [("maxFileSize", "1KiB", "b.yaml"), ("maxEvents", "1", "d")] {
        std::fs::write(
            tmp.path().join(".custody.yaml"),
            format!("limits:\n  {limit}: {value}\n"),
        )
        .unwrap();
        custody(tmp.path())
            .args(["seal", "--reseal", target])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!("limits.{limit}")));
    }
    assert_eq!(snapshot(), before, "a refused seal changes nothing");
    // --config replaces the lookup: within its (default) limits both are sealed already.
    std::fs::write(tmp.path().join("roomy.yaml"), "limits:\n  maxEvents: 100\n").unwrap();
    for target in ["b.yaml", "d"] {
        custody(tmp.path())
            .args(["seal", "--config", "roomy.yaml", target])
            .assert()
            .code(0)
            .stdout(predicates::str::contains("unchanged"));
    }
    assert!(file.is_file());
    // A configuration that cannot be read is a usage error, never a seal with default limits.
    custody(tmp.path())
        .args(["seal", "--config", "missing.yaml", "d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing.yaml"));
    assert_eq!(snapshot(), before);
}

#[test]
fn check_usage_errors() {
    let tmp = workspace();
    custody(tmp.path())
        .args(["check", "--workflows", "workflows"])
        .assert()
        .code(2);
    custody(tmp.path())
        .args(["check", "b.yaml"])
        .assert()
        .code(2);
    custody(tmp.path())
        .args(["check", "--workflows", "workflows", "missing.yaml"])
        .assert()
        .code(2);
}

#[test]
fn output_is_identical_across_runs_and_job_counts() {
    let run = |args: &[&str]| {
        custody(&root())
            .args(args)
            .args(["--now", NOW])
            .output()
            .unwrap()
            .stdout
    };
    for format in ["json", "sarif", "junit"] {
        let one = run(&["validate", "examples", "--format", format, "--jobs", "1"]);
        let two = run(&["validate", "examples", "--format", format, "--jobs", "2"]);
        assert!(!one.is_empty());
        assert_eq!(one, two, "{format} differs across --jobs");
        assert_eq!(
            one,
            run(&["validate", "examples", "--format", format, "--jobs", "2"])
        );
    }
}
