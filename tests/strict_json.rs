//! A `.json` file is strict JSON (docs/manifest.md, "YAML or JSON"): every deviation from RFC 8259 is a
//! CUS-P001 at the offending byte, in `validate` (workflow manifests) and `check` (bundles), whether the
//! file is named or walked, whatever the letter case of `.json`; valid JSON reads to the same documents and
//! positions as before, and a `.yaml` file holding the same text is still read as YAML.

use std::path::Path;

use serde_json::Value;

use crate::common::{root, run_json, Run};

/// The example JSON manifest: valid, no findings.
fn okta() -> String {
    std::fs::read_to_string(root().join("examples/workflows/okta-super-admin.json")).unwrap()
}

/// A YAML example bundle written as pretty JSON (as a JSON serialiser writes it).
fn bundle_json(example: &str) -> String {
    let yaml = std::fs::read_to_string(root().join(example)).unwrap();
    let nodes =
        custody_engine::source::parse_documents(&yaml, &custody_engine::source::Budgets::default())
            .unwrap();
    serde_json::to_string_pretty(&nodes[0].to_json()).unwrap() + "\n"
}

/// A temp dir with `workflows/` holding the payments workflow (what the example bundles name).
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("workflows")).unwrap();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        tmp.path().join("workflows/payments.yaml"),
    )
    .unwrap();
    tmp
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (line as u64, before[line_start..].chars().count() as u64 + 1)
}

/// The findings of `run` on `file`.
fn findings_on<'a>(json: &'a Value, file: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["file"] == file)
        .collect()
}

/// A deviation from strict JSON written into a document: `needle` (found once in the document) becomes
/// `with`; the offending byte is `at` bytes into `with`; the message names `words`.
struct Deviation {
    class: &'static str,
    with: &'static str,
    at: usize,
    words: &'static str,
}

/// Every class of deviation, written at the document's `"apiVersion": "custody/v1",` line.
const NEEDLE: &str = "\"apiVersion\": \"custody/v1\",";

fn deviations() -> Vec<Deviation> {
    let after = NEEDLE.len() + 1;
    let d = |class, with: &'static str, at, words| Deviation {
        class,
        with,
        at,
        words,
    };
    vec![
        d(
            "trailing comma in an array",
            "\"apiVersion\": \"custody/v1\", \"x\": [1, 2,],",
            after + 10,
            "trailing comma",
        ),
        d(
            "trailing comma in an object",
            "\"apiVersion\": \"custody/v1\", \"x\": {\"a\": 1,},",
            after + 12,
            "trailing comma",
        ),
        d(
            "line comment",
            "\"apiVersion\": \"custody/v1\", // the version",
            after,
            "comment",
        ),
        d(
            "block comment",
            "/* version */ \"apiVersion\": \"custody/v1\",",
            0,
            "comment",
        ),
        d(
            "hash comment",
            "\"apiVersion\": \"custody/v1\", # the version",
            after,
            "comment",
        ),
        d(
            "single-quoted string",
            "\"apiVersion\": 'custody/v1',",
            14,
            "single-quoted string",
        ),
        d(
            "single-quoted key",
            "'apiVersion': \"custody/v1\",",
            0,
            "single-quoted key",
        ),
        d(
            "unquoted key",
            "apiVersion: \"custody/v1\",",
            0,
            "unquoted key `apiVersion`",
        ),
        d(
            "unquoted string",
            "\"apiVersion\": \"custody/v1\", \"x\": yes,",
            after + 5,
            "double quotes",
        ),
        d(
            "leading zeros",
            "\"apiVersion\": \"custody/v1\", \"x\": 007,",
            after + 5,
            "leading zeros",
        ),
        d(
            "leading plus",
            "\"apiVersion\": \"custody/v1\", \"x\": +1,",
            after + 5,
            "leading `+`",
        ),
        d(
            "hexadecimal",
            "\"apiVersion\": \"custody/v1\", \"x\": 0x1F,",
            after + 5,
            "decimal",
        ),
        d(
            "bare fraction",
            "\"apiVersion\": \"custody/v1\", \"x\": .5,",
            after + 5,
            "digits on both sides",
        ),
        d(
            "NaN",
            "\"apiVersion\": \"custody/v1\", \"x\": NaN,",
            after + 5,
            "NaN",
        ),
        d(
            "Infinity",
            "\"apiVersion\": \"custody/v1\", \"x\": -Infinity,",
            after + 5,
            "infinities",
        ),
        d(
            "capitalised literal",
            "\"apiVersion\": \"custody/v1\", \"x\": True,",
            after + 5,
            "lower case",
        ),
        d(
            "raw tab in a string",
            "\"apiVersion\": \"custody/v1\", \"x\": \"a\tb\",",
            after + 7,
            "tab (U+0009)",
        ),
        d(
            "raw line break in a string",
            "\"apiVersion\": \"custody/v1\", \"x\": \"a\nb\",",
            after + 7,
            "line break (U+000A)",
        ),
        d(
            "raw control character",
            "\"apiVersion\": \"custody/v1\", \"x\": \"a\u{1b}b\",",
            after + 7,
            "U+001B",
        ),
        d(
            "unknown escape",
            "\"apiVersion\": \"custody/v1\", \"x\": \"a\\qb\",",
            after + 7,
            "unknown escape",
        ),
        d(
            "lone surrogate",
            "\"apiVersion\": \"custody/v1\", \"x\": \"\\ud800\",",
            after + 6,
            "lone surrogate",
        ),
        d(
            "duplicate key",
            "\"apiVersion\": \"custody/v1\", \"apiVersion\": \"custody/v1\",",
            after,
            "duplicate key `apiVersion`",
        ),
        d(
            "missing comma",
            "\"apiVersion\": \"custody/v1\" \"x\": 1,",
            NEEDLE.len(),
            "missing comma",
        ),
        d(
            "non-JSON white space",
            "\"apiVersion\":\u{a0}\"custody/v1\",",
            13,
            "U+00A0",
        ),
    ]
}

