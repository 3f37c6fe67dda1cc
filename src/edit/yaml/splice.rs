//! Finishing the planned change: removals become whole-line splices, the splices are applied to
//! the text in order (CRLF and a missing final newline kept), and the value the result must
//! have is worked out from the original's.

use super::super::EditError;
use super::editor::Editor;
use super::positions;
use super::tree::{Kind, Node};
use super::value::Val;
use super::{internal, Seg};

impl<'t> Editor<'t> {
    /// Turns the grouped removals into splices: whole lines, or (for the first member of a
    /// `- ` item) the text up to the next member, which then moves onto the item's line.
    fn plan_removals(&mut self) -> Result<(), EditError> {
        let mut groups: Vec<(&Node, Vec<usize>)> = Vec::new();
        for (n, i) in std::mem::take(&mut self.removals) {
            match groups.iter_mut().find(|(g, _)| std::ptr::eq(*g, n)) {
                Some((_, v)) => v.push(i),
                None => groups.push((n, vec![i])),
            }
        }
        for (n, mut idx) in groups {
            idx.sort_unstable();
            idx.dedup();
            // (start node, end of content) of each child.
            let spans: Vec<(&Node, usize)> = match &n.kind {
                Kind::Map { pairs, .. } => pairs.iter().map(|(k, v)| (k, v.end)).collect(),
                Kind::Seq { items, .. } => items.iter().map(|i| (i, i.end)).collect(),
                _ => return Err(internal("removal")),
            };
            let seq = n.items().is_some();
            let mut run_start = 0;
            while run_start < idx.len() {
                let mut run_end = run_start;
                while run_end + 1 < idx.len() && idx[run_end + 1] == idx[run_end] + 1 {
                    run_end += 1;
                }
                let (first, last) = (idx[run_start], idx[run_end]);
                let start_node = spans[first].0;
                // For a sequence, the item starts at its `-`.
                let mut start = start_node.start;
                if seq {
                    start = positions::dash_before(self.body, start)
                        .ok_or_else(|| internal("sequence item without a dash"))?;
                }
                let ls = self.line_start(start);
                let alone = self.body[ls..start].bytes().all(|c| c == b' ');
                if alone {
                    let (end, _) = self.after_line(spans[last].1);
                    self.replace(ls..end, String::new());
                } else {
                    let Some(next) = spans.get(last + 1) else {
                        return Err(internal("the only member of an item"));
                    };
                    self.replace(start..next.0.start, String::new());
                }
                run_start = run_end + 1;
            }
        }
        Ok(())
    }

    /// The new text and its intended value.
    pub(super) fn finish(mut self, bom: &str, before: Val) -> Result<(String, Val), EditError> {
        self.plan_removals()?;
        let mut edits = std::mem::take(&mut self.edits);
        // Lines inserted at one place: a nested value's (deeper) before its parent's next
        // members; otherwise in the order made (the sort is stable).
        let indent = |t: &str| {
            t.trim_start_matches('\n')
                .bytes()
                .take_while(|&b| b == b' ')
                .count()
        };
        edits.sort_by_key(|(r, t)| {
            // A value set in place comes before lines inserted at the same offset.
            (
                r.start,
                r.end,
                t.contains('\n'),
                std::cmp::Reverse(indent(t)),
            )
        });
        let len = self.body.len();
        if self.open_block_end && edits.iter().any(|(r, t)| r.start == len && !t.is_empty()) {
            let line = self.body.matches('\n').count() + 1;
            return Err(EditError::Strictness {
                line,
                column: 1,
                what: "a block scalar (`|` or `>`) at the end of a file without a final line break",
                why: "a line added after it would change its value; end the file with a line \
                      break and retry",
            });
        }
        let mut out = String::with_capacity(self.body.len() + 256);
        out.push_str(bom);
        let mut cursor = 0;
        for (r, text) in &edits {
            if r.start < cursor {
                return Err(internal("overlapping changes"));
            }
            out.push_str(&self.body[cursor..r.start]);
            if self.layout.crlf {
                out.push_str(&text.replace('\n', "\r\n"));
            } else {
                out.push_str(text);
            }
            cursor = r.end;
        }
        out.push_str(&self.body[cursor..]);
        if !self.body.trim().is_empty() && !self.body.ends_with('\n') && out.ends_with('\n') {
            out.pop();
            if out.ends_with('\r') {
                out.pop();
            }
        }
        // The value the result must have.
        let mut want = before;
        for (p, v) in &self.sets {
            *nav(&mut want, p)? = v.clone();
        }
        for (p, k) in &self.removed_keys {
            match nav(&mut want, p)? {
                Val::Map(pairs) => {
                    let i = pairs
                        .iter()
                        .rposition(|(pk, _)| pk.key_is(k))
                        .ok_or_else(|| internal("model key"))?;
                    pairs.remove(i);
                }
                _ => return Err(internal("model map")),
            }
        }
        let mut items = self.removed_items.clone();
        items.sort_by_key(|i| std::cmp::Reverse(i.1));
        for (p, i) in items {
            match nav(&mut want, &p)? {
                Val::Seq(v) if i < v.len() => {
                    v.remove(i);
                }
                _ => return Err(internal("model sequence")),
            }
        }
        for (p, v, key) in &self.pushes {
            match (nav(&mut want, p)?, key) {
                (Val::Map(pairs), Some(k)) => pairs.push((k.clone(), v.clone())),
                (Val::Seq(items), None) => items.push(v.clone()),
                _ => return Err(internal("model push")),
            }
        }
        Ok((out, want))
    }
}

fn nav<'v>(v: &'v mut Val, path: &[Seg]) -> Result<&'v mut Val, EditError> {
    let mut cur = v;
    for seg in path {
        cur = match (cur, seg) {
            (m @ Val::Map(_), Seg::Key(k)) => m.get_mut(k).ok_or_else(|| internal("model path"))?,
            (Val::Seq(items), Seg::Index(i)) => {
                items.get_mut(*i).ok_or_else(|| internal("model index"))?
            }
            _ => return Err(internal("model path kind")),
        };
    }
    Ok(cur)
}
