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

/// Read an input file within the size budget and decode it (`-` reads stdin). A walked file that cannot hold
/// a custody document ([`may_hold_custody`]) is [`Loaded::NotCustody`] without being decoded, and so is one
/// that cannot be decoded and does not mention custody.
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
    if !candidate.named && !may_hold_custody(&bytes) {
        return Ok(Loaded::NotCustody);
    }
    match source::decode_text(&bytes) {
        Ok(text) => Ok(Loaded::Text(SharedText::from(text.as_ref()))),
        Err(_) if !candidate.named && !mentions_custody_in_any_encoding(&bytes) => {
            Ok(Loaded::NotCustody)
        }
        Err(e) => Ok(Loaded::Problem(Box::new(p001(
            &candidate.display,
            e.message,
            e.pos,
        )))),
    }
}

/// Whether a walked file's bytes may hold a custody document, or be a `CUS-P001` (a file that does not
/// parse but mentions custody). The parser reads a custody document only from text holding `custody`,
/// `workflow` or `sessionbundle` in some letter case (the `apiVersion` or the `kind`), or producing them
/// otherwise: through an escape (`custody\/v1`, `\x63ustody`: a backslash), another encoding than
/// ASCII (UTF-16 and UTF-32 hold NUL bytes), or characters that read as those letters (fullwidth
/// `ｃｕｓｔｏｄｙ`: non-ASCII bytes). Plain ASCII text (printable, tabs and line ends) without a backslash
/// and without those words therefore cannot, and is skipped unparsed; every other file is parsed.
pub fn may_hold_custody(bytes: &[u8]) -> bool {
    const WORDS: [&[u8]; 3] = [b"custody", b"workflow", b"sessionbundle"];
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => return true,
            b'\t' | b'\n' | b'\r' | b' '..=b'~' => {}
            _ => return true,
        }
        // `| 0x20` lowers an ASCII letter; only `C`/`c`, `W`/`w` and `S`/`s` become these three.
        if matches!(b | 0x20, b'c' | b'w' | b's') {
            let rest = &bytes[i..];
            let starts =
                |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
            if WORDS.iter().any(|w| starts(w)) {
                return true;
            }
        }
    }
    false
}

/// Whether bytes that could not be decoded mention custody, in ASCII or in the ASCII range of UTF-16 or
/// UTF-32 (NUL bytes dropped).
fn mentions_custody_in_any_encoding(bytes: &[u8]) -> bool {
    let ascii: Vec<u8> = bytes.iter().copied().filter(|b| *b != 0).collect();
    super::documents::mentions_custody(&ascii)
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

/// Read a whole file of at most `max` bytes and decode it (UTF-8, UTF-16 or UTF-32).
pub fn text(path: &Path, max: u64) -> Result<String, FileError> {
    let bytes = crate::budget::read_file_bounded(path, max).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            FileError::TooLarge(max)
        } else {
            FileError::Io(e)
        }
    })?;
    source::decode_text(&bytes)
        .map(std::borrow::Cow::into_owned)
        .map_err(FileError::Decode)
}

/// Read, decode and parse every document of a file, within `budgets`: YAML, or strict JSON for a `.json`
/// file ([`source::Syntax`]).
pub fn parsed(path: &Path, budgets: &Budgets) -> Result<(String, Vec<Node>), FileError> {
    let text = text(path, budgets.max_file_size)?;
    let nodes =
        source::parse_file(&text, source::Syntax::of(path), budgets).map_err(FileError::Parse)?;
    Ok((text, nodes))
}

/// The UTF-8 text of a file within the size budget, for source snippets only (`None` otherwise).
pub fn snippet_text(path: &Path, max: u64) -> Option<SharedText> {
    crate::budget::read_file_bounded(path, max)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(SharedText::from)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::load::documents::{candidate_documents, classify, Class};

    /// `text` as the parser would read it from a walked file: its documents and problems.
    fn read_walked(bytes: &[u8]) -> (usize, usize) {
        let candidate = Candidate {
            path: "t.yaml".into(),
            display: "t.yaml".to_owned(),
            named: false,
        };
        let Ok(text) = source::decode_text(bytes) else {
            return (0, 0);
        };
        let (docs, problems) = candidate_documents(&candidate, &text, &Budgets::default());
        (docs.len(), problems.len())
    }

    /// One character of a double-quoted YAML or JSON string, written literally, in another letter case, as an
    /// escape, or as its fullwidth form.
    fn spelt(c: char, how: u8) -> String {
        match how % 5 {
            0 => c.to_string(),
            1 => c.to_ascii_uppercase().to_string(),
            2 => format!("\\u{:04x}", c as u32),
            3 => format!("\\x{:02X}", c as u32),
            _ => char::from_u32(c as u32 + 0xFEE0)
                .filter(|_| c.is_ascii_graphic())
                .unwrap_or(c)
                .to_string(),
        }
    }

    proptest! {
        /// Whatever spelling of `custody/v1` the parser reads as custody's, in whatever encoding, the
        /// pre-filter lets the file through.
        #[test]
        fn the_pre_filter_never_drops_what_the_parser_reads(
            hows in prop::collection::vec(any::<u8>(), 10),
            encoding in 0u8..4,
            kind in prop::sample::select(vec!["SessionBundle", "Workflow", "Other"]),
        ) {
            let api: String = "custody/v1".chars().zip(&hows).map(|(c, h)| spelt(c, *h)).collect();
            let text = format!("apiVersion: \"{api}\"\nkind: {kind}\nsession: {{id: s}}\n");
            let bytes: Vec<u8> = match encoding {
                0 => text.clone().into_bytes(),
                1 => format!("\u{feff}{text}").into_bytes(),
                2 => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                _ => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            };
            let nodes = source::parse_documents(&text, &Budgets::default()).unwrap();
            prop_assert!(!matches!(classify(&nodes[0]), Class::Other), "{text}");
            prop_assert!(may_hold_custody(&bytes), "{text}");
            let (docs, problems) = read_walked(&bytes);
            prop_assert_eq!(docs + problems, 1, "{}", text);
        }

        /// Plain ASCII text the pre-filter drops holds nothing the parser would read as custody's.
        #[test]
        fn what_the_pre_filter_drops_holds_no_custody_document(
            parts in prop::collection::vec(prop::sample::select(vec![
                "apiVersion", "kind", ": ", "\n", "  ", "- ", "cust", "ody", "Work", "flow", "/v1", "v1",
                "\"", "'", "{", "}", "[", "]", ", ", "#", "&a ", "*a", "!!str ", "|\n", ">\n", "---\n", "x",
            ]), 0..40),
        ) {
            let text: String = parts.concat();
            if !may_hold_custody(text.as_bytes()) {
                prop_assert_eq!(read_walked(text.as_bytes()), (0, 0), "{}", text);
            }
        }
    }

    #[test]
    fn the_pre_filter_reads_escapes_encodings_and_custody_words() {
        for text in [
            "apiVersion: \"custody\\/v1\"",
            "kind: SESSIONBUNDLE",
            "kind: workflow",
            "# Custody",
            "a: caf\u{e9}",
            "a: \"\\x41\"",
        ] {
            assert!(may_hold_custody(text.as_bytes()), "{text}");
        }
        let utf16: Vec<u8> = "a: 1".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(may_hold_custody(&utf16));
        for text in [
            "apiVersion: v1\nkind: ConfigMap\n",
            "Resources: {B: !Ref Name}\r\n",
            "",
        ] {
            assert!(!may_hold_custody(text.as_bytes()), "{text}");
        }
    }
}
