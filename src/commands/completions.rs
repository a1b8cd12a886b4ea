//! `custody completions SHELL`: shell completions generated from the command-line definition.

use super::Outcome;
use crate::cli::Cli;

pub(super) fn run(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "custody", &mut buf);
    Outcome::printed(String::from_utf8_lossy(&buf).into_owned())
}
