package custody.workflow.identity_test

import data.custody.workflow.fixtures_test as fx

test_p003_unique_id_passes if {
	m := object.union(fx.valid, {"custody": {"now_ns": 0, "now": "1970-01-01T00:00:00Z"}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_p003_duplicate_id if {
	m := object.union(fx.valid, {"custody": {"duplicate_of": {"file": "workflows/payments.yaml", "line": 4}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-P003", ["metadata", "id"]]}
	some msg in fx.msgs(fs, "CUS-P003")
	contains(msg, "workflows/payments.yaml:4")
	contains(msg, `"payments-db-admin"`)
}

test_p003_duplicate_without_line if {
	m := object.union(fx.valid, {"custody": {"duplicate_of": {"file": "a.json"}}})
	fs := fx.all_deny with input as m
	fx.summary(fs) == {["CUS-P003", ["metadata", "id"]]}
	some msg in fx.msgs(fs, "CUS-P003")
	contains(msg, "a.json")
}
