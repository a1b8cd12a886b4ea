//! Recursion in user Rego. OPA rejects a rule or function that depends on itself at compile time; regorus does
//! not, and evaluating one recurses until the stack overflows (the process aborts). custody therefore rejects
//! such a policy before loading it: a policy error (exit 2) that names the cycle.
//!
//! The check reads the policy texts: top-level rule and function heads (a line starting with a name), the
//! references each rule's head and body make (strings and comments excluded): a bare name of a rule of the
//! same package, a `data.<package>.<rule>` path, or a path through an import alias (`lib.rule` after
//! `import data.custody.session.lib`). Rules of one package spread over several files are one node, so a
//! cycle across files and packages is found as well as one inside a file.

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

const KEYWORDS: &[&str] = &["package", "import", "default", "else"];

/// The dotted references a piece of code makes (`a`, `lib.rule`, `data.x.y.z`), not counting member accesses
/// on something else (`f(x).y`, `input.a` are kept as written; the caller decides what they resolve to).
fn paths(code: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let after_dot = i > 0 && chars[i - 1].1 == '.';
        if is_name_start(c) && (i == 0 || !is_name_char(chars[i - 1].1)) && !after_dot {
            let mut parts = Vec::new();
            let mut seg_start = start;
            let mut j = i;
            loop {
                while j < chars.len() && is_name_char(chars[j].1) {
                    j += 1;
                }
                let end = chars.get(j).map_or(code.len(), |(o, _)| *o);
                parts.push(&code[seg_start..end]);
                let dotted =
                    j + 1 < chars.len() && chars[j].1 == '.' && is_name_start(chars[j + 1].1);
                if !dotted {
                    break;
                }
                j += 1;
                seg_start = chars[j].0;
            }
            out.push(parts);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// One file's package, import aliases (alias → package path) and rules (name → code of head and body).
struct Parsed<'a> {
    package: String,
    aliases: BTreeMap<&'a str, Vec<&'a str>>,
    rules: BTreeMap<&'a str, String>,
}

fn parse(code: &str) -> Parsed<'_> {
    let mut parsed = Parsed {
        package: String::new(),
        aliases: BTreeMap::new(),
        rules: BTreeMap::new(),
    };
    let mut current: Option<&str> = None;
    for line in code.lines() {
        let first = line.chars().next();
        if first.is_some_and(is_name_start) {
            let name_end = line.find(|c: char| !is_name_char(c)).unwrap_or(line.len());
            let name = &line[..name_end];
            let rest = line[name_end..].trim();
            match name {
                "package" => parsed.package = rest.to_owned(),
                "import" => {
                    let mut words = rest.split_whitespace();
                    let path: Vec<&str> = words.next().unwrap_or("").split('.').collect();
                    let alias = match (words.next(), words.next()) {
                        (Some("as"), Some(alias)) => Some(alias),
                        _ => path.last().copied(),
                    };
                    if let (Some(alias), Some((&"data", package))) = (alias, path.split_first()) {
                        parsed.aliases.insert(alias, package.to_vec());
                    }
                }
                _ => {}
            }
            if KEYWORDS.contains(&name) {
                current = None;
                continue;
            }
            current = Some(name);
            let body = parsed.rules.entry(name).or_default();
            body.push_str(&line[name_end..]);
            body.push('\n');
            continue;
        }
        if let Some(name) = current {
            let body = parsed.rules.entry(name).or_default();
            body.push_str(line);
            body.push('\n');
        }
    }
    parsed
}

/// A dependency cycle among the rules and functions of one Rego file, as `f → g → f`, if there is one.
pub fn find_cycle(text: &str) -> Option<String> {
    find_cycle_in(&[text])
}

/// A dependency cycle among the rules and functions of a set of Rego files (across files and packages), as
/// `pkg.f → other.g → pkg.f`, if there is one.
pub fn find_cycle_in(texts: &[&str]) -> Option<String> {
    let codes: Vec<String> = texts.iter().map(|t| code_only(t)).collect();
    let files: Vec<Parsed<'_>> = codes.iter().map(|c| parse(c)).collect();
    // Every rule as `package.rule`, with the code of all its definitions (in any file of the package).
    let mut bodies: BTreeMap<String, Vec<(&Parsed<'_>, &str)>> = BTreeMap::new();
    for file in &files {
        for (name, body) in &file.rules {
            bodies
                .entry(format!("{}.{name}", file.package))
                .or_default()
                .push((file, body.as_str()));
        }
    }
    let resolve = |file: &Parsed<'_>, path: &[&str]| -> Option<String> {
        let full: Vec<&str> = match path.split_first()? {
            (&"data", rest) => rest.to_vec(),
            (first, rest) if file.aliases.contains_key(first) => {
                let mut full = file.aliases[first].clone();
                full.extend_from_slice(rest);
                full
            }
            (first, _) => {
                let local = format!("{}.{first}", file.package);
                return bodies.contains_key(&local).then_some(local);
            }
        };
        // The longest prefix that is a known rule (`data.pkg.rule.field` → `pkg.rule`).
        (1..=full.len())
            .rev()
            .map(|n| full[..n].join("."))
            .find(|candidate| bodies.contains_key(candidate))
    };
    let graph: BTreeMap<&str, Vec<String>> = bodies
        .iter()
        .map(|(name, defs)| {
            let mut deps: Vec<String> = defs
                .iter()
                .flat_map(|(file, body)| paths(body).into_iter().filter_map(|p| resolve(file, &p)))
                .collect();
            deps.sort();
            deps.dedup();
            (name.as_str(), deps)
        })
        .collect();
    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&'a str, Vec<String>>,
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
            let next = graph
                .get_key_value(next.as_str())
                .map_or(next.as_str(), |(k, _)| *k);
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
            let single_package = texts.len() == 1;
            let shown: Vec<&str> = cycle
                .iter()
                .map(|n| {
                    if single_package {
                        n.rsplit('.').next().unwrap_or(n)
                    } else {
                        n
                    }
                })
                .collect();
            return Some(shown.join(" → "));
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
        for source in crate::engine::builtin_sources() {
            assert_eq!(find_cycle(&source.text), None, "{}", source.path);
        }
        let builtin = crate::engine::builtin_sources();
        let texts: Vec<&str> = builtin.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            find_cycle_in(&texts),
            None,
            "the built-in policies together"
        );
    }

    #[test]
    fn recursion_across_files_and_packages_is_found() {
        let a = "package acme.a\n\nimport data.acme.b\n\nx if b.y\n";
        let b = "package acme.b\n\ny if data.acme.a.x\n";
        assert_eq!(
            find_cycle_in(&[a, b]).as_deref(),
            Some("acme.a.x → acme.b.y → acme.a.x")
        );
        let c = "package acme.b\n\nimport data.acme.a as other\n\ny if other.x.field\n";
        assert!(find_cycle_in(&[a, c]).is_some());
        // One package over two files.
        let d1 = "package acme.d\n\np if q\n";
        let d2 = "package acme.d\n\nq if p\n";
        assert!(find_cycle_in(&[d1, d2]).is_some());
        // Distinct packages with like-named rules do not form a cycle.
        let e = "package acme.e\n\nimport data.acme.f\n\ndeny contains m if {\n\tf.deny[m]\n}\n";
        let f = "package acme.f\n\ndeny contains m if {\n\tinput.x\n\tm := \"x\"\n}\n";
        assert_eq!(find_cycle_in(&[e, f]), None);
    }
}
