# CUS-S020: under session.immutable: true the evidence is anchored, so that what was removed or swapped shows.
#
# A hash chain alone cannot reveal a truncated tail or a recording replaced together with its digest:
# immutable evidence must carry
#   - evidence.head with both `hash` and `count` (events deleted from the tail, or all of them, show);
#   - a sha256 for every recording it names (evidence.recording.file or .uri);
#   - for recording mode `full`, the recording itself: a `file` or `uri` (where it is kept) with its sha256;
#   - a chain on its events: events of which none carries `prev` or `hash` (and no evidence.head) were never
#     sealed. That is reported here ("not sealed"), not as CUS-S013, which stays for chains that exist and do
#     not verify.
# Rust says whether any event carries a chain (input.custody.chain.present) and how many events there are.
package custody.session.anchoring

import rego.v1

import data.custody.session.lib

immutable if object.get(lib.spec, ["session", "immutable"], false) == true

evidence := input.evidence if is_object(input.evidence)

head := evidence.head if is_object(evidence.head)

recording := evidence.recording if is_object(evidence.recording)

# Events that no chain covers: there are events, none carries prev or hash, and there is no head anchor.
unsealed if {
	input.custody.chain.events > 0
	input.custody.chain.present == false
	not head
}

_head_complete if {
	is_string(head.hash)
	is_number(head.count)
}

_digest if is_string(recording.sha256)

_named := [k | some k in ["file", "uri"]; is_string(recording[k])]

# METADATA
# title: Evidence not anchored
# description: >-
#   Under session.immutable: true, the evidence must be anchored so that removal and substitution show: the
#   events sealed with a hash chain, evidence.head giving the last hash and the event count, and every
#   recording named with its sha256 (a full recording must say where it is kept, as a file beside the
#   bundle or a uri, with its sha256). Without a head, deleting the last events (or all of them) leaves a
#   chain that still verifies; without a digest, a recording can be swapped unseen. The anchor is unsigned:
#   it shows changes made after sealing, not who sealed, and whoever can rewrite the whole bundle can reseal
#   it.
# custom:
#   id: CUS-S020
#   severity: error
#   frameworks:
#     - NIST-800-53:AU-9
#     - NIST-CSF-2.0:PR.DS-01
#     - PCI-DSS-4.0:10.5.1
#     - ISO-27001-2022:A.8.15
#   remediation: >-
#     Seal the evidence when it is collected (custody seal writes the chain and evidence.head), record the
#     sha256 of the recording and where it is kept (custody import teleport --recordings DIR does both for
#     Teleport), and keep the bundle in write-once storage.
deny contains f if {
	lib.has_workflow
	immutable
	unsealed
	f := {
		"id": "CUS-S020",
		"msg": sprintf("not sealed: none of the %v events carries a hash chain and workflow %q requires immutable evidence; run `custody seal` when the evidence is collected", [input.custody.chain.events, lib.workflow_id]),
		"path": ["evidence", "events"],
	}
}

deny contains f if {
	lib.has_workflow
	immutable
	not unsealed
	not head
	f := {
		"id": "CUS-S020",
		"msg": sprintf("the bundle has no evidence.head and workflow %q requires immutable evidence: without the last hash and event count, deleted events do not show; seal the bundle with `custody seal`", [lib.workflow_id]),
		"path": ["evidence", "head"],
	}
}

deny contains f if {
	lib.has_workflow
	immutable
	head
	not _head_complete
	some k in ["hash", "count"]
	not _head_field(k)
	f := {
		"id": "CUS-S020",
		"msg": sprintf("evidence.head has no %v and workflow %q requires immutable evidence: the head must give both the last hash and the event count; seal the bundle with `custody seal`", [k, lib.workflow_id]),
		"path": ["evidence", "head", k],
	}
}

_head_field("hash") if is_string(head.hash)

_head_field("count") if is_number(head.count)

deny contains f if {
	lib.has_workflow
	immutable
	count(_named) > 0
	not _digest
	f := {
		"id": "CUS-S020",
		"msg": sprintf("the recording %v has no sha256 and workflow %q requires immutable evidence: a recording without a digest can be replaced unseen; record its sha256", [lib.show(object.get(recording, _named[0], null)), lib.workflow_id]),
		"path": ["evidence", "recording", "sha256"],
	}
}

deny contains f if {
	lib.has_workflow
	immutable
	recording.mode == "full"
	count(_named) == 0
	f := {
		"id": "CUS-S020",
		"msg": sprintf("the full recording names no file or uri and workflow %q requires immutable evidence: say where the recording is kept (file beside the bundle, or uri) and give its sha256", [lib.workflow_id]),
		"path": ["evidence", "recording"],
	}
}
