package custody.workflow.approval_test

import data.custody.workflow.fixtures_test as fx

# base: the valid manifest, vendor duties transferred (no CUS-W018 noise).
base := fx.no_vendor_duty

# with_approval(a): base with spec.approval replaced by a.
with_approval(a) := object.union(json.remove(base, ["spec/approval"]), {"spec": {"approval": a}})

# staging(m): m made non-sensitive (staging target, no tier label).
staging(m) := object.union(json.remove(m, ["metadata/labels"]), {"spec": {"targets": [{"system": "db", "environment": "staging"}]}})

# --- CUS-W004 -------------------------------------------------------------

test_w004_approved_sensitive_passes if {
	m := base
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w004_mode_none if {
	m := object.union(base, {"spec": {"approval": {"mode": "none"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "mode"]]}
	some msg in fx.msgs(fs, "CUS-W004")
	contains(msg, `"none"`)
}

test_w004_no_approval_block if {
	m := json.remove(base, ["spec/approval"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "mode"]]}
}

test_w004_approval_without_mode_is_none if {
	m := json.remove(base, ["spec/approval/mode"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "mode"]]}
}

test_w004_no_approvers if {
	m := object.union(base, {"spec": {"approval": {"approvers": {"groups": [], "users": []}}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "approvers"]]}
}

test_w004_absent_approvers if {
	m := json.remove(base, ["spec/approval/approvers"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "approvers"]]}
}

test_w004_users_only_approvers_pass if {
	m := object.union(base, {"spec": {"approval": {"approvers": {"groups": [], "users": ["dana.whitfield"]}}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w004_min_approvals_zero if {
	m := object.union(base, {"spec": {"approval": {"minApprovals": 0}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "minApprovals"]]}
}

test_w004_min_approvals_absent_means_one if {
	m := json.remove(base, ["spec/approval/minApprovals"])
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w004_not_sensitive_passes if {
	m := staging(object.union(base, {"spec": {"approval": {"mode": "none"}}}))
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w004_environment_case_insensitive if {
	m := object.union(
		staging(object.union(base, {"spec": {"approval": {"mode": "none"}}})),
		{"spec": {"targets": [{"system": "a", "environment": "staging"}, {"system": "b", "environment": "Production"}]}},
	)
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "mode"]]}
}

test_w004_prod_abbreviation if {
	m := object.union(
		staging(object.union(base, {"spec": {"approval": {"mode": "none"}}})),
		{"spec": {"targets": [{"system": "a", "environment": "PROD"}]}},
	)
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "mode"]]}
}

test_w004_tier_critical_case_insensitive if {
	m := object.union(
		staging(object.union(base, {"spec": {"approval": {"mode": "none"}}})),
		{"metadata": {"labels": {"tier": "CRITICAL"}}},
	)
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W004", ["spec", "approval", "mode"]]}
}

test_w004_other_tier_not_sensitive if {
	m := object.union(
		staging(object.union(base, {"spec": {"approval": {"mode": "none"}}})),
		{"metadata": {"labels": {"tier": "critical-ish"}}},
	)
	fs := fx.all_findings with input as m
	count(fs) == 0
}

# --- CUS-W005 -------------------------------------------------------------

test_w005_separation_of_duties_passes if {
	m := base
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W005") == set()
}

