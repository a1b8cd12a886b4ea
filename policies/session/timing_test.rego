package custody.session.timing_test

import rego.v1

import data.custody.session.fixtures_test as fx

event(seq, time) := object.union(fx.valid_bundle.evidence.events[0], {"seq": seq, "time": time})

# ---- CUS-S009 ----

test_s009_approved_before_start_and_inside_grant_passes if {
	inp := fx.valid_input
	not "CUS-S009" in fx.ids with input as inp
}

test_s009_decided_after_start if {
	inp := fx.patch({"approval": {"decisions": [object.union(fx.valid_bundle.approval.decisions[0], {"at": "2026-11-20T10:05:00Z"})]}})
	fx.findings == {fx.err("CUS-S009", ["approval", "decisions", 0, "at"])} with input as inp
}

test_s009_message_counts_decisions_from_one if {
	inp := fx.patch({"approval": {"decisions": [object.union(fx.valid_bundle.approval.decisions[0], {"at": "2026-11-20T10:05:00Z"})]}})
	some f in fx.raw_findings with input as inp
	f.id == "CUS-S009"
	startswith(f.msg, "decision 1 by ")
}

test_s009_decision_time_compares_instants_across_offsets if {
	# 11:00+02:00 is 09:00Z, before the 10:02Z start.
	inp := fx.patch({"approval": {"decisions": [object.union(fx.valid_bundle.approval.decisions[0], {"at": "2026-11-20T11:00:00+02:00"})]}})
	fx.findings == set() with input as inp
}

test_s009_decision_without_time if {
	inp := fx.patch({"approval": {"decisions": [json.remove(fx.valid_bundle.approval.decisions[0], ["at"])]}})
	fx.findings == {fx.err("CUS-S009", ["approval", "decisions", 0, "at"])} with input as inp
}

test_s009_started_before_grant if {
	inp := fx.patch({"approval": {"grant": {"from": "2026-11-20T10:10:00Z"}}})
	fx.findings == {fx.err("CUS-S009", ["session", "start"])} with input as inp
}

test_s009_ended_after_grant if {
	inp := fx.patch({"approval": {"grant": {"until": "2026-11-20T10:30:00Z"}}})
	fx.findings == {fx.err("CUS-S009", ["session", "end"])} with input as inp
}

test_s009_grant_without_bound if {
	inp := fx.without(fx.valid_input, ["approval/grant/until"])
	fx.findings == {fx.err("CUS-S009", ["approval", "grant", "until"])} with input as inp
}

test_s009_per_session_approval_without_grant if {
	inp := fx.without(fx.valid_input, ["approval/grant"])
	fx.findings == {fx.err("CUS-S009", ["approval", "grant"])} with input as inp
}

test_s009_standing_without_grant_passes if {
	inp := fx.without(fx.standing_input, ["approval/grant"])
	fx.findings == set() with input as inp
}

test_s009_standing_grant_window_applies if {
	inp := object.union(fx.standing_input, {"approval": {"grant": {"until": "2026-11-20T10:30:00Z"}}})
	fx.findings == {fx.err("CUS-S009", ["session", "end"])} with input as inp
}

# Break-glass: no grant needed, decisions may come late, but a grant it carries still bounds it.
test_s009_break_glass_without_grant_passes if {
	inp := fx.break_glass_input
	fx.findings == set() with input as inp
}

test_s009_break_glass_late_decision_passes if {
	inp := object.union(fx.break_glass_input, {"approval": {"decisions": [{"approver": "dana.whitfield", "groups": ["payments-leads"], "decision": "approved", "at": "2026-11-20T10:30:00Z"}]}})
	fx.findings == set() with input as inp
}

test_s009_break_glass_outside_its_grant if {
	inp := object.union(fx.break_glass_input, {"approval": {"grant": {"from": "2026-11-20T10:00:00Z", "until": "2026-11-20T10:30:00Z"}}})
	fx.findings == {fx.err("CUS-S009", ["session", "end"])} with input as inp
}

# ---- CUS-S010 ----

test_s010_within_max_duration_passes if {
	# the grant is exactly maxDuration (4h): limits are inclusive
	inp := fx.valid_input
	not "CUS-S010" in fx.ids with input as inp
}

test_s010_grant_too_long if {
	inp := fx.patch({"approval": {"grant": {"until": "2026-11-20T14:01:00Z"}}})
	fx.findings == {fx.err("CUS-S010", ["approval", "grant", "until"])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, "4h 1m")
}

test_s010_session_and_grant_too_long if {
	inp := fx.patch({"session": {"end": "2026-11-20T14:30:00Z"}, "approval": {"grant": {"until": "2026-11-20T14:30:00Z"}}})
	fx.findings == {fx.err("CUS-S010", ["session", "end"]), fx.err("CUS-S010", ["approval", "grant", "until"])} with input as inp
}

