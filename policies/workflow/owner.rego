# Accountability: an accountable business owner and a business purpose.
package custody.workflow.owner

owner_fields := ["name", "email", "team"]

# METADATA
# title: Workflow has no accountable business owner
# description: >-
#   Checks that spec.owner names the accountable business owner with a name, an
#   email and a team. Without a named owner nobody answers for who may use the
#   privileged access, and nobody can be asked to defend a session afterwards.
# custom:
#   id: CUS-W001
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:GV.RR-02
#     - NIST-800-53:AC-2
#   remediation: >-
#     Set spec.owner.name, spec.owner.email and spec.owner.team to the person and
#     team accountable for the business use of this access (not the team that
#     operates the systems).
deny contains f if {
	count(missing_owner_fields) == count(owner_fields)
	f := {
		"id": "CUS-W001",
		"msg": "spec.owner is missing: name the accountable business owner (name, email and team).",
		"path": ["spec", "owner"],
	}
}

deny contains f if {
	count(missing_owner_fields) == 1
	key := missing_owner_fields[0]
	f := {
		"id": "CUS-W001",
		"msg": sprintf("spec.owner.%s is missing: set it to the accountable business owner's %s.", [key, key]),
		"path": ["spec", "owner", key],
	}
}

deny contains f if {
	count(missing_owner_fields) > 1
	count(missing_owner_fields) < count(owner_fields)
	f := {
		"id": "CUS-W001",
		"msg": sprintf("spec.owner lacks %s: set them to the accountable business owner's.", [concat(" and ", [sprintf("spec.owner.%s", [k]) | some k in missing_owner_fields])]),
		"path": ["spec", "owner", missing_owner_fields[0]],
	}
}

# The owner fields that are absent or blank, in `owner_fields` order: one owner, one finding, whatever
# number of its fields is missing.
missing_owner_fields := [key |
	some key in owner_fields
	trim_space(object.get(input, ["spec", "owner", key], "")) == ""
]

# METADATA
# title: Owner is only the operating team
# description: >-
#   Checks that the accountable owner's team is not one of the teams in
#   spec.operators. When the operators own their own privileged access, nobody
#   outside the team is accountable for it and duties are not separated.
# custom:
#   id: CUS-W002
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:GV.RR-02
#     - NIST-800-53:AC-5
#     - ISO-27001-2022:A.5.3
#   remediation: >-
#     Set spec.owner to the business owner accountable for the workflow (for
#     example the team that owns the data or service), distinct from every team
#     listed in spec.operators.
deny contains f if {
	team := lower(trim_space(object.get(input, ["spec", "owner", "team"], "")))
	team != ""
	some op in object.get(input, ["spec", "operators"], [])
	lower(trim_space(op.team)) == team
	f := {
		"id": "CUS-W002",
		"msg": sprintf("spec.owner.team %q is also an operating team in spec.operators: the owner must be the accountable business owner, not the operator.", [input.spec.owner.team]),
		"path": ["spec", "owner", "team"],
	}
}

# METADATA
# title: Workflow has no business purpose
# description: >-
#   Checks that spec.purpose states the business purpose of the privileged
#   access in at least 10 characters. Access without a stated purpose cannot be
#   judged necessary, approved against, or reviewed afterwards.
# custom:
#   id: CUS-W003
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#   remediation: >-
#     Set spec.purpose to a sentence stating why this privileged access exists,
#     e.g. "Apply approved schema changes to the payments database."
deny contains f if {
	not input.spec.purpose
	f := {
		"id": "CUS-W003",
		"msg": "spec.purpose is missing: state the business purpose of this privileged access (at least 10 characters).",
		"path": ["spec", "purpose"],
	}
}

deny contains f if {
	purpose := input.spec.purpose
	count(split(trim_space(purpose), "")) < 10
	f := {
		"id": "CUS-W003",
		"msg": sprintf("spec.purpose %q is too short to state a business purpose: describe why this access exists in at least 10 characters.", [purpose]),
		"path": ["spec", "purpose"],
	}
}
