# Break-glass (emergency access) governance.
package custody.workflow.breakglass

import data.custody.workflow.lib
import data.custody.workflow.lib.params

# breakGlass.allowed absent means break-glass is not allowed.
allowed if input.spec.breakGlass.allowed == true

break_glass := input.spec.breakGlass

# METADATA
# title: Break-glass without a predefined owner
# description: >-
#   Checks that a workflow allowing break-glass names, in advance, the owner
#   accountable for emergency use (breakGlass.owner). Emergency access decided
#   by nobody in particular is answered for by nobody.
# custom:
#   id: CUS-W011
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:GV.RR-02
#     - NIST-800-53:AC-2
#   remediation: >-
#     Set spec.breakGlass.owner to the person accountable for emergency use of
#     this access, or set spec.breakGlass.allowed: false.
deny contains f if {
	allowed
	trim_space(object.get(break_glass, "owner", "")) == ""
	f := {
		"id": "CUS-W011",
		"msg": "spec.breakGlass.allowed is true but spec.breakGlass.owner is missing: name the accountable owner of emergency access in advance.",
		"path": ["spec", "breakGlass", "owner"],
	}
}

# METADATA
# title: Break-glass without a timely post-use review
# description: >-
#   Checks that a workflow allowing break-glass requires a post-use review
#   (breakGlass.review.within, at most the breakGlassReviewMax parameter,
#   default 72h) by named reviewers (review.by groups or users). Emergency
#   access skips prior approval, so its after-the-fact review is the control.
# custom:
#   id: CUS-W012
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:DE.CM-03
#     - NIST-800-53:AU-6
#     - NIST-800-53:AC-2
#   remediation: >-
#     Set spec.breakGlass.review.within to at most the configured
#     breakGlassReviewMax (default 72h), e.g. "24h", and list the reviewers in
#     spec.breakGlass.review.by.groups or .users.
deny contains f if {
	allowed
	not break_glass.review.within
	f := {
		"id": "CUS-W012",
		"msg": sprintf("spec.breakGlass.allowed is true but spec.breakGlass.review.within is missing: require a post-use review within at most %s.", [params.breakGlassReviewMax]),
		"path": ["spec", "breakGlass", "review", "within"],
	}
}

deny contains f if {
	allowed
	within := break_glass.review.within
	custody.duration_ns(within) > custody.duration_ns(params.breakGlassReviewMax)
	f := {
		"id": "CUS-W012",
		"msg": sprintf("spec.breakGlass.review.within %q is longer than the allowed %s: review emergency access sooner.", [within, params.breakGlassReviewMax]),
		"path": ["spec", "breakGlass", "review", "within"],
	}
}

deny contains f if {
	allowed
	not lib.has_members(object.get(break_glass, ["review", "by"], {}))
	f := {
		"id": "CUS-W012",
		"msg": "spec.breakGlass.allowed is true but spec.breakGlass.review.by names no group and no user: declare who reviews emergency access.",
		"path": ["spec", "breakGlass", "review", "by"],
	}
}

# METADATA
# title: Break-glass without declared invokers
# description: >-
#   Checks that a workflow allowing break-glass declares who may invoke it
#   (breakGlass.invokers groups or users). Without a declared set, emergency use
#   by any principal cannot be told apart from misuse.
# custom:
#   id: CUS-W013
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     List the groups or users allowed to invoke emergency access in
#     spec.breakGlass.invokers.groups or .users, or set
#     spec.breakGlass.allowed: false.
deny contains f if {
	allowed
	not lib.has_members(object.get(break_glass, "invokers", {}))
	f := {
		"id": "CUS-W013",
		"msg": "spec.breakGlass.allowed is true but spec.breakGlass.invokers names no group and no user: declare who may invoke emergency access.",
		"path": ["spec", "breakGlass", "invokers"],
	}
}
