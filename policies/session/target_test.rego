package custody.session.target_test

import rego.v1

import data.custody.session.fixtures_test as fx

test_s005_declared_target_passes if {
	inp := fx.valid_input
	not "CUS-S005" in fx.ids with input as inp
}

test_s005_host_globs_match_case_insensitively if {
	inp := fx.patch({"session": {"target": {"host": "PGDB-PROD-7.Payments.Example.com"}}})
	fx.findings == set() with input as inp
}

test_s005_unknown_system if {
	inp := fx.patch({"session": {"target": {"system": "billing-db"}}})
	fx.findings == {fx.err("CUS-S005", ["session", "target", "system"])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, `"billing-db"`)
}

test_s005_absent_target if {
	inp := fx.without(fx.valid_input, ["session/target"])
	fx.findings == {fx.err("CUS-S005", ["session", "target", "system"])} with input as inp
}

test_s005_undeclared_host if {
	inp := fx.patch({"session": {"target": {"host": "pgdb-staging-1.payments.example.com"}}})
	fx.findings == {fx.err("CUS-S005", ["session", "target", "host"])} with input as inp
}

test_s005_absent_host_when_hosts_declared if {
	inp := fx.without(fx.valid_input, ["session/target/host"])
	fx.findings == {fx.err("CUS-S005", ["session", "target", "host"])} with input as inp
}

test_s005_no_hosts_declared_accepts_any_host if {
	inp := fx.patch({
		"session": {"target": {"host": "anything.example.org"}},
		"custody": {"workflow": {"spec": {"targets": [{"system": "payments-db", "environment": "production"}]}}},
	})
	fx.findings == set() with input as inp
}

test_s005_any_entry_of_the_system_may_declare_the_host if {
	targets := [
		{"system": "payments-db", "environment": "production", "hosts": ["pgdb-prod-*.payments.example.com"]},
		{"system": "payments-db", "environment": "staging", "hosts": ["pgdb-staging-*.payments.example.com"]},
	]
	inp := fx.patch({
		"session": {"target": {"host": "pgdb-staging-1.payments.example.com"}},
		"custody": {"workflow": {"spec": {"targets": targets}}},
	})
	fx.findings == set() with input as inp
}
