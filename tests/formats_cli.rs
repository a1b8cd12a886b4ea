//! `--format sarif`, `--format junit` and `--format github` on the project's own examples, judged by the
//! formats' own rules: SARIF against the vendored OASIS SARIF 2.1.0 schema (tests/data), JUnit parsed back
//! as XML, GitHub workflow commands against their line syntax and escaping.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use predicates::prelude::*;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

use crate::common::{custody, root, NOW};

/// Run `custody validate ARGS --now NOW` in `dir`: (exit code, stdout, stderr).
fn validate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = custody(dir)
        .arg("validate")
        .args(args)
        .args(["--now", NOW])
        .output()
        .expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

/// The JSON report of the same run, to cross-check the other formats against.
fn json_report(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (_, stdout, stderr) = validate(dir, &all);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("json report ({e}): {stdout}\nstderr: {stderr}"))
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings array")
}

/// Input files of an examples directory, as custody names them (relative, forward slashes).
fn example_files(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(root().join(dir))
        .expect("examples dir")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
        .map(|n| format!("{dir}/{n}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// SARIF

fn sarif_schema() -> Value {
    let text = std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("vendored SARIF schema");
    serde_json::from_str(&text).expect("vendored SARIF schema is JSON")
}

fn sarif_validator() -> jsonschema::Validator {
    let schema = sarif_schema();
    // The vendored file is the complete OASIS schema, not a stub.
    assert_eq!(
        schema["$schema"].as_str(),
        Some("http://json-schema.org/draft-04/schema#")
    );
    for def in [
        "result",
        "run",
        "reportingDescriptor",
        "toolComponent",
        "location",
        "physicalLocation",
        "artifactLocation",
        "region",
        "message",
    ] {
        assert!(
            schema["definitions"][def].is_object(),
            "schema defines {def}"
        );
    }
    // The schema declares draft-04; formats (uri, uri-reference, date-time) are checked too.
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn vendored_sarif_schema_rejects_what_it_should() {
    // Guards against a schema that accepts anything: each of these breaks a SARIF 2.1.0 requirement.
    let validator = sarif_validator();
    let minimal = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "m"}, "level": "error", "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "a/b.yaml"}, "region": {"startLine": 1}}}]}
        ]}]
    });
    assert!(
        schema_errors(&validator, &minimal).is_empty(),
        "{:?}",
        schema_errors(&validator, &minimal)
    );
    let mut bad_version = minimal.clone();
    bad_version["version"] = "2.0.0".into();
    let mut bad_level = minimal.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let mut bad_line = minimal.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    let mut no_message = minimal.clone();
    no_message["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let mut unknown_field = minimal.clone();
    unknown_field["runs"][0]["results"][0]["severity"] = "high".into();
    let mut bad_uri = minimal.clone();
    bad_uri["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri".into();
    for (what, doc) in [
        ("version", bad_version),
        ("level", bad_level),
        ("startLine", bad_line),
        ("message", no_message),
        ("unknown property", unknown_field),
        ("informationUri (format uri)", bad_uri),
    ] {
        assert!(
            !schema_errors(&validator, &doc).is_empty(),
            "schema accepts a bad {what}"
        );
    }
}

#[test]
fn sarif_on_invalid_examples_is_schema_valid_and_complete() {
    let args = ["examples/invalid", "--format", "sarif"];
    let (code, stdout, stderr) = validate(&root(), &args);
    assert_eq!(code, 1, "failing findings exit 1\nstderr: {stderr}");
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("SARIF output is not JSON ({e}): {stdout}"));

    let validator = sarif_validator();
    let errors = schema_errors(&validator, &doc);
    assert!(
        errors.is_empty(),
        "SARIF output violates the SARIF 2.1.0 schema:\n{}",
        errors.join("\n")
    );

    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "custody");
    let rules = driver["rules"].as_array().expect("driver.rules");
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty(), "the invalid examples produce results");

    // One rules[] entry per distinct ruleId in results, no duplicates, no extras.
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let unique: BTreeSet<&str> = rule_ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        rule_ids.len(),
        "duplicate rules: {rule_ids:?}"
    );
    let used: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    assert_eq!(unique, used, "rules[] is exactly the rule ids that fired");

    let mut fingerprints = BTreeSet::new();
    for r in results {
        let rule_id = r["ruleId"].as_str().expect("result.ruleId");
        assert!(
            matches!(
                r["level"].as_str(),
                Some("error" | "warning" | "note" | "none")
            ),
            "result.level: {r}"
        );
        let text = r["message"]["text"].as_str().expect("result.message.text");
        assert!(!text.trim().is_empty(), "empty message: {r}");
        if let Some(i) = r.get("ruleIndex") {
            let i = i.as_u64().expect("ruleIndex is an index") as usize;
            assert_eq!(
                rules.get(i).map(|d| &d["id"]),
                Some(&Value::from(rule_id)),
                "ruleIndex points at the result's rule: {r}"
            );
        }
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"]
            .as_str()
            .expect("artifactLocation.uri");
        assert!(
            !uri.starts_with('/') && !uri.contains('\\') && !uri.contains("://"),
            "uri is relative: {uri}"
        );
        // An RFC 3986 relative reference to a file: only unreserved, sub-delim, ':', '@', '/' and
        // percent-encoded characters; no '?' or '#' that would turn part of a file name into a query or
        // fragment.
        assert!(
            uri.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(c)),
            "uri is a valid URI reference: {uri:?}"
        );
        assert!(
            root().join(uri).is_file(),
            "uri {uri} names an input file relative to the working directory"
        );
        let line = loc["region"]["startLine"].as_u64().expect("startLine");
        assert!(line >= 1, "startLine >= 1: {r}");
        let fp = r["partialFingerprints"]
            .as_object()
            .expect("partialFingerprints");
        assert!(!fp.is_empty(), "partialFingerprints non-empty: {r}");
        assert!(
            fp.values()
                .all(|v| v.as_str().is_some_and(|s| !s.is_empty())),
            "fingerprint values are non-empty strings: {r}"
        );
        fingerprints.insert(serde_json::to_string(fp).unwrap());
    }
    assert_eq!(
        fingerprints.len(),
        results.len(),
        "partialFingerprints tell results apart"
    );

    // Every finding of the JSON report is a result, at the same place.
    let report = json_report(&root(), &["examples/invalid"]);
    let want: BTreeSet<(String, String, u64)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap_or(1),
            )
        })
        .collect();
    let got: BTreeSet<(String, String, u64)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(results.len(), findings(&report).len());

    // Deterministic: a second run is byte-identical.
    let (code2, stdout2, _) = validate(&root(), &args);
    assert_eq!(code2, 1);
    assert!(stdout == stdout2, "two SARIF runs differ");
}

