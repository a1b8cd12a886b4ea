//! Signed evidence heads (docs/bundle.md, "Signatures"): the message a signature covers, the verification
//! of each `evidence.head.signatures` entry against the run's allowed signers, and signing.
//!
//! The message is the RFC 8785 (JCS) serialisation of the session's who, where and when and of the evidence's
//! chain head and recording digest, every value as written in the bundle and `null` where absent. Signatures
//! are OpenSSH SSHSIG (`ssh-keygen -Y sign`) in the namespace [`NAMESPACE`]. Verification yields facts, one
//! per signature; the session policy (CUS-S022) decides.

use serde_json::{json, Value as Json};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::source::{Node, Value};
use crate::trust::allowed_signers::AllowedSigners;

/// The SSHSIG namespace of custody's signatures.
pub const NAMESPACE: &str = "custody";

/// The bytes a signature over `doc` covers.
pub fn message(doc: &Node) -> Vec<u8> {
    let get = |keys: &[&str]| doc.at(keys).map(Node::to_json).unwrap_or(Json::Null);
    let value = json!({
        "custody": "evidence/v1",
        "head": {
            "count": get(&["evidence", "head", "count"]),
            "hash": get(&["evidence", "head", "hash"]),
        },
        "identity": {
            "kind": get(&["identity", "kind"]),
            "onBehalfOf": get(&["identity", "onBehalfOf"]),
            "principal": get(&["identity", "principal"]),
        },
        "recording": get(&["evidence", "recording", "sha256"]),
        "session": {
            "end": get(&["session", "end"]),
            "id": get(&["session", "id"]),
            "interactive": get(&["session", "interactive"]),
            "start": get(&["session", "start"]),
            "target": get(&["session", "target"]),
            "workflow": get(&["session", "workflow"]),
        },
    });
    serde_json_canonicalizer::to_vec(&value).unwrap_or_default()
}

/// What verifying one signature found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The `signer` the entry names (`None`: absent or not a string).
    pub signer: Option<String>,
    /// The signing key's SHA-256 fingerprint (`SHA256:…`), when the signature could be read.
    pub fingerprint: Option<String>,
    /// Signed in the namespace `custody`, and the allowed signers entry permits that namespace.
    pub namespace_ok: bool,
    /// The allowed signers list the key for the signer.
    pub key_listed: bool,
    /// The listing is valid at the session's end.
    pub valid_at_end: bool,
    /// Everything holds and the signature matches the message.
    pub verified: bool,
    /// Why it did not verify: `malformed: …`, `wrong namespace`, `unknown key`, `not valid at the session
    /// end`, `signature does not match`, or `no allowed signers` (the run has none).
    pub why: Option<String>,
}

impl Verdict {
    fn failed(signer: Option<String>, why: String) -> Verdict {
        Verdict {
            signer,
            fingerprint: None,
            namespace_ok: false,
            key_listed: false,
            valid_at_end: false,
            verified: false,
            why: Some(why),
        }
    }

    /// As the policy input's `input.custody.signatures` item.
    pub fn to_rego(&self) -> regorus::Value {
        let opt = |v: &Option<String>| match v {
            Some(s) => regorus::Value::from(s.as_str()),
            None => regorus::Value::Null,
        };
        let mut map = std::collections::BTreeMap::new();
        let mut put = |k: &str, v: regorus::Value| {
            map.insert(regorus::Value::from(k), v);
        };
        put("signer", opt(&self.signer));
        put("fingerprint", opt(&self.fingerprint));
        put("namespace_ok", self.namespace_ok.into());
        put("key_listed", self.key_listed.into());
        put("valid_at_end", self.valid_at_end.into());
        put("verified", self.verified.into());
        put("why", opt(&self.why));
        regorus::Value::from(map)
    }
}

