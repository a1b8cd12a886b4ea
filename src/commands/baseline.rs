//! `custody baseline [PATH...] [--workflows PATH]`: the findings of a `validate` (or, with --workflows, a
//! `check`) run written into the configuration as governed exceptions, each bound to its finding's node.

use std::path::PathBuf;

use super::{run_options, setup_evaluation, Outcome};
use crate::cli::{BaselineArgs, Color, Evaluation, Format};
use custody_engine::document::DocumentKind;
use custody_engine::pipeline::run;
use custody_engine::sanitize::escape_line;

pub(super) fn run(args: &BaselineArgs) -> Outcome {
    let evaluation = Evaluation {
        policies: args.policies.clone(),
        data: args.data.clone(),
        config: args.config.clone(),
        format: Format::Json,
        strict: false,
        now: args.now.clone(),
        exclude: args.exclude.clone(),
        allow_empty: false,
        output: None,
        jobs: None,
        quiet: true,
        color: Color::Never,
    };
    let checking = !args.workflows.is_empty();
    let only = (!checking).then_some(DocumentKind::Workflow);
    let setup = match setup_evaluation(&evaluation, only) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let opts = run_options(&evaluation, &setup, paths, None, None);
    let mut report = if checking {
        custody_engine::pipeline::check(&opts, &args.workflows, &setup.policies)
    } else {
        custody_engine::pipeline::validate(&opts, &setup.policies)
    };
    run::apply_config(
        &mut report,
        &setup.config,
        setup.policies.catalogue(),
        setup.now_ns,
    );
    // A baseline of a run that could not evaluate everything would waive less than it claims.
    let errors: Vec<String> = report
        .tool_error_messages()
        .map(|m| format!("error: {}", escape_line(m)))
        .collect();
    if !errors.is_empty() || report.nothing_to_evaluate() {
        let mut why = errors.join("\n");
        if why.is_empty() {
            why = "error: nothing to evaluate".to_owned();
        }
        return Outcome::usage(format!(
            "{why}\nerror: the run did not evaluate everything, so no baseline was written"
        ));
    }
    let (entries, refused) = custody_engine::baseline::plan(&report.findings);
    let file = setup
        .config
        .file
        .clone()
        .unwrap_or_else(|| ".custody.yaml".to_owned());
    let (max_age, max_age_ns) = setup.config.duration_param("baselineMaxAge");
    let expires = match expiry_date(setup.now_ns, max_age_ns) {
        Some(d) => d,
        None => return Outcome::usage(format!("params.baselineMaxAge {max_age} runs past 9999")),
    };
    let mut out = String::new();
    if !entries.is_empty() {
        let text = match std::fs::read(&file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    return Outcome::usage(format!("{file} is not UTF-8; nothing was written"))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Outcome::usage(format!("cannot read {file}: {e}")),
        };
        let today = expiry_date(setup.now_ns, 0).unwrap_or_default();
        let comment = format!(
            "custody baseline, {today}: findings present when the gate was turned on; fix them before {expires}"
        );
        let updated =
            match custody_engine::baseline::insert(&file, &text, &entries, &expires, &comment) {
                Ok(t) => t,
                Err(e) => return Outcome::usage(e),
            };
        if let Err(e) =
            custody_engine::atomic::write_atomic(std::path::Path::new(&file), updated.as_bytes())
        {
            return Outcome::usage(format!("cannot write {file}: {e}"));
        }
        out.push_str(&format!(
            "baselined {} finding(s) as {} exception(s) in {}, expiring {expires} (params.baselineMaxAge {max_age})\n",
            report.findings.iter().filter(|f| f.waived.is_none()).count() - refused.len(),
            entries.len(),
            escape_line(&file)
        ));
    } else if refused.is_empty() {
        out.push_str("nothing to baseline: the run has no unwaived finding\n");
    }
    for (finding, why) in &refused {
        out.push_str(&format!(
            "not baselined: {} {}:{}: {} ({why})\n",
            escape_line(&finding.rule),
            escape_line(&finding.file),
            finding.line.unwrap_or(0),
            escape_line(&finding.message),
        ));
    }
    Outcome {
        stdout: out,
        code: if refused.is_empty() { 0 } else { 1 },
        ..Outcome::default()
    }
}

/// The UTC date `after_ns` after `now_ns`, as `YYYY-MM-DD`.
fn expiry_date(now_ns: i64, after_ns: i64) -> Option<String> {
    let at = jiff::Timestamp::from_nanosecond(i128::from(now_ns) + i128::from(after_ns)).ok()?;
    Some(at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
}
