//! Property tests of the evidence hash chain: an untouched chain always verifies; any single edit, deletion,
//! insertion, reordering or truncated tail (with a head anchor) is detected.

use custody_engine::evidence::chain::{seal_events, verify};
use proptest::prelude::*;
use serde_json::{json, Value};

fn events(commands: &[String]) -> Vec<Value> {
    commands
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"time": format!("2026-11-20T10:{:02}:00Z", i % 60), "type": "command", "principal": "alex.kim", "command": c}))
        .collect()
}

fn sealed(
    session: &str,
    commands: &[String],
) -> (Vec<Value>, custody_engine::evidence::chain::Head) {
    let mut evs = events(commands);
    let head = seal_events(session, &mut evs);
    (evs, head)
}

fn cmds() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z ;|&'\"-]{0,24}", 1..12)
}

proptest! {
    #[test]
    fn untouched_chains_verify(session in "[a-z0-9-]{1,20}", commands in cmds()) {
        let (evs, head) = sealed(&session, &commands);
        prop_assert!(verify(&session, &evs, Some(&head)).verified());
        prop_assert!(verify(&session, &evs, None).verified());
    }

    #[test]
    fn any_edit_is_detected(commands in cmds(), at in any::<prop::sample::Index>(), text in "[a-zA-Z0-9 ]{1,12}") {
        let (mut evs, head) = sealed("s", &commands);
        let i = at.index(evs.len());
        let old = evs[i]["command"].as_str().unwrap().to_owned();
        let new = format!("{old}{text}");
        evs[i]["command"] = json!(new);
        let r = verify("s", &evs, Some(&head));
        prop_assert!(!r.verified());
    }

    #[test]
    fn deletion_insertion_and_reordering_are_detected(commands in prop::collection::vec("[a-z]{1,8}", 2..10), at in any::<prop::sample::Index>(), op in 0u8..3) {
        let (mut evs, head) = sealed("s", &commands);
        let i = at.index(evs.len());
        match op {
            0 => { evs.remove(i); }
            1 => { let copy = evs[i].clone(); evs.insert(i, copy); }
            _ => { let j = (i + 1) % evs.len(); evs.swap(i, j); }
        }
        prop_assert!(!verify("s", &evs, Some(&head)).verified());
        // Without a head anchor a deletion in the middle or a reordering still breaks a link.
        if op != 0 || i + 1 != commands.len() {
            prop_assert!(!verify("s", &evs, None).verified());
        }
    }

    #[test]
    fn truncated_tail_is_caught_by_the_head(commands in prop::collection::vec("[a-z]{1,8}", 2..10), keep in any::<prop::sample::Index>()) {
        let (evs, head) = sealed("s", &commands);
        let n = keep.index(evs.len()); // 0..len-1 events kept
        let r = verify("s", &evs[..n], Some(&head));
        prop_assert!(!r.verified());
        let (kind, seq, _) = r.failure.unwrap();
        prop_assert_eq!(kind.as_str(), "head");
        prop_assert_eq!(seq, Some(n as i64 + 1));
    }

    #[test]
    fn chains_are_bound_to_their_session(commands in cmds()) {
        let (evs, _) = sealed("sess-a", &commands);
        prop_assert!(!verify("sess-b", &evs, None).verified());
    }
}
