//! Editing a YAML bundle by span: `evidence.head` replaced or added in the text itself, so that every other
//! byte of the file (comments, key order, quoting, flow or block style, long lines) stays as the author wrote
//! it. `custody seal` uses it for the manifest of a bundle directory, whose events live in another file.
//!
//! The edit is checked: the edited text is parsed again and must give exactly the documents expected (the
//! old ones with the new head). When the text has a shape this module does not edit — `evidence` in flow
//! style, no `evidence` key, tabs — or the check fails, [`set_heads`] returns `None` and the caller writes
//! the documents out whole.

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

/// `text` with `evidence.head` of each document set to `heads[i]` (`None`: that document unchanged), when
/// every edit can be made by span and the result parses to what is expected; `None` otherwise.
pub fn set_heads(text: &str, heads: &[Option<Head>], budgets: &Budgets) -> Option<String> {
    if text.contains('\t') {
        return None;
    }
    let docs = parse_documents(text, budgets).ok()?;
    if docs.len() != heads.len() {
        return None;
    }
    let mut edits = Vec::new();
    for (doc, head) in docs.iter().zip(heads) {
        if let Some(head) = head {
            edits.push(head_edit(text, doc, head)?);
        }
    }
    let mut out = text.to_owned();
    // From the end, so that earlier offsets stay valid.
    edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    // The check: the edited text reads as the old documents with their new heads.
    let edited = parse_documents(&out, budgets).ok()?;
    if edited.len() != docs.len() {
        return None;
    }
    for ((old, new), head) in docs.iter().zip(&edited).zip(heads) {
        let mut expected = old.to_json();
        if let Some((hash, count)) = head {
            let evidence = expected.get_mut("evidence")?.as_object_mut()?;
            evidence.insert(
                "head".to_owned(),
                serde_json::json!({"hash": hash, "count": count}),
            );
        }
        if new.to_json() != expected {
            return None;
        }
    }
    Some(out)
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
}
