package custody.session.identity_test

import rego.v1

import data.custody.session.fixtures_test as fx

decision(approver, groups) := {"approver": approver, "groups": groups, "decision": "approved", "at": "2026-11-20T09:55:00Z"}

# ---- CUS-S021 ----

test_s021_plain_identities_pass if {
	not "CUS-S021" in fx.ids with input as fx.valid_input
}

# Fullwidth letters and another letter case are the same identity, not a suspicious one.
test_s021_fullwidth_and_case_are_not_suspicious if {
	inp := fx.patch({"approval": {"decisions": [decision("ＤＡＮＡ.ＷＨＩＴＦＩＥＬＤ", ["payments-leads"])]}})
	not "CUS-S021" in fx.ids with input as inp
}

test_s021_zero_width_space_in_the_principal if {
	inp := fx.patch({"identity": {"principal": "alex.kim\u200b"}})
	fx.err("CUS-S021", ["identity", "principal"]) in fx.findings with input as inp
}

test_s021_bidi_override_in_a_decision_group if {
	inp := fx.patch({"approval": {"decisions": [decision("dana.whitfield", ["payments\u202eleads"])]}})
	fx.err("CUS-S021", ["approval", "decisions", 0, "groups", 0]) in fx.findings with input as inp
}

test_s021_cyrillic_letter_in_the_requester if {
	inp := fx.patch({"approval": {"requester": "\u0430lex.kim"}})
	fx.err("CUS-S021", ["approval", "requester"]) in fx.findings with input as inp
}

test_s021_soft_hyphen_in_the_reviewer if {
	inp := fx.patch({"approval": {"review": {"reviewer": "sam\u00ad.ortiz", "groups": [], "at": "2026-11-20T12:00:00Z", "outcome": "ok"}}})
	fx.err("CUS-S021", ["approval", "review", "reviewer"]) in fx.findings with input as inp
}

# ---- separation of duties sees through the disguise (CUS-S007) ----

# The requester approves their own request under a zero-width space: S007 and S021 on the same field.
test_s007_self_approval_with_a_zero_width_space if {
	inp := fx.patch({"approval": {"decisions": [decision("alex.kim\u200b", ["payments-leads"])]}})
	fx.err("CUS-S007", ["approval", "decisions", 0, "approver"]) in fx.findings with input as inp
	fx.err("CUS-S021", ["approval", "decisions", 0, "approver"]) in fx.findings with input as inp
}

# ...with a Cyrillic а: a different key, the same skeleton.
test_s007_self_approval_with_a_look_alike_letter if {
	inp := fx.patch({"approval": {"decisions": [decision("\u0430lex.kim", ["payments-leads"])]}})
	fx.err("CUS-S007", ["approval", "decisions", 0, "approver"]) in fx.findings with input as inp
}

# ...in fullwidth letters, in capitals, or decomposed: the same key, no S021.
test_s007_self_approval_in_fullwidth_capitals if {
	inp := fx.patch({"approval": {"decisions": [decision("ＡＬＥＸ.ＫＩＭ", ["payments-leads"])]}})
	fx.err("CUS-S007", ["approval", "decisions", 0, "approver"]) in fx.findings with input as inp
	not "CUS-S021" in fx.ids with input as inp
}
