package custody.workflow.owner_test

import data.custody.workflow.fixtures_test as fx

# --- CUS-W001 -------------------------------------------------------------

test_w001_complete_owner_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W001") == set()
}

test_w001_missing_email if {
	m := fx.without(["spec/owner/email"])
	fs := fx.all_deny with input as m
	fx.summary(fs) == {["CUS-W001", ["spec", "owner", "email"]]}
}

test_w001_blank_name if {
	m := fx.patch({"spec": {"owner": {"name": "  "}}})
	fs := fx.all_deny with input as m
	fx.summary(fs) == {["CUS-W001", ["spec", "owner", "name"]]}
}

test_w001_absent_team if {
	m := fx.without(["spec/owner/team"])
	fs := fx.all_deny with input as m
	fx.summary(fs) == {["CUS-W001", ["spec", "owner", "team"]]}
}

test_w001_absent_owner_one_finding if {
	m := fx.without(["spec/owner"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W001", ["spec", "owner"]]}
}

test_w001_two_fields_missing_one_finding if {
	m := fx.without(["spec/owner/email", "spec/owner/team"])
	fs := fx.all_deny with input as m
	fx.summary(fs) == {["CUS-W001", ["spec", "owner", "email"]]}
	some msg in fx.msgs(fs, "CUS-W001")
	contains(msg, "spec.owner.email and spec.owner.team")
}

test_w001_message_names_field if {
	m := fx.without(["spec/owner/email"])
	fs := fx.all_deny with input as m
	some msg in fx.msgs(fs, "CUS-W001")
	contains(msg, "spec.owner.email")
}

# --- CUS-W002 -------------------------------------------------------------

test_w002_owner_distinct_from_operators_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W002") == set()
}

test_w002_no_operators_passes if {
	m := fx.without(["spec/operators"])
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w002_owner_is_operator if {
	m := fx.patch({"spec": {"owner": {"team": "dba"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W002", ["spec", "owner", "team"]]}
	some msg in fx.msgs(fs, "CUS-W002")
	contains(msg, `"dba"`)
}

test_w002_case_insensitive_second_operator if {
	m := fx.patch({"spec": {"operators": [{"team": "sre"}, {"team": "Payments"}]}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W002", ["spec", "owner", "team"]]}
}

test_w002_one_finding_for_repeated_operator if {
	m := fx.patch({"spec": {"operators": [{"team": "payments"}, {"team": "PAYMENTS"}]}})
	fs := fx.all_deny with input as m
	count(fs) == 1
	fx.summary(fs) == {["CUS-W002", ["spec", "owner", "team"]]}
}

test_w002_absent_owner_team_is_w001_only if {
	m := json.remove(fx.patch({"spec": {"operators": [{"team": "payments"}]}}), ["spec/owner/team"])
	fs := fx.all_deny with input as m
	fx.summary(fs) == {["CUS-W001", ["spec", "owner", "team"]]}
}

# --- CUS-W003 -------------------------------------------------------------

test_w003_purpose_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W003") == set()
}

test_w003_absent_purpose if {
	m := fx.without(["spec/purpose"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W003", ["spec", "purpose"]]}
}

test_w003_nine_characters_fails if {
	m := fx.patch({"spec": {"purpose": "123456789"}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W003", ["spec", "purpose"]]}
	some msg in fx.msgs(fs, "CUS-W003")
	contains(msg, `"123456789"`)
}

test_w003_ten_characters_passes if {
	m := fx.patch({"spec": {"purpose": "1234567890"}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w003_counts_characters_not_bytes if {
	m := fx.patch({"spec": {"purpose": "Änderungen"}}) # 10 characters, 11 bytes
	fs := fx.all_findings with input as m
	count(fs) == 0
	m2 := fx.patch({"spec": {"purpose": "ÄÄÄÄÄÄÄÄÄ"}}) # 9 characters, 18 bytes
	fs2 := fx.all_findings with input as m2
	fx.summary(fs2) == {["CUS-W003", ["spec", "purpose"]]}
}

test_w003_padding_does_not_count if {
	m := fx.patch({"spec": {"purpose": "    fix     "}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W003", ["spec", "purpose"]]}
}

test_w003_empty_purpose if {
	m := fx.patch({"spec": {"purpose": ""}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W003", ["spec", "purpose"]]}
}
