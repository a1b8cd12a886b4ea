//! `custody seal`: compute and write bundles' event hash chains and head anchors.

use super::{parse_now, Outcome};
use crate::cli::SealArgs;
use custody_engine::config::Config;
use custody_engine::seal::Sealed;

pub(super) fn run(args: &SealArgs) -> Outcome {
    if let Err(e) = parse_now(args.now.as_deref()) {
        return Outcome::usage(e);
    }
    // The configuration's limits bound what seal reads, as they bound what check reads: a bundle check
    // accepts can be sealed, and one over the limits is refused.
    let budgets = match Config::discover(args.config.as_deref()) {
        Ok(config) => config.budgets(),
        Err(e) => return Outcome::diagnostic(&e),
    };
    let mut outcome = Outcome::default();
    for path in &args.bundles {
        match custody_engine::seal::seal(path, args.reseal, &budgets) {
            Ok(Sealed::Written(files)) => {
                for f in files {
                    outcome
                        .stdout
                        .push_str(&format!("sealed {}\n", f.display()));
                }
            }
            Ok(Sealed::Unchanged) => {
                outcome
                    .stdout
                    .push_str(&format!("unchanged {} (chain verifies)\n", path.display()));
            }
            Ok(Sealed::Refused { message, .. }) => {
                outcome
                    .stderr
                    .push_str(&format!("CUS-S013 {}: {message}\n", path.display()));
                outcome.code = outcome.code.max(1);
            }
            Err(e) => {
                outcome.stderr.push_str(&format!("error: {e}\n"));
                outcome.code = 2;
            }
        }
    }
    outcome
}
