//! Writing YAML: scalars quoted only as much as needed (or in the style of the value they
//! replace), and new blocks laid out like the file around them.

use saphyr_parser::ScalarStyle;

use super::tree::{Kind, Node};
use super::value::{plain_type, PlainType, Val};
use crate::edit::Scalar;

/// A character YAML allows in a document without an escape (c-printable), minus the ones a YAML
/// 1.1 reader takes as line breaks (NEL, LS, PS) and the BOM.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// `s` may be written as a plain scalar and reads back as this string in YAML 1.2 and 1.1
/// (so not `yes`, `on`, `1:20`…), in block context or, with `flow`, inside `[…]`/`{…}`.
pub(crate) fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let last = s.chars().last().unwrap_or(first);
    if first.is_whitespace() || last.is_whitespace() || last == ':' {
        return false;
    }
    // `-`, `?` and `:` may start a plain scalar when a safe character follows.
    let second = s[first.len_utf8()..].chars().next();
    let safe_second = second
        .is_some_and(|c| !(c.is_whitespace() || flow && matches!(c, ',' | '[' | ']' | '{' | '}')));
    if ",[]{}#&*!|>'\"%@`.".contains(first) || ("-?:".contains(first) && !safe_second) {
        return false;
    }
    if s.chars()
        .any(|c| !printable(c) || matches!(c, '\t' | '\n' | '\r'))
    {
        return false;
    }
    if s.contains(": ") || s.contains(" #") {
        return false;
    }
    if flow && (s.contains([',', '[', ']', '{', '}'])) {
        return false;
    }
    if plain_type(s) != PlainType::Str {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "=" | "<<"
    ) {
        return false;
    }
    // YAML 1.1 numbers: 1_000, 1:20 (base 60), 0b1, leading zeros…
    if first.is_ascii_digit() || first == '+' {
        return false;
    }
    true
}

/// `'…'` when the string has no character that needs an escape.
fn single_quoted(s: &str) -> Option<String> {
    s.chars()
        .all(|c| printable(c) && !matches!(c, '\n' | '\r' | '\t'))
        .then(|| format!("'{}'", s.replace('\'', "''")))
}

/// `"…"` with every character that is not printable escaped.
pub(crate) fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A new string scalar: plain when possible, else single-quoted, else double-quoted.
pub(crate) fn string(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        return s.to_string();
    }
    single_quoted(s).unwrap_or_else(|| double_quoted(s))
}

/// A string replacing a scalar of `style`, in that style when it can hold it.
pub(crate) fn string_like(s: &str, style: ScalarStyle, flow: bool) -> String {
    match style {
        ScalarStyle::DoubleQuoted => double_quoted(s),
        ScalarStyle::SingleQuoted => single_quoted(s).unwrap_or_else(|| double_quoted(s)),
        _ => string(s, flow),
    }
}

/// A value to write.
#[derive(Debug, Clone)]
pub(crate) enum New {
    Scalar(Scalar),
    Map(Vec<(String, New)>),
    Seq(Vec<New>),
}

impl New {
    pub(super) fn str(s: &str) -> New {
        New::Scalar(Scalar::Str(s.to_string()))
    }

    /// Its value once written (what the re-parse must find).
    pub(super) fn val(&self) -> Val {
        match self {
            New::Scalar(Scalar::Str(s)) => Val::str(s),
            New::Scalar(Scalar::Bool(b)) => Val::Scalar {
                value: b.to_string(),
                plain: true,
                props: false,
            },
            New::Scalar(Scalar::Int(i)) => Val::Scalar {
                value: i.to_string(),
                plain: true,
                props: false,
            },
            New::Map(m) => Val::Map(m.iter().map(|(k, v)| (Val::str(k), v.val())).collect()),
            New::Seq(s) => Val::Seq(s.iter().map(New::val).collect()),
        }
    }
}

