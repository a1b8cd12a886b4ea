//! Output never obeys the input: terminal escapes, other controls and bidirectional overrides written into a
//! manifest or a file name are shown escaped, in every format, whatever `--color` says; a finding far out on
//! a very long line is shown with an excerpt instead of crashing the renderer.

use std::path::Path;

use crate::common::{custody, manifest, NOW};

/// Run custody in `dir` with `args` (and a fixed `--now`): exit code, stdout, stderr.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = custody(dir)
        .args(args)
        .args(["--now", NOW])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_inert(text: &str) {
    for bad in [
        '\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{7f}',
    ] {
        assert!(!text.contains(bad), "raw {bad:?} in output:\n{text}");
    }
}

/// A manifest whose unknown key paints a fake "passed" line and reverses text.
fn hostile_manifest(dir: &Path) {
    let key = "\u{1b}[2J\u{1b}[H\u{1b}[32mcustody: passed\u{1b}[0m\u{202e}gnp\u{7}";
    let text = manifest().replacen(
        "spec:\n",
        &format!("spec:\n  {}: 1\n", serde_json::to_string(key).unwrap()),
        1,
    );
    std::fs::write(dir.join("w.yaml"), text).unwrap();
}

#[test]
fn escapes_from_a_manifest_key_are_shown_escaped_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    hostile_manifest(tmp.path());
    for color in ["never", "always"] {
        let (code, stdout, stderr) = run(tmp.path(), &["validate", "w.yaml", "--color", color]);
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert!(stdout.contains("CUS-P002"), "{stdout}");
        assert!(
            stdout.contains("\\u{1b}[2J"),
            "the escape is shown, escaped: {stdout}"
        );
        // With colour, custody's own styling uses ESC; the input's sequences must not survive.
        if color == "never" {
            assert_inert(&stdout);
        } else {
            assert!(!stdout.contains("\u{1b}[2J"), "{stdout}");
            assert!(!stdout.contains('\u{202e}'), "{stdout}");
        }
        assert_inert(&stderr);
    }
    for format in ["json", "sarif", "junit", "github"] {
        let (code, stdout, stderr) = run(tmp.path(), &["validate", "w.yaml", "--format", format]);
        assert_eq!(code, 1, "{format}: {stdout}{stderr}");
        assert_inert(&stdout);
        assert_inert(&stderr);
    }
}

#[test]
fn a_file_name_with_escapes_is_shown_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "evil\u{1b}]0;owned\u{7}.yaml";
    std::fs::write(
        tmp.path().join(name),
        "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: [\n",
    )
    .unwrap();
    for format in ["human", "github"] {
        let (code, stdout, stderr) = run(tmp.path(), &["validate", ".", "--format", format]);
        assert_eq!(code, 1, "{format}: {stdout}{stderr}");
        assert!(stdout.contains("CUS-P001"), "{format}: {stdout}");
        assert_inert(&stdout);
        assert_inert(&stderr);
    }
}

#[test]
fn a_finding_past_column_65535_is_rendered() {
    let tmp = tempfile::tempdir().unwrap();
    // One JSON line: 70,000 characters of a label, then an unknown field.
    let padding = "x".repeat(70_000);
    let text = format!(
        r#"{{"apiVersion":"custody/v1","kind":"Workflow","metadata":{{"id":"long-line","labels":{{"pad":"{padding}"}}}},"spec":{{"purpose":"A workflow on one very long line.","unknownField":1}}}}"#
    );
    std::fs::write(tmp.path().join("w.json"), text).unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["validate", "w.json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("CUS-P002"), "{stdout}");
    assert!(stdout.contains("unknownField"), "{stdout}");
    assert!(
        stdout.contains("near: …"),
        "an excerpt of the line: {stdout}"
    );
    assert!(stdout.len() < 20_000, "the long line is not printed whole");
    for format in ["json", "sarif", "junit", "github"] {
        let (code, stdout, _) = run(tmp.path(), &["validate", "w.json", "--format", format]);
        assert_eq!(code, 1, "{format}");
        assert!(stdout.contains("CUS-P002"), "{format}: {stdout}");
    }
}

#[test]
fn tool_errors_on_stderr_cannot_inject_workflow_commands() {
    let tmp = tempfile::tempdir().unwrap();
    hostile_manifest(tmp.path());
    let missing = "gone\n::add-mask::secret\n::error title=fake::all good\u{1b}[2J";
    for format in ["github", "human", "json"] {
        let (code, stdout, stderr) = run(
            tmp.path(),
            &[
                "check",
                "--workflows",
                "w.yaml",
                missing,
                "--format",
                format,
            ],
        );
        assert_eq!(code, 2, "{format}: {stdout}{stderr}");
        assert!(
            stderr.contains("gone"),
            "{format}: the error names the path: {stderr}"
        );
        for line in stdout.lines().chain(stderr.lines()) {
            assert!(
                !line.starts_with("::add-mask") && !line.starts_with("::error title=fake"),
                "{format}: injected workflow command: {line}"
            );
        }
        assert_inert(&stderr);
    }
}
