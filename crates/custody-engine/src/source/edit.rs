//! Editing a YAML bundle by span: what `custody seal` changes — `evidence.head`, and each inline event's
//! `prev`, `hash` and (where absent) `seq` — replaced or added in the text itself, so that every other byte
//! of the file (comments, key order, quoting, flow or block style, long lines) stays as the author wrote it.
//!
//! The edit is checked: the edited text is parsed again and must give exactly the sealed documents. When the
//! text has a shape this module does not edit — `evidence` or an event in flow style, tabs — or the check
//! fails, [`seal_by_span`] returns `None` and the caller writes the documents out whole.

use super::{parse_documents, Budgets, Node, Value};

/// The new `evidence.head` of one document: (`hash`, `count`).
pub type Head = (String, i64);

/// The indentation (in spaces) of the line holding byte `offset`, and that line's start.
fn line_of(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent = text[start..].bytes().take_while(|&b| b == b' ').count();
    (start, indent)
}

/// The end (byte offset after its newline) of the block that starts on the line at `start` with indentation
/// `indent`: the last following line indented deeper, blank and comment lines inside it included, trailing
/// ones not.
fn block_end(text: &str, start: usize, indent: usize) -> usize {
    let mut end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let mut at = end;
    while at < text.len() {
        let next = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let line = &text[at..next];
        let content = line.trim_start_matches(' ');
        let blank = content.trim().is_empty() || content.starts_with('#');
        if !blank {
            if line.len() - content.len() <= indent {
                break;
            }
            end = next;
        }
        at = next;
    }
    end
}

/// The head as block lines at `indent`.
fn head_lines(indent: usize, (hash, count): &Head) -> String {
    let pad = " ".repeat(indent);
    format!("{pad}head:\n{pad}  hash: {hash}\n{pad}  count: {count}\n")
}

/// The byte range to replace (or the point to insert at, as an empty range) and the new text, for one
/// document's head.
fn head_edit(text: &str, doc: &Node, head: &Head) -> Option<(usize, usize, String)> {
    let Value::Map(top) = &doc.value else {
        return None;
    };
    let (evidence_key, evidence) = top.iter().find(|(k, _)| k.name == "evidence")?;
    let Value::Map(fields) = &evidence.value else {
        return None;
    };
    let evidence_offset = evidence_key.pos.offset? as usize;
    let (evidence_start, evidence_indent) = line_of(text, evidence_offset);
    // `evidence:` must be a block mapping: its first field on a later line.
    let (first_key, _) = fields.first()?;
    let (first_start, child_indent) = line_of(text, first_key.pos.offset? as usize);
    if first_start == evidence_start || child_indent <= evidence_indent {
        return None;
    }
    match fields.iter().find(|(k, _)| k.name == "head") {
        Some((key, _)) => {
            let (start, indent) = line_of(text, key.pos.offset? as usize);
            if indent != child_indent {
                return None;
            }
            let end = block_end(text, start, indent);
            let mut new = head_lines(indent, head);
            // A comment after the head on its key's line stays a comment of the new head.
            let key_line = text[start..end].lines().next().unwrap_or("");
            let rest = key_line
                .trim_start()
                .strip_prefix("head:")
                .unwrap_or_default();
            let comment = if rest.trim_start().starts_with('#') {
                Some(rest.to_owned())
            } else {
                rest.find(" #").map(|i| rest[i..].to_owned())
            };
            if let Some(comment) = comment {
                let first_newline = new.find('\n').unwrap_or(new.len());
                new.insert_str(first_newline, &comment);
            }
            Some((start, end, new))
        }
        None => {
            let end = block_end(text, evidence_start, evidence_indent);
            let mut new = head_lines(child_indent, head);
            if end > 0 && !text[..end].ends_with('\n') {
                new.insert(0, '\n');
            }
            Some((end, end, new))
        }
    }
}

/// A scalar as a one-line YAML value: integers as written, strings plain when they read back as the same
/// string, else double-quoted (JSON's string syntax is valid YAML).
fn scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s)
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Some(s.clone())
        }
        serde_json::Value::String(_) => Some(value.to_string()),
        _ => None,
    }
}

