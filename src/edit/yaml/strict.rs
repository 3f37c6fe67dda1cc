//! The checks on the text beyond what saphyr-parser refuses: characters and line breaks YAML
//! or libyaml (Goose's parser) does not allow, anchor, alias and tag names libyaml refuses,
//! continuation lines indented too little, tabs in indentation and a document end marker.

use saphyr_parser::ScalarStyle;

use super::super::EditError;
use super::tree::{Kind, Node};

pub(super) fn strictness(
    line: usize,
    column: usize,
    what: &'static str,
    why: &'static str,
) -> EditError {
    EditError::Strictness {
        line,
        column,
        what,
        why,
    }
}

/// Anchor and alias names (`&name`, `*name`) at `start` must be letters, digits, `-` and `_`:
/// YAML 1.2 allows more, but libyaml (Goose's parser) refuses anything else.
pub(super) fn check_anchor_names(
    text: &str,
    start: usize,
    line: usize,
    col: usize,
) -> Result<(), EditError> {
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

/// A character YAML allows in a stream (c-printable), as libyaml checks it (a BOM only at the
/// start, which the caller strips).
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// Refuses a character the YAML spec (and so libyaml, Goose's parser) does not allow in a file,
/// and line breaks other than LF and CRLF: a lone CR, and NEL, LS and PS, which YAML 1.1
/// (libyaml) takes as line breaks and YAML 1.2 (saphyr-parser) does not.
pub(super) fn check_printable(body: &str) -> Result<(), EditError> {
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
pub(super) fn check_continuations(
    text: &str,
    n: &Node,
    parent: Option<usize>,
) -> Result<(), EditError> {
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
pub(super) fn check_lines(text: &str, root: Option<&Node>) -> Result<(), EditError> {
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
