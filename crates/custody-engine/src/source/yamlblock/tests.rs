use super::*;
use crate::source::parse_documents_saphyr;

fn slow(text: &str) -> Vec<Node> {
    parse_documents_saphyr(text, &Budgets::default()).expect("serde-saphyr parses it")
}

fn same(text: &str) {
    let fast = parse(text, &Budgets::default());
    assert!(fast.is_some(), "declined:\n{text}");
    assert_eq!(fast.unwrap(), slow(text), "{text}");
}

fn declined(text: &str) {
    assert_eq!(parse(text, &Budgets::default()), None, "{text}");
}

#[test]
fn block_yaml_parses_as_serde_saphyr_parses_it() {
    same("a: 1\n");
    same("# c\napiVersion: custody/v1   # trailing\nkind: Workflow\nmetadata:\n  id: \"billing-\u{e9}-1\"\n  title: 'it''s'\n  empty:\n  n: 12\n  list: []\n  obj: {}\n");
    same("spec:\n  operators:\n    - team: storage\n      x: y\n    - plain\n    -\n      nested: 1\n    - - a\n  hosts:\n  - \"a\"\n  - b\n");
    same("---\n# c\na:    # comment\nb:   \ngroups: [x, \"y z\" , 'w',   -5 ]\nlist:\n- team: s\n  k: v\n- [a]\n- {}\ntop: 1\n");
    same("c: ~\nd: null\ne: true\nf: 2026-11-20T10:02:00Z\ng: -5\nh: 0x1F\ni: 017\nj: \"\u{e9}\\u00e9\\n\"\n\"q k\": 1\n---\n- a\n- b\n");
    same("a: 1\n---\n---\nb:\n  - x\n  -  y # z\n");
    same("a: +12\nb: 0o17\nc: -0\nd: 00\ne: 0b101\nf: -0x1F\ng: 99999999999999999999\nh: -9223372036854775809\ni: 9223372036854775807\nj: [+017, 0x1FFFFFFFFFFFFFFFF, 0X1F, 1e3]\n");
    same("k: url://x:y/z#frag a#b\nyes_no: Yes\nT: True\nempty: ''\ne2: \"\"\n");
    same("");
    same("# only a comment\n");
    same("---\n");
    same("a:\n  b:\n    c:\n      - d: [1, 2]\n        e: f\n");
    same("- -x\n- -5\n- - - a\n  - b\n-   c: d\n    e:\n    - f\n");
}

#[test]
fn anything_unusual_is_left_to_serde_saphyr() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: >-\n  folded\n",
        "a: multi\n  line\n",
        "a:\tb\n",
        "a: b\r\n",
        "a: 1\na: 2\n",
        "<<: {a: 1}\n",
        "a: {b: 1}\n",
        "a: [[1]]\n",
        "a: [1,\n  2]\n",
        "\"a\nb\": 1\n",
        "a: \"x\\ey\"\n",
        "a: \"\\ud800\"\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n",
        "--- a: 1\n",
        "? a\n: 1\n",
        "plain\n",
        "- a\nb: 1\n",
        "a: b: c\n",
        "a: 1\n b: 2\n",
        "a:\n    b: 1\n  c: 2\n",
        "-\n- a\n",
        "1: a\n",
        "true: a\n",
        "a: [1, ]\n",
        "a: \u{2028}\n",
        "a: \u{feff}\n",
        "a: \u{85}\n",
        "{\"a\": 1}\n",
        "a: ...x\n",
        "a: ... x\n",
        "a: .inf\n",
    ] {
        declined(text);
    }
}

#[test]
fn budgets_are_left_to_serde_saphyr() {
    let deep = "a:\n".to_owned()
        + &(1..10)
            .map(|d| format!("{}a:\n", "  ".repeat(d)))
            .collect::<String>();
    let small = Budgets {
        max_depth: 5,
        ..Budgets::default()
    };
    assert!(parse(&deep, &small).is_none());
    assert!(parse(&deep, &Budgets::default()).is_some());
    let many = (0..100).map(|i| format!("k{i}: v\n")).collect::<String>();
    let few = Budgets {
        max_nodes: 50,
        ..Budgets::default()
    };
    assert!(parse(&many, &few).is_none());
    let docs = "a: 1\n---\n".repeat(10);
    let one = Budgets {
        max_documents: 8,
        ..Budgets::default()
    };
    assert!(parse(&docs, &one).is_none());
    assert_eq!(parse(&docs, &Budgets::default()).map(|d| d.len()), Some(10));
}

