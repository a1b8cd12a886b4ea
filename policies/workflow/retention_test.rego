package custody.workflow.retention_test

import data.custody.workflow.fixtures_test as fx

with_minimum(d) := object.union(fx.valid, {"spec": {"retention": {"minimum": d}}})

test_w010_retention_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W010") == set()
}

test_w010_limit_is_inclusive if {
	m := with_minimum("365d")
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w010_compares_across_units if {
	m := with_minimum("8760h") # = 365d
	fs := fx.all_findings with input as m
	count(fs) == 0
	m2 := with_minimum("525599m") # one minute under 365d
	fs2 := fx.all_findings with input as m2
	fx.summary(fs2) == {["CUS-W010", ["spec", "retention", "minimum"]]}
}

test_w010_too_short if {
	m := with_minimum("364d")
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W010", ["spec", "retention", "minimum"]]}
	some msg in fx.msgs(fs, "CUS-W010")
	contains(msg, `"364d"`)
	contains(msg, "365d")
}

test_w010_minimum_absent if {
	m := fx.without(["spec/retention/minimum"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W010", ["spec", "retention", "minimum"]]}
}

test_w010_retention_absent if {
	m := fx.without(["spec/retention"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W010", ["spec", "retention", "minimum"]]}
}

test_w010_param_override if {
	m := fx.valid # 400d
	fs := fx.all_findings with input as m with data.custody.params as {"retentionMinimum": "500d"}
	fx.summary(fs) == {["CUS-W010", ["spec", "retention", "minimum"]]}
	fs2 := fx.all_findings with input as m with data.custody.params as {"retentionMinimum": "400d"}
	count(fs2) == 0
}

test_w010_applies_to_non_sensitive_workflows if {
	m := object.union(fx.non_sensitive, {"spec": {"retention": {"minimum": "30d"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W010", ["spec", "retention", "minimum"]]}
}
