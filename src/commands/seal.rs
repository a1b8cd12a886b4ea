//! `custody seal`: compute and write bundles' event hash chains and head anchors.

use super::{parse_now, Outcome};
use crate::cli::SealArgs;
use custody_engine::config::Config;
use custody_engine::evidence::signature;
use custody_engine::seal::Sealed;
use ssh_key::{Algorithm, EcdsaCurve, PrivateKey};
use std::path::{Path, PathBuf};

pub(super) fn run(args: &SealArgs) -> Outcome {
    if let Err(e) = parse_now(args.now.as_deref()) {
        return Outcome::usage(e);
    }
    // The configuration's limits bound what seal reads, as they bound what check reads: a bundle check
    // accepts can be sealed, and one over the limits is refused.
    let budgets = match Config::discover(args.config.as_deref()) {
        Ok(config) => config.budgets(),
        Err(e) => return Outcome::diagnostic(&e),
    };
    let key = match &args.sign {
        Some(file) => match signing_key(file) {
            Ok(k) => Some(k),
            Err(e) => return Outcome::usage(e),
        },
        None => None,
    };
    let mut outcome = Outcome::default();
    for path in &args.bundles {
        match custody_engine::seal::seal(path, args.reseal, &budgets) {
            Ok(Sealed::Written(files)) => {
                for f in files {
                    outcome
                        .stdout
                        .push_str(&format!("sealed {}\n", f.display()));
                }
            }
            Ok(Sealed::Unchanged) => {
                outcome
                    .stdout
                    .push_str(&format!("unchanged {} (chain verifies)\n", path.display()));
            }
            Ok(Sealed::Refused { message, .. }) => {
                outcome
                    .stderr
                    .push_str(&format!("CUS-S013 {}: {message}\n", path.display()));
                outcome.code = outcome.code.max(1);
            }
            Err(e) => {
                outcome.stderr.push_str(&format!("error: {e}\n"));
                outcome.code = 2;
                continue;
            }
        }
        if let (Some(key), Some(signer)) = (&key, &args.signer) {
            match sign(path, key, signer) {
                Ok(file) => outcome
                    .stdout
                    .push_str(&format!("signed {} as {signer}\n", file.display())),
                Err(e) => {
                    outcome
                        .stderr
                        .push_str(&format!("error: {}: {e}\n", path.display()));
                    outcome.code = 2;
                }
            }
        }
    }
    outcome
}

/// The private key of `seal --sign`: ed25519 or ECDSA P-256, decrypted with a passphrase read from the
/// terminal when it is encrypted.
fn signing_key(file: &Path) -> Result<PrivateKey, String> {
    let shown = file.display();
    let key = PrivateKey::read_openssh_file(file)
        .map_err(|e| format!("cannot read the private key {shown}: {e}"))?;
    let key = if key.is_encrypted() {
        let passphrase = rpassword::prompt_password(format!("passphrase for {shown}: ")).map_err(|e| {
            format!("the private key {shown} is encrypted and no passphrase could be read from a terminal ({e})")
        })?;
        key.decrypt(passphrase.as_bytes())
            .map_err(|_| format!("cannot decrypt the private key {shown}: wrong passphrase?"))?
    } else {
        key
    };
    match key.algorithm() {
        Algorithm::Ed25519
        | Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        } => Ok(key),
        other => Err(format!(
            "the private key {shown} is {other}: custody signs with ed25519 or ECDSA P-256 keys"
        )),
    }
}

/// Add a signature to the sealed bundle at `path` (a file, or a directory's bundle.yaml), atomically.
fn sign(path: &Path, key: &PrivateKey, signer: &str) -> Result<PathBuf, String> {
    let file = if path.is_dir() {
        path.join("bundle.yaml")
    } else {
        path.to_path_buf()
    };
    if file.extension().is_some_and(|e| e == "json") {
        return Err("signing writes YAML; a JSON bundle cannot be signed yet".to_owned());
    }
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let signed = signature::add_signature(&text, signer, key).map_err(|e| e.to_string())?;
    custody_engine::atomic::write_atomic(&file, signed.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}
