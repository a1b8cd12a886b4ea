//! `custody check`: session bundles, against the workflows they name → findings.

use super::{render_report, run_options, setup_evaluation, write_inputs, Outcome};
use crate::cli::CheckArgs;
use custody_engine::document::DocumentKind;
use custody_engine::pipeline::run::Progress;

/// `progress` is told of each bundle evaluated.
pub(super) fn run(args: CheckArgs, progress: Option<Progress>) -> Outcome {
    custody_engine::schema::prewarm(&[DocumentKind::Workflow, DocumentKind::SessionBundle]);
    // Both rule sets: the workflow rules run on the manifests the bundles name.
    let setup = match setup_evaluation(&args.evaluation, None) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let dump_inputs = args.dump_inputs.as_deref();
    let mut opts = run_options(
        &args.evaluation,
        &setup,
        args.bundles,
        progress,
        dump_inputs,
    );
    let trusted = args
        .allowed_signers
        .clone()
        .or_else(|| setup.config.allowed_signers.clone());
    if let Some(path) = trusted {
        match custody_engine::trust::allowed_signers::AllowedSigners::load(&path) {
            Ok(a) => opts.allowed_signers = Some(std::sync::Arc::new(a)),
            Err(e) => return Outcome::usage(e),
        }
    }
    let mut report = custody_engine::pipeline::check(&opts, &args.workflows, &setup.policies);
    if let Some(o) = write_inputs(&report, dump_inputs) {
        return o;
    }
    render_report(&mut report, &setup, &args.evaluation)
}