/// Each deviation written into `base` (which holds [`NEEDLE`] once): the text, and the line and column of the
/// offending byte.
fn deviated(base: &str, d: &Deviation) -> (String, (u64, u64)) {
    assert_eq!(base.matches(NEEDLE).count(), 1);
    let start = base.find(NEEDLE).unwrap();
    let text = base.replacen(NEEDLE, d.with, 1);
    (text.clone(), line_column(&text, start + d.at))
}

/// Assert that `run` failed with exactly one CUS-P001 on `file`, at `at`, naming `words`.
fn assert_p001(run: &Run, file: &str, at: (u64, u64), words: &str, class: &str) {
    let json = run.json();
    assert_eq!(run.code, 1, "{class}: {}\n{}", json, run.stderr);
    let on_file = findings_on(&json, file);
    assert_eq!(on_file.len(), 1, "{class}: {json}");
    let f = on_file[0];
    assert_eq!(f["rule"], "CUS-P001", "{class}: {f}");
    assert_eq!(
        (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()),
        at,
        "{class}: {f}"
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.starts_with("cannot parse as JSON: "),
        "{class}: {message}"
    );
    assert!(message.contains(words), "{class}: {message}");
}

#[test]
fn every_deviation_in_a_json_manifest_is_p001_at_its_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let base = okta();
    for (n, d) in deviations().iter().enumerate() {
        let (text, at) = deviated(&base, d);
        let name = format!("w{n}.json");
        write(tmp.path(), &name, &text);
        let run = run_json(tmp.path(), &["validate", &name]);
        assert_p001(&run, &name, at, d.words, d.class);
    }
}

