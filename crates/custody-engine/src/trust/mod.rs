//! Corroborating sources a run trusts: the allowed signers of evidence heads ([`allowed_signers`]).

pub mod allowed_signers;
