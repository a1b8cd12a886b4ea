//! custody: policy-as-code for privileged-access accountability.
//!
//! The library parses, evaluates and produces findings; it never prints and never exits (`src/main.rs` does).
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod budget;
pub mod bundle;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod findings;
pub mod import;
pub mod inputs;
pub mod jsonline;
pub mod metadata;
pub mod patterns;
pub mod policy;
pub mod precompiled;
pub mod program;
pub mod recursion;
pub mod report;
pub mod run;
pub mod rvm;
pub mod schema;
pub mod seal;
pub mod source;
pub mod units;
pub mod validate;
pub mod yamlblock;
