# CUS-S014: every command segment the session ran is allowed by the workflow.
#
# A detective control, not a sandbox: custody.command_segments splits a command line at unquoted `;`, `&&`,
# `||`, `|`, a lone `&` and newlines; `$( )`, backticks and heredocs are not parsed.
package custody.session.commands

import rego.v1

import data.custody.session.lib

_patterns(key) := [p | some p in lib.list(object.get(lib.spec, ["session", "commands", key], [])); is_string(p)]

deny_globs := _patterns("deny")

allow_globs := _patterns("allow")

# The segments of each command event: event index -> the command line's segments, in order. Only looked up
# when some segment offends (to say where and what).
segments[i] := custody.command_segments(ev.command) if {
	some i, ev in lib.events
	ev.type == "command"
	is_string(ev.command)
}

# Each distinct segment of the bundle's commands, once (gathered by custody.event_facts): sessions repeat
# commands, and each segment is matched against the globs once however often it was run.
distinct_segments := lib.event_facts.command_segments

# The distinct segments that match a deny glob (case-insensitive).
denied_segments contains seg if {
	globs := deny_globs
	count(globs) > 0
	some seg in distinct_segments
	custody.glob_match(globs, true, seg)
}

# The distinct segments that match no deny glob and, the allow list being non-empty, no allow glob
# (case-sensitive).
not_allowed_segments contains seg if {
	globs := allow_globs
	count(globs) > 0
	some seg in distinct_segments
	not denied_segments[seg]
	not custody.glob_match(globs, false, seg)
}

# Why each offending distinct segment offends ("denied" or "not allowed"), keyed by the segment.
offences := object.union(
	{seg: "denied" | some seg in denied_segments},
	{seg: "not allowed" | some seg in not_allowed_segments},
)

# The indexes of the command events that ran some offending segment (the events are looked through only when
# some segment offends, each once, looking its segments up in `offences`).
offending_events contains i if {
	count(offences) > 0
	some i, segs in segments
	some seg in segs
	offences[seg]
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
	some i in offending_events
	ev := lib.events[i]
	offending := [sprintf("%q (%v)", [seg, offences[seg]]) | some seg in segments[i]; offences[seg]]
	f := {
		"id": "CUS-S014",
		"msg": sprintf("command event seq %v ran %v outside the workflow's command policy (deny %v, allow %v): investigate it, or allow it in spec.session.commands", [lib.show(lib.get(ev, "seq", null)), concat(", ", offending), deny_globs, allow_globs]),
		"path": ["evidence", "events", i, "command"],
	}
}

# How the workflow's command policy judges each segment of `command`, in order, and which globs decided
# ("denied" by the deny globs that match; else "allowed" by the allow globs that match, or by an empty allow
# list; else "not allowed"): the same judgement CUS-S014 makes, shown segment by segment.
verdicts(command) := [_verdict(seg) | some seg in custody.command_segments(command)]

_verdict(seg) := {"segment": seg, "decision": "denied", "globs": by} if {
	by := [g | some g in deny_globs; custody.glob_match([g], true, seg)]
	count(by) > 0
} else := {"segment": seg, "decision": "allowed", "globs": by} if {
	by := [g | some g in allow_globs; custody.glob_match([g], false, seg)]
	count(by) > 0
} else := {"segment": seg, "decision": "allowed", "globs": []} if {
	count(allow_globs) == 0
} else := {"segment": seg, "decision": "not allowed", "globs": []}

# `custody check-command`: the verdicts on `input.command_line` under the workflow in input.custody.workflow.
command_line_verdicts := verdicts(input.command_line) if is_string(input.command_line)
