//! Identities compared as people read them: a disguised self-approval is caught (CUS-S007) and the disguise
//! itself reported (CUS-S021), in a real `custody check` run on the shipped example bundle.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{custody, root, NOW};

/// `custody check` of the clean example bundle with its approver replaced by `approver`: exit code and the
/// (rule, path) pairs found.
fn check_with_approver(approver: &str) -> (i32, BTreeSet<(String, String)>) {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(root().join("examples/bundles/clean-per-session.yaml")).unwrap();
    assert!(text.contains("approver: dana.whitfield"));
    let text = text.replace(
        "approver: dana.whitfield",
        &format!("approver: {}", serde_json::to_string(approver).unwrap()),
    );
    std::fs::write(tmp.path().join("b.yaml"), text).unwrap();
    let out = custody(tmp.path())
        .args(["check", "--workflows"])
        .arg(root().join("examples/workflows"))
        .args(["b.yaml", "--format", "json", "--now", NOW])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    (out.status.code().unwrap(), found)
}

fn finding(rule: &str, path: &str) -> (String, String) {
    (rule.to_owned(), path.to_owned())
}

#[test]
fn the_example_approver_passes() {
    let (code, found) = check_with_approver("dana.whitfield");
    assert_eq!(code, 0, "{found:?}");
}

#[test]
fn invisible_characters_do_not_hide_a_self_approval() {
    let approver = "approval.decisions[0].approver";
    for disguised in [
        "alex.kim\u{200B}",
        "alex\u{200D}.kim",
        "\u{FEFF}alex.kim",
        "alex.\u{AD}kim",
    ] {
        let (code, found) = check_with_approver(disguised);
        assert_eq!(code, 1, "{disguised:?}");
        assert!(
            found.contains(&finding("CUS-S007", approver)),
            "{disguised:?}: {found:?}"
        );
        assert!(
            found.contains(&finding("CUS-S021", approver)),
            "{disguised:?}: {found:?}"
        );
    }
}

#[test]
fn look_alike_letters_do_not_hide_a_self_approval() {
    let approver = "approval.decisions[0].approver";
    let (code, found) = check_with_approver("\u{430}lex.kim"); // Cyrillic а
    assert_eq!(code, 1);
    assert!(found.contains(&finding("CUS-S007", approver)), "{found:?}");
    assert!(found.contains(&finding("CUS-S021", approver)), "{found:?}");
}

#[test]
fn width_case_and_composition_are_the_same_person_without_suspicion() {
    let approver = "approval.decisions[0].approver";
    for same in ["ＡＬＥＸ.ＫＩＭ", "Alex.Kim", "  alex.kim"] {
        let (code, found) = check_with_approver(same);
        assert_eq!(code, 1, "{same:?}");
        assert!(
            found.contains(&finding("CUS-S007", approver)),
            "{same:?}: {found:?}"
        );
        assert!(
            !found.iter().any(|(rule, _)| rule == "CUS-S021"),
            "{same:?}: {found:?}"
        );
    }
}
