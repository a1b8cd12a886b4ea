# Shared helpers for the built-in workflow rules (CUS-W*, CUS-P003).
#
# Types are as the workflow JSON Schema fixes them (schema validation runs
# before any policy), so present fields are read directly; absent fields are
# read with object.get defaults so the rules about absence still fire.
#
# Performance (regorus): import lib rules one by one
# (`import data.custody.workflow.lib.sensitive`) and use them bare; reading a
# rule through the package alias (`lib.sensitive`) makes regorus evaluate the
# whole package. Builtins are much cheaper than user functions, so the rules
# use object.get directly rather than wrapper functions.
package custody.workflow.lib

# Rule parameters: custody always sends data.custody.params, its defaults
# overridden by the config's `params` and --data (docs/policy-input.md).
params := data.custody.params

# ---------------------------------------------------------------------------
# Sensitivity (docs/manifest.md): any target environment production/prod, or the
# label tier: critical, both case-insensitive.

sensitive_environments := {"production", "prod"}

production_target if {
	some t in object.get(input, ["spec", "targets"], [])
	lower(trim_space(object.get(t, "environment", ""))) in sensitive_environments
}

critical_tier if lower(trim_space(object.get(input, ["metadata", "labels", "tier"], ""))) == "critical"

sensitive if production_target

sensitive if critical_tier

# Human-readable reason, for messages.
sensitive_reason := "it targets a production environment" if production_target

else := "it is labelled tier: critical"

# ---------------------------------------------------------------------------
# Approval: an absent approval block or mode means no approval ("none").

approval_mode := object.get(input, ["spec", "approval", "mode"], "none")

approval_required if approval_mode != "none"

# approval_mode_text: the declared mode quoted, or "missing", for messages. (Two rules rather than
# `else`: regorus's VM leaves an `else` undefined when the body reads through an absent object.)
approval_mode_text := sprintf("%q", [input.spec.approval.mode]) if _declares_approval_mode

approval_mode_text := "missing (no approval)" if not _declares_approval_mode

_declares_approval_mode if _ = input.spec.approval.mode

# ---------------------------------------------------------------------------
# Session recording: absent means nothing is recorded ("none").

recording_mode := object.get(input, ["spec", "session", "recording"], "none")

# recording_mode_text: the declared recording quoted, or "missing", for messages (two rules, as for
# approval_mode_text).
recording_mode_text := sprintf("%q", [input.spec.session.recording]) if _declares_recording

recording_mode_text := "missing (nothing recorded)" if not _declares_recording

_declares_recording if _ = input.spec.session.recording

# ---------------------------------------------------------------------------
# Functions

# has_members(o): the {groups, users} object o names at least one
# (non-blank) group or user.
has_members(o) if {
	some s in object.get(o, "groups", [])
	trim_space(s) != ""
}

has_members(o) if {
	some s in object.get(o, "users", [])
	trim_space(s) != ""
}

# names(xs) is the set of non-blank strings of xs, trimmed and lower-cased
# (identities and groups compare case-insensitively).
names(xs) := {lower(trim_space(s)) | some s in xs; trim_space(s) != ""}
