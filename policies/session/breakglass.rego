# CUS-S015, CUS-S016: break-glass sessions — invoked only where allowed, by a declared invoker, and reviewed
# in time by an independent reviewer.
package custody.session.breakglass

import rego.v1

import data.custody.session.lib

invokers := object.get(lib.spec, ["breakGlass", "invokers"], {})

reviewers := object.get(lib.spec, ["breakGlass", "review", "by"], {})

# A review record: `approval.review` with at least a reviewer or a time (null, {} or absent: no review yet).
review := r if {
	r := input.approval.review
	is_object(r)
	some k in ["reviewer", "at"]
	_ = r[k]
}

reviewed_at := custody.instant(review.at)

# review.within of the workflow; when the workflow lacks a valid one (CUS-W012), the breakGlassReviewMax
# parameter, the longest review window custody accepts.
within := w if {
	w := custody.duration(object.get(lib.spec, ["breakGlass", "review", "within"], null))
}

within := w if {
	not custody.duration(object.get(lib.spec, ["breakGlass", "review", "within"], null))
	w := custody.duration(lib.param("breakGlassReviewMax"))
}

within_text := w if {
	w := object.get(lib.spec, ["breakGlass", "review", "within"], null)
	custody.duration(w)
}

within_text := sprintf("%v (the breakGlassReviewMax parameter; the workflow declares no review.within)", [lib.param("breakGlassReviewMax")]) if {
	not custody.duration(object.get(lib.spec, ["breakGlass", "review", "within"], null))
}

deadline := lib.end_ns + within

# The review must be judged: a break-glass session of a workflow that allows break-glass (where it is not
# allowed, CUS-S015 alone is reported).
judged if {
	lib.has_workflow
	lib.break_glass
	lib.break_glass_allowed
}

# METADATA
# title: Break-glass used where not allowed or by an undeclared invoker
# description: >-
#   A break-glass session (approval.breakGlass true) bypasses normal approval, so it is acceptable only where
#   the workflow allows break-glass and only when opened by an identity in breakGlass.invokers (a named user,
#   or a member of an invoker group through identity.groups). The invoker checked is identity.principal.
# custom:
#   id: CUS-S015
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2(2)
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     Use the normal approval path for this workflow; if emergencies must be possible, allow break-glass in
#     the workflow with a predefined owner, invokers and review, and open emergency sessions only as a
#     declared invoker. Investigate this session as unauthorised access.
deny contains f if {
	lib.has_workflow
	lib.break_glass
	not lib.break_glass_allowed
	f := {
		"id": "CUS-S015",
		"msg": sprintf("the session is break-glass but workflow %q does not allow break-glass: use the normal approval path, or allow break-glass in the workflow with owner, invokers and review", [lib.workflow_id]),
		"path": ["approval", "breakGlass"],
	}
}

deny contains f if {
	judged
	lib.principal
	not lib.member_of(input.identity.principal, object.get(input, ["identity", "groups"], []), invokers)
	f := {
		"id": "CUS-S015",
		"msg": sprintf("break-glass was invoked by %q (groups: %s), who is not one of the workflow's breakGlass.invokers (%s): only declared invokers may break glass", [input.identity.principal, lib.prose_list(object.get(input, ["identity", "groups"], [])), lib.people(invokers)]),
		"path": ["approval", "breakGlass"],
	}
}

# METADATA
# title: Break-glass review missing, late or not independent
# description: >-
#   Every break-glass session must be reviewed after use within breakGlass.review.within of the session's end,
#   by a reviewer in breakGlass.review.by who is neither the principal, the requester nor the human an agent
#   acted for. A review still pending before its deadline is a warning; once the deadline (at evaluation time,
#   --now) has passed it is an error, as is a late review or an ineligible reviewer.
# custom:
#   id: CUS-S016
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-CSF-2.0:DE.CM-03
#     - NIST-800-53:AC-5
#   remediation: >-
#     Have a reviewer from breakGlass.review.by, independent of the session, review the emergency access and
#     record it in approval.review (reviewer, groups, at, outcome) before the deadline.
deny contains f if {
	judged
	not reviewed_at
	lib.now_ns > deadline
	f := {
		"id": "CUS-S016",
		"msg": sprintf("the break-glass session ended at %v and has no review although the review deadline (%v after the end) has passed: have it reviewed now by %s", [input.session.end, within_text, lib.people(reviewers)]),
		"path": _review_path,
	}
}

warn contains f if {
	judged
	not reviewed_at
	lib.now_ns <= deadline
	f := {
		"id": "CUS-S016",
		"msg": sprintf("the break-glass session ended at %v and its review is pending: it must be reviewed by %s within %v of the end", [input.session.end, lib.people(reviewers), within_text]),
		"path": _review_path,
	}
}

deny contains f if {
	judged
	reviewed_at > deadline
	f := {
		"id": "CUS-S016",
		"msg": sprintf("the break-glass review at %v came later than %v after the session's end at %v: review emergency access within the workflow's review.within", [review.at, within_text, input.session.end]),
		"path": ["approval", "review", "at"],
	}
}

deny contains f if {
	judged
	review
	not _eligible_reviewer
	f := {
		"id": "CUS-S016",
		"msg": sprintf("break-glass reviewer %v (groups: %s) is not one of the workflow's breakGlass.review.by (%s): the review must be done by a declared reviewer", [lib.show(lib.get(review, "reviewer", null)), lib.prose_list(lib.get(review, "groups", [])), lib.people(reviewers)]),
		"path": ["approval", "review", "reviewer"],
	}
}

deny contains f if {
	judged
	who := lib.skeleton(review.reviewer)
	who in lib.conflicted
	f := {
		"id": "CUS-S016",
		"msg": sprintf("break-glass reviewer %q is the session's own principal, requester or the human an agent acted for: the review must be independent", [review.reviewer]),
		"path": ["approval", "review", "reviewer"],
	}
}

_eligible_reviewer if {
	lib.id(review.reviewer)
	lib.member_of(review.reviewer, lib.get(review, "groups", []), reviewers)
}

_review_path := ["approval", "review", "at"] if review

_review_path := ["approval", "review"] if not review
