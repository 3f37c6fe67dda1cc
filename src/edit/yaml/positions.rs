//! Positions in the text: byte offsets of the parser's character indexes, and the ends and
//! starts it reports loosely (a quoted or block scalar's end, which it extends over trailing
//! spaces and comments; a value after its anchor or tag; a sequence item's `-`), found again in
//! the text.

/// Byte offsets of character indexes (the parser counts characters).
pub(super) struct Offsets(Option<Vec<usize>>);

impl Offsets {
    pub(super) fn new(text: &str) -> Self {
        if text.is_ascii() {
            return Offsets(None);
        }
        let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        v.push(text.len());
        Offsets(Some(v))
    }

    pub(super) fn byte(&self, index: usize, len: usize) -> usize {
        match &self.0 {
            None => index.min(len),
            Some(v) => v.get(index).copied().unwrap_or(len),
        }
    }
}

/// The offset after the `:` that follows a key ending at `end` (spaces between allowed).
pub(super) fn after_colon(text: &str, end: usize) -> Option<usize> {
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
pub(super) fn skip_props(text: &str, mut i: usize) -> usize {
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
pub(super) fn quoted_end(text: &str, start: usize, quote: u8) -> usize {
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
pub(super) fn block_end(text: &str, span_end: usize) -> usize {
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
