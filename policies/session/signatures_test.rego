package custody.session.signatures_test

import rego.v1

import data.custody.session.fixtures_test as fx

good := {"signer": "rec@pam", "fingerprint": "SHA256:x", "namespace_ok": true, "key_listed": true, "valid_at_end": true, "verified": true, "why": null}

signed(sigs, signers) := fx.patch({"custody": {"signatures": sigs, "allowed_signers": true, "workflow": {"spec": {"session": {"signers": signers}}}}})

s022(inp) := {f.msg | some f in fx.raw_findings with input as inp; f.id == "CUS-S022"}

test_s022_verified_declared_signer_passes if {
	inp := signed([good], ["rec@pam"])
	s022(inp) == set()
}

test_s022_no_signature if {
	inp := signed([], ["rec@pam"])
	s022(inp) == {"the evidence head carries no signature: sign it with custody seal --sign KEY --signer NAME"}
}

test_s022_names_why_each_signature_failed if {
	bad := object.union(good, {"verified": false, "why": "signature does not match"})
	inp := signed([bad], ["rec@pam"])
	s022(inp) == {"no valid signature by a trusted signer: \"rec@pam\": signature does not match"}
}

test_s022_undeclared_signer if {
	inp := signed([object.union(good, {"signer": "other"})], ["rec@pam"])
	s022(inp) == {"no valid signature by a trusted signer: \"other\": signer not declared by the workflow (session.signers)"}
}

test_s022_immutable_with_allowed_signers_needs_a_signature if {
	inp := fx.patch({"custody": {"signatures": [], "allowed_signers": true}})
	count(s022(inp)) == 1
}

test_s022_immutable_without_allowed_signers_does_not_apply if {
	inp := fx.patch({"custody": {"signatures": [], "allowed_signers": false}})
	s022(inp) == set()
}

test_s022_any_listed_signer_when_none_declared if {
	inp := fx.patch({"custody": {"signatures": [object.union(good, {"signer": "anyone"})], "allowed_signers": true}})
	s022(inp) == set()
}
