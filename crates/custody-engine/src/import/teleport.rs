//! Teleport audit events → session bundles (SPEC §9).
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

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value as Json};

use super::{dir_name, Bundle, ImportError, Options, Source, Summary, WorkflowInfo};
use crate::units;

/// The importer's name in a bundle's provenance.
pub const IMPORTER: &str = "teleport";

/// One audit event with where it came from.
#[derive(Debug)]
struct Event {
    json: Map<String, Json>,
    source: usize,
    line: usize,
    /// `time` in nanoseconds, when valid.
    ns: Option<i64>,
}

impl Event {
    fn str(&self, key: &str) -> Option<&str> {
        self.json
            .get(key)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    }

    fn kind(&self) -> Option<&str> {
        self.str("event")
    }

    /// A valid instant field (RFC 3339 with offset, not Teleport's "unset" zero time), verbatim.
    fn instant(&self, key: &str) -> Option<(&str, i64)> {
        let text = self.str(key)?;
        if text.starts_with("0001-01-01T00:00:00") {
            return None;
        }
        units::instant_ns(text).map(|ns| (text, ns))
    }

    fn order(&self) -> (i64, usize, usize) {
        (self.ns.unwrap_or(i64::MAX), self.source, self.line)
    }
}

/// Parse the lines of one source log.
fn parse(index: usize, source: &Source, summary: &mut Summary) -> Result<Vec<Event>, ImportError> {
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
struct Session<'a> {
    start: Option<&'a Event>,
    end: Option<&'a Event>,
    commands: Vec<&'a Event>,
    upload: bool,
    sources: BTreeSet<usize>,
}

/// The events of one access request id.
#[derive(Default)]
struct Request<'a> {
    create: Option<&'a Event>,
    /// `access_request.update` and `access_request.review`, in time order.
    changes: Vec<&'a Event>,
    sources: BTreeSet<usize>,
}

/// Import Teleport audit logs: one bundle per session id, in session id order.
pub fn import(sources: &[Source], opts: &Options) -> Result<(Vec<Bundle>, Summary), ImportError> {
    let mut summary = Summary::default();
    let mut events = Vec::new();
    let mut digests = BTreeSet::new();
    for (i, s) in sources.iter().enumerate() {
        // The same log named twice would double every event: it is read once.
        if digests.insert(crate::bundle::sha256_hex(&s.bytes)) {
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
        let bundle = build(sid, session, &requests, sources, opts);
        if bundle.workflow.is_none() {
            summary.without_workflow.push((*sid).to_owned());
        }
        bundles.push(bundle);
    }
    summary.sessions = bundles.len();
    Ok((bundles, summary))
}

/// The first event among start, end, then commands that has `key`.
fn first_str<'a>(s: &Session<'a>, key: &str) -> Option<&'a str> {
    s.start
        .into_iter()
        .chain(s.end)
        .chain(s.commands.iter().copied())
        .find_map(|e| e.str(key))
}

fn first_value<'a>(s: &Session<'a>, key: &str) -> Option<&'a Json> {
    s.start
        .into_iter()
        .chain(s.end)
        .find_map(|e| e.json.get(key).filter(|v| !v.is_null()))
}

fn string_list(v: Option<&Json>) -> Vec<String> {
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

/// `user_kind` 2 (USER_KIND_BOT) and 3 (USER_KIND_SYSTEM) are not people; a legacy event without a kind is a
/// bot when it names one (`bot_name`).
fn identity_kind(s: &Session) -> &'static str {
    let kind = first_value(s, "user_kind");
    let machine = match kind {
        Some(Json::Number(n)) => matches!(n.as_i64(), Some(2 | 3)),
        Some(Json::String(t)) => {
            matches!(t.as_str(), "USER_KIND_BOT" | "USER_KIND_SYSTEM" | "2" | "3")
        }
        _ => false,
    };
    let legacy_bot = !matches!(kind, Some(Json::Number(_) | Json::String(_)))
        && first_str(s, "bot_name").is_some();
    if machine || legacy_bot {
        "serviceAccount"
    } else {
        "human"
    }
}

