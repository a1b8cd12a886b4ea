//! The workflow id of a manifest written the usual way, read without parsing the file: what
//! `validate --ids-from` needs of every other manifest in a repository, on each commit.
//!
//! [`plain_workflow_ids`] answers only for a file whose shape it fully understands: block-style YAML
//! documents (separated by `---` lines) whose top-level keys are plain words, `apiVersion: custody/v1`, `kind: Workflow`, and a
//! `metadata:` block holding `id:` with a plain or simply quoted scalar. For anything else (JSON, flow
//! style, `...` or `--- value` markers, anchors, tags, tabs, escapes, repeated keys, comments where a value is
//! expected) it answers `None`, and the caller parses the file as every other command does.

/// What a top-level line or a `metadata:` child line says: `key`, and the rest after `:` (trimmed).
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let plain_key = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !plain_key || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim()))
}

/// A scalar value as written: plain (letters, digits, `._-/`), or in quotes without escapes; a trailing
/// ` # comment` is dropped. `None` for anything else.
fn scalar(raw: &str) -> Option<String> {
    let raw = match raw.find(" #") {
        Some(i) if !raw.starts_with(['"', '\'']) => raw[..i].trim_end(),
        _ => raw,
    };
    let quoted = |q: char| {
        let inner = raw.strip_prefix(q)?.strip_suffix(q)?;
        (!inner.contains(q) && !inner.contains('\\')).then(|| inner.to_owned())
    };
    if raw.starts_with('"') {
        return quoted('"');
    }
    if raw.starts_with('\'') {
        return quoted('\'');
    }
    let plain = !raw.is_empty()
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
    plain.then(|| raw.to_owned())
}

/// The `metadata.id` of each document of `text`, with its 1-based line, when every document is a
/// custody/v1 workflow written the usual way (see the module documentation); `None` when the file must be
/// parsed to know.
pub fn plain_workflow_ids(text: &str) -> Option<Vec<(String, u32)>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\t') || text.contains('\r') {
        return None;
    }
    let mut ids = Vec::new();
    let mut doc = String::new();
    // The number of lines before the current document.
    let mut before = 0u32;
    let mut lines = 0u32;
    let finish = |doc: &str, before: u32, ids: &mut Vec<(String, u32)>| -> Option<()> {
        let blank = doc
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        if !blank {
            let (id, line) = plain_workflow_id(doc)?;
            ids.push((id, before + line));
        }
        Some(())
    };
    for line in text.split_inclusive('\n') {
        lines += 1;
        if line.trim_end() == "---" {
            finish(&doc, before, &mut ids)?;
            doc.clear();
            before = lines;
        } else {
            doc.push_str(line);
        }
    }
    finish(&doc, before, &mut ids)?;
    (!ids.is_empty()).then_some(ids)
}

/// `metadata.id` of one document and its 1-based line within it (see [`plain_workflow_ids`]).
fn plain_workflow_id(text: &str) -> Option<(String, u32)> {
    let (mut api, mut kind, mut id) = (None, None, None);
    let mut seen_metadata = false;
    let mut in_metadata = false;
    let mut child_indent = None;
    // The indentation of the line that just gave apiVersion, kind or id: a deeper line next would continue
    // that scalar on another line.
    let mut scalar_at: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if line.starts_with("---") || line.starts_with("...") {
            return None;
        }
        let indent = line.len() - content.len();
        if scalar_at.take().is_some_and(|at| indent > at) {
            return None;
        }
        if indent == 0 {
            in_metadata = false;
            let (key, rest) = key_value(line)?;
            let slot = match key {
                "apiVersion" => &mut api,
                "kind" => &mut kind,
                "metadata" => {
                    if seen_metadata || !rest.is_empty() {
                        return None;
                    }
                    seen_metadata = true;
                    in_metadata = true;
                    continue;
                }
                _ => continue,
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(scalar(rest)?);
            scalar_at = Some(0);
        } else if in_metadata {
            let expected = *child_indent.get_or_insert(indent);
            if indent < expected {
                return None;
            }
            if indent > expected {
                continue;
            }
            let (key, rest) = key_value(content)?;
            if key == "id" {
                if id.is_some() {
                    return None;
                }
                id = Some((scalar(rest)?, u32::try_from(n + 1).ok()?));
                scalar_at = Some(indent);
            }
        }
    }
    if api.as_deref() != Some("custody/v1") || kind.as_deref() != Some("Workflow") {
        return None;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::plain_workflow_ids;

    #[test]
    fn the_usual_manifest_is_read_without_parsing() {
        let text = "# a comment\napiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: payments-db  # note\n  title: x\nspec:\n  id: other\n";
        assert_eq!(
            plain_workflow_ids(text),
            Some(vec![("payments-db".to_owned(), 5)])
        );
        let quoted = "apiVersion: \"custody/v1\"\nkind: 'Workflow'\nmetadata:\n    labels:\n      id: nested\n    id: \"a.b\"\n";
        assert_eq!(
            plain_workflow_ids(quoted),
            Some(vec![("a.b".to_owned(), 6)])
        );
        let two = "# header\n---\napiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: a\n---\napiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: b\n";
        assert_eq!(
            plain_workflow_ids(two),
            Some(vec![("a".to_owned(), 6), ("b".to_owned(), 11)])
        );
    }

    #[test]
    fn anything_unusual_is_left_to_the_parser() {
        for text in [
            "{\"apiVersion\": \"custody/v1\", \"kind\": \"Workflow\", \"metadata\": {\"id\": \"x\"}}",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: x}\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: x\n...\n",
            "# only a comment\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: &a x\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: !!str x\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: \"x\\u0041\"\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: x\n  id: y\n",
            "apiVersion: custody/v1\nkind: Workflow\nkind: Workflow\nmetadata:\n  id: x\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n\tid: x\n",
            "apiVersion: custody/v2\nkind: Workflow\nmetadata:\n  id: x\n",
            "apiVersion: custody/v1\nkind: SessionBundle\nmetadata:\n  id: x\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  title: t\n",
            "apiVersion: custody/v1\nkind: Workflow\n\"metadata\":\n  id: x\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: >-\n    folded\n",
            "apiVersion: custody/v1\r\nkind: Workflow\r\nmetadata:\r\n  id: x\r\n",
            "apiVersion: custody/v1\nkind: Workflow\nmetadata:\n  id: x\n    continued\n",
            "apiVersion: custody/v1\n  continued\nkind: Workflow\nmetadata:\n  id: x\n",
        ] {
            assert_eq!(plain_workflow_ids(text), None, "{text}");
        }
    }
}
