//! A fast span scanner for JSON/JSONC: one pass over the bytes (memchr for string ends) that
//! lists the members of the objects along a key path, skips everything else, and records the
//! first comment and trailing comma. It checks structure, not grammar: callers validate too.

use std::borrow::Cow;

/// The type of a value, judged by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// An object whose members were listed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Obj {
    /// Offset of `{`.
    pub open: usize,
    /// Offset of `}`.
    pub close: usize,
    pub members: Vec<Member>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Member {
    pub key: String,
    /// Offset of the key's opening quote.
    pub key_pos: usize,
    /// The value's byte range.
    pub value: std::ops::Range<usize>,
    pub kind: Kind,
    /// Members of the value when it is an object the walk descended into.
    pub child: Option<Obj>,
}

/// The document: its root value's kind and, when it is an object, its listing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Root {
    /// Nothing but whitespace and comments.
    Empty,
    Object(Obj),
    Other {
        kind: Kind,
        pos: usize,
    },
}

/// A structural error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub pos: usize,
    pub message: &'static str,
}

/// Which objects to list: `descend(depth, key)` is asked for each member whose value is an
/// object, `depth` being the depth of the object holding it (root = 0).
pub(crate) struct Scanner<'a, F> {
    b: &'a [u8],
    descend: F,
    /// First comment's offset.
    pub comment: Option<usize>,
    /// First trailing comma's offset.
    pub trailing_comma: Option<usize>,
}

type Res<T> = Result<T, ScanError>;

fn err<T>(pos: usize, message: &'static str) -> Res<T> {
    Err(ScanError { pos, message })
}

impl<'a, F: FnMut(usize, &str) -> bool> Scanner<'a, F> {
    pub(crate) fn new(text: &'a str, descend: F) -> Self {
        Self {
            b: text.as_bytes(),
            descend,
            comment: None,
            trailing_comma: None,
        }
    }

    pub(crate) fn scan(mut self) -> Res<(Root, Option<usize>, Option<usize>)> {
        let i = self.ws(0)?;
        let root = if i == self.b.len() {
            Root::Empty
        } else if self.b[i] == b'{' {
            let obj = self.object(i, 0)?;
            let end = self.ws(obj.close + 1)?;
            if end != self.b.len() {
                return err(end, "unexpected text after the end of the document");
            }
            Root::Object(obj)
        } else {
            let kind = kind_of(self.b[i]).ok_or(ScanError {
                pos: i,
                message: "unexpected character",
            })?;
            let end = self.value_end(i)?;
            let after = self.ws(end)?;
            if after != self.b.len() {
                return err(after, "unexpected text after the end of the document");
            }
            Root::Other { kind, pos: i }
        };
        Ok((root, self.comment, self.trailing_comma))
    }

    /// Lists the object whose `{` is at `open`, `depth` deep (the root is 0), as [`Self::scan`]
    /// lists it inside a document.
    pub(crate) fn object_at(mut self, open: usize, depth: usize) -> Res<Obj> {
        self.object(open, depth)
    }

