package custody.workflow.breakglass_test

import data.custody.workflow.fixtures_test as fx

with_break_glass(b) := object.union(fx.valid, {"spec": {"breakGlass": b}})

# --- not allowed: nothing is required ------------------------------------

test_break_glass_absent_passes if {
	m := fx.without(["spec/breakGlass"])
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_break_glass_not_allowed_needs_nothing if {
	m := object.union(fx.without(["spec/breakGlass"]), {"spec": {"breakGlass": {"allowed": false}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_break_glass_allowed_absent_means_false if {
	m := object.union(fx.without(["spec/breakGlass"]), {"spec": {"breakGlass": {"review": {"within": "30d"}}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_break_glass_allowed_but_nothing_declared if {
	m := object.union(fx.without(["spec/breakGlass"]), {"spec": {"breakGlass": {"allowed": true}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {
		["CUS-W011", ["spec", "breakGlass", "owner"]],
		["CUS-W012", ["spec", "breakGlass", "review", "within"]],
		["CUS-W012", ["spec", "breakGlass", "review", "by"]],
		["CUS-W013", ["spec", "breakGlass", "invokers"]],
	}
}

# --- CUS-W011 -------------------------------------------------------------

test_w011_owner_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W011") == set()
}

test_w011_owner_absent if {
	m := fx.without(["spec/breakGlass/owner"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W011", ["spec", "breakGlass", "owner"]]}
}

test_w011_owner_blank if {
	m := with_break_glass({"owner": ""})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W011", ["spec", "breakGlass", "owner"]]}
}

# --- CUS-W012 -------------------------------------------------------------

test_w012_review_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W012") == set()
}

test_w012_within_absent if {
	m := fx.without(["spec/breakGlass/review/within"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W012", ["spec", "breakGlass", "review", "within"]]}
}

test_w012_limit_is_inclusive if {
	m := with_break_glass({"review": {"within": "72h"}})
	fs := fx.all_findings with input as m
	count(fs) == 0
	m2 := with_break_glass({"review": {"within": "3d"}})
	fs2 := fx.all_findings with input as m2
	count(fs2) == 0
}

test_w012_within_too_long if {
	m := with_break_glass({"review": {"within": "73h"}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W012", ["spec", "breakGlass", "review", "within"]]}
	some msg in fx.msgs(fs, "CUS-W012")
	contains(msg, `"73h"`)
}

test_w012_within_too_long_in_days if {
	m := with_break_glass({"review": {"within": "4d"}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W012", ["spec", "breakGlass", "review", "within"]]}
}

test_w012_param_override if {
	m := fx.valid # within 24h
	fs := fx.all_findings with input as m with data.custody.params as {"breakGlassReviewMax": "12h"}
	fx.summary(fs) == {["CUS-W012", ["spec", "breakGlass", "review", "within"]]}
}

test_w012_no_reviewers if {
	m := with_break_glass({"review": {"by": {"groups": [], "users": []}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W012", ["spec", "breakGlass", "review", "by"]]}
}

test_w012_reviewers_absent if {
	m := fx.without(["spec/breakGlass/review/by"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W012", ["spec", "breakGlass", "review", "by"]]}
}

test_w012_user_reviewer_passes if {
	m := with_break_glass({"review": {"by": {"groups": [], "users": ["sam.reviewer"]}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w012_review_absent_two_findings if {
	m := fx.without(["spec/breakGlass/review"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {
		["CUS-W012", ["spec", "breakGlass", "review", "within"]],
		["CUS-W012", ["spec", "breakGlass", "review", "by"]],
	}
}

# --- CUS-W013 -------------------------------------------------------------

test_w013_invokers_pass if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W013") == set()
}

test_w013_invokers_absent if {
	m := fx.without(["spec/breakGlass/invokers"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W013", ["spec", "breakGlass", "invokers"]]}
}

test_w013_invokers_empty if {
	m := with_break_glass({"invokers": {"groups": [], "users": []}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W013", ["spec", "breakGlass", "invokers"]]}
}

test_w013_user_invoker_passes if {
	m := with_break_glass({"invokers": {"groups": [], "users": ["oncall.lead"]}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}
