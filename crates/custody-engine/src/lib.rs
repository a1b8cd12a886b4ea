//! custody's engine: policy-as-code for privileged-access accountability.
//!
//! It finds and parses workflow manifests and session bundles, evaluates them with the Rego policies, and
//! renders reports as text. It never prints, never exits and knows nothing of the terminal or the command
//! line: the `custody` binary (the repository's root package) does that.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod atomic;
pub mod baseline;
pub mod budget;
pub mod catalogue;
pub mod command_check;
pub mod config;
pub mod discover;
pub mod document;
pub mod engine;
pub mod evidence;
pub mod findings;
pub mod identity;
pub mod import;
pub mod load;
pub mod patterns;
pub mod pipeline;
pub mod report;
pub mod sanitize;
pub mod schema;
pub mod seal;
pub mod source;
pub mod trust;
pub mod units;
