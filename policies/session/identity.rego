# CUS-S021: identities that do not read as what they are compared as.
#
# custody compares identities after NFKC normalisation and full case folding, and separation of duties
# compares their confusable skeletons (custody.identity, computed in Rust). An identity that holds invisible
# or formatting characters, or mixes scripts, is reported on its own field: whoever wrote it may be trying to
# pass one person off as two.
package custody.session.identity

import rego.v1

import data.custody.session.lib

# The identity fields of the bundle as [path, value]: who used, requested, approved and reviewed the session,
# whom an agent acted for, and every group asserted for one of them.
# (Read through lib.get: a malformed bundle may hold a string where an object belongs.)
fields contains [path, x] if {
	some path in [["identity", "principal"], ["identity", "onBehalfOf"], ["approval", "requester"], ["approval", "review", "reviewer"]]
	x := lib.get(input, path, null)
}

fields contains [["identity", "groups", i], g] if some i, g in lib.list(lib.get(input, ["identity", "groups"], []))

fields contains [["approval", "decisions", i, "approver"], d.approver] if {
	some i, d in lib.decisions
	is_object(d)
}

fields contains [["approval", "decisions", i, "groups", j], g] if {
	some i, d in lib.decisions
	some j, g in lib.list(lib.get(d, "groups", []))
}

fields contains [["approval", "review", "groups", j], g] if {
	some j, g in lib.list(lib.get(input, ["approval", "review", "groups"], []))
}

_faults(facts) := [fault |
	some [flag, fault] in [
		[facts.invisible, "invisible or formatting characters"],
		[facts.mixedScript, "letters of more than one script"],
	]
	flag == true
]

# METADATA
# title: Identity with invisible characters or mixed scripts
# description: >-
#   An identity (principal, requester, approver, reviewer, the human an agent acted for, or a group asserted
#   for one of them) holds invisible or formatting characters (Unicode category Cf such as zero-width spaces
#   and joiners, soft hyphens, byte-order marks and bidirectional controls, control characters, other
#   default-ignorable code points), or mixes letters of several scripts (a Cyrillic а among Latin letters).
#   Such a name reads as one person and compares as another; custody compares identities after NFKC and
#   case folding, and separation of duties by their confusable skeleton, but the record itself is suspect.
# custom:
#   id: CUS-S021
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-01
#     - NIST-800-53:AC-5
#     - ISO-27001-2022:A.5.3
#   remediation: >-
#     Find out who wrote this identity and why: take the name from the directory of record, and treat the
#     record as possibly forged until that is settled.
deny contains f if {
	some [path, x] in fields
	is_string(x)
	faults := _faults(custody.identity(x))
	count(faults) > 0
	f := {
		"id": "CUS-S021",
		"msg": sprintf("%v %q contains %v: it reads as one identity and may compare as another", [concat(".", [sprintf("%v", [p]) | some p in path]), x, concat(" and ", faults)]),
		"path": path,
	}
}
