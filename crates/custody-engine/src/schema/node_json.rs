//! custody's parsed documents as a jsonschema instance representation (`jsonschema::json::Json`).

use crate::source::{Key, Node, Pos, Value};

/// custody's parsed documents ([`Node`]) as a jsonschema instance representation, read in place: valid
/// documents are checked without a `serde_json` copy. Every accessor answers as the `serde_json` value of
/// [`Node::to_json`] would (a non-finite float, which that copy turns into `null`, reads as `null`; an
/// integer is a `serde_json` integer, a float a `serde_json` float), so both validators decide alike; a test
/// holds them to it on every fixture, example and generated document.
pub(crate) struct NodeJson;

/// Scratch node for the property names jsonschema validates as strings (`propertyNames`).
pub(crate) struct NameNode(Node);

impl Default for NameNode {
    fn default() -> Self {
        NameNode(Node {
            value: Value::Str(String::new()),
            pos: Pos::line_only(1),
            file: 0,
        })
    }
}

impl jsonschema::json::Json for NodeJson {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = NameNode;
    // Parsed documents are trees.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut NameNode, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        match &mut buffer.0.value {
            Value::Str(name) => {
                name.clear();
                name.push_str(string);
            }
            other => *other = Value::Str(string.to_owned()),
        }
        f(&buffer.0)
    }
}

/// A number of a parsed document, read as the `serde_json` number it converts to.
#[derive(Clone, Copy)]
pub(crate) enum NodeNumber {
    Int(i64),
    /// Finite only (a non-finite float is `null`).
    Float(f64),
}

impl jsonschema::json::JsonNumber for NodeNumber {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            NodeNumber::Int(i) => u64::try_from(i).ok(),
            NodeNumber::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            NodeNumber::Int(i) => Some(i),
            NodeNumber::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match *self {
            NodeNumber::Int(i) => Some(i as f64),
            NodeNumber::Float(f) => Some(f),
        }
    }

    fn as_str(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> std::borrow::Cow<'_, serde_json::Number> {
        std::borrow::Cow::Owned(match *self {
            NodeNumber::Int(i) => serde_json::Number::from(i),
            NodeNumber::Float(f) => {
                serde_json::Number::from_f64(f).unwrap_or_else(|| serde_json::Number::from(0))
            }
        })
    }
}

/// A mapping of a parsed document.
#[derive(Clone, Copy)]
pub(crate) struct NodeMembers<'a>(&'a [(Key, Node)]);

/// A sequence of a parsed document.
#[derive(Clone, Copy)]
pub(crate) struct NodeItems<'a>(&'a [Node]);

impl<'a> jsonschema::json::Node<'a, NodeJson> for &'a Node {
    type Object = NodeMembers<'a>;
    type Array = NodeItems<'a>;
    type Number = NodeNumber;

    fn as_object(&self) -> Option<NodeMembers<'a>> {
        match &self.value {
            Value::Map(entries) => Some(NodeMembers(entries)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<NodeItems<'a>> {
        match &self.value {
            Value::Seq(items) => Some(NodeItems(items)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<std::borrow::Cow<'a, str>> {
        match &self.value {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<NodeNumber> {
        match self.value {
            Value::Int(i) => Some(NodeNumber::Int(i)),
            Value::Float(f) if f.is_finite() => Some(NodeNumber::Float(f)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.json_type() == jsonschema::JsonType::Null
    }

    fn json_type(&self) -> jsonschema::JsonType {
        use jsonschema::JsonType;
        match self.value {
            Value::Null => JsonType::Null,
            Value::Float(f) if !f.is_finite() => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) | Value::Float(_) => JsonType::Number,
            Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn to_value(&self) -> std::borrow::Cow<'a, serde_json::Value> {
        std::borrow::Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<jsonschema::json::NodeIdentity> {
        Some(jsonschema::json::NodeIdentity::new(
            std::ptr::from_ref::<Node>(*self) as usize,
        ))
    }
}

impl<'a> jsonschema::json::Object<'a, NodeJson> for NodeMembers<'a> {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = std::iter::Map<
        std::slice::Iter<'a, (Key, Node)>,
        fn(&'a (Key, Node)) -> (&'a str, &'a Node),
    >;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        crate::source::member(self.0, key)
    }

    fn members(&self) -> Self::MembersIter {
        self.0.iter().map(|(k, v)| (k.name.as_str(), v))
    }
}

impl<'a> jsonschema::json::Array<'a, NodeJson> for NodeItems<'a> {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.0.iter()
    }
}
