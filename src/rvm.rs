//! The built-in rule sets compiled to regorus's register VM (RVM), for runs over many documents.
//!
//! The interpreter (`regorus::Engine`) stays the reference: it evaluates user policies, runs `custody test`,
//! and takes over any document the VM could not evaluate. The VM runs only the built-in rule sets, compiled
//! from the same Rego with one mechanical change: regorus 0.14's RVM does not resolve an import alias used as
//! a rule reference (`lib.has_workflow` after `import data.custody.session.lib` reads as undefined), so the
//! aliases are expanded to full references (`data.custody.session.lib.has_workflow`) before compiling.
//! custody's extension functions are host calls (`HostAwait`), answered by [`crate::policy::call_extension`].
//! `tests/engine_parity.rs` runs the same inputs through both engines and requires identical reports.

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::{ExecutionMode, ExecutionState, RegoVM};
use regorus::rvm::Program;
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{CompiledPolicy, Engine, Value};

use crate::policy::{call_extension, PatternCache, PolicySource, EXTENSIONS};

/// A target's built-in rule sets, compiled once and shared by every worker's VM.
pub struct Compiled {
    policy: CompiledPolicy,
    program: Arc<Program>,
    data: Value,
    entry: String,
}

// SAFETY-free sharing: with regorus's `arc` feature every shared part is an `Arc`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Compiled>();
};

impl Compiled {
    /// Compile `sources` (the built-in policy texts) with a generated module whose rule `entry` evaluates
    /// to the array of the entry points' values, against the data document `data`.
    pub fn new(
        mut engine: Engine,
        sources: &[&PolicySource],
        aggregate: (&str, String),
        data: Value,
    ) -> Result<Compiled, String> {
        for source in sources {
            engine
                .add_policy(source.path.clone(), expand_import_aliases(&source.text))
                .map_err(|e| format!("{}: {e}", source.path))?;
        }
        let (entry, module) = aggregate;
        engine
            .add_policy("<custody: compiled entry points>".to_owned(), module)
            .map_err(|e| e.to_string())?;
        engine.add_data(data.clone()).map_err(|e| e.to_string())?;
        let policy = engine
            .compile_with_entrypoint(&regorus::Rc::from(entry))
            .map_err(|e| e.to_string())?;
        let host: Vec<(&str, usize)> = EXTENSIONS
            .iter()
            .map(|&(name, arity)| (name, usize::from(arity)))
            .collect();
        let program = Compiler::compile_from_policy_with_host_await(&policy, &[entry], &host)
            .map_err(|e| e.to_string())?;
        Ok(Compiled {
            policy,
            program,
            data,
            entry: entry.to_owned(),
        })
    }
}

/// One worker's VM over a [`Compiled`] program.
pub struct Vm {
    vm: RegoVM,
    entry: String,
    cache: PatternCache,
}

impl Vm {
    pub fn new(compiled: &Compiled, time_limit: std::time::Duration) -> Result<Vm, String> {
        let mut vm = RegoVM::new_with_policy(compiled.policy.clone());
        vm.load_program(compiled.program.clone());
        vm.set_data(compiled.data.clone())
            .map_err(|e| e.to_string())?;
        vm.set_strict_builtin_errors(true);
        // The wall-clock limit bounds an evaluation, as it does for the interpreter; the instruction count
        // does not (a large bundle legitimately runs many instructions).
        vm.set_max_instructions(usize::MAX);
        vm.set_execution_timer_config(Some(ExecutionTimerConfig {
            limit: time_limit,
            check_interval: std::num::NonZeroU32::new(1024).unwrap_or(std::num::NonZeroU32::MIN),
        }));
        vm.set_execution_mode(ExecutionMode::Suspendable);
        Ok(Vm {
            vm,
            entry: compiled.entry.clone(),
            cache: PatternCache::default(),
        })
    }

    /// Evaluate the entry point on `input`, answering host calls; an error (of the VM or of an extension)
    /// leaves the document to the interpreter.
    pub fn run(&mut self, input: Value) -> Result<Value, String> {
        self.vm.set_input(input);
        let mut result = self
            .vm
            .execute_entry_point_by_name(&self.entry)
            .map_err(|e| e.to_string())?;
        loop {
            match self.vm.execution_state() {
                ExecutionState::Suspended { .. } => {}
                ExecutionState::Completed { .. } => return Ok(result),
                other => return Err(format!("the VM stopped in state {other:?}")),
            }
            let name = match self.vm.get_host_await_identifier() {
                Some(Value::String(name)) => name.clone(),
                _ => return Err("the VM suspended for something other than a host call".to_owned()),
            };
            let args = match self.vm.get_host_await_argument() {
                Some(Value::Array(args)) => args.clone(),
                _ => return Err(format!("host call {name} without an argument array")),
            };
            let value = call_extension(&name, args.as_slice(), &mut self.cache)
                .map_err(|e| e.to_string())?;
            result = self.vm.resume(Some(value)).map_err(|e| e.to_string())?;
        }
    }
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