fn host_matches(globs: &[String], host: &str) -> bool {
    globs.iter().any(|g| {
        globset::GlobBuilder::new(g)
            .case_insensitive(true)
            .build()
            .is_ok_and(|g| g.compile_matcher().is_match(host))
    })
}

/// Quote one word for a POSIX shell when it is not plain.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The command line of a `session.command` (`path` or `program`, then `argv`, which omits the program) or an
/// `exec` (`command`, verbatim).
fn command_line(e: &Event) -> String {
    if e.kind() == Some("exec") {
        return e.str("command").unwrap_or_default().to_owned();
    }
    let program = e
        .str("path")
        .or_else(|| e.str("program"))
        .unwrap_or_default();
    let mut words = vec![if program.is_empty() {
        String::new()
    } else {
        shell_word(program)
    }];
    if let Some(Json::Array(argv)) = e.json.get("argv") {
        for a in argv {
            let text = match a {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            words.push(shell_word(&text));
        }
    }
    words.retain(|w| !w.is_empty());
    words.join(" ")
}

/// An exit or return code as an integer when it is one (`"130"`, `130`), else kept as written.
fn code_value(v: &Json) -> Option<Json> {
    const MAX: i64 = (1 << 53) - 1;
    match v {
        Json::Null => None,
        Json::Number(n) => Some(match n.as_i64() {
            Some(i) if i.abs() <= MAX => json!(i),
            _ => json!(n.to_string()),
        }),
        Json::String(s) if s.is_empty() => None,
        Json::String(s) => Some(match s.trim().parse::<i64>() {
            Ok(i) if i.abs() <= MAX => json!(i),
            _ => json!(s),
        }),
        other => Some(json!(other.to_string())),
    }
}

fn command_event(e: &Event, principal: Option<&str>) -> Json {
    let mut ev = Map::new();
    if let Some((time, _)) = e.instant("time") {
        ev.insert("time".into(), json!(time));
    }
    ev.insert("type".into(), json!("command"));
    if let Some(p) = e.str("user").or(principal) {
        ev.insert("principal".into(), json!(p));
    }
    ev.insert("command".into(), json!(command_line(e)));
    ev.insert("event".into(), json!(e.kind().unwrap_or_default()));
    if let Some(code) = e.str("code") {
        ev.insert("code".into(), json!(code));
    }
    if let Some(uid) = e.str("uid") {
        ev.insert("uid".into(), json!(uid));
    }
    if let Some(login) = e.str("login") {
        ev.insert("login".into(), json!(login));
    }
    if e.kind() == Some("exec") {
        if let Some(c) = e.json.get("exitCode").and_then(code_value) {
            ev.insert("exitCode".into(), c);
        }
        if let Some(err) = e.str("exitError") {
            ev.insert("exitError".into(), json!(err));
        }
    } else if let Some(c) = e.json.get("return_code").and_then(code_value) {
        ev.insert("returnCode".into(), c);
    }
    Json::Object(ev)
}

/// The `ticket` annotation (a string, or Teleport's list of strings) of the first event that carries one.
fn ticket_annotation(r: &Request) -> Option<String> {
    r.create
        .into_iter()
        .chain(r.changes.iter().copied())
        .find_map(|e| match e.json.get("annotations")?.get("ticket")? {
            Json::String(s) if !s.is_empty() => Some(s.clone()),
            Json::Array(items) => items
                .iter()
                .filter_map(Json::as_str)
                .find(|s| !s.is_empty())
                .map(str::to_owned),
            _ => None,
        })
}

/// The first match in `reason` of the workflow's ticket pattern, its `^`/`$` anchors dropped and word
/// boundaries added. Free text is never guessed at without a pattern.
fn ticket_in_reason(reason: &str, pattern: &str) -> Option<String> {
    let mut inner = pattern.strip_prefix('^').unwrap_or(pattern);
    if inner.ends_with('$') && !inner.ends_with("\\$") {
        inner = &inner[..inner.len() - 1];
    }
    let re = regex::Regex::new(&format!(r"\b(?:{inner})\b")).ok()?;
    re.find(reason).map(|m| m.as_str().to_owned())
}

/// What one access request contributes to the approval record.
struct Resolved {
    requester: Option<String>,
    reason: Option<String>,
    ticket: Option<String>,
    /// (time ns, decision object)
    decisions: Vec<(i64, Json)>,
    /// When the request became approved.
    approved: Option<(String, i64)>,
    /// The end of the access: `expires`, capped by `max_duration`.
    until: Option<(String, i64)>,
}

fn decision_of(state: Option<&str>) -> Option<&'static str> {
    match state?.to_ascii_uppercase().as_str() {
        "APPROVED" => Some("approved"),
        "DENIED" => Some("denied"),
        _ => None,
    }
}

