//! The stand-in a large strict-JSON document is edited through: its values off the container
//! path replaced by placeholders, and the stand-in's change carried back to the real text.

use crate::edit::scan::Obj;
use crate::edit::EntrySpec;

/// A stand-in for a large strict-JSON document: every value that is not on the way to the
/// container (a `projects` map, history arrays…) is replaced by `null`, everything else is kept
/// byte for byte. The CST edits this small text; as long as the edit touches no placeholder,
/// the same bytes spliced into the real document give what a CST of the whole file would
/// (`splice_and_cst_paths_give_identical_output` and the fixtures hold it to that), while the
/// tree is built over kilobytes instead of tens of megabytes.
pub(super) struct Skeleton {
    pub(super) text: String,
    /// Each placeholder: its offset in `text` and the value's range in the original.
    holes: Vec<(usize, std::ops::Range<usize>)>,
}

const PLACEHOLDER: &str = "null";

impl Skeleton {
    pub(super) fn new(body: &str, root: &Obj, spec: &EntrySpec) -> Self {
        fn walk(
            body: &str,
            obj: &Obj,
            depth: usize,
            spec: &EntrySpec,
            sk: &mut Skeleton,
            cursor: &mut usize,
        ) {
            if depth >= spec.container.len() {
                return;
            }
            for m in &obj.members {
                match &m.child {
                    Some(child) if m.key == spec.container[depth] => {
                        walk(body, child, depth + 1, spec, sk, cursor)
                    }
                    _ => {
                        sk.text.push_str(&body[*cursor..m.value.start]);
                        sk.holes.push((sk.text.len(), m.value.clone()));
                        sk.text.push_str(PLACEHOLDER);
                        *cursor = m.value.end;
                    }
                }
            }
        }
        let mut sk = Skeleton {
            text: String::new(),
            holes: Vec::new(),
        };
        let mut cursor = 0;
        walk(body, root, 0, spec, &mut sk, &mut cursor);
        sk.text.push_str(&body[cursor..]);
        sk
    }

    /// Offset in the original of skeleton offset `pos` (not inside a placeholder).
    fn to_original(&self, pos: usize) -> usize {
        let mut shift: isize = 0;
        for (at, range) in &self.holes {
            if at + PLACEHOLDER.len() <= pos {
                shift += range.len() as isize - PLACEHOLDER.len() as isize;
            }
        }
        (pos as isize + shift) as usize
    }

    /// The original with the skeleton's change applied, or `None` when the change touches a
    /// placeholder.
    pub(super) fn map_back(&self, body: &str, edited: &str) -> Option<String> {
        let (a, b) = (self.text.as_bytes(), edited.as_bytes());
        let mut p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        while !self.text.is_char_boundary(p) || !edited.is_char_boundary(p) {
            p -= 1;
        }
        let max_suffix = a.len().min(b.len()) - p;
        let mut s = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(max_suffix)
            .take_while(|(x, y)| x == y)
            .count();
        while !self.text.is_char_boundary(a.len() - s) || !edited.is_char_boundary(b.len() - s) {
            s -= 1;
        }
        let (q, middle) = (a.len() - s, &edited[p..b.len() - s]);
        let touches = self
            .holes
            .iter()
            .any(|(at, _)| *at < q && at + PLACEHOLDER.len() > p);
        if touches {
            return None;
        }
        let (start, end) = (self.to_original(p), self.to_original(q));
        let mut out = String::with_capacity(body.len() + middle.len());
        out.push_str(&body[..start]);
        out.push_str(middle);
        out.push_str(&body[end..]);
        Some(out)
    }
}