test_s010_standing_grant_length_does_not_apply_but_session_length_does if {
	inp := object.union(fx.standing_input, {"session": {"end": "2026-11-20T14:30:00Z"}})
	fx.findings == {fx.err("CUS-S010", ["session", "end"])} with input as inp
}

test_s010_break_glass_session_length if {
	inp := object.union(fx.break_glass_input, {"session": {"end": "2026-11-20T14:30:00Z"}, "approval": {"review": {"at": "2026-11-20T16:00:00Z"}}})
	fx.findings == {fx.err("CUS-S010", ["session", "end"])} with input as inp
}

test_s010_max_duration_compares_across_units if {
	inp := fx.patch_spec({"approval": {"maxDuration": "240m"}})
	fx.findings == set() with input as inp
}

# ---- CUS-S018 ----

test_s018_events_inside_window_pass if {
	inp := fx.patch({"evidence": {"events": [event(1, "2026-11-20T10:02:00Z"), event(2, "2026-11-20T10:41:00Z")]}})
	fx.findings == set() with input as inp
}

# No events: nothing is outside (the earliest and latest of no times are not compared).
test_s018_no_events_nothing_outside if {
	inp := fx.patch({"evidence": {"events": []}})
	not "CUS-S018" in fx.ids with input as inp
}

# All events inside but one with a valid time outside, last: found though the earliest time is inside.
test_s018_only_the_last_event_outside if {
	inp := fx.patch({"evidence": {"events": [
		event(1, "2026-11-20T10:03:10Z"),
		event(2, "2026-11-20T10:40:00Z"),
		event(3, "2026-11-20T10:41:01Z"),
	]}})
	fx.findings == {fx.err("CUS-S018", ["evidence", "events", 2])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, "1 event(s) outside")
}

test_s018_absent_start if {
	inp := fx.without(fx.valid_input, ["session/start"])
	fx.findings == {fx.err("CUS-S018", ["session", "start"])} with input as inp
}

test_s018_absent_end if {
	inp := fx.without(fx.valid_input, ["session/end"])
	fx.findings == {fx.err("CUS-S018", ["session", "end"])} with input as inp
}

test_s018_malformed_start_is_a_finding_not_an_error if {
	inp := fx.patch({"session": {"start": "2026-02-30T10:00:00Z"}})
	fx.findings == {fx.err("CUS-S018", ["session", "start"])} with input as inp
}

test_s018_end_before_start if {
	inp := fx.patch({"session": {"end": "2026-11-20T10:01:00Z"}})
	fx.findings == {fx.err("CUS-S018", ["session", "end"])} with input as inp
}

test_s018_first_event_outside_window if {
	inp := fx.patch({"evidence": {"events": [
		event(1, "2026-11-20T10:03:10Z"),
		event(2, "2026-11-20T10:45:00Z"),
		event(3, "2026-11-20T10:50:00Z"),
	]}})
	fx.findings == {fx.err("CUS-S018", ["evidence", "events", 1])} with input as inp
	some f in fx.raw_findings with input as inp
	contains(f.msg, "2 event(s) outside")
}

test_s018_event_before_start if {
	inp := fx.patch({"evidence": {"events": [event(1, "2026-11-20T09:00:00Z")]}})
	fx.findings == {fx.err("CUS-S018", ["evidence", "events", 0])} with input as inp
}

test_s018_event_without_time if {
	inp := fx.patch({"evidence": {"events": [json.remove(event(1, "x"), ["time"])]}})
	fx.findings == {fx.err("CUS-S018", ["evidence", "events", 0])} with input as inp
}

test_s018_recording_longer_than_session if {
	# the session lasted 39m = 2340s; the cast may run to 2345s
	inp := fx.patch({"custody": {"recording": {"cast_duration_ns": 2346000000000}}})
	fx.findings == {fx.err("CUS-S018", ["session", "end"])} with input as inp
}

test_s018_recording_within_slack_passes if {
	inp := fx.patch({"custody": {"recording": {"cast_duration_ns": 2345000000000}}})
	fx.findings == set() with input as inp
}

test_s018_event_with_malformed_time_or_not_an_object if {
	inp := fx.patch({"evidence": {"events": [
		object.union(event(1, "x"), {"time": 1795608000}),
		"not an event",
		event(3, "2026-11-20T10:03:10Z"),
	]}})
	fx.err("CUS-S018", ["evidence", "events", 0]) in fx.findings with input as inp
	some f in fx.raw_findings with input as inp
	f.id == "CUS-S018"
	contains(f.msg, "2 event(s) outside")
}
