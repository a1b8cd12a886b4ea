//! `.custody.yaml` is found as cargo and ruff find theirs: the working directory, then each parent up to the
//! directory holding `.git`; the paths in it are relative to it. A run from a subdirectory of the repository
//! gives the result of a run from its root.

use std::path::Path;

use crate::common::{manifest, run_json};

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// A repository: `.git`, a config with a policy directory and an exclude, a valid manifest under
/// `teams/payments/`, a broken one under `teams/legacy/` (excluded by the config), and a user policy that
/// warns on every workflow.
fn repository(root: &Path) {
    std::fs::create_dir_all(root.join(".git")).unwrap();
    write(
        root,
        ".custody.yaml",
        "policies: [rego/]\nexclude: [\"teams/legacy/**\"]\n",
    );
    write(
        root,
        "rego/house.rego",
        "package main\n\nwarn contains msg if {\n\tinput.kind == \"Workflow\"\n\tmsg := \"house rule ran\"\n}\n",
    );
    write(root, "teams/payments/db.yaml", manifest());
    write(
        root,
        "teams/legacy/broken.yaml",
        "apiVersion: custody/v1\nkind: Workflow\nmetadata: {id: [unclosed\n",
    );
}

#[test]
fn a_run_from_a_subdirectory_uses_the_repositorys_config_and_its_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repository(root);

    let from_root = run_json(root, &["validate", "teams"]);
    assert_eq!(from_root.code, 0, "{}", from_root.stderr);
    assert!(
        from_root.messages().contains("house rule ran"),
        "{:?}",
        from_root.json()
    );

    // Two levels down: the config is found, its policy directory and its exclude are read beside it.
    let sub = root.join("teams/payments");
    let from_sub = run_json(&sub, &["validate", "../.."]);
    assert_eq!(from_sub.code, 0, "{}", from_sub.stderr);
    assert!(
        from_sub.messages().contains("house rule ran"),
        "{:?}",
        from_sub.json()
    );
    assert_eq!(
        from_sub.json()["summary"]["documents"],
        1,
        "teams/legacy is excluded by the config whatever the working directory"
    );
    assert_eq!(from_sub.rules(), from_root.rules());

    // Without the config (named away with --config), the broken manifest is judged: the exclude was real.
    write(root, "empty.yaml", "");
    let without = run_json(&sub, &["validate", "../..", "--config", "../../empty.yaml"]);
    assert_eq!(without.code, 1, "{}", without.stderr);
    assert!(without.rules().contains(&"CUS-P001".to_owned()));
    assert!(!without.messages().contains("house rule ran"));
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let tmp = tempfile::tempdir().unwrap();
    // A config above the repository must not apply inside it.
    write(tmp.path(), ".custody.yaml", "rules: {CUS-P001: off}\n");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo, "w/db.yaml", manifest());
    let run = run_json(&repo.join("w"), &["validate", "db.yaml"]);
    assert_eq!(
        run.code, 0,
        "the config above .git (an invalid one) is not read: {}",
        run.stderr
    );

    // The same config inside the repository is found from a subdirectory, and is an error (P001 is locked).
    std::fs::copy(tmp.path().join(".custody.yaml"), repo.join(".custody.yaml")).unwrap();
    let run = run_json(&repo.join("w"), &["validate", "db.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".custody.yaml"), "{}", run.stderr);
}

#[test]
fn an_unreadable_config_found_in_a_parent_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
    std::fs::create_dir_all(tmp.path().join(".custody.yaml")).unwrap();
    write(tmp.path(), "w/db.yaml", manifest());
    let run = run_json(&tmp.path().join("w"), &["validate", "db.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("../.custody.yaml"), "{}", run.stderr);
}
