package custody.session.anchoring_test

import rego.v1

import data.custody.session.fixtures_test as fx

s020(inp) := {f.path | some f in fx.findings with input as inp; f.id == "CUS-S020"}

messages(inp) := {f.msg | some f in fx.raw_findings with input as inp; f.id == "CUS-S020"}

mutable(inp) := object.union(inp, {"custody": {"workflow": {"spec": {"session": {"immutable": false}}}}})

test_s020_anchored_evidence_passes if {
	not "CUS-S020" in fx.ids with input as fx.valid_input
}

test_s020_no_head if {
	inp := fx.without(fx.valid_input, ["evidence/head"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "head"])} with input as inp
}

test_s020_empty_head if {
	inp := fx.without(fx.valid_input, ["evidence/head/hash", "evidence/head/count"])
	s020(inp) == {["evidence", "head", "hash"], ["evidence", "head", "count"]}
}

test_s020_head_without_count if {
	inp := fx.without(fx.valid_input, ["evidence/head/count"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "head", "count"])} with input as inp
}

test_s020_head_hash_not_a_string if {
	inp := fx.patch({"evidence": {"head": {"hash": 7}}})
	s020(inp) == {["evidence", "head", "hash"]}
}

# Every event and the head deleted: the (empty) chain verifies, the missing head is the finding.
test_s020_no_events_and_no_head if {
	inp := fx.without(fx.patch({"evidence": {"events": []}, "custody": {"chain": {"events": 0, "present": false}}}), ["evidence/head"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "head"])} with input as inp
}

test_s020_recording_file_without_digest if {
	inp := fx.without(fx.patch({"evidence": {"recording": {"file": "rec.bin"}}, "custody": {"recording": {"sha256_ok": null}}}), ["evidence/recording/sha256"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "recording", "sha256"])} with input as inp
	some m in messages(inp)
	contains(m, "\"rec.bin\"")
}

test_s020_recording_uri_without_digest if {
	inp := fx.without(fx.patch({"evidence": {"recording": {"uri": "s3://recordings/sess.cast"}}}), ["evidence/recording/file", "evidence/recording/sha256"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "recording", "sha256"])} with input as inp
}

test_s020_recording_uri_with_digest_passes if {
	inp := fx.without(fx.patch({"evidence": {"recording": {"uri": "s3://recordings/sess.cast"}}, "custody": {"recording": {"file": false, "sha256_ok": null}}}), ["evidence/recording/file"])
	fx.findings == set() with input as inp
}

test_s020_full_recording_names_nothing if {
	inp := fx.patch({"evidence": {"recording": {"mode": "full"}}})
	inp2 := fx.without(inp, ["evidence/recording/file", "evidence/recording/sha256"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "recording"])} with input as inp2
}

test_s020_full_recording_with_digest_but_no_location if {
	inp := fx.without(fx.valid_input, ["evidence/recording/file"])
	fx.findings == {fx.err("CUS-S020", ["evidence", "recording"])} with input as inp
}

test_s020_commands_recording_needs_no_file if {
	inp := fx.without(
		object.union(fx.patch_spec({"session": {"recording": "commands"}}), {"evidence": {"recording": {"mode": "commands"}}}),
		["evidence/recording/file", "evidence/recording/sha256"],
	)
	fx.findings == set() with input as inp
}

# Events that carry no chain at all were never sealed: S020, not S013 tampering.
test_s020_not_sealed if {
	ev := json.remove(fx.valid_bundle.evidence.events[0], ["hash", "prev"])
	inp := fx.without(
		fx.patch({"evidence": {"events": [ev]}, "custody": {"chain": {"verified": false, "seq": 1, "kind": "link", "index": 0, "present": false}}}),
		["evidence/head"],
	)
	fx.findings == {fx.err("CUS-S020", ["evidence", "events"])} with input as inp
	some m in messages(inp)
	startswith(m, "not sealed")
	contains(m, "custody seal")
}

# A head without a chain on the events is a chain that exists and does not verify: S013, and no "not sealed".
test_s020_head_but_unchained_events_is_tampering if {
	ev := json.remove(fx.valid_bundle.evidence.events[0], ["hash", "prev"])
	inp := fx.patch({"evidence": {"events": [ev]}, "custody": {"chain": {"verified": false, "seq": 1, "kind": "link", "index": 0, "present": false}}})
	fx.findings == {fx.err("CUS-S013", ["evidence", "events", 0])} with input as inp
}

test_s020_not_reported_without_immutable if {
	ev := json.remove(fx.valid_bundle.evidence.events[0], ["hash", "prev"])
	inp := fx.without(
		mutable(fx.patch({"evidence": {"events": [ev], "recording": {"mode": "full"}}, "custody": {"chain": {"verified": false, "seq": 1, "kind": "link", "index": 0, "present": false}}})),
		["evidence/head", "evidence/recording/file", "evidence/recording/sha256"],
	)
	fx.findings == set() with input as inp
}

test_s020_not_reported_without_workflow if {
	inp := fx.without(fx.valid_input, ["evidence/head", "custody/workflow"])
	not "CUS-S020" in fx.ids with input as inp
}
