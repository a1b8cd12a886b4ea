//! One session's bundle: `bundle.yaml` (session, identity, approval, evidence head, the recording's digest when
//! `--recordings` holds it) and `events.jsonl`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::approval::approval;
use super::events::{first_str, first_value, string_list, Event, Request, Session};
use super::IMPORTER;
use crate::import::{dir_name, Bundle, Options, Source, WorkflowInfo};
use crate::units;

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
pub(super) fn command_line(e: &Event) -> String {
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
pub(super) fn code_value(v: &Json) -> Option<Json> {
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

/// The bundle of session `sid`.
/// The recording Teleport exported for session `sid` under `dir`, as (where it is kept, its SHA-256): the
/// file `<sid>.tar`, as Teleport's file upload storage names a session's recording. `None` when there is no
/// such regular file (or the session id could not be a file name).
fn exported_recording(dir: &std::path::Path, sid: &str) -> Option<(String, String)> {
    if dir_name(sid) != sid {
        return None;
    }
    let path = dir.join(format!("{sid}.tar"));
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let sha256 = crate::evidence::recording::sha256_file(&path).ok()?;
    Some((path.display().to_string(), sha256))
}

pub(super) fn build(
    sid: &str,
    s: &Session,
    requests: &BTreeMap<&str, Request>,
    sources: &[Source],
    opts: &Options,
) -> (Bundle, bool) {
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
    let head = crate::evidence::chain::seal_events(sid, &mut events);
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
    let anchored = match (mode, &opts.recordings) {
        ("full", Some(dir)) => exported_recording(dir, sid),
        _ => None,
    };
    let recording = match &anchored {
        Some((uri, sha256)) => json!({"mode": mode, "uri": uri, "sha256": sha256}),
        None => json!({"mode": mode}),
    };
    let evidence = json!({
        "session": sid,
        "recording": recording,
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
                "sha256": crate::evidence::sha256_hex(&sources[i].bytes),
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
    let bundle = Bundle {
        session: sid.to_owned(),
        dir: dir_name(sid),
        workflow,
        events: events.len(),
        files: vec![
            ("bundle.yaml".to_owned(), yaml.into_bytes()),
            ("events.jsonl".to_owned(), jsonl.into_bytes()),
        ],
    };
    (bundle, anchored.is_some())
}
