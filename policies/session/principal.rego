# CUS-S003, CUS-S004, CUS-S019: who opened the session, and whether that identity may open it.
package custody.session.principal

import rego.v1

import data.custody.session.lib

humans := object.get(lib.spec, ["principals", "humans"], {})

service_account_ids := {lib.id(a.id) | some a in lib.list(object.get(lib.spec, ["principals", "serviceAccounts"], [])); lib.id(a.id)}

agent_ids := {lib.id(a.id) | some a in lib.list(object.get(lib.spec, ["principals", "agents"], [])); lib.id(a.id)}

permitted if {
	lib.identity_kind == "human"
	lib.member_of(input.identity.principal, object.get(input, ["identity", "groups"], []), humans)
}

permitted if {
	lib.identity_kind == "human"
	lib.principal in lib.id_set(lib.get(humans, "shared", []))
}

permitted if {
	lib.identity_kind == "serviceAccount"
	lib.principal in service_account_ids
}

permitted if {
	lib.identity_kind == "agent"
	lib.principal in agent_ids
}

_declared := {
	"human": "principals.humans (groups, users or shared)",
	"serviceAccount": "principals.serviceAccounts",
	"agent": "principals.agents",
}

# METADATA
# title: Principal not permitted by the workflow
# description: >-
#   identity.principal must be allowed to open sessions under the workflow: a human through
#   principals.humans (a group in identity.groups, a named user, or a declared shared account), a service
#   account or an agent by its id in principals.serviceAccounts or principals.agents. An absent principal
#   cannot be attributed and is reported too. For break-glass sessions the permission comes from
#   breakGlass.invokers instead (CUS-S015).
# custom:
#   id: CUS-S003
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     Open the session with an identity the workflow permits, or, if this principal should have access, add
#     it (or its group) to spec.principals of the workflow through the workflow's change process.
deny contains f if {
	lib.has_workflow
	not lib.principal
	f := {
		"id": "CUS-S003",
		"msg": sprintf("identity.principal is %v: every session must name the identity that opened it", [lib.show(object.get(input, ["identity", "principal"], "absent"))]),
		"path": ["identity", "principal"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.principal
	not lib.break_glass
	not permitted
	where := object.get(_declared, lib.identity_kind, "any principals list (unknown identity.kind)")
	f := {
		"id": "CUS-S003",
		"msg": sprintf("principal %q (kind %q, groups %v) is not permitted by workflow %q: it is not in %v; use a permitted identity or add it to the workflow", [input.identity.principal, lib.identity_kind, object.get(input, ["identity", "groups"], []), lib.workflow_id, where]),
		"path": ["identity", "principal"],
	}
}

# METADATA
# title: Agent session without the human it acted for
# description: >-
#   An agent declared with onBehalfOf required must name, in identity.onBehalfOf, the human it acted for;
#   otherwise nobody is accountable for what the agent did in the session.
# custom:
#   id: CUS-S004
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-01
#     - NIST-CSF-2.0:GV.RR-02
#   remediation: >-
#     Record the human the agent acted for in identity.onBehalfOf (have the agent runtime pass the requesting
#     user through to the session record).
deny contains f if {
	lib.has_workflow
	lib.identity_kind == "agent"
	some a in lib.list(object.get(lib.spec, ["principals", "agents"], []))
	lib.id(a.id) == lib.principal
	a.onBehalfOf == "required"
	not lib.on_behalf_of
	f := {
		"id": "CUS-S004",
		"msg": sprintf("agent %q requires onBehalfOf but identity.onBehalfOf is %v: name the human the agent acted for", [input.identity.principal, lib.show(object.get(input, ["identity", "onBehalfOf"], "absent"))]),
		"path": ["identity", "onBehalfOf"],
	}
}

# METADATA
# title: A person used a non-human identity
# description: >-
#   An interactive session (a person at a terminal) opened with a service account or an agent identity hides
#   who acted behind a shared machine credential. Only a break-glass session may do so.
# custom:
#   id: CUS-S019
#   severity: error
#   frameworks:
#     - OWASP-NHI:NHI10:2025
#     - PCI-DSS-4.0:8.6.1
#     - NIST-CSF-2.0:PR.AA-01
#   remediation: >-
#     Open interactive sessions with the person's own identity; keep service accounts and agents for
#     automation (session.interactive false), or declare a break-glass session when an emergency requires it.
deny contains f if {
	lib.has_workflow
	lib.identity_kind in {"serviceAccount", "agent"}
	input.session.interactive == true
	not lib.break_glass
	f := {
		"id": "CUS-S019",
		"msg": sprintf("interactive session opened with %v identity %v: a person must use their own identity, not a non-human one", [lib.identity_kind, lib.show(object.get(input, ["identity", "principal"], null))]),
		"path": ["identity", "kind"],
	}
}
