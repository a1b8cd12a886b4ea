# CUS-S022: the evidence head is signed by a declared signer whose key the run trusts.
#
# Rust reads evidence.head.signatures and verifies each one against the run's allowed signers
# (input.custody.signatures: signer, fingerprint, namespace_ok, key_listed, valid_at_end, verified, why;
# input.custody.allowed_signers: whether the run has any). This policy decides: the rule applies when the
# workflow declares session.signers, or is immutable and the run has allowed signers; then one signature must
# verify, by a signer the workflow declares (any listed signer when it declares none).
package custody.session.signatures

import rego.v1

import data.custody.session.lib

declared := {s | some s in lib.spec.session.signers; is_string(s)}

declares_signers if count(declared) > 0

applies if declares_signers

applies if {
	object.get(lib.spec, ["session", "immutable"], false) == true
	input.custody.allowed_signers == true
}

signatures := input.custody.signatures if is_array(input.custody.signatures)

default signatures := []

# A verified signature whose signer the workflow admits.
accepted(s) if {
	s.verified == true
	not declares_signers
}

accepted(s) if {
	s.verified == true
	s.signer in declared
}

valid if {
	some s in signatures
	accepted(s)
}

# Why one signature does not count.
reason(s) := sprintf("%v: %v", [lib.show(s.signer), s.why]) if is_string(s.why)

reason(s) := sprintf("%v: signer not declared by the workflow (session.signers)", [lib.show(s.signer)]) if {
	s.verified == true
	declares_signers
	not s.signer in declared
}

reasons := concat("; ", sort([reason(s) | some s in signatures]))

# METADATA
# title: Evidence not signed by a trusted signer
# description: >-
#   When a workflow declares who may sign its evidence (session.signers), or requires immutable evidence and
#   the run has allowed signers, the bundle's evidence head must carry an SSH signature (SSHSIG, namespace
#   custody) by such a signer, whose key the allowed_signers file lists for that principal and namespace,
#   valid at the session's end, over the session's identity, target, times, chain head and recording digest.
#   A hash chain shows that evidence changed after sealing; a signature shows who sealed it.
# custom:
#   id: CUS-S022
#   severity: error
#   frameworks:
#     - NIST-800-53:AU-10
#     - NIST-CSF-2.0:PR.DS-01
#   remediation: >-
#     Sign the evidence when it is sealed (custody seal --sign KEY --signer NAME) with a key listed for that
#     signer in the allowed_signers file, and list the signer in the workflow's session.signers. A signature
#     that no longer matches means the evidence changed after signing: recover the original and investigate.
deny contains f if {
	lib.has_workflow
	applies
	count(signatures) == 0
	f := {
		"id": "CUS-S022",
		"msg": "the evidence head carries no signature: sign it with custody seal --sign KEY --signer NAME",
		"path": ["evidence", "head"],
	}
}

deny contains f if {
	lib.has_workflow
	applies
	count(signatures) > 0
	not valid
	f := {
		"id": "CUS-S022",
		"msg": sprintf("no valid signature by a trusted signer: %v", [reasons]),
		"path": ["evidence", "head", "signatures"],
	}
}
