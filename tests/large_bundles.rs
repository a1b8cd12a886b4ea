//! Every bundle is judged, whatever its size: a bundle whose every event offends (a denied command, a
//! principal other than the session's) is evaluated within the default limits and reports one finding per
//! offending event, in every format and with either engine. The rules are linear in events; a quadratic one
//! runs past the evaluation time limit here and the bundle ends as a tool error (exit 2) with no finding.
//! (The 100,000-event case and its figures are in `bench/`; this size keeps the test quick in debug builds.)

use std::path::Path;

use crate::common::{root, run_full, NOW};

/// Events in the generated bundle: enough that a rule quadratic in events exceeds the time limit.
const EVENTS: usize = 20_000;

/// A copy of the example directory bundle with `EVENTS` events, each running a denied command (`rm -rf …`
/// under erp-vendor-support's deny list) as a principal of its own, sealed by `custody seal`.
fn offending_bundle(dir: &Path) -> std::path::PathBuf {
    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    let example = root().join("examples/bundles/dir-session");
    let manifest = std::fs::read_to_string(example.join("bundle.yaml")).unwrap();
    // The example's head and recording digest are of its own events: drop them and seal again.
    let mut kept = String::new();
    let mut skipping = false;
    for line in manifest.lines() {
        if line == "  head:" {
            skipping = true;
            continue;
        }
        if skipping && line.starts_with("    ") {
            continue;
        }
        skipping = false;
        kept.push_str(line);
        kept.push('\n');
    }
    std::fs::write(bundle.join("bundle.yaml"), kept).unwrap();
    std::fs::copy(example.join("session.cast"), bundle.join("session.cast")).unwrap();
    let mut events = String::new();
    for i in 1..=EVENTS {
        events.push_str(&format!(
            "{{\"seq\":{i},\"time\":\"2026-11-18T14:{:02}:{:02}Z\",\"type\":\"command\",\"principal\":\"mallory{i}\",\"command\":\"rm -rf /srv/data{i}; ls\"}}\n",
            10 + i / 3600 % 40,
            i % 60
        ));
    }
    std::fs::write(bundle.join("events.jsonl"), events).unwrap();
    let sealed = run_full(dir, &["seal", "bundle"], None, &[], false);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    bundle
}

fn check(dir: &Path, format: &str, engine: &str) -> crate::common::Run {
    let workflows = root().join("examples/workflows/erp-vendor-support.yaml");
    run_full(
        dir,
        &[
            "check",
            "bundle",
            "--workflows",
            workflows.to_str().unwrap(),
            "--format",
            format,
            "--now",
            NOW,
        ],
        None,
        &[("CUSTODY_ENGINE", engine)],
        false,
    )
}

fn count(rules: &[String], id: &str) -> usize {
    rules.iter().filter(|r| *r == id).count()
}

#[test]
fn a_bundle_whose_every_event_offends_is_judged_by_both_engines() {
    let tmp = tempfile::tempdir().unwrap();
    offending_bundle(tmp.path());
    let vm = check(tmp.path(), "json", "vm");
    assert_eq!(vm.code, 1, "{}", vm.stderr);
    let json = vm.json();
    assert!(json.get("toolErrors").is_none(), "{}", vm.stderr);
    assert_eq!(json["summary"].get("toolErrors"), None);
    let rules = vm.rules();
    assert_eq!(count(&rules, "CUS-S014"), EVENTS);
    assert_eq!(count(&rules, "CUS-S002"), EVENTS);
    // Each S014 finding names its own event's offending segment, and only that.
    let messages = vm.messages();
    assert!(messages.contains("seq 19999 ran \"rm -rf /srv/data19999\" (denied)"));
    assert!(messages.contains("seq 7 names principal \"mallory7\""));

    let interpreter = check(tmp.path(), "json", "interpreter");
    assert_eq!(interpreter.code, 1, "{}", interpreter.stderr);
    assert_eq!(
        interpreter.json(),
        json,
        "the VM and the interpreter must report the same findings"
    );
}

#[test]
fn a_bundle_whose_every_event_offends_is_reported_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    offending_bundle(tmp.path());
    for format in ["human", "junit", "sarif", "github"] {
        let run = check(tmp.path(), format, "auto");
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let out = String::from_utf8(run.stdout).unwrap();
        let s014 = match format {
            "human" => out
                .lines()
                .filter(|l| l.trim_start().starts_with("× CUS-S014"))
                .count(),
            // One test case per bundle and rule; its failure lists each finding on a line.
            "junit" => out.matches(": command event seq ").count(),
            "sarif" => {
                let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
                sarif["runs"][0]["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["ruleId"] == "CUS-S014")
                    .count()
            }
            _ => out
                .lines()
                .filter(|l| l.starts_with("::error") && l.contains("CUS-S014"))
                .count(),
        };
        assert_eq!(s014, EVENTS, "{format}");
    }
}
