//! `custody man`: the man page (roff) generated from the command-line definition.

use super::Outcome;
use crate::cli::Cli;

pub(super) fn run() -> Outcome {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    match clap_mangen::Man::new(cmd).render(&mut buf) {
        Ok(()) => Outcome::printed(String::from_utf8_lossy(&buf).into_owned()),
        Err(e) => Outcome::usage(format!("cannot render the man page: {e}")),
    }
}
