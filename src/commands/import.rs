//! `custody import teleport`: Teleport audit events → sealed session bundles, one directory per session.

use std::path::Path;

use super::{parse_now, Outcome};
use crate::cli::{TeleportImport, TextFormat};
use custody_engine::import;

pub(super) fn teleport(args: &TeleportImport) -> Outcome {
    if let Err(e) = parse_now(args.now.as_deref()) {
        return Outcome::usage(e);
    }
    let retain_ns = match args.retain.as_deref() {
        None => None,
        Some(text) => match custody_engine::units::duration_ns(text) {
            Some(ns) => Some(ns),
            None => {
                return Outcome::usage(format!(
                    "--retain `{text}` is not a duration `<int><m|h|d>` (e.g. 400d)"
                ))
            }
        },
    };
    let workflows = if args.workflows.is_empty() {
        Default::default()
    } else {
        match import::load_workflows(&args.workflows) {
            Ok(w) => w,
            Err(e) => return Outcome::usage(e),
        }
    };
    if let Some(dir) = &args.recordings {
        if !dir.is_dir() {
            return Outcome::usage(format!(
                "--recordings `{}` is not a directory",
                dir.display()
            ));
        }
    }
    let opts = import::Options {
        workflow: args.workflow.clone(),
        workflows,
        retain_ns,
        recordings: args.recordings.clone(),
    };
    let result = import::read_sources(&args.logs)
        .and_then(|sources| import::teleport::import(&sources, &opts))
        .and_then(|(bundles, summary)| {
            let written = import::write_bundles(&args.out, &bundles, args.force)?;
            Ok((bundles, summary, written))
        });
    let (bundles, summary, written) = match result {
        Ok(r) => r,
        Err(e) => return Outcome::usage(e),
    };
    let mut outcome = Outcome::default();
    if args.format == TextFormat::Json {
        let items: Vec<serde_json::Value> = bundles
            .iter()
            .zip(&written)
            .map(|(b, (path, state))| {
                serde_json::json!({
                    "session": b.session,
                    "dir": path.display().to_string(),
                    "workflow": b.workflow,
                    "events": b.events,
                    "status": state.as_str(),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "summary": {
                "sessions": summary.sessions,
                "events": summary.events,
                "skipped": summary.skipped_total(),
                "skippedByType": summary.skipped,
                "withoutWorkflow": summary.without_workflow,
                "withoutRecording": summary.without_recording,
            },
            "bundles": items,
        });
        outcome.stdout = serde_json::to_string_pretty(&doc).unwrap_or_default();
        outcome.stdout.push('\n');
        return outcome;
    }
    if !args.quiet {
        for (b, (path, state)) in bundles.iter().zip(&written) {
            outcome.stdout.push_str(&format!(
                "{:<9} {} ({} event{}{})\n",
                state.as_str(),
                path.display(),
                b.events,
                if b.events == 1 { "" } else { "s" },
                b.workflow
                    .as_ref()
                    .map_or(", no workflow".to_owned(), |w| format!(", workflow {w}"))
            ));
        }
    }
    outcome
        .stdout
        .push_str(&import_summary_line(&summary, &args.out));
    outcome
}

/// `imported 5 sessions (58 events read, 21 skipped: print 6, …) into DIR`.
fn import_summary_line(summary: &import::Summary, out: &Path) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "imported {} ({} read, {} skipped",
        plural(summary.sessions, "session"),
        plural(summary.events, "event"),
        summary.skipped_total()
    );
    if !summary.skipped.is_empty() {
        let parts: Vec<String> = summary
            .skipped
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        line.push_str(&format!(": {}", parts.join(", ")));
    }
    line.push_str(&format!(") into {}", out.display()));
    if !summary.without_workflow.is_empty() {
        line.push_str(&format!(
            "; {} without a workflow (check reports CUS-S001): {}",
            plural(summary.without_workflow.len(), "session"),
            summary.without_workflow.join(", ")
        ));
    }
    if !summary.without_recording.is_empty() {
        line.push_str(&format!(
            "; {} with a full recording not hashed (pass --recordings DIR; under an immutable workflow check reports CUS-S020): {}",
            plural(summary.without_recording.len(), "session"),
            summary.without_recording.join(", ")
        ));
    }
    line.push('\n');
    line
}
