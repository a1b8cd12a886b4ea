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

/// What to add to a file `init` found already there, so that it does what the scaffold's copy does.
fn to_add(rel: &str) -> &'static str {
    match rel {
        ".pre-commit-config.yaml" => {
            "add this hook under `repos:` (it runs the custody binary on PATH):\n\
             \x20 - repo: local\n\
             \x20   hooks:\n\
             \x20     - id: custody-validate\n\
             \x20       name: custody validate\n\
             \x20       entry: custody validate --allow-empty --ids-from .\n\
             \x20       language: system\n\
             \x20       files: \\.(ya?ml|json)$\n\
             \x20       require_serial: true\n"
        }
        ".github/workflows/custody.yml" => {
            "add a job step that runs `custody validate --format sarif --output custody.sarif` and \
             uploads custody.sarif (github/codeql-action/upload-sarif)\n"
        }
        ".custody.yaml" => "keep it: custody reads it as it is (docs/configuration.md)\n",
        _ => "keep it, or compare it with a scaffold made in an empty directory\n",
    }
}

/// Write each scaffold file that is missing; leave every existing one untouched and say what to add to it.
pub(super) fn run(dir: &Path) -> Outcome {
    let mut outcome = Outcome::default();
    let mut created = 0;
    for (rel, text) in INIT_FILES {
        let path = dir.join(rel);
        if std::fs::symlink_metadata(&path).is_ok() {
            outcome.stdout.push_str(&format!(
                "kept {} (it exists): {}",
                path.display(),
                to_add(rel)
            ));
            continue;
        }
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                return Outcome::usage(format!("cannot create {}: {e}", parent.display()));
            }
        }
        if let Err(e) = custody_engine::atomic::write_new(&path, text.as_bytes()) {
            return Outcome::usage(format!("cannot write {}: {e}", path.display()));
        }
        created += 1;
        outcome
            .stdout
            .push_str(&format!("created {}\n", path.display()));
    }
    if created > 0 {
        outcome
            .stdout
            .push_str("next: edit the workflow manifests, then run `custody validate`\n");
    }
    outcome
}
