//! `custody init [DIR]`: scaffold a starter layout (example workflow, configuration, pre-commit and CI files).

use std::path::Path;

use super::Outcome;

/// The files `custody init` writes, relative to its directory.
const INIT_FILES: &[(&str, &str)] = &[
    (
        "workflows/example.yaml",
        include_str!("../../templates/workflow.yaml"),
    ),
    (
        ".custody.yaml",
        include_str!("../../templates/custody.yaml"),
    ),
    (
        ".pre-commit-config.yaml",
        include_str!("../../templates/pre-commit-config.yaml"),
    ),
    (
        ".github/workflows/custody.yml",
        include_str!("../../templates/github-workflow.yml"),
    ),
];

pub(super) fn run(dir: &Path) -> Outcome {
    let existing: Vec<String> = INIT_FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Outcome::usage(format!(
            "refusing to overwrite existing files: {}; move them away or scaffold into another directory",
            existing.join(", ")
        ));
    }
    let mut outcome = Outcome::default();
    for (rel, text) in INIT_FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                return Outcome::usage(format!("cannot create {}: {e}", parent.display()));
            }
        }
        if let Err(e) = custody_engine::atomic::write_atomic(&path, text.as_bytes()) {
            return Outcome::usage(format!("cannot write {}: {e}", path.display()));
        }
        outcome
            .stdout
            .push_str(&format!("created {}\n", path.display()));
    }
    outcome
        .stdout
        .push_str("next: edit workflows/example.yaml, then run `custody validate`\n");
    outcome
}
