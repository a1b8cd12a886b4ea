//! `custody check-command`: a command line judged by a workflow's command policy, segment by segment, as
//! CUS-S014 judges a session's commands; and the shipped deny lists catch the forms commands really take.

use crate::common::{custody, root};

fn run(args: &[&str]) -> (i32, String, String) {
    let workflows = root().join("examples/workflows");
    let out = custody(&root())
        .arg("check-command")
        .args(args)
        .arg("--workflows")
        .arg(&workflows)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_segment_is_shown_with_the_glob_that_decided() {
    let (code, out, _) = run(&[
        "payments-db-admin",
        "psql -c 'DROP DATABASE payments' && pg_dump orders | gzip",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("psql -c 'DROP DATABASE payments'\n    denied by `*DROP DATABASE*`"),
        "{out}"
    );
    assert!(
        out.contains("pg_dump orders\n    allowed by `pg_dump *`"),
        "{out}"
    );
    assert!(
        out.contains("gzip\n    not allowed: no allow glob matches"),
        "{out}"
    );
    assert!(out.contains("CUS-S014"), "{out}");

    let (code, out, _) = run(&["payments-db-admin", "psql -c 'select 1'"]);
    assert_eq!(code, 0, "{out}");

    let (code, out, _) = run(&["payments-db-admin", "dropdb payments", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["allowed"], false);
    assert_eq!(json["segments"][0]["decision"], "denied");
    assert_eq!(json["segments"][0]["globs"][0], "dropdb *");
}

#[test]
fn the_shipped_deny_list_catches_the_usual_forms() {
    for line in [
        "psql -c 'drop database payments'",
        "psql -c \"DROP TABLE ledger\"",
        "psql payments -c 'truncate ledger'",
        "psql -c 'DROP SCHEMA billing CASCADE'",
    ] {
        let (code, out, _) = run(&["payments-db-admin", line]);
        assert_eq!(code, 1, "{line}: {out}");
        assert!(out.contains("denied by"), "{line}: {out}");
    }
    // The scaffold carries the same list.
    let template = std::fs::read_to_string(root().join("templates/workflow.yaml")).unwrap();
    assert!(template.contains("\"*DROP DATABASE*\""), "{template}");
}

#[test]
fn what_cannot_be_judged_is_an_error() {
    let (code, _, err) = run(&["no-such-workflow", "ls"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("declares workflow `no-such-workflow`"),
        "{err}"
    );
    let (code, _, err) = run(&["payments-db-admin", "   "]);
    assert_eq!(code, 2, "{err}");
    // Declared twice: ambiguous, not judged by either.
    let tmp = tempfile::tempdir().unwrap();
    let manifest = crate::common::manifest();
    std::fs::write(tmp.path().join("a.yaml"), &manifest).unwrap();
    std::fs::write(tmp.path().join("b.yaml"), &manifest).unwrap();
    let out = custody(tmp.path())
        .args([
            "check-command",
            "payments-db-admin",
            "ls",
            "--workflows",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("declared more than once"));
    // Output never obeys the command line it shows.
    let (_, out, _) = run(&["payments-db-admin", "ls \u{1b}[2J"]);
    assert!(!out.contains('\u{1b}'), "{out:?}");
}
