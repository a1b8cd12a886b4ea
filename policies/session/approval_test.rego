package custody.session.approval_test

import rego.v1

import data.custody.session.fixtures_test as fx

decision(approver, groups, value, at) := {"approver": approver, "groups": groups, "decision": value, "at": at}

with_decisions(ds) := fx.patch({"approval": {"decisions": ds}})

# ---- CUS-S006 ----

test_s006_approved_session_passes if {
	inp := fx.valid_input
	not "CUS-S006" in fx.ids with input as inp
}

# No cascades: with the approval record absent, S006 is the only one of S006–S011.
test_s006_absent_approval if {
	inp := fx.without(fx.valid_input, ["approval"])
	fx.findings == {fx.err("CUS-S006", ["approval"])} with input as inp
}

test_s006_null_approval if {
	inp := fx.patch({"approval": null})
	fx.findings == {fx.err("CUS-S006", ["approval"])} with input as inp
}

test_s006_absent_approval_under_standing if {
	inp := fx.without(fx.standing_input, ["approval"])
	fx.findings == {fx.err("CUS-S006", ["approval"])} with input as inp
}

# ...but S010's session-length part still applies.
test_s006_absent_approval_keeps_session_length if {
	inp := fx.without(fx.patch({"session": {"end": "2026-11-20T15:00:00Z"}, "retention": {"until": "2029-01-01T00:00:00Z"}}), ["approval"])
	fx.findings == {fx.err("CUS-S006", ["approval"]), fx.err("CUS-S010", ["session", "end"])} with input as inp
}

test_s006_not_required_under_mode_none if {
	inp := fx.without(fx.patch_spec({"approval": {"mode": "none"}}), ["approval"])
	fx.findings == set() with input as inp
}

# An absent approval mode means no approval, as the workflow policies read it (CUS-W004 flags the workflow).
test_s006_mode_absent_means_no_approval if {
	inp := fx.without(fx.valid_input, ["approval", "custody/workflow/spec/approval/mode"])
	fx.findings == set() with input as inp
}

# ---- CUS-S007 ----

test_s007_independent_approver_passes if {
	inp := fx.valid_input
	not "CUS-S007" in fx.ids with input as inp
}

# The requester approved their own request: S007 only (S008 still counts the decision: one fault, one finding).
test_s007_requester_approved if {
	inp := with_decisions([decision("Alex.Kim", ["payments-leads"], "approved", "2026-11-20T09:55:00Z")])
	fx.findings == {fx.err("CUS-S007", ["approval", "decisions", 0, "approver"])} with input as inp
}

test_s007_principal_approved if {
	inp := fx.patch({
		"approval": {"requester": "jo.lee", "decisions": [decision("alex.kim", ["payments-leads"], "approved", "2026-11-20T09:55:00Z")]},
	})
	fx.findings == {fx.err("CUS-S007", ["approval", "decisions", 0, "approver"])} with input as inp
}

test_s007_human_behind_agent_approved if {
	inp := fx.patch({
		"session": {"interactive": false},
		"identity": {"principal": "migration-agent", "kind": "agent", "groups": [], "onBehalfOf": "dana.whitfield"},
		"approval": {"requester": "migration-agent"},
		"evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "migration-agent"})]},
	})
	fx.findings == {fx.err("CUS-S007", ["approval", "decisions", 0, "approver"])} with input as inp
}

test_s007_one_finding_per_offending_decision if {
	inp := with_decisions([
		decision("dana.whitfield", ["payments-leads"], "approved", "2026-11-20T09:55:00Z"),
		decision("alex.kim", ["payments-leads"], "approved", "2026-11-20T09:56:00Z"),
	])
	fx.findings == {fx.err("CUS-S007", ["approval", "decisions", 1, "approver"])} with input as inp
}

test_s007_not_without_separation_of_duties if {
	inp := object.union(fx.patch_spec({"approval": {"separationOfDuties": false}}), {"approval": {"decisions": [decision("alex.kim", ["payments-leads"], "approved", "2026-11-20T09:55:00Z")]}})
	fx.findings == set() with input as inp
}

