//! Evidence of a session: the bundle that carries it ([`bundle`]: loading single files, bundle directories and
//! JSON Lines streams, following their references), the event hash chain ([`chain`], docs/hash-chain.md), the
//! recording's digest and cast ([`recording`]) and the recorded command lines ([`command_line`]). Mechanics
//! only: the verdicts are handed to the session policies as facts. The formats: docs/bundle.md.

use sha2::{Digest, Sha256};

pub mod bundle;
pub mod chain;
pub mod command_line;
pub mod recording;
pub mod signature;

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}
