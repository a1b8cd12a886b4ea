# Third-party (vendor) operated sessions.
package custody.workflow.vendor

import data.custody.workflow.lib.approval_mode
import data.custody.workflow.lib.approval_mode_text
import data.custody.workflow.lib.recording_mode
import data.custody.workflow.lib.recording_mode_text

# A vendor operates sessions: spec.vendor is present and the contract does
# not transfer the evidence obligations to it (evidenceTransferred not true).
vendor_operates if {
	vendor := input.spec.vendor
	object.get(vendor, "evidenceTransferred", false) != true
}

# Two rules rather than `else`: regorus's VM leaves an `else` undefined when the body reads through an
# absent key (see lib.approval_mode_text).
vendor_name := sprintf("%q", [input.spec.vendor.name]) if _names_vendor

vendor_name := "a vendor" if not _names_vendor

_names_vendor if _ = input.spec.vendor.name

# METADATA
# title: Vendor sessions without full recording and per-session approval
# description: >-
#   Checks that when a third party operates sessions (spec.vendor present and
#   evidenceTransferred not true) every session is fully recorded
#   (session.recording: full) and individually approved (approval.mode:
#   per-session), because the organisation keeps the evidence obligation for
#   access it does not operate itself.
# custom:
#   id: CUS-W018
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:DE.CM-06
#     - NIST-800-53:AU-14
#     - PCI-DSS-4.0:8.2.7
#   remediation: >-
#     Set spec.session.recording: full and spec.approval.mode: per-session, or,
#     when the contract makes the vendor keep the evidence, set
#     spec.vendor.evidenceTransferred: true.
deny contains f if {
	vendor_operates
	recording_mode != "full"
	f := {
		"id": "CUS-W018",
		"msg": sprintf("Sessions are operated by %s but spec.session.recording is %s: record vendor sessions in full.", [vendor_name, recording_mode_text]),
		"path": ["spec", "session", "recording"],
	}
}

deny contains f if {
	vendor_operates
	approval_mode != "per-session"
	f := {
		"id": "CUS-W018",
		"msg": sprintf("Sessions are operated by %s but spec.approval.mode is %s: approve each vendor session (per-session).", [vendor_name, approval_mode_text]),
		"path": ["spec", "approval", "mode"],
	}
}