#[test]
fn sarif_to_output_file_keeps_the_summary_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("custody.sarif");
    let out_arg = out_path.to_str().expect("utf-8 temp path");
    let (code, stdout, stderr) = validate(
        &root(),
        &["examples/invalid", "--format", "sarif", "--output", out_arg],
    );
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(
        stdout.is_empty(),
        "the report goes to the file, not stdout: {stdout}"
    );
    assert!(
        predicate::str::is_match(r"(?m)^custody: failed: .*\d+ errors?")
            .unwrap()
            .eval(&stderr),
        "summary line on stderr: {stderr:?}"
    );
    let written = std::fs::read_to_string(&out_path).expect("--output file written");
    let doc: Value = serde_json::from_str(&written).expect("--output file is JSON");
    let errors = schema_errors(&sarif_validator(), &doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The same bytes as on stdout.
    let (_, to_stdout, _) = validate(&root(), &["examples/invalid", "--format", "sarif"]);
    assert!(
        written == to_stdout,
        "--output writes what stdout would show"
    );
}

// ---------------------------------------------------------------------------------------------------------
// JUnit

/// A parsed XML element: name, attributes (unescaped, in order), children, and text content.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn count_attr(&self, name: &str) -> usize {
        self.attr(name)
            .unwrap_or_else(|| panic!("<{}> has a {name} attribute", self.name))
            .parse()
            .unwrap_or_else(|e| panic!("<{}> {name} is a count: {e}", self.name))
    }
    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn element_of(start: &quick_xml::events::BytesStart<'_>) -> Element {
    let name = String::from_utf8(start.name().as_ref().to_vec()).expect("utf-8 element name");
    let mut attrs = Vec::new();
    for a in start.attributes() {
        let a = a.unwrap_or_else(|e| panic!("malformed attribute in <{name}>: {e}"));
        let key = String::from_utf8(a.key.as_ref().to_vec()).expect("utf-8 attribute name");
        assert!(
            !attrs.iter().any(|(k, _)| k == &key),
            "duplicate attribute {key} in <{name}>"
        );
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap_or_else(|e| panic!("attribute {key} of <{name}>: {e}"))
            .into_owned();
        attrs.push((key, value));
    }
    Element {
        name,
        attrs,
        ..Element::default()
    }
}