    /// Skips whitespace and comments.
    #[inline]
    fn ws(&mut self, mut i: usize) -> Res<usize> {
        let b = self.b;
        loop {
            match b.get(i) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => {
                    i += 1;
                    // Indentation runs: eight spaces at a time.
                    while b.get(i..i + 8) == Some(b"        ") {
                        i += 8;
                    }
                }
                Some(b'/') => i = self.comment_end(i)?,
                _ => return Ok(i),
            }
        }
    }

    #[cold]
    fn comment_end(&mut self, i: usize) -> Res<usize> {
        let b = self.b;
        let end = match b.get(i + 1) {
            Some(b'/') => memchr::memchr2(b'\n', b'\r', &b[i + 2..])
                .map(|k| i + 2 + k)
                .unwrap_or(b.len()),
            Some(b'*') => match memchr::memmem::find(&b[i + 2..], b"*/") {
                Some(k) => i + 2 + k + 2,
                None => return err(i, "unterminated block comment"),
            },
            _ => return err(i, "unexpected character `/`"),
        };
        self.comment.get_or_insert(i);
        Ok(end)
    }

    /// `i` is at an opening quote; returns the offset after the closing quote.
    #[inline]
    fn string_end(&self, i: usize) -> Res<usize> {
        let b = self.b;
        let mut j = i + 1;
        while j < b.len() {
            match memchr::memchr2(b'"', b'\\', &b[j..]) {
                Some(k) if b[j + k] == b'"' => return Ok(j + k + 1),
                Some(k) => j += k + 2,
                None => break,
            }
        }
        err(i, "unterminated string")
    }

    #[inline]
    fn scalar_end(&self, i: usize) -> Res<usize> {
        let b = self.b;
        let mut j = i;
        while j < b.len()
            && matches!(b[j], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'+' | b'-' | b'.')
        {
            j += 1;
        }
        if j == i {
            return err(i, "unexpected character");
        }
        Ok(j)
    }

    /// End offset of the value starting at `i`.
    fn value_end(&mut self, i: usize) -> Res<usize> {
        match self.b[i] {
            b'"' => self.string_end(i),
            b'{' | b'[' => self.skip_container(i),
            _ => self.scalar_end(i),
        }
    }

    /// Skips an object or array starting at `start`, checking bracket balance and recording
    /// comments and trailing commas.
    fn skip_container(&mut self, start: usize) -> Res<usize> {
        let b = self.b;
        let mut stack: Vec<u8> = Vec::with_capacity(16);
        stack.push(closer(b[start]));
        let mut i = start + 1;
        let mut last_comma: Option<usize> = None;
        loop {
            i = self.ws(i)?;
            let Some(&c) = b.get(i) else {
                return err(
                    i,
                    "unexpected end of file: an object or array is not closed",
                );
            };
            match c {
                b'"' => {
                    i = self.string_end(i)?;
                    last_comma = None;
                }
                b'{' | b'[' => {
                    stack.push(closer(c));
                    i += 1;
                    last_comma = None;
                }
                b'}' | b']' => {
                    if stack.pop() != Some(c) {
                        return err(i, "mismatched closing bracket");
                    }
                    if let Some(p) = last_comma.take() {
                        self.trailing_comma.get_or_insert(p);
                    }
                    i += 1;
                    if stack.is_empty() {
                        return Ok(i);
                    }
                }
                b',' => {
                    last_comma = Some(i);
                    i += 1;
                }
                b':' => {
                    i += 1;
                    last_comma = None;
                }
                _ => {
                    i = self.scalar_end(i)?;
                    last_comma = None;
                }
            }
        }
    }

    /// Lists the object at `open` (depth `depth`), descending where `descend` says so.
    fn object(&mut self, open: usize, depth: usize) -> Res<Obj> {
        let b = self.b;
        let mut members = Vec::new();
        let mut i = self.ws(open + 1)?;
        if b.get(i) == Some(&b'}') {
            return Ok(Obj {
                open,
                close: i,
                members,
            });
        }
        loop {
            match b.get(i) {
                Some(b'"') => {}
                None => return err(i, "unexpected end of file: an object is not closed"),
                Some(_) => return err(i, "expected a key in double quotes"),
            }
            let key_end = self.string_end(i)?;
            let key = decode_string(&b[i..key_end]).ok_or(ScanError {
                pos: i,
                message: "invalid string escape in a key",
            })?;
            let colon = self.ws(key_end)?;
            if b.get(colon) != Some(&b':') {
                return err(colon, "expected `:` after a key");
            }
            let vs = self.ws(colon + 1)?;
            let Some(&first) = b.get(vs) else {
                return err(vs, "unexpected end of file: a value is missing");
            };
            let kind = kind_of(first).ok_or(ScanError {
                pos: vs,
                message: "expected a value",
            })?;
            let (ve, child) = if kind == Kind::Object && (self.descend)(depth, &key) {
                let obj = self.object(vs, depth + 1)?;
                (obj.close + 1, Some(obj))
            } else {
                (self.value_end(vs)?, None)
            };
            members.push(Member {
                key: key.into_owned(),
                key_pos: i,
                value: vs..ve,
                kind,
                child,
            });
            let next = self.ws(ve)?;
            match b.get(next) {
                Some(b',') => {
                    i = self.ws(next + 1)?;
                    if b.get(i) == Some(&b'}') {
                        self.trailing_comma.get_or_insert(next);
                        return Ok(Obj {
                            open,
                            close: i,
                            members,
                        });
                    }
                }
                Some(b'}') => {
                    return Ok(Obj {
                        open,
                        close: next,
                        members,
                    })
                }
                None => return err(next, "unexpected end of file: an object is not closed"),
                Some(_) => return err(next, "expected `,` or `}`"),
            }
        }
    }
}

