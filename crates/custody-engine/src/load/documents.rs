//! Splitting a file's text into custody documents with positions.

use unicode_normalization::UnicodeNormalization;

use crate::discover::Candidate;
use crate::document::DocumentKind;
use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, Pos, Step, Syntax, Value};

use super::read::p001;

/// A custody document found in a file.
#[derive(Clone, Debug)]
pub struct Document {
    pub kind: DocumentKind,
    pub node: Node,
    /// Index of the document within its file (0-based, empty documents skipped).
    pub index: usize,
}

/// Split a file's text into custody documents. A document is custody's when its `apiVersion` looks like
/// custody's (see [`looks_like_custody`]), or when it has no `apiVersion` and its `kind` is `Workflow` or
/// `SessionBundle`; other documents (Kubernetes, Argo, CloudFormation …) are skipped. A custody document
/// whose `apiVersion` is not exactly `custody/v1`, or whose kind is unknown, is `CUS-P002`; text that does not
/// parse as `syntax` (a `.json` file is strict JSON) is `CUS-P001`. A top-level sequence (a JSON array of
/// bundles) holds one document per item.
pub fn documents(
    file: &str,
    text: &str,
    syntax: Syntax,
    budgets: &Budgets,
) -> (Vec<Document>, Vec<Finding>) {
    let nodes = match source::parse_file(text, syntax, budgets) {
        Ok(n) => n,
        Err(e) => {
            let pos = e.pos.map(|pos| located(text, pos));
            // A bracket left open is reported where the parser noticed, lines later: point at the bracket.
            let pos = match (syntax, pos) {
                (Syntax::Yaml, Some(p)) if flow_error(&e.message) => {
                    Some(unclosed_bracket(text, p).unwrap_or(p))
                }
                _ => pos,
            };
            let message = match syntax {
                Syntax::Yaml => match pos.and_then(|pos| syntax_hint(&e.message, text, pos)) {
                    Some(hint) => format!("cannot parse: {}: {hint}", e.message),
                    None => format!("cannot parse: {}", e.message),
                },
                Syntax::Json => format!("cannot parse as JSON: {}", e.message),
            };
            return (Vec::new(), vec![p001(file, message, pos)]);
        }
    };
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut index = 0;
    let mut take = |node: Node, docs: &mut Vec<Document>| {
        match classify(&node) {
            Class::Other => {}
            Class::Custody(kind) => docs.push(Document { kind, node, index }),
            Class::Problem(problem) => problems.push(problem.finding(file, &node)),
        }
        index += 1;
    };
    for node in nodes {
        match node.value {
            Value::Seq(items) => items.into_iter().for_each(|item| take(item, &mut docs)),
            _ => take(node, &mut docs),
        }
    }
    (docs, problems)
}

/// `pos` with its byte offset in `text` filled in from its line and column (1-based, the column counted in
/// characters) when the parser gave none, so that reports can show the line; a tab error points at the tab.
fn located(text: &str, mut pos: Pos) -> Pos {
    if pos.offset.is_some() || pos.line == 0 {
        return pos;
    }
    let Some(line) = text.split_inclusive('\n').nth(pos.line as usize - 1) else {
        return pos;
    };
    let start = text
        .split_inclusive('\n')
        .take(pos.line as usize - 1)
        .map(str::len)
        .sum::<usize>();
    let content = line.trim_end_matches(['\n', '\r']);
    let column = (pos.column.max(1) - 1) as usize;
    let within = content
        .char_indices()
        .nth(column)
        .map_or(content.len(), |(i, _)| i);
    let (at, len) = match content.find('\t') {
        Some(tab) if tab <= within => (tab, 1),
        _ => (
            within,
            content[within..].chars().next().map_or(0, char::len_utf8),
        ),
    };
    pos.offset = u32::try_from(start + at).ok();
    pos.len = u32::try_from(len).unwrap_or(0);
    if content.find('\t').is_some_and(|tab| tab <= within) {
        pos.column = u32::try_from(content[..at].chars().count() + 1).unwrap_or(pos.column);
    }
    pos
}

/// Whether a parser message may come from a `[` or `{` left open earlier.
fn flow_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("placement of ':'")
        || m.contains("expected ',' or")
        || m.contains("flow")
        || m.contains("end of stream")
}

