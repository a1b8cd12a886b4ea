//! Large events files are streamed: `custody seal` of a bundle directory reads `events.jsonl` a line at a
//! time and writes each sealed line to the file's atomic replacement, and `custody check` verifies the chain
//! as it reads. At a moderate size (50,000 events) the results are exactly what the chain requires, a
//! tampered line is reported at its line, the file keeps its mode, and peak memory stays far below what
//! holding every event would take.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::common::{root, run_full, run_json};

const EVENTS: usize = 50_000;
const SESSION: &str = "sess-20261118-s4p-0042";

/// The unsealed events: one a line, as a recorder writes them (keys in this order), all inside the
/// session window of examples/bundles/dir-session.
fn event(i: usize) -> Value {
    let second = 300 + i * 2_800 / EVENTS;
    json!({
        "seq": i + 1,
        "time": format!("2026-11-18T14:{:02}:{:02}Z", second / 60, second % 60),
        "type": "command",
        "principal": "ext.jmoreau",
        "command": format!("sapcontrol -nr 00 -function GetProcessList {i}"),
    })
}

/// A copy of examples/bundles/dir-session holding `EVENTS` unsealed events and no head anchor.
fn large_bundle(dir: &Path) -> std::path::PathBuf {
    let bundle = dir.join("big");
    std::fs::create_dir(&bundle).unwrap();
    let example = root().join("examples/bundles/dir-session");
    std::fs::copy(example.join("session.cast"), bundle.join("session.cast")).unwrap();
    let manifest = std::fs::read_to_string(example.join("bundle.yaml")).unwrap();
    let start = manifest.find("  head:\n").unwrap();
    let end = start + manifest[start..].find("retention:").unwrap();
    let manifest = format!("{}{}", &manifest[..start], &manifest[end..]);
    std::fs::write(bundle.join("bundle.yaml"), manifest).unwrap();
    let mut lines = String::new();
    for i in 0..EVENTS {
        lines.push_str(&serde_json::to_string(&event(i)).unwrap());
        lines.push('\n');
    }
    std::fs::write(bundle.join("events.jsonl"), lines).unwrap();
    bundle
}

/// The sealed events file as docs/hash-chain.md defines it, computed here from SHA-256 and RFC 8785 text
/// built by hand (sorted keys; the events hold only ASCII strings and small integers): each event gains
/// `prev` (the previous hash, the genesis SHA-256 of the session id for the first) and `hash`,
/// SHA-256(prev ‖ "\n" ‖ JCS(event without hash)). Returns the file's text and the last hash.
fn expected_sealed() -> (String, String) {
    use custody_engine::evidence::sha256_hex;
    let mut prev = sha256_hex(SESSION.as_bytes());
    let mut out = String::new();
    for i in 0..EVENTS {
        let mut event = event(i);
        event["prev"] = json!(prev);
        let sorted: BTreeMap<&str, &Value> = event
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        let canonical = serde_json::to_string(&sorted).unwrap();
        let hash = sha256_hex(format!("{prev}\n{canonical}").as_bytes());
        event["hash"] = json!(hash);
        out.push_str(&serde_json::to_string(&event).unwrap());
        out.push('\n');
        prev = hash;
    }
    (out, prev)
}

/// Peak memory against the events file's size. Holding every event as the whole-file seal did (its text,
/// its located tree and JSON values) took well over ten times the file; `seal` now keeps a line, and must
/// stay under twice the file. `check` held every event as a located tree and the whole policy input beside
/// it (over ten times the file here, the base footprint counted); it now keeps each event as its line's
/// text until the policy input is built, and must stay under seven times the file (about five here, most of
/// it the base footprint and the policy input).
fn assert_peak(peak_kib: u64, file: &Path, times: u64, what: &str) {
    let file_kib = std::fs::metadata(file).unwrap().len() / 1024;
    assert!(
        peak_kib < times * file_kib,
        "{what} peaked at {peak_kib} KiB for a {file_kib} KiB events file (more than {times} times its size)"
    );
}

#[cfg(unix)]
#[test]
fn a_large_events_file_is_sealed_as_a_stream_then_checked() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let bundle = large_bundle(tmp.path());
    let events = bundle.join("events.jsonl");
    std::fs::set_permissions(&events, std::fs::Permissions::from_mode(0o640)).unwrap();

    let sealed = run_full(tmp.path(), &["seal", "big"], None, &[], false);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    let (expected, last) = expected_sealed();
    let written = std::fs::read_to_string(&events).unwrap();
    assert!(
        written == expected,
        "the sealed events file is not byte for byte the chain docs/hash-chain.md defines"
    );
    assert_eq!(
        std::fs::metadata(&events).unwrap().permissions().mode() & 0o777,
        0o640,
        "the events file keeps its mode"
    );
    let manifest = std::fs::read_to_string(bundle.join("bundle.yaml")).unwrap();
    assert!(manifest.contains(&format!("hash: {last}")), "{manifest}");
    assert!(manifest.contains(&format!("count: {EVENTS}")), "{manifest}");
    assert_peak(sealed.peak_kib, &events, 2, "seal");

    let again = run_full(tmp.path(), &["seal", "big"], None, &[], false);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("unchanged"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&events).unwrap(), expected);

    let checked = run_json(
        tmp.path(),
        &[
            "check",
            "big",
            "--workflows",
            &root().join("examples/workflows").display().to_string(),
        ],
    );
    assert_eq!(checked.code, 0, "{}", checked.messages());
    assert_eq!(
        checked.json()["summary"]["errors"],
        json!(0),
        "{}",
        checked.messages()
    );
    assert_peak(checked.peak_kib, &events, 7, "check");
}

