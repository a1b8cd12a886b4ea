# Shared helpers for the built-in workflow rules (CUS-W*, CUS-P003).
#
# Every helper reads `input` defensively: a governance field that is absent
# (or explicitly null) is "absent", never an evaluation error, so the rules
# that are about absence still fire.
package custody.workflow.lib

# Built-in rule parameters; data.custody.params (config `params`, --data)
# overrides them key by key.
default_params := {
	"retentionMinimum": "365d",
	"maxDuration": "8h",
	"breakGlassReviewMax": "72h",
	"credentialMaxAge": "90d",
}

# param(k) is the configured parameter k, else its built-in default.
param(k) := v if {
	v := data.custody.params[k]
	v != null
} else := default_params[k]

# get(path, d) is the value at path in the document, or d when it is absent
# or null.
get(path, d) := v if {
	v := object.get(input, path, null)
	v != null
} else := d

# present(path) holds when the document has a non-null value at path.
present(path) if object.get(input, path, null) != null

# blank(x): x is not a usable value (absent, null, or a whitespace-only string).
blank(x) if x == null

blank(x) if {
	is_string(x)
	trim_space(x) == ""
}

# text(path) holds when the value at path is a non-blank string.
text(path) if {
	v := object.get(input, path, null)
	is_string(v)
	trim_space(v) != ""
}

# strings_at(path) is the set of non-blank strings of the list at path
# (empty when the list is absent).
strings_at(path) := {s |
	some s in as_list(object.get(input, path, []))
	is_string(s)
	trim_space(s) != ""
}

# as_list(x) is x when it is an array, else the empty array.
as_list(x) := x if is_array(x)

else := []

# lowered(xs) is a set of strings compared case-insensitively (identities).
lowered(xs) := {lower(trim_space(s)) | some s in xs}

# has_members(path) holds when the {groups, users} object at path names at
# least one group or one user.
has_members(path) if count(strings_at(array.concat(path, ["groups"]))) > 0

has_members(path) if count(strings_at(array.concat(path, ["users"]))) > 0

# ---------------------------------------------------------------------------
# Sensitivity (SPEC §1): any target environment production/prod, or the
# label tier: critical, case-insensitively.

sensitive_environments := {"production", "prod"}

sensitive if {
	some t in as_list(get(["spec", "targets"], []))
	is_object(t)
	env := object.get(t, "environment", null)
	is_string(env)
	lower(trim_space(env)) in sensitive_environments
}

sensitive if {
	tier := get(["metadata", "labels", "tier"], null)
	is_string(tier)
	lower(trim_space(tier)) == "critical"
}

# Human-readable reason, for messages.
sensitive_reason := "it targets a production environment" if {
	some t in as_list(get(["spec", "targets"], []))
	is_object(t)
	env := object.get(t, "environment", null)
	is_string(env)
	lower(trim_space(env)) in sensitive_environments
} else := "it is labelled tier: critical"

# ---------------------------------------------------------------------------
# Approval and session settings with the defaults the SPEC implies.

# approval.mode; an absent approval block or mode means no approval ("none").
approval_mode := get(["spec", "approval", "mode"], "none")

approval_required if approval_mode != "none"

# approval_mode_text: the declared mode quoted, or "missing", for messages.
approval_mode_text := q(approval_mode) if present(["spec", "approval", "mode"])

else := "missing (no approval)"

# minApprovals absent means 1 (SPEC §10).
min_approvals := n if {
	n := get(["spec", "approval", "minApprovals"], 1)
	is_number(n)
} else := 1

# breakGlass.allowed absent means break-glass is not allowed.
break_glass_allowed if get(["spec", "breakGlass", "allowed"], false) == true

# session.recording; absent means nothing is recorded ("none").
recording_mode := get(["spec", "session", "recording"], "none")

# recording_mode_text: the declared recording quoted, or "missing", for messages.
recording_mode_text := q(recording_mode) if present(["spec", "session", "recording"])

else := "missing (nothing recorded)"

# ---------------------------------------------------------------------------
# Durations.

# duration_ns(s) is the duration string s in nanoseconds (undefined unless s
# is a string).
duration_ns(s) := custody.duration_ns(s) if is_string(s)

# over_param(s, k): duration s is strictly longer than parameter k (limits
# are inclusive: a value equal to the limit passes).
over_param(s, k) if duration_ns(s) > duration_ns(param(k))

# under_param(s, k): duration s is strictly shorter than parameter k.
under_param(s, k) if duration_ns(s) < duration_ns(param(k))

# q(x) quotes a value for a message.
q(x) := sprintf("%q", [x]) if is_string(x)

else := sprintf("%v", [x])
