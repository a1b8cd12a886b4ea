//! `custody test`: runs every `test_*` rule of the loaded sources on the interpreter, with line coverage.

use regorus::Value;

use super::program::package_of;
use super::Policies;

/// One Rego unit test's outcome.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TestResult {
    pub file: String,
    pub name: String,
    pub passed: bool,
    pub message: Option<String>,
}

/// Line coverage of one policy file by the tests.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FileCoverage {
    pub file: String,
    pub covered: usize,
    pub not_covered: usize,
}

/// The names of `test_*` rules a Rego source declares (rule heads at the start of a line).
pub(super) fn test_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("test_") {
            let tail: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let name = format!("test_{tail}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Run the `test_*` rules of the loaded sources that `selected` keeps (given the source and the test's
/// full name, `data.<package>.<rule>`); a test passes when it evaluates to `true`. Coverage is reported for
/// the non-test files of the sources that had a test selected.
pub fn run_tests(
    policies: &Policies,
    selected: &dyn Fn(&super::PolicySource, &str) -> bool,
) -> (Vec<TestResult>, Vec<FileCoverage>) {
    let mut results = Vec::new();
    let mut base = match policies.engine() {
        Ok(engine) => engine,
        Err(message) => {
            let result = TestResult {
                file: "custody".to_owned(),
                name: "compile".to_owned(),
                passed: false,
                message: Some(message),
            };
            return (vec![result], Vec::new());
        }
    };
    base.set_enable_coverage(true);
    let mut tested_builtin = false;
    let mut tested_user = false;
    for source in &policies.sources {
        let Some(package) = package_of(&source.text) else {
            continue;
        };
        for name in test_names(&source.text) {
            let query = format!("data.{}.{}", package, name);
            if !selected(source, &query) {
                continue;
            }
            if source.builtin {
                tested_builtin = true;
            } else {
                tested_user = true;
            }
            base.set_input(Value::new_object());
            let outcome = base.eval_rule(query);
            let (passed, message) = match outcome {
                Ok(v) if v == Value::from(true) => (true, None),
                Ok(Value::Undefined) => (
                    false,
                    Some("the test's body was undefined (a condition failed)".to_owned()),
                ),
                Ok(v) => (false, Some(format!("the test evaluated to {v}, not true"))),
                Err(e) => (false, Some(e.to_string())),
            };
            results.push(TestResult {
                file: source.path.clone(),
                name,
                passed,
                message,
            });
        }
    }
    let coverage = base
        .get_coverage_report()
        .map(|report| {
            report
                .files
                .iter()
                .filter(|f| !f.path.ends_with("_test.rego"))
                .filter(|f| {
                    let builtin = policies
                        .sources
                        .iter()
                        .find(|s| s.path == f.path)
                        .is_some_and(|s| s.builtin);
                    if builtin {
                        tested_builtin
                    } else {
                        tested_user
                    }
                })
                .map(|f| FileCoverage {
                    file: f.path.clone(),
                    covered: f.covered.len(),
                    not_covered: f.not_covered.len(),
                })
                .collect()
        })
        .unwrap_or_default();
    (results, coverage)
}
