use super::approval::ticket_in_reason;
use super::bundle::{code_value, command_line};
use super::*;
use serde_json::{json, Value as Json};

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
