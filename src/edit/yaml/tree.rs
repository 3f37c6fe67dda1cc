//! The document as a tree of nodes with byte positions, built from saphyr-parser's events, and
//! its value for comparisons. Positions the parser reports loosely (the end of a quoted or block
//! scalar, which it extends over trailing spaces and comments) are recomputed from the text.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::super::{display_path, EditError};

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

/// How the core schema (YAML 1.2, as Continue's and Goose's parsers resolve it) reads a plain
/// scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainType {
    Null,
    Bool(bool),
    Number,
    Str,
}

pub(crate) fn plain_type(s: &str) -> PlainType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return PlainType::Null,
        "true" | "True" | "TRUE" => return PlainType::Bool(true),
        "false" | "False" | "FALSE" => return PlainType::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return PlainType::Number,
        _ => {}
    }
    let b = s.as_bytes();
    let digits = |t: &[u8], f: fn(&u8) -> bool| !t.is_empty() && t.iter().all(f);
    if let Some(h) = s.strip_prefix("0x")
        && digits(h.as_bytes(), u8::is_ascii_hexdigit)
    {
        return PlainType::Number;
    }
    if let Some(o) = s.strip_prefix("0o")
        && digits(o.as_bytes(), |c| (b'0'..=b'7').contains(c))
    {
        return PlainType::Number;
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return PlainType::Str;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let e = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == e {
            return PlainType::Str;
        }
        i = j;
    }
    if i == b.len() {
        PlainType::Number
    } else {
        PlainType::Str
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

/// Byte offsets of character indexes (the parser counts characters).
struct Offsets(Option<Vec<usize>>);

impl Offsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return Offsets(None);
        }
        let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        v.push(text.len());
        Offsets(Some(v))
    }

    fn byte(&self, index: usize, len: usize) -> usize {
        match &self.0 {
            None => index.min(len),
            Some(v) => v.get(index).copied().unwrap_or(len),
        }
    }
}

fn strictness(line: usize, column: usize, what: &'static str, why: &'static str) -> EditError {
    EditError::Strictness {
        line,
        column,
        what,
        why,
    }
}

struct Builder<'t> {
    text: &'t str,
    offsets: Offsets,
    parser: Parser<'t, saphyr_parser::StrInput<'t>>,
    /// How many flow collections enclose the node being built.
    flow: usize,
    /// The anchors of the nodes being built (an alias to one of them would be recursive).
    open_anchors: Vec<usize>,
}

type Ev<'t> = (Event<'t>, Span);

