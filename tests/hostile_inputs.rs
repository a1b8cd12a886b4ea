//! Hostile input, part two (part one is `tests/hostile.rs`): every budget named in its `CUS-P001`, schema-level
//! hostility (regexes, globs, timestamps, numbers), filesystem hostility (symlinks, FIFOs, devices), closed
//! pipes and hostile Rego. Each case asserts its exit code, a clear message, no panic, and bounded time and
//! memory (see `crate::common::run_full`). Large inputs are generated here, never committed.

use std::path::Path;

use crate::common::{bundle, manifest, run_full, run_json, NOW};

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, body).unwrap();
}

/// `custody ARGS` (JSON report) in `dir` finds an input problem (exit 1) whose message contains `needle`.
fn expect_problem(dir: &Path, args: &[&str], needle: &str) {
    let r = run_json(dir, args);
    assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
    assert!(r.messages().contains(needle), "{}", r.messages());
}

fn workflows(dir: &Path) {
    write(dir, "w/payments.yaml", manifest());
}

#[test]
fn every_parser_budget_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Deep nesting: the default depth budget, and no stack overflow just under it (depth 40 must not abort).
    let deep = format!(
        "apiVersion: custody/v1\nkind: Workflow\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(d, "deep.yaml", deep);
    expect_problem(
        d,
        &["validate", "deep.yaml"],
        "nesting-depth budget of 128 (limits.maxDepth)",
    );
    for depth in [40, 127] {
        let nested = format!(
            "apiVersion: custody/v1\nkind: Workflow\nmetadata: {{id: deep}}\nx: {}1{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        write(d, "nested.yaml", nested);
        let r = run_json(d, &["validate", "nested.yaml"]);
        assert_eq!(r.code, 1, "depth {depth}: {}", r.stderr);
        assert!(r.rules().iter().all(|r| r == "CUS-P002"), "depth {depth}");
    }
    // Alias bomb.
    let mut bomb = String::from(
        "apiVersion: custody/v1\nkind: Workflow\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..14 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{p}"); 10].join(", ")
        ));
    }
    write(d, "bomb.yaml", bomb);
    expect_problem(d, &["validate", "bomb.yaml"], "limits.maxAliasEvents");
    // Configured node and document budgets.
    write(
        d,
        "cfg/.custody.yaml",
        "limits: {maxNodes: 100, maxDocuments: 10}\n",
    );
    write(d, "cfg/one.yaml", manifest());
    let many: String = (0..20).map(|i| format!("---\nn: {i}\n")).collect();
    write(d, "cfg/many.yaml", many);
    let r = run_json(&d.join("cfg"), &["validate", "one.yaml", "many.yaml"]);
    assert_eq!(r.code, 1);
    let messages = r.messages();
    assert!(
        messages.contains("node budget of 100 (limits.maxNodes)"),
        "{messages}"
    );
    assert!(
        messages.contains("document budget of 10 (limits.maxDocuments)"),
        "{messages}"
    );
}

