# CUS-S006, CUS-S007, CUS-S008: the session was approved, by eligible people other than those who used it.
#
# Break-glass sessions are exempt from all three (their authority is breakGlass.invokers, CUS-S015, and
# the post-use review, CUS-S016). Under `approval.mode: none` no approval is required, so an approval record
# that is present anyway is not judged by CUS-S007/S008.
package custody.session.approval

import rego.v1

import data.custody.session.lib

approvers := object.get(lib.spec, ["approval", "approvers"], {})

# Decisions are judged when the workflow requires approval, an approval record is present and the session is
# not break-glass.
judged if {
	lib.has_workflow
	lib.approval_required
	lib.has_approval
	not lib.break_glass
}

# The decisions (by index) whose approver is eligible: a named approver user, or a member of an approver
# group through the decision's `groups`. Decided once per bundle; the rules below look it up.
eligible_decisions contains i if {
	some i, d in lib.decisions
	lib.id(d.approver)
	lib.member_of(d.approver, lib.get(d, "groups", []), approvers)
}

_role("requester") := lib.skeleton(input.approval.requester)

_role("principal") := lib.skeleton(input.identity.principal)

_role("onBehalfOf") := lib.skeleton(input.identity.onBehalfOf)

# Distinct eligible approvers who approved (decisions marked bypassedReview: true do not count). Under
# separation of duties a conflicted approver still counts here: CUS-S007 reports that fault once.
approved_by := {lib.id(d.approver) |
	some i, d in lib.decisions
	d.decision == "approved"
	not d.bypassedReview == true
	eligible_decisions[i]
}

# METADATA
# title: Approval required but absent
# description: >-
#   The workflow requires approval (approval.mode is per-session or standing) but the bundle has no approval
#   record, and the session is not break-glass. Privileged access happened without anyone authorising it.
# custom:
#   id: CUS-S006
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     Attach the approval record that authorised the session (approval with its decisions); if there was
#     none, treat the session as unauthorised access and investigate it.
deny contains f if {
	lib.has_workflow
	lib.approval_required
	not lib.has_approval
	f := {
		"id": "CUS-S006",
		"msg": sprintf("workflow %q requires approval (mode %v) but the bundle has no approval record: attach the approval that authorised this session", [lib.workflow_id, lib.show(lib.approval_mode)]),
		"path": ["approval"],
	}
}

# METADATA
# title: Self-approval under separation of duties
# description: >-
#   Under separation of duties an approver may be none of the requester, the principal who opened the session,
#   or the human an agent acted for (identity.onBehalfOf). Every decision by such an approver is reported,
#   whatever its value.
# custom:
#   id: CUS-S007
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-5
#     - ISO-27001-2022:A.5.3
#   remediation: >-
#     Have the request approved by an eligible approver who neither requested nor used the access; remove
#     the self-approval from the record only if it was entered in error.
deny contains f if {
	judged
	lib.separation_of_duties
	some i, d in lib.decisions
	who := lib.skeleton(d.approver)
	who in lib.conflicted
	roles := [r | some r in ["requester", "principal", "onBehalfOf"]; _role(r) == who]
	f := {
		"id": "CUS-S007",
		"msg": sprintf("approver %q of decision %d is also the session's %v: under separation of duties another eligible approver must decide", [d.approver, i + 1, concat(" and ", roles)]),
		"path": ["approval", "decisions", i, "approver"],
	}
}

# METADATA
# title: Approval not given by enough eligible approvers
# description: >-
#   Every decision must come from an approver the workflow names (approvers.users, or a member of
#   approvers.groups through the decision's groups); at least minApprovals (default 1) distinct eligible
#   approvers must have approved (decisions marked bypassedReview are not counted); and no eligible approver
#   may have denied the request. Each ineligible or denying decision is reported on its own decision; the
#   shortfall is reported on approval.decisions only when those do not already account for it.
# custom:
#   id: CUS-S008
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#   remediation: >-
#     Obtain the missing approvals from approvers the workflow names before opening the session; a denied
#     request must not be used. If the approver should be eligible, add them to spec.approval.approvers.
deny contains f if {
	judged
	some i, d in lib.decisions
	not eligible_decisions[i]
	f := {
		"id": "CUS-S008",
		"msg": sprintf("approver %v of decision %d (groups: %s) is not one of the workflow's approvers (%s), so the decision does not count: obtain the approval from an eligible approver", [lib.show(lib.get(d, "approver", null)), i + 1, lib.prose_list(lib.get(d, "groups", [])), lib.people(approvers)]),
		"path": ["approval", "decisions", i, "approver"],
	}
}

# Approvals given by approvers who are not eligible; each is reported on its own decision, so a shortfall
# they account for is not reported again (one fault, one finding).
ineligible_approved_by := {_who(d) |
	some i, d in lib.decisions
	d.decision == "approved"
	not d.bypassedReview == true
	not eligible_decisions[i]
}

_who(d) := lib.id(d.approver)

_who(d) := null if not lib.id(d.approver)

denied_by_eligible if {
	some i, d in lib.decisions
	d.decision == "denied"
	eligible_decisions[i]
}

deny contains f if {
	judged
	count(approved_by) + count(ineligible_approved_by) < lib.min_approvals
	not denied_by_eligible
	f := {
		"id": "CUS-S008",
		"msg": sprintf("%d distinct eligible approver(s) approved (%s) but the workflow requires %v: obtain the missing approvals (decisions that bypassed review do not count)", [count(approved_by), lib.prose_list(sort(approved_by)), lib.min_approvals]),
		"path": ["approval", "decisions"],
	}
}

deny contains f if {
	judged
	some i, d in lib.decisions
	d.decision == "denied"
	eligible_decisions[i]
	f := {
		"id": "CUS-S008",
		"msg": sprintf("eligible approver %q denied the request (decision %d): a denied request must not be used to open a session", [d.approver, i + 1]),
		"path": ["approval", "decisions", i, "decision"],
	}
}
