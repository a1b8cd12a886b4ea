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

fn write_quietly(mut out: impl Write, text: &str) -> bool {
    // A closed pipe (`custody … | head -1`) ends the run quietly.
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) => e.kind() != std::io::ErrorKind::BrokenPipe,
    }
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
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let bar = progress_bar(&cli);
    let progress = bar
        .clone()
        .map(|bar| std::sync::Arc::new(move |n: u64| bar.inc(n)) as custody_engine::run::Progress);
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
    if !write_quietly(std::io::stdout().lock(), &outcome.stdout) {
        return ExitCode::from(2);
    }
    let _ = write_quietly(std::io::stderr().lock(), &outcome.stderr);
    ExitCode::from(outcome.code)
}
