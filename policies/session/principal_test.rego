package custody.session.principal_test

import rego.v1

import data.custody.session.fixtures_test as fx

# An agent session: migration-agent acting for alex.kim, run by automation.
agent_input := fx.patch({
	"session": {"interactive": false},
	"identity": {"principal": "migration-agent", "kind": "agent", "groups": [], "onBehalfOf": "alex.kim"},
	"evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "migration-agent"})]},
})

# A service-account session run by automation.
service_input := fx.patch({
	"session": {"interactive": false},
	"identity": {"principal": "svc-migrator", "kind": "serviceAccount", "groups": []},
	"evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "svc-migrator"})]},
})

# ---- CUS-S003 ----

test_s003_group_member_passes if {
	inp := fx.valid_input
	not "CUS-S003" in fx.ids with input as inp
}

test_s003_named_user_passes if {
	inp := fx.patch_spec({"principals": {"humans": {"groups": [], "users": ["Alex.Kim"]}}})
	fx.findings == set() with input as inp
}

test_s003_shared_account_passes if {
	inp := fx.patch({
		"identity": {"principal": "root", "groups": []},
		"approval": {"requester": "root"},
		"evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "root"})]},
		"custody": {"workflow": {"spec": {"principals": {"humans": {"shared": ["root"]}}}}},
	})
	fx.findings == set() with input as inp
}

test_s003_service_account_and_agent_pass if {
	inp1 := service_input
	fx.findings == set() with input as inp1
	inp2 := agent_input
	fx.findings == set() with input as inp2
}

test_s003_human_outside_permitted_groups if {
	inp := fx.patch({"identity": {"groups": ["marketing"]}})
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, `"alex.kim"`)
}

test_s003_unknown_service_account if {
	inp := object.union(service_input, {"identity": {"principal": "svc-other"}, "evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "svc-other"})]}})
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
}

# A human principal is not permitted because an agent or service account of that name exists.
test_s003_kind_matters if {
	inp := object.union(service_input, {"identity": {"kind": "human"}})
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
}

test_s003_absent_principal if {
	inp := fx.without(fx.valid_input, ["identity/principal"])
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
}

test_s003_absent_identity if {
	inp := fx.without(fx.valid_input, ["identity"])
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
}

# Break-glass: permission comes from breakGlass.invokers (CUS-S015), not from principals.
test_s003_not_for_break_glass if {
	inp := fx.break_glass_input
	fx.findings == set() with input as inp
}

test_s003_absent_principal_is_s003_even_for_break_glass if {
	inp := fx.without(fx.break_glass_input, ["identity/principal"])
	fx.findings == {fx.err("CUS-S003", ["identity", "principal"])} with input as inp
}

# ---- CUS-S004 ----

test_s004_agent_with_human_passes if {
	inp := agent_input
	not "CUS-S004" in fx.ids with input as inp
}

test_s004_agent_without_human if {
	inp := fx.without(agent_input, ["identity/onBehalfOf"])
	fx.findings == {fx.err("CUS-S004", ["identity", "onBehalfOf"])} with input as inp
}

test_s004_agent_with_null_or_empty_human if {
	inp1 := object.union(agent_input, {"identity": {"onBehalfOf": null}})
	fx.findings == {fx.err("CUS-S004", ["identity", "onBehalfOf"])} with input as inp1
	inp2 := object.union(agent_input, {"identity": {"onBehalfOf": ""}})
	fx.findings == {fx.err("CUS-S004", ["identity", "onBehalfOf"])} with input as inp2
}

test_s004_not_required_by_agent if {
	agents := [{"id": "migration-agent", "owner": "dana.whitfield@example.com", "policy": "p", "onBehalfOf": "none"}]
	inp := object.union(fx.without(agent_input, ["identity/onBehalfOf"]), {"custody": {"workflow": {"spec": {"principals": {"agents": agents}}}}})
	fx.findings == set() with input as inp
}

# ---- CUS-S019 ----

test_s019_automation_with_service_account_passes if {
	inp := service_input
	not "CUS-S019" in fx.ids with input as inp
}

test_s019_person_used_service_account if {
	inp := object.union(service_input, {"session": {"interactive": true}})
	fx.findings == {fx.err("CUS-S019", ["identity", "kind"])} with input as inp
}

test_s019_person_used_agent if {
	inp := object.union(agent_input, {"session": {"interactive": true}})
	fx.findings == {fx.err("CUS-S019", ["identity", "kind"])} with input as inp
}

test_s019_not_for_break_glass if {
	inp := object.union(fx.break_glass_input, {
		"identity": {"principal": "svc-migrator", "kind": "serviceAccount", "groups": ["sre-leads"]},
		"evidence": {"events": [object.union(fx.valid_bundle.evidence.events[0], {"principal": "svc-migrator"})]},
	})
	fx.findings == set() with input as inp
}
