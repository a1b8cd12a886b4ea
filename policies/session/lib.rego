# Shared helpers of the built-in session-bundle policies (custody.session.*).
#
# A session bundle is evaluated as `input`; Rust adds `input.custody` with the declared workflow
# (`input.custody.workflow`, absent when no manifest declares the bundle's `session.workflow`), the hash-chain
# verification (`chain`), facts about the recording file (`recording`) and the evaluation time (`now_ns`).
#
# Every helper here is total: it is undefined (never an error) for absent or malformed values, so that a
# rule guarding on it never aborts the evaluation of a bundle's other rules (builtin errors are strict).
package custody.session.lib

import rego.v1

# ---------------------------------------------------------------------------------------------------------
# The declared workflow
# ---------------------------------------------------------------------------------------------------------

# The workflow document named by `session.workflow`. Every rule other than CUS-S001 requires it (with
# no cascades: an unknown workflow is reported as CUS-S001 only).
workflow := input.custody.workflow if is_object(input.custody.workflow)

has_workflow if is_object(input.custody.workflow)

# The workflow's `spec` ({} when the document has none or it is not an object, so lookups stay undefined
# instead of failing).
spec := s if {
	has_workflow
	s := object.get(workflow, "spec", {})
	is_object(s)
}

spec := {} if {
	has_workflow
	not is_object(object.get(workflow, "spec", {}))
}

# `spec.approval.mode`. An absent approval block or mode means no approval (`none`), as the workflow
# policies read it (custody.workflow.lib): CUS-W004 reports a sensitive workflow without approval, so a
# session is not held to an approval its workflow never declared.
default approval_mode := "none"

approval_mode := m if {
	m := spec.approval.mode
	m != null
}

approval_required if approval_mode != "none"

per_session if approval_mode == "per-session"

standing if approval_mode == "standing"

# `spec.approval.minApprovals`, 1 when absent (docs/manifest.md).
default min_approvals := 1

min_approvals := n if {
	n := spec.approval.minApprovals
	is_number(n)
}

separation_of_duties if spec.approval.separationOfDuties == true

break_glass_allowed if spec.breakGlass.allowed == true

# ---------------------------------------------------------------------------------------------------------
# The bundle's records
# ---------------------------------------------------------------------------------------------------------

# The approval record; absent (or null) means "no approval".
approval := input.approval if is_object(input.approval)

has_approval if is_object(input.approval)

# A session is break-glass when `approval.breakGlass` is true (docs/bundle.md).
break_glass if input.approval.breakGlass == true

# `approval.grant` when it is present.
grant := input.approval.grant if is_object(input.approval.grant)

has_grant if is_object(input.approval.grant)

# `approval.decisions` as an array ([] when absent or malformed).
default decisions := []

decisions := d if {
	d := input.approval.decisions
	is_array(d)
}

# `evidence.events` as an array. Rust inlines an `{file: events.jsonl}` reference; anything else that is not
# a list (e.g. a reference that could not be read) counts as no events.
default events := []

events := e if {
	e := input.evidence.events
	is_array(e)
}

# What the rules would otherwise gather event by event, gathered by Rust in one pass over `events`
# (`custody.event_facts`; the rules decide what the facts mean):
# - `timed`: how many events have a `time` that is a valid instant (as `custody.instant` reads it);
# - `first_ns`, `last_ns`: the earliest and the latest of those instants (absent when none is valid);
# - `command_segments`: the set of the distinct segments (`custody.command_segments`) of the command lines of
#   the events whose `type` is `"command"` and whose `command` is a string;
# - `principals`: the set of the distinct values that events give as `principal`, whatever their type.
# An event that is not an object gives no fact.
event_facts := custody.event_facts(events)

# ---------------------------------------------------------------------------------------------------------
# Identities: compared as people read them (custody.identity: NFKC, invisible characters dropped, case-folded).
# ---------------------------------------------------------------------------------------------------------

# The form an identity string is compared in: trimmed, NFKC-normalised, without invisible characters and
# fully case-folded (`custody.identity`, computed in Rust: `Straße` and `STRASSE`, fullwidth and plain
# letters, `alex.kim` with and without a zero-width space are one identity); undefined for anything else.
id(x) := y if {
	is_string(x)
	y := custody.identity(x).key
	y != ""
}

# The UTS #39 confusable skeleton of an identity (a Cyrillic `а` and a Latin `a` have one skeleton).
# Separation of duties compares skeletons, so a look-alike of the requester counts as the requester; a few
# honest names collide too (`arnold`, `amold`), which is the safe side.
skeleton(x) := custody.identity(x).skeleton if id(x)

# The lowercase set of the identity strings of an array; {} for anything that is not an array.
id_set(xs) := {y | some x in xs; y := id(x)} if {
	is_array(xs)
} else := set()

# The lowercase principal (`identity.principal`); undefined when absent or empty (CUS-S003 reports that).
principal := id(input.identity.principal)

# The lowercase requester (`approval.requester`).
requester := id(input.approval.requester)

# The lowercase human an agent acted for (`identity.onBehalfOf`).
on_behalf_of := id(input.identity.onBehalfOf)

# `identity.kind`, `human` when absent.
default identity_kind := "human"

