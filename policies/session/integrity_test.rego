package custody.session.integrity_test

import rego.v1

import data.custody.session.fixtures_test as fx

event(seq, h) := object.union(fx.valid_bundle.evidence.events[0], {"seq": seq, "hash": h, "prev": h})

three_events := [event(1, "a"), event(2, "b"), event(3, "c")]

failing(chain) := fx.patch({"evidence": {"events": three_events, "head": {"count": 3}}, "custody": {"chain": object.union({"events": 3}, chain)}})

s013(inp) := x if {
	raw := fx.raw_findings with input as inp
	x := {{"path": f.path, "details": f.details} | some f in raw; f.id == "CUS-S013"}
}

test_s013_verified_chain_passes if {
	inp := fx.valid_input
	not "CUS-S013" in fx.ids with input as inp
}

test_s013_content_broken if {
	inp := failing({"verified": false, "seq": 2, "kind": "content", "index": 1})
	fx.ids == {"CUS-S013"} with input as inp
	s013(inp) == {{"path": ["evidence", "events", 1], "details": {"seq": 2, "kind": "content"}}}
}

test_s013_link_broken_at_first_event if {
	inp := failing({"verified": false, "seq": 1, "kind": "link", "index": 0})
	s013(inp) == {{"path": ["evidence", "events", 0], "details": {"seq": 1, "kind": "link"}}}
}

test_s013_seq_gap if {
	inp := fx.patch({"evidence": {"events": [event(1, "a"), event(3, "c")]}, "custody": {"chain": {"verified": false, "events": 2, "seq": 3, "kind": "seq", "index": 1}}})
	s013(inp) == {{"path": ["evidence", "events", 1], "details": {"seq": 3, "kind": "seq"}}}
}

test_s013_duplicated_seq_points_at_the_failing_event if {
	inp := fx.patch({"evidence": {"events": [event(1, "a"), event(2, "b"), event(2, "b")]}, "custody": {"chain": {"verified": false, "events": 3, "seq": 2, "kind": "seq", "index": 2}}})
	s013(inp) == {{"path": ["evidence", "events", 2], "details": {"seq": 2, "kind": "seq"}}}
}

test_s013_truncated_tail if {
	inp := failing({"verified": false, "seq": 4, "kind": "head", "index": null})
	fx.ids == {"CUS-S013"} with input as inp
	s013(inp) == {{"path": ["evidence", "head"], "details": {"seq": 4, "kind": "head"}}}
}

test_s013_recording_digest_differs if {
	inp := fx.patch({"custody": {"recording": {"sha256_ok": false}}})
	fx.ids == {"CUS-S013"} with input as inp
	s013(inp) == {{"path": ["evidence", "recording", "sha256"], "details": {"seq": null, "kind": "recording"}}}
}

test_s013_recording_reported_as_chain_kind if {
	inp := fx.patch({"custody": {"chain": {"verified": false, "seq": null, "kind": "recording"}, "recording": {"sha256_ok": false}}})
	s013(inp) == {{"path": ["evidence", "recording", "sha256"], "details": {"seq": null, "kind": "recording"}}}
}

# Events never sealed (no chain on any event, no head) are not tampering: CUS-S020 "not sealed", not S013.
test_s013_unsealed_events_under_immutable if {
	ev := json.remove(fx.valid_bundle.evidence.events[0], ["hash", "prev"])
	inp := fx.without(fx.patch({"evidence": {"events": [ev]}, "custody": {"chain": {"verified": false, "seq": 1, "kind": "link", "index": 0, "present": false}}}), ["evidence/head"])
	s013(inp) == set()
	fx.ids == {"CUS-S020"} with input as inp
}

test_s013_unsealed_events_without_immutable_pass if {
	ev := json.remove(fx.valid_bundle.evidence.events[0], ["hash", "prev"])
	inp := fx.without(
		fx.patch({
			"evidence": {"events": [ev]},
			"custody": {"chain": {"verified": false, "seq": 1, "kind": "link", "index": 0}, "workflow": {"spec": {"session": {"immutable": false}}}},
		}),
		["evidence/head"],
	)
	fx.findings == set() with input as inp
}

# Tampering is reported whatever the workflow says once the bundle carries a chain.
test_s013_broken_chain_without_immutable if {
	inp := object.union(failing({"verified": false, "seq": 2, "kind": "content", "index": 1}), {"custody": {"workflow": {"spec": {"session": {"immutable": false}}}}})
	s013(inp) == {{"path": ["evidence", "events", 1], "details": {"seq": 2, "kind": "content"}}}
}

# No events and no head: nothing to verify, so no S013 (the missing head is CUS-S020's).
test_s013_no_events_passes if {
	inp := fx.without(fx.patch({"evidence": {"events": []}, "custody": {"chain": {"events": 0, "present": false}}}), ["evidence/head"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "head"])} with input as inp
}

test_s013_link_broken_at_event_with_wrong_seq if {
	inp := fx.patch({"evidence": {"events": [event(1, "a"), event(2, "b"), event(5, "c")]}, "custody": {"chain": {"verified": false, "events": 3, "seq": 5, "kind": "link", "index": 2}}})
	s013(inp) == {{"path": ["evidence", "events", 2], "details": {"seq": 5, "kind": "link"}}}
}

test_s013_points_at_the_event_rust_names if {
	inp := failing({"verified": false, "seq": 2, "kind": "content", "index": 2})
	s013(inp) == {{"path": ["evidence", "events", 2], "details": {"seq": 2, "kind": "content"}}}
}

test_s013_unlocatable_failure_points_at_evidence if {
	inp := failing({"verified": false, "seq": 9, "kind": "content", "index": null})
	s013(inp) == {{"path": ["evidence"], "details": {"seq": 9, "kind": "content"}}}
}