#[test]
fn near_a_budget_the_fast_path_agrees_or_declines() {
    // Whatever the depth and node budgets, the fast path never takes a text serde-saphyr rejects.
    let agrees = |text: &str, budgets: &Budgets| {
        if let Some(fast) = parse(text, budgets) {
            assert_eq!(Ok(fast), parse_documents_saphyr(text, budgets), "{text}");
        }
    };
    for max_depth in 2..12 {
        let budgets = Budgets {
            max_depth,
            ..Budgets::default()
        };
        for levels in 1..14 {
            let mut maps: String = (0..levels)
                .map(|l| format!("{}a{l}:\n", "  ".repeat(l)))
                .collect();
            maps.push_str(&format!("{}- [x]\n", "  ".repeat(levels)));
            agrees(&maps, &budgets);
            agrees(&format!("{}[x]\n", "- ".repeat(levels)), &budgets);
        }
    }
    let text: String = (0..30).map(|i| format!("k{i}: [a, b]\n")).collect();
    for max_nodes in [8, 16, 20, 24, 32, 40, 80, 200] {
        let budgets = Budgets {
            max_nodes,
            ..Budgets::default()
        };
        agrees(&text, &budgets);
    }
}

#[test]
fn a_long_line_of_flow_items_is_read_in_linear_time() {
    // Columns are counted on from the previous item (counting from the line's start for each item made
    // a 16 MiB line quadratic).
    let items = vec!["\u{e9}x"; 200_000].join(", ");
    let docs = parse(&format!("a: [{items}]\n"), &Budgets::default()).expect("taken");
    let Value::Seq(list) = &docs[0].get("a").expect("a").value else {
        panic!("a list");
    };
    assert_eq!(list.len(), 200_000);
    assert_eq!(list[199_999].pos.column, 5 + 199_999 * 4);
}

#[test]
fn the_repositorys_own_yaml_parses_alike() {
    // Every YAML file in the repository that the fast path takes, it reads as serde-saphyr does; and it
    // takes the examples' manifests.
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut taken = 0;
    for dir in ["examples", "tests", "templates", "docs", "policies"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
            let path = entry.path();
            let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if !yaml {
                continue;
            }
            if let Some(fast) = parse(&text, &Budgets::default()) {
                taken += 1;
                let slow = parse_documents_saphyr(&text, &Budgets::default());
                assert_eq!(Ok(fast), slow, "{}", path.display());
            }
        }
    }
    assert!(taken >= 10, "the fast path took only {taken} files");
}

/// A document as block YAML, with the indentation, comments and scalar styles a person would write.
#[derive(Clone, Debug)]
enum Doc {
    Scalar(String),
    Flow(Vec<String>),
    Seq(Vec<Doc>),
    Map(Vec<(String, Doc)>),
}

fn docs() -> impl proptest::strategy::Strategy<Value = Doc> {
    use proptest::prelude::*;
    let scalar = prop_oneof![
        "[a-z][a-z0-9./_-]{0,8}",
        "[A-Z][a-z]{0,3}",
        "-?[0-9]{1,4}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
        "\"[a-z \u{e9}#:\\\\\\\\]{0,6}\"",
        "'[a-z \u{e9}#:]{0,5}(''[a-z]{0,2})?'",
        Just("~".to_owned()),
        Just("null".to_owned()),
        Just("yes".to_owned()),
        Just("0x1F".to_owned()),
        Just("1.5".to_owned()),
        Just("".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
    ];
    let leaf = prop_oneof![
        4 => scalar.clone().prop_map(Doc::Scalar),
        1 => proptest::collection::vec(scalar.prop_filter("one-line flow item", |s| {
            !s.is_empty() && !s.starts_with(['[', '{', '~']) && !s.contains(['#', ':']) && s != "null"
        }), 0..4).prop_map(Doc::Flow),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..4).prop_map(Doc::Seq),
            proptest::collection::vec(("[a-z][a-z_-]{0,5}", inner), 1..4).prop_map(|mut es| {
                let mut seen = std::collections::HashSet::new();
                es.retain(|(k, _)| seen.insert(k.clone()));
                Doc::Map(es)
            }),
        ]
    })
}

