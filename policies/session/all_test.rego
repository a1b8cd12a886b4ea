package custody.session.all_test

import rego.v1

import data.custody.session.fixtures_test as fx

# Note: regorus needs `with input as` to take a local variable, not a rule reference.

test_valid_bundle_has_no_findings if {
	inp := fx.valid_input
	fx.findings == set() with input as inp
}

test_valid_break_glass_session_has_no_findings if {
	inp := fx.break_glass_input
	data.custody.session.lib.break_glass with input as inp
	fx.findings == set() with input as inp
}

test_valid_standing_session_has_no_findings if {
	inp := fx.standing_input
	data.custody.session.lib.standing with input as inp
	fx.findings == set() with input as inp
}

# Every finding carries an id, a message and a path of keys and indices.
test_findings_are_well_formed if {
	inp := fx.patch({
		"session": {"start": "2026-11-20T10:50:00Z", "target": {"host": "x"}},
		"identity": {"groups": [], "kind": "serviceAccount"},
		"approval": {"ticket": "x", "decisions": [{"approver": "alex.kim", "decision": "denied"}]},
		"evidence": {"recording": {"mode": "none"}},
		"retention": {"until": "2026-12-01T00:00:00Z", "legalHold": false},
		"custody": {"chain": {"verified": false, "seq": 1, "kind": "content"}},
	})
	raw := fx.raw_findings with input as inp
	count(raw) >= 10
	every f in raw {
		custody.regex_match(`^CUS-S0(0[1-9]|1[0-9])$`, f.id)
		is_string(f.msg)
		count(f.msg) > 20
		is_array(f.path)
		every k in f.path {
			_key(k)
		}
	}
}

_key(k) if is_string(k)

_key(k) if is_number(k)

# Malformed values are findings or ignored, never evaluation errors (builtin errors are strict).
test_malformed_bundle_does_not_abort_evaluation if {
	inp := fx.patch({
		"session": {"start": 5, "end": "not a time", "target": "x", "interactive": "yes", "workflow": "payments-db-admin"},
		"identity": {"principal": 5, "kind": 7, "groups": "dba-oncall", "onBehalfOf": ["x"]},
		"approval": {"session": 3, "ticket": 12, "requester": {}, "decisions": [5, null, "x", {"approver": 3, "groups": "g", "decision": 1, "at": 2}], "grant": {"from": 1, "until": null}, "breakGlass": "true", "review": "done"},
		"evidence": {"session": null, "recording": "full", "head": 5, "events": [5, null, "x", {"type": "command", "command": 5, "time": 3, "principal": 4, "seq": "1"}]},
		"retention": "forever",
		"custody": {"chain": {"verified": false, "seq": "x", "kind": 5}, "recording": {"file": "x", "sha256_ok": "x", "cast_duration_ns": "x"}, "now_ns": "x"},
	})
	ids := fx.ids with input as inp
	{"CUS-S002", "CUS-S003", "CUS-S005", "CUS-S011", "CUS-S012", "CUS-S017", "CUS-S018"} - ids == set()
}

test_malformed_workflow_does_not_abort_evaluation if {
	inp := fx.patch({"custody": {"workflow": {"metadata": 5, "spec": {
		"targets": "x",
		"principals": {"humans": null, "serviceAccounts": 5, "agents": [5, {"id": 3}]},
		"approval": {"mode": 5, "approvers": null, "minApprovals": "2", "separationOfDuties": "yes", "ticket": {"pattern": 5}, "maxDuration": 5},
		"session": {"recording": 5, "immutable": "yes", "commands": {"allow": "x", "deny": [5]}},
		"retention": {"minimum": "abc", "legalHold": "yes"},
		"breakGlass": {"allowed": "yes", "invokers": 5, "review": {"within": 3, "by": "x"}, "ticket": 5},
	}}}})
	ids := fx.ids with input as inp
	{"CUS-S003", "CUS-S005", "CUS-S008"} - ids == set()
}

test_malformed_workflow_document_does_not_abort_evaluation if {
	inp := fx.patch({"custody": {"workflow": {"spec": "x"}}})
	ids := fx.ids with input as inp
	"CUS-S003" in ids
}

test_malformed_workflow_metadata_does_not_abort_evaluation if {
	inp := fx.patch({"session": {"target": {"system": "x"}}, "custody": {"workflow": {"metadata": {"id": 5}}}})
	raw := fx.raw_findings with input as inp
	some f in raw
	f.id == "CUS-S005"
	contains(f.msg, `workflow "5"`)
}
