//! Embeds every `policies/**/*.rego` file into the binary (see `policy::BUILTIN`).
use std::path::Path;

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
    println!("cargo:rerun-if-changed=policies");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
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
    std::fs::write(Path::new(&out).join("builtin_policies.rs"), code)
        .expect("write generated list");
}