fn closer(open: u8) -> u8 {
    if open == b'{' {
        b'}'
    } else {
        b']'
    }
}

pub(crate) fn kind_of(first: u8) -> Option<Kind> {
    Some(match first {
        b'{' => Kind::Object,
        b'[' => Kind::Array,
        b'"' => Kind::String,
        b't' | b'f' => Kind::Bool,
        b'n' => Kind::Null,
        b'-' | b'0'..=b'9' => Kind::Number,
        _ => return None,
    })
}

/// Decodes a JSON string literal (quotes included).
pub(crate) fn decode_string(lit: &[u8]) -> Option<Cow<'_, str>> {
    let inner = lit.get(1..lit.len().checked_sub(1)?)?;
    if memchr::memchr(b'\\', inner).is_none() {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(lit).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(text: &str) -> Res<(Root, Option<usize>, Option<usize>)> {
        Scanner::new(text, |_, _| true).scan()
    }

    #[test]
    fn lists_nested_members_with_spans() {
        let text = r#"{"a": {"b": "x\"y", "c": [1, {"d": 2}]}, "e": null}"#;
        let (root, comment, tc) = scan_all(text).unwrap();
        assert_eq!((comment, tc), (None, None));
        let Root::Object(obj) = root else { panic!() };
        assert_eq!(obj.members.len(), 2);
        let a = obj.members[0].child.as_ref().unwrap();
        assert_eq!(a.members[0].key, "b");
        assert_eq!(&text[a.members[0].value.clone()], r#""x\"y""#);
        assert_eq!(a.members[1].kind, Kind::Array);
        assert_eq!(obj.members[1].kind, Kind::Null);
    }

    #[test]
    fn records_comments_and_trailing_commas() {
        let text = "{\n // c\n \"a\": [1,],\n}";
        let (_, comment, tc) = scan_all(text).unwrap();
        assert_eq!(comment, Some(3));
        assert_eq!(tc, Some(text.find(",]").unwrap()));
    }

    #[test]
    fn decodes_escaped_keys() {
        let (root, ..) = scan_all(r#"{"\u0066igma": 1}"#).unwrap();
        let Root::Object(obj) = root else { panic!() };
        assert_eq!(obj.members[0].key, "figma");
    }

    #[test]
    fn reports_structural_errors() {
        for bad in [
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\": [1}",
            "{\"a\": \"x",
            "\0\0\0",
            "{} x",
            "{\"a\" 1}",
            "{\"a\": 1 \"b\": 2}",
            "/* x",
            "{'a': 1}",
            "[1,",
        ] {
            assert!(scan_all(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(scan_all("  // only\n").unwrap().0, Root::Empty));
        assert!(matches!(
            scan_all("[]").unwrap().0,
            Root::Other {
                kind: Kind::Array,
                ..
            }
        ));
    }
}
