package custody.workflow.recording_test

import data.custody.workflow.fixtures_test as fx

# base: the valid manifest, vendor duties transferred (no CUS-W018 noise).
base := fx.no_vendor_duty

staging(m) := object.union(json.remove(m, ["metadata/labels"]), {"spec": {"targets": [{"system": "db", "environment": "staging"}]}})

test_w009_recorded_immutable_passes if {
	m := base
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w009_commands_recording_passes if {
	m := object.union(base, {"spec": {"session": {"recording": "commands"}}})
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w009_recording_none if {
	m := object.union(base, {"spec": {"session": {"recording": "none"}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W009", ["spec", "session", "recording"]]}
}

test_w009_recording_absent if {
	m := json.remove(base, ["spec/session/recording"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W009", ["spec", "session", "recording"]]}
}

test_w009_immutable_false if {
	m := object.union(base, {"spec": {"session": {"immutable": false}}})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W009", ["spec", "session", "immutable"]]}
}

test_w009_immutable_absent if {
	m := json.remove(base, ["spec/session/immutable"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W009", ["spec", "session", "immutable"]]}
}

test_w009_session_absent_two_findings if {
	m := json.remove(base, ["spec/session"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {
		["CUS-W009", ["spec", "session", "recording"]],
		["CUS-W009", ["spec", "session", "immutable"]],
	}
}

test_w009_not_sensitive_passes if {
	m := staging(object.union(base, {"spec": {"session": {"recording": "none", "immutable": false}}}))
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w009_tier_critical_mixed_case if {
	m := object.union(
		staging(object.union(base, {"spec": {"session": {"recording": "none"}}})),
		{"metadata": {"labels": {"tier": "Critical"}}},
	)
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W009", ["spec", "session", "recording"]]}
}

test_w009_prod_environment_upper_case if {
	m := object.union(
		staging(object.union(base, {"spec": {"session": {"immutable": false}}})),
		{"spec": {"targets": [{"system": "db", "environment": "PROD"}]}},
	)
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W009", ["spec", "session", "immutable"]]}
}
