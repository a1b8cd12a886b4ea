//! `custody validate`: workflow manifests → findings.

use std::path::PathBuf;

use super::{render_report, run_options, setup_evaluation, write_inputs, Outcome};
use crate::cli::ValidateArgs;
use custody_engine::document::DocumentKind;

pub(super) fn run(args: ValidateArgs) -> Outcome {
    custody_engine::schema::prewarm(&[DocumentKind::Workflow]);
    let setup = match setup_evaluation(&args.evaluation, Some(DocumentKind::Workflow)) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let dump_inputs = args.dump_inputs.as_deref();
    let mut opts = run_options(&args.evaluation, &setup, paths, None, dump_inputs);
    opts.ids_from = args.ids_from;
    let mut report = custody_engine::pipeline::validate(&opts, &setup.policies);
    if let Some(o) = write_inputs(&report, dump_inputs) {
        return o;
    }
    render_report(&mut report, &setup, &args.evaluation)
}
