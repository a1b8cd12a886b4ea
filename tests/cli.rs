//! The command line itself: the flags each command accepts, the generated rule reference, and what happens
//! when standard output or standard error cannot be written.

use std::path::Path;
use std::process::Stdio;

use crate::common::{custody, root, NOW};

fn stdout_of(args: &[&str]) -> String {
    let out = custody(&root()).args(args).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "custody {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let generated = stdout_of(&["rules", "--format", "markdown"]);
    let committed = std::fs::read_to_string(root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/rules.md is stale; regenerate it with `custody rules --format markdown > docs/rules.md` \
         (from the repository root: cargo run -q -- rules --format markdown > docs/rules.md)"
    );
}

#[test]
fn rules_markdown_has_a_section_per_rule() {
    let markdown = stdout_of(&["rules", "--format", "markdown"]);
    let rules: Vec<serde_json::Value> =
        serde_json::from_str(&stdout_of(&["rules", "--format", "json"])).unwrap();
    assert!(!rules.is_empty());
    for rule in &rules {
        let id = rule["id"].as_str().unwrap();
        let section = format!("\n## {id}\n\n**{}**\n", rule["title"].as_str().unwrap());
        assert!(markdown.contains(&section), "{id} has no section");
        let remediation = rule["remediation"].as_str().unwrap();
        assert!(
            markdown.contains(&format!("**How to fix:** {remediation}\n")),
            "{id} lacks its remediation"
        );
    }
}

#[test]
fn commands_reject_flags_they_do_not_use() {
    for args in [
        &["rules", "--jobs", "2"][..],
        &["rules", "--data", "x.yaml"],
        &["rules", "--format", "sarif"],
        &["explain", "CUS-W005", "--exclude", "x"],
        &["explain", "CUS-W005", "--format", "markdown"],
        &["test", "--strict"],
        &["test", "--format", "junit"],
        &["test", "--output", "x.json"],
    ] {
        let out = custody(&root()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "custody {args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error: "),
            "custody {args:?}"
        );
    }
}

#[test]
fn now_is_accepted_by_commands_that_ignore_it_and_hidden_from_their_help() {
    stdout_of(&["rules", "--now", NOW]);
    stdout_of(&["explain", "CUS-W005", "--now", NOW]);
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle.yaml");
    std::fs::copy(
        root().join("examples/bundles/clean-per-session.yaml"),
        &bundle,
    )
    .unwrap();
    custody(tmp.path())
        .args(["seal", "bundle.yaml", "--now", NOW])
        .assert()
        .code(0);
    let out_dir = tmp.path().join("imported");
    custody(&root())
        .args([
            "import",
            "teleport",
            "examples/teleport/audit.jsonl",
            "--now",
            NOW,
        ])
        .arg("--out")
        .arg(&out_dir)
        .assert()
        .code(0);
    // Still checked, as on every command.
    custody(&root())
        .args(["rules", "--now", "yesterday"])
        .assert()
        .code(2);
    for command in [
        &["rules"][..],
        &["explain"],
        &["test"],
        &["seal"],
        &["import", "teleport"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = stdout_of(&args);
        assert!(!help.contains("--now"), "custody {args:?} shows --now");
    }
    assert!(stdout_of(&["validate", "--help"]).contains("--now"));
}

/// `custody ARGS` with stdout or stderr on /dev/full; `None` where the system has no /dev/full.
fn on_dev_full(args: &[&str], stream: &str) -> Option<std::process::Output> {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return None;
    }
    let open = || std::fs::OpenOptions::new().write(true).open(full).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("custody"));
    cmd.current_dir(root()).env("NO_COLOR", "1").args(args);
    if stream == "stdout" {
        cmd.stdout(open()).stderr(Stdio::piped());
    } else {
        cmd.stdout(Stdio::piped()).stderr(open());
    }
    Some(cmd.output().unwrap())
}

#[test]
fn a_report_that_cannot_be_written_fails_the_run() {
    // `custody validate examples/workflows > /dev/full`: the report is lost, so the run is not a pass.
    let Some(out) = on_dev_full(&["validate", "examples/workflows", "--now", NOW], "stdout") else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write to standard output"),
        "{stderr}"
    );
    let out = on_dev_full(&["--help"], "stdout").unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: cannot write"));
}

#[test]
fn a_summary_that_cannot_be_written_fails_the_run() {
    // With --output the report goes to the file and the summary line to stderr.
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.json");
    let report = report.to_str().unwrap();
    let Some(out) = on_dev_full(
        &[
            "validate",
            "examples/workflows",
            "--now",
            NOW,
            "--output",
            report,
        ],
        "stderr",
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_takes_a_rule_id_with_or_without_its_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    for id in ["CUS-W005", "W005", "w005", "cus-w005"] {
        let out = crate::common::custody(tmp.path())
            .args(["explain", id])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("CUS-W005"),
            "{id}"
        );
    }
    let out = crate::common::custody(tmp.path())
        .args(["explain", "C003"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exception valid too far ahead"));
}
