//! The approval record of a session, from the Teleport access requests it used.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value as Json};

use super::events::Request;
use crate::units;

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
pub(super) fn ticket_in_reason(reason: &str, pattern: &str) -> Option<String> {
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
pub(super) fn approval(
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
