//! CUS-S020: under `session.immutable: true` evidence is anchored (docs/hash-chain.md): a head with hash and
//! count, a sha256 for every recording named, a full recording that says where it is kept, and events that
//! carry a chain at all. Each case below passed before the rule existed.

use std::path::Path;

use crate::common::{bundle, manifest, root, run_json, Run};

/// Text of `text` with the part from `from` up to (not including) `to` replaced by `with`.
fn splice(text: &str, from: &str, to: &str, with: &str) -> String {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not found"));
    let end = start
        + text[start..]
            .find(to)
            .unwrap_or_else(|| panic!("{to:?} not found"));
    format!("{}{with}{}", &text[..start], &text[end..])
}

/// `check` of one bundle file (its text) against the example payments workflow.
fn check_text(text: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("workflows")).unwrap();
    std::fs::write(dir.path().join("workflows/payments.yaml"), manifest()).unwrap();
    std::fs::write(dir.path().join("bundle.yaml"), text).unwrap();
    run_json(
        dir.path(),
        &["check", "--workflows", "workflows", "bundle.yaml"],
    )
}

/// The findings of a run as (rule, path).
fn findings(run: &Run) -> Vec<(String, String)> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn only_s020(run: &Run, paths: &[&str]) {
    let want: Vec<(String, String)> = paths
        .iter()
        .map(|p| ("CUS-S020".to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(findings(run), want, "{}", run.stderr);
    assert_eq!(run.code, 1);
}

#[test]
fn the_anchored_example_passes() {
    let run = check_text(&bundle());
    assert_eq!(findings(&run), vec![]);
    assert_eq!(run.code, 0);
}

#[test]
fn deleting_the_last_events_and_the_head() {
    let text = splice(&bundle(), "  - seq: 3\n", "retention:", "");
    only_s020(&check_text(&text), &["evidence.head"]);
}

#[test]
fn an_empty_head() {
    let text = splice(&bundle(), "  head:\n", "retention:", "  head: {}\n");
    only_s020(
        &check_text(&text),
        &["evidence.head.count", "evidence.head.hash"],
    );
}

#[test]
fn deleting_every_event_and_the_head() {
    let text = splice(&bundle(), "  events:\n", "retention:", "  events: []\n");
    only_s020(&check_text(&text), &["evidence.head"]);
}

#[test]
fn a_full_recording_that_names_no_file() {
    let text = splice(
        &bundle(),
        "  recording:\n",
        "  events:\n",
        "  recording: {mode: full}\n",
    );
    only_s020(&check_text(&text), &["evidence.recording"]);
}

#[test]
fn unsealed_events_are_not_sealed_not_tampered() {
    let unsealed: String = bundle()
        .lines()
        .filter(|l| !l.trim_start().starts_with("prev:") && !l.trim_start().starts_with("hash:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let text = splice(&unsealed, "  head:\n", "retention:", "");
    let run = check_text(&text);
    only_s020(&run, &["evidence.events"]);
    let message = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.starts_with("not sealed"), "{message}");
    assert!(message.contains("custody seal"), "{message}");
}

/// A copy of the example directory bundle (events.jsonl, session.cast) with its recording changed by `edit`.
fn dir_bundle(edit: impl FnOnce(&Path, String) -> String) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("workflows")).unwrap();
    let src = root().join("examples");
    let workflow = "erp-vendor-support.yaml";
    std::fs::copy(
        src.join("workflows").join(workflow),
        dir.path().join("workflows").join(workflow),
    )
    .unwrap();
    let b = dir.path().join("s");
    std::fs::create_dir(&b).unwrap();
    for f in ["bundle.yaml", "events.jsonl", "session.cast"] {
        std::fs::copy(src.join("bundles/dir-session").join(f), b.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(b.join("bundle.yaml")).unwrap();
    let text = edit(&b, text);
    std::fs::write(b.join("bundle.yaml"), text).unwrap();
    run_json(dir.path(), &["check", "--workflows", "workflows", "s"])
}

fn without_sha256(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("sha256:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn the_example_directory_bundle_passes() {
    let run = dir_bundle(|_, text| text);
    assert_eq!(findings(&run), vec![], "{}", run.stderr);
    assert_eq!(run.code, 0);
}

#[test]
fn a_swapped_recording_with_its_digest_deleted() {
    let run = dir_bundle(|b, text| {
        let cast = std::fs::read_to_string(b.join("session.cast")).unwrap();
        std::fs::write(
            b.join("session.cast"),
            cast.replace("GetProcessList", "GetVersionInfo"),
        )
        .unwrap();
        without_sha256(&text)
    });
    only_s020(&run, &["evidence.recording.sha256"]);
}

#[test]
fn a_recording_never_checked() {
    let run = dir_bundle(|b, text| {
        std::fs::write(b.join("rec.bin"), b"\x00\x01 not a cast").unwrap();
        without_sha256(&text.replace("file: session.cast", "file: rec.bin"))
    });
    only_s020(&run, &["evidence.recording.sha256"]);
    let message = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("rec.bin"), "{message}");
}

#[test]
fn s020_can_be_neither_waived_nor_turned_off() {
    for config in [
        "rules:\n  CUS-S020: off\n",
        "rules:\n  CUS-S020: warning\n",
        "exceptions:\n  - rule: CUS-S020\n    workflow: payments-db-admin\n    reason: legacy recorder\n    expires: 2027-01-01\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("workflows")).unwrap();
        std::fs::write(dir.path().join("workflows/payments.yaml"), manifest()).unwrap();
        std::fs::write(dir.path().join("bundle.yaml"), bundle()).unwrap();
        std::fs::write(dir.path().join("custody.yaml"), config).unwrap();
        let run = run_json(
            dir.path(),
            &["check", "--config", "custody.yaml", "--workflows", "workflows", "bundle.yaml"],
        );
        assert_eq!(run.code, 2, "{config}: {}", run.stderr);
        assert!(run.stderr.contains("CUS-S020"), "{}", run.stderr);
    }
}

#[test]
fn explain_knows_s020() {
    let out = crate::common::custody(&root())
        .args(["explain", "CUS-S020"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("NIST-800-53:AU-9"), "{text}");
    assert!(!text.contains("AU-10"), "{text}");
}
