# CUS-S013: the evidence has not been tampered with since it was sealed.
#
# Rust verifies the event hash chain and the recording's sha256 (input.custody.chain, input.custody.recording);
# this policy decides when a failure is a finding:
#   - a recording file whose sha256 differs is always reported;
#   - a chain that does not verify is reported when the workflow declares session.immutable: true, and also,
#     whatever the workflow says, when the bundle carries a chain at all (an event with `hash` or `prev`, or
#     an evidence.head anchor): evidence of tampering is never ignored.
# Events that were never sealed (no prev or hash on any event, no head) are not tampering: under an immutable
# workflow CUS-S020 reports them ("not sealed"); under any other workflow they are not a finding.
package custody.session.integrity

import rego.v1

import data.custody.session.anchoring
import data.custody.session.lib

chain := input.custody.chain if is_object(input.custody.chain)

immutable if object.get(lib.spec, ["session", "immutable"], false) == true

sealed if {
	some ev in lib.events
	is_object(ev)
	some k in ["hash", "prev"]
	_ = ev[k]
}

sealed if is_object(input.evidence.head)

chain_failed if {
	chain.verified == false
	not chain.kind == "recording"
	not anchoring.unsealed
}

details := {"seq": lib.get(chain, "seq", null), "kind": lib.get(chain, "kind", null)}

# The index in evidence.events of the first failing event, as Rust found it (null for a `head` failure,
# which no event holds).
failing_index := chain.index if {
	is_number(chain.index)
	lib.events[chain.index]
}

_what := {
	"link": "its prev is not the previous event's hash (events were removed, reordered or spliced in)",
	"content": "its hash does not match its content (the event was altered after sealing, or never sealed)",
	"seq": "its seq is not its position in the chain (events were removed or reordered)",
	"head": "the event count or last hash differs from evidence.head (events were removed from or added to the tail)",
}

# METADATA
# title: Evidence tampered with
# description: >-
#   The evidence must be intact: the event hash chain must verify (each prev is the previous hash, each hash
#   matches its event, seq has no gaps, and the count and last hash equal evidence.head), and a recording
#   file must match its sha256. Reported whenever the workflow requires immutable evidence, and whenever a
#   bundle that carries a chain or a recording digest fails it. The chain shows tampering after sealing; it
#   is not a signature and does not prove who sealed it.
# custom:
#   id: CUS-S013
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.DS-01
#     - NIST-800-53:AU-9
#     - PCI-DSS-4.0:10.3.2
#   remediation: >-
#     Treat the bundle as compromised evidence: recover the original from write-once storage and investigate
#     who changed it. Never reseal a chain that does not verify; seal new evidence with custody seal when it
#     is collected.
deny contains f if {
	lib.has_workflow
	chain_failed
	_reportable
	i := failing_index
	f := {
		"id": "CUS-S013",
		"msg": sprintf("the evidence hash chain does not verify at event seq %v: %v; recover the original evidence and investigate", [lib.show(chain.seq), object.get(_what, chain.kind, chain.kind)]),
		"path": ["evidence", "events", i],
		"details": details,
	}
}

deny contains f if {
	lib.has_workflow
	chain_failed
	_reportable
	not failing_index
	f := {
		"id": "CUS-S013",
		"msg": sprintf("the evidence hash chain does not verify (%v at seq %v): %v; recover the original evidence and investigate", [lib.show(lib.get(chain, "kind", null)), lib.show(lib.get(chain, "seq", null)), object.get(_what, lib.get(chain, "kind", null), "the chain is broken")]),
		"path": _fallback_path,
		"details": details,
	}
}

_reportable if immutable

_reportable if sealed

_fallback_path := ["evidence", "head"] if chain.kind == "head"

_fallback_path := ["evidence"] if not chain.kind == "head"

deny contains f if {
	lib.has_workflow
	_recording_mismatch
	f := {
		"id": "CUS-S013",
		"msg": sprintf("the recording file %v does not match evidence.recording.sha256: the recording was altered; recover the original and investigate", [lib.show(object.get(input, ["evidence", "recording", "file"], null))]),
		"path": ["evidence", "recording", "sha256"],
		"details": {"seq": null, "kind": "recording"},
	}
}

_recording_mismatch if input.custody.recording.sha256_ok == false

_recording_mismatch if chain.kind == "recording"
