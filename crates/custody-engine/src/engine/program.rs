//! What the engine and `build.rs` share to compile rule sets for regorus's VM: which rule sets apply to
//! which documents, the entry points a rule set declares, the generated module that gathers them, and the
//! compilation itself.
//!
//! `build.rs` compiles the built-in rule sets with this file (included by `#[path]`) and embeds the VM
//! programs in the binary, so a run starts without parsing or compiling them ([`super::precompiled`]). The
//! file therefore uses only `std`, `regorus` (a dependency of both the library and the build script) and
//! `crate::document`, which `build.rs` includes too.

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::Program;
use regorus::{Engine, Value};

use crate::document::DocumentKind;

/// custody's extension functions: name and number of arguments (mechanics in Rust, `super::extensions`; see
/// docs/policy-input.md).
pub const EXTENSIONS: &[(&str, u8)] = &[
    ("custody.duration_ns", 1),
    ("custody.time_ns", 1),
    ("custody.instant", 1),
    ("custody.duration", 1),
    ("custody.glob_match", 3),
    ("custody.regex_match", 2),
    ("custody.command_segments", 1),
    ("custody.event_facts", 1),
    ("custody.identity", 1),
];

/// The rules that are entry points, in the order they are looked for in each rule set.
pub const ENTRY_RULES: [&str; 3] = ["deny", "warn", "violation"];

/// The package a Rego source declares (its first `package` line).
pub fn package_of(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map(str::trim)
}

/// The kinds of document a package's rule set applies to; `None` for a package that is no rule set (a
/// library of another namespace).
pub fn kinds_of(package: &str) -> Option<&'static [DocumentKind]> {
    const WORKFLOW: &[DocumentKind] = &[DocumentKind::Workflow];
    const SESSION: &[DocumentKind] = &[DocumentKind::SessionBundle];
    if package == "custody.workflow" || package.starts_with("custody.workflow.") {
        Some(WORKFLOW)
    } else if package == "custody.session" || package.starts_with("custody.session.") {
        Some(SESSION)
    } else if package == "main" || package.starts_with("custody.") || package.starts_with("main.") {
        Some(&DocumentKind::ALL)
    } else {
        None
    }
}

/// Whether the Rego source `text` goes into the program for documents of `kind`: a rule set of that kind,
/// or a shared one (a library of another namespace). `build.rs` and the engine must pick the same files,
/// or the embedded program would not be used.
pub fn compiled_for(text: &str, kind: DocumentKind) -> bool {
    package_of(text)
        .and_then(kinds_of)
        .is_none_or(|kinds| kinds.contains(&kind))
}

/// The entry-point rules (of [`ENTRY_RULES`]) the source at `path`, already added to `engine`, declares. An
/// error when regorus cannot tell (it gives up on a whole file when one rule head is keyed by a composite
/// value, such as `p[[a, b]] := …`): the file's `deny` rules would otherwise be silently left out.
pub fn declared_entries(engine: &Engine, path: &str) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for rule in ENTRY_RULES {
        let declared = engine.has_declared_rule_rooted_at(path, rule).map_err(|e| {
            format!(
                "custody cannot tell whether this file declares `{rule}` rules ({e}); key partial rules by a \
                 string or a variable (`p[k] := v`), or collect composite values with `p contains [a, b]`"
            )
        })?;
        if declared {
            out.push(rule);
        }
    }
    Ok(out)
}

/// The rule of the generated module that evaluates every entry point for `name` (`workflow`, `session`).
pub fn aggregate_query(name: &str) -> String {
    format!("data.custody_eval.{name}.results")
}

/// The generated Rego module behind [`aggregate_query`]: `results` is the array of the entry points'
/// values, in the order of `queries` (an entry point with no findings contributes its default, the empty
/// set).
pub fn aggregate_module<'a>(name: &str, queries: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = format!("package custody_eval.{name}\n\nimport rego.v1\n\n");
    let mut refs = Vec::new();
    for (i, query) in queries.into_iter().enumerate() {
        text.push_str(&format!("default r{i} := set()\n\nr{i} := {query}\n\n"));
        refs.push(format!("r{i}"));
    }
    text.push_str(&format!("results := [{}]\n", refs.join(", ")));
    text
}

