# CUS-S005: the session's target is one the workflow declares.
package custody.session.target

import rego.v1

import data.custody.session.lib

targets := [t | some t in lib.list(object.get(lib.spec, "targets", [])); is_object(t)]

system := input.session.target.system

# The workflow's target entries for the session's system (system names compare exactly).
entries := [t | some t in targets; t.system == system]

# A host is declared when an entry for the system declares no hosts (any host) or one of its host globs
# matches it (case-insensitively, `*` also matching `/`).
host_declared if {
	some t in entries
	count(lib.list(lib.get(t, "hosts", []))) == 0
}

host_declared if {
	host := input.session.target.host
	is_string(host)
	some t in entries
	hosts := [h | some h in lib.list(lib.get(t, "hosts", [])); is_string(h)]
	count(hosts) > 0
	custody.glob_match(hosts, true, host)
}

# METADATA
# title: Session target not declared by the workflow
# description: >-
#   session.target.system must be one of the workflow's targets, and session.target.host must match one of
#   that target's host globs (case-insensitively; a target that declares no hosts accepts any host). Access
#   to an undeclared system or host is access the workflow never authorised.
# custom:
#   id: CUS-S005
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     Run the session against a target the workflow declares, or add the system/host to spec.targets of the
#     workflow through its change process.
deny contains f if {
	lib.has_workflow
	count(entries) == 0
	declared := [t.system | some t in targets; is_string(t.system)]
	f := {
		"id": "CUS-S005",
		"msg": sprintf("target system %v is not declared by workflow %q (declared: %v): use a declared target or add it to spec.targets", [lib.show(object.get(input, ["session", "target", "system"], null)), lib.workflow_id, declared]),
		"path": ["session", "target", "system"],
	}
}

deny contains f if {
	lib.has_workflow
	count(entries) > 0
	not host_declared
	hosts := [h | some t in entries; some h in lib.list(lib.get(t, "hosts", []))]
	f := {
		"id": "CUS-S005",
		"msg": sprintf("target host %v matches none of the host globs %v declared for system %v: use a declared host or add it to the target's hosts", [lib.show(object.get(input, ["session", "target", "host"], null)), hosts, lib.show(system)]),
		"path": ["session", "target", "host"],
	}
}
