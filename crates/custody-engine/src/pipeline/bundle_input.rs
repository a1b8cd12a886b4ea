//! The policy input of a session bundle: the document, its events (parsed from their lines one at a time, in
//! the evaluating thread), and `input.custody`, the facts Rust computed (evaluation time, the named workflow,
//! the hash chain, the recording, the signatures). docs/policy-input.md describes it.

use std::collections::BTreeMap;

use regorus::Value as RegoValue;

use crate::evidence::bundle::{self, LoadedBundle};
use crate::evidence::{chain, signature};

use super::check::session_id;
use super::run::{self, RunOptions};
use super::stages;

/// The `input.custody` object of a bundle evaluation: time, the named workflow, the hash chain and recording
/// facts.
pub(super) fn facts(
    opts: &RunOptions,
    workflow: Option<&RegoValue>,
    loaded: &LoadedBundle,
) -> RegoValue {
    let now_ns = opts.now_ns;
    let (now_ns, now) = run::time_input(now_ns);
    let mut map = BTreeMap::new();
    map.insert(RegoValue::from("now_ns"), now_ns);
    map.insert(RegoValue::from("now"), now);
    if let Some(w) = workflow {
        map.insert(RegoValue::from("workflow"), w.clone());
    }
    let id = session_id(loaded).unwrap_or_default();
    let (events, head) = bundle::chain_inputs(&loaded.node);
    // The events of an `events.jsonl` were verified as they were read.
    let (result, present) = match &loaded.events_file {
        Some(file) => (file.chain.clone(), file.carries_chain),
        None => (
            chain::verify(id, events, head.as_ref()),
            chain::carries_chain(events),
        ),
    };
    let mut chain = BTreeMap::new();
    chain.insert(
        RegoValue::from("verified"),
        RegoValue::from(result.verified()),
    );
    chain.insert(
        RegoValue::from("events"),
        RegoValue::from(result.events as u64),
    );
    let (kind, seq, index) = match result.failure {
        Some((k, s, i)) => (
            RegoValue::from(k.as_str()),
            s.map(RegoValue::from).unwrap_or(RegoValue::Null),
            i.map(|i| RegoValue::from(i as u64))
                .unwrap_or(RegoValue::Null),
        ),
        None => (RegoValue::Null, RegoValue::Null, RegoValue::Null),
    };
    chain.insert(RegoValue::from("kind"), kind);
    chain.insert(RegoValue::from("seq"), seq);
    chain.insert(RegoValue::from("index"), index);
    chain.insert(RegoValue::from("present"), RegoValue::from(present));
    map.insert(RegoValue::from("chain"), RegoValue::from(chain));
    let recording = &loaded.recording;
    let or_null = |v: Option<RegoValue>| v.unwrap_or(RegoValue::Null);
    let mut rec = BTreeMap::new();
    rec.insert(RegoValue::from("file"), RegoValue::from(recording.file));
    rec.insert(
        RegoValue::from("sha256_ok"),
        or_null(recording.sha256_ok.map(RegoValue::from)),
    );
    rec.insert(
        RegoValue::from("cast_duration_ns"),
        or_null(recording.cast_duration_ns.map(RegoValue::from)),
    );
    map.insert(RegoValue::from("recording"), RegoValue::from(rec));
    let trusted = opts.allowed_signers.as_deref();
    let signatures: Vec<RegoValue> = signature::verify(&loaded.node, trusted)
        .iter()
        .map(signature::Verdict::to_rego)
        .collect();
    map.insert(RegoValue::from("signatures"), RegoValue::from(signatures));
    map.insert(
        RegoValue::from("allowed_signers"),
        RegoValue::from(trusted.is_some()),
    );
    RegoValue::from(map)
}

/// The policy input of a bundle. The events of an `events.jsonl` are kept as their lines' text
/// ([`bundle::EventsFile`]): each is parsed again and made a regorus value here, in the evaluating thread,
/// and its text dropped, so no event is ever held as a located tree, nor as text and value at once for long.
/// `Err` names the line of an event that no longer parses as it did when it was read (the bundle is then
/// not evaluated).
pub(super) fn policy_input(
    loaded: &mut LoadedBundle,
    custody: RegoValue,
) -> Result<RegoValue, String> {
    let mut input = stages::policy_input(&loaded.node, custody);
    let Some(file) = &mut loaded.events_file else {
        return Ok(input);
    };
    let budgets = file.budgets();
    let mut strings = crate::source::RegoStrings::default();
    let values = std::mem::take(&mut file.texts)
        .into_iter()
        .zip(&file.lines)
        .map(
            |(text, line)| match crate::source::parse_one(&text, &budgets) {
                Ok(event) => Ok(event.to_rego_with(&mut strings)),
                Err(e) => Err(format!(
                    "line {} of its events file no longer parses: {}",
                    line.number, e.message
                )),
            },
        )
        .collect::<Result<Vec<RegoValue>, String>>()?;
    let slot = input
        .as_object_mut()
        .ok()
        .and_then(|o| o.get_mut(&RegoValue::from("evidence")))
        .and_then(|e| e.as_object_mut().ok())
        .and_then(|e| e.get_mut(&RegoValue::from("events")));
    if let Some(slot) = slot {
        *slot = RegoValue::from(values);
    }
    Ok(input)
}
