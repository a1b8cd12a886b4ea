//! Recursion in user Rego. OPA rejects a rule or function that depends on itself at compile time; regorus does
//! not, and evaluating one recurses until the stack overflows (the process aborts). custody therefore rejects
//! such a policy before loading it: a policy error (exit 2) that names the cycle.
//!
//! The check reads the policy text: top-level rule and function heads (a line starting with a name), the
//! names each rule's head and body mention (strings and comments excluded, `x.name` member accesses
//! excluded), and a cycle among the rules of the file. References through `data.` paths across packages are
//! not followed (a documented limit).

use std::collections::{BTreeMap, BTreeSet};

/// Strip comments and string literals (keeping line structure) so names inside them do not count.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                out.push(' ');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        '\n' => {
                            out.push('\n');
                            break;
                        }
                        _ => {}
                    }
                }
            }
            '`' => {
                out.push(' ');
                for c in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                    if c == '\n' {
                        out.push('\n');
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The names a piece of code mentions, except member accesses (`input.x`, `data.a.b`).
fn names(code: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let bytes: Vec<(usize, char)> = code.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        if is_name_start(c) && (i == 0 || !is_name_char(bytes[i - 1].1)) {
            let mut j = i;
            while j < bytes.len() && is_name_char(bytes[j].1) {
                j += 1;
            }
            let end = bytes.get(j).map_or(code.len(), |(o, _)| *o);
            let member = i > 0 && bytes[i - 1].1 == '.';
            if !member {
                out.insert(&code[start..end]);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

const KEYWORDS: &[&str] = &["package", "import", "default", "else"];

/// A dependency cycle among the rules and functions of one Rego file, as `f → g → f`, if there is one.
pub fn find_cycle(text: &str) -> Option<String> {
    let code = code_only(text);
    // Rule name → the code of its definitions (head and body), in order.
    let mut rules: BTreeMap<&str, String> = BTreeMap::new();
    let mut current: Option<&str> = None;
    for line in code.lines() {
        let first = line.chars().next();
        if first.is_some_and(is_name_start) {
            let name_end = line.find(|c: char| !is_name_char(c)).unwrap_or(line.len());
            let name = &line[..name_end];
            if KEYWORDS.contains(&name) {
                current = None;
                continue;
            }
            current = Some(name);
            let body = rules.entry(name).or_default();
            body.push_str(&line[name_end..]);
            body.push('\n');
            continue;
        }
        if let Some(name) = current {
            let body = rules.entry(name).or_default();
            body.push_str(line);
            body.push('\n');
        }
    }
    let graph: BTreeMap<&str, Vec<&str>> = rules
        .iter()
        .map(|(name, body)| {
            let deps = names(body)
                .into_iter()
                .filter(|n| rules.contains_key(n))
                .collect();
            (*name, deps)
        })
        .collect();
    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(pos) = stack.iter().position(|n| *n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for name in graph.keys() {
        if let Some(cycle) = visit(name, &graph, &mut Vec::new(), &mut done) {
            return Some(cycle.join(" → "));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_and_mutual_recursion_are_found() {
        let direct = "package main\n\nf(x) := y if {\n\ty := f(x + 1)\n}\n\ndeny contains msg if {\n\tf(1) > 0\n\tmsg := \"x\"\n}\n";
        assert_eq!(find_cycle(direct).as_deref(), Some("f → f"));
        let mutual = "package main\n\na if b\n\nb if {\n\ta\n}\n";
        assert_eq!(find_cycle(mutual).as_deref(), Some("a → b → a"));
    }

    #[test]
    fn ordinary_policies_pass() {
        let ok = "package main\n\n# deny calls deny? no: a comment\nhelper(x) := x + 1\n\ndeny contains f if {\n\tf := {\"msg\": \"deny helper\", \"id\": helper(1)}\n\tinput.deny\n}\n\ntest_deny if {\n\tcount(deny) == 1 with input as {\"deny\": true}\n}\n";
        assert_eq!(find_cycle(ok), None);
        for source in crate::policy::builtin_sources() {
            assert_eq!(find_cycle(&source.text), None, "{}", source.path);
        }
    }
}
