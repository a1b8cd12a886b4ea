# Workflow identity across manifests.
package custody.workflow.identity

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
	f := {
		"id": "CUS-P003",
		"msg": sprintf("metadata.id %q is already declared by %s: give each workflow a unique id.", [object.get(input, ["metadata", "id"], ""), where(dup)]),
		"path": ["metadata", "id"],
	}
}

# where(dup): "file:line" of the earlier declaration.
where(dup) := sprintf("%s:%v", [dup.file, dup.line]) if {
	dup.line != null
} else := sprintf("%s", [dup.file]) if {
	dup.file != null
} else := "an earlier manifest"
