//! Loading a session bundle (docs/bundle.md): a single file, a bundle directory (`bundle.yaml` +
//! `events.jsonl` + recording) or a JSON Lines stream, with the files it references resolved inside its
//! directory.

use std::io::BufRead;
use std::path::{Component, Path, PathBuf};

use super::chain::{self, ChainResult, Head};
use super::recording::{read_cast, sha256_file, Cast, RecordingFacts};
use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, Pos, Step, Value};

/// The default longest line accepted in `events.jsonl` or a JSON Lines bundle stream (bytes); the budget in
/// force is [`Budgets::max_line`] (`limits.maxLineLength`).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// Resolve a file named by a bundle inside the bundle's directory; `Err` says why it may not be followed.
pub fn resolve_inside(base: &Path, name: &str) -> Result<PathBuf, String> {
    let rel = Path::new(name);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "`{name}` escapes the bundle directory; name a file inside it"
        ));
    }
    let path = base.join(rel);
    let canonical_base = base
        .canonicalize()
        .map_err(|e| format!("cannot resolve the bundle directory: {e}"))?;
    match path.canonicalize() {
        Ok(p) if p.starts_with(&canonical_base) && !p.is_file() => Err(format!(
            "`{name}` is not a regular file (a FIFO, device or directory is never read)"
        )),
        Ok(p) if p.starts_with(&canonical_base) => Ok(path),
        Ok(_) => Err(format!(
            "`{name}` escapes the bundle directory through a symlink"
        )),
        Err(_) => Err(format!("`{name}` does not exist in the bundle directory")),
    }
}

/// A bundle document with everything its references brought in.
pub struct LoadedBundle {
    pub node: Node,
    /// Display names of the files its nodes come from (0: the bundle file; 1: events.jsonl when used).
    pub files: Vec<String>,
    pub recording: RecordingFacts,
    /// `CUS-P001` findings on references (missing, escaping, unparsable events).
    pub problems: Vec<Finding>,
    /// The files its references name (events file, recording), as resolved inside its directory: part of
    /// the bundle, never read as bundles of their own.
    pub references: Vec<PathBuf>,
    /// The `events.jsonl` its events were read from, with where each event's line is.
    pub events_file: Option<EventsFile>,
    /// The `CUS-P002` schema problems of the events of `events_file`, checked one by one as they were read
    /// (the bundle's own schema check sees them no more).
    pub event_problems: Vec<Finding>,
}

/// Where an event's line is in `events.jsonl`: its 1-based number and the byte offset of its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventLine {
    pub number: u32,
    pub offset: u32,
}

/// A bundle directory's `events.jsonl` as `check` keeps it: each event is checked (schema, hash chain) as
/// its line is read, and kept as that line's text until the policy input is built from it, never as a
/// located tree; where each line is (8 bytes an event) locates a finding on an event, by reading and parsing
/// that one line again.
pub struct EventsFile {
    pub path: PathBuf,
    pub lines: Vec<EventLine>,
    /// Each event's line, without its line end; taken when the policy input is built.
    pub texts: Vec<Box<str>>,
    /// The verdict on the hash chain, against the bundle's head anchor.
    pub chain: ChainResult,
    /// Whether any event carries a chain (`prev` or `hash`).
    pub carries_chain: bool,
    budgets: Budgets,
    /// The file, opened at the first finding that needs it.
    file: std::sync::Mutex<Option<std::fs::File>>,
}

impl EventsFile {
    /// The budgets its lines were read within.
    pub fn budgets(&self) -> Budgets {
        self.budgets
    }

