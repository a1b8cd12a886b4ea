//! Signed evidence (CUS-S022) against OpenSSH itself: signatures `ssh-keygen -Y sign` makes over custody's
//! message verify in `custody check`, edits after signing are caught, and allowed_signers options are honoured.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{bundle, manifest, root, run_json};

const SIGNER: &str = "recorder@pam-prod";

/// A directory with the TEST-ONLY example key (mode 0600, as ssh-keygen requires), the payments workflow
/// declaring `signers`, and the clean example bundle.
struct Case {
    dir: tempfile::TempDir,
    pubkey: String,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let keys = root().join("examples/keys");
        let key = dir.path().join("key");
        std::fs::copy(keys.join("test-only-ed25519"), &key).unwrap();
        set_private(&key);
        let pubkey = std::fs::read_to_string(keys.join("test-only-ed25519.pub")).unwrap();
        let workflow = manifest().replacen(
            "    immutable: true\n",
            &format!("    immutable: true\n    signers: [{SIGNER}]\n"),
            1,
        );
        assert!(workflow.contains("signers:"));
        std::fs::write(dir.path().join("workflow.yaml"), workflow).unwrap();
        Case {
            dir,
            pubkey: pubkey.trim().to_owned(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn allowed(&self, line_prefix: &str) {
        std::fs::write(
            self.path("allowed_signers"),
            format!("{line_prefix} {}\n", self.pubkey),
        )
        .unwrap();
    }

    /// `text` signed by ssh-keygen over custody's message, with the signature added under evidence.head.
    fn signed(&self, text: &str, namespace: &str) -> String {
        let doc = custody_engine::source::parse_documents(text, &Default::default())
            .unwrap()
            .remove(0);
        let message = custody_engine::evidence::signature::message(&doc);
        std::fs::write(self.path("message"), &message).unwrap();
        let _ = std::fs::remove_file(self.path("message.sig"));
        let out = Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-f"])
            .arg(self.path("key"))
            .args(["-n", namespace])
            .arg(self.path("message"))
            .output()
            .expect("ssh-keygen runs (.ci/run installs openssh-client)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sig = std::fs::read_to_string(self.path("message.sig")).unwrap();
        let block: String = sig.lines().map(|l| format!("        {l}\n")).collect();
        let anchor = "    count: 4\n";
        assert!(text.contains(anchor));
        text.replacen(
            anchor,
            &format!(
                "{anchor}    signatures:\n    - signer: {SIGNER}\n      signature: |\n{block}"
            ),
            1,
        )
    }

    fn check(&self, text: &str) -> (i32, Vec<String>, String) {
        std::fs::write(self.path("bundle.yaml"), text).unwrap();
        let run = run_json(
            self.dir.path(),
            &[
                "check",
                "--workflows",
                "workflow.yaml",
                "--allowed-signers",
                "allowed_signers",
                "bundle.yaml",
            ],
        );
        let mut rules = run.rules();
        rules.sort();
        (run.code, rules, run.messages())
    }
}

#[cfg(unix)]
fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[cfg(not(unix))]
fn set_private(_: &Path) {}

#[test]
fn an_ssh_keygen_signature_verifies_and_every_edit_after_signing_is_caught() {
    let case = Case::new();
    case.allowed(SIGNER);
    let signed = case.signed(&bundle(), "custody");
    assert_eq!(case.check(&signed).0, 0, "{}", case.check(&signed).2);
    assert_eq!(case.check(&bundle()).1, ["CUS-S022"], "an unsigned bundle");
    let edits = [
        (
            "    count: 4\n",
            "    count: 3\n",
            &["CUS-S013", "CUS-S022"][..],
        ),
        (
            "  end: \"2026-11-20T10:41:00Z\"",
            "  end: \"2026-11-20T10:40:00Z\"",
            &["CUS-S022"],
        ),
        ("sha256: 5690b8a9", "sha256: 6690b8a9", &["CUS-S022"]),
        ("SELECT count(*)", "SELECT count(1)", &["CUS-S013"]),
        (
            "  principal: alex.kim\n  kind: human",
            "  principal: sam.lee\n  kind: human",
            &["CUS-S022"],
        ),
        (
            "  id: sess-20261120-0007\n  workflow:",
            "  id: sess-20261120-0008\n  workflow:",
            &["CUS-S013", "CUS-S022"],
        ),
    ];
    for (from, to, want) in edits {
        assert!(signed.contains(from), "{from}");
        let (code, rules, messages) = case.check(&signed.replacen(from, to, 1));
        assert_eq!(code, 1, "{from} → {to}");
        // Other rules may judge the edited values too; the evidence rules are what this test is about.
        let rules: Vec<_> = rules
            .into_iter()
            .filter(|r| r == "CUS-S013" || r == "CUS-S022")
            .collect();
        assert_eq!(rules, want, "{from} → {to}: {messages}");
        if want.contains(&"CUS-S022") {
            assert!(messages.contains("signature does not match"), "{messages}");
        }
    }
    let garbled = signed.replacen(
        "        -----BEGIN SSH SIGNATURE-----\n        U1NIU0lH",
        "        -----BEGIN SSH SIGNATURE-----\n        XXXXXXXX",
        1,
    );
    assert_ne!(garbled, signed);
    let (code, rules, messages) = case.check(&garbled);
    assert_eq!((code, rules), (1, vec!["CUS-S022".to_owned()]));
    assert!(messages.contains("malformed"), "{messages}");
}

#[test]
fn allowed_signers_options_are_honoured() {
    let case = Case::new();
    let signed = case.signed(&bundle(), "custody");
    let cases = [
        ("recorder@*", None),
        ("\"other,recorder@pam-*\" namespaces=\"git,custody\"", None),
        (
            "recorder@pam-prod valid-after=20261120,valid-before=20261120104100Z",
            None,
        ),
        (
            "recorder@pam-prod namespaces=\"git\"",
            Some("wrong namespace"),
        ),
        (
            "recorder@pam-prod valid-before=20261120",
            Some("key not valid at the session end"),
        ),
        (
            "recorder@pam-prod valid-after=\"202611201042\"",
            Some("key not valid at the session end"),
        ),
        ("*,!recorder@*", Some("unknown key")),
        ("someone-else", Some("unknown key")),
    ];
    for (line, why) in cases {
        case.allowed(line);
        let (code, rules, messages) = case.check(&signed);
        match why {
            None => assert_eq!(code, 0, "{line}: {messages}"),
            Some(why) => {
                assert_eq!(rules, ["CUS-S022"], "{line}");
                assert!(messages.contains(why), "{line}: {messages}");
            }
        }
    }
    let other_namespace = case.signed(&bundle(), "git");
    case.allowed(SIGNER);
    assert!(case
        .check(&other_namespace)
        .2
        .contains("wrong namespace \"git\""));
}

#[test]
fn a_workflow_with_signers_needs_allowed_signers_and_a_bad_file_names_its_line() {
    let case = Case::new();
    std::fs::write(case.path("bundle.yaml"), bundle()).unwrap();
    let run = run_json(
        case.dir.path(),
        &["check", "--workflows", "workflow.yaml", "bundle.yaml"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("payments-db-admin") && run.stderr.contains("--allowed-signers"),
        "{}",
        run.stderr
    );
    std::fs::write(
        case.path("allowed_signers"),
        format!(
            "# ok\n{SIGNER} {}\n*@ca cert-authority {}\n",
            case.pubkey, case.pubkey
        ),
    )
    .unwrap();
    let run = run_json(
        case.dir.path(),
        &[
            "check",
            "--workflows",
            "workflow.yaml",
            "--allowed-signers",
            "allowed_signers",
            "bundle.yaml",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("allowed_signers:3: cert-authority"),
        "{}",
        run.stderr
    );
    let run = run_json(
        case.dir.path(),
        &[
            "check",
            "--workflows",
            "workflow.yaml",
            "--allowed-signers",
            "missing",
            "bundle.yaml",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
}

#[test]
fn trust_allowed_signers_in_the_config_is_relative_to_the_config_file() {
    let case = Case::new();
    case.allowed(SIGNER);
    let signed = case.signed(&bundle(), "custody");
    std::fs::write(case.path("bundle.yaml"), signed).unwrap();
    std::fs::create_dir(case.path("elsewhere")).unwrap();
    std::fs::write(
        case.path(".custody.yaml"),
        "trust:\n  allowedSigners: allowed_signers\n",
    )
    .unwrap();
    let run = run_json(
        &case.path("elsewhere"),
        &[
            "check",
            "--config",
            "../.custody.yaml",
            "--workflows",
            "../workflow.yaml",
            "../bundle.yaml",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stderr, run.messages());
}

#[test]
fn the_signed_examples_pass_and_fail_as_documented() {
    let run = |bundle: &str| {
        run_json(
            &root(),
            &[
                "check",
                "--workflows",
                "examples/workflows",
                "--allowed-signers",
                "examples/keys/allowed_signers",
                bundle,
            ],
        )
    };
    let signed = run("examples/keys/bundles/signed.yaml");
    assert_eq!(signed.code, 0, "{}{}", signed.stderr, signed.messages());
    let broken = run("examples/keys/bundles/signature-no-longer-matches.yaml");
    assert_eq!(
        (broken.code, broken.rules()),
        (1, vec!["CUS-S022".to_owned()])
    );
    assert!(broken.messages().contains("signature does not match"));
    // The same message and signature verify with OpenSSH itself.
    let text = std::fs::read_to_string(root().join("examples/keys/bundles/signed.yaml")).unwrap();
    let doc = custody_engine::source::parse_documents(&text, &Default::default())
        .unwrap()
        .remove(0);
    let dir = tempfile::tempdir().unwrap();
    let message = custody_engine::evidence::signature::message(&doc);
    let sig = doc
        .at(&["evidence", "head", "signatures"])
        .and_then(|s| match &s.value {
            custody_engine::source::Value::Seq(items) => items[0].get("signature")?.as_str(),
            _ => None,
        })
        .unwrap();
    std::fs::write(dir.path().join("sig"), sig).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(root().join("examples/keys/allowed_signers"))
        .args([
            "-I",
            SIGNER,
            "-n",
            "custody",
            "-Overify-time=20261120104100Z",
            "-s",
        ])
        .arg(dir.path().join("sig"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&message)?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `ssh-keygen -Y verify` of the first signature of `bundle_text` for SIGNER at the session end.
fn openssh_verifies(dir: &Path, bundle_text: &str, allowed: &Path, index: usize) -> (bool, String) {
    let doc = custody_engine::source::parse_documents(bundle_text, &Default::default())
        .unwrap()
        .remove(0);
    let message = custody_engine::evidence::signature::message(&doc);
    let sig = match &doc.at(&["evidence", "head", "signatures"]).unwrap().value {
        custody_engine::source::Value::Seq(items) => items[index]
            .get("signature")
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned(),
        _ => panic!("signatures is a list"),
    };
    std::fs::write(dir.join("sig"), sig).unwrap();
    std::fs::write(dir.join("message"), &message).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(allowed)
        .args([
            "-I",
            SIGNER,
            "-n",
            "custody",
            "-Overify-time=20261120104100Z",
            "-s",
        ])
        .arg(dir.join("sig"))
        .stdin(std::fs::File::open(dir.join("message")).unwrap())
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn seal_sign_writes_signatures_openssh_verifies_and_changes_no_other_byte() {
    let case = Case::new();
    // A fixed TEST-ONLY P-256 key: ssh-key 0.6 cannot read the rare OpenSSH ECDSA key whose private scalar
    // starts with a zero byte, so a freshly generated key would make this test flaky.
    let fixtures = root().join("tests/fixtures/signing");
    std::fs::copy(fixtures.join("test-only-p256"), case.path("p256")).unwrap();
    set_private(&case.path("p256"));
    let p256_pub = std::fs::read_to_string(fixtures.join("test-only-p256.pub")).unwrap();
    std::fs::write(
        case.path("allowed_signers"),
        format!("{SIGNER} {}\n{SIGNER} {}", case.pubkey, p256_pub.trim()),
    )
    .unwrap();
    let original = bundle();
    std::fs::write(case.path("bundle.yaml"), &original).unwrap();
    for key in ["key", "p256"] {
        let out = crate::common::custody(case.dir.path())
            .args(["seal", "bundle.yaml", "--sign", key, "--signer", SIGNER])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let signed = std::fs::read_to_string(case.path("bundle.yaml")).unwrap();
    // Only lines were added, all of them under evidence.head after its count.
    let (before, after) = original.split_at(original.find("retention:\n").unwrap());
    assert!(signed.starts_with(before) && signed.ends_with(after));
    for index in [0, 1] {
        let (ok, said) = openssh_verifies(
            case.dir.path(),
            &signed,
            &case.path("allowed_signers"),
            index,
        );
        assert!(ok, "signature {index}: {said}");
    }
    assert_eq!(case.check(&signed).0, 0, "{}", case.check(&signed).2);
    // Without --signer, --sign is refused by the argument parser.
    let out = crate::common::custody(case.dir.path())
        .args(["seal", "bundle.yaml", "--sign", "key"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
