//! custody's engine: policy-as-code for privileged-access accountability.
//!
//! It finds and parses workflow manifests and session bundles, evaluates them with the Rego policies, and
//! renders reports as text. It never prints, never exits and knows nothing of the terminal or the command
//! line: the `custody` binary (the repository's root package) does that.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod atomic;
pub mod budget;
pub mod bundle;
pub mod catalogue;
pub mod check;
pub mod command_line;
pub mod config;
pub mod document;
pub mod engine;
pub mod findings;
pub mod import;
pub mod inputs;
pub mod jsonline;
pub mod patterns;
pub mod report;
pub mod run;
pub mod schema;
pub mod seal;
pub mod source;
pub mod units;
pub mod validate;
pub mod yamlblock;
