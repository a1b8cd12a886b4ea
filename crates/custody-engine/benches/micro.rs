//! Micro-benchmarks (criterion): `cargo bench --bench micro`.
//!
//! - `load/manifest`: read a manifest into nodes with positions (YAML → value + position index);
//! - `locate/path`: the path → position lookup a finding needs;
//! - `eval/workflow`, `eval/bundle`: one document through every built-in rule set (the policy part only);
//! - `chain/verify`: hash-chain verification, reported per event.
//!
//! Whole-process and corpus throughput, and the comparison with OPA, are `bench/run`'s job.

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use custody_engine::document::DocumentKind;
use custody_engine::engine::{builtin_sources, data_document, EngineChoice, Policies};
use custody_engine::source::{Budgets, Step, Syntax};

// The allocator the custody binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MANIFEST: &str = include_str!("../../../examples/workflows/payments-db-admin.yaml");
const WORKFLOW_INPUT: &str = include_str!("data/workflow-input.json");
const BUNDLE_INPUT: &str = include_str!("data/bundle-input.json");

fn policies() -> Policies {
    Policies::load(
        builtin_sources(),
        data_document(&BTreeMap::new(), &[]),
        false,
    )
    .expect("the built-in policies compile")
}

fn load(c: &mut Criterion) {
    let budgets = Budgets::default();
    let mut group = c.benchmark_group("load");
    group.throughput(Throughput::Bytes(MANIFEST.len() as u64));
    group.bench_function("manifest", |b| {
        b.iter(|| {
            custody_engine::load::documents(
                "payments-db-admin.yaml",
                MANIFEST,
                Syntax::Yaml,
                &budgets,
            )
        })
    });
    group.finish();
    let (docs, _) =
        custody_engine::load::documents("payments-db-admin.yaml", MANIFEST, Syntax::Yaml, &budgets);
    let node = &docs[0].node;
    let path = [
        Step::Key("spec".into()),
        Step::Key("session".into()),
        Step::Key("commands".into()),
        Step::Key("deny".into()),
        Step::Index(1),
    ];
    c.bench_function("locate/path", |b| b.iter(|| node.locate(&path)));
}

fn eval(c: &mut Criterion) {
    let policies = policies();
    for (name, text, target, choice) in [
        (
            "eval/workflow",
            WORKFLOW_INPUT,
            DocumentKind::Workflow,
            EngineChoice::Interpreter,
        ),
        (
            "eval/bundle",
            BUNDLE_INPUT,
            DocumentKind::SessionBundle,
            EngineChoice::Interpreter,
        ),
        (
            "eval-vm/workflow",
            WORKFLOW_INPUT,
            DocumentKind::Workflow,
            EngineChoice::Vm,
        ),
        (
            "eval-vm/bundle",
            BUNDLE_INPUT,
            DocumentKind::SessionBundle,
            EngineChoice::Vm,
        ),
    ] {
        let input = regorus::Value::from_json_str(text).expect("the bench input is JSON");
        policies.prepare_vm(target, None, choice);
        let mut engine = policies.worker();
        c.bench_function(name, |b| {
            b.iter_batched(
                || input.clone(),
                |input| {
                    let (findings, failures) = policies.evaluate(&mut engine, input, target);
                    assert!(failures.is_empty(), "{failures:?}");
                    findings
                },
                BatchSize::SmallInput,
            )
        });
    }
}

fn chain(c: &mut Criterion) {
    let mut events: Vec<serde_json::Value> = (1..=1000)
        .map(|i| {
            serde_json::json!({
                "seq": i,
                "time": "2026-11-20T10:03:10Z",
                "type": "command",
                "principal": "alex.kim",
                "command": format!("psql -h pgdb-prod-2 -d payments -c 'SELECT {i} FROM pg_stat_activity'"),
            })
        })
        .collect();
    let head = custody_engine::evidence::chain::seal_events("sess-bench", &mut events);
    let mut group = c.benchmark_group("chain");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("verify", |b| {
        b.iter(|| {
            let r = custody_engine::evidence::chain::verify("sess-bench", &events, Some(&head));
            assert!(r.failure.is_none());
            r
        })
    });
    group.finish();
    // One event hashed the way custody does (integer fast path) and through the reference canonicalizer.
    let event = events[500].clone();
    let prev = "0".repeat(64);
    c.bench_function("chain/event-hash", |b| {
        b.iter(|| custody_engine::evidence::chain::event_hash(&prev, &event))
    });
    c.bench_function("chain/event-hash-reference", |b| {
        b.iter(|| {
            use sha2::Digest;
            let mut content = event.clone();
            if let Some(obj) = content.as_object_mut() {
                obj.remove("hash");
            }
            let canonical = serde_json_canonicalizer::to_vec(&content).unwrap_or_default();
            let mut h = sha2::Sha256::new();
            h.update(prev.as_bytes());
            h.update(b"\n");
            h.update(&canonical);
            h.finalize()
        })
    });
}

criterion_group!(benches, load, eval, chain);
criterion_main!(benches);
