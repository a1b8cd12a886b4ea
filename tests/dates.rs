//! Dates up to 9999-12-31 compare correctly: evidence kept "indefinitely" is kept long enough, and an
//! exception that expires in a far year is in force, not expired.

use serde_json::Value;

use crate::common::{custody, root, NOW};

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn retention_until_the_year_9999_is_long_enough() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(root().join("examples/bundles/clean-per-session.yaml")).unwrap();
    assert!(text.contains("until: \"2028-01-01T00:00:00Z\""));
    for until in ["9999-12-31T00:00:00Z", "2300-06-01T00:00:00Z"] {
        let text = text.replace(
            "until: \"2028-01-01T00:00:00Z\"",
            &format!("until: \"{until}\""),
        );
        std::fs::write(tmp.path().join("b.yaml"), text).unwrap();
        let out = custody(tmp.path())
            .args(["check", "--workflows"])
            .arg(root().join("examples/workflows"))
            .args(["b.yaml", "--format", "json", "--now", NOW])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{until}: {report:#}");
        assert!(!rules(&report).contains(&"CUS-S017".to_owned()), "{until}");
    }
}

#[test]
fn an_exception_expiring_in_2300_is_in_force() {
    let report = report_with_exception("2300-01-01", "");
    assert!(
        !rules(&report).contains(&"CUS-C001".to_owned()),
        "not expired: {report:#}"
    );
    let w016 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CUS-W016")
        .expect("the finding is still listed");
    assert_eq!(w016["waived"]["expires"], "2300-01-01", "{report:#}");
}

/// `validate` of the shared-account example under one exception expiring on `expires`, with `params`
/// put before the exceptions in the configuration: the JSON report.
fn report_with_exception(expires: &str, params: &str) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/invalid/shared-root-account.yaml"),
        tmp.path().join("w.yaml"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join(".custody.yaml"),
        format!("{params}exceptions:\n  - rule: CUS-W016\n    workflow: legacy-mainframe-ops\n    reason: mainframe has no per-user accounts (CHG0099999)\n    expires: {expires}\n"),
    )
    .unwrap();
    let out = custody(tmp.path())
        .args(["validate", "w.yaml", "--format", "json", "--now", NOW])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rules_with_exception(expires: &str, params: &str) -> Vec<String> {
    rules(&report_with_exception(expires, params))
}

#[test]
fn an_exception_valid_more_than_a_year_ahead_is_flagged() {
    // NOW is 2026-11-25: a year later is 2027-11-25.
    assert!(!rules_with_exception("2027-03-31", "").contains(&"CUS-C003".to_owned()));
    assert!(rules_with_exception("2028-06-30", "").contains(&"CUS-C003".to_owned()));
    assert!(rules_with_exception("2300-01-01", "").contains(&"CUS-C003".to_owned()));
    let longer = "params:\n  exceptionMaxAge: 1000d\n";
    assert!(!rules_with_exception("2028-06-30", longer).contains(&"CUS-C003".to_owned()));
}
