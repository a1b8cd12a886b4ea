//! `custody baseline`: today's findings become governed exceptions bound to their nodes, so the gate can be
//! turned on now; locked rules are listed, never waived; the configuration keeps every byte it had.

use std::path::Path;

use crate::common::{custody, root, run_json, NOW};

fn copy(from: &str, dir: &Path, to: &str) {
    std::fs::create_dir_all(dir.join(to).parent().unwrap()).unwrap();
    std::fs::copy(root().join(from), dir.join(to)).unwrap();
}

fn baseline(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = custody(dir)
        .arg("baseline")
        .args(args)
        .args(["--now", NOW])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn manifests_findings_are_waived_at_their_nodes_until_the_horizon() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    copy("examples/invalid/owner-is-operator.yaml", d, "w/owner.yaml");
    copy("examples/invalid/duplicate-key.yaml", d, "w/dup.yaml");
    let config = "# team configuration\nparams:\n  baselineMaxAge: 30d # a short horizon\n";
    std::fs::write(d.join(".custody.yaml"), config).unwrap();

    let before = run_json(d, &["validate", "w"]);
    assert_eq!(before.code, 1);
    let (code, out, err) = baseline(d, &["w"]);
    assert_eq!(code, 1, "a locked finding remains: {out}{err}");
    assert!(
        out.contains("expiring 2026-12-25 (params.baselineMaxAge 30d)"),
        "{out}"
    );
    assert!(out.contains("not baselined: CUS-P001 w/dup.yaml"), "{out}");
    let written = std::fs::read_to_string(d.join(".custody.yaml")).unwrap();
    assert!(
        written.starts_with(config),
        "the file keeps its bytes: {written}"
    );
    assert!(
        written.contains(
            "    path: \"spec.owner.team\"\n    reason: baseline\n    expires: 2026-12-25\n"
        ),
        "{written}"
    );

    // The gate passes on what was baselined; the locked finding still fails.
    let after = run_json(d, &["validate", "w/owner.yaml"]);
    assert_eq!(after.code, 0, "{:?}", after.json());
    assert!(after.json()["summary"]["waived"].as_u64().unwrap() >= 1);
    assert_eq!(run_json(d, &["validate", "w"]).code, 1);

    // A new finding of the same rule in the same workflow, at another node, still fails.
    let text = std::fs::read_to_string(d.join("w/owner.yaml")).unwrap();
    let without_purpose = text.replace("  purpose:", "  purposeX:");
    std::fs::write(d.join("w/owner.yaml"), &without_purpose).unwrap();
    let changed = run_json(d, &["validate", "w/owner.yaml"]);
    assert_eq!(changed.code, 1, "{}", changed.stderr);

    // Past the horizon the exceptions expire: C001, and the findings fail again.
    std::fs::write(d.join("w/owner.yaml"), &text).unwrap();
    let later = crate::common::run_full(
        d,
        &[
            "validate",
            "w/owner.yaml",
            "--format",
            "json",
            "--now",
            "2027-01-10T00:00:00Z",
        ],
        None,
        &[],
        false,
    );
    assert_eq!(later.code, 1);
    assert!(
        later.rules().contains(&"CUS-C001".to_owned()),
        "{:?}",
        later.rules()
    );
}

#[test]
fn session_findings_are_waived_per_session() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    copy(
        "examples/bundles-invalid/self-approval.yaml",
        d,
        "b/self.yaml",
    );
    copy(
        "examples/bundles-invalid/tampered-event.yaml",
        d,
        "b/tampered.yaml",
    );
    let workflows = root().join("examples/workflows");
    let wf = workflows.to_str().unwrap();
    let (code, out, err) = baseline(d, &["b", "--workflows", wf]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("not baselined: CUS-S013"), "{out}");
    let written = std::fs::read_to_string(d.join(".custody.yaml")).unwrap();
    assert!(written.contains("  session: \""), "{written}");
    let self_approval = run_json(d, &["check", "b/self.yaml", "--workflows", wf]);
    assert_eq!(self_approval.code, 0, "{:?}", self_approval.json());
    assert_eq!(
        run_json(d, &["check", "b/tampered.yaml", "--workflows", wf]).code,
        1
    );
}

#[test]
fn an_incomplete_run_writes_no_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    copy("examples/invalid/owner-is-operator.yaml", d, "w/owner.yaml");
    std::fs::write(d.join(".custody.yaml"), "rules: {}\n").unwrap();
    let (code, _, err) = baseline(d, &["w", "missing-dir"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no baseline was written"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join(".custody.yaml")).unwrap(),
        "rules: {}\n"
    );
    // An `exceptions` list in flow style is not edited: an error, and the file is untouched.
    let flow = "exceptions: [{rule: CUS-W016, workflow: x, reason: r, expires: 2027-01-01}]\n";
    std::fs::write(d.join(".custody.yaml"), flow).unwrap();
    let (code, _, err) = baseline(d, &["w"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join(".custody.yaml")).unwrap(),
        flow
    );
}

#[test]
fn a_baseline_extends_the_configuration_init_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    custody(d).args(["init", "."]).assert().code(0);
    copy(
        "examples/invalid/owner-is-operator.yaml",
        d,
        "workflows/owner.yaml",
    );
    let (code, out, err) = baseline(d, &["workflows"]);
    assert_eq!(code, 0, "{out}{err}");
    let written = std::fs::read_to_string(d.join(".custody.yaml")).unwrap();
    assert!(
        written.contains("exceptions:              # governed waivers"),
        "{written}"
    );
    assert_eq!(run_json(d, &["validate", "workflows"]).code, 0);
}
