//! `custody check-command WORKFLOW COMMAND-LINE --workflows PATH`: how the workflow's command policy judges
//! a command line, segment by segment, and which globs decided (the judgement of CUS-S014).

use super::{setup, Outcome, PolicyFlags};
use crate::cli::{CheckCommandArgs, TextFormat};
use custody_engine::command_check;
use custody_engine::document::DocumentKind;
use custody_engine::sanitize::escape_line;

pub(super) fn run(args: &CheckCommandArgs) -> Outcome {
    let flags = PolicyFlags::of(&args.policy, &[], &[]);
    let setup = match setup(&flags, false, Some(DocumentKind::SessionBundle)) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let workflow = match command_check::find_workflow(
        &args.workflows,
        &setup.config.exclude,
        &setup.budgets,
        &args.workflow,
    ) {
        Ok(w) => w,
        Err(e) => return Outcome::usage(e),
    };
    let verdicts = match command_check::judge(&setup.policies, &workflow, &args.command_line) {
        Ok(v) => v,
        Err(e) => return Outcome::usage(e),
    };
    if verdicts.is_empty() {
        return Outcome::usage("the command line has no command to judge (it is empty)");
    }
    let allowed = verdicts.iter().all(command_check::SegmentVerdict::allowed);
    let stdout = if args.format == TextFormat::Json {
        let doc = serde_json::json!({
            "workflow": args.workflow,
            "command": args.command_line,
            "allowed": allowed,
            "segments": verdicts,
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        s
    } else {
        let mut s = String::new();
        for v in &verdicts {
            let why = match (v.decision.as_str(), v.globs.as_slice()) {
                ("not allowed", _) => "not allowed: no allow glob matches".to_owned(),
                ("allowed", []) => {
                    "allowed: no deny glob matches and the allow list is empty".to_owned()
                }
                (decision, globs) => format!(
                    "{decision} by {}",
                    globs
                        .iter()
                        .map(|g| format!("`{}`", escape_line(g)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            s.push_str(&format!("{}\n    {why}\n", escape_line(&v.segment)));
        }
        s.push_str(&if allowed {
            format!(
                "allowed: workflow {} allows every segment\n",
                escape_line(&args.workflow)
            )
        } else {
            format!(
                "not allowed: a session running it under workflow {} gets CUS-S014\n",
                escape_line(&args.workflow)
            )
        });
        s
    };
    Outcome {
        stdout,
        code: if allowed { 0 } else { 1 },
        ..Outcome::default()
    }
}