test_w005_separation_of_duties_false if {
	m := object.union(base, {"spec": {"approval": {"separationOfDuties": false}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W005", ["spec", "approval", "separationOfDuties"]]}
}

test_w005_separation_of_duties_absent_under_standing if {
	m := json.remove(object.union(base, {"spec": {"approval": {"mode": "standing"}}}), ["spec/approval/separationOfDuties"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W005", ["spec", "approval", "separationOfDuties"]]}
}

test_w005_not_required_without_approval if {
	m := staging(with_approval({"mode": "none", "separationOfDuties": false}))
	fs := fx.all_findings with input as m
	count(fs) == 0
}

# --- CUS-W006 -------------------------------------------------------------

test_w006_independent_approvers_pass if {
	m := base
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W006") == set()
}

test_w006_group_overlap if {
	m := object.union(base, {"spec": {"approval": {"approvers": {"groups": ["payments-leads", "dba-oncall"]}}}})
	ws := fx.all_warn with input as m
	ds := fx.all_deny with input as m
	fx.summary(ws) == {["CUS-W006", ["spec", "approval", "approvers", "groups"]]}
	count(ds) == 0
	some msg in fx.msgs(ws, "CUS-W006")
	contains(msg, "dba-oncall")
}

test_w006_user_overlap_case_insensitive if {
	m := object.union(base, {"spec": {
		"approval": {"approvers": {"users": ["Alex.Kim"]}},
		"principals": {"humans": {"users": ["alex.kim"]}},
	}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W006", ["spec", "approval", "approvers", "users"]]}
}

test_w006_both_overlaps_two_findings if {
	m := object.union(base, {"spec": {
		"approval": {"approvers": {"groups": ["DBA-oncall"], "users": ["alex.kim"]}},
		"principals": {"humans": {"users": ["alex.kim"]}},
	}})
	ws := fx.all_warn with input as m
	fx.summary(ws) == {
		["CUS-W006", ["spec", "approval", "approvers", "groups"]],
		["CUS-W006", ["spec", "approval", "approvers", "users"]],
	}
}

test_w006_group_vs_user_is_not_overlap if {
	m := object.union(base, {"spec": {"approval": {"approvers": {"users": ["dba-oncall"]}}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

# --- CUS-W007 -------------------------------------------------------------

test_w007_ticket_pattern_passes if {
	m := base
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W007") == set()
}

test_w007_pattern_absent if {
	m := json.remove(base, ["spec/approval/ticket/pattern"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W007", ["spec", "approval", "ticket", "pattern"]]}
}

test_w007_ticket_absent if {
	m := json.remove(base, ["spec/approval/ticket"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W007", ["spec", "approval", "ticket", "pattern"]]}
}

test_w007_pattern_empty if {
	m := object.union(base, {"spec": {"approval": {"ticket": {"pattern": ""}}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W007", ["spec", "approval", "ticket", "pattern"]]}
}

test_w007_not_required_without_approval if {
	m := staging(with_approval({"mode": "none"}))
	fs := fx.all_findings with input as m
	count(fs) == 0
}

# --- CUS-W008 -------------------------------------------------------------

test_w008_bounded_duration_passes if {
	m := base
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W008") == set()
}

test_w008_absent_is_error if {
	m := json.remove(base, ["spec/approval/maxDuration"])
	ds := fx.all_deny with input as m
	ws := fx.all_warn with input as m
	fx.summary(ds) == {["CUS-W008", ["spec", "approval", "maxDuration"]]}
	count(ws) == 0
}

test_w008_absent_under_standing_is_error if {
	m := json.remove(object.union(base, {"spec": {"approval": {"mode": "standing"}}}), ["spec/approval/maxDuration"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W008", ["spec", "approval", "maxDuration"]]}
}

test_w008_absent_without_approval_passes if {
	m := staging(with_approval({"mode": "none"}))
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w008_limit_is_inclusive if {
	m := object.union(base, {"spec": {"approval": {"maxDuration": "8h"}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w008_compares_across_units if {
	m := object.union(base, {"spec": {"approval": {"maxDuration": "480m"}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
	m2 := object.union(base, {"spec": {"approval": {"maxDuration": "481m"}}})
	ws := fx.all_warn with input as m2
	fx.summary(ws) == {["CUS-W008", ["spec", "approval", "maxDuration"]]}
}

test_w008_over_limit_is_warning if {
	m := object.union(base, {"spec": {"approval": {"maxDuration": "1d"}}})
	ds := fx.all_deny with input as m
	ws := fx.all_warn with input as m
	count(ds) == 0
	fx.summary(ws) == {["CUS-W008", ["spec", "approval", "maxDuration"]]}
	some msg in fx.msgs(ws, "CUS-W008")
	contains(msg, `"1d"`)
	contains(msg, "8h")
}

test_w008_param_override if {
	m := base # maxDuration 4h
	ws := fx.all_warn with input as m with data.custody.params as {"maxDuration": "2h"}
	fx.summary(ws) == {["CUS-W008", ["spec", "approval", "maxDuration"]]}
	ws2 := fx.all_warn with input as m with data.custody.params as {"maxDuration": "240m"}
	count(ws2) == 0
}
