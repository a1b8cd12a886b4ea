//! Nothing touched: custody judges evidence and must never change it. Every input's bytes and mtime (and the
//! set of files in the tree) are recorded before a run of each subcommand and compared after. `seal` changes
//! only what it must, atomically, and nothing at all when it refuses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::common::{run_full, NOW};

type Snapshot = BTreeMap<PathBuf, (Vec<u8>, SystemTime)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let meta = entry.metadata().unwrap();
            out.insert(
                entry.path().strip_prefix(dir).unwrap().to_owned(),
                (
                    std::fs::read(entry.path()).unwrap(),
                    meta.modified().unwrap(),
                ),
            );
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A working tree with every kind of input: manifests (valid and not), bundles (file, directory, tampered),
/// a user policy with tests, a data file and a config file.
fn tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&crate::common::root().join("examples"), tmp.path());
    std::fs::create_dir_all(tmp.path().join("policies")).unwrap();
    std::fs::write(
        tmp.path().join("policies/extra.rego"),
        "package custody.workflow.extra\n\ndeny contains msg if {\n\tnot input.metadata.title\n\tmsg := \"no title\"\n}\n\ntest_title if {\n\tcount(deny) == 0 with input as {\"metadata\": {\"title\": \"t\"}}\n}\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("data.yaml"), "extra: {flag: true}\n").unwrap();
    std::fs::write(
        tmp.path().join(".custody.yaml"),
        "limits: {maxFileSize: 16MiB}\nrules:\n  CUS-W006: warning\n",
    )
    .unwrap();
    tmp
}

fn assert_unchanged(before: &Snapshot, after: &Snapshot, what: &str) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{what}: the set of files changed"
    );
    for (path, (bytes, mtime)) in before {
        let (after_bytes, after_mtime) = &after[path];
        assert!(bytes == after_bytes, "{what}: {} changed", path.display());
        assert_eq!(
            mtime,
            after_mtime,
            "{what}: {} was rewritten",
            path.display()
        );
    }
}

#[test]
fn no_subcommand_changes_its_inputs() {
    let tmp = tree();
    let d = tmp.path();
    let common = ["--now", NOW, "--policy", "policies", "--data", "data.yaml"];
    let runs: Vec<Vec<&str>> = vec![
        vec!["validate", "workflows", "invalid"],
        vec!["validate", ".", "--format", "sarif"],
        vec![
            "check",
            "--workflows",
            "workflows",
            "bundles",
            "bundles-invalid",
        ],
        vec![
            "check",
            "--workflows",
            "workflows",
            "bundles",
            "--format",
            "junit",
        ],
        vec!["test", "policies"],
        vec!["rules"],
        vec!["explain", "CUS-S013"],
    ];
    for args in runs {
        let mut all = args.clone();
        if !matches!(args[0], "rules" | "explain") {
            all.extend(common);
        }
        let before = snapshot(d);
        let r = run_full(d, &all, None, &[], false);
        assert!(r.code <= 2, "{args:?}");
        assert_unchanged(&before, &snapshot(d), &args.join(" "));
    }
    // import: Teleport logs inside the tree, bundles written outside it. The logs and the workflows it reads
    // stay byte-identical, whether the import succeeds or refuses a malformed log.
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("bundles");
    let out_dir = out_dir.to_str().unwrap();
    std::fs::write(
        d.join("teleport/broken.jsonl"),
        "{\"event\": \"user.login\", \"time\": \"2026-11-20T10:00:00Z\"}\nnot json\n",
    )
    .unwrap();
    for (log, code) in [("teleport/audit.jsonl", 0), ("teleport/broken.jsonl", 2)] {
        let before = snapshot(d);
        let args = [
            "import",
            "teleport",
            log,
            "--out",
            out_dir,
            "--workflows",
            "teleport/workflows",
        ];
        let r = run_full(d, &args, None, &[], false);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert_unchanged(&before, &snapshot(d), &args.join(" "));
    }
    assert!(
        std::fs::read_dir(out.path().join("bundles"))
            .unwrap()
            .count()
            > 0,
        "the successful import wrote its bundles outside the tree"
    );
}

#[test]
fn seal_changes_only_what_it_must() {
    let tmp = tree();
    let d = tmp.path();
    // Refused: a tampered chain is never rewritten (that would launder the tampering).
    let before = snapshot(d);
    let r = run_full(
        d,
        &["seal", "bundles-invalid/tampered-event.yaml", "--now", NOW],
        None,
        &[],
        false,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_unchanged(&before, &snapshot(d), "seal (refused)");
    // Failing input: a file that does not parse.
    std::fs::write(
        d.join("broken.yaml"),
        "apiVersion: custody/v1\nkind: SessionBundle\nsession: [\n",
    )
    .unwrap();
    let before = snapshot(d);
    let r = run_full(d, &["seal", "broken.yaml", "--now", NOW], None, &[], false);
    assert_ne!(r.code, 0);
    assert_unchanged(&before, &snapshot(d), "seal (unparsable)");
    // Already sealed: no byte changes.
    let before = snapshot(d);
    let r = run_full(
        d,
        &[
            "seal",
            "bundles/clean-per-session.yaml",
            "bundles/dir-session",
            "--now",
            NOW,
        ],
        None,
        &[],
        false,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_unchanged(&before, &snapshot(d), "seal (already sealed)");
    // Unsealed: only that bundle's file changes, no temporary file is left behind.
    let text = std::fs::read_to_string(d.join("bundles/clean-per-session.yaml")).unwrap();
    let unsealed: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("hash:") && !l.trim_start().starts_with("prev:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(d.join("bundles/clean-per-session.yaml"), &unsealed).unwrap();
    let mut before = snapshot(d);
    let r = run_full(
        d,
        &[
            "seal",
            "bundles/clean-per-session.yaml",
            "--reseal",
            "--now",
            NOW,
        ],
        None,
        &[],
        false,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut after = snapshot(d);
    let target = PathBuf::from("bundles/clean-per-session.yaml");
    assert_ne!(
        before.remove(&target).unwrap().0,
        after.remove(&target).unwrap().0
    );
    assert_unchanged(&before, &after, "seal (other files)");
}