#[test]
fn thousands_of_documents_and_empty_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let one = manifest();
    let mut many = String::with_capacity(one.len() * 3000);
    for i in 0..3000 {
        many.push_str("---\n");
        many.push_str(&one.replace(
            "id: payments-db-admin",
            &format!("id: payments-db-admin-{i}"),
        ));
    }
    write(d, "many.yaml", many);
    let r = run_json(d, &["validate", "many.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["summary"]["documents"], 3000);
    // Empty and `---`-only files hold nothing to evaluate: exit 2 with a message, or 0 under --allow-empty.
    write(d, "empty.yaml", "");
    write(d, "dashes.yaml", "---\n---\n");
    let r = run_json(d, &["validate", "empty.yaml", "dashes.yaml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no workflow document found"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["summary"]["files"], 2);
    let r = run_json(
        d,
        &["validate", "empty.yaml", "dashes.yaml", "--allow-empty"],
    );
    assert_eq!(r.code, 0);
}

#[test]
fn schema_level_hostility_is_p002() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    workflows(d);
    let m = manifest();
    write(
        d,
        "re.yaml",
        m.replace(r#"pattern: "^CHG[0-9]{7}$""#, r#"pattern: "^CHG[0-9{7}$(""#),
    );
    write(
        d,
        "glob.yaml",
        m.replace(
            r#"hosts: ["pgdb-prod-*.payments.example.com"]"#,
            r#"hosts: ["pgdb-{prod"]"#,
        ),
    );
    // A glob of 6 MB (within the file-size budget) made globset panic: now a glob over 4,096 characters is
    // not a valid glob.
    let alternates: Vec<String> = (0..400_000).map(|i| format!("a{i}*b[xyz]?")).collect();
    write(
        d,
        "huge-glob.yaml",
        m.replace(
            r#"hosts: ["pgdb-prod-*.payments.example.com"]"#,
            &format!(r#"hosts: ["{{{}}}"]"#, alternates.join(",")),
        ),
    );
    for (file, needle) in [
        ("re.yaml", "not a valid regex"),
        ("glob.yaml", "not a valid glob"),
        ("huge-glob.yaml", "longer than 4096 characters"),
    ] {
        let r = run_json(d, &["validate", file]);
        assert_eq!(r.code, 1, "{file}");
        assert_eq!(r.rules(), ["CUS-P002"], "{file}");
        assert!(r.messages().contains(needle), "{file}: {}", r.messages());
    }
    let b = bundle();
    let start = r#"start: "2026-11-20T10:02:00Z""#;
    let cases = [
        ("ts-words.yaml", b.replace(start, r#"start: "yesterday""#)),
        (
            "ts-no-offset.yaml",
            b.replace(start, r#"start: "2026-11-20T10:02:00""#),
        ),
        (
            "big-int.yaml",
            b.replace(
                "  id: sess-20261120-0007\n  workflow",
                "  id: 99999999999999999999999\n  workflow",
            ),
        ),
        (
            "float.yaml",
            b.replace(
                "identity:\n  principal: alex.kim",
                "identity:\n  principal: 1.5e300",
            ),
        ),
        (
            "int-range.yaml",
            b.replace("  - seq: 1\n", "  - seq: 9007199254740993\n"),
        ),
    ];
    for (file, body) in cases {
        assert!(body != b, "{file}: the replacement applies");
        write(d, file, body);
        let r = run_json(d, &["check", "--workflows", "w", file]);
        assert_eq!(r.code, 1, "{file}: {}", r.stderr);
        assert!(
            r.rules().contains(&"CUS-P002".to_owned()),
            "{file}: {:?}",
            r.rules()
        );
    }
}

#[test]
fn events_and_line_length_budgets() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    workflows(d);
    write(
        d,
        ".custody.yaml",
        "limits: {maxEvents: 3, maxLineLength: 2KiB}\n",
    );
    let src = crate::common::root().join("examples/bundles/dir-session");
    std::fs::create_dir_all(d.join("b")).unwrap();
    for name in ["bundle.yaml", "session.cast"] {
        std::fs::copy(src.join(name), d.join("b").join(name)).unwrap();
    }
    let events = std::fs::read_to_string(src.join("events.jsonl")).unwrap();
    let first = events.lines().next().unwrap().to_owned();
    write(d, "b/events.jsonl", format!("{first}\n").repeat(5));
    expect_problem(
        d,
        &["check", "--workflows", "w", "b"],
        "events budget of 3 (limits.maxEvents)",
    );
    // An over-long events line.
    write(
        d,
        "b/events.jsonl",
        format!("{{\"pad\": \"{}\"}}\n", "x".repeat(4096)),
    );
    expect_problem(
        d,
        &["check", "--workflows", "w", "b"],
        "line-length budget of 2048 bytes (limits.maxLineLength)",
    );
    // Inline events count too.
    let mut inline = bundle();
    let at = inline.find("  events:\n").unwrap();
    inline.insert_str(at + "  events:\n".len(), &"  - {seq: 0}\n".repeat(4));
    write(d, "inline.yaml", inline);
    expect_problem(
        d,
        &["check", "--workflows", "w", "inline.yaml"],
        "limits.maxEvents",
    );
}

#[test]
fn an_endless_line_on_stdin_is_skipped_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    workflows(d);
    // 48 MiB without a newline: three times the default line budget, never held in memory whole.
    let mut stdin = vec![b'x'; 48 << 20];
    stdin.extend_from_slice(b"\n{\"apiVersion\": \"custody/v1\", \"kind\": \"SessionBun");
    let r = run_full(
        d,
        &[
            "check",
            "--workflows",
            "w",
            "-",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        Some(stdin),
        &[],
        false,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let messages = r.messages();
    assert!(
        messages.contains("line 1 exceeds the line-length budget"),
        "{messages}"
    );
    assert!(
        messages.contains("line 2 is not a JSON bundle"),
        "{messages}"
    );
    assert!(r.peak_kib < 256 * 1024, "peak {} KiB", r.peak_kib);
}

#[test]
fn stdin_truncated_mid_record_is_an_input_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    workflows(d);
    let line = serde_json::to_string(&serde_json::json!({"apiVersion": "custody/v1", "kind": "SessionBundle", "session": {"id": "s"}})).unwrap();
    let truncated = line[..line.len() / 2].to_owned();
    let r = run_full(
        d,
        &[
            "check",
            "--workflows",
            "w",
            "-",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        Some(truncated.into_bytes()),
        &[],
        false,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.rules(), ["CUS-P001"]);
}

#[test]
fn stdout_closed_early_on_a_report() {
    // `custody validate examples/invalid --format json | head -c 1`
    let out = std::process::Command::new("sh")
        .current_dir(crate::common::root())
        .arg("-c")
        .arg(format!(
            "'{}' validate examples/invalid --format json --now {NOW} | head -c 1 >/dev/null; exit ${{PIPESTATUS:-0}}",
            assert_cmd::cargo::cargo_bin("custody").display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The same with a pipe closed before anything is written.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("custody"))
        .current_dir(crate::common::root())
        .args([
            "validate",
            "examples/invalid",
            "--format",
            "json",
            "--now",
            NOW,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(101));
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {:?}",
        out.status
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[cfg(unix)]
#[test]
fn symlinks_fifos_and_devices() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    workflows(d);
    let mkfifo = |p: &Path| {
        assert!(std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap()
            .success());
    };
    // Named on the command line: a FIFO, a device, a symlink loop, a dangling link → exit 2, never a hang.
    mkfifo(&d.join("pipe.yaml"));
    std::os::unix::fs::symlink("loop-b.yaml", d.join("loop-a.yaml")).unwrap();
    std::os::unix::fs::symlink("loop-a.yaml", d.join("loop-b.yaml")).unwrap();
    std::os::unix::fs::symlink("gone.yaml", d.join("dangling.yaml")).unwrap();
    for target in ["pipe.yaml", "/dev/zero", "loop-a.yaml", "dangling.yaml"] {
        let r = run_json(d, &["validate", target]);
        assert_eq!(r.code, 2, "{target}: {}", r.stderr);
        assert!(
            r.stderr.contains(target.trim_start_matches("/dev/")),
            "{target}: {}",
            r.stderr
        );
        let r = run_json(d, &["check", "--workflows", "w", target]);
        assert_eq!(r.code, 2, "{target}: {}", r.stderr);
    }
    // Endless devices as config or data are read within a bound.
    for args in [["--config", "/dev/zero"], ["--data", "/dev/zero"]] {
        let r = run_json(d, &["validate", "w", args[0], args[1]]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
    // Inside a bundle directory: events as a FIFO, a recording linked out of the bundle → CUS-P001 on the
    // reference, the rest evaluated.
    let src = crate::common::root().join("examples/bundles/dir-session");
    std::fs::create_dir_all(d.join("b")).unwrap();
    std::fs::copy(src.join("bundle.yaml"), d.join("b/bundle.yaml")).unwrap();
    mkfifo(&d.join("b/events.jsonl"));
    std::os::unix::fs::symlink("/etc/passwd", d.join("b/session.cast")).unwrap();
    let r = run_json(d, &["check", "--workflows", "w", "b"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let messages = r.messages();
    assert!(
        messages.contains("`events.jsonl` is not a regular file"),
        "{messages}"
    );
    assert!(
        messages.contains("escapes the bundle directory through a symlink"),
        "{messages}"
    );
    // An unreadable file (only meaningful when not running as root).
    let secret = d.join("secret.yaml");
    std::fs::write(&secret, manifest()).unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    if std::fs::File::open(&secret).is_err() {
        let r = run_json(d, &["validate", "secret.yaml"]);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("secret.yaml"), "{}", r.stderr);
    }
}

#[test]
fn hostile_rego_is_a_policy_error_in_bounded_time() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "w.yaml", manifest());
    // Recursion: regorus would recurse until the stack overflows; custody rejects it up front.
    write(
        d,
        "rec/rec.rego",
        "package main\n\nf(x) := y if {\n\ty := g(x)\n}\n\ng(x) := f(x + 1)\n\ndeny contains msg if {\n\tf(1) > 0\n\tmsg := \"never\"\n}\n",
    );
    let r = run_json(d, &["validate", "w.yaml", "--policy", "rec"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("recursion is not allowed in Rego: f → g → f"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("rec.rego"), "{}", r.stderr);
    // Recursion across files and packages, through an import and a `data.` path.
    write(
        d,
        "cross/a.rego",
        "package acme.a\n\nimport data.acme.b\n\nx if b.y\n\ndeny contains \"never\" if x\n",
    );
    write(d, "cross/b.rego", "package acme.b\n\ny if data.acme.a.x\n");
    let r = run_json(d, &["validate", "w.yaml", "--policy", "cross"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("recursion is not allowed in Rego: acme.a.x → acme.b.y → acme.a.x"),
        "{}",
        r.stderr
    );
    // Huge work: 10^12 iterations end at the evaluation time budget.
    write(
        d,
        "slow/slow.rego",
        "package main\n\ndeny contains msg if {\n\tn := count([1 | some x in numbers.range(1, 1000000); some y in numbers.range(1, 1000000)])\n\tn > 0\n\tmsg := \"never\"\n}\n",
    );
    write(d, ".custody.yaml", "limits: {maxEvalSeconds: 1}\n");
    let r = run_json(d, &["validate", "w.yaml", "--policy", "slow"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("time limit"), "{}", r.stderr);
    assert!(r.stderr.contains("limits.maxEvalSeconds"), "{}", r.stderr);
    // One limit for the document: running out of it ends the evaluation, reported once, instead of each
    // rule set being tried again on its own with a fresh limit.
    assert_eq!(
        r.stderr.matches("ran past its time limit").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(r.elapsed.as_secs() < 30, "{:?}", r.elapsed);
    assert_eq!(r.json()["summary"]["documents"], 1);
}
