//! Inputs the fuzzers (`fuzz/`) found, kept as regression tests: each runs through the same checks as its
//! fuzz target.

use custody_engine::source::{self, Budgets, Step, StepRef};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `locate`, 2026-11-26: a file whose lines end in a lone `\r`. YAML counts `\r` as a line break, so positions
/// are on lines a `\n`-only count does not see; the harness now counts line breaks as YAML does, and this pins
/// custody's side: every walked path locates exactly, within the file, on YAML's line numbering.
#[test]
fn locate_with_lone_carriage_returns() {
    let bytes = std::fs::read(root().join("tests/data/fuzz/locate-cr-line-breaks.yaml")).unwrap();
    let text = source::decode(&bytes).unwrap();
    let docs = source::parse_documents(text, &Budgets::default()).unwrap();
    let breaks = text.matches('\n').count() + text.matches('\r').count();
    let mut located_any = false;
    for doc in &docs {
        let mut paths = Vec::new();
        doc.walk(&mut Vec::new(), &mut |path, _| {
            paths.push(StepRef::owned(path))
        });
        for path in &paths {
            let located = doc.locate(path);
            assert!(located.exact, "{path:?}");
            assert!(
                located.pos.line as usize <= breaks + 1,
                "{path:?} {:?}",
                located.pos
            );
            assert!(located.pos.offset.is_none_or(|o| o as usize <= text.len()));
            let mut beyond = path.clone();
            beyond.push(Step::Key("\u{0}no such key".to_owned()));
            assert!(!doc.locate(&beyond).exact);
            located_any = true;
        }
    }
    assert!(located_any);
    // The same structure written with `\n` line ends has the same line numbers.
    let unix = text.replace("\r\n", "\n").replace('\r', "\n");
    let unix_docs = source::parse_documents(&unix, &Budgets::default()).unwrap();
    let lines = |docs: &[source::Node]| {
        let mut out = Vec::new();
        for doc in docs {
            doc.walk(&mut Vec::new(), &mut |path, _| {
                out.push(doc.locate(&StepRef::owned(path)).pos.line)
            });
        }
        out
    };
    assert_eq!(lines(&docs), lines(&unix_docs));
}
