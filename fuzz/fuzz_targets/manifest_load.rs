//! Manifest loading: bytes → UTF-8 → YAML documents (values + positions) → custody documents → schema check
//! and the two value conversions policies and hashing use. Must never panic, whatever the bytes; and whatever
//! the block fast path takes, it reads exactly as serde-saphyr does.
#![no_main]

use custody_engine::source::{self, Budgets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = source::decode(data) else {
        return;
    };
    let budgets = Budgets::default();
    if let Some(fast) = custody_engine::source::yamlblock::parse(text, &budgets) {
        assert_eq!(Ok(fast), source::parse_documents_saphyr(text, &budgets));
    }
    let (docs, _problems) = custody_engine::load::documents("fuzz.yaml", text, &budgets);
    for doc in &docs {
        let _ = custody_engine::schema::check(doc.kind, &doc.node);
        let _ = doc.node.to_json();
        let _ = doc.node.to_rego();
    }
});
