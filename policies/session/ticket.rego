# CUS-S011: the approval is linked to a ticket of the form the workflow declares.
package custody.session.ticket

import rego.v1

import data.custody.session.lib

_string(x) if {
	is_string(x)
	x != ""
}

# For break-glass sessions, breakGlass.ticket.pattern when declared (emergencies carry incident tickets);
# otherwise approval.ticket.pattern.
pattern := p if {
	lib.break_glass
	p := object.get(lib.spec, ["breakGlass", "ticket", "pattern"], null)
	_string(p)
}

pattern := p if {
	not _break_glass_pattern
	p := object.get(lib.spec, ["approval", "ticket", "pattern"], null)
	_string(p)
}

_break_glass_pattern if {
	lib.break_glass
	_string(object.get(lib.spec, ["breakGlass", "ticket", "pattern"], null))
}

_source := "breakGlass.ticket.pattern" if _break_glass_pattern

_source := "approval.ticket.pattern" if not _break_glass_pattern

# METADATA
# title: Ticket absent or not of the declared form
# description: >-
#   When the workflow declares a ticket pattern, the approval record's ticket must be present and match it
#   (a regex search; break-glass sessions use breakGlass.ticket.pattern when declared). The ticket ties the
#   access to the change or incident that justified it.
# custom:
#   id: CUS-S011
#   severity: error
#   frameworks:
#     - NIST-800-53:CM-3
#     - NIST-CSF-2.0:DE.AE-03
#   remediation: >-
#     Record the change (or, for break-glass, incident) ticket that justified the access in approval.ticket,
#     in the form the workflow declares.
deny contains f if {
	lib.has_workflow
	lib.has_approval
	pattern
	not _string(lib.get(input.approval, "ticket", null))
	f := {
		"id": "CUS-S011",
		"msg": sprintf("approval.ticket is %v but workflow %q requires a ticket matching %v %q: record the ticket that justified the access", [lib.show(object.get(input, ["approval", "ticket"], "absent")), lib.workflow_id, _source, pattern]),
		"path": ["approval", "ticket"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_approval
	p := pattern
	ticket := input.approval.ticket
	_string(ticket)
	not custody.regex_match(p, ticket)
	f := {
		"id": "CUS-S011",
		"msg": sprintf("ticket %q does not match the workflow's %v %q: record a ticket of the declared form", [ticket, _source, p]),
		"path": ["approval", "ticket"],
	}
}
