//! Teleport audit events → session bundles (docs/teleport.md).
//!
//! Reads the events as Teleport's file log backend and event handler write them (one JSON object a line) with
//! the field names of Teleport's audit event reference and `api/proto/teleport/legacy/types/events/events.proto`:
//! `session.start` (T2000I), `session.end` (T2004I), `session.command` (T4000I, enhanced recording), `exec`
//! (T3002I / T3002E), `session.upload` (T2005I), `access_request.create` (T5000I), `access_request.update`
//! (T5001I) and `access_request.review` (T5002I). Every other event type is counted and skipped.
//!
//! Facts of real logs this survives: `exec`'s `exitCode` is a string (`"0"`, `"130"`) and a failed exec is
//! `T3002E` with `exitError`; `session.command`'s `return_code` is a number; `argv` omits the program; `time`
//! drops trailing zeros of its milliseconds while `session_start`/`session_stop` carry up to nine fractional
//! digits, and `0001-01-01T00:00:00Z` means unset; review and update events carry no `user` (the requester
//! comes from the request's `access_request.create`, joined on `id`); `uid` is not unique, so nothing is
//! de-duplicated on it; proxy recording mode gives one login two sessions (two `sid`s, one forwarded); `print`
//! events have no `sid`; events of a session may follow its `session.end`.
//!
//! The parts: `events.rs` reads the logs and groups their events by session and by access request,
//! `approval.rs` turns the access requests a session used into its approval record, `bundle.rs` writes one
//! session's bundle; this file joins them.

mod approval;
mod bundle;
mod events;

use std::collections::{BTreeMap, BTreeSet};

use super::{Bundle, ImportError, Options, Source, Summary};
use events::{parse, Event, Request, Session};

/// The importer's name in a bundle's provenance.
pub const IMPORTER: &str = "teleport";

/// Import Teleport audit logs: one bundle per session id, in session id order.
pub fn import(sources: &[Source], opts: &Options) -> Result<(Vec<Bundle>, Summary), ImportError> {
    let mut summary = Summary::default();
    let mut events = Vec::new();
    let mut digests = BTreeSet::new();
    for (i, s) in sources.iter().enumerate() {
        // The same log named twice would double every event: it is read once.
        if digests.insert(crate::evidence::sha256_hex(&s.bytes)) {
            events.extend(parse(i, s, &mut summary)?);
        }
    }
    // Time order; ties (and events without a valid time) keep their order in the logs as given.
    events.sort_by_key(Event::order);
    let mut sessions: BTreeMap<&str, Session> = BTreeMap::new();
    let mut requests: BTreeMap<&str, Request> = BTreeMap::new();
    for e in &events {
        let kind = e.kind().unwrap_or("(no event type)");
        let mut skip = |why: String| *summary.skipped.entry(why).or_default() += 1;
        match kind {
            "session.start" | "session.end" | "session.command" | "exec" | "session.upload" => {
                let Some(sid) = e.str("sid") else {
                    skip(format!("{kind} without sid"));
                    continue;
                };
                let s = sessions.entry(sid).or_default();
                s.sources.insert(e.source);
                match kind {
                    "session.start" => {
                        s.start.get_or_insert(e);
                    }
                    "session.end" => {
                        s.end.get_or_insert(e);
                    }
                    "session.upload" => s.upload = true,
                    _ => s.commands.push(e),
                }
            }
            "access_request.create" | "access_request.update" | "access_request.review" => {
                let Some(id) = e.str("id") else {
                    skip(format!("{kind} without id"));
                    continue;
                };
                let r = requests.entry(id).or_default();
                r.sources.insert(e.source);
                if kind == "access_request.create" {
                    r.create.get_or_insert(e);
                } else {
                    r.changes.push(e);
                }
            }
            other => skip(other.to_owned()),
        }
    }
    let mut bundles = Vec::new();
    for (sid, session) in &sessions {
        let (bundle, recording_anchored) = bundle::build(sid, session, &requests, sources, opts);
        if bundle.workflow.is_none() {
            summary.without_workflow.push((*sid).to_owned());
        }
        if session.upload && !recording_anchored {
            summary.without_recording.push((*sid).to_owned());
        }
        bundles.push(bundle);
    }
    summary.sessions = bundles.len();
    Ok((bundles, summary))
}

#[cfg(test)]
mod tests;
