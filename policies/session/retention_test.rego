package custody.session.retention_test

import rego.v1

import data.custody.session.fixtures_test as fx

test_s017_long_enough_passes if {
	inp := fx.valid_input
	not "CUS-S017" in fx.ids with input as inp
}

test_s017_minimum_is_inclusive if {
	# 400d after 2026-11-20T10:41:00Z
	inp := fx.patch({"retention": {"until": "2027-12-25T10:41:00Z"}})
	fx.findings == set() with input as inp
}

test_s017_kept_too_short if {
	inp := fx.patch({"retention": {"until": "2027-12-25T10:40:59Z"}})
	fx.findings == {fx.err("CUS-S017", ["retention", "until"])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, "399d 23h 59m 59s")
}

test_s017_retention_absent if {
	inp := fx.without(fx.valid_input, ["retention"])
	fx.findings == {fx.err("CUS-S017", ["retention", "until"])} with input as inp
}

test_s017_legal_hold_not_set if {
	inp := fx.patch_spec({"retention": {"legalHold": true}})
	fx.findings == {fx.err("CUS-S017", ["retention", "legalHold"])} with input as inp
}

test_s017_legal_hold_set if {
	inp := fx.patch({"retention": {"legalHold": true}, "custody": {"workflow": {"spec": {"retention": {"legalHold": true}}}}})
	fx.findings == set() with input as inp
}

# Without a valid retention.minimum (CUS-W010 on the workflow) the retentionMinimum parameter (365d) applies.
test_s017_minimum_falls_back_to_parameter if {
	base := fx.without(fx.valid_input, ["custody/workflow/spec/retention/minimum"])
	inp1 := object.union(base, {"retention": {"until": "2027-11-20T10:41:00Z"}})
	fx.findings == set() with input as inp1
	inp2 := object.union(base, {"retention": {"until": "2027-11-20T10:40:00Z"}})
	fx.findings == {fx.err("CUS-S017", ["retention", "until"])} with input as inp2
}