#[test]
fn a_tampered_line_in_a_large_events_file_is_reported_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = large_bundle(tmp.path());
    let events = bundle.join("events.jsonl");
    let sealed = run_full(tmp.path(), &["seal", "big"], None, &[], false);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    let middle = EVENTS / 2;
    let text = std::fs::read_to_string(&events).unwrap();
    let original = format!("GetProcessList {}\"", middle - 1);
    assert_eq!(text.matches(&original).count(), 1);
    let tampered = text.replacen(&original, "GetProcessList; rm -rf /tmp/x\"", 1);
    std::fs::write(&events, &tampered).unwrap();

    let refused = run_full(tmp.path(), &["seal", "big"], None, &[], false);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains(&format!("content break at seq {middle}")),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        tampered,
        "a refused seal changes nothing"
    );

    let checked = run_json(
        tmp.path(),
        &[
            "check",
            "big",
            "--workflows",
            &root().join("examples/workflows").display().to_string(),
        ],
    );
    assert_eq!(checked.code, 1, "{}", checked.messages());
    let findings = checked.json()["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let integrity: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "CUS-S013")
        .collect();
    assert_eq!(integrity.len(), 1, "{}", checked.messages());
    assert!(
        integrity[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("events.jsonl"),
        "{}",
        integrity[0]
    );
    assert_eq!(integrity[0]["line"], json!(middle), "{}", integrity[0]);
}

/// A finding on a field of one event is located at that field's line and column (and byte span), the event
/// being read again from its line once the events went into the policy input; the human report shows the
/// line.
#[test]
fn a_finding_on_an_event_field_is_located_at_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = large_bundle(tmp.path());
    let events = bundle.join("events.jsonl");
    let at = EVENTS * 3 / 4;
    let text = std::fs::read_to_string(&events).unwrap();
    std::fs::write(
        &events,
        text.replacen(
            &format!(
                "\"ext.jmoreau\",\"command\":\"sapcontrol -nr 00 -function GetProcessList {}\"",
                at - 1
            ),
            &format!(
                "\"mallory\",\"command\":\"sapcontrol -nr 00 -function GetProcessList {}\"",
                at - 1
            ),
            1,
        ),
    )
    .unwrap();
    let sealed = run_full(tmp.path(), &["seal", "big"], None, &[], false);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    // Blank lines (which the chain skips) before it: line numbers and offsets are the file's, not the
    // event's index.
    let text = std::fs::read_to_string(&events).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(10, "");
    lines.insert(20, "   ");
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    let line_no = at + 2;
    let line = lines[line_no - 1].to_owned();
    assert!(line.contains("mallory"), "{line}");
    let workflows = root().join("examples/workflows").display().to_string();
    let checked = run_json(tmp.path(), &["check", "big", "--workflows", &workflows]);
    assert_eq!(checked.code, 1, "{}", checked.messages());
    let findings = checked.json()["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let s002: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "CUS-S002")
        .collect();
    assert_eq!(s002.len(), 1, "{}", checked.messages());
    let column = line.find("\"principal\"").unwrap() + 1;
    assert_eq!(s002[0]["line"], json!(line_no), "{}", s002[0]);
    assert_eq!(s002[0]["column"], json!(column), "{}", s002[0]);
    assert_eq!(
        s002[0]["path"],
        json!(format!("evidence.events[{}].principal", at - 1))
    );
    let human = crate::common::custody(tmp.path())
        .args([
            "check",
            "big",
            "--workflows",
            &workflows,
            "--now",
            crate::common::NOW,
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&human.stdout);
    assert!(
        shown.contains(&format!("big/events.jsonl:{line_no}:{column}")),
        "{shown}"
    );
    assert!(
        shown.contains("mallory"),
        "the snippet shows the line: {shown}"
    );
}

/// The events of an `events.jsonl` are schema-checked one by one as they are read: a bad field is a
/// `CUS-P002` at its own line and column, with its path in the bundle, and the bundle is not evaluated.
#[test]
fn an_event_that_breaks_the_schema_is_reported_at_its_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    let example = root().join("examples/bundles/dir-session");
    for name in ["bundle.yaml", "session.cast"] {
        std::fs::copy(example.join(name), dir.join(name)).unwrap();
    }
    let text = std::fs::read_to_string(example.join("events.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen("\"seq\":3", "\"seq\":\"three\",\"ratio\":1.5", 1);
    lines.insert(1, String::new());
    std::fs::write(dir.join("events.jsonl"), lines.join("\n") + "\n").unwrap();
    let bad = &lines[3];
    let workflows = root().join("examples/workflows").display().to_string();
    let checked = run_json(tmp.path(), &["check", "d", "--workflows", &workflows]);
    assert_eq!(checked.code, 1, "{}", checked.messages());
    let findings = checked.json()["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rules: Vec<_> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["CUS-P002", "CUS-P002"], "{}", checked.messages());
    let at = |path: &str| {
        findings
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("no finding at {path}: {}", checked.messages()))
    };
    for (path, key) in [
        ("evidence.events[2].seq", "\"seq\""),
        ("evidence.events[2].ratio", "\"ratio\""),
    ] {
        let f = at(path);
        assert!(
            f["file"].as_str().unwrap().ends_with("d/events.jsonl"),
            "{f}"
        );
        assert_eq!(f["line"], json!(4), "{f}");
        assert_eq!(f["column"], json!(bad.find(key).unwrap() + 1), "{f}");
    }
    assert!(at("evidence.events[2].ratio")["message"]
        .as_str()
        .unwrap()
        .contains("1.5"));
}
