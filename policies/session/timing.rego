# CUS-S009, CUS-S010, CUS-S018: when the session happened, against when it was approved, how long it could
# last, and what its evidence shows.
package custody.session.timing

import rego.v1

import data.custody.session.lib

start := lib.start_ns

end := lib.end_ns

# The session window, when both ends are known and in order (CUS-S018 reports every other case).
window_ok if end >= start

max_duration := custody.duration(object.get(lib.spec, ["approval", "maxDuration"], null))

# ---------------------------------------------------------------------------------------------------------
# CUS-S009
# ---------------------------------------------------------------------------------------------------------

# The decision-time part: a required approval, not break-glass.
decisions_timed if {
	lib.has_workflow
	lib.approval_required
	lib.has_approval
	not lib.break_glass
}

# METADATA
# title: Approval decided after the session started, or session outside the grant
# description: >-
#   An approval must be decided before the session starts, and the session must lie inside the approval's
#   grant window (grant.from to grant.until). Under approval.mode per-session an approval must carry a grant.
#   Break-glass sessions are exempt from the decision time and from the need for a grant, but a grant they
#   do carry still bounds them; standing approvals are bounded by their grant when it is present.
# custom:
#   id: CUS-S009
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2
#   remediation: >-
#     Open sessions only after the approval is decided and within the granted window; request a new or
#     extended grant instead of running past it.
deny contains f if {
	decisions_timed
	some i, d in lib.decisions
	d.decision == "approved"
	at := custody.instant(d.at)
	at > start
	f := {
		"id": "CUS-S009",
		"msg": sprintf("decision %d by %v was made at %v, after the session started at %v: approval must be decided before the session opens", [i + 1, lib.show(lib.get(d, "approver", null)), d.at, input.session.start]),
		"path": ["approval", "decisions", i, "at"],
	}
}

