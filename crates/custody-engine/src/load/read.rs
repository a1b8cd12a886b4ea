//! Reading input files within the size budget and decoding them as UTF-8 text.

use std::io::Read;
use std::path::Path;

use crate::discover::{Candidate, ToolError};
use crate::findings::{Finding, Severity};
use crate::source::{self, Budgets, Node, ParseError, Pos, SharedText};

/// The text of one input file, or why it has none.
pub enum Loaded {
    Text(SharedText),
    /// A walked file that holds no custody document (counted and skipped).
    NotCustody,
    /// Could not be read as text: a `CUS-P001` finding.
    Problem(Box<Finding>),
}

/// A `CUS-P001` finding: an input that cannot be read, decoded or parsed.
pub fn p001(file: &str, message: String, pos: Option<Pos>) -> Finding {
    let mut f = Finding::new("CUS-P001", Severity::Error, message, file);
    if let Some(pos) = pos {
        f = f.at(pos);
    }
    f
}

/// Read an input file within the size budget and decode it (`-` reads stdin). A walked file that does not
/// mention `custody/` is [`Loaded::NotCustody`] without being decoded.
pub fn read(candidate: &Candidate, max_size: u64) -> Result<Loaded, ToolError> {
    let mut bytes = Vec::new();
    let limited = |r: &mut dyn Read, bytes: &mut Vec<u8>| r.take(max_size + 1).read_to_end(bytes);
    let result = if candidate.display == "-" {
        limited(&mut std::io::stdin().lock(), &mut bytes)
    } else {
        match std::fs::File::open(&candidate.path) {
            Ok(mut f) => limited(&mut f, &mut bytes),
            Err(e) => Err(e),
        }
    };
    if let Err(e) = result {
        return Err(ToolError::new(format!(
            "{}: cannot read: {e}",
            candidate.display
        )));
    }
    if bytes.len() as u64 > max_size {
        return Ok(Loaded::Problem(Box::new(p001(
            &candidate.display,
            crate::budget::file_too_large(max_size),
            None,
        ))));
    }
    if !candidate.named && !bytes.windows(8).any(|w| w == b"custody/") {
        return Ok(Loaded::NotCustody);
    }
    match source::decode(&bytes) {
        Ok(text) => Ok(Loaded::Text(SharedText::from(text))),
        Err(e) => Ok(Loaded::Problem(Box::new(p001(
            &candidate.display,
            e.message,
            e.pos,
        )))),
    }
}

/// Why a file named by the user (a bundle to seal, the configuration, a `--data` file) could not be loaded.
/// Each caller words it for its own message; the `Display` is the bare reason.
#[derive(Debug)]
pub enum FileError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is larger than the size budget (the budget in bytes).
    TooLarge(u64),
    /// The file is not UTF-8.
    Decode(ParseError),
    /// The text is not YAML or JSON, or exceeds a parser budget.
    Parse(ParseError),
}

impl FileError {
    /// Where in the file the problem is, when known.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            FileError::Io(_) | FileError::TooLarge(_) => None,
            FileError::Decode(e) | FileError::Parse(e) => e.pos,
        }
    }

    /// `line:column: ` of a parse error, empty otherwise.
    pub fn parse_position(&self) -> String {
        match self {
            FileError::Parse(ParseError { pos: Some(p), .. }) => {
                format!("{}:{}: ", p.line, p.column)
            }
            _ => String::new(),
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Io(e) => write!(f, "{e}"),
            FileError::TooLarge(max) => write!(f, "the file is larger than {max} bytes"),
            FileError::Decode(e) | FileError::Parse(e) => f.write_str(&e.message),
        }
    }
}

/// Read a whole file of at most `max` bytes and decode it as UTF-8.
pub fn text(path: &Path, max: u64) -> Result<String, FileError> {
    let bytes = crate::budget::read_file_bounded(path, max).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            FileError::TooLarge(max)
        } else {
            FileError::Io(e)
        }
    })?;
    source::decode(&bytes)
        .map(str::to_owned)
        .map_err(FileError::Decode)
}

/// Read, decode and parse every YAML or JSON document of a file, within `budgets`.
pub fn parsed(path: &Path, budgets: &Budgets) -> Result<(String, Vec<Node>), FileError> {
    let text = text(path, budgets.max_file_size)?;
    let nodes = source::parse_documents(&text, budgets).map_err(FileError::Parse)?;
    Ok((text, nodes))
}

/// The UTF-8 text of a file within the size budget, for source snippets only (`None` otherwise).
pub fn snippet_text(path: &Path, max: u64) -> Option<SharedText> {
    crate::budget::read_file_bounded(path, max)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(SharedText::from)
}