    /// Event `index` read again from its line, positioned as when the file was loaded (file index 1).
    /// `None` when there is no such event or its line no longer reads as it did.
    pub fn event(&self, index: usize) -> Option<Node> {
        use std::io::{Read, Seek, SeekFrom};
        let line = *self.lines.get(index)?;
        let mut guard = self.file.lock().ok()?;
        if guard.is_none() {
            *guard = Some(std::fs::File::open(&self.path).ok()?);
        }
        let file = guard.as_mut()?;
        file.seek(SeekFrom::Start(u64::from(line.offset))).ok()?;
        let mut buf = Vec::new();
        let mut reader = std::io::BufReader::new(
            file.take(u64::try_from(self.budgets.max_line).ok()?.saturating_add(1)),
        );
        reader.read_until(b'\n', &mut buf).ok()?;
        let text = source::decode(&buf).ok()?;
        let mut node = source::parse_one(text, &self.budgets).ok()?;
        shift(&mut node, line.number, line.offset);
        set_file(&mut node, 1);
        Some(node)
    }
}

fn set_file(node: &mut Node, file: u16) {
    node.file = file;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| set_file(n, file)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| set_file(n, file)),
        _ => {}
    }
}

fn reference_problem(file: &str, node: &Node, path: &[Step], message: String) -> Finding {
    let located = node.locate(path);
    let mut f = Finding::new("CUS-P001", Severity::Error, message, file).at(located.pos);
    f.path = Some(source::path_string(path));
    f
}

/// Read `events.jsonl` line by line, handing each event node to `event` as it is parsed ([`each_event`]).
pub(crate) fn read_each_event(
    path: &Path,
    display: &str,
    budgets: &Budgets,
    event: impl FnMut(Node, EventLine, &str),
) -> Result<usize, (Option<Pos>, String)> {
    let file =
        std::fs::File::open(path).map_err(|e| (None, format!("cannot read {display}: {e}")))?;
    each_event(std::io::BufReader::new(file), display, budgets, event)
}

/// Parse a JSON Lines events stream (the contents of `events.jsonl`) into event nodes positioned at their
/// lines, within the line-length and events budgets. `Err` is the `CUS-P001` position and message.
pub fn parse_events(
    reader: impl BufRead,
    display: &str,
    budgets: &Budgets,
) -> Result<Vec<Node>, (Option<Pos>, String)> {
    let mut events = Vec::new();
    each_event(reader, display, budgets, |node, _, _| events.push(node))?;
    Ok(events)
}

/// Read a JSON Lines events stream one line at a time, handing each event node (positioned at its line) to
/// `event` as it is parsed with where its line is and its text, within the line-length and events budgets: memory stays
/// bounded by one line.
/// Returns the number of events; `Err` is the `CUS-P001` position and message of the first line that could
/// not be read (events before it have been handed over).
pub fn each_event(
    mut reader: impl BufRead,
    display: &str,
    budgets: &Budgets,
    mut event: impl FnMut(Node, EventLine, &str),
) -> Result<usize, (Option<Pos>, String)> {
    use crate::budget::{exceeded, read_line_bounded, LineRead};
    let mut count = 0usize;
    let mut line_no = 0u32;
    let mut offset = 0u32;
    let mut buf = Vec::new();
    loop {
        let n = match read_line_bounded(&mut reader, budgets.max_line, &mut buf)
            .map_err(|e| (None, format!("cannot read {display}: {e}")))?
        {
            LineRead::Eof => break,
            LineRead::Line(n) => n,
            LineRead::TooLong(_) => {
                line_no = line_no.saturating_add(1);
                return Err((
                    Some(Pos::line_only(line_no)),
                    format!(
                        "{display}: line {line_no} {}",
                        exceeded(
                            "line-length",
                            format!("{} bytes", budgets.max_line),
                            "maxLineLength"
                        )
                    ),
                ));
            }
        };
        line_no = line_no.saturating_add(1);
        let text = source::decode(&buf).map_err(|e| {
            (
                Some(Pos::line_only(line_no)),
                format!("{display}: {}", e.message),
            )
        })?;
        if !text.trim().is_empty() {
            if count >= budgets.max_events {
                return Err((
                    Some(Pos::line_only(line_no)),
                    format!(
                        "{display}: the bundle {}",
                        exceeded("events", budgets.max_events, "maxEvents")
                    ),
                ));
            }
            let mut node = source::parse_one(text, budgets).map_err(|e| {
                let pos = e
                    .pos
                    .map(|p| p.shifted(line_no, offset))
                    .unwrap_or(Pos::line_only(line_no));
                (
                    Some(pos),
                    format!(
                        "{display}: line {line_no} is not a JSON event: {}",
                        e.message
                    ),
                )
            })?;
            shift(&mut node, line_no, offset);
            count += 1;
            event(
                node,
                EventLine {
                    number: line_no,
                    offset,
                },
                text,
            );
        }
        offset = offset.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    }
    Ok(count)
}

