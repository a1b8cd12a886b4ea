//! Bundle loading and chain verification: a bundle document (references resolved as for standard input, so no
//! file is read) or an `events.jsonl` stream, then the hash chain verified against the head anchor. The first
//! byte chooses the form. Must never panic.
#![no_main]

use custody_engine::evidence::{bundle, chain};
use custody_engine::source::{self, Budgets, Node, Syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let budgets = Budgets::default();
    if mode % 2 == 0 {
        let Ok(text) = source::decode(rest) else {
            return;
        };
        let syntax = if mode % 4 == 0 {
            Syntax::Yaml
        } else {
            Syntax::Json
        };
        let (docs, _problems) = custody_engine::load::documents("fuzz", text, syntax, &budgets);
        for doc in docs {
            let loaded = bundle::resolve(doc.node, "fuzz.yaml", None, &budgets);
            let id = loaded
                .node
                .at(&["session", "id"])
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned();
            let (events, head) = bundle::chain_inputs(&loaded.node);
            let _ = chain::verify(&id, events, head.as_ref());
        }
    } else if let Ok(events) = bundle::parse_events(rest, "events.jsonl", &budgets) {
        let mut json: Vec<_> = events.iter().map(Node::to_json).collect();
        // The located tree `check` hashes and its JSON copy `seal` hashes are one chain.
        assert_eq!(
            chain::verify("fuzz", &events, None),
            chain::verify("fuzz", &json, None)
        );
        // A freshly sealed chain of objects breaks, if at all, only on a `seq` the input fixed wrongly.
        let head = chain::seal_events("fuzz", &mut json);
        if json.iter().all(serde_json::Value::is_object) {
            let result = chain::verify("fuzz", &json, Some(&head));
            assert!(
                matches!(result.failure, None | Some((chain::Break::Seq, _, _))),
                "{result:?}"
            );
        }
    }
});
