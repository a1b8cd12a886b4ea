//! Corpus throughput of the engine's parts, for `bench/run` (not a criterion bench: `harness = false`).
//!
//!     cargo bench --bench throughput -- eval  session|workflow THREADS INPUTS.jsonl
//!     cargo bench --bench throughput -- chain EVENTS.jsonl SESSION_ID
//!     cargo bench --bench throughput -- profile session|workflow INPUTS.jsonl
//!
//! `eval` evaluates every built-in rule set on each policy input (as `--dump-inputs` writes them) on THREADS
//! threads, one prepared engine per thread — the policy part of `validate`/`check`, without reading files.
//! `chain` parses the events of one bundle and verifies their hash chain, and hashes the same bytes with raw
//! SHA-256 for the baseline. `profile` times each built-in rule file on its own (with the shared helpers)
//! and an empty rule set (the fixed cost of one evaluation), in microseconds per input; PROFILE_EXTRA adds a
//! directory of rule files to time, PROFILE_ONLY keeps the files whose path contains it. Each prints one
//! JSON object.

#![allow(clippy::print_stdout)] // the harness reports its figures on standard output, for bench/run

use std::collections::BTreeMap;
use std::time::Instant;

use custody_engine::document::DocumentKind;
use custody_engine::engine::{builtin_sources, data_document, Policies};

// The allocator the custody binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Policy inputs, one JSON object per line (as `--dump-inputs` writes them).
fn read_lines(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_input(line: &str) -> regorus::Value {
    regorus::Value::from_json_str(line).expect("each line is a JSON policy input")
}

fn read_inputs(path: &str) -> Vec<regorus::Value> {
    read_lines(path).iter().map(|l| parse_input(l)).collect()
}

fn eval(target: &str, threads: usize, path: &str) -> serde_json::Value {
    let target = match target {
        "session" => DocumentKind::SessionBundle,
        "workflow" => DocumentKind::Workflow,
        other => panic!("unknown target {other}: session or workflow"),
    };
    let lines = read_lines(path);
    assert!(!lines.is_empty(), "at least one input");
    // POLICY_DIR replaces the built-in rule sets (to compare variants of them on the same inputs).
    let sources = match std::env::var("POLICY_DIR") {
        Ok(dir) => custody_engine::engine::user_sources(&[std::path::PathBuf::from(dir)])
            .expect("POLICY_DIR policies"),
        Err(_) => builtin_sources(),
    };
    let policies = Policies::load(sources, data_document(&BTreeMap::new(), &[]), false)
        .expect("the built-in policies compile");
    // CUSTODY_ENGINE=interpreter|vm chooses the engine as for the binary (default: the VM, as for a corpus).
    let choice = match custody_engine::engine::EngineChoice::from_env() {
        custody_engine::engine::EngineChoice::Auto => custody_engine::engine::EngineChoice::Vm,
        other => other,
    };
    policies.prepare_vm(target, None, choice);
    // regorus's values belong to the thread that made them: each thread parses its share of the inputs (every
    // `threads`-th one) and warms its engine (preparation happens on the first evaluation), then all start
    // together. What is timed is from the first start to the last finish.
    let ready = std::sync::Barrier::new(threads);
    let (findings, failures, seconds) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (lines, ready, policies) = (&lines, &ready, &policies);
                std::thread::Builder::new()
                    .stack_size(custody_engine::budget::STACK_SIZE)
                    .spawn_scoped(scope, move || {
                        let mine: Vec<regorus::Value> = lines
                            .iter()
                            .skip(t)
                            .step_by(threads)
                            .map(|l| parse_input(l))
                            .collect();
                        let mut engine = policies.worker();
                        if let Some(first) = mine.first() {
                            let _ = policies.evaluate(&mut engine, first.clone(), target);
                        }
                        ready.wait();
                        let start = Instant::now();
                        let (mut f, mut e) = (0, 0);
                        for input in &mine {
                            let (found, failed) =
                                policies.evaluate(&mut engine, input.clone(), target);
                            f += found.len();
                            e += failed.len();
                        }
                        (f, e, start, Instant::now())
                    })
                    .expect("a worker thread")
            })
            .collect();
        let done: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("a worker"))
            .collect();
        let first = done.iter().map(|d| d.2).min().expect("a thread");
        let last = done.iter().map(|d| d.3).max().expect("a thread");
        let f = done.iter().map(|d| d.0).sum::<usize>();
        let e = done.iter().map(|d| d.1).sum::<usize>();
        (f, e, last.duration_since(first).as_secs_f64())
    });
    serde_json::json!({
        "engine": "custody", "vm": choice == custody_engine::engine::EngineChoice::Vm, "target": format!("{target:?}").to_lowercase(), "documents": lines.len(),
        "threads": threads, "seconds": seconds, "docs_per_s": lines.len() as f64 / seconds,
        "findings": findings, "failures": failures,
    })
}

