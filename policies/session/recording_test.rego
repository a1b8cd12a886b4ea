package custody.session.recording_test

import rego.v1

import data.custody.session.fixtures_test as fx

test_s012_full_recording_passes if {
	inp := fx.valid_input
	not "CUS-S012" in fx.ids with input as inp
}

test_s012_weaker_than_declared if {
	inp := fx.patch({"evidence": {"recording": {"mode": "commands"}}})
	fx.findings == {fx.err("CUS-S012", ["evidence", "recording", "mode"])} with input as inp
}

test_s012_none_recorded if {
	inp := fx.patch({"evidence": {"recording": {"mode": "none"}}})
	fx.findings == {fx.err("CUS-S012", ["evidence", "recording", "mode"])} with input as inp
}

test_s012_absent_recording if {
	inp := fx.without(fx.valid_input, ["evidence/recording"])
	fx.findings == {fx.err("CUS-S012", ["evidence", "recording"])} with input as inp
}

test_s012_recording_file_missing if {
	inp := fx.patch({"custody": {"recording": {"file": false, "sha256_ok": null}}})
	fx.findings == {fx.err("CUS-S012", ["evidence", "recording", "file"])} with input as inp
}

test_s012_stronger_than_declared_passes if {
	inp := fx.patch_spec({"session": {"recording": "commands"}})
	fx.findings == set() with input as inp
}

test_s012_commands_meets_commands if {
	inp := fx.patch({"evidence": {"recording": {"mode": "commands"}}, "custody": {"workflow": {"spec": {"session": {"recording": "commands"}}}}})
	fx.findings == set() with input as inp
}

test_s012_nothing_required if {
	inp := fx.without(fx.patch_spec({"session": {"recording": "none"}}), ["evidence/recording"])
	fx.findings == set() with input as inp
}
