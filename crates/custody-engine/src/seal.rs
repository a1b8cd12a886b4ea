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

/// Seal the events of one bundle document (JSON form), returning the new head or a refusal.
fn seal_doc(
    doc: &mut Json,
    external: Option<&mut Vec<Json>>,
    reseal: bool,
) -> Result<bool, Sealed> {
    let session = doc
        .pointer("/session/id")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    let head = doc.pointer("/evidence/head").map(|h| Head {
        hash: h.get("hash").and_then(Json::as_str).map(str::to_owned),
        count: h.get("count").and_then(Json::as_i64),
    });
    let mut inline: Vec<Json> = match doc.pointer("/evidence/events") {
        Some(Json::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let events: &mut Vec<Json> = match external {
        Some(e) => e,
        None => &mut inline,
    };
    let result = chain::verify(&session, events, head.as_ref());
    if !result.verified() && has_chain(events, head.as_ref()) && !reseal {
        let (kind, seq, _) = result.failure.expect("not verified means a failure");
        return Err(Sealed::Refused {
            session: session.clone(),
            seq,
            kind: kind.as_str(),
            message: format!(
                "the existing hash chain of session `{session}` does not verify ({} break at seq {}); refusing to reseal it, which would hide tampering (use --reseal after investigating)",
                kind.as_str(),
                seq.map_or("-".to_owned(), |s| s.to_string())
            ),
        });
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

fn render(path: &Path, docs: &[Json]) -> Result<String, SealError> {
    // A `.json` file (in any letter case) is read back as strict JSON: it is written as JSON.
    let is_json = crate::source::Syntax::of(path) == crate::source::Syntax::Json;
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
    let (_, nodes) = parse(path, budgets)?;
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
        match seal_doc(doc, None, reseal) {
            Ok(c) => changed |= c,
            Err(refused) => return Ok(refused),
        }
    }
    if !changed {
        return Ok(Sealed::Unchanged);
    }
    let text = render(path, &docs)?;
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
    let (_, nodes) = parse(&manifest, budgets)?;
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
        let changed = match seal_doc(doc, None, reseal) {
            Ok(c) => c,
            Err(refused) => return Ok(refused),
        };
        if !changed {
            return Ok(Sealed::Unchanged);
        }
        let text = render(&manifest, &docs)?;
        crate::atomic::write_atomic(&manifest, text.as_bytes())
            .map_err(|e| err(&manifest, format!("cannot write: {e}")))?;
        return Ok(Sealed::Written(vec![manifest]));
    };
    let events_path = bundle::resolve_inside(dir, &name).map_err(|m| err(dir, m))?;
    // Read as check reads it: streamed, within the line-length and events budgets.
    let display = events_path.display().to_string();
    let mut events: Vec<Json> = bundle::read_events(&events_path, &display, budgets)
        .map_err(|(_, message)| {
            // The message names the file first; the error names it already.
            let message = message
                .strip_prefix(&format!("{display}: "))
                .unwrap_or(&message);
            err(&events_path, message)
        })?
        .iter()
        .map(Node::to_json)
        .collect();
    let original = events.clone();
    let old_head = doc.pointer("/evidence/head").cloned();
    if let Err(refused) = seal_doc(doc, Some(&mut events), reseal) {
        return Ok(refused);
    }
    let mut written = Vec::new();
    if events != original {
        let mut out = String::new();
        for e in &events {
            out.push_str(&serde_json::to_string(e).map_err(|e| err(&events_path, e.to_string()))?);
            out.push('\n');
        }
        crate::atomic::write_atomic(&events_path, out.as_bytes())
            .map_err(|e| err(&events_path, format!("cannot write: {e}")))?;
        written.push(events_path);
    }
    if doc.pointer("/evidence/head").cloned() != old_head {
        let text = render(&manifest, &docs)?;
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