/// Parse a whole XML document (well-formedness: one root, matching tags, known entities) into a tree.
fn parse_xml(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut saw_decl = false;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML at {}: {e}", reader.buffer_position()));
        match event {
            Event::Decl(d) => {
                assert!(
                    root.is_none() && stack.is_empty() && !saw_decl,
                    "XML declaration first"
                );
                saw_decl = true;
                let enc = d.encoding().map(|e| e.unwrap().into_owned());
                if let Some(enc) = enc {
                    assert!(
                        enc.eq_ignore_ascii_case(b"UTF-8"),
                        "declared encoding is UTF-8"
                    );
                }
            }
            Event::Start(s) => {
                assert!(root.is_none(), "a single root element");
                stack.push(element_of(&s));
            }
            Event::Empty(s) => {
                let el = element_of(&s);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => {
                        assert!(root.is_none(), "a single root element");
                        root = Some(el);
                    }
                }
            }
            Event::End(_) => {
                let el = stack.pop().expect("end tag matches a start tag");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let text = t.decode().expect("utf-8 text");
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&text),
                    None => assert!(text.trim().is_empty(), "no text outside the root: {text:?}"),
                }
            }
            Event::GeneralRef(r) => {
                let resolved: String = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .expect("valid character reference")
                        .expect("a character")
                        .to_string()
                } else {
                    let name = r.decode().expect("utf-8 entity name");
                    match name.as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("undeclared entity &{other};"),
                    }
                };
                stack
                    .last_mut()
                    .expect("entity reference inside an element")
                    .text
                    .push_str(&resolved);
            }
            Event::CData(c) => {
                let text = String::from_utf8(c.into_inner().into_owned()).expect("utf-8 CDATA");
                stack
                    .last_mut()
                    .expect("CDATA inside an element")
                    .text
                    .push_str(&text);
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => panic!("unexpected DOCTYPE in JUnit output"),
            Event::Eof => break,
        }
    }
    assert!(
        stack.is_empty(),
        "unclosed elements: {:?}",
        stack.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
    root.expect("a root element")
}

#[test]
#[should_panic(expected = "not well-formed")]
fn xml_checker_rejects_mismatched_tags() {
    parse_xml("<a><b></a></b>");
}

#[test]
#[should_panic(expected = "undeclared entity")]
fn xml_checker_rejects_undeclared_entities() {
    parse_xml("<a>&nbsp;</a>");
}

/// Check the counts of a `<testsuites>` document against its elements; return suites by name.
fn check_junit_counts(doc: &Element) -> BTreeMap<String, &Element> {
    assert_eq!(doc.name, "testsuites", "root element");
    let mut suites = BTreeMap::new();
    let (mut tests, mut failures, mut skipped, mut errors) = (0, 0, 0, 0);
    for child in &doc.children {
        assert_eq!(
            child.name, "testsuite",
            "only <testsuite> under <testsuites>"
        );
    }
    for suite in doc.children_named("testsuite") {
        let name = suite.attr("name").expect("testsuite name").to_owned();
        let cases: Vec<&Element> = suite.children_named("testcase").collect();
        assert_eq!(
            suite.count_attr("tests"),
            cases.len(),
            "tests attribute of {name} counts its testcases"
        );
        let with = |child: &str| cases.iter().filter(|c| c.child(child).is_some()).count();
        assert_eq!(
            suite.count_attr("failures"),
            with("failure"),
            "failures of {name}"
        );
        assert_eq!(
            suite.count_attr("skipped"),
            with("skipped"),
            "skipped of {name}"
        );
        assert_eq!(
            suite.count_attr("errors"),
            with("error"),
            "errors of {name}"
        );
        let mut names = BTreeSet::new();
        for case in &cases {
            let case_name = case.attr("name").expect("testcase name");
            assert!(case.attr("classname").is_some(), "testcase classname");
            assert!(
                names.insert(case_name.to_owned()),
                "testcase names are unique in {name}: {case_name}"
            );
            let outcomes = ["failure", "skipped", "error"]
                .iter()
                .filter(|o| case.child(o).is_some())
                .count();
            assert!(outcomes <= 1, "at most one outcome per testcase: {case:?}");
        }
        tests += cases.len();
        failures += with("failure");
        skipped += with("skipped");
        errors += suite.count_attr("errors");
        assert!(
            suites.insert(name.clone(), suite).is_none(),
            "one testsuite per file: {name} twice"
        );
    }
    assert_eq!(doc.count_attr("tests"), tests, "testsuites tests");
    assert_eq!(doc.count_attr("failures"), failures, "testsuites failures");
    assert_eq!(doc.count_attr("skipped"), skipped, "testsuites skipped");
    assert!(doc.count_attr("errors") >= errors, "testsuites errors");
    suites
}

