package custody.session.all_test

import rego.v1

import data.custody.session.fixtures_test as fx

# Note: regorus needs `with input as` to take a local variable, not a rule reference.

test_valid_bundle_has_no_findings if {
	inp := fx.valid_input
	fx.findings == set() with input as inp
}