/// The first `[` or `{` before `at` that is still open there (outside quotes and comments), on an earlier
/// line: where the author forgot to close it.
fn unclosed_bracket(text: &str, at: Pos) -> Option<Pos> {
    let end = (at.offset? as usize).min(text.len());
    let mut open: Vec<(usize, u32, u32)> = Vec::new();
    let (mut line, mut column) = (1u32, 0u32);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for (i, c) in text[..end].char_indices() {
        column += 1;
        if c == '\n' {
            (line, column, comment) = (line + 1, 0, false);
            previous = c;
            continue;
        }
        match (quote, c) {
            _ if comment => {}
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if !open.is_empty() || matches!(previous, ' ' | ':' | '\n') => {
                quote = Some(c)
            }
            (None, '#') if previous.is_whitespace() => comment = true,
            (None, '[' | '{') => open.push((i, line, column)),
            (None, ']' | '}') => {
                open.pop();
            }
            _ => {}
        }
        previous = c;
    }
    let &(offset, line, column) = open.first()?;
    (line < at.line).then(|| Pos {
        line,
        column,
        offset: u32::try_from(offset).ok(),
        len: 1,
    })
}

/// What to do about a YAML syntax error, in words, for the errors people make: a tab, a key out of line,
/// an unclosed quote or bracket, a duplicate key, a value that needs quotes.
fn syntax_hint(message: &str, text: &str, pos: Pos) -> Option<&'static str> {
    let line = text
        .lines()
        .nth((pos.line as usize).checked_sub(1)?)
        .unwrap_or("");
    let m = message.to_ascii_lowercase();
    Some(if m.contains("tab") {
        "YAML indents with spaces only: replace the tab with spaces"
    } else if m.contains("unclosed quote") || m.contains("quoted scalar") {
        "a quoted value is not closed: add the closing quote, or escape the quote inside the value"
    } else if m.contains("duplicate") {
        "a key appears twice in the same mapping: keep one (YAML does not merge them)"
    } else if flow_error(&m)
        && matches!(
            line.as_bytes().get(pos.column as usize - 1),
            Some(b'[' | b'{')
        )
    {
        "this `[` or `{` is not closed: close it before the next key, or quote the value that contains it"
    } else if m.contains("mapping values are not allowed") && line.trim_start().contains(": ") {
        "this line is indented differently from the keys around it, or its value holds an unquoted `: `: align the key with its siblings, or quote the value"
    } else if m.contains("mapping values are not allowed") {
        "a value holds an unquoted `: `: quote the value"
    } else if m.contains("cannot start any token") || m.contains("unexpected character") {
        "a value starts with a character YAML reserves (`@`, `` ` ``, `%`, `|`, `>`, …): quote the value"
    } else if m.contains("flow") || m.contains("unclosed") || m.contains("end of stream") {
        "a `[`, `{` or quote opened here is not closed: close it, or quote the value that contains it"
    } else if m.contains("indent") || m.contains("block") || m.contains("expected key") {
        "the indentation does not match the lines above: indent this line like its siblings, with spaces"
    } else {
        return None;
    })
}

/// [`documents`] of a file found by walking or named on the command line: a walked file that does not parse
/// is `CUS-P001` only when its text mentions custody; otherwise it is another tool's file and holds no
/// document (docs/manifest.md, "Which files are read").
pub fn candidate_documents(
    candidate: &Candidate,
    text: &str,
    budgets: &Budgets,
) -> (Vec<Document>, Vec<Finding>) {
    let syntax = Syntax::of(&candidate.path);
    let (docs, problems) = documents(&candidate.display, text, syntax, budgets);
    let unparsable = docs.is_empty() && problems.iter().any(|p| p.rule == "CUS-P001");
    if unparsable && !candidate.named && !mentions_custody(text.as_bytes()) {
        return (Vec::new(), Vec::new());
    }
    (docs, problems)
}

/// Whether text mentions `custody`, in any ASCII letter case.
pub fn mentions_custody(bytes: &[u8]) -> bool {
    bytes.windows(7).any(|w| w.eq_ignore_ascii_case(b"custody"))
}

/// What a parsed document is to custody.
pub enum Class {
    /// Another tool's document: skipped.
    Other,
    /// A `custody/v1` document of a known kind.
    Custody(DocumentKind),
    /// A document that looks like custody's but cannot be read as `custody/v1`: its `CUS-P002`.
    Problem(Problem),
}

/// Why a document that looks like custody's is not a `custody/v1` document.
pub enum Problem {
    /// `apiVersion` is missing, misspelt or not `custody/v1`.
    ApiVersion(String),
    /// The `kind` is not `Workflow` or `SessionBundle`.
    Kind(String),
}

impl Problem {
    /// The `CUS-P002` finding on `node`, at the field it names.
    pub fn finding(self, file: &str, node: &Node) -> Finding {
        let (field, message) = match self {
            Problem::ApiVersion(m) => ("apiVersion", m),
            Problem::Kind(m) => ("kind", m),
        };
        let key = key_named(node, field).map_or(field, |(k, _)| k);
        let pos = node.locate(&[Step::Key(key.to_owned())]).pos;
        let mut f = Finding::new("CUS-P002", Severity::Error, message, file).at(pos);
        f.path = Some(field.to_owned());
        f
    }
}