deny contains f if {
	decisions_timed
	start
	some i, d in lib.decisions
	d.decision == "approved"
	not custody.instant(lib.get(d, "at", null))
	f := {
		"id": "CUS-S009",
		"msg": sprintf("decision %d by %v has no valid time (at is %v): without it the approval cannot be shown to precede the session", [i + 1, lib.show(lib.get(d, "approver", null)), lib.show(lib.get(d, "at", null))]),
		"path": ["approval", "decisions", i, "at"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.per_session
	lib.has_approval
	not lib.break_glass
	not lib.has_grant
	f := {
		"id": "CUS-S009",
		"msg": sprintf("the approval has no grant window under approval mode per-session of workflow %q: record grant.from and grant.until of the access that was approved", [lib.workflow_id]),
		"path": ["approval", "grant"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_grant
	some bound in ["from", "until"]
	not custody.instant(lib.get(lib.grant, bound, null))
	f := {
		"id": "CUS-S009",
		"msg": sprintf("approval.grant.%v is %v: a grant must state its window as RFC 3339 timestamps", [bound, lib.show(lib.get(lib.grant, bound, "absent"))]),
		"path": ["approval", "grant", bound],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_approval
	from := custody.instant(lib.grant.from)
	start < from
	f := {
		"id": "CUS-S009",
		"msg": sprintf("the session started at %v, before the grant window opened at %v: open sessions only inside the granted window", [input.session.start, lib.grant.from]),
		"path": ["session", "start"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_approval
	until := custody.instant(lib.grant.until)
	end > until
	f := {
		"id": "CUS-S009",
		"msg": sprintf("the session ended at %v, after the grant expired at %v: end sessions when the grant expires or obtain an extension", [input.session.end, lib.grant.until]),
		"path": ["session", "end"],
	}
}

# ---------------------------------------------------------------------------------------------------------
# CUS-S010
# ---------------------------------------------------------------------------------------------------------

# METADATA
# title: Session or grant longer than the workflow allows
# description: >-
#   A session (end - start) and a grant (until - from) may not be longer than the workflow's
#   approval.maxDuration. The session length applies to every session, break-glass included; the grant
#   length does not apply to standing approvals, which are long by design.
# custom:
#   id: CUS-S010
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.AA-05
#     - NIST-800-53:AC-2(2)
#   remediation: >-
#     Keep privileged access within approval.maxDuration: end the session (or shorten the grant) in time and
#     request a new approval for further work.
deny contains f if {
	lib.has_workflow
	window_ok
	end - start > max_duration
	f := {
		"id": "CUS-S010",
		"msg": sprintf("the session lasted %v (%v to %v), longer than the workflow's maxDuration %v: end sessions in time and request a new approval for further work", [lib.human_duration(end - start), input.session.start, input.session.end, lib.spec.approval.maxDuration]),
		"path": ["session", "end"],
	}
}

deny contains f if {
	lib.has_workflow
	lib.has_approval
	not lib.standing
	from := custody.instant(lib.grant.from)
	until := custody.instant(lib.grant.until)
	until - from > max_duration
	f := {
		"id": "CUS-S010",
		"msg": sprintf("the grant runs %v (%v to %v), longer than the workflow's maxDuration %v: grant access for at most maxDuration", [lib.human_duration(until - from), lib.grant.from, lib.grant.until, lib.spec.approval.maxDuration]),
		"path": ["approval", "grant", "until"],
	}
}

# ---------------------------------------------------------------------------------------------------------
# CUS-S018
# ---------------------------------------------------------------------------------------------------------

# The events whose time is a valid timestamp inside the window, looked up by `outside` only when they are not
# all inside. Each event's time is parsed by custody.instant itself (a call through lib.instant costs as much
# again), and the window's ends are bound before the loop, which otherwise looks both rules up for every event.
inside contains i if {
	window_ok
	from := start
	until := end
	some i, ev in lib.events
	t := custody.instant(ev.time)
	t >= from
	t <= until
}

# Every event's time is a valid timestamp inside the window: the usual case, decided from the number of events
# with a valid time and the earliest and latest of those times (lib.event_facts), without a set of event
# indexes.
all_inside if {
	window_ok
	facts := lib.event_facts
	facts.timed == count(lib.events)
	_within(facts)
}

_within(facts) if facts.timed == 0

_within(facts) if {
	facts.first_ns >= start
	facts.last_ns <= end
}

# An event lies outside the window when its time is before start, after end, or not a valid timestamp. (The
# events are looked through one by one only when they are not all inside.)
outside contains i if {
	window_ok
	not all_inside
	some i, _ in lib.events
	not inside[i]
}

# The recording may run at most 5 seconds past the session's length (clock skew, final output).
cast_slack_ns := 5000000000

# METADATA
# title: Evidence outside the session window
# description: >-
#   session.start and session.end must both be present, with end not before start, and the evidence must
#   fall inside that window: every event's time, and the recording (its last offset may exceed the session
#   length by at most 5 seconds). Evidence outside the window means activity outside the accounted session or
#   evidence from another one.
# custom:
#   id: CUS-S018
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:DE.CM-03
#     - NIST-CSF-2.0:RS.AN-07
#   remediation: >-
#     Record the session's real start and end, and bundle only the events and recording of that session;
#     investigate activity recorded outside the window.
deny contains f if {
	lib.has_workflow
	not start
	f := {
		"id": "CUS-S018",
		"msg": sprintf("session.start is %v: record when the session started as an RFC 3339 timestamp", [lib.show(object.get(input, ["session", "start"], "absent"))]),
		"path": ["session", "start"],
	}
}

deny contains f if {
	lib.has_workflow
	not end
	f := {
		"id": "CUS-S018",
		"msg": sprintf("session.end is %v: record when the session ended as an RFC 3339 timestamp", [lib.show(object.get(input, ["session", "end"], "absent"))]),
		"path": ["session", "end"],
	}
}

deny contains f if {
	lib.has_workflow
	end < start
	f := {
		"id": "CUS-S018",
		"msg": sprintf("session.end %v is before session.start %v: record the session's real window", [input.session.end, input.session.start]),
		"path": ["session", "end"],
	}
}

deny contains f if {
	lib.has_workflow
	count(outside) > 0
	i := min(outside)
	ev := lib.events[i]
	f := {
		"id": "CUS-S018",
		"msg": sprintf("event seq %v at %v is outside the session window %v to %v (%d event(s) outside in all): bundle only this session's evidence and investigate the activity", [lib.show(lib.get(ev, "seq", null)), lib.show(lib.get(ev, "time", null)), input.session.start, input.session.end, count(outside)]),
		"path": ["evidence", "events", i],
	}
}

deny contains f if {
	lib.has_workflow
	window_ok
	cast := input.custody.recording.cast_duration_ns
	is_number(cast)
	cast > (end - start) + cast_slack_ns
	f := {
		"id": "CUS-S018",
		"msg": sprintf("the recording runs %v but the session lasted %v (%v to %v): the recording does not fit the session window; record the real end or bundle this session's recording", [lib.human_duration(cast), lib.human_duration(end - start), input.session.start, input.session.end]),
		"path": ["session", "end"],
	}
}
