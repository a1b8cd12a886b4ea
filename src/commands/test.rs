//! `custody test`: run the Rego unit tests (rules named `test_*`) of the built-in and the given policies.

use super::{setup, Outcome, PolicyFlags};
use crate::cli::{TestArgs, TextFormat};
use custody_engine::engine;

pub(super) fn run(args: &TestArgs) -> Outcome {
    let flags = PolicyFlags::of(&args.policy, &args.paths, &args.data);
    let setup = match setup(&flags, true, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (results, coverage) = engine::run_tests(&setup.policies);
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    let mut out = String::new();
    if args.format == TextFormat::Json {
        let doc = serde_json::json!({
            "summary": {"passed": passed, "failed": failed},
            "tests": results,
            "coverage": coverage,
        });
        out = serde_json::to_string_pretty(&doc).unwrap_or_default();
        out.push('\n');
    } else {
        for r in &results {
            let status = if r.passed { "PASS" } else { "FAIL" };
            out.push_str(&format!("{status} {} {}\n", r.file, r.name));
            if let Some(m) = &r.message {
                out.push_str(&format!("     {m}\n"));
            }
        }
        out.push_str("\ncoverage (lines of policy evaluated by the tests):\n");
        for c in &coverage {
            let total = c.covered + c.not_covered;
            let pct = if total == 0 {
                100.0
            } else {
                100.0 * c.covered as f64 / total as f64
            };
            out.push_str(&format!("  {pct:5.1}%  {}\n", c.file));
        }
        out.push_str(&format!("\n{passed} passed, {failed} failed\n"));
    }
    let code = if results.is_empty() {
        2
    } else if failed > 0 {
        1
    } else {
        0
    };
    let mut outcome = Outcome {
        stdout: out,
        code,
        ..Outcome::default()
    };
    if results.is_empty() {
        outcome.stderr = "error: no test_* rules found\n".to_owned();
    }
    outcome
}
