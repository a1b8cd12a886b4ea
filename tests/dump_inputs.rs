//! `--dump-inputs FILE`: every policy input, as JSON Lines, in input order; the same documents the policies
//! evaluated, with `input.custody` facts; written atomically next to a normal report.

use crate::common::{root, run_full, NOW};

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON input"))
        .collect()
}

#[test]
fn validate_and_check_write_the_inputs_their_policies_saw() {
    let tmp = tempfile::tempdir().unwrap();
    let examples = root().join("examples");
    let path = |name: &str| examples.join(name).to_str().unwrap().to_owned();
    let (workflows, bundles, invalid) =
        (path("workflows"), path("bundles"), path("bundles-invalid"));
    let out = tmp.path().join("workflow-inputs.jsonl");
    let args = [
        "validate",
        &workflows,
        "--now",
        NOW,
        "--dump-inputs",
        out.to_str().unwrap(),
        "--format",
        "json",
    ];
    let r = run_full(tmp.path(), &args, None, &[], false);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let inputs = lines(&out);
    assert_eq!(
        inputs.len() as u64,
        report["summary"]["documents"].as_u64().unwrap(),
        "one input per evaluated workflow"
    );
    for input in &inputs {
        assert_eq!(input["kind"], "Workflow");
        assert!(input["metadata"]["id"].is_string());
        assert_eq!(input["custody"]["now"], NOW);
    }

    let out = tmp.path().join("bundle-inputs.jsonl");
    let args = [
        "check",
        "--workflows",
        &workflows,
        &bundles,
        &invalid,
        "--now",
        NOW,
        "--dump-inputs",
        out.to_str().unwrap(),
    ];
    let r = run_full(tmp.path(), &args, None, &[], false);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let inputs = lines(&out);
    assert!(inputs.len() >= 9, "{}", inputs.len());
    let verified: Vec<bool> = inputs
        .iter()
        .map(|i| i["custody"]["chain"]["verified"].as_bool().unwrap())
        .collect();
    assert!(
        verified.contains(&true) && verified.contains(&false),
        "{verified:?}"
    );
    for input in &inputs {
        assert_eq!(input["kind"], "SessionBundle");
        assert!(
            input["custody"]["workflow"].is_object(),
            "the declared workflow is part of the input"
        );
    }
}
