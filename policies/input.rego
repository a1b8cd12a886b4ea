# Catalogue entries for the checks custody performs in Rust before any policy runs (parsing, schema) and for
# its configuration hygiene. They are mechanics, not governance decisions, so they have no Rego body; their
# metadata lives here so that `custody rules` and `custody explain` describe every id in one place.
package custody.input

# METADATA
# title: File cannot be parsed
# description: >-
#   The file is not valid YAML or JSON, is not UTF-8, holds duplicate keys or unsupported tags, exceeds a
#   resource budget (size, depth, aliases, nodes), or names a referenced file that is missing or escapes the
#   bundle directory. Nothing in it could be evaluated, so the run fails closed.
# custom:
#   id: CUS-P001
#   severity: error
#   frameworks:
#     - NIST-800-53:AU-9
#     - NIST-CSF-2.0:GV.PO-01
#   remediation: >-
#     Fix the syntax at the line and column shown (a YAML linter helps), save the file as UTF-8, remove the
#     duplicate key or the tag; when the message names a budget (limits.maxFileSize, limits.maxDepth, …),
#     split the input or, for input you trust, raise that budget under limits: in .custody.yaml.
parse_checked := true

# METADATA
# title: Document does not match its schema
# description: >-
#   A custody document has a field of the wrong type, an unknown field (often a typo such as `aproval`), a
#   value outside its allowed set, an invalid ticket regex or host/command glob, an integer beyond ±(2^53−1),
#   a float inside an evidence event, or an unsupported apiVersion. A misspelt governance field would
#   otherwise be silently ignored.
# custom:
#   id: CUS-P002
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:GV.PO-01
#     - NIST-800-53:CM-3
#   remediation: >-
#     Correct the field named in the message; `custody schema workflow` (or `bundle`) prints the JSON Schema,
#     and the `# yaml-language-server: $schema=...` line makes editors flag such errors as you type.
schema_checked := true

# METADATA
# title: Duplicate session id
# description: >-
#   Two session bundles of one check run carry the same session.id. Their hash chains start from the same
#   genesis (the SHA-256 of the session id), so events can be moved from one bundle to the other without
#   breaking either chain, and an exception scoped to the session would waive findings of both. Reported on
#   every bundle after the first that uses the id; all of them are still evaluated.
# custom:
#   id: CUS-P004
#   severity: error
#   frameworks:
#     - NIST-800-53:AU-9
#     - NIST-CSF-2.0:PR.DS-01
#   remediation: >-
#     Give every session its own id (the id of the system that recorded the session, such as Teleport's sid),
#     then reseal the renamed bundle with `custody seal --reseal`; if the two files are copies of one session,
#     delete the stale copy.
sessions_checked := true

# METADATA
# title: Exception has expired
# description: >-
#   A waiver in .custody.yaml is past its `expires` date (valid through that day, UTC), so it no longer
#   applies and the findings it waived are reported again.
# custom:
#   id: CUS-C001
#   severity: warning
#   frameworks:
#     - NIST-CSF-2.0:GV.PO-01
#   remediation: >-
#     Fix the underlying findings and delete the exception, or renew it with a new `expires` date and a
#     reason that records who accepted the risk.
exceptions_checked := true

# METADATA
# title: Exception matched nothing
# description: >-
#   A waiver in .custody.yaml matched no finding in this run. It may be stale (the problem was fixed, or the
#   workflow or session was renamed) and would silently waive a future regression.
# custom:
#   id: CUS-C002
#   severity: warning
#   frameworks:
#     - NIST-CSF-2.0:GV.PO-01
#   remediation: >-
#     Delete the exception if the finding is gone, or correct its rule, workflow or session.
stale_checked := true
