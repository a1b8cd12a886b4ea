//! Which files are read (docs/manifest.md, "Which files are read"): walking decides on parsed values, never on
//! bytes, names or letter case; documents that look like custody's are findings, not skipped; bundle
//! directories hide nothing; a broken configuration or path stops the run; tool errors go to stderr.

use std::path::Path;

use serde_json::Value;

use crate::common::{custody, root, NOW};

/// A bundle that fails CUS-S007 (self-approval) under the payments workflow: read means judged.
fn failing_bundle() -> String {
    std::fs::read_to_string(root().join("examples/bundles-invalid/self-approval.yaml")).unwrap()
}

/// The same bundle as JSON, as custody reads it.
fn failing_bundle_json() -> String {
    let nodes = custody_engine::source::parse_documents(
        &failing_bundle(),
        &custody_engine::source::Budgets::default(),
    )
    .unwrap();
    serde_json::to_string_pretty(&nodes[0].to_json()).unwrap()
}

/// A temp dir with `workflows/` (the payments workflow) and an empty `bundles/`.
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("workflows")).unwrap();
    std::fs::create_dir_all(tmp.path().join("bundles")).unwrap();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        tmp.path().join("workflows/payments.yaml"),
    )
    .unwrap();
    tmp
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

struct Outcome {
    code: i32,
    json: Value,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn findings(&self) -> Vec<&Value> {
        self.json["findings"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    /// (file, rule) of every finding.
    fn located(&self) -> Vec<(String, String)> {
        self.findings()
            .iter()
            .map(|f| {
                let field = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
                (field("file"), field("rule"))
            })
            .collect()
    }

    fn documents(&self) -> u64 {
        self.json["summary"]["documents"].as_u64().unwrap_or(0)
    }
}

fn run(dir: &Path, args: &[&str], format: &str) -> Outcome {
    let out = custody(dir)
        .args(args)
        .args(["--format", format, "--now", NOW])
        .output()
        .unwrap();
    Outcome {
        code: out.status.code().unwrap(),
        json: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check(dir: &Path, paths: &[&str]) -> Outcome {
    let mut args = vec!["check", "--workflows", "workflows"];
    args.extend(paths);
    run(dir, &args, "json")
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = std::iter::once(0xFEFF)
        .filter(|_| bom)
        .chain(text.encode_utf16());
    for unit in units {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn walked_bundles_are_read_whatever_their_escapes_extension_or_encoding() {
    let yaml = failing_bundle();
    let json = failing_bundle_json();
    assert!(json.contains("\"custody/v1\""));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "slash.json",
            json.replace("\"custody/v1\"", r#""custody\/v1""#).into(),
        ),
        (
            "unicode.json",
            json.replace("\"custody/v1\"", r#""custody\u002fv1""#)
                .into(),
        ),
        (
            "letters.json",
            json.replace("\"custody/v1\"", r#""\u0063ustody\u002Fv1""#)
                .into(),
        ),
        (
            "escaped.yaml",
            yaml.replace("apiVersion: custody/v1", r#"apiVersion: "custody\x2Fv1""#)
                .into(),
        ),
        (
            "letters.yaml",
            yaml.replace(
                "apiVersion: custody/v1",
                r#"apiVersion: "\x63ustody\u002Fv1""#,
            )
            .into(),
        ),
        ("upper.YAML", yaml.clone().into()),
        ("mixed.Yml", yaml.clone().into()),
        ("upper.JSON", json.clone().into()),
        ("bom.yaml", format!("\u{feff}{yaml}").into()),
        ("le.yaml", utf16(&yaml, false, true)),
        ("be.json", utf16(&json, true, true)),
        ("le-without-bom.yaml", utf16(&yaml, false, false)),
    ];
    for (name, bytes) in cases {
        let tmp = workspace();
        write(&tmp.path().join("bundles"), name, &bytes);
        let out = check(tmp.path(), &["bundles"]);
        let expected = (format!("bundles/{name}"), "CUS-S007".to_owned());
        assert_eq!(out.code, 1, "{name}: {}", out.stderr);
        assert_eq!(out.located(), [expected], "{name}");
        assert_eq!(out.documents(), 1, "{name}");
    }
}

#[test]
fn walked_workflows_with_escapes_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest =
        crate::common::manifest().replace("apiVersion: custody/v1", r#"apiVersion: "custody\/v1""#);
    write(tmp.path(), "m/payments.Yaml", manifest);
    let out = run(tmp.path(), &["validate", "m"], "json");
    assert_eq!(out.documents(), 1, "{}", out.stdout);
}

#[test]
fn other_tools_files_are_skipped_and_broken_custody_text_is_p001() {
    let tmp = workspace();
    let bundles = tmp.path().join("bundles");
    write(&bundles, "bundle.json", failing_bundle_json());
    let others = [
        (
            "argo.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: build}\n",
        ),
        (
            "k8s.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {path: 'a\\b'}\n",
        ),
        (
            "cfn.yaml",
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n",
        ),
        (
            "helm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.workflow }}\n  x: y\n{{- end }}\n",
        ),
        ("ansible.yml", "- hosts: all\n  tasks:\n  - name: café\n"),
        ("notes.json", "{\"a\": [1, 2,]}"),
    ];
    for (name, text) in others {
        write(&bundles, name, text);
    }
    let out = check(tmp.path(), &["bundles"]);
    assert_eq!(
        out.located(),
        [("bundles/bundle.json".to_owned(), "CUS-S007".to_owned())],
        "{}",
        out.stdout
    );
    // A file that does not parse is an input problem as soon as its text mentions custody, in any case.
    write(&bundles, "broken.yaml", "# a CUSTODY bundle\nkind: [\n");
    write(
        &bundles,
        "broken16.yaml",
        utf16("apiVersion: custody/v1\nkind: [\n", false, true),
    );
    let out = check(tmp.path(), &["bundles"]);
    let p001: Vec<_> = out
        .located()
        .into_iter()
        .filter(|(_, rule)| rule == "CUS-P001")
        .map(|(file, _)| file)
        .collect();
    assert_eq!(p001, ["bundles/broken.yaml", "bundles/broken16.yaml"]);
}

#[test]
fn custody_lookalikes_are_p002_on_api_version() {
    let yaml = failing_bundle();
    let manifest = crate::common::manifest();
    let cases = [
        ("capital.yaml", yaml.replace("custody/v1", "Custody/v1")),
        ("space.yaml", yaml.replace("custody/v1", "' custody/v1'")),
        ("upper.yaml", yaml.replace("custody/v1", "CUSTODY/V1")),
        (
            "fullwidth.yaml",
            yaml.replace("custody/v1", "ｃｕｓｔｏｄｙ/v1"),
        ),
        (
            "hidden.yaml",
            yaml.replace("custody/v1", "\"\\u200Bcustody/v1\""),
        ),
        ("other-version.yaml", yaml.replace("custody/v1", "v1")),
        ("missing.yaml", yaml.replace("apiVersion: custody/v1\n", "")),
        (
            "key-case.yaml",
            yaml.replace("apiVersion: custody/v1", "apiversion: custody/v1"),
        ),
        (
            "workflow.yaml",
            manifest.replace("apiVersion: custody/v1\n", ""),
        ),
    ];
    for (name, text) in &cases {
        let tmp = workspace();
        write(&tmp.path().join("bundles"), name, text);
        for out in [
            check(tmp.path(), &["bundles"]),
            run(tmp.path(), &["validate", "bundles"], "json"),
        ] {
            assert_eq!(out.code, 1, "{name}: {}", out.stderr);
            let findings = out.findings();
            assert_eq!(findings.len(), 1, "{name}: {}", out.stdout);
            assert_eq!(findings[0]["rule"], "CUS-P002", "{name}");
            assert_eq!(findings[0]["path"], "apiVersion", "{name}");
        }
    }
    // In a JSON Lines stream too.
    let tmp = workspace();
    let line = failing_bundle_json()
        .replace('\n', "")
        .replace("custody/v1", "Custody/v1");
    write(tmp.path(), "bundles/stream.jsonl", format!("{line}\n"));
    let out = check(tmp.path(), &["bundles"]);
    assert_eq!(
        out.located(),
        [("bundles/stream.jsonl".to_owned(), "CUS-P002".to_owned())]
    );
    assert_eq!(out.findings()[0]["path"], "apiVersion");
}

#[test]
fn a_top_level_array_of_bundles_is_read() {
    let tmp = workspace();
    let one = failing_bundle_json();
    write(tmp.path(), "bundles/all.json", format!("[{one}, {one}]"));
    let out = check(tmp.path(), &["bundles"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.documents(), 2);
    // Each copy fails on its own; the second repeats the first's session id (CUS-P004).
    let rules: Vec<String> = out.located().into_iter().map(|(_, rule)| rule).collect();
    assert_eq!(
        rules.iter().filter(|r| *r == "CUS-S007").count(),
        2,
        "{}",
        out.stdout
    );
    assert_eq!(
        rules.iter().filter(|r| *r == "CUS-P004").count(),
        1,
        "{}",
        out.stdout
    );
}

#[test]
fn bundle_directories_hide_nothing_but_their_references() {
    let tmp = workspace();
    let bundles = tmp.path().join("bundles");
    let example = root().join("examples/bundles/dir-session");
    std::fs::create_dir_all(bundles.join("d")).unwrap();
    for name in ["bundle.yaml", "events.jsonl", "session.cast"] {
        std::fs::copy(example.join(name), bundles.join("d").join(name)).unwrap();
    }
    // Beside the manifest: another bundle, a nested bundle directory and a stream.
    write(&bundles, "d/extra.yaml", failing_bundle());
    write(&bundles, "d/nested/bundle.json", failing_bundle_json());
    let line = failing_bundle_json().replace('\n', "");
    write(&bundles, "d/more.jsonl", format!("{line}\n"));
    // A single-file bundle whose events and recording lie beside it, the recording named like JSON.
    let dir_bundle = std::fs::read_to_string(example.join("bundle.yaml")).unwrap();
    let file_bundle = dir_bundle
        .replace("file: events.jsonl", "file: f-events.jsonl")
        .replace("file: session.cast", "file: f-recording.json");
    write(&bundles, "f.yaml", file_bundle);
    std::fs::copy(example.join("events.jsonl"), bundles.join("f-events.jsonl")).unwrap();
    write(
        &bundles,
        "f-recording.json",
        "{\"title\": \"custody session\"}\n[0.1, \"o\", \"x\"]\n",
    );
    let out = check(tmp.path(), &["bundles"]);
    let s007: Vec<_> = out
        .located()
        .into_iter()
        .filter(|(_, rule)| rule == "CUS-S007")
        .map(|(file, _)| file)
        .collect();
    assert_eq!(
        s007,
        [
            "bundles/d/extra.yaml",
            "bundles/d/more.jsonl",
            "bundles/d/nested/bundle.json"
        ],
        "{}",
        out.stdout
    );
    // The bundles' own files are never read as bundles.
    for (file, rule) in out.located() {
        assert!(rule != "CUS-P001", "{file}: {}", out.stdout);
    }
    assert_eq!(out.documents(), 5);
    // Named on the command line, the bundle directory is walked into as well.
    let out = check(tmp.path(), &["bundles/d"]);
    assert_eq!(out.documents(), 4, "{}", out.stdout);
}

#[test]
fn two_manifests_in_one_directory_are_ambiguous() {
    let tmp = workspace();
    write(tmp.path(), "bundles/d/bundle.yaml", failing_bundle());
    write(tmp.path(), "bundles/d/bundle.json", failing_bundle_json());
    let out = check(tmp.path(), &["bundles"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.located(),
        [("bundles/d".to_owned(), "CUS-P001".to_owned())]
    );
    let message = out.findings()[0]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("bundle.yaml") && message.contains("bundle.json"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_bundle_manifest_is_not_followed() {
    let tmp = workspace();
    write(tmp.path(), "elsewhere/bundle.yaml", failing_bundle());
    std::fs::create_dir_all(tmp.path().join("bundles/d")).unwrap();
    std::os::unix::fs::symlink(
        tmp.path().join("elsewhere/bundle.yaml"),
        tmp.path().join("bundles/d/bundle.yaml"),
    )
    .unwrap();
    let out = check(tmp.path(), &["bundles"]);
    assert_eq!(out.documents(), 0);
    assert!(out.findings().is_empty());
    assert_eq!(out.code, 2, "nothing was evaluated: {}", out.stderr);
}

#[test]
fn a_configuration_that_cannot_be_read_stops_the_run() {
    let tmp = workspace();
    write(tmp.path(), "bundles/b.yaml", failing_bundle());
    std::fs::create_dir(tmp.path().join(".custody.yaml")).unwrap();
    let out = check(tmp.path(), &["bundles"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(".custody.yaml") && out.stderr.contains("directory"),
        "{}",
        out.stderr
    );
    #[cfg(unix)]
    {
        std::fs::remove_dir(tmp.path().join(".custody.yaml")).unwrap();
        std::os::unix::fs::symlink("gone.yaml", tmp.path().join(".custody.yaml")).unwrap();
        let out = check(tmp.path(), &["bundles"]);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains(".custody.yaml"), "{}", out.stderr);
    }
}

#[test]
fn tool_errors_go_to_stderr_once_in_every_format() {
    let tmp = workspace();
    write(tmp.path(), "bundles/b.yaml", failing_bundle());
    for format in ["human", "json", "sarif", "junit", "github"] {
        let out = run(tmp.path(), &["validate", "missing"], format);
        assert_eq!(out.code, 2, "{format}");
        let errors: Vec<_> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(
            errors,
            ["error: missing: no such file or directory"],
            "{format}"
        );
        assert!(!out.stdout.contains("error: "), "{format}: {}", out.stdout);
    }
}

#[test]
fn check_with_missing_workflows_judges_no_bundle() {
    let tmp = workspace();
    write(tmp.path(), "bundles/b.yaml", failing_bundle());
    let out = run(
        tmp.path(),
        &["check", "--workflows", "missing", "bundles"],
        "json",
    );
    assert_eq!(out.code, 2);
    assert!(out.findings().is_empty(), "{}", out.stdout);
    assert_eq!(out.documents(), 0);
    assert!(
        out.stderr.contains("missing: no such file or directory"),
        "{}",
        out.stderr
    );
}
