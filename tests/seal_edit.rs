//! `custody seal` keeps the file: only `seq` (where absent), `prev`, `hash` and `evidence.head` change, every
//! other byte — comments, key order, quoting, folded scalars — stays.

use std::path::Path;

use crate::common::{custody, root, run_json, NOW};

/// The lines of `after` that are not in `before`, and the lines of `before` that are not in `after`.
fn line_diff(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let b: Vec<&str> = before.lines().collect();
    let a: Vec<&str> = after.lines().collect();
    let added = a
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| l.to_string())
        .collect();
    let removed = b
        .iter()
        .filter(|l| !a.contains(l))
        .map(|l| l.to_string())
        .collect();
    (added, removed)
}

fn seal(dir: &Path, args: &[&str]) {
    custody(dir).arg("seal").args(args).assert().code(0);
}

#[test]
fn sealing_inline_events_adds_chain_fields_and_keeps_every_other_line() {
    let tmp = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(root().join("examples/bundles/break-glass.yaml")).unwrap();
    // The example unsealed: its chain fields and head hash removed.
    let unsealed: String = original
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("prev: ") || t.starts_with("hash: "))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(tmp.path().join("b.yaml"), &unsealed).unwrap();
    // Its head keeps a count without a hash: a chain that does not verify, resealed on purpose.
    seal(tmp.path(), &["b.yaml", "--reseal"]);
    let sealed = std::fs::read_to_string(tmp.path().join("b.yaml")).unwrap();
    let (added, removed) = line_diff(&unsealed, &sealed);
    assert!(removed.is_empty(), "nothing removed: {removed:?}");
    assert!(!added.is_empty());
    for line in &added {
        let t = line.trim_start();
        assert!(t.starts_with("prev: ") || t.starts_with("hash: "), "{line}");
    }
    assert!(
        sealed.starts_with("# yaml-language-server"),
        "comments kept"
    );
    // The same chain the example was sealed with.
    assert_eq!(sealed, original);
}

#[test]
fn resealing_a_directory_bundle_changes_only_its_head() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    std::fs::create_dir(&dir).unwrap();
    let example = root().join("examples/bundles/dir-session");
    for f in ["bundle.yaml", "events.jsonl", "session.cast"] {
        std::fs::copy(example.join(f), dir.join(f)).unwrap();
    }
    let original = std::fs::read_to_string(dir.join("bundle.yaml")).unwrap();
    let hash_line = original
        .lines()
        .find(|l| l.trim_start().starts_with("hash: ") && l.starts_with("    "))
        .unwrap()
        .to_owned();
    let broken = original.replace(&hash_line, "    hash: 0000  # wrong");
    std::fs::write(dir.join("bundle.yaml"), &broken).unwrap();
    seal(tmp.path(), &["s", "--reseal"]);
    let resealed = std::fs::read_to_string(dir.join("bundle.yaml")).unwrap();
    assert_eq!(resealed, original, "only the head's lines change");
    let workflows = root().join("examples/workflows");
    let run = run_json(
        tmp.path(),
        &["check", "s", "--workflows", workflows.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{:?}", run.json());
}

#[test]
fn a_flow_style_bundle_is_sealed_whole_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = crate::common::bundle();
    // The first event in flow style: the span edit declines it, and the documents are written whole.
    let start = bundle.find("  - seq: 1\n").unwrap();
    let end = bundle.find("  - seq: 2\n").unwrap();
    let flowed = format!(
        "{}  - {{seq: 1, time: \"2026-11-20T10:03:10Z\", type: command, principal: alex.kim, command: ls}}\n{}",
        &bundle[..start],
        &bundle[end..]
    );
    std::fs::write(tmp.path().join("b.yaml"), flowed).unwrap();
    seal(tmp.path(), &["b.yaml", "--reseal"]);
    let sealed = std::fs::read_to_string(tmp.path().join("b.yaml")).unwrap();
    assert!(!sealed.contains("{seq: 1"), "written whole: {sealed}");
    let workflows = root().join("examples/workflows");
    let run = crate::common::run_full(
        tmp.path(),
        &[
            "check",
            "b.yaml",
            "--workflows",
            workflows.to_str().unwrap(),
            "--format",
            "json",
            "--now",
            NOW,
        ],
        None,
        &[],
        false,
    );
    assert!(
        !run.rules().contains(&"CUS-S013".to_owned()),
        "{:?}",
        run.json()
    );
}
