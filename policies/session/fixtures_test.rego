# Test fixtures for the session policies: the example workflow (docs/manifest.md), the example bundle (docs/bundle.md) (which must produce no
# finding against it), variants for break-glass and standing approvals, and helpers to patch them and
# collect every session finding.
package custody.session.fixtures_test

import rego.v1

valid_workflow := {
	"apiVersion": "custody/v1",
	"kind": "Workflow",
	"metadata": {"id": "payments-db-admin", "title": "Payments database administration", "labels": {"tier": "critical"}},
	"spec": {
		"purpose": "Apply approved schema changes to the payments database.",
		"owner": {"name": "Dana Whitfield", "email": "dana.whitfield@example.com", "team": "payments"},
		"operators": [{"team": "dba"}],
		"targets": [{"system": "payments-db", "environment": "production", "hosts": ["pgdb-prod-*.payments.example.com"]}],
		"principals": {
			"humans": {"groups": ["dba-oncall"], "users": [], "shared": []},
			"serviceAccounts": [{"id": "svc-migrator", "owner": "dana.whitfield@example.com", "credential": {"type": "api-key", "maxAge": "90d"}}],
			"agents": [{"id": "migration-agent", "owner": "dana.whitfield@example.com", "policy": "agent-runbook-v2", "onBehalfOf": "required"}],
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
			"commands": {"allow": ["psql *", "pg_dump *"], "deny": ["rm -rf *", "* DROP DATABASE *"]},
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

h0 := "cbf633fd719d1da1f9a1bbd36b0d45c96c990d5f7b123ea4edc6a232e13324d2"

h1 := "8b5cc4df7eec7d32a7814eca4af047ae33b2d52342667715682e19c25b0b9faa"

valid_bundle := {
	"apiVersion": "custody/v1",
	"kind": "SessionBundle",
	"session": {
		"id": "sess-20261120-0007",
		"workflow": "payments-db-admin",
		"target": {"system": "payments-db", "host": "pgdb-prod-2.payments.example.com"},
		"start": "2026-11-20T10:02:00Z",
		"end": "2026-11-20T10:41:00Z",
		"interactive": true,
	},
	"identity": {"principal": "alex.kim", "kind": "human", "groups": ["dba-oncall"], "onBehalfOf": null},
	"approval": {
		"id": "AR-4411",
		"session": "sess-20261120-0007",
		"ticket": "CHG0012345",
		"requester": "alex.kim",
		"reason": "Apply migration 2026-11-20-add-index",
		"decisions": [{"approver": "dana.whitfield", "groups": ["payments-leads"], "decision": "approved", "at": "2026-11-20T09:55:00Z"}],
		"grant": {"from": "2026-11-20T10:00:00Z", "until": "2026-11-20T14:00:00Z"},
		"breakGlass": false,
		"review": null,
	},
	"evidence": {
		"session": "sess-20261120-0007",
		"recording": {"mode": "full", "file": "session.cast", "sha256": "5f2b1c0e9a7d4e3f8b6a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"},
		"head": {"hash": h1, "count": 1},
		"events": [{
			"seq": 1, "time": "2026-11-20T10:03:10Z", "type": "command", "principal": "alex.kim",
			"command": "psql -h pgdb-prod-2 -c 'CREATE INDEX ...'", "prev": h0, "hash": h1,
		}],
	},
	"retention": {"until": "2028-01-01T00:00:00Z", "legalHold": false},
}

# 2026-11-20T12:00:00Z, 1h19m after the session ended.
now_ns := 1795176000000000000

custody_facts := {
	"workflow": valid_workflow,
	"chain": {"verified": true, "events": 1, "seq": null, "kind": null, "present": true},
	"recording": {"file": true, "sha256_ok": true, "cast_duration_ns": null},
	"now_ns": now_ns,
	"now": "2026-11-20T12:00:00Z",
}

valid_input := object.union(valid_bundle, {"custody": custody_facts})

# The valid input with `p` merged in (objects merge recursively, anything else replaces).
patch(p) := object.union(valid_input, p)

# The valid input with the workflow's spec patched.
patch_spec(p) := patch({"custody": {"workflow": {"spec": p}}})

# `inp` without the fields at `paths` ("approval/grant", "custody/workflow").
without(inp, paths) := json.remove(inp, paths)

# A valid break-glass session: sam.lee (sre-leads) opened it for incident INC0001234 without approvers or a
# grant, and riley.chen of security-review reviewed it four hours after it ended.
break_glass_input := without(
	patch({
		"identity": {"principal": "sam.lee", "groups": ["sre-leads"]},
		"approval": {
			"ticket": "INC0001234",
			"requester": "sam.lee",
			"reason": "Payments outage: database locked",
			"decisions": [],
			"breakGlass": true,
			"review": {"reviewer": "riley.chen", "groups": ["security-review"], "at": "2026-11-20T14:41:00Z", "outcome": "accepted"},
		},
		"evidence": {"events": [object.union(valid_bundle.evidence.events[0], {"principal": "sam.lee"})]},
	}),
	["approval/grant"],
)

# A valid session under a standing approval: no approval.session, a grant longer than maxDuration.
standing_input := without(
	object.union(patch_spec({"approval": {"mode": "standing"}}), {"approval": {"grant": {"from": "2026-01-01T00:00:00Z", "until": "2026-12-31T00:00:00Z"}}}),
	["approval/session"],
)

# Every session finding, as {id, path, severity} (messages are checked separately where they matter).
_deny := (((((((((((((data.custody.session.linkage.deny | data.custody.session.principal.deny) | data.custody.session.target.deny) | data.custody.session.approval.deny) | data.custody.session.timing.deny) | data.custody.session.ticket.deny) | data.custody.session.recording.deny) | data.custody.session.integrity.deny) | data.custody.session.commands.deny) | data.custody.session.breakglass.deny) | data.custody.session.retention.deny) | data.custody.session.identity.deny) | data.custody.session.anchoring.deny) | data.custody.session.signatures.deny)

_warn := data.custody.session.breakglass.warn

raw_findings contains object.union(f, {"severity": "error"}) if some f in _deny

raw_findings contains object.union(f, {"severity": "warning"}) if some f in _warn

findings := {{"id": f.id, "path": f.path, "severity": f.severity} | some f in raw_findings}

ids := {f.id | some f in findings}

# A finding as tests write it.
err(id, path) := {"id": id, "path": path, "severity": "error"}

warning(id, path) := {"id": id, "path": path, "severity": "warning"}