#[test]
fn junit_on_invalid_examples_is_well_formed_and_consistent() {
    let (code, stdout, stderr) = validate(&root(), &["examples/invalid", "--format", "junit"]);
    assert_eq!(code, 1, "stderr: {stderr}");
    let doc = parse_xml(&stdout);
    let suites = check_junit_counts(&doc);

    let report = json_report(&root(), &["examples/invalid"]);
    let finding_files: BTreeSet<String> = findings(&report)
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    let suite_names: BTreeSet<String> = suites.keys().cloned().collect();
    assert_eq!(
        suite_names, finding_files,
        "one testsuite per file with findings"
    );
    assert_eq!(
        suite_names,
        example_files("examples/invalid"),
        "every input has its suite"
    );

    // Every failing (error, not waived) finding appears in a <failure> of a testcase of its file, named
    // after its rule; a file's warnings (without --strict) do not fail.
    let mut failing: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut warning_only: BTreeSet<(String, String)> = BTreeSet::new();
    for f in findings(&report) {
        let key = (
            f["file"].as_str().unwrap().to_owned(),
            f["rule"].as_str().unwrap().to_owned(),
        );
        if f["severity"] == "error" && f["waived"].is_null() {
            failing
                .entry(key)
                .or_default()
                .push(f["message"].as_str().unwrap().to_owned());
        } else {
            warning_only.insert(key);
        }
    }
    assert!(!failing.is_empty());
    for ((file, rule), messages) in &failing {
        let suite = suites[file];
        let cases: Vec<&Element> = suite
            .children_named("testcase")
            .filter(|c| {
                c.attr("name")
                    .is_some_and(|n| n.ends_with(&format!(" {rule}")))
            })
            .collect();
        assert!(!cases.is_empty(), "a testcase for {rule} in {file}");
        let failures: Vec<&Element> = cases.iter().filter_map(|c| c.child("failure")).collect();
        assert!(
            !failures.is_empty(),
            "<failure> for error finding {rule} in {file}"
        );
        for failure in &failures {
            assert_eq!(
                failure.attr("type"),
                Some(rule.as_str()),
                "failure type is the rule id"
            );
            assert!(
                failure.attr("message").is_some_and(|m| !m.is_empty()),
                "failure message"
            );
        }
        let text: String = failures.iter().map(|f| f.text.as_str()).collect();
        for m in messages {
            assert!(
                text.contains(m.as_str()),
                "failure text of {rule} in {file} carries {m:?}: {text:?}"
            );
        }
    }
    for (file, rule) in warning_only.difference(&failing.keys().cloned().collect()) {
        for case in suites[file].children_named("testcase").filter(|c| {
            c.attr("name")
                .is_some_and(|n| n.ends_with(&format!(" {rule}")))
        }) {
            assert!(
                case.child("failure").is_none(),
                "warning {rule} in {file} does not fail without --strict"
            );
        }
    }
}

/// Workflow documents in an example file (YAML `kind: Workflow` lines or JSON `"kind": "Workflow"`).
fn workflow_documents(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .filter(|l| {
            let t = l.trim();
            t == "kind: Workflow" || t.starts_with("\"kind\": \"Workflow\"")
        })
        .count()
}

