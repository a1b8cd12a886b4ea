# Approval: who authorises privileged sessions, under what controls.
package custody.workflow.approval

import data.custody.workflow.lib

# METADATA
# title: Sensitive workflow without effective approval
# description: >-
#   Checks that a sensitive workflow (a production/prod target, or tier:
#   critical) requires approval by someone: approval.mode is not none, at least
#   one approver group or user is declared, and minApprovals is at least 1.
#   Unapproved privileged access to sensitive systems has no authorising party.
# custom:
#   id: CUS-W004
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     Set spec.approval.mode to per-session (or standing), list the authorising
#     groups or users in spec.approval.approvers, and set
#     spec.approval.minApprovals to 1 or more.
deny contains f if {
	lib.sensitive
	not lib.approval_required
	f := {
		"id": "CUS-W004",
		"msg": sprintf("The workflow is sensitive (%s) but spec.approval.mode is %s: require per-session or standing approval.", [lib.sensitive_reason, lib.approval_mode_text]),
		"path": ["spec", "approval", "mode"],
	}
}

deny contains f if {
	lib.sensitive
	lib.approval_required
	not lib.has_members(["spec", "approval", "approvers"])
	f := {
		"id": "CUS-W004",
		"msg": sprintf("The workflow is sensitive (%s) but spec.approval.approvers names no group and no user: declare who may approve.", [lib.sensitive_reason]),
		"path": ["spec", "approval", "approvers"],
	}
}

deny contains f if {
	lib.sensitive
	lib.approval_required
	lib.min_approvals < 1
	f := {
		"id": "CUS-W004",
		"msg": sprintf("The workflow is sensitive (%s) but spec.approval.minApprovals is %v: require at least 1 approval.", [lib.sensitive_reason, lib.min_approvals]),
		"path": ["spec", "approval", "minApprovals"],
	}
}

# METADATA
# title: Approval without separation of duties
# description: >-
#   Checks that a workflow requiring approval sets
#   approval.separationOfDuties to true, so a requester can never approve their
#   own privileged access.
# custom:
#   id: CUS-W005
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-5
#   remediation: >-
#     Set spec.approval.separationOfDuties: true.
deny contains f if {
	lib.approval_required
	sod := lib.get(["spec", "approval", "separationOfDuties"], null)
	sod != true
	f := {
		"id": "CUS-W005",
		"msg": sod_msg(sod),
		"path": ["spec", "approval", "separationOfDuties"],
	}
}

sod_msg(null) := "spec.approval.separationOfDuties is missing: set it to true so requesters cannot approve their own access."

sod_msg(sod) := sprintf("spec.approval.separationOfDuties is %v: set it to true so requesters cannot approve their own access.", [sod]) if sod != null

# METADATA
# title: Approvers overlap requesters
# description: >-
#   Checks that no approver group is also a requesting group in
#   principals.humans.groups, and no approver user is also a requesting user in
#   principals.humans.users (users compared case-insensitively). An overlap
#   lets people who open sessions approve them.
# custom:
#   id: CUS-W006
#   severity: warning
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-5
#     - ISO-27001-2022:A.5.3
#   remediation: >-
#     Remove from spec.approval.approvers every group or user that also appears in
#     spec.principals.humans, or move approval to an independent group (e.g. the
#     business owner's leads).
warn contains f if {
	some kind in ["groups", "users"]
	overlap := overlapping(kind)
	count(overlap) > 0
	f := {
		"id": "CUS-W006",
		"msg": sprintf("spec.approval.approvers.%s overlaps spec.principals.humans.%s (%s): requesters could approve their own sessions; use approvers independent of the requesters.", [kind, kind, concat(", ", sort(overlap))]),
		"path": ["spec", "approval", "approvers", kind],
	}
}

overlapping(kind) := lib.lowered(lib.strings_at(["spec", "approval", "approvers", kind])) & lib.lowered(lib.strings_at(["spec", "principals", "humans", kind]))

# METADATA
# title: Approval with no ticket linkage
# description: >-
#   Checks that a workflow requiring approval declares approval.ticket.pattern,
#   so every approved session is linked to a change or request ticket that
#   records why it happened.
# custom:
#   id: CUS-W007
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:CM-3
#   remediation: >-
#     Set spec.approval.ticket.pattern to a regex matching your ticket ids, e.g.
#     "^CHG[0-9]{7}$" (and spec.approval.ticket.system to the ticketing system).
deny contains f if {
	lib.approval_required
	not lib.text(["spec", "approval", "ticket", "pattern"])
	f := {
		"id": "CUS-W007",
		"msg": sprintf("spec.approval.mode is %s but spec.approval.ticket.pattern is missing: declare the ticket id pattern approvals must reference.", [lib.q(lib.approval_mode)]),
		"path": ["spec", "approval", "ticket", "pattern"],
	}
}

# METADATA
# title: Approval without a bounded duration
# description: >-
#   Checks that a workflow requiring approval declares approval.maxDuration
#   (error when absent), and warns when the declared maximum grant or session
#   length exceeds the maxDuration parameter (default 8h). Unbounded grants turn
#   just-in-time access into standing privilege.
# custom:
#   id: CUS-W008
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2(2)
#   remediation: >-
#     Set spec.approval.maxDuration to the longest grant a task needs, at most the
#     configured maxDuration (default 8h), e.g. "4h".
deny contains f if {
	lib.approval_required
	not lib.present(["spec", "approval", "maxDuration"])
	f := {
		"id": "CUS-W008",
		"msg": sprintf("spec.approval.mode is %s but spec.approval.maxDuration is missing: bound every grant, e.g. maxDuration: 4h.", [lib.q(lib.approval_mode)]),
		"path": ["spec", "approval", "maxDuration"],
	}
}

warn contains f if {
	d := lib.get(["spec", "approval", "maxDuration"], null)
	lib.over_param(d, "maxDuration")
	f := {
		"id": "CUS-W008",
		"msg": sprintf("spec.approval.maxDuration %s is longer than the allowed %s: shorten it.", [lib.q(d), lib.param("maxDuration")]),
		"path": ["spec", "approval", "maxDuration"],
	}
}