impl<'t> Builder<'t> {
    fn next(&mut self) -> Result<Ev<'t>, EditError> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => {
                let m = e.marker();
                let mut message = e.info().to_string();
                if let Some(first) = message.get_mut(..1) {
                    first.make_ascii_lowercase();
                }
                Err(EditError::Syntax {
                    line: m.line().max(1),
                    column: m.col() + 1,
                    message,
                })
            }
            None => Err(EditError::Syntax {
                line: 1,
                column: 1,
                message: "unexpected end of the event stream".into(),
            }),
        }
    }

    /// A plain scalar the other YAML parsers read too: it does not start with an indicator,
    /// and in a flow collection it is not followed by `:` and a flow indicator (libyaml refuses
    /// `[a:]`). saphyr-parser is more lenient on both.
    fn check_plain(
        &self,
        start: usize,
        end: usize,
        line: usize,
        col: usize,
    ) -> Result<(), EditError> {
        let t = &self.text[start..end];
        let mut chars = t.chars();
        let (first, second) = (chars.next(), chars.next());
        let bad_first = match first {
            Some(c) if "|>%@`'\",[]{}#".contains(c) => true,
            Some('-' | '?' | ':') => {
                second.is_none_or(|c| c.is_whitespace() || (self.flow > 0 && ",[]{}".contains(c)))
            }
            _ => false,
        } && !t.is_empty();
        let rest = &self.text.as_bytes()[end..];
        let colon_flow = self.flow > 0
            && rest.first() == Some(&b':')
            && rest.get(1).is_some_and(|c| b",?[]{}".contains(c));
        if bad_first || colon_flow {
            return Err(EditError::Syntax {
                line,
                column: col + 1,
                message: if bad_first {
                    "a plain value starting with an indicator character; quote it".into()
                } else {
                    "`:` right before a flow indicator; write `: ` or quote the key".into()
                },
            });
        }
        Ok(())
    }

    fn pos(&self, span: &Span) -> (usize, usize) {
        (
            self.offsets.byte(span.start.index(), self.text.len()),
            self.offsets.byte(span.end.index(), self.text.len()),
        )
    }

    /// Builds the node that starts with `ev`; `path` names it for duplicate-key messages.
    fn node(
        &mut self,
        ev: Ev<'t>,
        path: &mut Vec<String>,
        depth: usize,
    ) -> Result<Node, EditError> {
        let (event, span) = ev;
        let (start, span_end) = self.pos(&span);
        let line = span.start.line().max(1);
        let col = span.start.col();
        let named = match &event {
            Event::Alias(_) => true,
            Event::Scalar(_, _, a, t) | Event::SequenceStart(a, t) | Event::MappingStart(a, t) => {
                *a != 0 || t.is_some()
            }
            _ => false,
        };
        if named {
            check_anchor_names(self.text, start, line, col)?;
        }
        if depth > MAX_DEPTH {
            return Err(strictness(
                line,
                col + 1,
                "nesting this deep",
                "figma-auth reads at most 256 levels of nested collections",
            ));
        }
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let props = anchor != 0 || tag.is_some();
                let token_start = if props {
                    skip_props(self.text, start)
                } else {
                    start
                };
                let end = match style {
                    ScalarStyle::SingleQuoted => quoted_end(self.text, token_start, b'\''),
                    ScalarStyle::DoubleQuoted => quoted_end(self.text, token_start, b'"'),
                    ScalarStyle::Literal | ScalarStyle::Folded => block_end(self.text, span_end),
                    ScalarStyle::Plain => span_end,
                }
                .max(token_start);
                if style == ScalarStyle::Plain {
                    self.check_plain(token_start, end, line, col)?;
                }
                Ok(Node {
                    start,
                    end,
                    line,
                    col,
                    props,
                    kind: Kind::Scalar {
                        value: value.into_owned(),
                        style,
                        token: token_start..end,
                    },
                })
            }
            Event::Alias(id) if self.open_anchors.contains(&id) => Err(EditError::Syntax {
                line,
                column: col + 1,
                message: "an alias inside the node it refers to (a recursive alias)".into(),
            }),
            Event::Alias(_) => Ok(Node {
                start,
                end: span_end,
                line,
                col,
                props: false,
                kind: Kind::Alias,
            }),
            Event::SequenceStart(anchor, tag) => {
                let flow = self.text[start..span_end].trim_end().ends_with('[');
                self.flow += usize::from(flow);
                self.open_anchors.push(anchor);
                let mut items = Vec::new();
                let end = loop {
                    let ev = self.next()?;
                    if let Event::SequenceEnd = ev.0 {
                        let (_, e) = self.pos(&ev.1);
                        break if flow {
                            e
                        } else {
                            items.last().map_or(e, |n: &Node| n.end)
                        };
                    }
                    path.push(format!("[{}]", items.len()));
                    let n = self.node(ev, path, depth + 1)?;
                    path.pop();
                    items.push(n);
                };
                self.flow -= usize::from(flow);
                self.open_anchors.pop();
                let (mut start, mut col) = (start, col);
                if !flow && anchor == 0 && tag.is_none() {
                    // The parser puts an indentless sequence (`key:\n- a`) at its first
                    // item's content: the sequence starts at the item's `-`.
                    if let Some(dash) = items.first().and_then(|i| dash_before(self.text, i.start))
                    {
                        let ls = self.text[..dash].rfind('\n').map_or(0, |i| i + 1);
                        start = dash;
                        col = self.text[ls..dash].chars().count();
                    }
                }
                Ok(Node {
                    start,
                    end,
                    line,
                    col,
                    props: anchor != 0 || tag.is_some(),
                    kind: Kind::Seq { flow, items },
                })
            }
            Event::MappingStart(anchor, tag) => {
                let flow = self.text[start..span_end].trim_end().ends_with('{');
                self.flow += usize::from(flow);
                self.open_anchors.push(anchor);
                let mut pairs: Vec<(Node, Node)> = Vec::new();
                let mut seen: HashMap<String, usize> = HashMap::new();
                let end = loop {
                    let ev = self.next()?;
                    if let Event::MappingEnd = ev.0 {
                        let (_, e) = self.pos(&ev.1);
                        break if flow {
                            e
                        } else {
                            pairs.last().map_or(e, |(_, v)| v.end)
                        };
                    }
                    path.push("(key)".into());
                    let k = self.node(ev, path, depth + 1)?;
                    path.pop();
                    // A key over several lines is only allowed after `?`; saphyr-parser also
                    // reads an implicit one, libyaml (Goose's parser) refuses it.
                    if self.text[k.start..k.end.max(k.start)].contains('\n') {
                        let b = self.text.as_bytes();
                        let mut q = k.start;
                        while q > 0 && matches!(b[q - 1], b' ' | b'\t') {
                            q -= 1;
                        }
                        if q == 0 || b[q - 1] != b'?' {
                            return Err(EditError::Syntax {
                                line: k.line,
                                column: k.col + 1,
                                message: "a mapping key written over several lines".into(),
                            });
                        }
                    }
                    // `: value` with no key at all: other parsers (libyaml, Goose's) refuse it.
                    if let Kind::Scalar { value, token, .. } = &k.kind
                        && value.is_empty()
                        && token.start == token.end
                        && !k.props
                    {
                        return Err(EditError::Syntax {
                            line: k.line,
                            column: k.col + 1,
                            message: "a mapping entry without a key".into(),
                        });
                    }
                    let label = key_label(&k);
                    if let Some(id) = key_identity(&k)
                        && let Some(first) = seen.insert(id, k.line)
                    {
                        path.push(label.clone());
                        let err = EditError::DuplicateKey {
                            path: join_path(path),
                            first_line: first,
                            line: k.line,
                            column: k.col + 1,
                        };
                        return Err(err);
                    }
                    path.push(label);
                    let ev = self.next()?;
                    let mut v = self.node(ev, path, depth + 1)?;
                    path.pop();
                    if let Kind::Scalar { value, token, .. } = &mut v.kind {
                        // An empty value (`key:`) sits right after its colon.
                        if value.is_empty()
                            && token.start == token.end
                            && !v.props
                            && let Some(at) = after_colon(self.text, k.end)
                        {
                            *token = at..at;
                            v.start = at;
                            v.end = at;
                        }
                    }
                    pairs.push((k, v));
                };
                self.flow -= usize::from(flow);
                self.open_anchors.pop();
                Ok(Node {
                    start,
                    end,
                    line,
                    col,
                    props: anchor != 0 || tag.is_some(),
                    kind: Kind::Map { flow, pairs },
                })
            }
            other => Err(EditError::Internal(format!(
                "unexpected YAML event {other:?} at line {line}"
            ))),
        }
    }
}