#[test]
fn every_deviation_in_a_json_bundle_is_p001_at_its_byte() {
    let tmp = workspace();
    let base = bundle_json("examples/bundles/clean-per-session.yaml");
    // The bundle as written passes.
    write(tmp.path(), "bundles/clean.json", &base);
    let run = run_json(
        tmp.path(),
        &["check", "--workflows", "workflows", "bundles/clean.json"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.json(), run.stderr);
    for (n, d) in deviations().iter().enumerate() {
        let (text, at) = deviated(&base, d);
        let name = format!("bundles/b{n}.json");
        write(tmp.path(), &name, &text);
        let run = run_json(tmp.path(), &["check", "--workflows", "workflows", &name]);
        assert_p001(&run, &name, at, d.words, d.class);
    }
}

#[test]
fn whole_file_deviations_are_p001() {
    let tmp = workspace();
    let bundle = bundle_json("examples/bundles/clean-per-session.yaml");
    let lines = bundle.lines().count() as u64;
    // A second value after the first, an empty file, a file cut short.
    let cases = [
        (
            format!("{bundle}{bundle}"),
            (lines + 1, 1),
            "a second JSON value",
        ),
        (String::new(), (1, 1), "no JSON value"),
        (
            bundle.trim_end().trim_end_matches('}').to_owned(),
            (lines, 1),
            "ends inside the object opened at line 1, column 1",
        ),
    ];
    for (n, (text, at, words)) in cases.iter().enumerate() {
        let name = format!("bundles/whole{n}.json");
        write(tmp.path(), &name, text);
        let run = run_json(tmp.path(), &["check", "--workflows", "workflows", &name]);
        assert_p001(&run, &name, *at, words, &name);
        let name = format!("whole{n}.json");
        write(
            tmp.path(),
            &name,
            &text.replace("SessionBundle", "Workflow"),
        );
        let run = run_json(tmp.path(), &["validate", &name]);
        assert_p001(&run, &name, *at, words, &name);
    }
}

#[test]
fn deep_json_fails_closed_at_the_depth_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"apiVersion\": \"custody/v1\", \"kind\": \"Workflow\", \"x\": {}{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    write(tmp.path(), "deep.json", &deep);
    let run = run_json(tmp.path(), &["validate", "deep.json"]);
    let json = run.json();
    assert_eq!(run.code, 1, "{json}\n{}", run.stderr);
    assert_eq!(run.rules(), ["CUS-P001"], "{json}");
    let f = &json["findings"][0];
    assert!(
        f["message"].as_str().unwrap().contains("limits.maxDepth"),
        "{f}"
    );
    // The default budget is 128 levels: the object is the first, so the 128th `[` is the first too many.
    let column = deep.find('[').unwrap() as u64 + 128;
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(column)),
        "{f}"
    );
}

#[test]
fn walked_json_files_and_bundle_directories_are_strict_in_any_letter_case() {
    let tmp = workspace();
    let base = bundle_json("examples/bundles/clean-per-session.yaml");
    let trailing = &deviations()[0];
    let (text, at) = deviated(&base, trailing);
    write(tmp.path(), "bundles/walked/a.JSON", &text);
    write(tmp.path(), "bundles/walked/dir/bundle.json", &text);
    let run = run_json(
        tmp.path(),
        &["check", "--workflows", "workflows", "bundles/walked"],
    );
    let json = run.json();
    assert_eq!(run.code, 1, "{json}\n{}", run.stderr);
    for file in ["bundles/walked/a.JSON", "bundles/walked/dir/bundle.json"] {
        let on_file = findings_on(&json, file);
        assert_eq!(on_file.len(), 1, "{file}: {json}");
        assert_eq!(on_file[0]["rule"], "CUS-P001");
        let got = (
            on_file[0]["line"].as_u64().unwrap(),
            on_file[0]["column"].as_u64().unwrap(),
        );
        assert_eq!(got, at, "{file}: {json}");
    }
    // A walked manifest too.
    let (text, at) = deviated(&okta(), trailing);
    write(tmp.path(), "manifests/okta.Json", &text);
    let run = run_json(tmp.path(), &["validate", "manifests"]);
    assert_p001(
        &run,
        "manifests/okta.Json",
        at,
        "trailing comma",
        "walked manifest",
    );
}

