//! The `custody` binary: parse arguments, run the command, print, exit with its code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn write_quietly(mut out: impl Write, text: &str) -> bool {
    // A closed pipe (`custody … | head -1`) ends the run quietly.
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) => e.kind() != std::io::ErrorKind::BrokenPipe,
    }
}

fn main() -> ExitCode {
    let cli = match custody::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let outcome = custody::app::run(cli);
    if !write_quietly(std::io::stdout().lock(), &outcome.stdout) {
        return ExitCode::from(2);
    }
    let _ = write_quietly(std::io::stderr().lock(), &outcome.stderr);
    ExitCode::from(outcome.code)
}
