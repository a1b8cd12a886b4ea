//! Snapshots of rendered output: human diagnostics (no colour, fixed width), JSON, and `--help` texts.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("custody")
        .expect("binary builds")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("runs");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn human_output_of_invalid_examples() {
    insta::assert_snapshot!(run(&[
        "validate",
        "examples/invalid",
        "--now",
        "2026-11-25T12:00:00Z"
    ]));
}

#[test]
fn json_output_of_invalid_examples() {
    insta::assert_snapshot!(run(&[
        "validate",
        "examples/invalid",
        "--format",
        "json",
        "--now",
        "2026-11-25T12:00:00Z"
    ]));
}

#[test]
fn help_texts() {
    for cmd in [
        &["--help"][..],
        &["validate", "--help"],
        &["test", "--help"],
        &["rules", "--help"],
        &["explain", "--help"],
        &["schema", "--help"],
        &["check", "--help"],
        &["seal", "--help"],
        &["import", "--help"],
        &["import", "teleport", "--help"],
        &["init", "--help"],
        &["completions", "--help"],
    ] {
        let name = format!("help_{}", cmd[..cmd.len() - 1].join("_"));
        insta::assert_snapshot!(name, run(cmd));
    }
}
