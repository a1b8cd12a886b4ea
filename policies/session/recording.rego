# CUS-S012: the session was recorded at least as fully as the workflow declares.
package custody.session.recording

import rego.v1

import data.custody.session.lib

strength := {"none": 0, "commands": 1, "full": 2}

required := m if {
	m := object.get(lib.spec, ["session", "recording"], null)
	strength[m]
}

recording := input.evidence.recording if is_object(input.evidence.recording)

# The mode the evidence records; an unknown or absent mode counts as none.
default actual := "none"

actual := m if {
	m := recording.mode
	strength[m]
}

# A recording file the bundle names but custody could not read (input.custody.recording.file false).
file_missing if {
	is_string(recording.file)
	input.custody.recording.file == false
}

# METADATA
# title: Recording absent or weaker than declared
# description: >-
#   The workflow's session.recording (full > commands > none) is the least evidence a session must have.
#   An absent evidence.recording counts as none, and a full recording whose file is missing from the bundle
#   is no full recording.
# custom:
#   id: CUS-S012
#   severity: error
#   frameworks:
#     - NIST-CSF-2.0:PR.PS-04
#     - NIST-800-53:AU-14
#     - NIST-800-53:AC-6(9)
#     - PCI-DSS-4.0:10.2.1.2
#   remediation: >-
#     Record sessions of this workflow at the declared level (enable session recording on the access path)
#     and bundle the recording with the session; investigate a session that ran unrecorded.
deny contains f if {
	lib.has_workflow
	strength[required] > 0
	not recording
	f := {
		"id": "CUS-S012",
		"msg": sprintf("workflow %q requires %v recording but the bundle has no evidence.recording: record the session and bundle the recording", [lib.workflow_id, required]),
		"path": ["evidence", "recording"],
	}
}

deny contains f if {
	lib.has_workflow
	recording
	strength[actual] < strength[required]
	f := {
		"id": "CUS-S012",
		"msg": sprintf("the recording mode is %v but workflow %q requires %v: record sessions at least as fully as declared", [lib.show(lib.get(recording, "mode", null)), lib.workflow_id, required]),
		"path": ["evidence", "recording", "mode"],
	}
}

deny contains f if {
	lib.has_workflow
	required == "full"
	actual == "full"
	file_missing
	f := {
		"id": "CUS-S012",
		"msg": sprintf("the full recording %q is missing from the bundle and workflow %q requires full recording: bundle the recording file", [recording.file, lib.workflow_id]),
		"path": ["evidence", "recording", "file"],
	}
}
