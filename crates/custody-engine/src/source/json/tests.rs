use super::*;
use crate::source::parse_documents_saphyr as parse_documents;

fn slow(text: &str) -> Node {
    let mut docs = parse_documents(text, &Budgets::default()).expect("serde-saphyr parses it");
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

fn same(text: &str) {
    let fast = parse_record(text, &Budgets::default())
        .unwrap_or_else(|| panic!("the fast path declined {text}"));
    assert_eq!(fast, slow(text), "{text}");
}

#[test]
fn plain_records_parse_as_serde_saphyr_parses_them() {
    same(r#"{"a":1,"bé":{"c":[true,null,"x\u00e9y",-5,0,[]]},"d":"é\"q\\/\n\t","e":{}}"#);
    same(r#"  { "k" : [ 1 , { "z" : "ü€😀" } ] , "n": -9223372036854775808 }  "#);
    same(
        r#"{"apiVersion":"custody/v1","kind":"SessionBundle","session":{"id":"s-1","start":"2026-11-07T02:59:21Z"}}"#,
    );
    same("{\"a\": [1, 2]}\n");
    same("{\"a\": [1, 2]}\r\n");
}

#[test]
fn anything_unusual_is_left_to_serde_saphyr() {
    for text in [
        r#"{"a":1.5}"#,
        r#"{"a":1e3}"#,
        r#"{"a":99999999999999999999}"#,
        r#"{"a":"\ud83d\ude00"}"#,
        "{\"a\":\"x\u{2028}y\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\t1}",
        r#"{"a":1,"a":2}"#,
        r#"{"a":01}"#,
        r#"{"a":tru}"#,
        r#"{"a":1}x"#,
        r#"{"a":1"#,
        r#"[1,2]"#,
        r#"null"#,
        r#"{"a":1,}"#,
        r#"{a:1}"#,
    ] {
        assert!(parse_record(text, &Budgets::default()).is_none(), "{text}");
    }
}

#[test]
fn budgets_are_left_to_serde_saphyr() {
    let deep = format!("{}1{}", "{\"a\":".repeat(40), "}".repeat(40));
    let budgets = Budgets {
        max_depth: 32,
        ..Budgets::default()
    };
    assert!(parse_record(&deep, &budgets).is_none());
    assert!(parse_record(&deep, &Budgets::default()).is_some());
}

fn strict(text: &str) -> Result<Node, ParseError> {
    parse_text(text, &Budgets::default())
}

#[test]
fn json_files_parse_as_serde_saphyr_parses_them() {
    for text in [
        "{\n  \"a\": {\"b\": true},\n  \"c\": [1.5, -0, 1E2, 2.5e-3, 12345678901234567890, \"x\\u00e9\\ud83d\\ude00\\/\"]\n}\n",
        "{\r\n  \"a\" : [ ],\r\n  \"b\" : { }, \"\u{e9}\u{1f600}\": \"\u{ff5e}\"\r\n}",
        "[{\"apiVersion\": \"custody/v1\"},\n {\"kind\": \"Workflow\", \"n\": null}]",
        "{\"$schema\": \"../schemas/workflow.schema.json\", \"a\": \"x\\\"y\\\\z\"}",
        // Tabs, lone carriage returns, and characters YAML 1.1 treated as line breaks.
        "{\n\t\"a\": 1,\r\"b\": [\n\t\t2\n\t]\n}",
        "{\"a\": \"x\u{2028}y\u{85}z\u{feff}\", \"b\": \"\\u2028\", \"c\": 1}",
    ] {
        assert_eq!(strict(text).unwrap(), slow(text), "{text}");
    }
    // Tabs and lone carriage returns are JSON white space; a lone `\r` ends a line.
    let node = strict("{\r\t\"a\":\t[1,\r\n\t\t2]\n}").unwrap();
    let a = node.get("a").unwrap();
    assert_eq!((a.pos.line, a.pos.column, a.pos.offset), (2, 7, Some(8)));
    let Value::Seq(items) = &a.value else {
        panic!("{a:?}")
    };
    assert_eq!((items[1].pos.line, items[1].pos.column), (3, 3));
    // A long key, which YAML would refuse as an implicit key, is JSON.
    let long = format!("{{\"{}\": 1}}", "k".repeat(2_000));
    assert!(strict(&long).is_ok());
}

#[test]
fn every_deviation_is_an_error_at_the_offending_byte() {
    for (text, line, column, words) in [
        ("{\"a\": [1, 2,]}", 1, 12, "a trailing comma before `]`"),
        ("{\n  \"a\": 1,\n}", 2, 9, "a trailing comma before `}`"),
        ("{\"a\": 1} // note", 1, 10, "a `//` comment"),
        ("{\n  /* c */ \"a\": 1}", 2, 3, "a `/*` comment"),
        ("# c\n{}", 1, 1, "a `#` comment"),
        ("{\"a\": 'x'}", 1, 7, "a single-quoted string"),
        ("{'a': 1}", 1, 2, "a single-quoted key"),
        ("{a: 1}", 1, 2, "an unquoted key `a`"),
        ("{\"a\": 017}", 1, 7, "leading zeros"),
        ("{\"a\": -00}", 1, 7, "leading zeros"),
        ("{\"a\": NaN}", 1, 7, "no NaN"),
        ("{\"a\": -Infinity}", 1, 7, "no NaN or infinities"),
        ("{\"a\": +1}", 1, 7, "no leading `+`"),
        ("{\"a\": .5}", 1, 7, "digits on both sides"),
        ("{\"a\": 1.}", 1, 7, "digits on both sides"),
        ("{\"a\": 0x1F}", 1, 7, "decimal"),
        ("{\"a\": 1e400}", 1, 7, "beyond the range"),
        ("{\"a\": True}", 1, 7, "write `true`"),
        ("{\"a\": yes}", 1, 7, "double quotes"),
        ("{\"a\": \"x\ty\"}", 1, 9, "a tab (U+0009) inside a string"),
        ("{\"a\": \"x\ny\"}", 1, 9, "a line break (U+000A)"),
        ("{\"a\": \"x\u{1}\"}", 1, 9, "write `\\u0001`"),
        ("{\"a\": \"\\x41\"}", 1, 8, "unknown escape `\\x`"),
        ("{\"a\": \"\\'\"}", 1, 8, "unknown escape `\\'`"),
        ("{\"a\": \"\\u12\"}", 1, 8, "four hexadecimal digits"),
        ("{\"a\": \"\\ud800\"}", 1, 8, "lone surrogate `\\ud800`"),
        (
            "{\"a\": \"\\udc00\\ud800\"}",
            1,
            8,
            "lone surrogate `\\udc00`",
        ),
        (
            "{\"a\": 1,\n \"a\": 2}",
            2,
            2,
            "duplicate key `a` (first at line 1, column 2)",
        ),
        ("{\"a\": 1} {\"b\": 2}", 1, 10, "a second JSON value"),
        ("{\"a\": 1} x", 1, 10, "`x` after the JSON value"),
        ("{\"a\": 1 \"b\": 2}", 1, 9, "a missing comma"),
        ("[1 2]", 1, 4, "a missing comma"),
        ("{\"a\" 1}", 1, 6, "expected `:`"),
        ("{\"a\": [1, 2}", 1, 12, "expected `,` or `]`"),
        (
            "{\"a\": 1",
            1,
            8,
            "ends inside the object opened at line 1, column 1",
        ),
        (
            "[\n  [1",
            2,
            5,
            "ends inside the array opened at line 2, column 3",
        ),
        ("{\"a\": \"x}", 1, 7, "not closed"),
        ("", 1, 1, "no JSON value"),
        ("  \n", 2, 1, "no JSON value"),
        ("{\"a\":\u{a0}1}", 1, 6, "U+00A0 between tokens"),
        ("{\"a\": 1,, \"b\": 2}", 1, 9, "`,` where a key is expected"),
        ("{\"a\": }", 1, 7, "`}` where a value is expected"),
        ("{\"a\": &x 1}", 1, 7, "`&` cannot start a JSON value"),
        (
            "{\"\u{e9}\": \"\u{e9}\", \"b\": tru}",
            1,
            17,
            "`tru` is not a JSON value",
        ),
    ] {
        let err = strict(text).expect_err(text);
        let pos = err.pos.unwrap_or_else(|| panic!("{text}: {err:?}"));
        assert_eq!((pos.line, pos.column), (line, column), "{text}: {err:?}");
        assert!(err.message.contains(words), "{text}: {err:?}");
        let offset = pos.offset.expect("an offset") as usize;
        assert!(text.is_char_boundary(offset), "{text}: {err:?}");
    }
}

#[test]
fn json_files_keep_the_budgets() {
    let small = |max_depth, max_nodes| Budgets {
        max_depth,
        max_nodes,
        ..Budgets::default()
    };
    // As for YAML: nesting up to the depth budget is read, one level more is refused.
    assert!(parse_text("[[[[1]]]]", &small(4, 100)).is_ok());
    let err = parse_text("[[[{\"a\": 1}]]]", &small(3, 100)).unwrap_err();
    assert!(err.message.contains("(limits.maxDepth)"), "{err:?}");
    assert_eq!(err.pos.map(|p| p.column), Some(4));
    // Keys count as nodes, as they do for YAML.
    assert!(parse_text("[1,2,3,4,5,6,7,8,9]", &small(8, 10)).is_ok());
    let err = parse_text("[1,2,3,4,5,6,7,8,9,10]", &small(8, 10)).unwrap_err();
    assert!(err.message.contains("(limits.maxNodes)"), "{err:?}");
    assert!(parse_text("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", &small(8, 9)).is_ok());
    assert!(parse_text("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}", &small(8, 10)).is_err());
    // Deep nesting fails closed at the budget, never on the stack.
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = strict(&deep).unwrap_err();
    assert!(err.message.contains("nesting-depth"), "{err:?}");
    let deep = "{\"a\":".repeat(100_000);
    assert!(strict(&deep).is_err());
}

#[test]
fn many_keys_are_checked_for_duplicates() {
    let keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
    let text = format!("{{{}}}", keys.join(", "));
    assert_eq!(strict(&text).unwrap(), slow(&text));
    let text = format!("{{{}, \"k57\": 0}}", keys.join(", "));
    let err = strict(&text).unwrap_err();
    assert!(err.message.contains("duplicate key `k57`"), "{err:?}");
}

/// Nested arrays and objects (names with spaces and non-ASCII letters) over `strings` and the other
/// JSON scalars except floats.
fn values(strings: &'static str) -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        strings.prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
            proptest::collection::vec(("[a-z\u{e9}_ -]{0,6}", inner), 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Anything, control characters and YAML line breaks included (the fast path may decline).
fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    prop_oneof![
        values("\\PC{0,12}"),
        values("[\\x00-\\x1f\"\\\\/a-z\u{e9}\u{1f600}\u{ff5e}\u{85}\u{2028}]{0,8}"),
    ]
}

/// Values the fast path must take: no floats, control characters or YAML line breaks.
fn plain_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    values("[a-zA-Z0-9 \u{e9}\u{1f600}\u{ff5e}_.:/\"\\\\-]{0,12}")
}

/// A `.json` file's value: an object or array over every JSON scalar, floats included, and strings
/// serde_json writes with escapes where JSON needs them.
fn file_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[\\x00-\\x1f\"\\\\/a-zA-Z0-9 \u{e9}\u{1f600}\u{ff5e}_.:-]{0,12}"
            .prop_map(serde_json::Value::from),
    ];
    let tree = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
            proptest::collection::vec(("[a-z\u{e9}_ -]{0,6}", inner), 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    proptest::collection::vec(tree, 0..4).prop_map(serde_json::Value::from)
}

proptest::proptest! {
    /// Plain records are always taken by the fast path, and read exactly as serde-saphyr reads them.
    #[test]
    fn plain_records_take_the_fast_path(
        members in proptest::collection::vec(("[a-z]{1,4}", plain_value()), 0..6),
    ) {
        let text = serde_json::to_string(&serde_json::Value::Object(members.into_iter().collect())).unwrap();
        let fast = parse_record(&text, &Budgets::default());
        proptest::prop_assert!(fast.is_some(), "declined {}", text);
        proptest::prop_assert_eq!(fast.unwrap(), slow(&text));
    }

    /// A `.json` file in any layout is read, to the tree serde-saphyr gives the same text.
    #[test]
    fn json_files_read_as_serde_saphyr_reads_them(value in file_value(), layout in 0u8..3) {
        let text = match layout {
            0 => serde_json::to_string(&value).unwrap(),
            1 => serde_json::to_string_pretty(&value).unwrap(),
            _ => serde_json::to_string_pretty(&value).unwrap().replace('\n', "\r\n"),
        };
        let strict = parse_text(&text, &Budgets::default());
        proptest::prop_assert!(strict.is_ok(), "{:?}: {}", strict, text);
        proptest::prop_assert_eq!(strict.unwrap(), slow(&text), "{}", text);
    }

    /// Whenever the fast path takes a record, its tree — values and positions — is serde-saphyr's.
    #[test]
    fn the_fast_path_agrees_with_serde_saphyr(
        members in proptest::collection::vec(("[a-z]{1,4}", json_value()), 0..6),
        pretty in proptest::bool::ANY,
    ) {
        let object = serde_json::Value::Object(members.into_iter().collect());
        let text = if pretty {
            // Spaces around separators, on one line.
            serde_json::to_string(&object).unwrap().replace(",\"", " , \"").replace("\":", "\" : ")
        } else {
            serde_json::to_string(&object).unwrap()
        };
        if let Some(fast) = parse_record(&text, &Budgets::default()) {
            proptest::prop_assert_eq!(fast, slow(&text));
        }
    }
}
