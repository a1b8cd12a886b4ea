//! Messages in words: schema problems say what is expected as the schema describes it (never a raw regex),
//! an unknown field names the nearest known one, and diagnostics carry no internal code lines.

use std::path::Path;

use crate::common::{custody, manifest, run_json};

fn messages_of(dir: &Path, args: &[&str]) -> (i32, String) {
    let run = run_json(dir, args);
    (run.code, run.messages())
}

#[test]
fn an_unknown_field_names_the_nearest_known_one() {
    let tmp = tempfile::tempdir().unwrap();
    let text = manifest().replace("separationOfDuties:", "separationOfDutie:");
    std::fs::write(tmp.path().join("w.yaml"), text).unwrap();
    let (code, messages) = messages_of(tmp.path(), &["validate", "w.yaml"]);
    assert_eq!(code, 1);
    assert!(
        messages.contains("unknown field `separationOfDutie`: did you mean `separationOfDuties`?"),
        "{messages}"
    );
    // Another letter case is the same field, and a word far from every field lists them instead.
    let text = manifest().replace("separationOfDuties:", "SeparationOfDuties:");
    std::fs::write(tmp.path().join("w.yaml"), text).unwrap();
    let (_, messages) = messages_of(tmp.path(), &["validate", "w.yaml"]);
    assert!(
        messages.contains("did you mean `separationOfDuties`?"),
        "{messages}"
    );
    let text = manifest().replace("separationOfDuties:", "zzzzzzzzzzzz:");
    std::fs::write(tmp.path().join("w.yaml"), text).unwrap();
    let (_, messages) = messages_of(tmp.path(), &["validate", "w.yaml"]);
    assert!(
        messages.contains("unknown field `zzzzzzzzzzzz` (the fields here are `"),
        "{messages}"
    );
    assert!(messages.contains("`separationOfDuties`"), "{messages}");
}

#[test]
fn a_malformed_value_is_described_in_words() {
    let tmp = tempfile::tempdir().unwrap();
    let text = manifest().replacen("maxDuration: ", "maxDuration: 4 hours # was ", 1);
    std::fs::write(tmp.path().join("w.yaml"), text).unwrap();
    let (code, messages) = messages_of(tmp.path(), &["validate", "w.yaml"]);
    assert_eq!(code, 1);
    assert!(
        messages.contains(
            "\"4 hours\" is not valid here: expected a duration such as `30m`, `4h` or `400d`"
        ),
        "{messages}"
    );
    assert!(!messages.contains("^[0-9]"), "no raw regex: {messages}");

    let bundle = crate::common::bundle().replacen("start: \"", "start: \"yesterday ", 1);
    std::fs::write(tmp.path().join("b.yaml"), bundle).unwrap();
    let workflows = crate::common::root().join("examples/workflows");
    let (code, messages) = messages_of(
        tmp.path(),
        &[
            "check",
            "b.yaml",
            "--workflows",
            workflows.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        messages.contains(
            "expected an RFC 3339 timestamp with an offset, such as `2026-11-20T10:02:00Z`"
        ),
        "{messages}"
    );
}

#[test]
fn a_configuration_error_has_no_internal_code_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("w.yaml"), manifest()).unwrap();
    std::fs::write(
        tmp.path().join(".custody.yaml"),
        "rules:\n  CUS-X999: off\n",
    )
    .unwrap();
    let out = custody(tmp.path())
        .args(["validate", "w.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown rule id `CUS-X999`"), "{stderr}");
    assert!(!stderr.contains("custody::"), "{stderr}");
}

#[test]
fn a_yaml_syntax_error_is_shown_at_its_line_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let head = "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n";
    for (name, body, line, column, hint) in [
        ("tab.yaml", "\tid: x\n", 4, 1, "replace the tab with spaces"),
        (
            "indent.yaml",
            "  id: x\n   title: y\nspec: {}\n",
            5,
            9,
            "align the key with its siblings",
        ),
        (
            "flow.yaml",
            "  id: x\n  labels: [a, b\nspec:\n  purpose: z\n",
            5,
            11,
            "is not closed",
        ),
        (
            "quote.yaml",
            "  id: \"x\n  title: y\n",
            4,
            7,
            "add the closing quote",
        ),
    ] {
        std::fs::write(tmp.path().join(name), format!("{head}{body}")).unwrap();
        let run = run_json(tmp.path(), &["validate", name]);
        assert_eq!(run.code, 1, "{name}");
        let finding = &run.json()["findings"][0];
        assert_eq!(finding["rule"], "CUS-P001", "{name}");
        assert_eq!(finding["line"], line, "{name}: {finding}");
        assert_eq!(finding["column"], column, "{name}: {finding}");
        assert!(
            finding["message"].as_str().unwrap().contains(hint),
            "{name}: {finding}"
        );
        // Human output shows the line itself.
        let out = custody(tmp.path())
            .args(["validate", name])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("╭─[{name}:{line}:{column}]")),
            "{name}: {text}"
        );
    }
}
