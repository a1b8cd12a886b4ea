package custody.session.linkage_test

import rego.v1

import data.custody.session.fixtures_test as fx

# ---- CUS-S001 ----

test_s001_declared_workflow_passes if {
	inp := fx.valid_input
	not "CUS-S001" in fx.ids with input as inp
}

test_s001_unknown_workflow if {
	inp := fx.without(fx.patch({"session": {"workflow": "nope"}}), ["custody/workflow"])
	fx.findings == {fx.err("CUS-S001", ["session", "workflow"])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, `"nope"`)
}

test_s001_no_workflow_named if {
	inp := fx.without(fx.valid_input, ["custody/workflow", "session/workflow"])
	fx.findings == {fx.err("CUS-S001", ["session", "workflow"])} with input as inp
}

# No cascades: with the workflow unknown, nothing but S001 is reported however broken the bundle is.
test_s001_only_s001_when_workflow_absent if {
	broken := fx.without(
		fx.patch({
			"session": {"start": "later", "interactive": true},
			"identity": {"principal": "mallory", "kind": "serviceAccount"},
			"approval": {"breakGlass": true, "session": "other"},
			"evidence": {"session": "other", "recording": {"mode": "none"}, "events": [{"seq": 1, "time": "2030-01-01T00:00:00Z", "type": "command", "principal": "eve", "command": "rm -rf /"}]},
			"custody": {"chain": {"verified": false, "seq": 1, "kind": "content"}, "recording": {"sha256_ok": false}},
		}),
		["custody/workflow", "retention"],
	)
	fx.findings == {fx.err("CUS-S001", ["session", "workflow"])} with input as broken
}

# ---- CUS-S002 ----

test_s002_linked_records_pass if {
	inp := fx.valid_input
	not "CUS-S002" in fx.ids with input as inp
}

test_s002_evidence_of_another_session if {
	inp := fx.patch({"evidence": {"session": "sess-other"}})
	fx.findings == {fx.err("CUS-S002", ["evidence", "session"])} with input as inp
}

test_s002_evidence_session_absent if {
	inp := fx.without(fx.valid_input, ["evidence/session"])
	fx.findings == {fx.err("CUS-S002", ["evidence", "session"])} with input as inp
}

test_s002_approval_of_another_session if {
	inp := fx.patch({"approval": {"session": "sess-other"}})
	fx.findings == {fx.err("CUS-S002", ["approval", "session"])} with input as inp
}

test_s002_approval_session_absent_under_per_session if {
	inp := fx.without(fx.valid_input, ["approval/session"])
	fx.findings == {fx.err("CUS-S002", ["approval", "session"])} with input as inp
}

test_s002_approval_session_absent_allowed_under_standing if {
	inp := fx.standing_input
	fx.findings == set() with input as inp
}

test_s002_approval_of_another_session_under_standing if {
	inp := object.union(fx.standing_input, {"approval": {"session": "sess-other"}})
	fx.findings == {fx.err("CUS-S002", ["approval", "session"])} with input as inp
}

test_s002_event_of_another_principal if {
	ev := object.union(fx.valid_bundle.evidence.events[0], {"principal": "eve"})
	inp := fx.patch({"evidence": {"events": [ev]}})
	fx.findings == {fx.err("CUS-S002", ["evidence", "events", 0, "principal"])} with input as inp
}

test_s002_principals_compare_case_insensitively if {
	ev := object.union(fx.valid_bundle.evidence.events[0], {"principal": "Alex.Kim"})
	inp := fx.patch({"evidence": {"events": [ev]}, "identity": {"principal": "ALEX.kim"}})
	fx.findings == set() with input as inp
}

test_s002_event_without_principal_is_not_compared if {
	ev := json.remove(fx.valid_bundle.evidence.events[0], ["principal"])
	inp := fx.patch({"evidence": {"events": [ev]}})
	fx.findings == set() with input as inp
}

# An absent identity.principal is S003's finding; events are then not compared.
test_s002_no_event_findings_when_principal_absent if {
	inp := fx.without(fx.valid_input, ["identity/principal"])
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
}

test_s002_evidence_record_absent if {
	inp := fx.without(fx.valid_input, ["evidence"])
	fx.err("CUS-S002", ["evidence", "session"]) in fx.findings with input as inp
	# the recording requirement and the missing head anchor are faults of their own
	fx.findings == {fx.err("CUS-S002", ["evidence", "session"]), fx.err("CUS-S012", ["evidence", "recording"]), fx.err("CUS-S020", ["evidence", "head"])} with input as inp
}

test_s002_event_with_null_principal if {
	ev := object.union(fx.valid_bundle.evidence.events[0], {"principal": null})
	inp := fx.patch({"evidence": {"events": [ev]}})
	fx.findings == {fx.err("CUS-S002", ["evidence", "events", 0, "principal"])} with input as inp
}

test_s002_event_principal_that_names_no_identity if {
	evs := [object.union(fx.valid_bundle.evidence.events[0], {"principal": p}) | some p in [false, "  ", 42]]
	inp := fx.patch({"evidence": {"events": array.concat(evs, ["not an event"])}})
	s002 := {f | some f in fx.findings with input as inp; f.id == "CUS-S002"}
	s002 == {fx.err("CUS-S002", ["evidence", "events", i, "principal"]) | some i in [0, 1, 2]}
}