#[test]
fn valid_json_reads_as_before() {
    // The example JSON manifest validates with no findings.
    let run = run_json(
        &root(),
        &["validate", "examples/workflows/okta-super-admin.json"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.json(), run.stderr);
    assert_eq!(run.json()["summary"]["documents"], 1);
    assert!(run.rules().is_empty(), "{}", run.json());

    // JSON that YAML would refuse is read: a key longer than YAML's 1024-character implicit keys.
    let tmp = tempfile::tempdir().unwrap();
    let long_key = format!("\"{}\": \"x\",", "k".repeat(1_100));
    let text = okta().replacen(
        "\"tier\": \"critical\",",
        &format!("\"tier\": \"critical\", {long_key}"),
        1,
    );
    assert_ne!(text, okta());
    write(tmp.path(), "long.json", &text);
    let run = run_json(tmp.path(), &["validate", "long.json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.json(), run.stderr);
    assert!(run.rules().is_empty(), "{}", run.json());

    // A weakened copy has findings: the same, at the same lines and columns, whether the text is read as
    // strict JSON (.json) or as YAML (.yaml).
    let weak = okta()
        .replace(
            "\"separationOfDuties\": true",
            "\"separationOfDuties\": false",
        )
        .replace("\"recording\": \"full\"", "\"recording\": \"none\"");
    let bad = okta().replace("\"maxAge\": \"30d\"", "\"maxAge\": \"30 days\"");
    for (name, text) in [("weak", &weak), ("bad", &bad)] {
        write(tmp.path(), &format!("{name}.json"), text);
        write(tmp.path(), &format!("{name}.yaml"), text);
    }
    let located = |file: &str| -> (i32, Vec<(String, u64, u64, String)>) {
        let run = run_json(tmp.path(), &["validate", file]);
        let json = run.json();
        let mut out: Vec<_> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        out.sort();
        (run.code, out)
    };
    let (code, found) = located("weak.json");
    assert_eq!(code, 1, "{found:?}");
    assert!(!found.is_empty());
    assert!(found.iter().all(|f| f.1 > 1), "{found:?}");
    assert_eq!(located("weak.yaml"), (code, found));
    let (code, found) = located("bad.json");
    let max_age = bad.find("\"maxAge\"").unwrap();
    let (line, column) = line_column(&bad, max_age);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "CUS-P002" && (f.1, f.2) == (line, column)),
        "{found:?}"
    );
    assert_eq!(located("bad.yaml"), (code, found));

    // A bundle failing a rule: the same findings at the same places, read as JSON or as YAML.
    let tmp = workspace();
    let bundle = bundle_json("examples/bundles-invalid/self-approval.yaml");
    write(tmp.path(), "b/bundle.json", &bundle);
    write(tmp.path(), "b/bundle.yaml", &bundle);
    let check = |file: &str| {
        let run = run_json(tmp.path(), &["check", "--workflows", "workflows", file]);
        let json = run.json();
        let mut out: Vec<_> = findings_on(&json, file)
            .iter()
            .map(|f| {
                (
                    f["rule"].clone(),
                    f["line"].clone(),
                    f["column"].clone(),
                    f["message"].clone(),
                )
            })
            .collect();
        out.sort_by_key(|f| f.0.to_string() + &f.1.to_string() + &f.2.to_string());
        (run.code, out)
    };
    let (code, from_json) = check("b/bundle.json");
    assert_eq!(code, 1);
    assert!(from_json.iter().any(|f| f.0 == "CUS-S007"), "{from_json:?}");
    assert_eq!(check("b/bundle.yaml"), (code, from_json));
}

#[test]
fn a_yaml_file_holding_json_with_a_trailing_comma_is_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let text = okta().replacen(
        "\"example-admin.okta.com\"]",
        "\"example-admin.okta.com\",]",
        1,
    );
    assert_ne!(text, okta());
    write(tmp.path(), "okta.yaml", &text);
    let run = run_json(tmp.path(), &["validate", "okta.yaml"]);
    assert_eq!(run.code, 0, "{}\n{}", run.json(), run.stderr);
    assert_eq!(run.json()["summary"]["documents"], 1);
    // The same text named .json is not.
    write(tmp.path(), "okta.json", &text);
    let run = run_json(tmp.path(), &["validate", "okta.json"]);
    assert_eq!(run.rules(), ["CUS-P001"]);
}

#[test]
fn seal_refuses_a_json_bundle_that_is_not_strict_json() {
    let tmp = tempfile::tempdir().unwrap();
    let base = bundle_json("examples/bundles/clean-per-session.yaml");
    let (text, (line, column)) = deviated(&base, &deviations()[0]);
    write(tmp.path(), "b.json", &text);
    let run = crate::common::run_full(tmp.path(), &["seal", "b.json"], None, &[], false);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{line}:{column}: cannot parse")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("trailing comma"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("b.json")).unwrap(),
        text
    );
}