/// Deeper nesting is refused rather than risking the stack.
const MAX_DEPTH: usize = 256;

fn key_label(k: &Node) -> String {
    match &k.kind {
        Kind::Scalar { value, .. } => value.clone(),
        _ => format!("(key on line {})", k.line),
    }
}

/// What makes two keys the same key for the client: strings by their text, other scalars by
/// their value (`1`, `0x1` and `1.0`… are compared as numbers; `null` and `~` are one key).
fn key_identity(k: &Node) -> Option<String> {
    let Kind::Scalar { value, style, .. } = &k.kind else {
        return None;
    };
    // A tagged or anchored key (`!!str a`, `&x a`) is the same key for the clients.
    if *style != ScalarStyle::Plain || k.props {
        return Some(format!("s:{value}"));
    }
    Some(match plain_type(value) {
        PlainType::Str => format!("s:{value}"),
        PlainType::Null => "null".into(),
        PlainType::Bool(b) => format!("b:{b}"),
        PlainType::Number => {
            let v = value.replace('_', "");
            let n = if let Some(h) = v.strip_prefix("0x") {
                i128::from_str_radix(h, 16).ok().map(|n| n.to_string())
            } else if let Some(o) = v.strip_prefix("0o") {
                i128::from_str_radix(o, 8).ok().map(|n| n.to_string())
            } else {
                v.parse::<i128>().ok().map(|n| n.to_string())
            };
            match n {
                Some(n) => format!("n:{n}"),
                None => match v.to_ascii_lowercase().trim_start_matches('+') {
                    ".inf" => "n:inf".into(),
                    "-.inf" => "n:-inf".into(),
                    ".nan" => "n:nan".into(),
                    f => match f.parse::<f64>() {
                        Ok(x) if x.fract() == 0.0 && x.abs() < 1e30 => format!("n:{}", x as i128),
                        Ok(x) => format!("n:{x:e}"),
                        Err(_) => format!("p:{value}"),
                    },
                },
            }
        }
    })
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

/// Anchor and alias names (`&name`, `*name`) at `start` must be letters, digits, `-` and `_`:
/// YAML 1.2 allows more, but libyaml (Goose's parser) refuses anything else.
fn check_anchor_names(text: &str, start: usize, line: usize, col: usize) -> Result<(), EditError> {
    let b = text.as_bytes();
    let mut i = start;
    while i < b.len() && matches!(b[i], b'&' | b'*' | b'!') {
        let sigil = b[i];
        let s = i + 1;
        i = s;
        while i < b.len()
            && !b[i].is_ascii_whitespace()
            && !matches!(b[i], b',' | b'[' | b']' | b'{' | b'}')
        {
            i += 1;
        }
        let name = &b[s..i];
        let ok = if sigil == b'!' {
            // A tag: `!`, `!name`, `!!name`, `!<uri>`-free (libyaml is strict about the rest),
            // and libyaml wants white space or a `,` after it, not a bracket.
            name.iter().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'!' | b':' | b'/' | b'.')
            }) && b
                .get(i)
                .is_none_or(|&c| c.is_ascii_whitespace() || c == b',')
        } else {
            // libyaml ends a name only at white space or one of `?:,]}%@` and a backquote.
            !name.is_empty()
                && name
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
                && b.get(i).is_none_or(|&c| {
                    c.is_ascii_whitespace()
                        || matches!(c, b'?' | b':' | b',' | b']' | b'}' | b'%' | b'@' | b'`')
                })
        };
        if !ok {
            return Err(EditError::Syntax {
                line,
                column: col + 1,
                message: "an anchor, alias or tag name may hold only letters, digits, `-` and \
                          `_` here"
                    .into(),
            });
        }
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
    }
    Ok(())
}