fn resolve(r: &Request, pattern: Option<&str>) -> Resolved {
    let requester = r.create.and_then(|e| e.str("user")).map(str::to_owned);
    let reason = r.create.and_then(|e| e.str("reason")).map(str::to_owned);
    let mut decisions = Vec::new();
    let mut reviewed: BTreeSet<&str> = BTreeSet::new();
    for e in r
        .changes
        .iter()
        .filter(|e| e.kind() == Some("access_request.review"))
    {
        let (Some(decision), Some(approver)) =
            (decision_of(e.str("proposed_state")), e.str("reviewer"))
        else {
            continue;
        };
        reviewed.insert(decision);
        let mut d = Map::new();
        d.insert("approver".into(), json!(approver));
        d.insert("decision".into(), json!(decision));
        if let Some((at, _)) = e.instant("time") {
            d.insert("at".into(), json!(at));
        }
        decisions.push((e.order().0, Json::Object(d)));
    }
    for e in r
        .changes
        .iter()
        .filter(|e| e.kind() == Some("access_request.update"))
    {
        let Some(decision) = decision_of(e.str("state")) else {
            continue;
        };
        if reviewed.contains(decision) {
            continue;
        }
        let mut d = Map::new();
        if let Some(who) = e.str("updated_by").or_else(|| e.str("delegator")) {
            d.insert("approver".into(), json!(who));
        }
        d.insert("decision".into(), json!(decision));
        if let Some((at, _)) = e.instant("time") {
            d.insert("at".into(), json!(at));
        }
        d.insert("bypassedReview".into(), json!(true));
        decisions.push((e.order().0, Json::Object(d)));
    }
    decisions.sort_by_key(|(t, _)| *t);
    let approved = r
        .changes
        .iter()
        .filter(|e| decision_of(e.str("state")) == Some("approved"))
        .find_map(|e| e.instant("time"))
        .or_else(|| {
            // No event states the approval: the last approving decision completed it.
            decisions
                .iter()
                .rev()
                .filter(|(_, d)| d["decision"] == "approved")
                .filter_map(|(_, d)| d.get("at").and_then(Json::as_str))
                .find_map(|at| units::instant_ns(at).map(|ns| (at, ns)))
        })
        .map(|(t, ns)| (t.to_owned(), ns));
    let expires = r
        .create
        .into_iter()
        .chain(r.changes.iter().copied())
        .rev()
        .find_map(|e| e.instant("expires"));
    let max = r
        .create
        .into_iter()
        .chain(r.changes.iter().copied())
        .rev()
        .find_map(|e| e.instant("max_duration"));
    let until = match (expires, max) {
        (Some(e), Some(m)) => Some(if m.1 < e.1 { m } else { e }),
        (e, m) => e.or(m),
    }
    .map(|(t, ns)| (t.to_owned(), ns));
    let ticket = ticket_annotation(r).or_else(|| {
        let reason = reason.as_deref()?;
        ticket_in_reason(reason, pattern?)
    });
    Resolved {
        requester,
        reason,
        ticket,
        decisions,
        approved,
        until,
    }
}

