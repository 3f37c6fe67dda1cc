//! Lone surrogate escapes (`"\ud83d"` without its pair) are valid for JSON.parse — Claude Code
//! writes them when a history entry cuts an emoji in half — but jsonc-parser refuses them. The
//! JSON engine therefore works on a masked copy where each lone surrogate escape is replaced by
//! `\ufffd` (the same six bytes long, so every offset holds), and puts the original escapes back
//! into the output. Found by the fuzzer.

use std::borrow::Cow;

/// The masked text and where each original escape was.
pub(crate) struct Masked<'a> {
    pub text: Cow<'a, str>,
    holes: Vec<(usize, [u8; 6])>,
}

const PLACEHOLDER: &[u8; 6] = b"\\ufffd";

/// The surrogate code unit of the `\uXXXX` escape at `i` (`i` at the backslash), if it is one
/// and the backslash is not itself escaped.
fn surrogate_at(b: &[u8], i: usize) -> Option<u16> {
    let hex = b.get(i + 2..i + 6)?;
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let preceding = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
    if preceding % 2 == 1 {
        return None;
    }
    let v = u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
    (0xD800..=0xDFFF).contains(&v).then_some(v)
}

impl<'a> Masked<'a> {
    pub(crate) fn new(body: &'a str) -> Self {
        let b = body.as_bytes();
        let mut holes = Vec::new();
        let mut paired_low: Option<usize> = None;
        for i in memchr::memmem::find_iter(b, b"\\u") {
            if paired_low == Some(i) {
                continue;
            }
            let Some(v) = surrogate_at(b, i) else {
                continue;
            };
            if (0xD800..=0xDBFF).contains(&v)
                && surrogate_at(b, i + 6).is_some_and(|w| (0xDC00..=0xDFFF).contains(&w))
            {
                paired_low = Some(i + 6);
                continue;
            }
            let mut orig = [0u8; 6];
            orig.copy_from_slice(&b[i..i + 6]);
            holes.push((i, orig));
        }
        if holes.is_empty() {
            return Self {
                text: Cow::Borrowed(body),
                holes,
            };
        }
        let mut bytes = b.to_vec();
        for (i, _) in &holes {
            bytes[*i..*i + 6].copy_from_slice(PLACEHOLDER);
        }
        Self {
            // ASCII replaced by ASCII: still UTF-8.
            text: Cow::Owned(String::from_utf8(bytes).expect("ASCII swap")),
            holes,
        }
    }

    /// True when there was nothing to mask: the masked text is the original.
    pub(crate) fn is_unchanged(&self) -> bool {
        self.holes.is_empty()
    }

    /// `out`, an edit of the masked text, with the original escapes back. Edits move text (a
    /// one-line object is expanded) but never add, drop or reorder a `\ufffd` escape outside
    /// our entry, so the k-th `\ufffd` of the output is the k-th of the input. `Err(offset)`:
    /// the counts differ (an escape was in a removed member), the input offset of the first hole.
    pub(crate) fn restore(&self, out: String) -> Result<String, usize> {
        self.restore_dropping(out, &[])
    }

    /// [`Masked::restore`] for an edit that removed or replaced the input's bytes in `dropped`
    /// (members of our entry): the escapes there are gone with them.
    pub(crate) fn restore_dropping(
        &self,
        out: String,
        dropped: &[std::ops::Range<usize>],
    ) -> Result<String, usize> {
        if self.holes.is_empty() {
            return Ok(out);
        }
        let kept = |i: &usize| !dropped.iter().any(|r| r.contains(i));
        let before: Vec<usize> = placeholders(self.text.as_bytes())
            .into_iter()
            .filter(kept)
            .collect();
        let after = placeholders(out.as_bytes());
        if before.len() != after.len() {
            return Err(self.holes[0].0);
        }
        let mut bytes = out.into_bytes();
        let mut holes = self.holes.iter().peekable();
        for (from, to) in before.iter().zip(&after) {
            if let Some((_, orig)) = holes.next_if(|(at, _)| at == from) {
                bytes[*to..*to + 6].copy_from_slice(orig);
            }
        }
        Ok(String::from_utf8(bytes).expect("ASCII swap"))
    }
}

/// Offsets of every `\ufffd` escape (the backslash not itself escaped).
fn placeholders(b: &[u8]) -> Vec<usize> {
    memchr::memmem::find_iter(b, PLACEHOLDER)
        .filter(|&i| b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_only_lone_surrogates() {
        let text = r#"{"a": "\ud83d\ude00 \ud83d x \ude00 \\ud83d \uD800"}"#;
        let m = Masked::new(text);
        assert_eq!(
            m.text,
            r#"{"a": "\ud83d\ude00 \ufffd x \ufffd \\ud83d \ufffd"}"#
        );
        assert_eq!(m.restore(m.text.to_string()).unwrap(), text);
        let edited = m.text.replace("{\"a\"", "{\"new\": 1, \"a\"");
        // Text moved (a reformatted object) still gets its escapes back, in order.
        assert_eq!(
            m.restore(edited).unwrap(),
            text.replace("{\"a\"", "{\"new\": 1, \"a\"")
        );
        let moved = m.text.replace("{\"a\": ", "{\n    \"a\": ");
        assert_eq!(
            m.restore(moved).unwrap(),
            text.replace("{\"a\": ", "{\n    \"a\": ")
        );
        // A placeholder more or less: refused.
        assert!(m.restore(m.text.replace("x", "\\ufffd")).is_err());
        assert!(Masked::new("{}").holes.is_empty());
    }
}