#[test]
fn junit_on_passing_workflows_has_one_passing_testcase_per_document() {
    let (code, stdout, stderr) = validate(&root(), &["examples/workflows", "--format", "junit"]);
    assert_eq!(code, 0, "the example workflows pass\nstderr: {stderr}");
    let doc = parse_xml(&stdout);
    let suites = check_junit_counts(&doc);
    let files = example_files("examples/workflows");
    assert_eq!(
        suites.keys().cloned().collect::<BTreeSet<_>>(),
        files,
        "one testsuite per input file with documents"
    );
    let mut total = 0;
    for (file, suite) in &suites {
        let cases: Vec<&Element> = suite.children_named("testcase").collect();
        for case in &cases {
            assert!(
                case.children.is_empty(),
                "a passing testcase has no failure, skipped or error: {case:?}"
            );
        }
        assert_eq!(suite.count_attr("failures"), 0);
        assert_eq!(
            cases.len(),
            workflow_documents(&root().join(file)),
            "one testcase per workflow document in {file}"
        );
        total += cases.len();
    }
    let report = json_report(&root(), &["examples/workflows"]);
    assert!(findings(&report).is_empty());
    assert_eq!(
        report["summary"]["documents"].as_u64(),
        Some(total as u64),
        "testcases = documents evaluated"
    );
    assert_eq!(doc.count_attr("failures"), 0);
}

// ---------------------------------------------------------------------------------------------------------
// GitHub workflow commands

fn annotation_re() -> regex::Regex {
    regex::Regex::new(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,title=[^:]+::(.*)$")
        .unwrap()
}

/// Workflow-command data may hold `%` only as the start of `%25`, `%0D` or `%0A`, and no CR or LF.
fn assert_escaped_data(data: &str) {
    assert!(
        !data.contains('\n') && !data.contains('\r'),
        "raw newline in {data:?}"
    );
    let bytes = data.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let code = &data[i + 1..(i + 3).min(data.len())];
            assert!(
                matches!(code, "25" | "0D" | "0A"),
                "unescaped % in workflow-command data {data:?}"
            );
        }
    }
}

#[test]
fn github_on_invalid_examples_is_one_command_per_finding_then_a_summary() {
    let (code, stdout, stderr) = validate(&root(), &["examples/invalid", "--format", "github"]);
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(stdout.ends_with('\n'));
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, commands) = lines.split_last().expect("output");
    assert!(
        summary.starts_with("custody:") && !summary.starts_with("::"),
        "last line is the plain summary: {summary:?}"
    );
    let re = annotation_re();
    for line in commands {
        let caps = re.captures(line).unwrap_or_else(|| {
            panic!("not a workflow command with file, line, col, title: {line:?}")
        });
        assert_escaped_data(&caps[2]);
    }
    let report = json_report(&root(), &["examples/invalid"]);
    assert_eq!(
        commands.len(),
        findings(&report).len(),
        "one command per finding"
    );
    let levels: BTreeMap<&str, usize> = commands.iter().fold(BTreeMap::new(), |mut m, l| {
        *m.entry(re.captures(l).unwrap().get(1).unwrap().as_str())
            .or_default() += 1;
        m
    });
    let errors = findings(&report)
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(
        levels.get("error").copied().unwrap_or(0),
        errors,
        "::error per error finding"
    );
}

#[test]
fn github_escapes_percent_and_newline_in_messages() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/workflows/payments-db-admin.yaml"),
        tmp.path().join("payments-db-admin.yaml"),
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("pol")).unwrap();
    std::fs::write(
        tmp.path().join("pol/x.rego"),
        "package main\n\nwarn contains msg if {\n\tmsg := \"50% done\\nsecond line\"\n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = validate(tmp.path(), &["--policy", "pol", "--format", "github"]);
    assert_eq!(code, 0, "a warning alone passes\nstderr: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one annotation and the summary: {stdout:?}");
    let caps = annotation_re()
        .captures(lines[0])
        .unwrap_or_else(|| panic!("workflow command: {:?}", lines[0]));
    assert_eq!(&caps[1], "warning");
    assert_eq!(
        &caps[2], "50%25 done%0Asecond line",
        "% and newline escaped"
    );
    assert_escaped_data(&caps[2]);
    assert!(
        lines[1].starts_with("custody: passed:"),
        "summary: {:?}",
        lines[1]
    );
}
