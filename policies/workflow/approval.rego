# Approval: who authorises privileged sessions, under what controls.
package custody.workflow.approval

import data.custody.workflow.lib
import data.custody.workflow.lib.approval_mode
import data.custody.workflow.lib.approval_mode_text
import data.custody.workflow.lib.approval_required
import data.custody.workflow.lib.params
import data.custody.workflow.lib.sensitive
import data.custody.workflow.lib.sensitive_reason

approval := object.get(input, ["spec", "approval"], {})

# minApprovals absent means 1 (docs/manifest.md).
min_approvals := object.get(approval, "minApprovals", 1)

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
	sensitive
	not approval_required
	f := {
		"id": "CUS-W004",
		"msg": sprintf("The workflow is sensitive (%s) but spec.approval.mode is %s: require per-session or standing approval.", [sensitive_reason, approval_mode_text]),
		"path": ["spec", "approval", "mode"],
	}
}

deny contains f if {
	sensitive
	approval_required
	not lib.has_members(object.get(approval, "approvers", {}))
	f := {
		"id": "CUS-W004",
		"msg": sprintf("The workflow is sensitive (%s) but spec.approval.approvers names no group and no user: declare who may approve.", [sensitive_reason]),
		"path": ["spec", "approval", "approvers"],
	}
}

deny contains f if {
	sensitive
	approval_required
	min_approvals < 1
	f := {
		"id": "CUS-W004",
		"msg": sprintf("The workflow is sensitive (%s) but spec.approval.minApprovals is %v: require at least 1 approval.", [sensitive_reason, min_approvals]),
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
	approval_required
	not approval.separationOfDuties
	f := {
		"id": "CUS-W005",
		"msg": sprintf("spec.approval.separationOfDuties is %s: set it to true so requesters cannot approve their own access.", [sod_text]),
		"path": ["spec", "approval", "separationOfDuties"],
	}
}

sod_text := "false" if approval.separationOfDuties == false

else := "missing"

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
	approvers := object.get(approval, ["approvers", kind], [])
	count(approvers) > 0
	overlap := lib.names(approvers) & lib.names(object.get(input, ["spec", "principals", "humans", kind], []))
	count(overlap) > 0
	f := {
		"id": "CUS-W006",
		"msg": sprintf("spec.approval.approvers.%s overlaps spec.principals.humans.%s (%s): requesters could approve their own sessions; use approvers independent of the requesters.", [kind, kind, concat(", ", sort(overlap))]),
		"path": ["spec", "approval", "approvers", kind],
	}
}

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
	approval_required
	trim_space(object.get(approval, ["ticket", "pattern"], "")) == ""
	f := {
		"id": "CUS-W007",
		"msg": sprintf("spec.approval.mode is %s but spec.approval.ticket.pattern is missing: declare the ticket id pattern approvals must reference.", [approval_mode_text]),
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
	approval_required
	not approval.maxDuration
	f := {
		"id": "CUS-W008",
		"msg": sprintf("spec.approval.mode is %s but spec.approval.maxDuration is missing: bound every grant, e.g. maxDuration: 4h.", [approval_mode_text]),
		"path": ["spec", "approval", "maxDuration"],
	}
}

warn contains f if {
	d := approval.maxDuration
	custody.duration_ns(d) > custody.duration_ns(params.maxDuration)
	f := {
		"id": "CUS-W008",
		"msg": sprintf("spec.approval.maxDuration %q is longer than the allowed %s: shorten it.", [d, params.maxDuration]),
		"path": ["spec", "approval", "maxDuration"],
	}
}
