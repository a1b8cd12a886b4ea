package custody.workflow.vendor_test

import data.custody.workflow.fixtures_test as fx

# The valid manifest with a non-sensitive staging target (no W004/W009 noise).
staging := fx.non_sensitive

test_w018_vendor_sessions_recorded_and_approved_pass if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W018") == set()
}

test_w018_recording_not_full if {
	m := object.union(fx.valid, {"spec": {"session": {"recording": "commands"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W018", ["spec", "session", "recording"]]}
	some msg in fx.msgs(fs, "CUS-W018")
	contains(msg, `"Acme Support"`)
	contains(msg, `"commands"`)
}

test_w018_recording_absent if {
	m := json.remove(staging, ["spec/session/recording"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W018", ["spec", "session", "recording"]]}
}

test_w018_standing_approval if {
	m := object.union(fx.valid, {"spec": {"approval": {"mode": "standing"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W018", ["spec", "approval", "mode"]]}
}

test_w018_no_approval if {
	m := json.remove(staging, ["spec/approval"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W018", ["spec", "approval", "mode"]]}
}

test_w018_both_faults_two_findings if {
	m := object.union(staging, {"spec": {"approval": {"mode": "standing"}, "session": {"recording": "none"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {
		["CUS-W018", ["spec", "session", "recording"]],
		["CUS-W018", ["spec", "approval", "mode"]],
	}
}

test_w018_evidence_transferred_passes if {
	m := object.union(staging, {"spec": {
		"approval": {"mode": "standing"},
		"session": {"recording": "commands"},
		"vendor": {"evidenceTransferred": true},
	}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w018_evidence_transferred_absent_means_false if {
	m := object.union(json.remove(staging, ["spec/vendor/evidenceTransferred"]), {"spec": {"session": {"recording": "commands"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W018", ["spec", "session", "recording"]]}
}

test_w018_no_vendor_passes if {
	m := object.union(json.remove(staging, ["spec/vendor"]), {"spec": {"approval": {"mode": "standing"}, "session": {"recording": "commands"}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}