/// The session end as seconds since the epoch, when it is an RFC 3339 time.
fn session_end(doc: &Node) -> Option<i64> {
    let text = doc.at(&["session", "end"])?.as_str()?;
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Verify every entry of `evidence.head.signatures` (none when absent) against `trusted`.
pub fn verify(doc: &Node, trusted: Option<&AllowedSigners>) -> Vec<Verdict> {
    let Some(list) = doc.at(&["evidence", "head", "signatures"]) else {
        return Vec::new();
    };
    let Value::Seq(items) = &list.value else {
        return vec![Verdict::failed(
            None,
            "malformed: evidence.head.signatures is not a list".to_owned(),
        )];
    };
    let message = message(doc);
    let end = session_end(doc);
    items
        .iter()
        .map(|item| verify_one(item, &message, end, trusted))
        .collect()
}

fn verify_one(
    item: &Node,
    message: &[u8],
    end: Option<i64>,
    trusted: Option<&AllowedSigners>,
) -> Verdict {
    let signer = item.get("signer").and_then(Node::as_str).map(str::to_owned);
    let Some(name) = signer.clone() else {
        return Verdict::failed(None, "malformed: the entry has no signer".to_owned());
    };
    let Some(armored) = item.get("signature").and_then(Node::as_str) else {
        return Verdict::failed(
            signer,
            "malformed: the entry has no signature text".to_owned(),
        );
    };
    let sig = match SshSig::from_pem(armored.trim()) {
        Ok(s) => s,
        Err(e) => return Verdict::failed(signer, format!("malformed: not an SSH signature ({e})")),
    };
    let key = sig.public_key();
    let mut verdict = Verdict::failed(signer, String::new());
    verdict.fingerprint = Some(key.fingerprint(HashAlg::Sha256).to_string());
    let Some(trusted) = trusted else {
        verdict.why = Some("no allowed signers".to_owned());
        return verdict;
    };
    let listed: Vec<_> = trusted.listing(&name, key).collect();
    verdict.key_listed = !listed.is_empty();
    let in_namespace: Vec<_> = listed
        .iter()
        .filter(|e| e.allows_namespace(NAMESPACE))
        .collect();
    verdict.namespace_ok = sig.namespace() == NAMESPACE && !in_namespace.is_empty();
    verdict.valid_at_end = in_namespace.iter().any(|e| e.valid_at(end));
    let matches = PublicKey::from(key.clone())
        .verify(sig.namespace(), message, &sig)
        .is_ok();
    verdict.why = if sig.namespace() != NAMESPACE {
        Some(format!(
            "wrong namespace {:?} (custody signs in {NAMESPACE:?})",
            crate::sanitize::escape(sig.namespace())
        ))
    } else if !verdict.key_listed {
        Some("unknown key".to_owned())
    } else if !verdict.namespace_ok {
        Some("wrong namespace (the allowed signers entry excludes custody)".to_owned())
    } else if !verdict.valid_at_end {
        Some("key not valid at the session end".to_owned())
    } else if !matches {
        Some("signature does not match".to_owned())
    } else {
        None
    };
    verdict.verified = verdict.why.is_none();
    verdict
}

/// A signature by `key` over `doc`'s message, armored (`-----BEGIN SSH SIGNATURE-----`).
pub fn sign(doc: &Node, key: &PrivateKey) -> Result<String, ssh_key::Error> {
    let sig = key.sign(NAMESPACE, HashAlg::Sha512, &message(doc))?;
    sig.to_pem(LineEnding::LF)
}

/// Why a bundle could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{0}")]
    Bundle(String),
    #[error("cannot sign: {0}")]
    Key(#[from] ssh_key::Error),
}

fn bundle_error(message: impl Into<String>) -> SignError {
    SignError::Bundle(message.into())
}

/// `text` (a sealed YAML bundle) with a signature by `key` for `signer` added to `evidence.head.signatures`.
/// Nothing else changes: the entry is inserted as lines of its own, under `evidence.head` (a new
/// `signatures:` list after its last entry, or a new first item of an existing block list).
pub fn add_signature(text: &str, signer: &str, key: &PrivateKey) -> Result<String, SignError> {
    let budgets = crate::source::Budgets::default();
    let docs = crate::source::parse_documents(text, &budgets)
        .map_err(|e| bundle_error(format!("cannot read the bundle: {}", e.message)))?;
    let [doc] = docs.as_slice() else {
        return Err(bundle_error(
            "a bundle file to sign must hold one YAML document",
        ));
    };
    let evidence = doc
        .get("evidence")
        .ok_or_else(|| bundle_error("the bundle has no evidence: seal it first"))?;
    let Value::Map(entries) = &evidence.value else {
        return Err(bundle_error("evidence is not a mapping"));
    };
    let Some((head_key, head)) = entries.iter().find(|(k, _)| k.name == "head") else {
        return Err(bundle_error(
            "the bundle has no evidence.head: seal it first (custody seal)",
        ));
    };
    let Value::Map(head_entries) = &head.value else {
        return Err(bundle_error("evidence.head is not a mapping"));
    };
    let Some((first_key, _)) = head_entries.first() else {
        return Err(bundle_error("evidence.head is empty: seal it first"));
    };
    if first_key.pos.line == head_key.pos.line {
        return Err(bundle_error(
            "evidence.head is written in flow style ({…}): write it as a block mapping to sign the bundle",
        ));
    }
    let armored = sign(doc, key)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (at_line, dash_indent) = match head_entries.iter().find(|(k, _)| k.name == "signatures") {
        Some((k, list)) => {
            let Value::Seq(items) = &list.value else {
                return Err(bundle_error("evidence.head.signatures is not a list"));
            };
            match items.first() {
                Some(item) if item.pos.line > k.pos.line => {
                    (item.pos.line as usize - 1, item.pos.column.saturating_sub(3) as usize)
                }
                _ => {
                    return Err(bundle_error(
                        "evidence.head.signatures must be a block list (one `- signer:` item a line) to add a signature",
                    ))
                }
            }
        }
        None => {
            // After the last line of the head's block (the first later line indented no deeper than `head:`,
            // blank lines before it left after the insertion).
            let head_indent = head_key.pos.column as usize - 1;
            let start = head_key.pos.line as usize;
            let blank = |i: usize| lines[i].trim().is_empty();
            let mut end = (start..lines.len())
                .find(|&i| {
                    let l = lines[i].trim_end_matches(['\n', '\r']);
                    !blank(i) && l.len() - l.trim_start().len() <= head_indent
                })
                .unwrap_or(lines.len());
            while end > start && blank(end - 1) {
                end -= 1;
            }
            (end, usize::MAX)
        }
    };
    let entry_indent = first_key.pos.column as usize - 1;
    let mut block = String::new();
    let dash = if dash_indent == usize::MAX {
        block.push_str(&format!("{}signatures:\n", " ".repeat(entry_indent)));
        entry_indent
    } else {
        dash_indent
    };
    let pad = " ".repeat(dash);
    let quoted = serde_json::to_string(signer).unwrap_or_default();
    block.push_str(&format!("{pad}- signer: {quoted}\n{pad}  signature: |\n"));
    for line in armored.lines() {
        block.push_str(&format!("{pad}    {line}\n"));
    }
    let mut out = String::with_capacity(text.len() + block.len() + 1);
    for l in &lines[..at_line] {
        out.push_str(l);
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&block);
    for l in &lines[at_line..] {
        out.push_str(l);
    }
    // The result must read back with the new signature verifying over the same message.
    let check = crate::source::parse_documents(&out, &budgets).map_err(|e| {
        bundle_error(format!(
            "internal: the signed bundle does not parse: {}",
            e.message
        ))
    })?;
    let ok = check.first().is_some_and(|d| {
        message(d) == message(doc)
            && matches!(&d.at(&["evidence", "head", "signatures"]).map(|n| &n.value), Some(Value::Seq(items))
                if items.iter().any(|i| i.get("signature").and_then(Node::as_str).map(str::trim) == Some(armored.trim())))
    });
    if !ok {
        return Err(bundle_error(
            "internal: the signature could not be added without changing the bundle",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        crate::source::parse_documents(text, &crate::source::Budgets::default())
            .unwrap()
            .remove(0)
    }

    #[test]
    fn the_message_is_canonical_and_nulls_absent_values() {
        let d = doc("session: {workflow: w, id: s, end: 2026-11-20T10:41:00Z}\nevidence: {head: {hash: ab, count: 2}}\n");
        let text = String::from_utf8(message(&d)).unwrap();
        assert_eq!(
            text,
            r#"{"custody":"evidence/v1","head":{"count":2,"hash":"ab"},"identity":{"kind":null,"onBehalfOf":null,"principal":null},"recording":null,"session":{"end":"2026-11-20T10:41:00Z","id":"s","interactive":null,"start":null,"target":null,"workflow":"w"}}"#
        );
    }

    #[test]
    fn a_signature_custody_makes_verifies_and_tampering_breaks_it() {
        let key = PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]));
        let pubkey = key.public_key().to_openssh().unwrap();
        let trusted = AllowedSigners::parse("as", &format!("rec@pam {pubkey}\n")).unwrap();
        let base =
            "session: {id: s, end: 2026-11-20T10:41:00Z}\nevidence: {head: {hash: ab, count: 2}}\n";
        let armored = sign(&doc(base), &key).unwrap();
        let with = |text: &str| {
            let mut d = doc(text);
            let sigs = doc(&format!(
                "- {{signer: rec@pam, signature: {:?}}}\n",
                armored
            ));
            if let Value::Map(entries) = &mut d
                .get_mut("evidence")
                .unwrap()
                .get_mut("head")
                .unwrap()
                .value
            {
                entries.push((
                    crate::source::Key {
                        name: "signatures".into(),
                        pos: Default::default(),
                    },
                    sigs,
                ));
            }
            d
        };
        let ok = verify(&with(base), Some(&trusted));
        assert_eq!(ok.len(), 1);
        assert!(ok[0].verified, "{ok:?}");
        let bad = verify(&with(&base.replace("count: 2", "count: 3")), Some(&trusted));
        assert_eq!(bad[0].why.as_deref(), Some("signature does not match"));
        let other = AllowedSigners::parse("as", &format!("someone {pubkey}\n")).unwrap();
        assert_eq!(
            verify(&with(base), Some(&other))[0].why.as_deref(),
            Some("unknown key")
        );
        let late =
            AllowedSigners::parse("as", &format!("rec@pam valid-before=20260101 {pubkey}\n"))
                .unwrap();
        assert!(!verify(&with(base), Some(&late))[0].valid_at_end);
    }
}

