//! custody's engine: policy-as-code for privileged-access accountability.
//!
//! It finds and parses workflow manifests and session bundles, evaluates them with the Rego policies, and
//! renders reports as text. It never prints, never exits and knows nothing of the terminal or the command
//! line: the `custody` binary (the repository's root package) does that.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod atomic;
pub mod budget;
pub mod bundle;
pub mod command_line;
pub mod config;
pub mod discover;
pub mod document;
pub mod findings;
pub mod identity;
pub mod import;
pub mod load;
pub mod metadata;
pub mod patterns;
pub mod pipeline;
pub mod policy;
pub mod precompiled;
pub mod program;
pub mod recursion;
pub mod report;
pub mod rvm;
pub mod sanitize;
pub mod schema;
pub mod seal;
pub mod source;
pub mod units;

// The fast parsers' former paths, kept while callers move to `source::yamlblock` and `source::jsonline`.
pub use source::{jsonline, yamlblock};

/// The run report and options, where the reporters and the CLI name them.
pub use pipeline::run;
