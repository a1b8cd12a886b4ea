//! Manifest loading: bytes → UTF-8 → YAML documents or a strict JSON value (values + positions) → custody
//! documents → schema check and the two value conversions policies and hashing use. Must never panic, whatever
//! the bytes; and whatever the block fast path or the strict JSON reader takes, it reads exactly as
//! serde-saphyr does.
#![no_main]

use custody_engine::source::{self, Budgets, Syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = source::decode(data) else {
        return;
    };
    let budgets = Budgets::default();
    if let Some(fast) = custody_engine::source::yamlblock::parse(text, &budgets) {
        assert_eq!(Ok(fast), source::parse_documents_saphyr(text, &budgets));
    }
    // Whatever the strict JSON reader takes, serde-saphyr reads to the same tree when it reads it at all.
    if let Ok(json) = source::json::parse_text(text, &budgets) {
        if let Ok(yaml) = source::parse_documents_saphyr(text, &budgets) {
            if !matches!(json.value, source::Value::Null) {
                assert_eq!(vec![json], yaml);
            }
        }
    }
    let syntax = if data.first().is_some_and(|b| b % 2 == 0) {
        Syntax::Yaml
    } else {
        Syntax::Json
    };
    let (docs, _problems) = custody_engine::load::documents("fuzz", text, syntax, &budgets);
    for doc in &docs {
        let _ = custody_engine::schema::check(doc.kind, &doc.node);
        let _ = doc.node.to_json();
        let _ = doc.node.to_rego();
    }
});
