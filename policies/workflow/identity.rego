# Workflow identity across manifests.
package custody.workflow.identity

import data.custody.workflow.lib

# METADATA
# title: Duplicate workflow id
# description: >-
#   Checks that no two workflow manifests declare the same metadata.id. Bundles
#   name their workflow by id, so a duplicate makes it ambiguous which declared
#   controls a session is checked against.
# custom:
#   id: CUS-P003
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:GV.PO-01
#   remediation: >-
#     Give each workflow manifest a unique metadata.id (rename one of the two, or
#     delete the stale copy).
deny contains f if {
	dup := input.custody.duplicate_of
	dup != null
	f := {
		"id": "CUS-P003",
		"msg": sprintf("metadata.id %s is already declared by %s: give each workflow a unique id.", [id_text, where(dup)]),
		"path": ["metadata", "id"],
	}
}

id_text := sprintf("%q", [id]) if {
	id := lib.get(["metadata", "id"], null)
	is_string(id)
} else := "(missing)"

where(dup) := sprintf("%s:%v", [dup.file, dup.line]) if {
	is_object(dup)
	is_string(dup.file)
	dup.line != null
} else := sprintf("%s", [dup.file]) if {
	is_object(dup)
	is_string(dup.file)
} else := "an earlier manifest"
