//! The tree builder: nodes from saphyr-parser's events, with their byte positions, refusing
//! duplicate keys, keys without a text or over several lines, plain scalars other parsers read
//! otherwise, recursive aliases and nesting too deep to walk.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::super::EditError;
use super::positions::{after_colon, block_end, dash_before, quoted_end, skip_props, Offsets};
use super::strict::{check_anchor_names, strictness};
use super::tree::{join_path, Kind, Node};
use super::value::key_identity;

/// Builds nodes from the events of one text.
pub(super) struct Builder<'t> {
    text: &'t str,
    offsets: Offsets,
    parser: Parser<'t, saphyr_parser::StrInput<'t>>,
    /// How many flow collections enclose the node being built.
    flow: usize,
    /// The anchors of the nodes being built (an alias to one of them would be recursive).
    open_anchors: Vec<usize>,
}

pub(super) type Ev<'t> = (Event<'t>, Span);

impl<'t> Builder<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Builder {
            text,
            offsets: Offsets::new(text),
            parser: Parser::new_from_str(text),
            flow: 0,
            open_anchors: Vec::new(),
        }
    }

    pub(super) fn next(&mut self) -> Result<Ev<'t>, EditError> {
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
    pub(super) fn node(
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
