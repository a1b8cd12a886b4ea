//! `custody test`: run the Rego unit tests (rules named `test_*`) of the built-in and the given policies.

use super::{setup, Outcome, PolicyFlags};
use crate::cli::{TestArgs, TextFormat};
use custody_engine::{engine, sanitize};

pub(super) fn run(args: &TestArgs) -> Outcome {
    let flags = PolicyFlags::of(&args.policy, &args.paths, &args.data);
    let setup = match setup(&flags, true, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let pattern = match args.run.as_deref().map(regex::Regex::new).transpose() {
        Ok(p) => p,
        Err(e) => return Outcome::usage(format!("invalid --run regular expression: {e}")),
    };
    // The built-in tests run with --builtin, or when there is nothing else to test.
    let has_own = setup.policies.sources.iter().any(|s| !s.builtin);
    let builtin = args.builtin || !has_own;
    let selected = |source: &engine::PolicySource, name: &str| {
        (builtin || !source.builtin) && pattern.as_ref().is_none_or(|p| p.is_match(name))
    };
    let (results, coverage) = engine::run_tests(&setup.policies, &selected);
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
        if !has_own && !args.builtin {
            out.push_str("no policy of your own given: running the built-in policies' tests\n");
        }
        for r in results.iter().filter(|r| args.verbose || !r.passed) {
            let status = if r.passed { "PASS" } else { "FAIL" };
            out.push_str(&format!(
                "{status} {} {}\n",
                sanitize::escape_line(&r.file),
                sanitize::escape_line(&r.name)
            ));
            if let Some(m) = &r.message {
                out.push_str(&format!("     {}\n", sanitize::escape_line(m)));
            }
        }
        if args.verbose {
            out.push_str("\ncoverage (lines of policy evaluated by the tests):\n");
            for c in &coverage {
                let total = c.covered + c.not_covered;
                let pct = if total == 0 {
                    100.0
                } else {
                    100.0 * c.covered as f64 / total as f64
                };
                out.push_str(&format!(
                    "  {pct:5.1}%  {}\n",
                    sanitize::escape_line(&c.file)
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!("{passed} passed, {failed} failed\n"));
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
        outcome.stderr = match &args.run {
            Some(r) => format!(
                "error: no test_* rule matches --run {}\n",
                sanitize::escape_line(r)
            ),
            None => "error: no test_* rules found\n".to_owned(),
        };
    }
    outcome
}
