//! Determinism: the same inputs and `--now` give byte-identical JSON and SARIF (and JUnit, GitHub) across runs
//! and across `--jobs 1` and `--jobs N`, for `validate` and `check`, valid and invalid examples alike.
//! (`tests/check_cli.rs` covers `validate examples`; this adds `check`, the invalid sets and every format.)

use crate::common::{run_full, NOW};

fn output(args: &[&str], format: &str, jobs: &str) -> Vec<u8> {
    let mut all = args.to_vec();
    all.extend(["--format", format, "--now", NOW, "--jobs", jobs]);
    let r = run_full(&crate::common::root(), &all, None, &[], false);
    assert!(r.code == 0 || r.code == 1, "{all:?}: {}", r.stderr);
    assert!(!r.stdout.is_empty());
    r.stdout
}

#[test]
fn byte_identical_across_runs_and_job_counts() {
    let commands: [&[&str]; 3] = [
        &["validate", "examples/workflows", "examples/invalid"],
        &[
            "check",
            "--workflows",
            "examples/workflows",
            "examples/bundles",
            "examples/bundles-invalid",
        ],
        &[
            "check",
            "--workflows",
            "examples/workflows",
            "examples/bundles-invalid",
            "--strict",
        ],
    ];
    for args in commands {
        for format in ["json", "sarif", "junit", "github"] {
            let one = output(args, format, "1");
            let four = output(args, format, "4");
            assert!(
                one == four,
                "{args:?} {format}: --jobs 1 and --jobs 4 differ"
            );
            let again = output(args, format, "4");
            assert!(four == again, "{args:?} {format}: two runs differ");
        }
    }
}
