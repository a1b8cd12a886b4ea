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