identity_kind := k if {
	k := input.identity.kind
	is_string(k)
}

# The principal's groups (lowercase).
principal_groups := id_set(input.identity.groups)

# The people who may not approve or review this session, as skeletons: the requester, the principal and the
# human an agent acted for.
conflicted contains skeleton(input.identity.principal)

conflicted contains skeleton(input.approval.requester)

conflicted contains skeleton(input.identity.onBehalfOf)

# True when `who` (an identity string) with `groups` (an array of group names) belongs to `members`, an
# object `{groups: [...], users: [...]}` of the workflow.
member_of(who, _, members) if id(who) in id_set(get(members, "users", []))

member_of(_, groups, members) if {
	theirs := id_set(get(members, "groups", []))
	some g in id_set(groups)
	g in theirs
}

# ---------------------------------------------------------------------------------------------------------
# Instants and durations
# ---------------------------------------------------------------------------------------------------------

# An RFC 3339 timestamp with an offset (`2026-11-20T10:02:00Z`, `…+02:00`, up to nine fractional digits) as
# integer nanoseconds since the epoch; undefined for anything else (absent, not a string, not a valid calendar
# instant such as February 30th), so a malformed value is treated as absent instead of aborting evaluation.
# The parsing is custody's `custody.instant` (Rust); the decisions about instants stay in the rules.
instant(s) := custody.instant(s)

# A duration string `<int><m|h|d>` as nanoseconds; undefined for anything else, including lengths that would
# overflow 64-bit nanoseconds (`custody.duration` is the total form of `custody.duration_ns`).
duration(s) := custody.duration(s)

# A duration of nanoseconds for messages, e.g. `406d 13h 19m` or `-5m 30s`.
human_duration(ns) := concat("", [_sign(ns), concat(" ", _parts(abs(ns)))])

_sign(ns) := "-" if ns < 0

_sign(ns) := "" if ns >= 0

_units := [[86400000000000, "d"], [3600000000000, "h"], [60000000000, "m"]]

_parts(n) := ["0s"] if n == 0

_parts(n) := array.concat(whole, secs) if {
	n != 0
	whole := [sprintf("%v%v", [q, unit]) |
		some i, pair in _units
		[u, unit] := pair
		q := floor(_rem(n, i) / u)
		q > 0
	]
	r := n % 60000000000
	secs := [sprintf("%vs", [r / 1000000000]) | r > 0]
}

# n modulo the unit above _units[i] (n itself for days).
_rem(n, 0) := n

_rem(n, i) := n % _units[i - 1][0] if i > 0

start_ns := custody.instant(input.session.start)

end_ns := custody.instant(input.session.end)

now_ns := input.custody.now_ns if is_number(input.custody.now_ns)

# A rule parameter: custody always sends data.custody.params, its defaults overridden by the config's
# `params` and --data (docs/policy-input.md).
param(name) := data.custody.params[name]

# A value for messages: a string quoted, anything else (null, absent…) as written.
show(x) := sprintf("%q", [x]) if {
	is_string(x)
} else := sprintf("%v", [x])

# A list as prose: its items as written (strings bare, other values as JSON), comma-separated; "none" when
# empty; `x` itself when it is not a list.
prose_list(xs) := "none" if {
	is_array(xs)
	count(xs) == 0
} else := concat(", ", [_bare(x) | some x in xs]) if {
	is_array(xs)
} else := _bare(xs)

_bare(x) := x if is_string(x) else := sprintf("%v", [x])

# Who a workflow's people selector (`{users: [...], groups: [...]}`) admits, as prose: "user a or a member
# of group c", "one of the users a, b or a member of one of the groups c, d"; "nobody declared" when it
# lists no one.
people(sel) := text if {
	is_object(sel)
	users := [u | some u in object.get(sel, "users", []); is_string(u)]
	groups := [g | some g in object.get(sel, "groups", []); is_string(g)]
	parts := array.concat(
		[sprintf("%s %s", [_several(users, "user", "one of the users"), concat(", ", users)]) | count(users) > 0],
		[sprintf("%s %s", [_several(groups, "a member of group", "a member of one of the groups"), concat(", ", groups)]) | count(groups) > 0],
	)
	text := _people_text(parts)
} else := sprintf("%v", [sel])

_several(xs, one, many) := one if count(xs) == 1 else := many

_people_text(parts) := "nobody declared" if count(parts) == 0

_people_text(parts) := concat(" or ", parts) if count(parts) > 0

# object.get that never errors: `default` when `x` is not an object or the path is absent. `path` is a key
# or an array of keys.
get(x, path, dflt) := object.get(x, path, dflt) if {
	is_object(x)
} else := dflt

# The workflow's metadata.id, for messages.
workflow_id := wid if {
	wid := get(get(workflow, "metadata", {}), "id", null)
	is_string(wid)
}

workflow_id := sprintf("%v", [get(get(workflow, "metadata", {}), "id", null)]) if {
	has_workflow
	not is_string(get(get(workflow, "metadata", {}), "id", null))
}

# `x` when it is an array, else [] (iterating over anything else is an error under strict builtins).
list(x) := x if {
	is_array(x)
} else := []
