# CUS-S014: every command segment the session ran is allowed by the workflow.
#
# A detective control, not a sandbox: custody.command_segments splits a command line at unquoted `;`, `&&`,
# `||`, `|`, a lone `&` and newlines; `$( )`, backticks and heredocs are not parsed.
package custody.session.commands

import rego.v1

import data.custody.session.lib

_patterns(key) := [p | some p in lib.list(lib.get(lib.spec, ["session", "commands", key], [])); is_string(p)]

deny_globs := _patterns("deny")

allow_globs := _patterns("allow")

# Why a segment offends, or undefined when it does not.
offence(seg) := "denied" if {
	count(deny_globs) > 0
	custody.glob_match(deny_globs, true, seg)
}

offence(seg) := "not allowed" if {
	not _denied(seg)
	count(allow_globs) > 0
	not custody.glob_match(allow_globs, false, seg)
}

_denied(seg) if {
	count(deny_globs) > 0
	custody.glob_match(deny_globs, true, seg)
}

# METADATA
# title: Command outside the workflow's command policy
# description: >-
#   Every segment of every command the session ran (split at unquoted ;, &&, ||, |, a lone & and newlines)
#   must match no deny glob (case-insensitive) and, when the allow list is non-empty, some allow glob
#   (case-sensitive). One finding per offending command event, naming every offending segment.
# custom:
#   id: CUS-S014
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:DE.CM-03
#     - NIST-CSF-2.0:PR.AA-05
#   remediation: >-
#     Investigate the command with the principal and the workflow owner; if it was legitimate, add a glob
#     for it to spec.session.commands.allow through the workflow's change process.
deny contains f if {
	lib.has_workflow
	some i, ev in lib.events
	ev.type == "command"
	cmd := ev.command
	is_string(cmd)
	offending := [sprintf("%q (%v)", [seg, offence(seg)]) | some seg in custody.command_segments(cmd); offence(seg)]
	count(offending) > 0
	f := {
		"id": "CUS-S014",
		"msg": sprintf("command event seq %v ran %v outside the workflow's command policy (deny %v, allow %v): investigate it, or allow it in spec.session.commands", [lib.show(lib.get(ev, "seq", null)), concat(", ", offending), deny_globs, allow_globs]),
		"path": ["evidence", "events", i, "command"],
	}
}
