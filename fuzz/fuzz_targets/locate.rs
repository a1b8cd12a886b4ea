//! The path → position index: every path reached by walking a parsed document locates exactly, at a position
//! inside the text, and a path one step past a leaf does not. Must never panic.
#![no_main]

use custody_engine::source::{self, Budgets, Step, StepRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = source::decode(data) else {
        return;
    };
    let Ok(docs) = source::parse_documents(text, &Budgets::default()) else {
        return;
    };
    // YAML line breaks are `\n`, `\r\n` and a lone `\r` (a file from an old Mac editor).
    let lines = text.matches('\n').count() + text.matches('\r').count() + 1;
    let lines = u32::try_from(lines).unwrap_or(u32::MAX);
    for doc in &docs {
        let mut paths = Vec::new();
        doc.walk(&mut Vec::new(), &mut |path, _| paths.push(StepRef::owned(path)));
        for path in paths.iter().take(2_000) {
            let located = doc.locate(path);
            assert!(located.exact, "walked path {path:?} must locate exactly");
            assert!(located.pos.line <= lines, "{path:?} at {:?}", located.pos);
            if let Some(offset) = located.pos.offset {
                assert!(
                    offset as usize <= text.len(),
                    "{path:?} at {:?}",
                    located.pos
                );
            }
            let _ = source::path_string(path);
            let mut beyond = path.clone();
            beyond.push(Step::Key("\u{0}no such key".to_owned()));
            assert!(!doc.locate(&beyond).exact);
        }
    }
});
