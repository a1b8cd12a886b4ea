# Evidence retention.
package custody.workflow.retention

import data.custody.workflow.lib.params

# METADATA
# title: Evidence retention missing or too short
# description: >-
#   Checks that retention.minimum is declared and is at least the
#   retentionMinimum parameter (default 365d), so session evidence outlives the
#   audits and investigations that need it.
# custom:
#   id: CUS-W010
#   severity: error
#   frameworks:
#     - NIST-800-53:AU-11
#     - PCI-DSS-4.0:10.5.1
#     - ISO-27001-2022:A.8.15
#   remediation: >-
#     Set spec.retention.minimum to at least the configured retentionMinimum
#     (default 365d), e.g. "400d".
deny contains f if {
	not input.spec.retention.minimum
	f := {
		"id": "CUS-W010",
		"msg": sprintf("spec.retention.minimum is missing: keep session evidence for at least %s.", [params.retentionMinimum]),
		"path": ["spec", "retention", "minimum"],
	}
}

deny contains f if {
	minimum := input.spec.retention.minimum
	custody.duration_ns(minimum) < custody.duration_ns(params.retentionMinimum)
	f := {
		"id": "CUS-W010",
		"msg": sprintf("spec.retention.minimum %q is shorter than the required %s: raise it.", [minimum, params.retentionMinimum]),
		"path": ["spec", "retention", "minimum"],
	}
}
