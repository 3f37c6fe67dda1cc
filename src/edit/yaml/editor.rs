//! The planned change ([`Editor`]): splices of the original text (a scalar replaced, lines
//! inserted after a block collection, an empty value filled, members and items to remove) and,
//! beside each, the change to the document's value it stands for.

use std::ops::Range;

use super::super::{uses_crlf, EditError};
use super::emit::{self, Layout, New};
use super::tree::{self, Kind, Node};
use super::value::Val;
use super::{internal, refuse, Seg, FLOW_WHY};

/// The planned change: splices of the original text and the value the result must have.
pub(super) struct Editor<'t> {
    pub(super) body: &'t str,
    pub(super) layout: Layout,
    /// The text ends in a block scalar with no final line break ([`tree::Doc::open_block_end`]).
    pub(super) open_block_end: bool,
    /// `(range, text)`; insertions are empty ranges (kept in the order made).
    pub(super) edits: Vec<(Range<usize>, String)>,
    /// Members and items to remove, grouped per collection at the end.
    pub(super) removals: Vec<(&'t Node, usize)>,
    pub(super) sets: Vec<(Vec<Seg>, Val)>,
    pub(super) removed_keys: Vec<(Vec<Seg>, String)>,
    pub(super) removed_items: Vec<(Vec<Seg>, usize)>,
    pub(super) pushes: Vec<(Vec<Seg>, Val, Option<Val>)>,
}

impl<'t> Editor<'t> {
    pub(super) fn new(body: &'t str, doc: &tree::Doc) -> Self {
        let root = doc.root.as_ref();
        Editor {
            body,
            open_block_end: doc.open_block_end,
            layout: Layout::detect(root, uses_crlf(body)),
            edits: Vec::new(),
            removals: Vec::new(),
            sets: Vec::new(),
            removed_keys: Vec::new(),
            removed_items: Vec::new(),
            pushes: Vec::new(),
        }
    }

    pub(super) fn line_start(&self, pos: usize) -> usize {
        self.body[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Where lines go after the line holding `end`, and whether a line break must come first
    /// (the last line has none).
    pub(super) fn after_line(&self, end: usize) -> (usize, bool) {
        if end == 0 || self.body.as_bytes()[end - 1] == b'\n' {
            return (end, false);
        }
        match self.body[end..].find('\n') {
            Some(i) => (end + i + 1, false),
            None => (self.body.len(), true),
        }
    }

    /// Inserts `lines` (LF-terminated) at the line after `end`.
    fn insert_lines(&mut self, end: usize, lines: String) {
        let (at, lead) = self.after_line(end);
        let text = if lead {
            format!("\n{}", lines.trim_end_matches('\n'))
        } else {
            lines
        };
        self.edits.push((at..at, text));
    }

    pub(super) fn replace(&mut self, range: Range<usize>, text: String) {
        self.edits.push((range, text));
    }

    /// Appends members to a block mapping.
    pub(super) fn add_members(
        &mut self,
        map: &Node,
        path: &[Seg],
        members: &[(String, New)],
    ) -> Result<(), EditError> {
        if map.is_flow() {
            return Err(refuse(map, "a flow mapping (`{ … }`)", FLOW_WHY));
        }
        let mut lines = String::new();
        for (k, v) in members {
            emit::member(&mut lines, k, v, map.col, &self.layout);
            self.pushes
                .push((path.to_vec(), v.val(), Some(Val::str(k))));
        }
        self.insert_lines(map.end, lines);
        Ok(())
    }

    /// Appends an item to a block sequence.
    pub(super) fn add_item(
        &mut self,
        seq: &Node,
        path: &[Seg],
        item: &New,
    ) -> Result<(), EditError> {
        if seq.is_flow() {
            return Err(refuse(seq, "a flow sequence (`[ … ]`)", FLOW_WHY));
        }
        let mut l = self.layout;
        if let Some(first) = seq.items().and_then(<[Node]>::first)
            && first.line == seq.line
            && first.col >= seq.col + 2
        {
            l.seq_pad = first.col - seq.col;
        }
        let mut lines = String::new();
        emit::item(&mut lines, item, seq.col, &l);
        self.pushes.push((path.to_vec(), item.val(), None));
        self.insert_lines(seq.end, lines);
        Ok(())
    }

    /// Fills an empty value (`key:`, `~`, `{}`, `[]`, or an empty document) with `content`, a
    /// mapping's members or a sequence's items written on the lines below `key` at `col`.
    pub(super) fn fill(&mut self, key: Option<&Node>, stub: &Node, path: &[Seg], content: &New) {
        // The empty value's own text goes, with the spaces before it (and its line, when
        // nothing else is on it).
        let mut stub_end = stub.end;
        let mut whole_line = false;
        if stub.end > stub.start {
            let mut s = stub.start;
            while s > 0 && matches!(self.body.as_bytes()[s - 1], b' ' | b'\t') {
                s -= 1;
            }
            let rest = &self.body[stub.end..];
            let eol = rest.find('\n').map_or(rest.len(), |i| i + 1);
            if self.line_start(s) == s && rest[..eol].trim().is_empty() {
                stub_end = stub.end + eol;
                whole_line = true;
            }
            self.replace(s..stub_end, String::new());
        }
        let col = match key {
            None => 0,
            Some(k) => match content {
                New::Seq(_) => k.col + self.layout.seq_indent,
                _ => k.col + self.layout.unit,
            },
        };
        let mut lines = String::new();
        match content {
            New::Map(m) => {
                for (k, v) in m {
                    emit::member(&mut lines, k, v, col, &self.layout);
                }
            }
            New::Seq(items) => {
                for it in items {
                    emit::item(&mut lines, it, col, &self.layout);
                }
            }
            New::Scalar(_) => {}
        }
        let end = if key.is_none() && stub.end == stub.start {
            self.body.len()
        } else {
            stub_end
        };
        if whole_line {
            // The insertion starts a line of its own in the result.
            self.edits.push((stub_end..stub_end, lines));
        } else {
            self.insert_lines(end, lines);
        }
        self.sets.push((path.to_vec(), content.val()));
    }

    /// Replaces a scalar's text.
    pub(super) fn set_scalar(&mut self, n: &Node, path: &[Seg], text: String, val: Val) {
        if let Kind::Scalar { token, .. } = &n.kind {
            // An empty value (`key:`) gets its space.
            let text = if token.start == token.end {
                format!(" {text}")
            } else {
                text
            };
            self.replace(token.clone(), text);
            self.sets.push((path.to_vec(), val));
        }
    }

    pub(super) fn remove_member(
        &mut self,
        map: &'t Node,
        path: &[Seg],
        key: &str,
    ) -> Result<(), EditError> {
        let pairs = map
            .pairs()
            .ok_or_else(|| internal("remove from a non-mapping"))?;
        let idx = pairs
            .iter()
            .position(|(k, _)| k.as_str() == Some(key))
            .ok_or_else(|| internal("member to remove"))?;
        if map.is_flow() {
            return Err(refuse(map, "a flow mapping (`{ … }`)", FLOW_WHY));
        }
        self.removals.push((map, idx));
        self.removed_keys.push((path.to_vec(), key.to_string()));
        Ok(())
    }

    pub(super) fn remove_item(
        &mut self,
        seq: &'t Node,
        path: &[Seg],
        idx: usize,
    ) -> Result<(), EditError> {
        if seq.is_flow() {
            return Err(refuse(seq, "a flow sequence (`[ … ]`)", FLOW_WHY));
        }
        self.removals.push((seq, idx));
        self.removed_items.push((path.to_vec(), idx));
        Ok(())
    }
}
