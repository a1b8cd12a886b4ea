//! The built-in rule sets as `build.rs` found and compiled them: their entry points, their METADATA, and one VM
//! program per target (`workflow`, `session`), embedded in the binary. A run of the built-in rule sets alone neither
//! parses nor compiles Rego: it reads the program, which costs much less than compiling it.
//!
//! `build.rs` compiles the same files `super::sources::BUILTIN` embeds, with the same code
//! ([`super::program`]), so the programs cannot disagree with the embedded texts; a source whose text is not
//! the embedded one (a test's own policy, a user's) is compiled at run time as before.

use super::metadata::Block;
use super::sources::{PolicySource, BUILTIN};

/// Every entry point of the built-in rule sets, in source order: (file, package, rule).
static ENTRIES: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_entries.rs"));

/// Per built-in policy file: its rules' METADATA, as `super::metadata::blocks` read it at build time
/// (id, title, description, warning, frameworks, remediation, line).
type StaticBlock = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static str,
    usize,
);
static METADATA: &[(&str, &[StaticBlock])] =
    include!(concat!(env!("OUT_DIR"), "/builtin_metadata.rs"));

/// Per target: the program's source files and the entry points its result array holds, in order.
static PROGRAMS: &[ProgramInfo] = include!(concat!(env!("OUT_DIR"), "/builtin_programs.rs"));

struct ProgramInfo {
    name: &'static str,
    sources: &'static [&'static str],
    queries: &'static [&'static str],
    bytes: &'static [u8],
}

/// Whether `path` is a built-in policy file holding exactly `text`, as embedded.
pub fn is_embedded(path: &str, text: &str) -> bool {
    BUILTIN.iter().any(|(p, t)| *p == path && *t == text)
}

/// The METADATA blocks of the built-in file `path` when `text` is its embedded text, as read at build time,
/// so a run does not parse them (docs/performance.md).
pub fn metadata(path: &str, text: &str) -> Option<Vec<Block>> {
    if !is_embedded(path, text) {
        return None;
    }
    let (_, blocks) = METADATA.iter().find(|(file, _)| *file == path)?;
    Some(
        blocks
            .iter()
            .map(
                |&(id, title, description, warning, frameworks, remediation, line)| Block {
                    id: id.to_owned(),
                    title: title.to_owned(),
                    description: description.to_owned(),
                    warning,
                    frameworks: frameworks.iter().map(|f| (*f).to_owned()).collect(),
                    remediation: remediation.to_owned(),
                    line,
                },
            )
            .collect(),
    )
}

/// The entry points (package, rule) `build.rs` found in the built-in file `path`, in order.
pub fn entry_points(path: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    ENTRIES
        .iter()
        .filter(move |(file, _, _)| *file == path)
        .map(|&(_, package, rule)| (package, rule))
}

/// The embedded program for documents of `name`, when `sources` are exactly the files it was compiled from
/// (each with its embedded text).
pub fn program(name: &str, sources: &[&PolicySource]) -> Option<&'static [u8]> {
    let info = PROGRAMS.iter().find(|p| p.name == name)?;
    let same = sources.len() == info.sources.len()
        && sources
            .iter()
            .zip(info.sources)
            .all(|(s, path)| s.path == *path && is_embedded(&s.path, &s.text));
    same.then_some(info.bytes)
}

/// The entry points whose values the embedded program for `name` returns, in order.
pub fn queries(name: &str) -> &'static [&'static str] {
    PROGRAMS
        .iter()
        .find(|p| p.name == name)
        .map_or(&[], |p| p.queries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_metadata_is_what_the_files_say() {
        let mut rules = 0;
        for (path, text) in BUILTIN {
            let embedded = metadata(path, text).expect("every built-in file has embedded METADATA");
            let read =
                super::super::metadata::blocks(path, text).expect("built-in METADATA is valid");
            assert_eq!(embedded, read, "{path}");
            rules += embedded.len();
        }
        assert!(
            rules > 30,
            "the built-in rule sets have their rules ({rules})"
        );
        // A text that is not the embedded one is read at run time, never matched to stale metadata.
        let (path, text) = BUILTIN
            .iter()
            .find(|(p, _)| p.ends_with("session/commands.rego"))
            .expect("the commands rule set is built in");
        let edited = text.replace("severity: error", "severity: warning");
        assert_eq!(metadata(path, &edited), None);
        let read = super::super::parse_metadata(path, &edited).expect("still valid");
        assert!(read
            .iter()
            .all(|r| r.severity == crate::findings::Severity::Warning));
    }
}
