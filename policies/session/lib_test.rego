package custody.session.lib_test

import rego.v1

import data.custody.session.lib

# lib.event_facts (custody.event_facts): the facts the session rules read instead of looking at every event.

test_event_facts_of_mixed_events if {
	events := [
		{"type": "command", "command": "ls -l; sudo rm x", "time": "2026-11-20T10:05:00Z", "principal": "Ana"},
		{"type": "command", "command": "ls -l", "time": "2026-11-20T12:00:00+02:00", "principal": "ana"},
		{"type": "login", "command": "not a command event", "time": "2026-11-20T09:59:00Z", "principal": null},
		{"type": "command", "command": 7, "time": 1795608000},
		{"type": "Command", "command": "echo other case", "time": "2026-02-30T10:00:00Z"},
		"not an event",
		["neither"],
	]
	lib.event_facts == {
		"timed": 3,
		"first_ns": custody.instant("2026-11-20T09:59:00Z"),
		"last_ns": custody.instant("2026-11-20T10:05:00Z"),
		"command_segments": {"ls -l", "sudo rm x"},
		"principals": {"Ana", "ana", null},
	} with input.evidence.events as events
}

test_event_facts_of_no_events if {
	lib.event_facts == {"timed": 0, "command_segments": set(), "principals": set()} with input.evidence.events as []
}

test_event_facts_when_events_are_not_a_list if {
	lib.event_facts == {"timed": 0, "command_segments": set(), "principals": set()} with input.evidence.events as {"file": "events.jsonl"}
}

test_event_facts_of_one_timed_event if {
	facts := lib.event_facts with input.evidence.events as [{"time": "2026-11-20T10:00:00.5Z"}]
	facts.timed == 1
	facts.first_ns == facts.last_ns
	facts.first_ns == custody.instant("2026-11-20T10:00:00.5Z")
}

# --- prose ---------------------------------------------------------------

test_people_reads_as_prose if {
	lib.people({"users": ["ravi.shah"], "groups": ["security-review"]}) == "user ravi.shah or a member of group security-review"
	lib.people({"users": ["a", "b"], "groups": []}) == "one of the users a, b"
	lib.people({"groups": ["x", "y"]}) == "a member of one of the groups x, y"
	lib.people({}) == "nobody declared"
	lib.people("odd") == "odd"
}

test_prose_list_shows_values_as_written if {
	lib.prose_list(["dba", "oncall"]) == "dba, oncall"
	lib.prose_list([]) == "none"
	lib.prose_list([1, "a"]) == "1, a"
	lib.prose_list("one") == "one"
}
