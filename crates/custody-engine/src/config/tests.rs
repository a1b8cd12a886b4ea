use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(".custody.yaml", text.to_owned())
}

#[test]
fn full_config_loads() {
    let c = parse(
        "policies: [policies/]\nlimits: {maxFileSize: 1MiB}\nexclude: [\"examples/**\"]\nparams:\n  maxDuration: 4h\nrules:\n  CUS-W006: off\nexceptions:\n  - rule: CUS-W016\n    workflow: legacy\n    reason: tracked in CHG0099999\n    expires: 2027-03-31\n",
    )
    .unwrap();
    assert_eq!(c.max_file_size, Some(1 << 20));
    assert_eq!(c.params["maxDuration"], "4h");
    assert_eq!(c.rules_off(), ["CUS-W006"]);
    assert_eq!(
        c.exceptions[0].scope,
        ExceptionScope::Workflow("legacy".into())
    );
    assert_eq!(
        c.exceptions[0].expires_end_ns,
        crate::units::instant_ns("2027-04-01T00:00:00Z").unwrap() - 1
    );
}

#[test]
fn limits_are_validated_and_applied() {
    let c = parse("limits:\n  maxDepth: 64\n  maxEvents: 10\n  maxLineLength: 1KiB\n").unwrap();
    let b = c.budgets();
    assert_eq!((b.max_depth, b.max_events, b.max_line), (64, 10, 1024));
    let e = parse("limits:\n  maxDepth: 100000\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("at most"), "{}", e.message);
    let e = parse("limits:\n  maxEvnts: 3\n").unwrap_err();
    assert!(e.message.contains("maxEvnts"));
    assert!(parse("limits:\n  maxNodes: lots\n").is_err());
    assert!(parse("limits:\n  maxEvents: 0\n").is_err());
}

#[test]
fn unknown_keys_name_their_line() {
    let e = parse("params:\n  maxDuraton: 4h\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 3));
    assert!(e.message.contains("maxDuraton"));
}

#[test]
fn governance_of_exceptions() {
    let no_reason =
        parse("exceptions:\n  - rule: CUS-W016\n    workflow: x\n    expires: 2027-01-01\n");
    assert!(no_reason.unwrap_err().message.contains("reason"));
    let no_expiry = parse("exceptions:\n  - rule: CUS-W016\n    workflow: x\n    reason: y\n");
    assert!(no_expiry.unwrap_err().message.contains("expires"));
    let locked = parse(
        "exceptions:\n  - rule: CUS-S013\n    session: x\n    reason: y\n    expires: 2027-01-01\n",
    );
    assert!(locked.is_err());
    assert!(parse("rules:\n  CUS-P001: off\n").is_err());
    assert!(parse("rules:\n  CUS-S013: warning\n").is_err());
    assert!(parse("rules:\n  CUS-S022: off\n").is_err());
    assert!(parse("rules:\n  CUS-S020: off\n").is_err());
    assert!(parse("rules:\n  CUS-S020: warning\n").is_err());
    assert!(parse(
        "exceptions:\n  - rule: CUS-S020\n    workflow: x\n    reason: y\n    expires: 2027-01-01\n"
    )
    .is_err());
    assert!(parse("rules:\n  CUS-W001: sometimes\n").is_err());
}

#[test]
fn trust_names_the_allowed_signers_file() {
    let c = parse("trust:\n  allowedSigners: keys/allowed_signers\n").unwrap();
    assert_eq!(
        c.allowed_signers,
        Some(PathBuf::from("keys/allowed_signers"))
    );
    let e = parse("trust:\n  allowedSigner: x\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(parse("trust:\n  allowedSigners: 3\n").is_err());
    let mut c = c;
    c.rebase(Path::new("conf"));
    assert_eq!(
        c.allowed_signers,
        Some(PathBuf::from("conf/keys/allowed_signers"))
    );
}

#[test]
fn rule_ids_are_checked_against_the_catalogue() {
    let c = parse("rules:\n  CUS-W999: off\n").unwrap();
    let e = c.check_rule_ids(&["CUS-W001".to_owned()]).unwrap_err();
    assert_eq!(e.line, 2);
}
