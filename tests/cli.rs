//! The command line itself: the flags each command accepts.

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
