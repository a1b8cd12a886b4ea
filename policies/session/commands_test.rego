package custody.session.commands_test

import rego.v1

import data.custody.session.commands
import data.custody.session.fixtures_test as fx

cmd(seq, command) := object.union(fx.valid_bundle.evidence.events[0], {"seq": seq, "command": command})

with_events(evs) := fx.patch({"evidence": {"events": evs}})

msgs(inp) := m if {
	raw := fx.raw_findings with input as inp
	m := [f.msg | some f in raw; f.id == "CUS-S014"]
}

test_s014_allowed_commands_pass if {
	inp := with_events([cmd(1, "psql -h pgdb-prod-2 -c 'select 1' | pg_dump -t x")])
	fx.findings == set() with input as inp
}

test_s014_denied_segment if {
	inp := with_events([cmd(1, "psql -c 'select 1'; rm -rf /var/lib/postgresql")])
	fx.findings == {fx.err("CUS-S014", ["evidence", "events", 0, "command"])} with input as inp
	[m] := msgs(inp)
	contains(m, `"rm -rf /var/lib/postgresql" (denied)`)
	not contains(m, `"psql -c 'select 1'" (`)
}

test_s014_deny_globs_are_case_insensitive if {
	inp := object.union(with_events([cmd(1, "psql -c 'drop' && Psql x DROP database y")]), {"custody": {"workflow": {"spec": {"session": {"commands": {"allow": ["psql *", "Psql *"]}}}}}})
	fx.findings == {fx.err("CUS-S014", ["evidence", "events", 0, "command"])} with input as inp
}

test_s014_allow_globs_are_case_sensitive if {
	inp := with_events([cmd(1, "PSQL -h pgdb-prod-2")])
	fx.findings == {fx.err("CUS-S014", ["evidence", "events", 0, "command"])} with input as inp
	[m] := msgs(inp)
	contains(m, `"PSQL -h pgdb-prod-2" (not allowed)`)
}

test_s014_every_offending_segment_named_once_per_event if {
	inp := with_events([cmd(1, "psql x | grep y && curl http://evil")])
	fx.findings == {fx.err("CUS-S014", ["evidence", "events", 0, "command"])} with input as inp
	[m] := msgs(inp)
	contains(m, `"grep y" (not allowed)`)
	contains(m, `"curl http://evil" (not allowed)`)
}

test_s014_one_finding_per_offending_event if {
	inp := with_events([cmd(1, "vi /etc/passwd"), cmd(2, "psql x"), cmd(3, "rm -rf /")])
	fx.findings == {
		fx.err("CUS-S014", ["evidence", "events", 0, "command"]),
		fx.err("CUS-S014", ["evidence", "events", 2, "command"]),
	} with input as inp
}

test_s014_empty_allow_list_allows_anything_not_denied if {
	inp := object.union(with_events([cmd(1, "vi /etc/motd"), cmd(2, "rm -rf /tmp/x")]), {"custody": {"workflow": {"spec": {"session": {"commands": {"allow": []}}}}}})
	fx.findings == {fx.err("CUS-S014", ["evidence", "events", 1, "command"])} with input as inp
}

test_s014_no_command_policy if {
	inp := fx.without(with_events([cmd(1, "rm -rf /")]), ["custody/workflow/spec/session/commands"])
	fx.findings == set() with input as inp
}

test_s014_only_command_events_are_checked if {
	ev := object.union(cmd(1, "rm -rf /"), {"type": "output"})
	inp := with_events([ev])
	fx.findings == set() with input as inp
}

# ---- verdicts (custody check-command) ----

test_verdicts_name_the_deciding_globs if {
	wf := {"spec": {"session": {"commands": {"allow": ["psql *", "pg_dump *"], "deny": ["*DROP DATABASE*"]}}}}
	v := commands.verdicts("psql -c 'drop database payments' && pg_dump x | gzip") with input as {"custody": {"workflow": wf}}
	v == [
		{"segment": "psql -c 'drop database payments'", "decision": "denied", "globs": ["*DROP DATABASE*"]},
		{"segment": "pg_dump x", "decision": "allowed", "globs": ["pg_dump *"]},
		{"segment": "gzip", "decision": "not allowed", "globs": []},
	]
}

test_verdicts_with_no_allow_list_allow_what_is_not_denied if {
	wf := {"spec": {"session": {"commands": {"deny": ["rm -rf *"]}}}}
	v := commands.verdicts("ls; rm -rf /") with input as {"custody": {"workflow": wf}}
	v == [
		{"segment": "ls", "decision": "allowed", "globs": []},
		{"segment": "rm -rf /", "decision": "denied", "globs": ["rm -rf *"]},
	]
}
