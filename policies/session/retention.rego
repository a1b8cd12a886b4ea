# CUS-S017: the evidence is kept as long as the workflow requires.
package custody.session.retention

import rego.v1

import data.custody.session.lib

# retention.minimum of the workflow; when the workflow lacks a valid one (CUS-W010), the retentionMinimum
# parameter, the shortest retention custody accepts.
minimum := m if {
	m := custody.duration(object.get(lib.spec, ["retention", "minimum"], null))
}

minimum := m if {
	not custody.duration(object.get(lib.spec, ["retention", "minimum"], null))
	m := custody.duration(lib.param("retentionMinimum"))
}

minimum_text := object.get(lib.spec, ["retention", "minimum"], null) if custody.duration(object.get(lib.spec, ["retention", "minimum"], null))

minimum_text := sprintf("%v (the retentionMinimum parameter; the workflow declares none)", [lib.param("retentionMinimum")]) if {
	not custody.duration(object.get(lib.spec, ["retention", "minimum"], null))
}

until := custody.instant(object.get(input, ["retention", "until"], null))

# METADATA
# title: Evidence not retained as required
# description: >-
#   The bundle's retention.until must lie at least the workflow's retention.minimum after the session's end,
#   and when the workflow declares a legal hold the bundle must set retention.legalHold: true. Evidence
#   deleted early cannot defend or reconstruct the session.
# custom:
#   id: CUS-S017
#   severity: error
#   frameworks:
#     - NIST-800-53:AU-11
#     - PCI-DSS-4.0:10.5.1
#   remediation: >-
#     Set the evidence store's retention for this bundle to at least retention.minimum after the session's
#     end (and apply the legal hold when the workflow declares one), then record it in the bundle's retention.
deny contains f if {
	lib.has_workflow
	not until
	f := {
		"id": "CUS-S017",
		"msg": sprintf("retention.until is %v: record until when the evidence is kept (at least %v after the session's end)", [lib.show(object.get(input, ["retention", "until"], "absent")), minimum_text]),
		"path": ["retention", "until"],
	}
}

deny contains f if {
	lib.has_workflow
	until - lib.end_ns < minimum
	f := {
		"id": "CUS-S017",
		"msg": sprintf("the evidence is kept until %v, only %v after the session's end at %v, but workflow %q requires %v: extend its retention", [input.retention.until, lib.human_duration(until - lib.end_ns), input.session.end, lib.workflow_id, minimum_text]),
		"path": ["retention", "until"],
	}
}

deny contains f if {
	lib.has_workflow
	object.get(lib.spec, ["retention", "legalHold"], false) == true
	not object.get(input, ["retention", "legalHold"], false) == true
	f := {
		"id": "CUS-S017",
		"msg": sprintf("workflow %q declares a legal hold but the bundle's retention.legalHold is %v: place the evidence under legal hold and set it to true", [lib.workflow_id, lib.show(object.get(input, ["retention", "legalHold"], "absent"))]),
		"path": ["retention", "legalHold"],
	}
}