# ---- CUS-S008 ----

test_s008_eligible_user_passes if {
	inp := object.union(
		fx.patch_spec({"approval": {"approvers": {"groups": [], "users": ["Dana.Whitfield"]}}}),
		{"approval": {"decisions": [decision("dana.whitfield", [], "approved", "2026-11-20T09:55:00Z")]}},
	)
	fx.findings == set() with input as inp
}

test_s008_approver_not_eligible if {
	inp := with_decisions([decision("pat.doe", ["dba-oncall"], "approved", "2026-11-20T09:55:00Z")])
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions", 0, "approver"])} with input as inp
}

test_s008_no_decisions if {
	inp := with_decisions([])
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions"])} with input as inp
}

test_s008_fewer_than_min_approvals if {
	inp := fx.patch_spec({"approval": {"minApprovals": 2}})
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions"])} with input as inp
}

test_s008_approvers_counted_once if {
	inp := object.union(fx.patch_spec({"approval": {"minApprovals": 2}}), {"approval": {"decisions": [
		decision("dana.whitfield", ["payments-leads"], "approved", "2026-11-20T09:55:00Z"),
		decision("DANA.WHITFIELD", ["payments-leads"], "approved", "2026-11-20T09:56:00Z"),
	]}})
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions"])} with input as inp
}

test_s008_two_distinct_approvers_pass if {
	inp := object.union(fx.patch_spec({"approval": {"minApprovals": 2}}), {"approval": {"decisions": [
		decision("dana.whitfield", ["payments-leads"], "approved", "2026-11-20T09:55:00Z"),
		decision("sam.ortiz", ["payments-leads"], "approved", "2026-11-20T09:56:00Z"),
	]}})
	fx.findings == set() with input as inp
}

test_s008_min_approvals_absent_means_one if {
	inp := fx.without(fx.valid_input, ["custody/workflow/spec/approval/minApprovals"])
	fx.findings == set() with input as inp
}

test_s008_bypassed_review_does_not_count if {
	inp := with_decisions([object.union(decision("dana.whitfield", ["payments-leads"], "approved", "2026-11-20T09:55:00Z"), {"bypassedReview": true})])
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions"])} with input as inp
}

test_s008_eligible_denial if {
	inp := with_decisions([
		decision("dana.whitfield", ["payments-leads"], "approved", "2026-11-20T09:55:00Z"),
		decision("sam.ortiz", ["payments-leads"], "denied", "2026-11-20T09:56:00Z"),
	])
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions", 1, "decision"])} with input as inp
}

test_s008_ineligible_denial_is_reported_as_ineligible if {
	inp := with_decisions([
		decision("dana.whitfield", ["payments-leads"], "approved", "2026-11-20T09:55:00Z"),
		decision("pat.doe", ["dba-oncall"], "denied", "2026-11-20T09:56:00Z"),
	])
	fx.findings == {fx.err("CUS-S008", ["approval", "decisions", 1, "approver"])} with input as inp
}

test_s008_approver_groups_compare_case_insensitively if {
	inp := with_decisions([decision("dana.whitfield", ["Payments-Leads"], "approved", "2026-11-20T09:55:00Z")])
	fx.findings == set() with input as inp
}

# Break-glass: S006, S007 and S008 do not apply (no decisions, self-requested).
test_s006_s007_s008_not_for_break_glass if {
	inp := object.union(fx.break_glass_input, {"approval": {"decisions": [decision("sam.lee", ["sre-leads"], "approved", "2026-11-20T10:05:00Z")]}})
	fx.findings == set() with input as inp
}

test_s007_s008_not_judged_under_mode_none if {
	inp := object.union(fx.patch_spec({"approval": {"mode": "none"}}), {"approval": {"decisions": [decision("alex.kim", [], "denied", "2026-11-20T09:55:00Z")]}})
	fx.findings == set() with input as inp
}
