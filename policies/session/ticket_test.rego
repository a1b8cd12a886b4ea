package custody.session.ticket_test

import rego.v1

import data.custody.session.fixtures_test as fx

test_s011_matching_ticket_passes if {
	inp := fx.valid_input
	not "CUS-S011" in fx.ids with input as inp
}

test_s011_absent_ticket if {
	inp := fx.without(fx.valid_input, ["approval/ticket"])
	fx.findings == {fx.err("CUS-S011", ["approval", "ticket"])} with input as inp
}

test_s011_empty_ticket if {
	inp := fx.patch({"approval": {"ticket": ""}})
	fx.findings == {fx.err("CUS-S011", ["approval", "ticket"])} with input as inp
}

test_s011_ticket_not_matching if {
	inp := fx.patch({"approval": {"ticket": "CHG12345"}})
	fx.findings == {fx.err("CUS-S011", ["approval", "ticket"])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, `"CHG12345"`)
}

test_s011_no_pattern_declared if {
	inp := fx.without(fx.patch({"approval": {"ticket": "anything"}}), ["custody/workflow/spec/approval/ticket"])
	fx.findings == set() with input as inp
}

test_s011_break_glass_uses_its_own_pattern if {
	inp := fx.break_glass_input
	fx.findings == set() with input as inp
	inp2 := object.union(fx.break_glass_input, {"approval": {"ticket": "CHG0012345"}})
	fx.findings == {fx.err("CUS-S011", ["approval", "ticket"])} with input as inp2
}

test_s011_break_glass_falls_back_to_approval_pattern if {
	base := fx.without(fx.break_glass_input, ["custody/workflow/spec/breakGlass/ticket"])
	inp := object.union(base, {"approval": {"ticket": "CHG0012345"}})
	fx.findings == set() with input as inp
	fx.findings == {fx.err("CUS-S011", ["approval", "ticket"])} with input as base
}

test_s011_break_glass_without_ticket if {
	inp := fx.without(fx.break_glass_input, ["approval/ticket"])
	fx.findings == {fx.err("CUS-S011", ["approval", "ticket"])} with input as inp
}
