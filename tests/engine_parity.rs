//! The compiled VM (`CUSTODY_ENGINE=vm`) and the interpreter (`CUSTODY_ENGINE=interpreter`) must give
//! byte-identical reports: same findings, messages, positions, summary and exit code. Checked on every
//! fixture and example, and on a generated corpus of valid and violating documents (bench/gen.py, the
//! benchmark's own generator, at a small size), as files and as a stream on standard input.

use std::path::Path;
use std::process::Command;

use crate::common::{root, run_full, NOW};

fn run(engine: &str, dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> (i32, String, String) {
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--now", NOW]);
    let out = run_full(dir, &all, stdin, &[("CUSTODY_ENGINE", engine)], false);
    (
        out.code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.stderr,
    )
}

/// Run both engines; assert identical output, and that the run evaluated something.
fn same(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> serde_json::Value {
    let interpreted = run("interpreter", dir, args, stdin.clone());
    let compiled = run("vm", dir, args, stdin);
    assert_eq!(
        interpreted, compiled,
        "custody {args:?} differs between the interpreter (left) and the VM (right)"
    );
    let report: serde_json::Value = serde_json::from_str(&interpreted.1)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", interpreted.2));
    assert!(
        report["summary"]["documents"].as_u64().unwrap_or(0) > 0,
        "{args:?} evaluated nothing: {report}"
    );
    report
}

fn findings(report: &serde_json::Value) -> usize {
    report["findings"].as_array().map_or(0, Vec::len)
}

#[test]
fn fixtures_and_examples_report_the_same_under_both_engines() {
    let mut total = 0;
    for (dir, args) in [
        (
            "tests/fixtures/check",
            vec!["check", "--workflows", "workflows", "."],
        ),
        ("tests/fixtures/validate", vec!["validate", "."]),
        (
            "examples",
            vec!["validate", "workflows", "invalid", "teleport/workflows"],
        ),
        (
            "examples",
            vec![
                "check",
                "--workflows",
                "workflows",
                "bundles",
                "bundles-invalid",
            ],
        ),
    ] {
        total += findings(&same(&root().join(dir), &args, None));
    }
    // The fixtures exist to violate rules: the comparison covers findings, not only clean passes.
    assert!(total > 50, "only {total} findings compared");
}

#[test]
fn a_generated_corpus_reports_the_same_under_both_engines() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg(root().join("bench/gen.py"))
        .arg(out.path())
        .args([
            "--workflows",
            "300",
            "--bundles",
            "300",
            "--dir-bundles",
            "20",
        ])
        .args(["--events", "12", "--bundle-workflows", "40", "--seed", "7"])
        .output()
        .expect("python3 runs bench/gen.py");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let validated = same(out.path(), &["validate", "workflows"], None);
    let checked = same(
        out.path(),
        &[
            "check",
            "--workflows",
            "bundle-workflows",
            "bundles.jsonl",
            "bundles-dir",
        ],
        None,
    );
    assert!(findings(&validated) > 20 && findings(&checked) > 20);
    // The same bundles as a stream on standard input (the batched streaming path).
    let stream = std::fs::read(out.path().join("bundles.jsonl")).unwrap();
    let streamed = same(
        out.path(),
        &["check", "--workflows", "bundle-workflows", "-"],
        Some(stream),
    );
    assert!(findings(&streamed) > 20);
}
