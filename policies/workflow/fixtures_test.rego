# Shared test fixtures for the workflow policy tests (no tests of its own).
#
# Note for regorus: bind a fixture to a local variable before using it in
# `with input as`, e.g. `m := fx.valid; fs := fx.all_findings with input as m`;
# a rule reference directly after `with input as` evaluates as undefined.
package custody.workflow.fixtures_test

import data.custody.workflow.approval
import data.custody.workflow.breakglass
import data.custody.workflow.identity
import data.custody.workflow.owner
import data.custody.workflow.principals
import data.custody.workflow.recording
import data.custody.workflow.retention
import data.custody.workflow.vendor

# The example manifest of docs/manifest.md: it must produce no finding at all.
valid := {
	"apiVersion": "custody/v1",
	"kind": "Workflow",
	"metadata": {
		"id": "payments-db-admin",
		"title": "Payments database administration",
		"labels": {"tier": "critical"},
	},
	"spec": {
		"purpose": "Apply approved schema changes to the payments database.",
		"owner": {
			"name": "Dana Whitfield",
			"email": "dana.whitfield@example.com",
			"team": "payments",
		},
		"operators": [{"team": "dba"}],
		"targets": [{
			"system": "payments-db",
			"environment": "production",
			"hosts": ["pgdb-prod-*.payments.example.com"],
		}],
		"principals": {
			"humans": {"groups": ["dba-oncall"], "users": [], "shared": []},
			"serviceAccounts": [{
				"id": "svc-migrator",
				"owner": "dana.whitfield@example.com",
				"credential": {"type": "api-key", "maxAge": "90d"},
			}],
			"agents": [{
				"id": "migration-agent",
				"owner": "dana.whitfield@example.com",
				"policy": "agent-runbook-v2",
				"onBehalfOf": "required",
			}],
		},
		"approval": {
			"mode": "per-session",
			"approvers": {"groups": ["payments-leads"], "users": []},
			"minApprovals": 1,
			"separationOfDuties": true,
			"ticket": {"system": "servicenow", "pattern": "^CHG[0-9]{7}$"},
			"maxDuration": "4h",
		},
		"session": {
			"recording": "full",
			"immutable": true,
			"commands": {
				"allow": ["psql *", "pg_dump *"],
				"deny": ["rm -rf *", "* DROP DATABASE *"],
			},
		},
		"retention": {"minimum": "400d", "legalHold": false},
		"breakGlass": {
			"allowed": true,
			"owner": "dana.whitfield@example.com",
			"invokers": {"groups": ["sre-leads"], "users": []},
			"review": {"within": "24h", "by": {"groups": ["security-review"], "users": []}},
			"ticket": {"pattern": "^INC[0-9]{7}$"},
		},
		"vendor": {"name": "Acme Support", "evidenceTransferred": false},
	},
}

# A non-sensitive variant: staging target, no tier label.
non_sensitive := object.union(
	json.remove(valid, ["metadata/labels"]),
	{"spec": {"targets": [{"system": "payments-db", "environment": "staging", "hosts": ["pgdb-stg-*"]}]}},
)

# The valid manifest with the vendor's evidence obligations transferred, so
# that approval and recording changes do not also raise CUS-W018.
no_vendor_duty := object.union(valid, {"spec": {"vendor": {"evidenceTransferred": true}}})

# The smallest manifest the schema admits.
minimal := {
	"apiVersion": "custody/v1",
	"kind": "Workflow",
	"metadata": {"id": "bare"},
	"spec": {},
}

# patch(o): the valid manifest deep-merged with o (arrays are replaced).
patch(o) := object.union(valid, o)

# without(paths): the valid manifest with the JSON pointer paths removed.
without(paths) := json.remove(valid, paths)

# Findings of every built-in workflow package.
all_deny := ((((((owner.deny | approval.deny) | recording.deny) | retention.deny) | breakglass.deny) | principals.deny) | vendor.deny) | identity.deny

# (only these packages have warning rules)
all_warn := approval.warn | principals.warn

all_findings := all_deny | all_warn

# [id, path] of each finding.
summary(fs) := {[f.id, f.path] | some f in fs}

# Paths of the findings with the given id.
paths(fs, id) := {f.path | some f in fs; f.id == id}

# Messages of the findings with the given id.
msgs(fs, id) := {f.msg | some f in fs; f.id == id}

# Every finding is well-formed: id, non-empty message, path an array.
well_formed(fs) if {
	every f in fs {
		is_string(f.id)
		is_string(f.msg)
		count(f.msg) > 0
		is_array(f.path)
		count(object.keys(f)) == 3
	}
}
