//! Hostile and malformed input: every case ends with a clear message, the right exit code (1 or 2), never a
//! panic (101), within bounded time. Large inputs are generated at test time.

use assert_cmd::Command;

use crate::common::{manifest, root, run_json, NOW};

/// Each case: a file body and the rule expected (all are CUS-P001 / CUS-P002 input problems, exit 1).
#[test]
fn malformed_files_are_input_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "apiVersion: custody/v1\nkind: Workflow\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..14 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let deep = format!(
        "apiVersion: custody/v1\nkind: Workflow\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb.yaml", bomb.into_bytes(), "CUS-P001"),
        ("deep.yaml", deep.into_bytes(), "CUS-P001"),
        ("latin1.yaml", b"apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: caf\xe9}\n".to_vec(), "CUS-P001"),
        ("nul.yaml", b"apiVersion: custody/v1\nkind: Workflow\x00\n".to_vec(), "CUS-P001"),
        ("dup.yaml", b"apiVersion: custody/v1\nkind: Workflow\nkind: Workflow\n".to_vec(), "CUS-P001"),
        ("tag.yaml", b"apiVersion: custody/v1\nkind: !!python/object:os.system Workflow\n".to_vec(), "CUS-P001"),
        ("merge.yaml", b"apiVersion: custody/v1\nkind: Workflow\nbase: &b {id: x}\nmetadata:\n  <<: *b\n".to_vec(), "CUS-P001"),
        (
            "bigint.yaml",
            b"apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: big}\nspec:\n  approval: {minApprovals: 99999999999999999999}\n".to_vec(),
            "CUS-P002",
        ),
        (
            "float.yaml",
            b"apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: flt}\nspec:\n  purpose: 1.5\n".to_vec(),
            "CUS-P002",
        ),
    ];
    for (name, body, want) in cases {
        std::fs::write(tmp.path().join(name), &body).unwrap();
        let r = run_json(tmp.path(), &["validate", name]);
        let report = r.json();
        assert_eq!(r.code, 1, "{name}: {report:#} {}", r.stderr);
        assert!(r.rules().contains(&want.to_owned()), "{name}: {report:#}");
        let f = &report["findings"][0];
        assert_eq!(f["file"], name);
        assert!(!f["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn bom_crlf_and_many_documents_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let crlf = format!("\u{feff}{}", manifest().replace('\n', "\r\n"));
    std::fs::write(tmp.path().join("crlf.yaml"), crlf).unwrap();
    let r = run_json(tmp.path(), &["validate", "crlf.yaml"]);
    assert_eq!(r.code, 0, "{:#}", r.json());
    let one = manifest();
    let mut many = String::new();
    for i in 0..500 {
        many.push_str("---\n");
        many.push_str(&one.replace(
            "id: payments-db-admin",
            &format!("id: payments-db-admin-{i}"),
        ));
    }
    std::fs::write(tmp.path().join("many.yaml"), many).unwrap();
    let r = run_json(tmp.path(), &["validate", "many.yaml"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["summary"]["documents"], 500);
}

#[test]
fn oversized_files_name_the_budget() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".custody.yaml"),
        "limits: {maxFileSize: 1KiB}\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("w.yaml"), manifest()).unwrap();
    let r = run_json(tmp.path(), &["validate", "w.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["CUS-P001"]);
    assert!(r.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("maxFileSize"));
}

#[cfg(unix)]
#[test]
fn symlinks_fifos_and_loops_in_a_walked_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("tree");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("w.yaml"), manifest()).unwrap();
    std::os::unix::fs::symlink("..", d.join("loop")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", d.join("out.yaml")).unwrap();
    let fifo = d.join("pipe.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let r = run_json(tmp.path(), &["validate", "tree"]);
    assert_eq!(r.code, 0, "{:#}", r.json());
    assert_eq!(r.json()["summary"]["documents"], 1);
}

#[test]
fn stdout_closed_early_is_quiet() {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("custody"))
        .current_dir(root())
        .args(["rules"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            drop(child.stdout.take());
            child.wait_with_output()
        })
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(101),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn stdin_closed_early_is_nothing_to_evaluate() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("w")).unwrap();
    std::fs::write(tmp.path().join("w/w.yaml"), manifest()).unwrap();
    let out = Command::cargo_bin("custody")
        .unwrap()
        .current_dir(tmp.path())
        .args(["check", "--workflows", "w", "-", "--now", NOW])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