/// The approval record of a session from the access requests it used. Several requests: the decisions of
/// all, in time order; the grant is the window in which every request was approved and none had expired.
fn approval(
    sid: &str,
    ids: &[String],
    requests: &BTreeMap<&str, Request>,
    pattern: Option<&str>,
    used: &mut BTreeSet<usize>,
) -> Json {
    let empty = Request::default();
    let resolved: Vec<Resolved> = ids
        .iter()
        .map(|id| {
            let r = requests.get(id.as_str()).unwrap_or(&empty);
            used.extend(r.sources.iter().copied());
            resolve(r, pattern)
        })
        .collect();
    let mut a = Map::new();
    a.insert("id".into(), json!(ids.join(",")));
    a.insert("session".into(), json!(sid));
    if let Some(t) = resolved.iter().find_map(|r| r.ticket.clone()) {
        a.insert("ticket".into(), json!(t));
    }
    if let Some(req) = resolved.iter().find_map(|r| r.requester.clone()) {
        a.insert("requester".into(), json!(req));
    }
    let mut reasons: Vec<&str> = Vec::new();
    for r in resolved.iter().filter_map(|r| r.reason.as_deref()) {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    if !reasons.is_empty() {
        a.insert("reason".into(), json!(reasons.join("; ")));
    }
    let mut decisions: Vec<(i64, Json)> =
        resolved.iter().flat_map(|r| r.decisions.clone()).collect();
    decisions.sort_by_key(|(t, _)| *t);
    a.insert(
        "decisions".into(),
        Json::Array(decisions.into_iter().map(|(_, d)| d).collect()),
    );
    let from = if resolved.iter().all(|r| r.approved.is_some()) {
        resolved
            .iter()
            .filter_map(|r| r.approved.clone())
            .max_by_key(|(_, ns)| *ns)
    } else {
        None
    };
    let until = resolved
        .iter()
        .filter_map(|r| r.until.clone())
        .min_by_key(|(_, ns)| *ns);
    if from.is_some() || until.is_some() {
        let mut g = Map::new();
        if let Some((t, _)) = from {
            g.insert("from".into(), json!(t));
        }
        if let Some((t, _)) = until {
            g.insert("until".into(), json!(t));
        }
        a.insert("grant".into(), Json::Object(g));
    }
    a.insert("breakGlass".into(), json!(false));
    Json::Object(a)
}

fn build(
    sid: &str,
    s: &Session,
    requests: &BTreeMap<&str, Request>,
    sources: &[Source],
    opts: &Options,
) -> Bundle {
    let labels = first_value(s, "server_labels").and_then(Json::as_object);
    let label = |k: &str| {
        labels
            .and_then(|l| l.get(k))
            .and_then(Json::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let workflow = label("custody/workflow").or_else(|| opts.workflow.clone());
    let info: Option<&WorkflowInfo> = workflow.as_ref().and_then(|w| opts.workflows.get(w));
    let host = first_str(s, "server_hostname").map(str::to_owned);
    let system = label("custody/system").or_else(|| {
        let host = host.as_deref()?;
        info?
            .targets
            .iter()
            .find(|(_, globs)| host_matches(globs, host))
            .map(|(system, _)| system.clone())
    });
    let principal = first_str(s, "user").map(str::to_owned);

    let mut session = Map::new();
    session.insert("id".into(), json!(sid));
    if let Some(w) = &workflow {
        session.insert("workflow".into(), json!(w));
    }
    if system.is_some() || host.is_some() {
        let mut t = Map::new();
        if let Some(v) = &system {
            t.insert("system".into(), json!(v));
        }
        if let Some(v) = &host {
            t.insert("host".into(), json!(v));
        }
        session.insert("target".into(), Json::Object(t));
    }
    let start = s
        .end
        .and_then(|e| e.instant("session_start"))
        .or_else(|| s.start.and_then(|e| e.instant("time")));
    let end = s
        .end
        .and_then(|e| e.instant("session_stop").or_else(|| e.instant("time")));
    if let Some((t, _)) = start {
        session.insert("start".into(), json!(t));
    }
    if let Some((t, _)) = end {
        session.insert("end".into(), json!(t));
    }
    if let Some(i) = s
        .end
        .and_then(|e| e.json.get("interactive"))
        .and_then(Json::as_bool)
    {
        session.insert("interactive".into(), json!(i));
    }

    let mut identity = Map::new();
    if let Some(p) = &principal {
        identity.insert("principal".into(), json!(p));
    }
    identity.insert("kind".into(), json!(identity_kind(s)));
    let roles = string_list(first_value(s, "user_roles"));
    if !roles.is_empty() {
        identity.insert("groups".into(), json!(roles));
    }

    let mut used = s.sources.clone();
    let mut ids: Vec<String> = Vec::new();
    for id in string_list(first_value(s, "access_requests")) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let approval = (!ids.is_empty()).then(|| {
        approval(
            sid,
            &ids,
            requests,
            info.and_then(|i| i.ticket_pattern.as_deref()),
            &mut used,
        )
    });

    let mut events: Vec<Json> = s
        .commands
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut ev = Map::new();
            ev.insert("seq".into(), json!(i + 1));
            if let Json::Object(rest) = command_event(e, principal.as_deref()) {
                ev.extend(rest);
            }
            Json::Object(ev)
        })
        .collect();
    let head = crate::bundle::seal_events(sid, &mut events);
    let mode = if s.upload {
        "full"
    } else if s
        .end
        .and_then(|e| e.json.get("enhanced_recording"))
        .and_then(Json::as_bool)
        == Some(true)
    {
        "commands"
    } else {
        "none"
    };
    let evidence = json!({
        "session": sid,
        "recording": {"mode": mode},
        "events": {"file": "events.jsonl"},
        "head": {"hash": head.hash, "count": head.count},
    });

    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!("custody/v1"));
    doc.insert("kind".into(), json!("SessionBundle"));
    doc.insert("session".into(), Json::Object(session));
    doc.insert("identity".into(), Json::Object(identity));
    if let Some(a) = approval {
        doc.insert("approval".into(), a);
    }
    doc.insert("evidence".into(), evidence);
    if let (Some(retain), Some((_, end_ns))) = (opts.retain_ns, end) {
        if let Some(until) = end_ns.checked_add(retain) {
            doc.insert(
                "retention".into(),
                json!({"until": units::format_instant(until)}),
            );
        }
    }
    let provenance: Vec<Json> = used
        .iter()
        .map(|&i| {
            json!({
                "file": sources[i].provenance_name(),
                "sha256": crate::bundle::sha256_hex(&sources[i].bytes),
            })
        })
        .collect();
    doc.insert(
        "provenance".into(),
        json!({"importer": IMPORTER, "version": env!("CARGO_PKG_VERSION"), "sources": provenance}),
    );

    let mut yaml = String::from(
        "# Imported by `custody import teleport` from Teleport audit events; sealed: edits break the chain.\n",
    );
    yaml.push_str(&serde_saphyr::to_string(&Json::Object(doc)).unwrap_or_default());
    let mut jsonl = String::new();
    for e in &events {
        jsonl.push_str(&serde_json::to_string(e).unwrap_or_default());
        jsonl.push('\n');
    }
    Bundle {
        session: sid.to_owned(),
        dir: dir_name(sid),
        workflow,
        events: events.len(),
        files: vec![
            ("bundle.yaml".to_owned(), yaml.into_bytes()),
            ("events.jsonl".to_owned(), jsonl.into_bytes()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(lines: &[Json]) -> Vec<Source> {
        let mut text = String::new();
        for l in lines {
            text.push_str(&l.to_string());
            text.push('\n');
        }
        vec![Source {
            name: "audit.jsonl".into(),
            bytes: text.into_bytes(),
        }]
    }

    fn bundle_doc(b: &Bundle) -> Json {
        let text = std::str::from_utf8(&b.files[0].1).unwrap();
        let node = crate::source::parse_one(text, &crate::source::Budgets::default()).unwrap();
        node.to_json()
    }

    fn events_of(b: &Bundle) -> Vec<Json> {
        std::str::from_utf8(&b.files[1].1)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn argv_omits_the_program_and_odd_words_are_quoted() {
        let e = |v: Json| Event {
            json: v.as_object().unwrap().clone(),
            source: 0,
            line: 1,
            ns: None,
        };
        assert_eq!(
            command_line(&e(
                json!({"event": "session.command", "path": "/usr/bin/psql", "argv": ["-c", "SELECT 1", "it's"]})
            )),
            r"/usr/bin/psql -c 'SELECT 1' 'it'\''s'"
        );
        assert_eq!(
            command_line(&e(
                json!({"event": "session.command", "program": "id", "argv": null})
            )),
            "id"
        );
        assert_eq!(
            command_line(&e(
                json!({"event": "session.command", "path": "/bin/ls", "argv": []})
            )),
            "/bin/ls"
        );
        assert_eq!(
            command_line(&e(json!({"event": "exec", "command": "uptime && df -h"}))),
            "uptime && df -h"
        );
    }

    #[test]
    fn codes_become_integers_and_unset_times_are_absent() {
        assert_eq!(code_value(&json!("130")), Some(json!(130)));
        assert_eq!(code_value(&json!(0)), Some(json!(0)));
        assert_eq!(code_value(&json!("")), None);
        let logs = src(&[
            json!({"event": "session.start", "code": "T2000I", "time": "2026-11-20T10:00:00.12Z", "sid": "s1", "user": "alex"}),
            json!({"event": "session.end", "code": "T2004I", "time": "2026-11-20T10:30:00Z", "sid": "s1", "user": "alex",
                   "session_start": "0001-01-01T00:00:00Z", "session_stop": "2026-11-20T10:29:59.123456789Z", "interactive": true}),
            json!({"event": "exec", "code": "T3002E", "time": "2026-11-20T10:05:00.5Z", "sid": "s1", "user": "alex",
                   "command": "false", "exitCode": "1", "exitError": "exit status 1"}),
        ]);
        let (bundles, summary) = import(&logs, &Options::default()).unwrap();
        assert_eq!(summary.sessions, 1);
        let doc = bundle_doc(&bundles[0]);
        assert_eq!(doc["session"]["start"], "2026-11-20T10:00:00.12Z");
        assert_eq!(doc["session"]["end"], "2026-11-20T10:29:59.123456789Z");
        let events = events_of(&bundles[0]);
        assert_eq!(events[0]["exitCode"], 1);
        assert_eq!(events[0]["exitError"], "exit status 1");
        assert_eq!(events[0]["code"], "T3002E");
    }

    #[test]
    fn a_log_named_twice_is_read_once() {
        let mut logs = src(&[
            json!({"event": "session.start", "time": "2026-11-20T10:00:00Z", "sid": "s1", "user": "a"}),
            json!({"event": "exec", "time": "2026-11-20T10:00:01Z", "sid": "s1", "user": "a", "command": "ls"}),
        ]);
        logs.push(logs[0].clone());
        let (bundles, summary) = import(&logs, &Options::default()).unwrap();
        assert_eq!(summary.events, 2);
        assert_eq!(bundles[0].events, 1);
    }

    #[test]
    fn malformed_lines_name_file_line_and_column() {
        let logs = vec![Source {
            name: "a.jsonl".into(),
            bytes: b"{\"event\":\"user.login\"}\n\n{\"event\": oops}\n".to_vec(),
        }];
        let err = import(&logs, &Options::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("a.jsonl:3:11: not a JSON audit event"),
            "{err}"
        );
    }

    #[test]
    fn approvals_join_requests_on_id_and_keep_bypassed_updates() {
        let start = |sid: &str, reqs: Json| {
            json!({"event": "session.start", "code": "T2000I", "time": "2026-11-20T10:00:00Z", "sid": sid,
                   "user": "alex", "user_kind": 1, "access_requests": reqs})
        };
        let logs = src(&[
            json!({"event": "access_request.create", "time": "2026-11-20T09:00:00Z", "id": "r1", "user": "alex",
                   "reason": "fix", "expires": "2026-11-20T20:00:00Z", "max_duration": "2026-11-20T13:00:00Z",
                   "annotations": {"ticket": ["CHG0000001"]}}),
            // Two reviews: the request is approved by the second (its post-review state).
            json!({"event": "access_request.review", "time": "2026-11-20T09:10:00Z", "id": "r1",
                   "reviewer": "bo", "proposed_state": "APPROVED", "state": "PENDING"}),
            json!({"event": "access_request.review", "time": "2026-11-20T09:20:00.5Z", "id": "r1",
                   "reviewer": "cy", "proposed_state": "APPROVED", "state": "APPROVED"}),
            // The update Teleport logs when the state changes is not a decision of its own.
            json!({"event": "access_request.update", "time": "2026-11-20T09:20:00.6Z", "id": "r1",
                   "state": "APPROVED", "updated_by": "cy"}),
            json!({"event": "access_request.create", "time": "2026-11-20T09:00:00Z", "id": "r2", "user": "alex"}),
            json!({"event": "access_request.update", "time": "2026-11-20T09:30:00Z", "id": "r2",
                   "state": "APPROVED", "updated_by": "admin"}),
            start("s1", json!(["r1"])),
            start("s2", json!(["r2"])),
            start("s3", json!(["r9"])),
            json!({"event": "session.start", "time": "2026-11-20T10:00:00Z", "sid": "s4", "user": "bot-x",
                   "user_kind": 2}),
        ]);
        let (bundles, summary) = import(&logs, &Options::default()).unwrap();
        assert_eq!(summary.sessions, 4);
        assert_eq!(summary.without_workflow.len(), 4);
        let a = bundle_doc(&bundles[0])["approval"].clone();
        assert_eq!(a["ticket"], "CHG0000001");
        assert_eq!(a["requester"], "alex");
        assert_eq!(a["decisions"].as_array().unwrap().len(), 2);
        assert_eq!(
            a["decisions"][1],
            json!({"approver": "cy", "decision": "approved", "at": "2026-11-20T09:20:00.5Z"})
        );
        assert_eq!(
            a["grant"],
            json!({"from": "2026-11-20T09:20:00.5Z", "until": "2026-11-20T13:00:00Z"})
        );
        let b = bundle_doc(&bundles[1])["approval"].clone();
        assert_eq!(
            b["decisions"],
            json!([{"approver": "admin", "decision": "approved", "at": "2026-11-20T09:30:00Z", "bypassedReview": true}])
        );
        assert_eq!(b["grant"], json!({"from": "2026-11-20T09:30:00Z"}));
        // A request the log does not hold: the link is kept, nothing is invented.
        let c = bundle_doc(&bundles[2])["approval"].clone();
        assert_eq!(
            c,
            json!({"id": "r9", "session": "s3", "decisions": [], "breakGlass": false})
        );
        assert_eq!(
            bundle_doc(&bundles[3])["identity"]["kind"],
            "serviceAccount"
        );
    }

    #[test]
    fn tickets_come_from_annotations_or_the_workflow_pattern() {
        assert_eq!(
            ticket_in_reason("apply CHG0012345 now", "^CHG[0-9]{7}$"),
            Some("CHG0012345".to_owned())
        );
        assert_eq!(ticket_in_reason("XCHG00123456", "^CHG[0-9]{7}$"), None);
        assert_eq!(ticket_in_reason("see CHG0012345", "(bad"), None);
    }
}