#[cfg(test)]
mod add_tests {
    use super::*;

    #[test]
    fn adding_signatures_changes_no_other_byte() {
        let key = PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[9; 32]));
        let text = "session: {id: s, end: 2026-11-20T10:41:00Z}\nevidence:\n  head:\n    hash: ab\n    count: 2\n# tail\nretention: {}\n";
        let once = add_signature(text, "rec@pam", &key).unwrap();
        assert!(once.starts_with("session: {id: s, end: 2026-11-20T10:41:00Z}\nevidence:\n  head:\n    hash: ab\n    count: 2\n    signatures:\n    - signer: \"rec@pam\"\n"), "{once}");
        assert!(
            once.ends_with("-----END SSH SIGNATURE-----\n# tail\nretention: {}\n"),
            "{once}"
        );
        let twice = add_signature(&once, "reviewer", &key).unwrap();
        let d = crate::source::parse_documents(&twice, &Default::default())
            .unwrap()
            .remove(0);
        let trusted = AllowedSigners::parse(
            "as",
            &format!(
                "rec@pam,reviewer {}\n",
                key.public_key().to_openssh().unwrap()
            ),
        )
        .unwrap();
        let verdicts = verify(&d, Some(&trusted));
        assert_eq!(verdicts.len(), 2);
        assert!(verdicts.iter().all(|v| v.verified), "{verdicts:?}");
        assert_eq!(verdicts[0].signer.as_deref(), Some("reviewer"));
        let flow = "evidence: {head: {hash: ab, count: 2}}\n";
        assert!(add_signature(flow, "x", &key).is_err());
    }
}