fn render(doc: &Doc, indent: usize, step: usize, comments: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    match doc {
        Doc::Map(entries) => {
            for (k, v) in entries {
                out.push_str(&pad);
                out.push_str(k);
                out.push(':');
                inline_or_block(v, indent, step, comments, out);
            }
        }
        Doc::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                inline_or_block(item, indent, step, comments, out);
            }
        }
        Doc::Scalar(_) | Doc::Flow(_) => unreachable!("rendered inline"),
    }
}

fn inline_or_block(v: &Doc, indent: usize, step: usize, comments: bool, out: &mut String) {
    match v {
        Doc::Scalar(s) => {
            if !s.is_empty() {
                out.push(' ');
                out.push_str(s);
            }
            if comments {
                out.push_str("  # note");
            }
            out.push('\n');
        }
        Doc::Flow(items) => {
            out.push_str(" [");
            out.push_str(&items.join(", "));
            out.push_str("]\n");
        }
        Doc::Map(_) | Doc::Seq(_) => {
            out.push('\n');
            if comments {
                out.push_str("\n# a comment line\n");
            }
            render(v, indent + step, step, comments, out);
        }
    }
}

fn block_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    (
        proptest::collection::vec(("[a-z][a-z]{0,4}", docs()), 1..4),
        1usize..4,
        any::<bool>(),
    )
        .prop_map(|(entries, step, comments)| {
            let mut seen = std::collections::HashSet::new();
            let entries: Vec<_> = entries
                .into_iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .collect();
            let mut text = String::new();
            render(&Doc::Map(entries), 0, step, comments, &mut text);
            text
        })
}

const MUTATIONS: &[&str] = &[
    " ", "  ", ":", "- ", "-", "#", "\n", "'", "\"", "[", "]", ",", "{}", "1", "~", "---\n",
    "\u{e9}", "\\", "a", "\n  ", "\n- ", ": ", " #", "\n\n",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    #[test]
    fn block_documents_take_the_fast_path_and_agree(
        entries in proptest::collection::vec(("[a-z][a-z]{0,4}", docs()), 1..5),
        step in 1usize..4,
        comments: bool,
        documents in 1usize..3,
    ) {
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<_> = entries.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
        let mut text = String::new();
        for _ in 0..documents {
            text.push_str("---\n");
            render(&Doc::Map(entries.clone()), 0, step, comments, &mut text);
        }
        let slow = parse_documents_saphyr(&text, &Budgets::default());
        let fast = parse(&text, &Budgets::default());
        // Empty sequence items are declined; every other generated document is taken.
        if !text.contains("-\n") && !text.contains("- \n") && !text.contains("-  # note") {
            proptest::prop_assert!(fast.is_some(), "declined:\n{}", text);
        }
        if let Some(fast) = fast {
            proptest::prop_assert_eq!(Ok(fast), slow, "{}", text);
        }
    }

    /// Block documents with a few characters inserted, removed or replaced: whatever the fast path still
    /// takes, it reads as serde-saphyr does. (300,000 such cases ran clean when this was written.)
    #[test]
    fn whatever_the_fast_path_takes_it_reads_as_serde_saphyr_does(
        text in block_text(),
        edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0usize..MUTATIONS.len(), 0u8..3), 1..4),
    ) {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, piece, op) in edits {
            let at = at.index(chars.len() + 1);
            let piece = MUTATIONS[piece].chars();
            match (op, at < chars.len()) {
                (0, _) => drop(chars.splice(at..at, piece)),
                (1, true) => drop(chars.remove(at)),
                (_, true) => drop(chars.splice(at..=at, piece)),
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        if let Some(fast) = parse(&text, &Budgets::default()) {
            proptest::prop_assert_eq!(Ok(fast), parse_documents_saphyr(&text, &Budgets::default()), "{:?}", text);
        }
    }
}