/// The edits that give the inline event `event` (a block mapping item, old JSON `old`) the `seq`, `prev` and
/// `hash` of `sealed`.
fn event_edits(
    text: &str,
    event: &Node,
    old: &serde_json::Value,
    sealed: &serde_json::Value,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<()> {
    let Value::Map(fields) = &event.value else {
        return None;
    };
    let (first_key, _) = fields.first()?;
    let first_offset = first_key.pos.offset? as usize;
    let (item_start, dash_indent) = line_of(text, first_offset);
    // `- key: value`, then the other keys below it at the first key's column.
    let child_indent = first_offset - item_start;
    // `- key:` (block style); `- {key: …}` is left to the caller.
    if text[item_start + dash_indent..first_offset].trim_end() != "-" {
        return None;
    }
    let mut appended = String::new();
    for key in ["seq", "prev", "hash"] {
        let new = sealed.get(key);
        if new == old.get(key) {
            continue;
        }
        let line = format!("{}{key}: {}\n", " ".repeat(child_indent), scalar(new?)?);
        match fields.iter().find(|(k, _)| k.name == key) {
            Some((k, _)) => {
                let (start, indent) = line_of(text, k.pos.offset? as usize);
                if start == item_start || indent != child_indent {
                    return None;
                }
                let end = text[start..]
                    .find('\n')
                    .map_or(text.len(), |i| start + i + 1);
                edits.push((start, end, line));
            }
            None => appended.push_str(&line),
        }
    }
    if !appended.is_empty() {
        let end = block_end(text, item_start, dash_indent);
        if end > 0 && !text[..end].ends_with('\n') {
            appended.insert(0, '\n');
        }
        edits.push((end, end, appended));
    }
    Some(())
}

/// `text` with each document changed into `sealed[i]` (its sealed form: a new `evidence.head`, and the
/// `seq`, `prev` and `hash` of inline events), edited by span, when every edit can be made so and the result
/// parses to exactly `sealed`; `None` otherwise.
pub fn seal_by_span(text: &str, sealed: &[serde_json::Value], budgets: &Budgets) -> Option<String> {
    if text.contains('\t') {
        return None;
    }
    let docs = parse_documents(text, budgets).ok()?;
    if docs.len() != sealed.len() {
        return None;
    }
    let mut edits = Vec::new();
    for (doc, want) in docs.iter().zip(sealed) {
        let old = doc.to_json();
        if &old == want {
            continue;
        }
        let new_head = want.pointer("/evidence/head");
        if new_head != old.pointer("/evidence/head") {
            let hash = new_head?.get("hash")?.as_str()?.to_owned();
            let count = new_head?.get("count")?.as_i64()?;
            edits.push(head_edit(text, doc, &(hash, count))?);
        }
        if let (Some(Value::Seq(events)), Some(old_events), Some(new_events)) = (
            doc.at(&["evidence", "events"]).map(|n| &n.value),
            old.pointer("/evidence/events").and_then(|v| v.as_array()),
            want.pointer("/evidence/events").and_then(|v| v.as_array()),
        ) {
            if old_events.len() != new_events.len() {
                return None;
            }
            for ((event, old_event), new_event) in events.iter().zip(old_events).zip(new_events) {
                if old_event != new_event {
                    event_edits(text, event, old_event, new_event, &mut edits)?;
                }
            }
        }
    }
    let mut out = text.to_owned();
    // From the end, so that earlier offsets stay valid; edits never overlap (one per line or block end). Two
    // insertions at one point (the last event's new fields and a new head, both at the end of `evidence`) are
    // applied in the order they were made, each before the text the previous one inserted: the sort is
    // stable and the head's edit is made first, so the event's fields end up above the head.
    edits.sort_by_key(|(start, end, _)| std::cmp::Reverse((*start, *end)));
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    let edited = parse_documents(&out, budgets).ok()?;
    let same = edited.len() == sealed.len()
        && edited
            .iter()
            .zip(sealed)
            .all(|(node, want)| &node.to_json() == want);
    same.then_some(out)
}

/// `text` with `evidence.head` of each document set to `heads[i]` (`None`: that document unchanged), when
/// every edit can be made by span and the result parses to what is expected; `None` otherwise.
pub fn set_heads(text: &str, heads: &[Option<Head>], budgets: &Budgets) -> Option<String> {
    let docs = parse_documents(text, budgets).ok()?;
    if docs.len() != heads.len() {
        return None;
    }
    let mut sealed = Vec::with_capacity(docs.len());
    for (doc, head) in docs.iter().zip(heads) {
        let mut want = doc.to_json();
        if let Some((hash, count)) = head {
            want.get_mut("evidence")?.as_object_mut()?.insert(
                "head".to_owned(),
                serde_json::json!({"hash": hash, "count": count}),
            );
        }
        sealed.push(want);
    }
    seal_by_span(text, &sealed, budgets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Head {
        ("ab12".to_owned(), 3)
    }

    #[test]
    fn an_existing_head_is_replaced_and_nothing_else_changes() {
        let text = "# a bundle\nsession: {id: s1, workflow: w}   # flow, kept\nevidence:\n  events:\n    file: events.jsonl\n  head:   # sealed by the recorder\n    hash: old\n    count: 1\n\n# retention follows\nretention:\n  until: \"2034-01-01T00:00:00Z\"\n";
        let out = set_heads(text, &[Some(head())], &Budgets::default()).unwrap();
        assert_eq!(
            out,
            text.replace(
                "  head:   # sealed by the recorder\n    hash: old\n    count: 1\n",
                "  head:   # sealed by the recorder\n    hash: ab12\n    count: 3\n"
            )
        );
    }

    #[test]
    fn a_missing_head_is_added_at_the_end_of_evidence() {
        let text = "session:\n  id: s1\nevidence:\n    events:\n      file: events.jsonl  # the chain\n\n# kept\nretention: {until: \"2034-01-01T00:00:00Z\"}\n";
        let out = set_heads(text, &[Some(head())], &Budgets::default()).unwrap();
        assert_eq!(
            out,
            text.replace(
                "      file: events.jsonl  # the chain\n",
                "      file: events.jsonl  # the chain\n    head:\n      hash: ab12\n      count: 3\n"
            )
        );
        // At the end of the file, without a final newline.
        let text = "evidence:\n  events:\n    file: e.jsonl";
        let out = set_heads(text, &[Some(head())], &Budgets::default()).unwrap();
        assert_eq!(
            out,
            format!("{text}\n  head:\n    hash: ab12\n    count: 3\n")
        );
    }

    #[test]
    fn shapes_it_does_not_edit_are_left_to_the_caller() {
        for text in [
            "evidence: {events: {file: e.jsonl}}\n",
            "session: {id: s1}\n",
            "evidence:\n\tevents: x\n",
        ] {
            assert_eq!(
                set_heads(text, &[Some(head())], &Budgets::default()),
                None,
                "{text}"
            );
        }
    }

    #[test]
    fn several_documents_are_edited_each_in_place() {
        let text =
            "evidence:\n  events: []\n---\nevidence:\n  events: []\n  head: {hash: x, count: 0}\n";
        let out = set_heads(text, &[None, Some(head())], &Budgets::default()).unwrap();
        assert_eq!(
            out,
            "evidence:\n  events: []\n---\nevidence:\n  events: []\n  head:\n    hash: ab12\n    count: 3\n"
        );
    }

    #[test]
    fn inline_events_gain_their_chain_fields_in_place() {
        let text = "evidence:\n  events:\n  - seq: 1   # first\n    type: command\n    command: \"ls\"\n  - type: note\n    text: 'kept'\n    prev: stale\n# end\n";
        let old = parse_documents(text, &Budgets::default()).unwrap()[0].to_json();
        let mut want = old.clone();
        let events = want
            .pointer_mut("/evidence/events")
            .unwrap()
            .as_array_mut()
            .unwrap();
        events[0]["prev"] = "aa".into();
        events[0]["hash"] = "bb".into();
        events[1]["seq"] = 2.into();
        events[1]["prev"] = "bb".into();
        events[1]["hash"] = "cc".into();
        want["evidence"]["head"] = serde_json::json!({"hash": "cc", "count": 2});
        let out = seal_by_span(text, &[want], &Budgets::default()).unwrap();
        assert_eq!(
            out,
            "evidence:\n  events:\n  - seq: 1   # first\n    type: command\n    command: \"ls\"\n    prev: aa\n    hash: bb\n  - type: note\n    text: 'kept'\n    prev: bb\n    seq: 2\n    hash: cc\n  head:\n    hash: cc\n    count: 2\n# end\n"
        );
    }
}
