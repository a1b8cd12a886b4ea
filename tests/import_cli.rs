//! `custody import teleport` as a user runs it: the bundles written for the example audit log are the ones a
//! person reconstructs by hand (tests/fixtures/import/expected/), they are sealed, idempotent, atomic, and
//! `custody check` judges them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::{custody, root, NOW};

/// A temp dir holding the example audit log and workflows.
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/teleport/audit.jsonl"),
        tmp.path().join("audit.jsonl"),
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("workflows")).unwrap();
    std::fs::copy(
        root().join("examples/teleport/workflows/payments-db-teleport.yaml"),
        tmp.path().join("workflows/payments-db-teleport.yaml"),
    )
    .unwrap();
    tmp
}

fn import(dir: &Path, extra: &[&str]) -> std::process::Output {
    custody(dir)
        .args([
            "import",
            "teleport",
            "audit.jsonl",
            "--out",
            "bundles",
            "--workflows",
            "workflows",
            "--retain",
            "400d",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    custody_engine::source::parse_one(&text, &custody_engine::source::Budgets::default())
        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message))
        .to_json()
}

fn events(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            (
                p.clone(),
                (std::fs::read(&p).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn sha256(bytes: &[u8]) -> String {
    custody_engine::evidence::sha256_hex(bytes)
}

#[test]
fn example_bundles_are_the_ones_reconstructed_by_hand() {
    let tmp = workspace();
    let out = import(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log_sha = sha256(&std::fs::read(tmp.path().join("audit.jsonl")).unwrap());
    let expected_dir = root().join("tests/fixtures/import/expected");
    let mut expected_ids: Vec<String> = std::fs::read_dir(&expected_dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    expected_ids.sort();
    let mut written: Vec<String> = std::fs::read_dir(tmp.path().join("bundles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected_ids, "one bundle directory per session id");
    for id in &expected_ids {
        let expected = yaml(&expected_dir.join(format!("{id}.yaml")));
        let dir = tmp.path().join("bundles").join(id);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["bundle.yaml", "events.jsonl"], "{id}");
        let mut bundle = yaml(&dir.join("bundle.yaml"));
        // The chain: verifies from the genesis of the session id to the head.
        let head_hash = bundle["evidence"]["head"]["hash"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut evs = events(&dir);
        let head = custody_engine::evidence::chain::Head {
            hash: Some(head_hash),
            count: bundle["evidence"]["head"]["count"].as_i64(),
        };
        assert!(
            custody_engine::evidence::chain::verify(id, &evs, Some(&head)).verified(),
            "{id}: the chain verifies"
        );
        bundle["evidence"]["head"]
            .as_object_mut()
            .unwrap()
            .remove("hash");
        for s in bundle["provenance"]["sources"].as_array_mut().unwrap() {
            assert_eq!(
                s["sha256"], log_sha,
                "{id}: provenance names the log's sha256"
            );
            s.as_object_mut().unwrap().remove("sha256");
        }
        let mut want = expected["bundle"].clone();
        want["provenance"]["version"] = json!(env!("CARGO_PKG_VERSION"));
        assert_eq!(bundle, want, "{id}: bundle.yaml");
        for e in &mut evs {
            let o = e.as_object_mut().unwrap();
            o.remove("prev");
            o.remove("hash");
        }
        assert_eq!(Value::Array(evs), expected["events"], "{id}: events.jsonl");
    }
}

#[test]
fn the_summary_counts_sessions_events_and_skipped_events() {
    let tmp = workspace();
    let out = import(tmp.path(), &["--quiet"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "imported 6 sessions (42 events read, 8 skipped: cert.create 1, print 1, resize 1, session.data 1, \
         session.leave 1, user.login 3) into bundles; 1 session without a workflow (check reports CUS-S001): \
         ed81d153-032b-5b82-82a2-3b2508386ca0; 4 sessions with a full recording not hashed (pass --recordings \
         DIR; under an immutable workflow check reports CUS-S020): 4e830767-0ea8-5ae5-b0ff-c081c8d43085, \
         6462f2dc-821a-501b-9895-b3c85ead8fa5, 90abbbe0-0a43-5136-9c4a-dc2b9a33a638, \
         d62e73f1-b731-57d3-b0dc-fd98218980bb\n"
    );
    let out = import(tmp.path(), &["--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["sessions"], 6);
    assert_eq!(doc["summary"]["events"], 42);
    assert_eq!(doc["summary"]["skipped"], 8);
    assert_eq!(doc["summary"]["skippedByType"]["user.login"], 3);
    assert_eq!(doc["bundles"].as_array().unwrap().len(), 6);
    assert!(doc["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["status"] == "unchanged"));
}

#[test]
fn import_is_idempotent_and_never_touches_an_identical_bundle() {
    let tmp = workspace();
    assert_eq!(import(tmp.path(), &[]).status.code(), Some(0));
    let before = snapshot(&tmp.path().join("bundles"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = import(tmp.path(), &[]);
    assert_eq!(again.status.code(), Some(0));
    let stdout = String::from_utf8(again.stdout).unwrap();
    assert_eq!(stdout.matches("unchanged").count(), 6, "{stdout}");
    assert_eq!(
        snapshot(&tmp.path().join("bundles")),
        before,
        "same bytes, same mtimes"
    );
    // Another working directory (an absolute log path) writes the same bytes too.
    let other = tempfile::tempdir().unwrap();
    let out = custody(other.path())
        .arg("import")
        .arg("teleport")
        .arg(tmp.path().join("audit.jsonl"))
        .args(["--out", "b", "--retain", "400d", "--workflows"])
        .arg(tmp.path().join("workflows"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let a: Vec<Vec<u8>> = before.values().map(|(b, _)| b.clone()).collect();
    let b: Vec<Vec<u8>> = snapshot(&other.path().join("b"))
        .values()
        .map(|(b, _)| b.clone())
        .collect();
    assert_eq!(a, b);
}

#[test]
fn a_different_existing_bundle_is_refused_unless_forced() {
    let tmp = workspace();
    assert_eq!(import(tmp.path(), &[]).status.code(), Some(0));
    let target = tmp
        .path()
        .join("bundles/d62e73f1-b731-57d3-b0dc-fd98218980bb/events.jsonl");
    let original = std::fs::read_to_string(&target).unwrap();
    let edited = original.replace("ANALYZE ledger_entries", "DROP TABLE ledger_entries");
    std::fs::write(&target, &edited).unwrap();
    let refused = import(tmp.path(), &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("refusing to overwrite"), "{stderr}");
    assert!(
        stderr.contains("d62e73f1-b731-57d3-b0dc-fd98218980bb"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), edited);
    let forced = import(tmp.path(), &["--force"]);
    assert_eq!(forced.status.code(), Some(0));
    let stdout = String::from_utf8(forced.stdout).unwrap();
    assert!(stdout.contains("replaced  bundles/d62e73f1"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), original);
    let names: Vec<String> = std::fs::read_dir(tmp.path().join("bundles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "no temporary directory is left behind: {names:?}"
    );
}

#[test]
fn a_malformed_line_is_an_error_naming_file_and_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/import/malformed.jsonl"),
        tmp.path().join("malformed.jsonl"),
    )
    .unwrap();
    let out = custody(tmp.path())
        .args(["import", "teleport", "malformed.jsonl", "--out", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr, "error: malformed.jsonl:4:88: not a JSON audit event: key must be a string\n",
        "names file, line and column"
    );
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

#[test]
fn unreadable_logs_and_bad_flags_are_tool_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = custody(tmp.path())
        .args(["import", "teleport", "missing.jsonl", "--out", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl: no such file"));
    std::fs::write(tmp.path().join("a.jsonl"), "").unwrap();
    let out = custody(tmp.path())
        .args([
            "import", "teleport", "a.jsonl", "--out", "out", "--retain", "1y",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = custody(tmp.path())
        .args(["import", "teleport", "a.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--out is required");
}

#[test]
fn real_log_quirks_survive_import() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/import/edge.jsonl"),
        tmp.path().join("edge.jsonl"),
    )
    .unwrap();
    let out = custody(tmp.path())
        .args([
            "import",
            "teleport",
            "edge.jsonl",
            "--out",
            "out",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "imported 2 sessions (13 events read, 4 skipped: (no event type) 1, app.session.start 1, \
         exec without sid 1, print 1) into out\n"
    );
    // Proxy recording mode: one login, two session ids, two bundles; no de-duplication on `uid`.
    let node = tmp.path().join("out/proxy-sid-node");
    let fwd = tmp.path().join("out/proxy-sid-forwarded");
    let b = yaml(&node.join("bundle.yaml"));
    assert_eq!(
        b["session"]["start"], "2026-11-24T14:00:00.12Z",
        "session_start unset: the start event's time"
    );
    assert_eq!(b["session"]["end"], "2026-11-24T14:09:59.999999999Z");
    assert_eq!(
        b["session"]["target"],
        json!({"host": "pgdb-prod-3.payments.example.com"})
    );
    assert_eq!(b["evidence"]["recording"], json!({"mode": "commands"}));
    let evs = events(&node);
    let commands: Vec<&str> = evs.iter().map(|e| e["command"].as_str().unwrap()).collect();
    assert_eq!(
        commands,
        [
            r"/usr/bin/psql -d payments -c 'SELECT '\''a b'\'''",
            "/usr/bin/id",
            "uptime",
            "df -h /var/lib/postgresql",
            "tail -f /var/log/postgresql/postgresql-16-main.log",
        ]
    );
    assert_eq!(evs[0]["uid"], evs[1]["uid"], "a repeated uid is kept");
    assert_eq!(evs[2]["returnCode"], 2);
    assert_eq!(evs[3]["exitCode"], 0);
    assert_eq!(evs[3]["code"], "T3002I");
    assert_eq!(evs[4]["exitCode"], 130);
    assert_eq!(evs[4]["code"], "T3002E");
    assert_eq!(evs[4]["exitError"], "Process exited with status 130");
    let f = yaml(&fwd.join("bundle.yaml"));
    assert_eq!(f["session"]["start"], "2026-11-24T14:00:00.100000001Z");
    assert_eq!(
        f["session"]["end"], "2026-11-24T14:10:00.41Z",
        "session_stop unset: the end event's time"
    );
    assert_eq!(f["evidence"]["head"]["count"], 0);
    assert_eq!(f["evidence"]["recording"], json!({"mode": "none"}));
    assert!(
        f.get("retention").is_none(),
        "no --retain, no retention claim"
    );
}

fn check(
    dir: &Path,
    workflows: &str,
    bundles: &str,
) -> (i32, BTreeMap<String, Vec<String>>, Value) {
    let out = custody(dir)
        .args([
            "check",
            "--workflows",
            workflows,
            "--format",
            "json",
            "--now",
            NOW,
            bundles,
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut by_session: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        by_session
            .entry(f["session"].as_str().unwrap_or("-").to_owned())
            .or_default()
            .push(f["rule"].as_str().unwrap().to_owned());
    }
    (out.status.code().unwrap(), by_session, report)
}

/// The sessions of the example log with a full recording (a `session.upload`).
const RECORDED: [&str; 4] = [
    "4e830767-0ea8-5ae5-b0ff-c081c8d43085",
    "6462f2dc-821a-501b-9895-b3c85ead8fa5",
    "90abbbe0-0a43-5136-9c4a-dc2b9a33a638",
    "d62e73f1-b731-57d3-b0dc-fd98218980bb",
];

/// `recordings/<sid>.tar` for each recorded session, as Teleport's file upload storage names them (the bytes
/// stand in for the recording: the importer only hashes them).
fn export_recordings(dir: &Path) {
    std::fs::create_dir(dir.join("recordings")).unwrap();
    for sid in RECORDED {
        std::fs::write(
            dir.join("recordings").join(format!("{sid}.tar")),
            format!("recording of {sid}"),
        )
        .unwrap();
    }
}

#[test]
fn recordings_are_hashed_into_the_bundles() {
    let tmp = workspace();
    export_recordings(tmp.path());
    let out = import(tmp.path(), &["--recordings", "recordings", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("CUS-S020"), "{stdout}");
    for sid in RECORDED {
        let b = yaml(&tmp.path().join("bundles").join(sid).join("bundle.yaml"));
        let digest = custody_engine::evidence::sha256_hex(format!("recording of {sid}").as_bytes());
        assert_eq!(
            b["evidence"]["recording"],
            json!({"mode": "full", "uri": format!("recordings/{sid}.tar"), "sha256": digest}),
            "{sid}"
        );
    }
    let before = snapshot(&tmp.path().join("bundles"));
    let again = import(tmp.path(), &["--recordings", "recordings"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        snapshot(&tmp.path().join("bundles")),
        before,
        "re-import is byte-identical"
    );
    let missing = import(tmp.path(), &["--recordings", "no-such-dir"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn full_recordings_without_recordings_are_not_anchored() {
    let tmp = workspace();
    assert_eq!(import(tmp.path(), &[]).status.code(), Some(0));
    let (code, by_session, _) = check(tmp.path(), "workflows", "bundles");
    assert_eq!(code, 1);
    assert_eq!(
        by_session["d62e73f1-b731-57d3-b0dc-fd98218980bb"],
        ["CUS-S020"]
    );
    assert_eq!(
        by_session["6462f2dc-821a-501b-9895-b3c85ead8fa5"],
        ["CUS-S020"]
    );
}

#[test]
fn check_judges_the_imported_bundles() {
    let tmp = workspace();
    export_recordings(tmp.path());
    assert_eq!(
        import(tmp.path(), &["--recordings", "recordings"])
            .status
            .code(),
        Some(0)
    );
    let (code, by_session, report) = check(tmp.path(), "workflows", "bundles");
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["documents"], 6);
    let rules = |id: &str| by_session.get(id).cloned().unwrap_or_default();
    // Followed the workflow: no finding.
    assert_eq!(
        rules("d62e73f1-b731-57d3-b0dc-fd98218980bb"),
        Vec::<String>::new()
    );
    assert_eq!(
        rules("6462f2dc-821a-501b-9895-b3c85ead8fa5"),
        Vec::<String>::new()
    );
    // Approved by its own requester.
    assert!(rules("90abbbe0-0a43-5136-9c4a-dc2b9a33a638").contains(&"CUS-S007".to_owned()));
    // Approved without review: the bypassed decision does not count.
    assert_eq!(rules("4e830767-0ea8-5ae5-b0ff-c081c8d43085"), ["CUS-S008"]);
    // The bot: no approval, no recording.
    assert_eq!(
        rules("42c22a2a-e3c8-56a7-859b-8441eaa1c8cf"),
        ["CUS-S006", "CUS-S012"]
    );
    // No workflow label and no --workflow.
    assert_eq!(rules("ed81d153-032b-5b82-82a2-3b2508386ca0"), ["CUS-S001"]);
    // Tampering after import is caught (CUS-S013).
    let events = tmp
        .path()
        .join("bundles/d62e73f1-b731-57d3-b0dc-fd98218980bb/events.jsonl");
    let text = std::fs::read_to_string(&events).unwrap();
    std::fs::write(
        &events,
        text.replace("ANALYZE ledger_entries", "TRUNCATE ledger_entries"),
    )
    .unwrap();
    let (_, by_session, _) = check(tmp.path(), "workflows", "bundles");
    assert!(by_session["d62e73f1-b731-57d3-b0dc-fd98218980bb"].contains(&"CUS-S013".to_owned()));
}

#[test]
fn an_asciicast_v3_recording_is_recognised_and_reported_unsupported() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("examples/bundles/dir-session");
    let dir = tmp.path().join("dir-session");
    std::fs::create_dir(&dir).unwrap();
    for name in ["bundle.yaml", "events.jsonl"] {
        std::fs::copy(src.join(name), dir.join(name)).unwrap();
    }
    let cast =
        "{\"version\": 3, \"term\": {\"cols\": 120, \"rows\": 40}, \"timestamp\": 1795010700}\n\
                [0.412, \"o\", \"s4padm@s4p-app-3:~> \"]\n[5.706, \"o\", \"exit\\r\\n\"]\n";
    std::fs::write(dir.join("session.cast"), cast).unwrap();
    let manifest = dir.join("bundle.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let old = text
        .lines()
        .find(|l| l.trim_start().starts_with("sha256:"))
        .unwrap()
        .trim()
        .trim_start_matches("sha256: ")
        .to_owned();
    std::fs::write(&manifest, text.replace(&old, &sha256(cast.as_bytes()))).unwrap();
    std::fs::create_dir(tmp.path().join("workflows")).unwrap();
    std::fs::copy(
        root().join("examples/workflows/erp-vendor-support.yaml"),
        tmp.path().join("workflows/erp.yaml"),
    )
    .unwrap();
    let (code, _, report) = check(tmp.path(), "workflows", "dir-session");
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    let p001: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "CUS-P001")
        .collect();
    assert_eq!(p001.len(), 1, "{findings:?}");
    assert_eq!(p001[0]["path"], "evidence.recording.file");
    let message = p001[0]["message"].as_str().unwrap();
    assert!(message.contains("asciicast v3"), "{message}");
    assert!(message.contains("not support"), "{message}");
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] != "CUS-S018" && f["rule"] != "CUS-S013"),
        "a v3 cast is not misread as v2, and its sha256 matches: {findings:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_log_that_is_not_a_regular_file_is_refused_without_blocking() {
    let tmp = workspace();
    let fifo = tmp.path().join("audit.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for log in ["audit.fifo", "workflows"] {
        let out = custody(tmp.path())
            .args(["import", "teleport", log, "--out", "bundles"])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{log}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("not a regular file"), "{log}: {stderr}");
        assert!(
            !tmp.path().join("bundles").exists(),
            "nothing written for {log}"
        );
    }
}
