package custody.workflow.principals_test

import data.custody.workflow.fixtures_test as fx

with_principals(p) := object.union(fx.valid, {"spec": {"principals": p}})

svc(id, owner, max_age) := {"id": id, "owner": owner, "credential": {"type": "api-key", "maxAge": max_age}}

agent := {"id": "agent-x", "owner": "dana.whitfield@example.com", "policy": "runbook-v1", "onBehalfOf": "required"}

# --- CUS-W014 -------------------------------------------------------------

test_w014_owned_identities_pass if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W014") == set()
}

test_w014_service_account_without_owner if {
	m := fx.without(["spec/principals/serviceAccounts/0/owner"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W014", ["spec", "principals", "serviceAccounts", 0, "owner"]]}
	some msg in fx.msgs(fs, "CUS-W014")
	contains(msg, `"svc-migrator"`)
}

test_w014_one_finding_per_ownerless_identity if {
	m := with_principals({
		"serviceAccounts": [
			svc("svc-a", "dana.whitfield@example.com", "30d"),
			{"id": "svc-b", "credential": {"maxAge": "30d"}},
			svc("svc-c", " ", "30d"),
		],
		"agents": [agent, object.remove(agent, ["owner"])],
	})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {
		["CUS-W014", ["spec", "principals", "serviceAccounts", 1, "owner"]],
		["CUS-W014", ["spec", "principals", "serviceAccounts", 2, "owner"]],
		["CUS-W014", ["spec", "principals", "agents", 1, "owner"]],
	}
}

test_w014_no_non_human_principals_pass if {
	m := fx.without(["spec/principals/serviceAccounts", "spec/principals/agents"])
	fs := fx.all_findings with input as m
	count(fs) == 0
}

# --- CUS-W015 -------------------------------------------------------------

test_w015_governed_agent_passes if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W015") == set()
}

test_w015_on_behalf_of_none if {
	m := with_principals({"agents": [object.union(agent, {"onBehalfOf": "none"})]})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W015", ["spec", "principals", "agents", 0, "onBehalfOf"]]}
	some msg in fx.msgs(fs, "CUS-W015")
	contains(msg, `"none"`)
}

test_w015_on_behalf_of_absent if {
	m := fx.without(["spec/principals/agents/0/onBehalfOf"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W015", ["spec", "principals", "agents", 0, "onBehalfOf"]]}
}

test_w015_policy_absent if {
	m := fx.without(["spec/principals/agents/0/policy"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W015", ["spec", "principals", "agents", 0, "policy"]]}
}

test_w015_both_faults_two_findings if {
	m := with_principals({"agents": [agent, {"id": "rogue", "owner": "dana.whitfield@example.com", "onBehalfOf": "none"}]})
	fs := fx.all_findings with input as m
	fx.summary(fs) == {
		["CUS-W015", ["spec", "principals", "agents", 1, "onBehalfOf"]],
		["CUS-W015", ["spec", "principals", "agents", 1, "policy"]],
	}
}

# --- CUS-W016 -------------------------------------------------------------

test_w016_no_shared_accounts_pass if {
	m := fx.valid
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W016") == set()
}

test_w016_shared_absent_passes if {
	m := fx.without(["spec/principals/humans/shared"])
	fs := fx.all_findings with input as m
	count(fs) == 0
}

test_w016_one_warning_per_shared_account if {
	m := with_principals({"humans": {"shared": ["root", "admin"]}})
	ds := fx.all_deny with input as m
	ws := fx.all_warn with input as m
	count(ds) == 0
	fx.summary(ws) == {
		["CUS-W016", ["spec", "principals", "humans", "shared", 0]],
		["CUS-W016", ["spec", "principals", "humans", "shared", 1]],
	}
	some msg in fx.msgs(ws, "CUS-W016")
	contains(msg, `"root"`)
}

# --- CUS-W017 -------------------------------------------------------------

test_w017_limit_is_inclusive if {
	m := fx.valid # maxAge 90d
	fs := fx.all_findings with input as m
	fx.paths(fs, "CUS-W017") == set()
	m2 := with_principals({"serviceAccounts": [svc("svc-a", "o@example.com", "2160h")]})
	fs2 := fx.all_findings with input as m2
	count(fs2) == 0
}

test_w017_max_age_too_long_is_warning if {
	m := with_principals({"serviceAccounts": [svc("svc-a", "o@example.com", "30d"), svc("svc-b", "o@example.com", "91d")]})
	ds := fx.all_deny with input as m
	ws := fx.all_warn with input as m
	count(ds) == 0
	fx.summary(ws) == {["CUS-W017", ["spec", "principals", "serviceAccounts", 1, "credential", "maxAge"]]}
	some msg in fx.msgs(ws, "CUS-W017")
	contains(msg, `"svc-b"`)
	contains(msg, `"91d"`)
}

test_w017_max_age_absent if {
	m := fx.without(["spec/principals/serviceAccounts/0/credential/maxAge"])
	ws := fx.all_warn with input as m
	fx.summary(ws) == {["CUS-W017", ["spec", "principals", "serviceAccounts", 0, "credential", "maxAge"]]}
}

test_w017_credential_absent if {
	m := fx.without(["spec/principals/serviceAccounts/0/credential"])
	fs := fx.all_findings with input as m
	fx.summary(fs) == {["CUS-W017", ["spec", "principals", "serviceAccounts", 0, "credential", "maxAge"]]}
}

test_w017_param_override if {
	m := fx.valid # maxAge 90d
	ws := fx.all_warn with input as m with data.custody.params as {"credentialMaxAge": "30d"}
	fx.summary(ws) == {["CUS-W017", ["spec", "principals", "serviceAccounts", 0, "credential", "maxAge"]]}
}

test_w017_agents_not_checked if {
	m := with_principals({"agents": [object.union(agent, {"credential": {"maxAge": "400d"}})]})
	fs := fx.all_findings with input as m
	count(fs) == 0
}
