//! custody's integration tests: one test binary, a module per area; shared helpers live in `common`.

mod common;

mod ambiguity;
mod anchoring;
mod baseline;
mod chain_props;
mod check_cli;
mod check_command;
mod check_fixtures;
mod cli;
mod config_discovery;
mod dates;
mod determinism;
mod discovery;
mod dump_inputs;
mod engine_parity;
mod fail_closed;
mod formats_cli;
mod fuzz_regressions;
mod hostile;
mod hostile_inputs;
mod identities;
mod import_cli;
mod large_bundles;
mod messages;
mod output_safety;
mod seal_edit;
mod signatures;
mod snapshots;
mod streaming;
mod strict_json;
mod untouched;
mod validate_cli;
mod wrapping;
