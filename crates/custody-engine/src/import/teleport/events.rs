//! Reading Teleport audit logs: one event a line, grouped by session id and by access request id.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::import::{ImportError, Source, Summary};
use crate::units;

/// One audit event with where it came from.
#[derive(Debug)]
pub(super) struct Event {
    pub(super) json: Map<String, Json>,
    pub(super) source: usize,
    pub(super) line: usize,
    /// `time` in nanoseconds, when valid.
    pub(super) ns: Option<i64>,
}

impl Event {
    pub(super) fn str(&self, key: &str) -> Option<&str> {
        self.json
            .get(key)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    }

    pub(super) fn kind(&self) -> Option<&str> {
        self.str("event")
    }

    /// A valid instant field (RFC 3339 with offset, not Teleport's "unset" zero time), verbatim.
    pub(super) fn instant(&self, key: &str) -> Option<(&str, i64)> {
        let text = self.str(key)?;
        if text.starts_with("0001-01-01T00:00:00") {
            return None;
        }
        units::instant_ns(text).map(|ns| (text, ns))
    }

    pub(super) fn order(&self) -> (i64, usize, usize) {
        (self.ns.unwrap_or(i64::MAX), self.source, self.line)
    }
}

/// Parse the lines of one source log.
pub(super) fn parse(
    index: usize,
    source: &Source,
    summary: &mut Summary,
) -> Result<Vec<Event>, ImportError> {
    let text = crate::source::decode(&source.bytes).map_err(|e| ImportError::Malformed {
        file: source.name.clone(),
        line: e.pos.map_or(1, |p| p.line as usize),
        column: e.pos.map_or(1, |p| p.column as usize),
        message: e.message,
    })?;
    let mut events = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |column: usize, message: String| ImportError::Malformed {
            file: source.name.clone(),
            line: i + 1,
            column,
            message,
        };
        let value: Json = serde_json::from_str(line).map_err(|e| {
            // serde_json counts lines within this one line: keep its message, not its position.
            let mut message = e.to_string();
            if let Some(at) = message.rfind(" at line ") {
                message.truncate(at);
            }
            malformed(e.column(), message)
        })?;
        let Json::Object(json) = value else {
            return Err(malformed(
                1,
                "the line is JSON but not an object".to_owned(),
            ));
        };
        summary.events += 1;
        let mut event = Event {
            json,
            source: index,
            line: i + 1,
            ns: None,
        };
        event.ns = event.instant("time").map(|(_, ns)| ns);
        events.push(event);
    }
    Ok(events)
}

/// The events of one session id.
#[derive(Default)]
pub(super) struct Session<'a> {
    pub(super) start: Option<&'a Event>,
    pub(super) end: Option<&'a Event>,
    pub(super) commands: Vec<&'a Event>,
    pub(super) upload: bool,
    pub(super) sources: BTreeSet<usize>,
}

/// The events of one access request id.
#[derive(Default)]
pub(super) struct Request<'a> {
    pub(super) create: Option<&'a Event>,
    /// `access_request.update` and `access_request.review`, in time order.
    pub(super) changes: Vec<&'a Event>,
    pub(super) sources: BTreeSet<usize>,
}

/// The first event among start, end, then commands that has `key`.
pub(super) fn first_str<'a>(s: &Session<'a>, key: &str) -> Option<&'a str> {
    s.start
        .into_iter()
        .chain(s.end)
        .chain(s.commands.iter().copied())
        .find_map(|e| e.str(key))
}

pub(super) fn first_value<'a>(s: &Session<'a>, key: &str) -> Option<&'a Json> {
    s.start
        .into_iter()
        .chain(s.end)
        .find_map(|e| e.json.get(key).filter(|v| !v.is_null()))
}

pub(super) fn string_list(v: Option<&Json>) -> Vec<String> {
    match v {
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}
