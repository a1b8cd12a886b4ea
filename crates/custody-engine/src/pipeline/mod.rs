//! The evaluating commands as pipelines over shared stages: find the inputs ([`crate::discover`]), load and
//! schema-check them ([`crate::load`]), evaluate them with the policies, locate the findings in their
//! documents, and collect everything in a [`run::Report`] for the reporters.

mod bundle_input;
pub mod check;
mod declared;
pub mod run;
pub mod stages;
pub mod validate;

pub use check::check;
pub use validate::validate;