pub(crate) fn scalar_text(s: &Scalar, flow: bool) -> String {
    match s {
        Scalar::Str(v) => string(v, flow),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_string(),
    }
}

/// The file's indentation habits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Spaces per nesting level of mappings.
    pub unit: usize,
    /// Columns between a key and the `-` of its block sequence (0: `key:\n- item`).
    pub seq_indent: usize,
    /// Columns between a `-` and the item's content (2: `- item`).
    pub seq_pad: usize,
    pub crlf: bool,
}

impl Layout {
    pub(super) fn detect(root: Option<&Node>, crlf: bool) -> Layout {
        let mut l = Layout {
            unit: 0,
            seq_indent: usize::MAX,
            seq_pad: 0,
            crlf,
        };
        if let Some(r) = root {
            walk(r, &mut l, 0);
        }
        if l.unit == 0 {
            l.unit = 2;
        }
        if l.seq_indent == usize::MAX {
            l.seq_indent = l.unit;
        }
        if l.seq_pad == 0 {
            l.seq_pad = 2;
        }
        l
    }
}

fn walk(n: &Node, l: &mut Layout, depth: usize) {
    if depth > 64 || (l.unit != 0 && l.seq_indent != usize::MAX && l.seq_pad != 0) {
        return;
    }
    match &n.kind {
        Kind::Map { flow: false, pairs } => {
            for (k, v) in pairs {
                match &v.kind {
                    Kind::Map { flow: false, .. }
                        if v.line > k.line && v.col > k.col && l.unit == 0 =>
                    {
                        l.unit = v.col - k.col;
                    }
                    Kind::Seq { flow: false, .. }
                        if v.line > k.line && v.col >= k.col && l.seq_indent == usize::MAX =>
                    {
                        l.seq_indent = v.col - k.col;
                    }
                    _ => {}
                }
                walk(v, l, depth + 1);
            }
        }
        Kind::Seq { flow: false, items } => {
            for it in items {
                if l.seq_pad == 0 && it.line == n.line && it.col >= n.col + 2 && !it.is_flow() {
                    l.seq_pad = it.col - n.col;
                }
                walk(it, l, depth + 1);
            }
        }
        _ => {}
    }
}

/// Appends `key: value` lines at column `col` (LF line ends; the caller converts).
pub(crate) fn member(out: &mut String, key: &str, value: &New, col: usize, l: &Layout) {
    let pad = " ".repeat(col);
    let key = string(key, false);
    match value {
        New::Scalar(s) => out.push_str(&format!("{pad}{key}: {}\n", scalar_text(s, false))),
        New::Map(m) if m.is_empty() => out.push_str(&format!("{pad}{key}: {{}}\n")),
        New::Seq(s) if s.is_empty() => out.push_str(&format!("{pad}{key}: []\n")),
        New::Map(m) => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (k, v) in m {
                member(out, k, v, col + l.unit, l);
            }
        }
        New::Seq(items) => {
            out.push_str(&format!("{pad}{key}:\n"));
            for it in items {
                item(out, it, col + l.seq_indent, l);
            }
        }
    }
}

/// Appends a `- item` at column `col` (the `-`).
pub(crate) fn item(out: &mut String, value: &New, col: usize, l: &Layout) {
    let content = col + l.seq_pad;
    let mut body = String::new();
    match value {
        New::Scalar(s) => body.push_str(&format!(
            "{}{}\n",
            " ".repeat(content),
            scalar_text(s, false)
        )),
        New::Map(m) if !m.is_empty() => {
            for (k, v) in m {
                member(&mut body, k, v, content, l);
            }
        }
        New::Map(_) => body.push_str(&format!("{}{{}}\n", " ".repeat(content))),
        New::Seq(_) => body.push_str(&format!("{}[]\n", " ".repeat(content))),
    }
    out.push_str(&" ".repeat(col));
    out.push('-');
    out.push_str(&" ".repeat(l.seq_pad - 1));
    out.push_str(&body[content..]);
}
