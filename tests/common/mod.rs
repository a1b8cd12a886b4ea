//! Shared by the hostile-input, fail-closed, untouched and determinism tests: run the binary with a deadline
//! and measure its peak resident memory, so every case asserts bounded time and memory, not only its exit code.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const NOW: &str = "2026-11-25T12:00:00Z";

/// Hard ceiling per run (hostile inputs must end within 10 s in release; debug builds on a shared machine get
/// slack).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Every hostile input must stay under 1 GiB of peak memory.
pub const MAX_PEAK_KIB: u64 = 1024 * 1024;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `custody` run in `dir`, without colour: a command to add arguments to and assert on.
pub fn custody(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("custody").expect("binary builds");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

pub fn manifest() -> String {
    std::fs::read_to_string(root().join("examples/workflows/payments-db-admin.yaml")).unwrap()
}

pub fn bundle() -> String {
    std::fs::read_to_string(root().join("examples/bundles/clean-per-session.yaml")).unwrap()
}

/// What one run did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub peak_kib: u64,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or(serde_json::Value::Null)
    }

    pub fn rules(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["rule"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn messages(&self) -> String {
        let json = self.json();
        let mut out = String::new();
        for f in json["findings"].as_array().into_iter().flatten() {
            out.push_str(f["message"].as_str().unwrap_or(""));
            out.push('\n');
        }
        out
    }
}

fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run `custody ARGS` in `dir` with optional stdin and environment; assert it ended by itself within the
/// deadline, did not panic (exit 101 or a panic message) unless `allow_panic_text`, and stayed within the
/// memory ceiling.
pub fn run_full(
    dir: &Path,
    args: &[&str],
    stdin: Option<Vec<u8>>,
    env: &[(&str, &str)],
    allow_panic_text: bool,
) -> Run {
    let start = Instant::now();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("custody"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("CUSTODY_FAULT")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("custody starts");
    let pid = child.id();
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            // The child may stop reading early; a broken pipe here is expected.
            let _ = pipe.write_all(&bytes);
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("custody {args:?} did not end within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_thread.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap()).into_owned();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("custody {args:?} was killed by a signal: {status:?}\n{stderr}"));
    assert_ne!(code, 101, "custody {args:?} panicked:\n{stderr}");
    if !allow_panic_text {
        assert!(!stderr.contains("panicked"), "custody {args:?}:\n{stderr}");
    }
    assert!(
        peak <= MAX_PEAK_KIB,
        "custody {args:?} peaked at {peak} KiB (ceiling {MAX_PEAK_KIB} KiB)"
    );
    Run {
        code,
        stdout,
        stderr,
        peak_kib: peak,
        elapsed: start.elapsed(),
    }
}

/// `custody ARGS --format json --now NOW` in `dir`.
pub fn run_json(dir: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json", "--now", NOW]);
    run_full(dir, &all, None, &[], false)
}
