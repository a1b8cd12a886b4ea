//! `custody rules`: the rule catalogue as text or JSON.

use super::{catalogue, setup, Outcome, PolicyFlags};
use crate::cli::{RulesArgs, TextFormat};
use custody_engine::config::{Config, RuleSetting};
use custody_engine::policy::RuleMeta;

pub(super) fn run(args: &RulesArgs) -> Outcome {
    let flags = PolicyFlags {
        config: args.config.as_deref(),
        policies: &args.policies,
        extra: &[],
        data: &[],
        now: args.now.as_deref(),
    };
    let setup = match setup(&flags, false, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let rules = catalogue(&setup.policies);
    let stdout = match args.format {
        TextFormat::Human => human(&rules, &setup.config),
        TextFormat::Json => {
            let mut s = serde_json::to_string_pretty(&rules).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    Outcome::printed(stdout)
}

/// A rule's severity in this configuration: its own, the configured one, or `off`.
fn severity(rule: &RuleMeta, config: &Config) -> String {
    match config.setting(&rule.id) {
        Some(RuleSetting::Off) => "off".to_owned(),
        Some(RuleSetting::Level(level)) => level.to_string(),
        None => rule.severity.to_string(),
    }
}

/// One line per rule (id, severity, title), its frameworks on the next.
fn human(rules: &[&RuleMeta], config: &Config) -> String {
    let mut s = String::new();
    for r in rules {
        s.push_str(&format!(
            "{:<9} {:<8} {}\n",
            r.id,
            severity(r, config),
            r.title
        ));
        if !r.frameworks.is_empty() {
            s.push_str(&format!("{:<18} {}\n", "", r.frameworks.join(", ")));
        }
    }
    s
}
