//! Embeds every `policies/**/*.rego` file of the repository into the binary (see `engine::sources::BUILTIN`), and compiles the built-in
//! rule sets for regorus's VM, embedding their entry points and programs (see `precompiled`), so that a run
//! neither parses nor compiles them, and reads their METADATA blocks (see `precompiled::metadata`). A built-in
//! policy that does not compile, or whose METADATA is malformed, fails the build.
use std::path::Path;

#[allow(dead_code)]
#[path = "src/document.rs"]
mod document;

#[allow(dead_code)]
#[path = "src/engine/program.rs"]
mod program;

#[path = "src/engine/metadata.rs"]
mod metadata;

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|x| x == "rego") {
            out.push(path.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    // The policies live at the repository's root, two levels above this crate; their embedded names stay
    // relative to that root (`policies/workflow/owner.rego`).
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest)
        .join("../..")
        .canonicalize()
        .expect("the repository root exists");
    let root = root.to_string_lossy().replace('\\', "/");
    println!("cargo:rerun-if-changed={root}/policies");
    let mut files = Vec::new();
    collect(&Path::new(&root).join("policies"), &mut files);
    let mut code = String::from("&[\n");
    for file in &files {
        let rel = file.strip_prefix(&format!("{root}/")).unwrap_or(file);
        println!("cargo:rerun-if-changed={file}");
        code.push_str(&format!("    ({rel:?}, include_str!({file:?})),\n"));
    }
    code.push(']');
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    std::fs::write(out.join("builtin_policies.rs"), code).expect("write generated list");
    write_metadata(&root, &files, out);
    let sources: Vec<(String, String)> = files
        .iter()
        .filter(|file| !file.ends_with("_test.rego"))
        .map(|file| {
            let rel = file.strip_prefix(&format!("{root}/")).unwrap_or(file);
            let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
            (rel.to_owned(), text)
        })
        .collect();
    precompile(&sources, out);
}

/// An engine that knows custody's extension functions by name and arity (compiling never calls them).
fn engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    for &(name, arity) in program::EXTENSIONS {
        engine
            .add_extension(
                name.to_owned(),
                arity,
                Box::new(|_| Ok(regorus::Value::Undefined)),
            )
            .unwrap_or_else(|e| panic!("register {name}: {e}"));
    }
    engine
}

/// Find the entry points of the built-in rule sets as the engine does (`engine::compile::compile_sources`), compile
/// each target's program, and write `builtin_entries.rs`, `builtin_programs.rs` and the programs.
fn precompile(sources: &[(String, String)], out: &Path) {
    let mut discovery = engine();
    // (file, package, rule, query): the first rule set of a package to declare an entry point owns it.
    let mut entries: Vec<(String, String, &str, String)> = Vec::new();
    for (path, text) in sources {
        let package = discovery
            .add_policy(path.clone(), text.clone())
            .unwrap_or_else(|e| panic!("built-in policy {path} does not compile: {e}"));
        let package = package.strip_prefix("data.").unwrap_or(&package).to_owned();
        if program::kinds_of(&package).is_none() {
            continue;
        }
        let declared = program::declared_entries(&discovery, path)
            .unwrap_or_else(|e| panic!("built-in policy {path}: {e}"));
        for rule in declared {
            let query = format!("data.{package}.{rule}");
            if !entries.iter().any(|e| e.3 == query) {
                entries.push((path.clone(), package.clone(), rule, query));
            }
        }
    }
    let mut list = String::from("&[\n");
    for (path, package, rule, _) in &entries {
        list.push_str(&format!("    ({path:?}, {package:?}, {rule:?}),\n"));
    }
    list.push(']');
    std::fs::write(out.join("builtin_entries.rs"), list).expect("write entry list");
    let mut programs = String::from("&[\n");
    for kind in document::DocumentKind::ALL {
        let name = kind.rule_set();
        let queries: Vec<&str> = entries
            .iter()
            .filter(|e| program::kinds_of(&e.1).is_some_and(|kinds| kinds.contains(&kind)))
            .map(|e| e.3.as_str())
            .collect();
        let files: Vec<(&str, &str)> = sources
            .iter()
            .filter(|(_, text)| program::compiled_for(text, kind))
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let compiled = program::compile_for_vm(
            engine(),
            &files,
            name,
            &queries,
            regorus::Value::new_object(),
        )
        .unwrap_or_else(|e| panic!("the built-in {name} rule sets do not compile for the VM: {e}"));
        let bytes = compiled
            .serialize_binary()
            .unwrap_or_else(|e| panic!("serialise the {name} program: {e}"));
        let file = out.join(format!("{name}.rvm"));
        std::fs::write(&file, bytes).expect("write program");
        programs.push_str(&format!(
            "    ProgramInfo {{ name: {name:?}, sources: &{:?}, queries: &{queries:?}, bytes: include_bytes!({:?}) }},\n",
            files.iter().map(|f| f.0).collect::<Vec<_>>(),
            file.to_string_lossy(),
        ));
    }
    programs.push(']');
    std::fs::write(out.join("builtin_programs.rs"), programs).expect("write program list");
}

/// Read the METADATA blocks of every built-in policy file and write `builtin_metadata.rs`: per file, its rules
/// as `(id, title, description, warning, frameworks, remediation, line)`.
fn write_metadata(root: &str, files: &[String], out: &Path) {
    let mut code = String::from("&[\n");
    for file in files {
        let rel = file.strip_prefix(&format!("{root}/")).unwrap_or(file);
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
        let blocks = metadata::blocks(rel, &text)
            .unwrap_or_else(|e| panic!("built-in policy METADATA is malformed: {e}"));
        code.push_str(&format!("    ({rel:?}, &[\n"));
        for b in blocks {
            code.push_str(&format!(
                "        ({:?}, {:?}, {:?}, {}, &{:?}, {:?}, {}),\n",
                b.id, b.title, b.description, b.warning, b.frameworks, b.remediation, b.line
            ));
        }
        code.push_str("    ]),\n");
    }
    code.push(']');
    std::fs::write(out.join("builtin_metadata.rs"), code).expect("write metadata list");
}
