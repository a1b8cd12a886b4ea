# Whole-catalogue tests: the example manifest is clean, the bare manifest fails closed.
package custody.workflow.all_test

import data.custody.workflow.fixtures_test as fx

test_spec_example_has_no_findings if {
	m := fx.valid
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_non_sensitive_variant_has_no_findings if {
	m := fx.non_sensitive
	fs := fx.all_findings with input as m
	count(fs) == 0
}

# A manifest with an empty spec is not silently accepted: every rule about an
# absent governance field fires.
test_minimal_manifest_fails_closed if {
	m := fx.minimal
	fs := fx.all_findings with input as m
	fx.well_formed(fs)
	fx.summary(fs) == {
		["CUS-W001", ["spec", "owner"]],
		["CUS-W003", ["spec", "purpose"]],
		["CUS-W010", ["spec", "retention", "minimum"]],
	}
}

# The same, labelled critical: approval and recording are required too.
test_minimal_critical_manifest_fails_closed if {
	m := object.union(fx.minimal, {"metadata": {"labels": {"tier": "CRITICAL"}}})
	fs := fx.all_findings with input as m
	fx.well_formed(fs)
	fx.summary(fs) == {
		["CUS-W001", ["spec", "owner"]],
		["CUS-W003", ["spec", "purpose"]],
		["CUS-W004", ["spec", "approval", "mode"]],
		["CUS-W009", ["spec", "session", "recording"]],
		["CUS-W009", ["spec", "session", "immutable"]],
		["CUS-W010", ["spec", "retention", "minimum"]],
	}
}

# Findings of a broken manifest are all well-formed {id, msg, path} objects.
test_findings_well_formed if {
	m := fx.patch({"spec": {
		"owner": {"team": "dba"},
		"purpose": "short",
		"approval": {"separationOfDuties": false, "maxDuration": "12h", "approvers": {"groups": ["dba-oncall"]}},
		"principals": {"humans": {"shared": ["root"]}},
	}})
	fs := fx.all_findings with input as m
	count(fs) > 0
	fx.well_formed(fs)
}

# Sections that are present but empty fail closed: every rule about an absent
# governance field fires, one finding per offending node.
test_empty_sections_fail_closed if {
	m := {
		"apiVersion": "custody/v1",
		"kind": "Workflow",
		"metadata": {"id": "empty-sections", "labels": {}},
		"spec": {
			"owner": {},
			"operators": [],
			"targets": [{"system": "db"}, {"system": "db2", "environment": "prod"}],
			"principals": {"humans": {}, "serviceAccounts": [{"id": "svc", "credential": {}}], "agents": [{"id": "a"}]},
			"approval": {"mode": "per-session", "approvers": {}, "ticket": {}},
			"session": {},
			"retention": {},
			"breakGlass": {"allowed": true, "invokers": {}, "review": {}},
		},
	}
	fs := fx.all_findings with input as m
	fx.well_formed(fs)
	fx.summary(fs) == {
		["CUS-W001", ["spec", "owner"]],
		["CUS-W003", ["spec", "purpose"]],
		["CUS-W004", ["spec", "approval", "approvers"]],
		["CUS-W005", ["spec", "approval", "separationOfDuties"]],
		["CUS-W007", ["spec", "approval", "ticket", "pattern"]],
		["CUS-W008", ["spec", "approval", "maxDuration"]],
		["CUS-W009", ["spec", "session", "recording"]],
		["CUS-W009", ["spec", "session", "immutable"]],
		["CUS-W010", ["spec", "retention", "minimum"]],
		["CUS-W011", ["spec", "breakGlass", "owner"]],
		["CUS-W012", ["spec", "breakGlass", "review", "within"]],
		["CUS-W012", ["spec", "breakGlass", "review", "by"]],
		["CUS-W013", ["spec", "breakGlass", "invokers"]],
		["CUS-W014", ["spec", "principals", "serviceAccounts", 0, "owner"]],
		["CUS-W014", ["spec", "principals", "agents", 0, "owner"]],
		["CUS-W015", ["spec", "principals", "agents", 0, "onBehalfOf"]],
		["CUS-W015", ["spec", "principals", "agents", 0, "policy"]],
		["CUS-W017", ["spec", "principals", "serviceAccounts", 0, "credential", "maxAge"]],
	}
}

# An empty vendor block still means a vendor operates sessions.
test_empty_vendor_block_counts_as_vendor if {
	m := object.union(fx.without(["spec/vendor"]), {"spec": {"vendor": {}, "session": {"recording": "commands"}}})
	m.spec.vendor == {}
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W018", ["spec", "session", "recording"]]}
}
