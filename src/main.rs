//! The `custody` binary: parse arguments, run the command, print, exit with its code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;

// Policy evaluation allocates and frees many small values; mimalloc measured faster than the system
// allocator on it (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How writing one stream ended.
enum Written {
    Done,
    /// The reader went away (`custody … | head -1`): the run ends quietly.
    BrokenPipe,
    Failed(std::io::Error),
}

fn write_stream(mut out: impl Write, text: &[u8]) -> Written {
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => Written::Done,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Written::BrokenPipe,
        Err(e) => Written::Failed(e),
    }
}

/// Write the outcome and map it to the exit code. A report that could not be delivered is never a pass: a
/// closed pipe on stdout ends the run quietly with 2, any other write failure (a full disk) with 2 and a
/// message on stderr, as far as stderr still takes one.
fn deliver(outcome: &commands::Outcome) -> ExitCode {
    let stdout = write_stream(std::io::stdout().lock(), outcome.stdout.as_bytes());
    if let Written::BrokenPipe = stdout {
        return ExitCode::from(2);
    }
    let stderr = write_stream(std::io::stderr().lock(), outcome.stderr.as_bytes());
    let mut code = outcome.code;
    if let Written::Failed(e) = stdout {
        let message = format!("error: cannot write to standard output: {e}\n");
        let _ = write_stream(std::io::stderr().lock(), message.as_bytes());
        code = 2;
    }
    if let Written::Failed(_) = stderr {
        code = 2;
    }
    ExitCode::from(code)
}

/// A progress bar for long `check` runs: only on a terminal, in human output, without --quiet.
fn progress_bar(cli: &cli::Cli) -> Option<indicatif::ProgressBar> {
    use cli::{Command, Format};
    let Command::Check(args) = &cli.command else {
        return None;
    };
    if args.evaluation.quiet
        || args.evaluation.format != Format::Human
        || !std::io::IsTerminal::is_terminal(&std::io::stderr())
    {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} bundles checked ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

fn main() -> ExitCode {
    // With RUST_BACKTRACE set, anyhow captures a backtrace for every error value, and the policy engine
    // creates (and handles) such errors while it loads policies: milliseconds per run for nothing a user
    // sees. Panics keep their backtraces (they read RUST_BACKTRACE, not RUST_LIB_BACKTRACE).
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors go to stderr with 2; --help and --version to stdout with 0 (2 if that fails).
            let code = if e.use_stderr() { 2 } else { 0 };
            return match e.print() {
                Ok(()) => ExitCode::from(code),
                Err(failed) if failed.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::from(code)
                }
                Err(failed) => {
                    if !e.use_stderr() {
                        let message = format!("error: cannot write to standard output: {failed}\n");
                        let _ = write_stream(std::io::stderr().lock(), message.as_bytes());
                    }
                    ExitCode::from(2)
                }
            };
        }
    };
    let bar = progress_bar(&cli);
    let progress = bar.clone().map(|bar| {
        std::sync::Arc::new(move |n: u64| bar.inc(n)) as custody_engine::pipeline::run::Progress
    });
    // The work runs on a thread whose stack is sized for the nesting-depth budget; a panic anywhere in it is
    // an internal error (exit 2), never a crash that could read as anything but a failed run.
    let work = std::thread::Builder::new()
        .name("custody".to_owned())
        .stack_size(custody_engine::budget::STACK_SIZE)
        .spawn(move || commands::run(cli, progress))
        .map(|handle| handle.join());
    let outcome = match work {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) | Err(_) => commands::Outcome {
            stderr: "error: internal error: custody stopped unexpectedly; nothing was evaluated (please report the bug)\n".to_owned(),
            code: 2,
            ..Default::default()
        },
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    deliver(&outcome)
}
