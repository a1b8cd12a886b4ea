# Principals: non-human identities, agents and shared accounts.
package custody.workflow.principals

import data.custody.workflow.lib.params

service_accounts := object.get(input, ["spec", "principals", "serviceAccounts"], [])

agents := object.get(input, ["spec", "principals", "agents"], [])

# label(p): the principal's id quoted, for messages.
label(p) := sprintf("%q", [p.id])

on_behalf_of_text(p) := sprintf("%q", [p.onBehalfOf]) if {
	p.onBehalfOf
} else := "missing"

# METADATA
# title: Service account or agent without an owner
# description: >-
#   Checks that every service account and agent in spec.principals names an
#   accountable owner. An ownerless non-human identity is never reviewed,
#   rotated or decommissioned, and its actions are answered for by nobody.
# custom:
#   id: CUS-W014
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-01
#     - NIST-800-53:AC-2
#     - OWASP-NHI:NHI1:2025
#   remediation: >-
#     Set owner on each entry of spec.principals.serviceAccounts and
#     spec.principals.agents to the person accountable for that identity.
deny contains f if {
	some i, p in service_accounts
	trim_space(object.get(p, "owner", "")) == ""
	f := {
		"id": "CUS-W014",
		"msg": sprintf("The service account %s in spec.principals.serviceAccounts has no owner: name the person accountable for it.", [label(p)]),
		"path": ["spec", "principals", "serviceAccounts", i, "owner"],
	}
}

deny contains f if {
	some i, p in agents
	trim_space(object.get(p, "owner", "")) == ""
	f := {
		"id": "CUS-W014",
		"msg": sprintf("The agent %s in spec.principals.agents has no owner: name the person accountable for it.", [label(p)]),
		"path": ["spec", "principals", "agents", i, "owner"],
	}
}

# METADATA
# title: Agent not bound to a human or a governing policy
# description: >-
#   Checks that every agent in spec.principals.agents requires onBehalfOf (each
#   session names the human it acts for) and names the policy that governs it.
#   An unattributed, ungoverned agent holds privileged access no one directs.
# custom:
#   id: CUS-W015
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-01
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#   remediation: >-
#     On each entry of spec.principals.agents set onBehalfOf: required and set
#     policy to the identifier of the policy or runbook that governs the agent.
deny contains f if {
	some i, p in agents
	object.get(p, "onBehalfOf", "") != "required"
	f := {
		"id": "CUS-W015",
		"msg": sprintf("The agent %s has onBehalfOf %s: set onBehalfOf: required so every session names the human it acts for.", [label(p), on_behalf_of_text(p)]),
		"path": ["spec", "principals", "agents", i, "onBehalfOf"],
	}
}

deny contains f if {
	some i, p in agents
	trim_space(object.get(p, "policy", "")) == ""
	f := {
		"id": "CUS-W015",
		"msg": sprintf("The agent %s has no governing policy: set policy to the policy or runbook that governs it.", [label(p)]),
		"path": ["spec", "principals", "agents", i, "policy"],
	}
}

# METADATA
# title: Shared accounts permitted
# description: >-
#   Warns for each shared account (such as root or admin) listed in
#   principals.humans.shared. A session under a shared account cannot be
#   attributed to one person.
# custom:
#   id: CUS-W016
#   severity: warning
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-01
#     - NIST-800-53:AC-2
#     - PCI-DSS-4.0:8.2.2
#   remediation: >-
#     Remove the entry from spec.principals.humans.shared and give each operator
#     a personal account (in humans.groups or humans.users); if a shared account
#     is unavoidable, waive the finding with a reasoned, expiring exception.
warn contains f if {
	some i, s in object.get(input, ["spec", "principals", "humans", "shared"], [])
	f := {
		"id": "CUS-W016",
		"msg": sprintf("spec.principals.humans.shared permits the shared account %q: sessions under it cannot be attributed to a person; use personal accounts.", [s]),
		"path": ["spec", "principals", "humans", "shared", i],
	}
}

# METADATA
# title: Service account credential long-lived or unbounded
# description: >-
#   Warns when a service account's credential.maxAge is absent or longer than
#   the credentialMaxAge parameter (default 90d). Long-lived secrets are the
#   ones that leak and keep working.
# custom:
#   id: CUS-W017
#   severity: warning
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-01
#     - NIST-800-53:IA-5
#     - OWASP-NHI:NHI7:2025
#     - PCI-DSS-4.0:8.6.3
#   remediation: >-
#     Set credential.maxAge on each entry of spec.principals.serviceAccounts to
#     at most the configured credentialMaxAge (default 90d), and rotate the
#     credential within it.
warn contains f if {
	some i, p in service_accounts
	not p.credential.maxAge
	f := {
		"id": "CUS-W017",
		"msg": sprintf("The service account %s has no credential.maxAge: bound its credential's lifetime to at most %s.", [label(p), params.credentialMaxAge]),
		"path": ["spec", "principals", "serviceAccounts", i, "credential", "maxAge"],
	}
}

warn contains f if {
	some i, p in service_accounts
	age := p.credential.maxAge
	custody.duration_ns(age) > custody.duration_ns(params.credentialMaxAge)
	f := {
		"id": "CUS-W017",
		"msg": sprintf("The service account %s has credential.maxAge %q, longer than the allowed %s: rotate it more often.", [label(p), age, params.credentialMaxAge]),
		"path": ["spec", "principals", "serviceAccounts", i, "credential", "maxAge"],
	}
}
