# CUS-S001, CUS-S002: the bundle names a declared workflow, and its identity, approval and evidence records
# are linked to one session.
package custody.session.linkage

import rego.v1

import data.custody.session.lib

# METADATA
# title: Session names an undeclared workflow
# description: >-
#   The bundle's session.workflow must name a workflow that a manifest declares. A session that cannot be tied
#   to a declared workflow has no owner, no authorised principals and no approval policy to be judged against,
#   so none of the other session rules is evaluated for it.
# custom:
#   id: CUS-S001
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - ISO-27001-2022:A.8.2
#   remediation: >-
#     Set session.workflow to the metadata.id of the workflow the session ran under, or declare that workflow
#     in a manifest passed with --workflows.
deny contains f if {
	not lib.has_workflow
	wf := input.session.workflow
	is_string(wf)
	wf != ""
	f := {
		"id": "CUS-S001",
		"msg": sprintf("session.workflow %q names no declared workflow: declare it in a manifest under --workflows or name the workflow the session ran under", [wf]),
		"path": ["session", "workflow"],
	}
}

deny contains f if {
	not lib.has_workflow
	not _names_workflow
	f := {
		"id": "CUS-S001",
		"msg": "the bundle names no workflow (session.workflow is absent or empty): set it to the metadata.id of the workflow the session ran under",
		"path": ["session", "workflow"],
	}
}

_names_workflow if {
	is_string(input.session.workflow)
	input.session.workflow != ""
}

# METADATA
# title: Identity, approval and evidence records are not linked
# description: >-
#   The three records of a bundle must describe the same access: evidence.session and approval.session must
#   equal session.id (approval.session may be absent only under a standing approval), and every event that
#   names a principal must name identity.principal. Otherwise the approval or the evidence may belong to
#   another session and the access cannot be reconstructed.
# custom:
#   id: CUS-S002
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:DE.AE-03
#     - NIST-CSF-2.0:RS.AN-07
#   remediation: >-
#     Make evidence.session and approval.session equal session.id, and record events under the principal
#     named in identity.principal; if the records really belong to different sessions, bundle each session's
#     own records.
deny contains f if {
	lib.has_workflow
	input.evidence.session != input.session.id
	f := {
		"id": "CUS-S002",
		"msg": sprintf("evidence.session is %v but session.id is %v: the evidence must be the evidence of this session", [lib.show(input.evidence.session), lib.show(object.get(input, ["session", "id"], null))]),
		"path": ["evidence", "session"],
	}
}

deny contains f if {
	lib.has_workflow
	not is_object(input.evidence)
	f := {
		"id": "CUS-S002",
		"msg": sprintf("the bundle has no evidence record linked to session %v: add evidence with evidence.session equal to session.id", [lib.show(object.get(input, ["session", "id"], null))]),
		"path": ["evidence", "session"],
	}
}

deny contains f if {
	lib.has_workflow
	is_object(input.evidence)
	not _has_key(input.evidence, "session")
	f := {
		"id": "CUS-S002",
		"msg": sprintf("evidence.session is absent: set it to session.id %v so the evidence is bound to this session", [lib.show(object.get(input, ["session", "id"], null))]),
		"path": ["evidence", "session"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_approval
	_has_key(input.approval, "session")
	input.approval.session != input.session.id
	f := {
		"id": "CUS-S002",
		"msg": sprintf("approval.session is %v but session.id is %v: the approval record must authorise this session", [lib.show(input.approval.session), lib.show(object.get(input, ["session", "id"], null))]),
		"path": ["approval", "session"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_approval
	not _has_key(input.approval, "session")
	not lib.standing
	f := {
		"id": "CUS-S002",
		"msg": sprintf("approval.session is absent under approval mode %v: set it to session.id %v (only a standing approval may omit it)", [lib.show(lib.approval_mode), lib.show(object.get(input, ["session", "id"], null))]),
		"path": ["approval", "session"],
	}
}

# An event that names a principal other than identity.principal. Events without a `principal` field are
# attributed to the session's identity and not compared; when identity.principal itself is absent,
# CUS-S003 reports it and events are not compared (no cascade).
#
# The comparison is made once per distinct name an event gives (a bundle's events mostly name one
# principal); the events are then looked through once, each looking its name up among the offending ones,
# so the rule stays linear in events however many distinct names they give.
deny contains f if {
	lib.has_workflow
	count(_foreign) > 0
	some i, ev in lib.events
	is_object(ev)
	_foreign[ev.principal]
	f := {
		"id": "CUS-S002",
		"msg": sprintf("event seq %v names principal %v but identity.principal is %q: events must be those of the session's principal", [lib.show(lib.get(ev, "seq", null)), lib.show(ev.principal), input.identity.principal]),
		"path": ["evidence", "events", i, "principal"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.principal
	count(_unusable) > 0
	some i, ev in lib.events
	_names_unusable(ev)
	f := {
		"id": "CUS-S002",
		"msg": sprintf("event seq %v names principal %v, not identity.principal %q: record the principal who acted", [lib.show(lib.get(ev, "seq", null)), lib.show(ev.principal), input.identity.principal]),
		"path": ["evidence", "events", i, "principal"],
	}
}

# The values events give as their principal (the key is present, whatever its value).
named := lib.event_facts.principals

# Each of those values -> the identity it names, normalised (lib.id); absent when it names none usable.
principal_ids := {who: id | some who in named; id := lib.id(who)}

# The names that normalise to an identity other than identity.principal.
_foreign contains who if {
	some who, id in principal_ids
	id != lib.principal
}

# The values that name no usable identity (not a non-empty string).
_unusable contains who if {
	some who in named
	not principal_ids[who]
}

# Event `ev` gives a `principal` that names no usable identity.
_names_unusable(ev) if {
	is_object(ev)
	ev.principal in _unusable # not `_unusable[…]`: the value may be `false`
}

_has_key(obj, k) if {
	is_object(obj)
	_ = obj[k]
}