/// Time each built-in rule file of a target on its own (its package plus the shared helpers), one thread:
/// where the policy part's time goes.
fn profile(target: &str, path: &str) -> serde_json::Value {
    let dir = format!("policies/{target}/");
    let tgt = if target == "session" {
        DocumentKind::SessionBundle
    } else {
        DocumentKind::Workflow
    };
    let inputs = read_inputs(path);
    let all: Vec<_> = builtin_sources()
        .into_iter()
        .filter(|s| !s.is_test())
        .collect();
    let shared: Vec<_> = all
        .iter()
        .filter(|s| !s.path.contains(&dir) || s.path.ends_with("lib.rego"))
        .cloned()
        .collect();
    let mut out = serde_json::Map::new();
    // The fixed cost of one evaluation: a rule set that never fires.
    let empty = custody_engine::engine::PolicySource {
        path: format!("(empty {target} rule set)"),
        text: format!("package custody.{target}.zz_empty\nimport rego.v1\ndeny contains f if {{ false; f := 1 }}\n"),
        builtin: false,
    };
    let files: Vec<_> = all
        .iter()
        .filter(|s| s.path.contains(&dir) && !s.path.ends_with("lib.rego"))
        .cloned()
        .chain([empty])
        .chain(
            std::env::var("PROFILE_EXTRA")
                .ok()
                .into_iter()
                .flat_map(|dir| {
                    custody_engine::engine::user_sources(&[std::path::PathBuf::from(dir)])
                        .expect("PROFILE_EXTRA policies")
                }),
        )
        .collect();
    let only = std::env::var("PROFILE_ONLY").unwrap_or_default();
    for file in files.iter().filter(|f| f.path.contains(&only)) {
        let mut sources = shared.clone();
        sources.push(file.clone());
        let policies = Policies::load(sources, data_document(&BTreeMap::new(), &[]), false)
            .expect("the built-in policies compile");
        policies.prepare_vm(tgt, None, custody_engine::engine::EngineChoice::from_env());
        let mut engine = policies.worker();
        let _ = policies.evaluate(&mut engine, inputs[0].clone(), tgt);
        let start = Instant::now();
        for input in &inputs {
            let _ = policies.evaluate(&mut engine, input.clone(), tgt);
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / inputs.len() as f64;
        out.insert(file.path.clone(), serde_json::json!(us));
    }
    serde_json::Value::Object(out)
}

fn chain(path: &str, session: &str) -> serde_json::Value {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    // The machine's raw SHA-256 over the same bytes, through the same library (SHA-NI when the CPU has it).
    let start = Instant::now();
    let digest = sha2::Sha256::digest(&bytes);
    let raw = start.elapsed().as_secs_f64();
    std::hint::black_box(digest);
    // The floor the chain itself sets: one SHA-256 per event over the previous hash, `\n` and the event's
    // bytes (the canonical form is about as long as the line), with no parsing or canonicalising at all.
    let start = Instant::now();
    let mut fold = 0u8;
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let mut hasher = sha2::Sha256::new();
        hasher.update([b'0'; 64]);
        hasher.update(b"\n");
        hasher.update(line);
        fold ^= hasher.finalize()[0];
    }
    let per_event = start.elapsed().as_secs_f64();
    std::hint::black_box(fold);
    // What `check` does with an events file: custody's JSON Lines reader builds the located tree, and the
    // chain is verified over that tree.
    let start = Instant::now();
    let budgets = custody_engine::source::Budgets::default();
    let events = custody_engine::evidence::bundle::parse_events(&bytes[..], path, &budgets)
        .unwrap_or_else(|(_, e)| panic!("{e}"));
    let parsed = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let result = custody_engine::evidence::chain::verify(session, &events, None);
    let verify = start.elapsed().as_secs_f64();
    assert!(
        result.verified(),
        "the chain does not verify: {:?}",
        result.failure
    );
    let mb = bytes.len() as f64 / 1e6;
    serde_json::json!({
        "events": events.len(), "bytes": bytes.len(),
        "verify_seconds": verify, "parse_seconds": parsed, "sha256_seconds": raw,
        "verify_mb_per_s": mb / verify, "parse_verify_mb_per_s": mb / (parsed + verify),
        "sha256_mb_per_s": mb / raw, "per_event_sha256_mb_per_s": mb / per_event,
    })
}

fn main() {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let out = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["eval", target, threads, path] => eval(target, threads.parse().expect("THREADS is a number"), path),
        ["profile", target, path] => profile(target, path),
        ["chain", path, session] => chain(path, session),
        [] => return, // `cargo bench` with no arguments: nothing to measure here
        other => panic!("usage: throughput eval session|workflow THREADS INPUTS.jsonl | profile session|workflow INPUTS.jsonl | chain EVENTS.jsonl SESSION_ID (got {other:?})"),
    };
    println!("{out}");
}
