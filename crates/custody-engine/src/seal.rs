//! `custody seal`: compute a bundle's event hash chain and head anchor and write them atomically. A chain that
//! exists and does not verify is not rewritten (that would launder tampering) unless `reseal` is asked for.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::evidence::bundle;
use crate::evidence::chain::{self, Head};
use crate::load::FileError;
use crate::source::{Budgets, Node};

/// What sealing one bundle did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sealed {
    /// Files rewritten.
    Written(Vec<PathBuf>),
    /// The chain already verified with its head: nothing changed.
    Unchanged,
    /// An existing chain does not verify: refused. (seq, kind) of the first failure, and the message.
    Refused {
        session: String,
        seq: Option<i64>,
        kind: &'static str,
        message: String,
    },
}

/// Why a bundle could not be sealed at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(code(custody::seal))]
pub struct SealError {
    pub path: String,
    pub message: String,
}

fn err(path: &Path, message: impl Into<String>) -> SealError {
    SealError {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn has_chain(events: &[Json], head: Option<&Head>) -> bool {
    head.is_some()
        || events
            .iter()
            .any(|e| e.get("hash").is_some() || e.get("prev").is_some())
}

/// The refusal to reseal an existing chain that does not verify (`result` holds its failure).
fn refusal(session: String, result: &chain::ChainResult) -> Sealed {
    let (kind, seq) = result
        .failure
        .map_or((chain::Break::Head, None), |(k, s, _)| (k, s));
    let message = format!(
        "the existing hash chain of session `{session}` does not verify ({} break at seq {}); refusing to reseal it, which would hide tampering (use --reseal after investigating)",
        kind.as_str(),
        seq.map_or("-".to_owned(), |s| s.to_string())
    );
    Sealed::Refused {
        session,
        seq,
        kind: kind.as_str(),
        message,
    }
}

fn session_of(doc: &Json) -> String {
    doc.pointer("/session/id")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn head_of(doc: &Json) -> Option<Head> {
    doc.pointer("/evidence/head").map(|h| Head {
        hash: h.get("hash").and_then(Json::as_str).map(str::to_owned),
        count: h.get("count").and_then(Json::as_i64),
    })
}

/// Set `evidence.head` of a bundle document.
fn set_head(doc: &mut Json, head: &Head) {
    let head_json = serde_json::json!({"hash": head.hash, "count": head.count});
    let evidence = doc.as_object_mut().map(|o| {
        o.entry("evidence")
            .or_insert_with(|| Json::Object(Default::default()))
    });
    if let Some(Json::Object(ev)) = evidence {
        ev.insert("head".to_owned(), head_json);
    }
}

/// Seal the events of one bundle document (JSON form), returning the new head or a refusal.
fn seal_doc(doc: &mut Json, reseal: bool) -> Result<bool, Sealed> {
    let session = session_of(doc);
    let head = head_of(doc);
    let events: &mut Vec<Json> = &mut match doc.pointer("/evidence/events") {
        Some(Json::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let result = chain::verify(&session, events, head.as_ref());
    if !result.verified() && has_chain(events, head.as_ref()) && !reseal {
        return Err(refusal(session, &result));
    }
    let before = (events.clone(), doc.pointer("/evidence/head").cloned());
    let new_head = chain::seal_events(&session, events);
    let mut head_json = serde_json::json!({"hash": new_head.hash, "count": new_head.count});
    // Signatures of an unchanged head still hold: keep them (a changed head drops them, as they no longer
    // match).
    if let Some(sigs) = doc.pointer("/evidence/head/signatures") {
        if doc.pointer("/evidence/head/hash") == Some(&head_json["hash"])
            && doc.pointer("/evidence/head/count") == Some(&head_json["count"])
        {
            head_json["signatures"] = sigs.clone();
        }
    }
    let evidence = doc.as_object_mut().map(|o| {
        o.entry("evidence")
            .or_insert_with(|| Json::Object(Default::default()))
    });
    if let Some(Json::Object(ev)) = evidence {
        if matches!(ev.get("events"), Some(Json::Array(_))) {
            ev.insert("events".to_owned(), Json::Array(events.clone()));
        }
        ev.insert("head".to_owned(), head_json);
    }
    Ok(before != (events.clone(), doc.pointer("/evidence/head").cloned()))
}

/// Read, decode and parse a bundle file through the loader, within `budgets`.
fn parse(path: &Path, budgets: &Budgets) -> Result<(String, Vec<Node>), SealError> {
    crate::load::read::parsed(path, budgets).map_err(|e| {
        let message = match &e {
            FileError::Io(io) => format!("cannot read: {io}"),
            FileError::TooLarge(max) => crate::budget::file_too_large(*max),
            FileError::Decode(_) => e.to_string(),
            FileError::Parse(_) => format!("{}cannot parse: {e}", e.parse_position()),
        };
        err(path, message)
    })
}

/// The text of a bundle file whose documents are now `docs`. A YAML file is edited by span when it can be
/// (`text` is its current content): only `seq`, `prev`, `hash` and `evidence.head` change, every other byte
/// stays ([`crate::source::edit`]); otherwise the documents are written whole.
fn render(path: &Path, text: &str, docs: &[Json], budgets: &Budgets) -> Result<String, SealError> {
    // A `.json` file (in any letter case) is read back as strict JSON: it is written as JSON.
    let is_json = crate::source::Syntax::of(path) == crate::source::Syntax::Json;
    if !is_json {
        if let Some(edited) = crate::source::edit::seal_by_span(text, docs, budgets) {
            return Ok(edited);
        }
    }
    if is_json {
        let mut out = String::new();
        for d in docs {
            out.push_str(&serde_json::to_string_pretty(d).map_err(|e| err(path, e.to_string()))?);
            out.push('\n');
        }
        return Ok(out);
    }
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 || docs.len() > 1 {
            out.push_str("---\n");
        }
        out.push_str(&serde_saphyr::to_string(d).map_err(|e| err(path, e.to_string()))?);
    }
    Ok(out)
}

fn is_bundle(doc: &Json) -> bool {
    doc.get("kind").and_then(Json::as_str) == Some("SessionBundle")
}

/// Seal a bundle file or bundle directory, reading within `budgets` (the configuration's limits).
pub fn seal(path: &Path, reseal: bool, budgets: &Budgets) -> Result<Sealed, SealError> {
    if path.is_dir() {
        return seal_dir(path, reseal, budgets);
    }
    let (original, nodes) = parse(path, budgets)?;
    let mut docs: Vec<Json> = nodes.iter().map(Node::to_json).collect();
    if !docs.iter().any(is_bundle) {
        return Err(err(path, "holds no SessionBundle document"));
    }
    let mut changed = false;
    for doc in docs.iter_mut().filter(|d| is_bundle(d)) {
        if doc.pointer("/evidence/events/file").is_some() {
            return Err(err(
                path,
                "its events live in a separate file: seal the bundle directory instead",
            ));
        }
        match seal_doc(doc, reseal) {
            Ok(c) => changed |= c,
            Err(refused) => return Ok(refused),
        }
    }
    if !changed {
        return Ok(Sealed::Unchanged);
    }
    let text = render(path, &original, &docs, budgets)?;
    crate::atomic::write_atomic(path, text.as_bytes())
        .map_err(|e| err(path, format!("cannot write: {e}")))?;
    Ok(Sealed::Written(vec![path.to_owned()]))
}

fn seal_dir(dir: &Path, reseal: bool, budgets: &Budgets) -> Result<Sealed, SealError> {
    let manifest = crate::discover::bundle_manifest(dir).ok_or_else(|| {
        err(
            dir,
            "is not a bundle directory (no bundle.yaml or bundle.json)",
        )
    })?;
    let (manifest_text, nodes) = parse(&manifest, budgets)?;
    let mut docs: Vec<Json> = nodes.iter().map(Node::to_json).collect();
    if docs.len() != 1 || !is_bundle(&docs[0]) {
        return Err(err(
            &manifest,
            "must hold exactly one SessionBundle document",
        ));
    }
    let doc = &mut docs[0];
    let Some(name) = doc
        .pointer("/evidence/events/file")
        .and_then(Json::as_str)
        .map(str::to_owned)
    else {
        let changed = match seal_doc(doc, reseal) {
            Ok(c) => c,
            Err(refused) => return Ok(refused),
        };
        if !changed {
            return Ok(Sealed::Unchanged);
        }
        let text = render(&manifest, &manifest_text, &docs, budgets)?;
        crate::atomic::write_atomic(&manifest, text.as_bytes())
            .map_err(|e| err(&manifest, format!("cannot write: {e}")))?;
        return Ok(Sealed::Written(vec![manifest]));
    };
    let events_path = bundle::resolve_inside(dir, &name).map_err(|m| err(dir, m))?;
    let old_head = head_of(doc);
    let old_head_json = doc.pointer("/evidence/head").cloned();
    let new_head =
        match seal_events_file(&events_path, &session_of(doc), old_head, reseal, budgets)? {
            Ok(head) => head,
            Err(refused) => return Ok(refused),
        };
    let mut written = Vec::new();
    if let Some(path) = new_head.1 {
        written.push(path);
    }
    set_head(doc, &new_head.0);
    if doc.pointer("/evidence/head").cloned() != old_head_json {
        let text = render(&manifest, &manifest_text, &docs, budgets)?;
        crate::atomic::write_atomic(&manifest, text.as_bytes())
            .map_err(|e| err(&manifest, format!("cannot write: {e}")))?;
        written.push(manifest);
    }
    Ok(if written.is_empty() {
        Sealed::Unchanged
    } else {
        Sealed::Written(written)
    })
}

/// Seal a bundle directory's `events.jsonl` as a stream, never holding its events: a first pass verifies
/// the chain it carries (event by event, as `check` reads the file); when the chain does not hold, a second
/// pass seals each event as it reads it and writes it to the file's atomic replacement. Returns the new
/// head and the file when it was rewritten, or the refusal to reseal a chain that does not verify.
fn seal_events_file(
    events_path: &Path,
    session: &str,
    head: Option<Head>,
    reseal: bool,
    budgets: &Budgets,
) -> Result<Result<(Head, Option<PathBuf>), Sealed>, SealError> {
    let display = events_path.display().to_string();
    // Read as check reads it: streamed, within the line-length and events budgets.
    let read_error = |(_, message): (Option<crate::source::Pos>, String)| {
        // The message names the file first; the error names it already.
        let message = message
            .strip_prefix(&format!("{display}: "))
            .unwrap_or(&message);
        err(events_path, message)
    };
    let mut verifier = chain::Verifier::new(session);
    let count = bundle::read_each_event(events_path, &display, budgets, |event, _, _| {
        verifier.push(&event);
    })
    .map_err(read_error)?;
    if verifier.links_hold() {
        // Every event already carries the chain sealing would write: the file stays as it is.
        let new_head = verifier.head();
        let result = verifier.finish(count, head.as_ref());
        if !result.verified() && !reseal {
            return Ok(Err(refusal(session.to_owned(), &result)));
        }
        return Ok(Ok((new_head, None)));
    }
    let has_chain = head.is_some() || verifier.carries_chain();
    let result = verifier.finish(count, head.as_ref());
    if has_chain && !reseal {
        return Ok(Err(refusal(session.to_owned(), &result)));
    }
    let mut sealer = chain::Sealer::new(session);
    let mut read_failure = None;
    let written = crate::atomic::write_atomic_with(events_path, |out| {
        let mut changed = false;
        let mut write_failure = None;
        let resealed = bundle::read_each_event(events_path, &display, budgets, |event, _, _| {
            if write_failure.is_some() {
                return;
            }
            let original = event.to_json();
            let mut sealed = original.clone();
            sealer.seal(&mut sealed);
            changed |= sealed != original;
            let line = serde_json::to_vec(&sealed).map_err(std::io::Error::other);
            if let Err(e) = line.and_then(|mut line| {
                line.push(b'\n');
                out.write_all(&line)
            }) {
                write_failure = Some(e);
            }
        });
        if let Some(e) = write_failure {
            return Err(e);
        }
        match resealed {
            Err(e) => {
                read_failure = Some(read_error(e));
                Ok(false)
            }
            Ok(n) if n != count => {
                read_failure = Some(err(
                    events_path,
                    "changed while it was being sealed; nothing was written (seal it again)",
                ));
                Ok(false)
            }
            Ok(_) => Ok(changed),
        }
    })
    .map_err(|e| err(events_path, format!("cannot write: {e}")))?;
    if let Some(e) = read_failure {
        return Err(e);
    }
    Ok(Ok((sealer.head(), written.then(|| events_path.to_owned()))))
}
