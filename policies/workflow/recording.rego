# Session evidence for sensitive workflows.
package custody.workflow.recording

import data.custody.workflow.lib.recording_mode
import data.custody.workflow.lib.recording_mode_text
import data.custody.workflow.lib.sensitive
import data.custody.workflow.lib.sensitive_reason

# METADATA
# title: Sensitive workflow without recorded, immutable evidence
# description: >-
#   Checks that a sensitive workflow (a production/prod target, or tier:
#   critical) records its sessions (session.recording is full or commands, not
#   none) and keeps that evidence immutable (session.immutable: true), so every
#   privileged session can be reconstructed and shown to be unaltered.
# custom:
#   id: CUS-W009
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.PS-04
#     - NIST-CSF-2.0:DE.CM-03
#     - NIST-800-53:AU-14
#     - NIST-800-53:AC-6(9)
#     - NIST-800-53:AU-9
#     - PCI-DSS-4.0:10.2.1.2
#     - PCI-DSS-4.0:10.3.2
#     - ISO-27001-2022:A.8.15
#   remediation: >-
#     Set spec.session.recording to full (or at least commands) and
#     spec.session.immutable: true, so session evidence is hash-chained and
#     write-once.
deny contains f if {
	sensitive
	recording_mode == "none"
	f := {
		"id": "CUS-W009",
		"msg": sprintf("The workflow is sensitive (%s) but spec.session.recording is %s: record sessions (full or commands).", [sensitive_reason, recording_mode_text]),
		"path": ["spec", "session", "recording"],
	}
}

deny contains f if {
	sensitive
	not input.spec.session.immutable
	f := {
		"id": "CUS-W009",
		"msg": sprintf("The workflow is sensitive (%s) but spec.session.immutable is %s: set it to true so session evidence is tamper-evident.", [sensitive_reason, immutable_text]),
		"path": ["spec", "session", "immutable"],
	}
}

immutable_text := "false" if input.spec.session.immutable == false

else := "missing"
