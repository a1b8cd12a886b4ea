use super::yaml::options;
use super::*;

fn parse(text: &str) -> Vec<Node> {
    parse_documents(text, &Budgets::default()).expect("parses")
}

/// The vendored regorus orders values by hand (a fast path for strings): the same order as its derived
/// `PartialOrd`, which is the order `derive(Ord)` gave, on values of every kind and strings that share
/// prefixes, are empty or are not ASCII.
#[test]
fn regorus_value_order_is_the_derived_order() {
    let json = |t: &str| regorus::Value::from_json_str(t).unwrap();
    let mut values = vec![
        regorus::Value::Null,
        regorus::Value::Undefined,
        regorus::Value::from(false),
        regorus::Value::from(true),
        regorus::Value::from(-1_i64),
        regorus::Value::from(2.5),
        regorus::Value::from(10_i64),
        regorus::Value::new_set(),
        json(r#"["a", 1]"#),
        json(r#"["a", 2]"#),
        json(r#"{"k": "v"}"#),
        json(r#"{"k": "w", "a": null}"#),
        regorus::Value::from(
            ["b", "a"]
                .iter()
                .map(|s| regorus::Value::from(*s))
                .collect::<std::collections::BTreeSet<_>>(),
        ),
    ];
    for s in [
        "", "a", "ab", "abc", "b", "B", "é", "éa", "z", "seq", "session", "time", "type",
    ] {
        values.push(regorus::Value::from(s));
    }
    for a in &values {
        for b in &values {
            assert_eq!(Some(a.cmp(b)), a.partial_cmp(b), "{a:?} vs {b:?}");
        }
    }
    let mut sorted = values.clone();
    sorted.sort();
    assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
}

/// The policy input is the document as regorus reads the same JSON: objects whose keys were written
/// in any order (sorted once by `Object::from_entries`) look up, compare and iterate alike.
#[test]
fn policy_values_equal_regorus_own_reading() {
    let text =
        r#"{"z": 1, "b": {"y": [true, null, "s"], "a": -2}, "a": {}, "m": [{"k": 1, "c": 2}]}"#;
    let ours = parse(text)[0].to_rego();
    let theirs = regorus::Value::from_json_str(text).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(ours["b"]["a"], regorus::Value::from(-2_i64));
    assert_eq!(ours["m"][0]["c"], regorus::Value::from(2_i64));
    let keys: Vec<_> = ours
        .as_object()
        .unwrap()
        .iter_sorted()
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(keys, ["a", "b", "m", "z"].map(regorus::Value::from));
    // Repeated keys (which documents never have) keep the last value, as a BTreeMap does.
    let repeated = regorus::value::Object::from_entries(vec![
        (regorus::Value::from("k"), regorus::Value::from(1_i64)),
        (regorus::Value::from("a"), regorus::Value::Null),
        (regorus::Value::from("k"), regorus::Value::from(2_i64)),
    ]);
    assert_eq!(repeated.len(), 2);
    assert_eq!(
        repeated.get(&regorus::Value::from("k")),
        Some(&regorus::Value::from(2_i64))
    );
}

#[test]
fn keys_and_items_keep_positions() {
    let docs = parse("a:\n  b: 1\n  list:\n    - x: 1\n    - plain\n");
    let doc = &docs[0];
    let b = doc.locate(&[Step::Key("a".into()), Step::Key("b".into())]);
    assert_eq!((b.pos.line, b.pos.column, b.exact), (2, 3, true));
    let item = doc.locate(&[
        Step::Key("a".into()),
        Step::Key("list".into()),
        Step::Index(1),
    ]);
    assert_eq!((item.pos.line, item.pos.column), (5, 7));
    let missing = doc.locate(&[Step::Key("a".into()), Step::Key("zzz".into())]);
    assert_eq!((missing.pos.line, missing.exact), (1, false));
    assert_eq!(b.pos.offset, Some(5));
}

#[test]
fn yaml_12_core_schema_scalars() {
    let docs =
        parse("a: yes\nb: 2026-11-20T10:02:00Z\nc: 1_000\nd: null\ne: ~\nf: 0x1F\ng: true\n");
    let json = docs[0].to_json();
    assert_eq!(json["f"], 31);
    assert_eq!(json["a"], "yes");
    assert_eq!(json["b"], "2026-11-20T10:02:00Z");
    assert_eq!(json["c"], "1_000");
    assert!(json["d"].is_null() && json["e"].is_null());
    assert_eq!(json["g"], true);
}

#[test]
fn integers_are_read_as_the_yaml_12_core_schema_reads_them() {
    // (written, core-schema value as JSON): serde-saphyr alone reads several of these otherwise.
    let cases = [
        ("0x1F", "31"),
        ("0x1f", "31"),
        ("0o17", "15"),
        ("017", "17"),
        ("-017", "-17"),
        ("+017", "17"),
        ("+12", "12"),
        ("-0", "0"),
        ("00", "0"),
        ("0b101", "\"0b101\""),
        ("-0x1F", "\"-0x1F\""),
        ("+0o17", "\"+0o17\""),
        ("0X1F", "\"0X1F\""),
        ("0o8", "\"0o8\""),
        ("0x", "\"0x\""),
        ("1_000", "\"1_000\""),
        ("'017'", "\"017\""),
        ("\"0b1\"", "\"0b1\""),
        ("!!str 017", "\"017\""),
        ("!!float 017", "17.0"),
        ("0x1FFFFFFFFFFFFFFFF", "3.6893488147419103e19"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("-9223372036854775809", "-9.223372036854776e18"),
    ];
    for (written, want) in cases {
        let want: serde_json::Value = serde_json::from_str(want).unwrap();
        // Both readers: the block fast path and serde-saphyr (a flow mapping is read by serde-saphyr).
        for text in [format!("a: {written}\n"), format!("{{a: {written}}}\n")] {
            let docs = parse(&text);
            assert_eq!(docs[0].to_json()["a"], want, "{text:?}");
        }
        // In a sequence, and through an anchor and its alias.
        let docs = parse(&format!(
            "a: [{written}]\nb: &n {written}\nc: *n\nd: [&m {written}, *m]\n"
        ));
        let json = docs[0].to_json();
        if !written.starts_with('!') {
            assert_eq!(json["a"][0], want, "{written} in a sequence");
            assert_eq!(json["b"], want, "{written} anchored");
            assert_eq!(json["c"], want, "{written} through an alias");
            assert_eq!(
                json["d"][1], want,
                "{written} through an alias in a flow sequence"
            );
        }
    }
    // Aliases of anchored collections take their anchor's corrected values and keep their own positions;
    // properties may end the line before a block collection, a comment after them.
    let text =
        "a: &x {b: 0b101, c: 017}\nd: *x\ne: &y # note\n  - 0b1\n  - 017\nf: *y\ng: !!str\n  017\n";
    let docs = parse(text);
    let json = docs[0].to_json();
    let want = serde_json::json!({
        "a": {"b": "0b101", "c": 17}, "d": {"b": "0b101", "c": 17},
        "e": ["0b1", 17], "f": ["0b1", 17], "g": "017",
    });
    assert_eq!(json, want);
    // Non-ASCII text before and around the scalars: positions are byte offsets.
    let wide = parse("ü€: &ä 017\nß: [*ä, 0b1]\n\"😀\": {k: 0x1F}\n");
    assert_eq!(
        wide[0].to_json(),
        serde_json::json!({"ü€": 17, "ß": [17, "0b1"], "😀": {"k": 31}})
    );
    let alias = docs[0].at(&["d", "c"]).unwrap();
    assert_eq!(
        alias.pos.line, 2,
        "an alias's values keep the alias's position"
    );
    // A core-schema integer beyond ±(2^53−1) is reported, whichever base it is written in.
    for written in [
        "0x20000000000000",
        "9007199254740992",
        "0x1FFFFFFFFFFFFFFFF",
    ] {
        let docs = parse(&format!("a: {written}\n"));
        let mut path = Vec::new();
        let mut big = false;
        docs[0].walk(&mut path, &mut |_, n| {
            big |= matches!(n.value, Value::Int(i) if i > MAX_SAFE_INT)
                || matches!(n.value, Value::Float(f) if f > MAX_SAFE_INT as f64);
        });
        assert!(big, "{written}");
    }
}

#[test]
fn duplicate_keys_and_tags_are_errors() {
    let err = parse_documents("a: 1\na: 2\n", &Budgets::default()).unwrap_err();
    assert!(err.message.to_lowercase().contains("duplicate"), "{err:?}");
    assert_eq!(err.pos.map(|p| p.line), Some(2));
    let err = parse_documents("a: !!python/object:os.system x\n", &Budgets::default()).unwrap_err();
    assert!(err.pos.is_some(), "{err:?}");
    let err = parse_documents("{\"a\": 1, \"a\": 2}", &Budgets::default()).unwrap_err();
    assert!(err.message.to_lowercase().contains("duplicate"), "{err:?}");
}

#[test]
fn multi_document_and_json() {
    let docs = parse("---\na: 1\n---\n---\nb: [1, 2]\n");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].pos.line, 5);
    let docs = parse("{\n  \"a\": {\"b\": true}\n}\n");
    let b = docs[0].locate(&[Step::Key("a".into()), Step::Key("b".into())]);
    assert_eq!((b.pos.line, b.pos.column), (2, 9));
}

#[test]
fn syntax_errors_have_positions() {
    let err = parse_documents("a: [1, 2\nb: 3\n", &Budgets::default()).unwrap_err();
    assert!(err.pos.is_some(), "{err:?}");
    let err = decode(b"a: 1\nb: \xff\n").unwrap_err();
    assert_eq!(err.pos.map(|p| (p.line, p.column)), Some((2, 4)));
    assert_eq!(decode(b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
}

#[test]
fn only_named_budgets_apply() {
    // The parser's own event ceiling (1,000,000 by default; a 16 MiB file of 5,000 manifests passed it)
    // follows the node budget, so only named budgets can trip.
    let budget = options(&Budgets::default()).budget.expect("budget set");
    assert!(budget.max_events >= 2 * Budgets::default().max_nodes);
    let text = format!("[{}]", "0,".repeat(2_000));
    assert_eq!(parse(&text).len(), 1);
    let small = Budgets {
        max_nodes: 1_000,
        ..Budgets::default()
    };
    let err = parse_documents(&text, &small).unwrap_err();
    assert!(err.message.contains("(limits.maxNodes)"), "{err:?}");
}

#[test]
fn alias_bombs_are_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
    }
    assert!(parse_documents(&text, &Budgets::default()).is_err());
}

#[test]
fn files_decode_from_utf8_utf16_and_utf32() {
    let text = "a: \"é 😀\"\n";
    let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32le: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_le_bytes())
        .collect();
    let utf32be: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_be_bytes())
        .collect();
    for (bom, body) in [
        (&b"\xEF\xBB\xBF"[..], text.as_bytes().to_vec()),
        (&b""[..], text.as_bytes().to_vec()),
        (&b"\xFF\xFE"[..], utf16le.clone()),
        (&b""[..], utf16le.clone()),
        (&b"\xFE\xFF"[..], utf16be.clone()),
        (&b""[..], utf16be),
        (&b"\xFF\xFE\0\0"[..], utf32le.clone()),
        (&b""[..], utf32le),
        (&b"\0\0\xFE\xFF"[..], utf32be),
    ] {
        let bytes = [bom, &body].concat();
        assert_eq!(decode_text(&bytes).unwrap(), text, "{bytes:?}");
    }
    // An unpaired surrogate and a file cut in the middle of a code unit are errors with a position.
    let mut broken = b"\xFF\xFEa\0\n\0".to_vec();
    broken.extend([0x00, 0xD8, b'b', 0]);
    let err = decode_text(&broken).unwrap_err();
    assert!(err.message.contains("UTF-16LE"), "{err:?}");
    assert_eq!(err.pos.map(|p| (p.line, p.column)), Some((2, 1)));
    assert!(decode_text(&utf16le[..utf16le.len() - 1]).is_err());
}
