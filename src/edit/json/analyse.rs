//! Reading a JSON or JSONC text: validation with the syntax's strictness (serde_json for strict
//! JSON, jsonc-parser otherwise, a comment or trailing comma worded with its line and column),
//! the scanner's listing of the members on the way to our entry, and the masking of lone
//! surrogates, on a second thread for a large text.

use jsonc_parser::errors::{ParseError, ParseErrorKind};
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::edit::scan::{self, Kind, Member, Obj, Root, Scanner};
use crate::edit::surrogates::Masked;
use crate::edit::{line_col, EditError, EntrySpec, Syntax};

/// jsonc-parser options for a syntax: every JSON5 extension off; comments and trailing commas
/// as the syntax allows (the CST ignores `allow_comments`, strictness is checked separately).
pub(crate) fn parse_options(syntax: Syntax) -> ParseOptions {
    ParseOptions {
        allow_comments: syntax != Syntax::StrictJson,
        allow_loose_object_property_names: false,
        allow_trailing_commas: syntax == Syntax::Jsonc,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

pub(super) fn syntax_error(text: &str, pos: usize, message: impl Into<String>) -> EditError {
    let (line, column) = line_col(text, pos);
    EditError::Syntax {
        line,
        column,
        message: message.into(),
    }
}

pub(crate) fn jsonc_error(e: &ParseError) -> EditError {
    let message = match e.kind() {
        ParseErrorKind::String(
            jsonc_parser::ParseStringErrorKind::InvalidUnicodeEscapeSequence(_),
        ) => "invalid unicode escape sequence".to_string(),
        kind => {
            let mut m = kind.to_string();
            if let Some(first) = m.get_mut(..1) {
                first.make_ascii_lowercase();
            }
            m
        }
    };
    EditError::Syntax {
        line: e.line_display(),
        column: e.column_display(),
        message,
    }
}

/// Scans and validates `body` (BOM already stripped) with the syntax's strictness.
pub(crate) fn analyse(
    body: &str,
    syntax: Syntax,
    spec: Option<&EntrySpec>,
    path: &[&str],
) -> Result<Root, EditError> {
    let c = spec.map(|s| s.container.len()).unwrap_or(path.len());
    let descend = |depth: usize, key: &str| -> bool {
        match spec {
            Some(s) => {
                (depth < c && s.container[depth] == key)
                    || depth == c
                    || (depth == c + 1 && (key == s.headers_key || s.is_body(key)))
                    || (depth == c + 2 && key == s.headers_key && s.body_key.is_some())
            }
            None => depth < c && path[depth] == key,
        }
    };
    if syntax == Syntax::StrictJson
        && let Some(root) = list_strict(body, descend)
    {
        return Ok(root);
    }
    // Not valid strict JSON, or JSONC: the scanner finds the first problem and words it.
    let (root, comment, trailing) = match Scanner::new(body, descend).scan() {
        Ok(r) => r,
        Err(e) => return Err(syntax_error(body, e.pos, e.message)),
    };
    let comment = comment.filter(|_| syntax == Syntax::StrictJson);
    let trailing = trailing.filter(|_| syntax != Syntax::Jsonc);
    let first = match (comment, trailing) {
        (Some(c), Some(t)) if t < c => Some((t, "a trailing comma")),
        (Some(c), _) => Some((c, "a comment")),
        (None, Some(t)) => Some((t, "a trailing comma")),
        (None, None) => None,
    };
    if let Some((pos, what)) = first {
        let (line, column) = line_col(body, pos);
        return Err(EditError::Strictness {
            line,
            column,
            what,
            why: spec.map_or(crate::edit::STRICT_WHY, |s| s.strict_why),
        });
    }
    validate(body, syntax)?;
    Ok(root)
}

/// Texts at least this large are masked ([`Masked`]) on a second thread while they are analysed.
const PARALLEL_MIN: usize = 4 << 20;

/// `body` with its lone surrogates masked, and the analysis of the masked text. Each is a pass
/// over the whole text (tens of ms for a heavy `~/.claude.json`), so a large text is analysed as
/// it is while a second thread masks it; the analysis is done again on the masked text only
/// when there was something to mask (otherwise the two texts are the same).
pub(super) fn masked_analysis<'a>(
    body: &'a str,
    syntax: Syntax,
    spec: Option<&EntrySpec>,
    path: &[&str],
) -> (Masked<'a>, Result<Root, EditError>) {
    if body.len() < PARALLEL_MIN {
        let masked = Masked::new(body);
        let root = analyse(&masked.text, syntax, spec, path);
        return (masked, root);
    }
    let (masked, root) = std::thread::scope(|s| {
        let masked = s.spawn(|| Masked::new(body));
        let root = analyse(body, syntax, spec, path);
        (masked.join(), root)
    });
    let masked = masked.unwrap_or_else(|_| Masked::new(body));
    if masked.is_unchanged() {
        (masked, root)
    } else {
        let root = analyse(&masked.text, syntax, spec, path);
        (masked, root)
    }
}

/// Strict JSON whose root is an object, in one pass: serde_json validates the whole document
/// while the root's members are listed ([`crate::edit::strict`]; nothing is decoded or copied, and a
/// heavy `~/.claude.json` is validated on both cores); only the members the walk descends into
/// are scanned again, for their own members. The listing is the scanner's. `None` for anything
/// else (invalid, another root, an empty document): the caller then scans.
pub(super) fn list_strict(
    body: &str,
    mut descend: impl FnMut(usize, &str) -> bool,
) -> Option<Root> {
    let listed = crate::edit::strict::root_members(body)?;
    let b = body.as_bytes();
    let open = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let close = b.iter().rposition(|c| !c.is_ascii_whitespace())?;
    let mut members = Vec::with_capacity(listed.len());
    for crate::edit::strict::RawMember { key, value } in listed {
        let key_pos = key.start;
        let key = scan::decode_string(&b[key])?.into_owned();
        let start = value.start;
        let kind = scan::kind_of(*b.get(start)?)?;
        let child = if kind == Kind::Object && descend(0, &key) {
            Some(Scanner::new(body, &mut descend).object_at(start, 1).ok()?)
        } else {
            None
        };
        members.push(Member {
            key,
            key_pos,
            value,
            kind,
            child,
        });
    }
    Some(Root::Object(Obj {
        open,
        close,
        members,
    }))
}

/// Full grammar validation: serde_json for strict JSON, jsonc-parser's AST otherwise.
fn validate(body: &str, syntax: Syntax) -> Result<(), EditError> {
    if body.trim_ascii().is_empty() {
        return Ok(());
    }
    if syntax == Syntax::StrictJson {
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(body) {
            let full = e.to_string();
            let message = full
                .rfind(" at line ")
                .map(|i| full[..i].to_string())
                .unwrap_or(full);
            return Err(EditError::Syntax {
                line: e.line().max(1),
                column: e.column().max(1),
                message,
            });
        }
        return Ok(());
    }
    jsonc_parser::parse_to_ast(body, &CollectOptions::default(), &parse_options(syntax))
        .map_err(|e| jsonc_error(&e))?;
    // jsonc-parser lets a raw control character through inside a string; JSON.parse (Gemini
    // CLI) and the clients' JSONC parsers do not.
    if let Some(pos) = control_char_in_string(body) {
        return Err(syntax_error(
            body,
            pos,
            "control character (U+0000 to U+001F) in a string; write it as an escape such as \\n",
        ));
    }
    Ok(())
}

/// Offset of the first raw control character inside a string literal (comments skipped).
fn control_char_in_string(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    match b[i] {
                        b'\\' => i += 2,
                        c if c < 0x20 => return Some(i),
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr2(b'\n', b'\r', &b[i..]).map_or(b.len(), |k| i + k);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |k| i + 2 + k + 2);
            }
            _ => i += 1,
        }
    }
    None
}