/// The offset after the `:` that follows a key ending at `end` (spaces between allowed).
fn after_colon(text: &str, end: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = end;
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    (b.get(i) == Some(&b':')).then_some(i + 1)
}

/// The offset of the `-` before a block sequence item starting at `pos`.
pub(crate) fn dash_before(text: &str, pos: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut s = pos.min(b.len());
    // The item may start on the line after its `-`.
    while s > 0 && matches!(b[s - 1], b' ' | b'\n' | b'\r') {
        s -= 1;
    }
    (s > 0 && b[s - 1] == b'-').then(|| s - 1)
}

/// The offset of the scalar itself after an anchor and/or tag (and the space after them).
fn skip_props(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    loop {
        match b.get(i) {
            Some(b'&' | b'!') => {
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            _ => return i,
        }
    }
}

/// The offset after the closing quote of the quoted scalar opening at `start`.
fn quoted_end(text: &str, start: usize, quote: u8) -> usize {
    let b = text.as_bytes();
    if b.get(start) != Some(&quote) {
        return start;
    }
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            c if c == quote => {
                if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// A block scalar's content ends at the start of the line holding the next token (the parser
/// reports the next token's position).
fn block_end(text: &str, span_end: usize) -> usize {
    if span_end >= text.len() {
        // At the end of the text: trailing blank lines are the scalar's.
        return text.len();
    }
    let line_start = text[..span_end].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..span_end].bytes().all(|c| c == b' ') {
        line_start
    } else {
        span_end
    }
}

/// A character YAML allows in a stream (c-printable), as libyaml checks it (a BOM only at the
/// start, which the caller strips).
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// Refuses a character the YAML spec (and so libyaml, Goose's parser) does not allow in a file,
/// and line breaks other than LF and CRLF: a lone CR, and NEL, LS and PS, which YAML 1.1
/// (libyaml) takes as line breaks and YAML 1.2 (saphyr-parser) does not.
fn check_printable(body: &str) -> Result<(), EditError> {
    let b = body.as_bytes();
    if let Some(pos) = memchr::memchr_iter(b'\r', b).find(|&i| b.get(i + 1) != Some(&b'\n')) {
        let (line, column) = super::super::line_col(body, pos);
        return Err(strictness(
            line,
            column,
            "a line ending in a lone carriage return (CR)",
            "figma-auth edits files whose lines end in LF or CRLF; convert the line endings \
             and retry",
        ));
    }
    let unicode_break = |c| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
    let Some((pos, c)) = body
        .char_indices()
        .find(|&(_, c)| !printable(c) || unicode_break(c))
    else {
        return Ok(());
    };
    let (line, column) = super::super::line_col(body, pos);
    let what = if unicode_break(c) {
        "is a line break to some YAML parsers and not to others"
    } else {
        "is not allowed in YAML"
    };
    Err(EditError::Syntax {
        line,
        column,
        message: format!(
            "the character U+{:04X} {what}; write it as an escape inside double quotes \
             (\\u{:04x})",
            c as u32, c as u32
        ),
    })
}

/// A flow collection or a quoted or plain scalar continued on more lines must indent them more
/// than the block it sits in (the key of its mapping, the `-` of its sequence): saphyr-parser
/// also reads less indented ones, libyaml (Goose's parser) refuses them.
fn check_continuations(text: &str, n: &Node, parent: Option<usize>) -> Result<(), EditError> {
    let multi_line = |n: &Node| text[n.start..n.end.max(n.start)].contains('\n');
    let flowish = n.is_flow()
        || matches!(&n.kind, Kind::Scalar { style, .. }
            if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded));
    if flowish && multi_line(n) {
        let min = parent.map_or(0, |p| p + 1);
        let mut pos = n.start;
        while let Some(i) = text[pos..n.end].find('\n') {
            let ls = pos + i + 1;
            let line = &text[ls..n
                .end
                .min(text[ls..].find('\n').map_or(text.len(), |e| ls + e))];
            let indent = line.bytes().take_while(|&b| b == b' ').count();
            if !line.trim().is_empty() && indent < min {
                let (l, c) = super::super::line_col(text, ls + indent);
                return Err(EditError::Syntax {
                    line: l,
                    column: c,
                    message: "a value continued on a line indented no more than its key; indent \
                              the continuation further"
                        .into(),
                });
            }
            pos = ls;
        }
        return Ok(());
    }
    match &n.kind {
        Kind::Map { flow: false, pairs } => {
            for (k, v) in pairs {
                check_continuations(text, k, Some(k.col))?;
                check_continuations(text, v, Some(k.col))?;
            }
        }
        Kind::Seq { flow: false, items } => {
            for it in items {
                check_continuations(text, it, Some(n.col))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The ranges where a line may hold a tab in its leading white space: inside scalars written
/// over several lines, each with the column a tab may start at (libyaml refuses one before a
/// block scalar's indentation, or at the start of a plain scalar's continuation line).
fn tab_ok_ranges(text: &str, n: &Node, out: &mut Vec<(usize, usize, usize)>) {
    match &n.kind {
        Kind::Scalar { style, .. } => match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let ls = text[..n.start].rfind('\n').map_or(0, |i| i + 1);
                // The indentation of the first line with content after the header.
                let body = &text[n.start.min(n.end)..n.end];
                let indent = body
                    .split_inclusive('\n')
                    .skip(1)
                    .find(|l| !l.trim().is_empty())
                    .map_or(0, |l| l.bytes().take_while(|&c| c == b' ').count());
                out.push((ls, n.end, indent.max(1)));
            }
            ScalarStyle::Plain => out.push((n.start, n.end, 1)),
            _ => out.push((n.start, n.end, 0)),
        },
        Kind::Map { pairs, .. } => {
            for (k, v) in pairs {
                tab_ok_ranges(text, k, out);
                tab_ok_ranges(text, v, out);
            }
        }
        Kind::Seq { items, .. } => {
            for it in items {
                tab_ok_ranges(text, it, out);
            }
        }
        Kind::Alias => {}
    }
}

/// A document end marker (`...`), or a tab in a line's leading white space (or after a `-` or
/// `?` indicator that starts it), outside scalars. YAML forbids tabs in indentation, and libyaml
/// (Goose's parser) refuses a line of block content that starts with one
/// (saphyr-parser reads some of them; inside a flow collection libyaml reads them too, other
/// parsers do not).
fn check_lines(text: &str, root: Option<&Node>) -> Result<(), EditError> {
    let mut ok = Vec::new();
    if let Some(r) = root {
        tab_ok_ranges(text, r, &mut ok);
    }
    let mut ls = 0;
    for line in text.split_inclusive('\n') {
        let marker = line
            .strip_prefix("...")
            .is_some_and(|r| r.chars().next().is_none_or(char::is_whitespace));
        if marker && !ok.iter().any(|&(s, e, _)| s < ls && ls < e) {
            // An explicit document end: text after it would start another document.
            let line = super::super::line_col(text, ls).0;
            return Err(strictness(
                line,
                1,
                "a document end marker (`...`)",
                "figma-auth would add to the file after it, where another document starts; \
                 remove the marker and retry",
            ));
        }
        let b = line.as_bytes();
        let blank = |i: usize| {
            b.get(i)
                .is_none_or(|&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        };
        let mut lead = b.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
        let mut tab = b[..lead].iter().position(|&c| c == b'\t');
        // The white space after a block sequence entry or complex key indicator (`- `, `? `)
        // counts as indentation to libyaml: a tab there is refused too.
        while tab.is_none() && matches!(b.get(lead), Some(b'-' | b'?')) && blank(lead + 1) {
            let after = lead + 1;
            lead = after
                + b[after..]
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
            tab = b[after..lead]
                .iter()
                .position(|&c| c == b'\t')
                .map(|i| after + i);
        }
        let in_scalar = |t: usize| {
            ok.iter()
                .any(|&(s, e, col)| s < ls + t && ls + t < e && t >= col)
        };
        if let Some(t) = tab.filter(|&t| !in_scalar(t)) {
            let (l, c) = super::super::line_col(text, ls + t);
            return Err(EditError::Syntax {
                line: l,
                column: c,
                message: "a tab in indentation (at the start of a line or after `-` or `?`); \
                          YAML indents with spaces only"
                    .into(),
            });
        }
        ls += line.len();
    }
    Ok(())
}

/// Parses `body` (BOM already stripped). Refuses a second document.
pub(crate) fn parse(body: &str) -> Result<Doc, EditError> {
    check_printable(body)?;
    let mut b = Builder {
        text: body,
        offsets: Offsets::new(body),
        parser: Parser::new_from_str(body),
        flow: 0,
        open_anchors: Vec::new(),
    };
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

/// A node's value, for comparing documents: scalars by text and style kind (plain or quoted),
/// anchors and tags included, maps in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Scalar {
        value: String,
        plain: bool,
        props: bool,
    },
    Seq(Vec<Val>),
    Map(Vec<(Val, Val)>),
    Alias,
}

impl Val {
    pub(super) fn of(n: &Node) -> Val {
        let v = match &n.kind {
            Kind::Scalar { value, style, .. } => Val::Scalar {
                value: value.clone(),
                plain: *style == ScalarStyle::Plain,
                props: n.props,
            },
            Kind::Seq { items, .. } => Val::Seq(items.iter().map(Val::of).collect()),
            Kind::Map { pairs, .. } => Val::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (Val::of(k), Val::of(v)))
                    .collect(),
            ),
            Kind::Alias => Val::Alias,
        };
        if n.props && !matches!(v, Val::Scalar { .. }) {
            // Keep collections with props distinct from those without.
            return Val::Seq(vec![
                Val::Scalar {
                    value: "(props)".into(),
                    plain: false,
                    props: true,
                },
                v,
            ]);
        }
        v
    }

    pub(super) fn str(s: &str) -> Val {
        Val::Scalar {
            value: s.to_string(),
            plain: false,
            props: false,
        }
    }

    /// The document value of an empty document.
    pub(super) fn null() -> Val {
        Val::Scalar {
            value: String::new(),
            plain: true,
            props: false,
        }
    }

    pub(super) fn key_is(&self, key: &str) -> bool {
        match self {
            Val::Scalar {
                value,
                plain,
                props: false,
            } => value == key && (!plain || plain_type(value) == PlainType::Str),
            _ => false,
        }
    }

    /// The value under `key` of a map.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Val> {
        match self {
            Val::Map(pairs) => pairs
                .iter_mut()
                .rev()
                .find(|(k, _)| k.key_is(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Equal, with plain and quoted scalars that read as the same string taken as equal.
    pub(super) fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (
                Val::Scalar {
                    value: a,
                    plain: pa,
                    props: xa,
                },
                Val::Scalar {
                    value: b,
                    plain: pb,
                    props: xb,
                },
            ) => {
                a == b
                    && xa == xb
                    && (pa == pb
                        || (*pa && plain_type(a) == PlainType::Str)
                        || (*pb && plain_type(b) == PlainType::Str))
            }
            (Val::Seq(a), Val::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Val::Map(a), Val::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka.same(kb) && va.same(vb))
            }
            (Val::Alias, Val::Alias) => true,
            _ => false,
        }
    }
}