/// Shift every position of a node parsed from one line to file coordinates.
pub fn shift(node: &mut Node, line: u32, offset: u32) {
    node.pos = node.pos.shifted(line, offset);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, line, offset)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, n)| {
            k.pos = k.pos.shifted(line, offset);
            shift(n, line, offset)
        }),
        _ => {}
    }
}

/// Resolve a bundle's references (events file, recording) relative to `base` (None: stdin, no files).
pub fn resolve(mut node: Node, file: &str, base: Option<&Path>, budgets: &Budgets) -> LoadedBundle {
    let mut files = vec![file.to_owned()];
    let mut problems = Vec::new();
    let mut references = Vec::new();
    let mut recording = RecordingFacts::default();
    let mut events_file = None;
    let mut loaded_problems = Vec::new();
    let events_name = node
        .at(&["evidence", "events", "file"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    if let Some(name) = events_name.clone() {
        let path = [
            Step::Key("evidence".into()),
            Step::Key("events".into()),
            Step::Key("file".into()),
        ];
        let resolved = match base {
            Some(base) => resolve_inside(base, &name),
            None => Err(format!(
                "`{name}` cannot be read for a bundle from standard input"
            )),
        };
        references.extend(resolved.iter().cloned());
        let mut replacement = None;
        match resolved {
            Err(message) => problems.push(reference_problem(file, &node, &path, message)),
            Ok(p) => {
                let display = Path::new(file)
                    .parent()
                    .map_or_else(|| PathBuf::from(&name), |d| d.join(&name))
                    .display()
                    .to_string();
                let session = node
                    .at(&["session", "id"])
                    .and_then(Node::as_str)
                    .unwrap_or_default();
                let mut verifier = chain::Verifier::new(session);
                let mut lines = Vec::new();
                let mut texts = Vec::new();
                let mut event_problems = Vec::new();
                let read = read_each_event(&p, &display, budgets, |event, line, text| {
                    verifier.push(&event);
                    for problem in crate::schema::check_event(&event) {
                        let pos = event.locate(&problem.path).pos;
                        let mut path = vec![
                            Step::Key("evidence".into()),
                            Step::Key("events".into()),
                            Step::Index(lines.len()),
                        ];
                        path.extend(problem.path);
                        let mut f =
                            Finding::new("CUS-P002", Severity::Error, problem.message, &display)
                                .at(pos);
                        f.path = Some(source::path_string(&path));
                        event_problems.push(f);
                    }
                    lines.push(line);
                    texts.push(Box::from(text.trim_end_matches(['\n', '\r'])));
                });
                match read {
                    Ok(count) => {
                        lines.shrink_to_fit();
                        texts.shrink_to_fit();
                        let carries_chain = verifier.carries_chain();
                        let head = chain_inputs(&node).1;
                        events_file = Some(EventsFile {
                            path: p.clone(),
                            lines,
                            texts,
                            chain: verifier.finish(count, head.as_ref()),
                            carries_chain,
                            budgets: *budgets,
                            file: std::sync::Mutex::new(None),
                        });
                        loaded_problems = event_problems;
                        let events: Vec<Node> = Vec::new();
                        files.push(display);
                        let pos = node.locate(&path[..2]).pos;
                        replacement = Some(Node::new(Value::Seq(events), pos));
                    }
                    Err((pos, message)) => {
                        let mut f = Finding::new("CUS-P001", Severity::Error, message, &display);
                        if let Some(pos) = pos {
                            f = f.at(pos);
                        }
                        problems.push(f);
                    }
                }
            }
        }
        // The events either come from the file, or are treated as absent.
        if let Some(evidence) = node.get_mut("evidence") {
            if let Value::Map(entries) = &mut evidence.value {
                match replacement {
                    Some(events) => {
                        if let Some(slot) = entries.iter_mut().find(|(k, _)| k.name == "events") {
                            slot.1 = events;
                        }
                    }
                    None => entries.retain(|(k, _)| k.name != "events"),
                }
            }
        }
    }
    // Inline events are bounded by the same events budget as `events.jsonl`.
    let inline_events = match node.at(&["evidence", "events"]).map(|n| &n.value) {
        Some(Value::Seq(items)) if events_name.is_none() => items.len(),
        _ => 0,
    };
    if inline_events > budgets.max_events {
        let path = [Step::Key("evidence".into()), Step::Key("events".into())];
        let message = format!(
            "the bundle {}",
            crate::budget::exceeded("events", budgets.max_events, "maxEvents")
        );
        problems.push(reference_problem(file, &node, &path, message));
        if let Some(Value::Map(entries)) = node.get_mut("evidence").map(|e| &mut e.value) {
            entries.retain(|(k, _)| k.name != "events");
        }
    }
    let rec_file = node
        .at(&["evidence", "recording", "file"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    if let Some(name) = rec_file {
        let path = [
            Step::Key("evidence".into()),
            Step::Key("recording".into()),
            Step::Key("file".into()),
        ];
        let resolved = match base {
            Some(base) => resolve_inside(base, &name),
            None => Err(format!(
                "`{name}` cannot be read for a bundle from standard input"
            )),
        };
        references.extend(resolved.iter().cloned());
        match resolved {
            Err(message) => problems.push(reference_problem(file, &node, &path, message)),
            Ok(p) => match sha256_file(&p) {
                Err(e) => problems.push(reference_problem(
                    file,
                    &node,
                    &path,
                    format!("cannot read `{name}`: {e}"),
                )),
                Ok(digest) => {
                    recording.file = true;
                    recording.sha256_ok = node
                        .at(&["evidence", "recording", "sha256"])
                        .and_then(Node::as_str)
                        .map(|want| want.eq_ignore_ascii_case(&digest));
                    match read_cast(&p, budgets.max_line) {
                        Cast::V2 { duration_ns } => recording.cast_duration_ns = Some(duration_ns),
                        Cast::Unsupported { version } => problems.push(reference_problem(
                            file,
                            &node,
                            &path,
                            format!("`{name}` is an asciicast v{version} recording, which custody does not support (it reads asciicast v2 only; v3 times are intervals, not offsets): convert it to asciicast v2 to have its duration checked"),
                        )),
                        Cast::Invalid if name.ends_with(".cast") => problems.push(reference_problem(
                            file,
                            &node,
                            &path,
                            format!("`{name}` is not a valid asciinema v2 cast (a JSON header with version 2, then [time, code, data] lines)"),
                        )),
                        Cast::Invalid => {}
                    }
                }
            },
        }
    }
    LoadedBundle {
        node,
        files,
        recording,
        problems,
        references,
        events_file,
        event_problems: loaded_problems,
    }
}

/// The events of a bundle node (inline list, as loaded), and the head anchor.
pub fn chain_inputs(node: &Node) -> (&[Node], Option<Head>) {
    let events: &[Node] = match node.at(&["evidence", "events"]).map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    };
    let head = node.at(&["evidence", "head"]).map(|h| Head {
        hash: h.get("hash").and_then(Node::as_str).map(str::to_owned),
        count: match h.get("count").map(|c| &c.value) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        },
    });
    (events, head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_may_not_escape() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("e.jsonl"), "").unwrap();
        assert!(resolve_inside(dir.path(), "e.jsonl").is_ok());
        assert!(resolve_inside(dir.path(), "../e.jsonl").is_err());
        assert!(resolve_inside(dir.path(), "/etc/passwd").is_err());
        assert!(resolve_inside(dir.path(), "missing.jsonl").is_err());
    }
}