const API_VERSION: &str = "custody/v1";

/// Decide what a document is (docs/manifest.md, "Which files are read").
pub fn classify(node: &Node) -> Class {
    // The common case first: exactly custody/v1 with a known kind, decided without folding any text.
    if let Some(api) = node.get("apiVersion").and_then(Node::as_str) {
        if api == API_VERSION {
            return match node.get("kind").and_then(Node::as_str) {
                Some(k) => match DocumentKind::from_kind_field(k) {
                    Some(kind) => Class::Custody(kind),
                    None => Class::Problem(Problem::Kind(format!(
                        "unknown kind `{k}`: custody/v1 documents are Workflow or SessionBundle"
                    ))),
                },
                None => Class::Problem(Problem::Kind(
                    "a custody/v1 document needs `kind: Workflow` or `kind: SessionBundle`"
                        .to_owned(),
                )),
            };
        }
    }
    let Value::Map(_) = node.value else {
        return Class::Other;
    };
    let api = key_named(node, "apiVersion");
    let kind = key_named(node, "kind").and_then(|(_, v)| v.as_str());
    let custody_kind = kind.is_some_and(|k| {
        let k = folded(k);
        k == "workflow" || k == "sessionbundle"
    });
    let bundle_kind = kind.is_some_and(|k| folded(k) == "sessionbundle");
    match api {
        Some((key, value)) => match value.as_str() {
            Some(text) if looks_like_custody(text) || (bundle_kind && !folded(text).is_empty()) => {
                Class::Problem(Problem::ApiVersion(if key != "apiVersion" {
                    format!("`{key}` must be written `apiVersion` (with `apiVersion: custody/v1`)")
                } else {
                    format!("unsupported apiVersion `{text}`: this custody reads custody/v1")
                }))
            }
            Some(text) if !folded(text).is_empty() => Class::Other,
            _ if custody_kind => Class::Problem(Problem::ApiVersion(format!(
                "a {} document needs `apiVersion: custody/v1`",
                kind.unwrap_or_default()
            ))),
            _ => Class::Other,
        },
        None if custody_kind => Class::Problem(Problem::ApiVersion(format!(
            "a {} document needs `apiVersion: custody/v1`",
            kind.unwrap_or_default()
        ))),
        None => Class::Other,
    }
}

/// Whether an `apiVersion` value looks like custody's: read as a person reads it (compatibility form,
/// invisible characters and white space dropped, letter case ignored), it starts with `custody`.
pub fn looks_like_custody(api: &str) -> bool {
    folded(api).starts_with("custody")
}

/// Text as a person reads it, for recognising custody's words: NFKC (fullwidth letters are letters),
/// without white space or invisible characters, in lower case.
fn folded(text: &str) -> String {
    if text.is_ascii() {
        let mut out = text.to_ascii_lowercase();
        out.retain(|c| !c.is_ascii_whitespace() && !c.is_ascii_control());
        return out;
    }
    text.nfkc()
        .filter(|c| !c.is_whitespace() && !crate::identity::is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The entry of a mapping whose key reads as `name` (exactly, or in another letter case or with stray
/// white space or invisible characters): the key as written and its value.
fn key_named<'a>(node: &'a Node, name: &'a str) -> Option<(&'a str, &'a Node)> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    if let Some(v) = source::member(entries, name) {
        return Some((name, v));
    }
    let want = name.to_ascii_lowercase();
    entries
        .iter()
        .find(|(k, _)| folded(&k.name) == want)
        .map(|(k, v)| (k.name.as_str(), v))
}

/// The `CUS-P002` findings of a document's schema check, each at the node it is about. `files` names the
/// files the document's nodes come from (index 0 is its own file).
pub fn schema_problems(kind: DocumentKind, node: &Node, files: &[String]) -> Vec<Finding> {
    let problems = crate::schema::check(kind, node);
    schema_findings(problems, node, files)
}

/// [`schema_problems`] of a check already made.
pub fn schema_findings(
    problems: Vec<crate::schema::Problem>,
    node: &Node,
    files: &[String],
) -> Vec<Finding> {
    problems
        .into_iter()
        .map(|p| {
            let located = node.locate(&p.path);
            let file = files
                .get(located.file as usize)
                .or(files.first())
                .map_or("", String::as_str);
            let mut f = Finding::new("CUS-P002", Severity::Error, p.message, file).at(located.pos);
            f.path = Some(source::path_string(&p.path));
            f
        })
        .collect()
}
