//! `custody explain RULE`: one rule's metadata — what it checks and why, how to fix it, framework references.

use super::{find_rule, setup, Outcome, PolicyFlags};
use crate::cli::{ExplainArgs, TextFormat};
use custody_engine::findings::Severity;

pub(super) fn run(args: &ExplainArgs) -> Outcome {
    let flags = PolicyFlags::of(&args.policy, &[], &[]);
    let setup = match setup(&flags, false, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let rule = &args.rule;
    let Some(meta) = find_rule(&setup.policies, rule) else {
        return Outcome::usage(format!("unknown rule `{rule}`; `custody rules` lists them"));
    };
    if args.format == TextFormat::Json {
        let mut s = serde_json::to_string_pretty(meta).unwrap_or_default();
        s.push('\n');
        return Outcome::printed(s);
    }
    let severity = match meta.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut s = format!("{} — {}\n\n", meta.id, meta.title);
    s.push_str(&format!("severity:   {severity}\n"));
    if meta.is_rust_check() {
        s.push_str("policy:     custody (checked in Rust, before or after the policies run)\n\n");
    } else {
        s.push_str(&format!(
            "policy:     {} ({}:{})\n\n",
            meta.package, meta.file, meta.line
        ));
    }
    s.push_str(&format!(
        "What it checks and why:\n  {}\n\n",
        meta.description
    ));
    s.push_str(&format!("How to fix:\n  {}\n\n", meta.remediation));
    s.push_str("Framework references:\n");
    for f in &meta.frameworks {
        s.push_str(&format!("  {f}\n"));
    }
    Outcome::printed(s)
}
