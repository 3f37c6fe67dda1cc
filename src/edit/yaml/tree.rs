//! The document as a tree of nodes with byte positions: what a node holds and how it is read,
//! and [`parse`], which builds the tree from saphyr-parser's events and runs the checks that
//! keep to what the clients' parsers read alike.

use saphyr_parser::{Event, ScalarStyle};

use super::super::{display_path, EditError};
use super::build::Builder;
use super::strict::{check_continuations, check_lines, check_printable, strictness};
use super::value::{plain_type, PlainType};

/// One node. `start..end` covers its text (anchor and tag included, trailing comment excluded).
#[derive(Debug)]
pub(crate) struct Node {
    pub start: usize,
    pub end: usize,
    /// 1-based line and 0-based character column of `start`.
    pub line: usize,
    pub col: usize,
    /// An anchor (`&a`) or a tag (`!t`) on the node.
    pub props: bool,
    pub kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Scalar {
        value: String,
        style: ScalarStyle,
        /// The scalar's own text (quotes included, anchor and tag excluded).
        token: std::ops::Range<usize>,
    },
    Map {
        flow: bool,
        pairs: Vec<(Node, Node)>,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    Alias,
}

impl Node {
    /// The string the node holds: a quoted scalar, or a plain one that the core schema reads as
    /// a string (not null, a boolean or a number).
    pub(super) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, style, .. } if !self.props => match style {
                ScalarStyle::Plain => (plain_type(value) == PlainType::Str).then_some(value),
                _ => Some(value),
            },
            _ => None,
        }
    }

    /// A scalar's text, whatever its type, anchor or tag (names are matched by it).
    pub(super) fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub(super) fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
                ..
            } if !self.props => match plain_type(value) {
                PlainType::Bool(b) => Some(b),
                _ => None,
            },
            _ => None,
        }
    }

    /// A null written as nothing, `~` or `null` (an empty value that may receive content).
    pub(super) fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: ScalarStyle::Plain, .. }
            if !self.props && plain_type(value) == PlainType::Null)
    }

    /// A flow collection with nothing in it: `{}` or `[]`.
    pub(super) fn is_empty_flow(&self) -> bool {
        match &self.kind {
            Kind::Map { flow: true, pairs } => pairs.is_empty(),
            Kind::Seq { flow: true, items } => items.is_empty(),
            _ => false,
        }
    }

    pub(super) fn pairs(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map { pairs, .. } => Some(pairs),
            _ => None,
        }
    }

    pub(super) fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    pub(super) fn is_flow(&self) -> bool {
        matches!(
            &self.kind,
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. }
        )
    }

    /// The value of the member `key` (compared as a string; a key with an anchor or tag is
    /// found by its text, for the caller to refuse).
    pub(super) fn get(&self, key: &str) -> Option<(&Node, &Node)> {
        self.pairs()?
            .iter()
            .find(|(k, _)| {
                k.as_str() == Some(key)
                    || (k.props && matches!(&k.kind, Kind::Scalar { value, .. } if value == key))
            })
            .map(|(k, v)| (k, v))
    }

    /// What the node is, for messages.
    pub(super) fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Map { .. } => "a mapping",
            Kind::Seq { .. } => "a sequence",
            Kind::Alias => "an alias",
            Kind::Scalar { value, style, .. } => match style {
                ScalarStyle::Plain => match plain_type(value) {
                    PlainType::Null => "null",
                    PlainType::Bool(_) => "a boolean",
                    PlainType::Number => "a number",
                    PlainType::Str => "a string",
                },
                _ => "a string",
            },
        }
    }

    /// The node or anything under it has an anchor, a tag or an alias.
    pub(super) fn has_props_within(&self) -> Option<&Node> {
        if self.props || matches!(self.kind, Kind::Alias) {
            return Some(self);
        }
        match &self.kind {
            Kind::Map { pairs, .. } => pairs
                .iter()
                .find_map(|(k, v)| k.has_props_within().or_else(|| v.has_props_within())),
            Kind::Seq { items, .. } => items.iter().find_map(Node::has_props_within),
            _ => None,
        }
    }
}

/// The parsed text: the root node (`None`: no document, or an empty one) and the positions of
/// the document markers.
pub(crate) struct Doc {
    pub root: Option<Node>,
    /// The text ends in a block scalar (`|`, `>`) with no final line break: a line added after
    /// it would change its value (its last line would gain a line break).
    pub open_block_end: bool,
}

/// The last node of the document in text order.
fn last_node(n: &Node) -> &Node {
    match &n.kind {
        Kind::Map { flow: false, pairs } => pairs.last().map_or(n, |(_, v)| last_node(v)),
        Kind::Seq { flow: false, items } => items.last().map_or(n, last_node),
        _ => n,
    }
}

/// `a.b[0].c` from path segments (`[i]` segments are indexes).
pub(crate) fn join_path(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.starts_with('[') && seg.ends_with(']') {
            out.push_str(seg);
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&display_path(&[seg]));
        }
    }
    out
}

/// Parses `body` (BOM already stripped). Refuses a second document.
pub(crate) fn parse(body: &str) -> Result<Doc, EditError> {
    check_printable(body)?;
    let mut b = Builder::new(body);
    let mut root = None;
    let mut docs = 0;
    loop {
        let (ev, span) = b.next()?;
        match ev {
            Event::StreamStart | Event::Nothing => {}
            // An explicit end (`...`) is refused by `check_lines`.
            Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(strictness(
                        span.start.line().max(1),
                        span.start.col() + 1,
                        "a second document (`---`)",
                        "the client reads one document per file; figma-auth does not edit \
                         files with several",
                    ));
                }
                let ev = b.next()?;
                let n = b.node(ev, &mut Vec::new(), 0)?;
                root = Some(n);
            }
            other => {
                return Err(EditError::Internal(format!(
                    "unexpected YAML event {other:?} at the top level"
                )))
            }
        }
    }
    if let Some(r) = &root {
        check_continuations(body, r, None)?;
    }
    check_lines(body, root.as_ref())?;
    let open_block_end = !body.ends_with('\n')
        && root.as_ref().map(last_node).is_some_and(|n| {
            matches!(
                &n.kind,
                Kind::Scalar {
                    style: ScalarStyle::Literal | ScalarStyle::Folded,
                    ..
                }
            )
        });
    Ok(Doc {
        root,
        open_block_end,
    })
}
