//! The built-in rule sets as `build.rs` found and compiled them: their entry points, and one VM program per
//! target (`workflow`, `session`), embedded in the binary. A run of the built-in rule sets alone neither
//! parses nor compiles Rego: it reads the program (about 0.2 ms) where compiling took 10-20 ms, which was most
//! of a one-manifest `validate`.
//!
//! `build.rs` compiles the same files `crate::policy::BUILTIN` embeds, with the same code
//! ([`crate::program`]), so the programs cannot disagree with the embedded texts; a source whose text is not
//! the embedded one (a test's own policy, a user's) is compiled at run time as before.

use crate::policy::PolicySource;

/// Every entry point of the built-in rule sets, in source order: (file, package, rule).
static ENTRIES: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_entries.rs"));

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
    crate::policy::BUILTIN
        .iter()
        .any(|(p, t)| *p == path && *t == text)
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
