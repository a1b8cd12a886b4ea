package custody.session.breakglass_test

import rego.v1

import data.custody.session.fixtures_test as fx

# 2026-11-21T10:41:00Z is the review deadline of the break-glass fixture (end 10:41 + 24h).
deadline_ns := 1795257660000000000

at(now) := object.union(fx.break_glass_input, {"custody": {"now_ns": now}})

no_review := fx.patch({
	"identity": {"principal": "sam.lee", "groups": ["sre-leads"]},
	"approval": {"ticket": "INC0001234", "requester": "sam.lee", "decisions": [], "breakGlass": true, "review": null},
	"evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "sam.lee"})]},
})

no_review_at(now) := object.union(json.remove(no_review, ["approval/grant"]), {"custody": {"now_ns": now}})

with_review(r) := object.union(fx.break_glass_input, {"approval": {"review": r}})

test_deadline_fixture if {
	deadline_ns == custody.time_ns("2026-11-21T10:41:00Z")
}

# ---- CUS-S015 ----

test_s015_declared_invoker_passes if {
	inp := fx.break_glass_input
	data.custody.session.lib.break_glass with input as inp
	fx.findings == set() with input as inp
}

test_s015_invoker_by_user if {
	inp := object.union(fx.break_glass_input, {
		"identity": {"groups": []},
		"custody": {"workflow": {"spec": {"breakGlass": {"invokers": {"users": ["SAM.LEE"]}}}}},
	})
	fx.findings == set() with input as inp
}

test_s015_break_glass_not_allowed if {
	inp := object.union(no_review_at(deadline_ns + 1), {"custody": {"workflow": {"spec": {"breakGlass": {"allowed": false}}}}})
	# only S015: not S016, although the review is missing and overdue
	fx.findings == {fx.err("CUS-S015", ["approval", "breakGlass"])} with input as inp
}

test_s015_break_glass_not_declared if {
	inp := fx.without(fx.break_glass_input, ["custody/workflow/spec/breakGlass"])
	fx.ids == {"CUS-S015", "CUS-S011"} with input as inp
	fx.err("CUS-S015", ["approval", "breakGlass"]) in fx.findings with input as inp
}

test_s015_invoker_not_declared if {
	inp := object.union(fx.break_glass_input, {"identity": {"groups": ["dba-oncall"]}})
	fx.findings == {fx.err("CUS-S015", ["approval", "breakGlass"])} with input as inp
}

# The invoker checked is identity.principal, not the record's requester.
test_s015_invoker_is_the_principal if {
	inp := object.union(fx.break_glass_input, {"approval": {"requester": "alex.kim"}})
	fx.findings == set() with input as inp
	inp2 := object.union(fx.break_glass_input, {"approval": {"requester": "sam.lee"}, "identity": {"groups": []}})
	fx.findings == {fx.err("CUS-S015", ["approval", "breakGlass"])} with input as inp2
}

# ---- CUS-S016 ----

test_s016_timely_independent_review_passes if {
	inp := at(deadline_ns + 1)
	fx.findings == set() with input as inp
}

test_s016_review_pending_is_a_warning if {
	inp := no_review_at(deadline_ns)
	fx.findings == {fx.warning("CUS-S016", ["approval", "review"])} with input as inp
}

test_s016_review_missing_after_deadline_is_an_error if {
	inp := no_review_at(deadline_ns + 1)
	fx.findings == {fx.err("CUS-S016", ["approval", "review"])} with input as inp
}

test_s016_review_absent_key if {
	inp := json.remove(no_review_at(deadline_ns + 1), ["approval/review"])
	fx.findings == {fx.err("CUS-S016", ["approval", "review"])} with input as inp
}

test_s016_review_late if {
	inp := object.union(with_review({"at": "2026-11-21T10:42:00Z"}), {"custody": {"now_ns": deadline_ns + 3600000000000}})
	fx.findings == {fx.err("CUS-S016", ["approval", "review", "at"])} with input as inp
}

test_s016_review_exactly_at_deadline_passes if {
	inp := with_review({"at": "2026-11-21T10:41:00Z"})
	fx.findings == set() with input as inp
}

test_s016_reviewer_not_declared if {
	inp := with_review({"reviewer": "pat.doe", "groups": ["dba-oncall"]})
	fx.findings == {fx.err("CUS-S016", ["approval", "review", "reviewer"])} with input as inp
}

test_s016_reviewer_declared_by_user if {
	inp := object.union(with_review({"reviewer": "Pat.Doe", "groups": []}), {"custody": {"workflow": {"spec": {"breakGlass": {"review": {"by": {"users": ["pat.doe"]}}}}}}})
	fx.findings == set() with input as inp
}

test_s016_reviewer_is_the_principal if {
	inp := with_review({"reviewer": "Sam.Lee", "groups": ["security-review"]})
	fx.findings == {fx.err("CUS-S016", ["approval", "review", "reviewer"])} with input as inp
}

test_s016_reviewer_is_the_requester if {
	inp := object.union(fx.break_glass_input, {"approval": {"requester": "riley.chen"}})
	fx.findings == {fx.err("CUS-S016", ["approval", "review", "reviewer"])} with input as inp
}

test_s016_reviewer_is_the_human_behind_an_agent if {
	inp := object.union(fx.break_glass_input, {"identity": {"onBehalfOf": "riley.chen"}})
	fx.findings == {fx.err("CUS-S016", ["approval", "review", "reviewer"])} with input as inp
}

# Without a valid review.within (CUS-W012 on the workflow) the breakGlassReviewMax parameter (72h) applies.
test_s016_review_window_falls_back_to_parameter if {
	base := fx.without(no_review, ["approval/grant", "custody/workflow/spec/breakGlass/review/within"])
	inp1 := object.union(base, {"custody": {"now_ns": deadline_ns + 1}})
	fx.findings == {fx.warning("CUS-S016", ["approval", "review"])} with input as inp1
	inp2 := object.union(base, {"custody": {"now_ns": deadline_ns + (48 * 3600000000000) + 1}})
	fx.findings == {fx.err("CUS-S016", ["approval", "review"])} with input as inp2
}

test_s016_not_for_normal_sessions if {
	inp := fx.patch({"custody": {"now_ns": deadline_ns + 1}})
	fx.findings == set() with input as inp
}