/// Compile `sources` (path, Rego text) for the VM, with the generated module over `queries` as the entry
/// point, into `engine` (which knows custody's extensions) holding `data`. Import aliases are expanded first
/// ([`expand_import_aliases`]).
pub fn compile_for_vm(
    mut engine: Engine,
    sources: &[(&str, &str)],
    name: &str,
    queries: &[&str],
    data: Value,
) -> Result<Arc<Program>, String> {
    for (path, text) in sources {
        engine
            .add_policy((*path).to_owned(), expand_import_aliases(text))
            .map_err(|e| format!("{path}: {e}"))?;
    }
    engine
        .add_policy(
            "<custody: compiled entry points>".to_owned(),
            aggregate_module(name, queries.iter().copied()),
        )
        .map_err(|e| e.to_string())?;
    engine.add_data(data).map_err(|e| e.to_string())?;
    let entry = aggregate_query(name);
    let policy = engine
        .compile_with_entrypoint(&regorus::Rc::from(entry.as_str()))
        .map_err(|e| e.to_string())?;
    let host: Vec<(&str, usize)> = EXTENSIONS
        .iter()
        .map(|&(name, arity)| (name, usize::from(arity)))
        .collect();
    let program = Compiler::compile_from_policy_with_host_await(&policy, &[entry.as_str()], &host)
        .map_err(|e| e.to_string())?;
    Ok(program)
}

/// Expand import aliases (`import data.a.b` makes `b` mean `data.a.b`, so `b.x` is `data.a.b.x`;
/// `import data.a.b as c` makes `c` mean it) into full references, outside strings and comments. The
/// built-in policies never use an alias name for anything else (a local variable, an argument), which this
/// expansion could not tell apart. The import lines become blank lines,
/// so positions in the policy stay where they were.
pub fn expand_import_aliases(text: &str) -> String {
    let mut aliases: Vec<(String, String)> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["import", path] if path.starts_with("data.") => {
                let alias = path.rsplit('.').next().unwrap_or(path);
                aliases.push((alias.to_owned(), (*path).to_owned()));
                lines.push(String::new());
            }
            ["import", path, "as", alias] if path.starts_with("data.") => {
                aliases.push(((*alias).to_owned(), (*path).to_owned()));
                lines.push(String::new());
            }
            _ => lines.push(line.to_owned()),
        }
    }
    let body = lines.join("\n") + if text.ends_with('\n') { "\n" } else { "" };
    if aliases.is_empty() {
        return text.to_owned();
    }
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len() + body.len() / 4);
    let mut i = 0;
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                let end = body[i..].find('\n').map_or(bytes.len(), |n| i + n);
                out.push_str(&body[i..end]);
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(bytes.len());
                out.push_str(&body[i..end]);
                i = end;
            }
            b'`' => {
                let end = body[i + 1..]
                    .find('`')
                    .map_or(bytes.len(), |n| i + 1 + n + 1);
                out.push_str(&body[i..end]);
                i = end;
            }
            _ if ident(b) => {
                let mut j = i;
                while j < bytes.len() && ident(bytes[j]) {
                    j += 1;
                }
                let word = &body[i..j];
                let after_dot = i > 0 && bytes[i - 1] == b'.';
                match aliases.iter().find(|(alias, _)| alias == word) {
                    Some((_, path)) if !after_dot => out.push_str(path),
                    _ => out.push_str(word),
                }
                i = j;
            }
            _ => {
                let ch = body[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_expand_outside_strings_and_comments() {
        let text = "package p\n\nimport rego.v1\nimport data.custody.session.lib\nimport data.x.y as z\nimport data.w.v\n\n# lib.a stays\nr := lib.a if { \"lib.b\"; z.c[1]; lib[\"d\"]; mylib.e; q.lib.f; `lib.g`; v; v_w }\n";
        let out = expand_import_aliases(text);
        assert_eq!(
            out,
            "package p\n\nimport rego.v1\n\n\n\n\n# lib.a stays\nr := data.custody.session.lib.a if { \"lib.b\"; data.x.y.c[1]; data.custody.session.lib[\"d\"]; mylib.e; q.lib.f; `lib.g`; data.w.v; v_w }\n"
        );
        assert_eq!(out.lines().count(), text.lines().count());
    }

    #[test]
    fn text_without_aliases_is_unchanged() {
        let text = "package p\nimport rego.v1\nr := input.lib.x\n";
        assert_eq!(expand_import_aliases(text), text);
    }
}
