//! JSON and JSONC: the scanner locates the entry and proves the path unambiguous; a replaced
//! header is a splice of one string literal; anything else is done on the jsonc-parser CST,
//! which copies the file's indentation, newline kind and comma style.

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use jsonc_parser::errors::{ParseError, ParseErrorKind};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::scan::{self, Kind, Member, Obj, Root, Scanner};
use super::stdio::Lit;
use super::surrogates::Masked;
use super::{
    display_path, is_reference, line_col, split_bom, uses_crlf, Edit, EditError, EntrySpec,
    EntryState, Field, Inspection, Note, Op, Scalar, SecretHeader, Stdio, Syntax, AUTHORIZATION,
};

/// jsonc-parser options for a syntax: every JSON5 extension off; comments and trailing commas
/// as the syntax allows (the CST ignores `allow_comments`, strictness is checked separately).
pub(super) fn parse_options(syntax: Syntax) -> ParseOptions {
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

fn syntax_error(text: &str, pos: usize, message: impl Into<String>) -> EditError {
    let (line, column) = line_col(text, pos);
    EditError::Syntax {
        line,
        column,
        message: message.into(),
    }
}

pub(super) fn jsonc_error(e: &ParseError) -> EditError {
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
pub(super) fn analyse(
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
            why: spec.map_or(super::STRICT_WHY, |s| s.strict_why),
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
fn masked_analysis<'a>(
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
/// while the root's members are listed ([`super::strict`]; nothing is decoded or copied, and a
/// heavy `~/.claude.json` is validated on both cores); only the members the walk descends into
/// are scanned again, for their own members. The listing is the scanner's. `None` for anything
/// else (invalid, another root, an empty document): the caller then scans.
fn list_strict(body: &str, mut descend: impl FnMut(usize, &str) -> bool) -> Option<Root> {
    let listed = super::strict::root_members(body)?;
    let b = body.as_bytes();
    let open = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let close = b.iter().rposition(|c| !c.is_ascii_whitespace())?;
    let mut members = Vec::with_capacity(listed.len());
    for super::strict::RawMember { key, value } in listed {
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

/// Our entry as located by the scanner.
pub(super) struct EntryLoc<'r> {
    pub member: &'r Member,
    /// The object holding the URL and headers: the entry, or its body.
    pub obj: &'r Obj,
    /// The entry's own object (`obj` too, unless the entry has a body).
    pub outer: &'r Obj,
    /// `obj` is the entry's body ([`EntrySpec::body_key`]).
    pub nested: bool,
    pub conflict: bool,
    url: Option<(&'r Member, String)>,
    headers: Option<&'r Obj>,
    auth: Option<(&'r Member, String)>,
    enabled: Option<bool>,
    disabled: Option<bool>,
    missing_required: Vec<usize>,
    other_auth: Vec<String>,
    auth_fields: Vec<(String, Option<String>)>,
    pub stdio: Option<Stdio>,
    pub stdio_mismatch: Vec<String>,
}

impl EntryLoc<'_> {
    /// A local (stdio) entry: a command and no URL.
    pub(super) fn is_stdio(&self) -> bool {
        self.url.is_none() && self.stdio.is_some()
    }
}

pub(super) struct Located<'r> {
    /// The objects along the container path that exist, root first.
    pub levels: Vec<&'r Obj>,
    pub entry: Option<EntryLoc<'r>>,
}

impl Located<'_> {
    fn container(&self, spec: &EntrySpec) -> Option<&Obj> {
        (self.levels.len() == spec.container.len() + 1).then(|| *self.levels.last().unwrap())
    }
}

fn wrong_type(body: &str, path: &[&str], m: &Member, expected: &'static str) -> EditError {
    let (line, column) = line_col(body, m.value.start);
    EditError::WrongType {
        path: display_path(path),
        found: m.kind.describe(),
        expected,
        line,
        column,
    }
}

/// The single member of `obj` named `key` (compared with `eq`), refusing duplicates.
fn unique<'r>(
    body: &str,
    obj: &'r Obj,
    path: &[&str],
    eq: impl Fn(&str) -> bool,
) -> Result<Option<&'r Member>, EditError> {
    let mut found: Option<&Member> = None;
    crate::fault::count_key_comparisons(obj.members.len());
    for m in obj.members.iter().filter(|m| eq(&m.key)) {
        if let Some(first) = found {
            let (line, column) = line_col(body, m.key_pos);
            return Err(EditError::DuplicateKey {
                path: display_path(path),
                first_line: line_col(body, first.key_pos).0,
                line,
                column,
            });
        }
        found = Some(m);
    }
    Ok(found)
}

fn read_string(body: &str, m: &Member) -> Option<String> {
    (m.kind == Kind::String)
        .then(|| scan::decode_string(&body.as_bytes()[m.value.clone()]).map(|s| s.into_owned()))
        .flatten()
}

fn read_bool(body: &str, m: &Member) -> Option<bool> {
    match &body[m.value.clone()] {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The object holding an entry's URL and headers: its body ([`EntrySpec::body_key`]) when
/// that is an object, else the entry itself.
fn entry_body<'r>(obj: &'r Obj, spec: &EntrySpec) -> &'r Obj {
    spec.body_key
        .as_deref()
        .and_then(|key| obj.members.iter().rev().find(|m| m.key == key))
        .and_then(|m| m.child.as_ref().filter(|_| m.kind == Kind::Object))
        .unwrap_or(obj)
}

/// A member's value as a [`Lit`]: a string, a boolean or an array of strings.
pub(super) fn read_lit(body: &str, m: &Member) -> Option<Lit> {
    match m.kind {
        Kind::String => read_string(body, m).map(Lit::Str),
        Kind::Array => {
            let v =
                jsonc_parser::parse_to_value(&body[m.value.clone()], &parse_options(Syntax::Jsonc))
                    .ok()??;
            let jsonc_parser::JsonValue::Array(items) = v else {
                return None;
            };
            items
                .into_iter()
                .map(|i| match i {
                    jsonc_parser::JsonValue::String(s) => Some(s.into_owned()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(Lit::List)
        }
        Kind::Number => body[m.value.clone()].parse().ok().map(Lit::Int),
        _ => read_bool(body, m).map(Lit::Bool),
    }
}

/// The command line of a stdio entry (`None`: no stdio shape, or no command of strings).
fn entry_stdio(body: &str, obj: &Obj, spec: &EntrySpec) -> Option<Stdio> {
    let s = spec.stdio.as_ref()?;
    let get = |k: &str| obj.members.iter().rev().find(|m| m.key == k);
    let command = get(&s.command_key).and_then(|m| read_lit(body, m));
    let args = (!s.whole_line())
        .then(|| get(&s.args_key))
        .flatten()
        .map(|m| read_lit(body, m));
    s.stdio_of(command, args)
}

/// The entry is ours: it holds our URL, or (without a URL) runs our proxy for it.
fn is_ours(body: &str, obj: &Obj, spec: &EntrySpec) -> bool {
    match entry_url(body, obj, spec) {
        Some((_, u)) => spec.url_matches(&u),
        None => entry_stdio(body, obj, spec).is_some_and(|s| s.is_proxy_for(&spec.url)),
    }
}

/// The URL an entry holds under any of the spec's URL keys (in its body, if it has one).
fn entry_url<'r>(body: &str, obj: &'r Obj, spec: &EntrySpec) -> Option<(&'r Member, String)> {
    let obj = entry_body(obj, spec);
    spec.url_keys.iter().find_map(|k| {
        let m = obj.members.iter().rev().find(|m| &m.key == k)?;
        Some((m, read_string(body, m)?))
    })
}

pub(super) fn locate<'r>(
    body: &str,
    root: &'r Root,
    spec: &EntrySpec,
) -> Result<Located<'r>, EditError> {
    let root_obj = match root {
        Root::Empty => {
            return Ok(Located {
                levels: Vec::new(),
                entry: None,
            })
        }
        Root::Object(o) => o,
        Root::Other { kind, pos } => {
            let (line, column) = line_col(body, *pos);
            return Err(EditError::WrongType {
                path: "(top level)".into(),
                found: kind.describe(),
                expected: "an object",
                line,
                column,
            });
        }
    };
    let mut levels = vec![root_obj];
    let mut path: Vec<&str> = Vec::new();
    for key in &spec.container {
        path.push(key);
        let cur = *levels.last().unwrap();
        match unique(body, cur, &path, |k| k == key)? {
            None => {
                return Ok(Located {
                    levels,
                    entry: None,
                })
            }
            Some(m) => match &m.child {
                Some(child) if m.kind == Kind::Object => levels.push(child),
                _ => return Err(wrong_type(body, &path, m, "an object")),
            },
        }
    }
    let container = *levels.last().unwrap();

    // By name first, then by URL.
    path.push(&spec.name);
    let by_name = unique(body, container, &path, |k| k == spec.name)?;
    path.pop();
    let mut chosen: Option<(&Member, bool)> = None;
    if let Some(m) = by_name {
        let obj = m.child.as_ref().filter(|_| m.kind == Kind::Object);
        let Some(obj) = obj else {
            path.push(&spec.name);
            return Err(wrong_type(body, &path, m, "an object"));
        };
        chosen = Some((m, !is_ours(body, obj, spec)));
    }
    if spec.by_url && chosen.is_none_or(|(_, conflict)| conflict) {
        let by_url = container.members.iter().find(|m| {
            m.key != spec.name && m.child.as_ref().is_some_and(|o| is_ours(body, o, spec))
        });
        if let Some(m) = by_url {
            path.push(&m.key);
            unique(body, container, &path, |k| k == m.key)?;
            path.pop();
            chosen = Some((m, false));
        }
    }
    let Some((member, conflict)) = chosen else {
        return Ok(Located {
            levels,
            entry: None,
        });
    };
    let outer = member.child.as_ref().expect("entries are listed");
    path.push(&member.key);

    // Every key the entry is read by must be unique: one hash-set pass (an entry with 80,000
    // members must not cost 3 billion comparisons).
    fn unique_keys<'p>(body: &str, obj: &'p Obj, path: &mut Vec<&'p str>) -> Result<(), EditError> {
        let mut seen = std::collections::HashSet::with_capacity(obj.members.len());
        crate::fault::count_key_comparisons(obj.members.len());
        if let Some(dup) = obj.members.iter().find(|m| !seen.insert(m.key.as_str())) {
            path.push(&dup.key);
            unique(body, obj, path, |k| k == dup.key)?;
            path.pop();
        }
        Ok(())
    }
    unique_keys(body, outer, &mut path)?;
    // A nested entry is read and edited in its body.
    let obj = entry_body(outer, spec);
    let nested = !std::ptr::eq(obj, outer);
    if nested {
        path.push(spec.body_key.as_deref().unwrap_or_default());
        unique_keys(body, obj, &mut path)?;
    }
    let url = entry_url(body, obj, spec);
    for k in &spec.url_keys {
        if let Some(m) = obj.members.iter().find(|m| &m.key == k)
            && m.kind != Kind::String
        {
            path.push(k);
            return Err(wrong_type(body, &path, m, "a string"));
        }
    }
    let mut headers = None;
    let mut auth = None;
    if let Some(h) = obj.members.iter().find(|m| m.key == spec.headers_key) {
        path.push(&spec.headers_key);
        let Some(hobj) = h.child.as_ref().filter(|_| h.kind == Kind::Object) else {
            return Err(wrong_type(body, &path, h, "an object"));
        };
        path.push(AUTHORIZATION);
        if let Some(a) = unique(body, hobj, &path, |k| k.eq_ignore_ascii_case(AUTHORIZATION))? {
            path.pop();
            path.push(&a.key);
            let Some(value) = read_string(body, a) else {
                return Err(wrong_type(body, &path, a, "a string"));
            };
            auth = Some((a, value));
        }
        headers = Some(hobj);
    }
    let flag = |key: &str| {
        outer
            .members
            .iter()
            .find(|m| m.key == key)
            .and_then(|m| read_bool(body, m))
    };
    let missing_required = spec
        .required
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| !obj.members.iter().any(|m| &m.key == k))
        .map(|(i, _)| i)
        .collect();
    Ok(Located {
        levels,
        entry: Some(EntryLoc {
            member,
            obj,
            outer,
            nested,
            conflict,
            url,
            headers,
            auth,
            enabled: flag("enabled"),
            disabled: flag("disabled"),
            missing_required,
            other_auth: spec
                .auth_alternatives
                .iter()
                .filter(|k| obj.members.iter().any(|m| &m.key == *k))
                .cloned()
                .collect(),
            auth_fields: spec
                .auth_alternatives
                .iter()
                .filter_map(|k| {
                    let m = obj.members.iter().find(|m| &m.key == k)?;
                    Some((k.clone(), read_string(body, m)))
                })
                .collect(),
            stdio: entry_stdio(body, outer, spec),
            stdio_mismatch: spec.stdio_mismatch(|k| {
                let m = outer.members.iter().rev().find(|m| m.key == k)?;
                read_lit(body, m)
            }),
        }),
    })
}

pub(super) fn state(body: &str, e: &EntryLoc<'_>, spec: &EntrySpec) -> EntryState {
    EntryState {
        name: e.member.key.clone(),
        line: line_col(body, e.member.key_pos).0,
        url: e.url.as_ref().map(|(_, u)| u.clone()),
        enabled: e.enabled,
        disabled: e.disabled,
        authorization_key: e.auth.as_ref().map(|(m, _)| m.key.clone()),
        authorization: e.auth.as_ref().map(|(_, v)| SecretHeader::new(v.clone())),
        missing_required: e
            .missing_required
            .iter()
            .map(|&i| spec.required[i].0.clone())
            .collect(),
        other_auth: e.other_auth.clone(),
        auth_fields: e.auth_fields.clone(),
        stdio: e.stdio.clone(),
        stdio_mismatch: e.stdio_mismatch.clone(),
    }
}

pub(super) fn inspect(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
) -> Result<Inspection, EditError> {
    let Some(text) = text else {
        return Ok(Inspection::Missing);
    };
    let (_, body) = split_bom(text);
    let (masked, root) = masked_analysis(body, syntax, Some(spec), &[]);
    let body: &str = &masked.text;
    let root = root?;
    let loc = locate(body, &root, spec)?;
    Ok(match &loc.entry {
        None => Inspection::Missing,
        Some(e) if e.conflict => Inspection::Conflict(state(body, e, spec)),
        Some(e) => Inspection::Found(state(body, e, spec)),
    })
}

pub(super) fn object_keys(
    text: &str,
    syntax: Syntax,
    path: &[&str],
) -> Result<Option<Vec<String>>, EditError> {
    let (_, body) = split_bom(text);
    let (_, root) = masked_analysis(body, syntax, None, path);
    let Root::Object(mut obj) = root? else {
        return Ok(None);
    };
    for key in path {
        let Some(m) = obj
            .members
            .into_iter()
            .rev()
            .find(|m| m.key == *key && m.kind == Kind::Object)
        else {
            return Ok(None);
        };
        match m.child {
            Some(child) => obj = child,
            None => return Ok(None),
        }
    }
    Ok(Some(obj.members.into_iter().map(|m| m.key).collect()))
}

pub(super) fn round_trip(text: &str, syntax: Syntax) -> Result<String, EditError> {
    let (bom, body) = split_bom(text);
    let masked = Masked::new(body);
    let root =
        CstRootNode::parse(&masked.text, &parse_options(syntax)).map_err(|e| jsonc_error(&e))?;
    let printed = masked
        .restore(root.to_string())
        .map_err(|pos| lone_surrogate_error(body, pos))?;
    Ok(format!("{bom}{printed}"))
}

pub(super) fn lone_surrogate_error(body: &str, pos: usize) -> EditError {
    syntax_error(
        body,
        pos,
        "a lone surrogate escape (half of an emoji) in the part of the file being rewritten; \
         remove it and retry",
    )
}

fn literal(value: &str) -> String {
    serde_json::to_string(value).expect("a string always serialises")
}

pub(super) fn apply(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
) -> Result<Edit, EditError> {
    apply_with(text, syntax, spec, op, true)
}

/// `fast: false` turns off the splice and the skeleton, sending every change through a CST of
/// the whole text (tests compare the paths).
pub(super) fn apply_with(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    fast: bool,
) -> Result<Edit, EditError> {
    let (bom, original) = text.map(split_bom).unwrap_or(("", ""));
    // Everything below reads the masked text (same offsets); the output is restored.
    let (masked, root) = masked_analysis(original, syntax, Some(spec), &[]);
    let body: &str = &masked.text;
    let root = root?;
    let loc = locate(body, &root, spec)?;
    if spec.url_keys.is_empty()
        && op.stdio.is_none()
        && loc.entry.as_ref().is_none_or(|e| !e.is_stdio())
    {
        // A client of local servers only: there is no URL entry to write.
        return Ok(Edit::Unchanged);
    }
    if let Some(step) = super::json_stdio::step(&loc, spec, op) {
        let Some((out, mut notes, dropped)) =
            super::json_stdio::apply(body, syntax, spec, op, &loc, step)?
        else {
            return Ok(Edit::Unchanged);
        };
        let out = masked
            .restore_dropping(out, &dropped)
            .map_err(|pos| lone_surrogate_error(original, pos))?;
        let out = format!("{bom}{out}");
        let out = match step {
            super::json_stdio::Step::ToStdio => out,
            // The entry now holds our URL: the ordinary edit gives it the rest.
            super::json_stdio::Step::ToUrl => match apply_with(Some(&out), syntax, spec, op, fast)?
            {
                Edit::Unchanged => out,
                e @ (Edit::Splice { .. } | Edit::Rewrite { .. }) => {
                    notes.extend(e.notes().iter().cloned());
                    e.materialize(Some(&out))
                        .ok_or_else(|| internal("switch"))?
                }
                Edit::Conflict(_) | Edit::Indirect(_) => return Err(internal("switch")),
            },
        };
        if text == Some(out.as_str()) {
            return Ok(Edit::Unchanged);
        }
        return Ok(Edit::Rewrite { text: out, notes });
    }
    let plan = match plan(&loc, spec, op) {
        Plan::Splice if !fast => Plan::Cst,
        p => p,
    };
    match plan {
        Plan::Unchanged => Ok(Edit::Unchanged),
        Plan::Conflict => {
            let e = loc.entry.as_ref().expect("a conflict has an entry");
            Ok(Edit::Conflict(state(body, e, spec)))
        }
        Plan::Indirect => {
            let e = loc.entry.as_ref().expect("an indirect entry exists");
            Ok(Edit::Indirect(state(body, e, spec)))
        }
        Plan::Splice => {
            let desired = op.header.ok_or_else(|| internal("splice"))?;
            let (m, _) = loc
                .entry
                .as_ref()
                .and_then(|e| e.auth.as_ref())
                .ok_or_else(|| internal("splice"))?;
            let range = bom.len() + m.value.start..bom.len() + m.value.end;
            let replacement = literal(desired);
            verify_splice(body, bom.len(), &range, &replacement, desired)?;
            Ok(Edit::Splice {
                range,
                replacement,
                notes: vec![Note::ReplacedHeader],
            })
        }
        Plan::Cst => {
            let entry_name = loc
                .entry
                .as_ref()
                .map(|e| e.member.key.clone())
                .unwrap_or_else(|| spec.name.clone());
            let forced = loc.entry.as_ref().is_some_and(|e| e.conflict);
            let skeleton = match (&root, syntax, fast) {
                (Root::Object(obj), Syntax::StrictJson, true) => {
                    Some(Skeleton::new(body, obj, spec))
                }
                _ => None,
            };
            drop(loc);
            drop(root);
            let (out, notes) = match skeleton {
                Some(sk) => {
                    // Edit a small stand-in document, then carry the change over.
                    let sk_root = analyse(&sk.text, syntax, Some(spec), &[])?;
                    let sk_loc = locate(&sk.text, &sk_root, spec)?;
                    let (sk_out, notes) = cst_edit(&sk.text, syntax, spec, op, &sk_loc)?;
                    check_untouched(
                        &sk.text,
                        &sk_out,
                        syntax,
                        spec,
                        &entry_name,
                        forced,
                        op.switch,
                    )?;
                    match sk.map_back(body, &sk_out) {
                        Some(out) => (out, notes),
                        None => {
                            let root = analyse(body, syntax, Some(spec), &[])?;
                            let loc = locate(body, &root, spec)?;
                            let (out, notes) = cst_edit(body, syntax, spec, op, &loc)?;
                            check_untouched(
                                body,
                                &out,
                                syntax,
                                spec,
                                &entry_name,
                                forced,
                                op.switch,
                            )?;
                            (out, notes)
                        }
                    }
                }
                None => {
                    let root = analyse(body, syntax, Some(spec), &[])?;
                    let loc = locate(body, &root, spec)?;
                    let (out, notes) = cst_edit(body, syntax, spec, op, &loc)?;
                    check_untouched(body, &out, syntax, spec, &entry_name, forced, op.switch)?;
                    (out, notes)
                }
            };
            // The CST takes the newline kind from the whitespace it sees; in a CRLF file whose
            // line breaks are all inside comments it would write LF (found by the property
            // tests).
            let out = if uses_crlf(body) && out.matches("\r\n").count() != out.matches('\n').count()
            {
                out.replace("\r\n", "\n").replace('\n', "\r\n")
            } else {
                out
            };
            verify(&out, syntax, spec, op)?;
            let out = masked
                .restore(out)
                .map_err(|pos| lone_surrogate_error(original, pos))?;
            let out = format!("{bom}{out}");
            if text == Some(out.as_str()) {
                return Ok(Edit::Unchanged);
            }
            Ok(Edit::Rewrite { text: out, notes })
        }
    }
}

/// A stand-in for a large strict-JSON document: every value that is not on the way to the
/// container (a `projects` map, history arrays…) is replaced by `null`, everything else is kept
/// byte for byte. The CST edits this small text; as long as the edit touches no placeholder,
/// the same bytes spliced into the real document give what a CST of the whole file would
/// (`splice_and_cst_paths_give_identical_output` and the fixtures hold it to that), while the
/// tree is built over kilobytes instead of tens of megabytes.
struct Skeleton {
    text: String,
    /// Each placeholder: its offset in `text` and the value's range in the original.
    holes: Vec<(usize, std::ops::Range<usize>)>,
}

const PLACEHOLDER: &str = "null";

impl Skeleton {
    fn new(body: &str, root: &Obj, spec: &EntrySpec) -> Self {
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
    fn map_back(&self, body: &str, edited: &str) -> Option<String> {
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

enum Plan {
    Unchanged,
    Conflict,
    Indirect,
    Splice,
    Cst,
}

fn plan(loc: &Located<'_>, spec: &EntrySpec, op: Op<'_>) -> Plan {
    let Some(e) = &loc.entry else {
        return if op.create {
            Plan::Cst
        } else {
            Plan::Unchanged
        };
    };
    if e.conflict && !spec.force {
        return Plan::Conflict;
    }
    if e.is_stdio() && !e.conflict {
        // A proxy entry holds no token: a refresh leaves it alone, a removal has nothing to do.
        return if op.refresh {
            Plan::Indirect
        } else {
            Plan::Unchanged
        };
    }
    let current = e.auth.as_ref().map(|(_, v)| v.as_str());
    if op.refresh
        && (!e.other_auth.is_empty()
            || current.is_some_and(|v| is_reference(v) && Some(v) != op.header))
    {
        return Plan::Indirect;
    }
    if !op.create {
        // Removal of the header only.
        return if e.conflict || e.auth.is_none() {
            Plan::Unchanged
        } else {
            Plan::Cst
        };
    }
    if e.conflict || !e.missing_required.is_empty() {
        return Plan::Cst;
    }
    let field_ok = op.field.is_none_or(|(k, v)| {
        e.auth_fields
            .iter()
            .any(|(fk, fv)| fk == k && fv.as_deref() == Some(v))
    });
    let others = e.other_auth.iter().any(|k| op.removes_field(k));
    if !field_ok || others {
        return Plan::Cst;
    }
    match (op.header, current) {
        (Some(want), Some(have)) if want == have => Plan::Unchanged,
        (Some(_), Some(_)) => Plan::Splice,
        (None, None) => Plan::Unchanged,
        _ => Plan::Cst,
    }
}

/// A splice replaces one string literal the scanner delimited in a validated document with
/// another string literal, so the document's structure cannot change: checking the two literals
/// proves the result (without re-reading a file of tens of MB).
fn verify_splice(
    body: &str,
    bom: usize,
    range: &std::ops::Range<usize>,
    replacement: &str,
    desired: &str,
) -> Result<(), EditError> {
    let old = body
        .as_bytes()
        .get(range.start - bom..range.end - bom)
        .unwrap_or_default();
    let old_ok = old.len() >= 2
        && old[0] == b'"'
        && old[old.len() - 1] == b'"'
        && scan::decode_string(old).is_some();
    let new_ok = serde_json::from_str::<String>(replacement).is_ok_and(|v| v == desired);
    if old_ok && new_ok {
        Ok(())
    } else {
        Err(EditError::Internal(
            "the header literal to replace could not be verified".into(),
        ))
    }
}

fn scalar_input(s: &Scalar) -> CstInputValue {
    match s {
        Scalar::Str(v) => CstInputValue::String(v.clone()),
        Scalar::Bool(b) => CstInputValue::Bool(*b),
        Scalar::Int(i) => CstInputValue::Number(i.to_string()),
    }
}

fn template_input(spec: &EntrySpec, op: Op<'_>) -> CstInputValue {
    let mut members = Vec::new();
    for f in &spec.template {
        match f {
            Field::Url => members.push((
                spec.url_key().to_string(),
                CstInputValue::String(spec.url.clone()),
            )),
            Field::Headers => {
                if let Some((k, v)) = op.field {
                    members.push((k.to_string(), CstInputValue::String(v.to_string())));
                }
                if let Some(h) = op.header {
                    members.push((
                        spec.headers_key.clone(),
                        CstInputValue::Object(vec![(
                            AUTHORIZATION.to_string(),
                            CstInputValue::String(h.to_string()),
                        )]),
                    ));
                }
            }
            Field::Value(k, v) => members.push((k.clone(), scalar_input(v))),
        }
    }
    CstInputValue::Object(members)
}

/// The template position of a key (`None` when the template does not list it). Credentials
/// fields take the place of the headers.
fn template_pos(spec: &EntrySpec, key: &str) -> Option<usize> {
    spec.template.iter().position(|f| match f {
        Field::Url => key == spec.url_key(),
        Field::Headers => {
            key == spec.headers_key || spec.auth_alternatives.iter().any(|a| a == key)
        }
        Field::Value(k, _) => k == key,
    })
}

/// Inserts `key` into `obj` where the template order puts it: before the first existing
/// member that the template lists after it, else at the end.
fn insert_ordered(obj: &CstObject, spec: &EntrySpec, key: &str, value: CstInputValue) {
    let props = obj.properties();
    let index = template_pos(spec, key).and_then(|p| {
        props.iter().position(|prop| {
            prop.decoded_name()
                .and_then(|n| template_pos(spec, &n))
                .is_some_and(|q| q > p)
        })
    });
    match index {
        Some(i) => {
            obj.insert(i, key, value);
        }
        None => {
            obj.append(key, value);
        }
    }
}

pub(super) fn internal(what: &str) -> EditError {
    EditError::Internal(format!(
        "the syntax tree disagrees with the scanner ({what})"
    ))
}

pub(super) fn one_line(body: &str, obj: &Obj) -> bool {
    memchr::memchr(b'\n', &body.as_bytes()[obj.open..obj.close]).is_none()
}

/// The most members a one-line object may have for the syntax tree to edit it: inserting into
/// a one-line object reformats it, at a cost that grows with the square of its members (20,000
/// take minutes). Objects spread over lines are edited in linear time, whatever their size.
const MAX_ONE_LINE_MEMBERS: usize = 2_000;

/// Refuses a syntax-tree edit that would reformat an object over [`MAX_ONE_LINE_MEMBERS`].
pub(super) fn bound_reformat(body: &str, obj: &Obj, path: &[&str]) -> Result<(), EditError> {
    if obj.members.len() > MAX_ONE_LINE_MEMBERS && one_line(body, obj) {
        let (line, column) = line_col(body, obj.open);
        return Err(EditError::TooLarge {
            path: if path.is_empty() {
                "(top level)".into()
            } else {
                display_path(path)
            },
            members: obj.members.len(),
            max: MAX_ONE_LINE_MEMBERS,
            line,
            column,
        });
    }
    Ok(())
}

/// The container's object in the syntax tree, below the root object `obj`: the levels that
/// exist are walked, the missing ones created (noted, with a reformatted one-line parent).
pub(super) fn open_container(
    body: &str,
    spec: &EntrySpec,
    loc: &Located<'_>,
    mut obj: CstObject,
    notes: &mut Vec<Note>,
) -> Result<CstObject, EditError> {
    for (depth, key) in spec.container.iter().enumerate() {
        match loc.levels.get(depth + 1) {
            Some(_) => obj = obj.object_value(key).ok_or_else(|| internal("container"))?,
            None => {
                if let Some(parent) = loc.levels.get(depth)
                    && one_line(body, parent)
                    && !parent.members.is_empty()
                {
                    notes.push(Note::Reformatted);
                }
                obj = obj
                    .object_value_or_create(key)
                    .ok_or_else(|| internal("container"))?;
                notes.push(Note::CreatedContainer(display_path(
                    &spec.container[..=depth],
                )));
            }
        }
    }
    Ok(obj)
}

fn cst_edit(
    body: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    loc: &Located<'_>,
) -> Result<(String, Vec<Note>), EditError> {
    let mut notes = Vec::new();
    // Bounds first: every object on the path the edit may insert into.
    for (depth, level) in loc.levels.iter().enumerate() {
        let path: Vec<&str> = spec.container[..depth].iter().map(String::as_str).collect();
        bound_reformat(body, level, &path)?;
    }
    if let Some(e) = &loc.entry {
        let mut path: Vec<&str> = spec.container.iter().map(String::as_str).collect();
        path.push(&e.member.key);
        if e.nested {
            path.push(spec.body_key.as_deref().unwrap_or_default());
        }
        bound_reformat(body, e.obj, &path)?;
        if let Some(h) = e.headers {
            path.push(&spec.headers_key);
            bound_reformat(body, h, &path)?;
        }
    }
    // The root must stay alive while nodes are held (weak parent links).
    // A blank file becomes a fresh document (no leading blank lines kept).
    let source = if body.trim_ascii().is_empty() {
        ""
    } else {
        body
    };
    let root = CstRootNode::parse(source, &parse_options(syntax)).map_err(|e| jsonc_error(&e))?;
    let fresh = root.value().is_none();
    let mut obj = root
        .object_value_or_create()
        .ok_or_else(|| internal("root"))?;
    if fresh {
        notes.push(Note::CreatedDocument);
        for (k, v) in &spec.new_file_members {
            obj.append(k, scalar_input(v));
        }
    }
    if !op.create {
        // Removal: the entry and its header exist (see `plan`).
        let e = loc.entry.as_ref().ok_or_else(|| internal("entry"))?;
        for key in &spec.container {
            obj = obj.object_value(key).ok_or_else(|| internal("container"))?;
        }
        let eobj = entry_object(&obj, e, spec)?;
        let hobj = eobj
            .object_value(&spec.headers_key)
            .ok_or_else(|| internal("headers"))?;
        let (a, _) = e.auth.as_ref().ok_or_else(|| internal("header"))?;
        hobj.get(&a.key).ok_or_else(|| internal("header"))?.remove();
        notes.push(Note::RemovedHeader);
        return Ok((root.to_string(), notes));
    }
    let obj = open_container(body, spec, loc, obj, &mut notes)?;
    let Some(e) = &loc.entry else {
        if let Some(c) = loc.container(spec)
            && one_line(body, c)
            && !c.members.is_empty()
        {
            notes.push(Note::Reformatted);
        }
        obj.append(&spec.name, template_input(spec, op));
        notes.push(Note::CreatedEntry(spec.name.clone()));
        return Ok((root.to_string(), notes));
    };
    let eobj = entry_object(&obj, e, spec)?;
    let field_missing = op
        .field
        .is_some_and(|(k, _)| !e.auth_fields.iter().any(|(fk, _)| fk == k));
    if one_line(body, e.obj)
        && ((e.headers.is_none() && op.header.is_some())
            || !e.missing_required.is_empty()
            || e.url.is_none()
            || field_missing)
    {
        notes.push(Note::Reformatted);
    }
    if e.conflict {
        // Forced takeover: point the entry at our URL.
        match &e.url {
            Some((m, _)) => eobj
                .get(&m.key)
                .ok_or_else(|| internal("url"))?
                .set_value(CstInputValue::String(spec.url.clone())),
            None => insert_ordered(
                &eobj,
                spec,
                spec.url_key(),
                CstInputValue::String(spec.url.clone()),
            ),
        }
        notes.push(Note::SetUrl);
    }
    for &i in &e.missing_required {
        let (k, v) = &spec.required[i];
        insert_ordered(&eobj, spec, k, scalar_input(v));
        notes.push(Note::AddedField(k.clone()));
    }
    // Other mechanisms go first, so that a new field takes their place in the order.
    for k in e.other_auth.iter().filter(|k| op.removes_field(k)) {
        eobj.get(k).ok_or_else(|| internal("field"))?.remove();
        notes.push(Note::RemovedField(k.clone()));
    }
    if let Some((k, v)) = op.field {
        let have = e.auth_fields.iter().find(|(fk, _)| fk == k);
        let value = CstInputValue::String(v.to_string());
        match have {
            Some((_, Some(cur))) if cur == v => {}
            Some(_) => {
                eobj.get(k)
                    .ok_or_else(|| internal("field"))?
                    .set_value(value);
                notes.push(Note::SetField(k.to_string()));
            }
            None => {
                insert_ordered(&eobj, spec, k, value);
                notes.push(Note::SetField(k.to_string()));
            }
        }
    }
    match (op.header, &e.headers, &e.auth) {
        (Some(v), None, _) => {
            insert_ordered(
                &eobj,
                spec,
                &spec.headers_key,
                CstInputValue::Object(vec![(
                    AUTHORIZATION.to_string(),
                    CstInputValue::String(v.to_string()),
                )]),
            );
            notes.push(Note::AddedHeader);
        }
        (Some(v), Some(h), None) => {
            if one_line(body, h) && !h.members.is_empty() {
                notes.push(Note::Reformatted);
            }
            eobj.object_value(&spec.headers_key)
                .ok_or_else(|| internal("headers"))?
                .append(AUTHORIZATION, CstInputValue::String(v.to_string()));
            notes.push(Note::AddedHeader);
        }
        (Some(v), Some(_), Some((a, old))) => {
            if old != v {
                eobj.object_value(&spec.headers_key)
                    .ok_or_else(|| internal("headers"))?
                    .get(&a.key)
                    .ok_or_else(|| internal("header"))?
                    .set_value(CstInputValue::String(v.to_string()));
                notes.push(Note::ReplacedHeader);
            }
        }
        (None, Some(h), Some((a, _))) => {
            let hobj = eobj
                .object_value(&spec.headers_key)
                .ok_or_else(|| internal("headers"))?;
            hobj.get(&a.key).ok_or_else(|| internal("header"))?.remove();
            notes.push(Note::RemovedHeader);
            // A headers object that held only our header goes with it.
            if h.members.len() == 1 {
                eobj.get(&spec.headers_key)
                    .ok_or_else(|| internal("headers"))?
                    .remove();
            }
        }
        (None, _, _) => {}
    }
    Ok((root.to_string(), notes))
}

/// The syntax tree's object holding our entry's URL and headers (the entry, or its body), in
/// the container `obj`.
fn entry_object(
    obj: &CstObject,
    e: &EntryLoc<'_>,
    spec: &EntrySpec,
) -> Result<CstObject, EditError> {
    let entry = obj
        .object_value(&e.member.key)
        .ok_or_else(|| internal("entry"))?;
    match (e.nested, spec.body_key.as_deref()) {
        (true, Some(key)) => entry
            .object_value(key)
            .ok_or_else(|| internal("entry body")),
        _ => Ok(entry),
    }
}

/// Re-reads edited text with the syntax's strictness and checks that our entry says what was
/// asked. Never lets unverified text out.
fn verify(out: &str, syntax: Syntax, spec: &EntrySpec, op: Op<'_>) -> Result<(), EditError> {
    let fail =
        |why: String| EditError::Internal(format!("the edited text failed verification: {why}"));
    let root = analyse(out, syntax, Some(spec), &[]).map_err(|e| fail(e.to_string()))?;
    let loc = locate(out, &root, spec).map_err(|e| fail(e.to_string()))?;
    let Some(e) = &loc.entry else {
        return Err(fail("the entry is missing".into()));
    };
    if e.conflict {
        return Err(fail("the entry has another URL".into()));
    }
    let have = e.auth.as_ref().map(|(_, v)| v.as_str());
    let fields: Vec<(&str, Option<&str>)> = e
        .auth_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    super::verify_op(op, have, &fields, e.missing_required.is_empty()).map_err(fail)
}

/// Checks that the edit changed nothing but what it may: every value outside our entry is equal
/// before and after (created containers and a new document's first members excepted), and in
/// our entry only the URL (on a forced takeover), missing required fields, the headers object
/// and its Authorization key may differ.
pub(super) fn check_untouched(
    before: &str,
    after: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    entry_name: &str,
    forced: bool,
    switch: bool,
) -> Result<(), EditError> {
    check_untouched_but(before, after, syntax, spec, entry_name, forced, switch, &[])
}

/// [`check_untouched`], where the entry's members `free` may also be added, changed or
/// removed (a switch between a URL entry and a stdio entry).
#[allow(clippy::too_many_arguments)]
pub(super) fn check_untouched_but(
    before: &str,
    after: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    entry_name: &str,
    forced: bool,
    switch: bool,
    free: &[String],
) -> Result<(), EditError> {
    use jsonc_parser::{JsonObject, JsonValue};
    let fail = |why: &str| {
        EditError::Internal(format!("the edit would change more than the entry ({why})"))
    };
    let opts = ParseOptions {
        allow_comments: true,
        ..parse_options(syntax)
    };
    fn parse<'t>(t: &'t str, opts: &ParseOptions) -> Option<Result<Option<JsonValue<'t>>, ()>> {
        Some(jsonc_parser::parse_to_value(t, opts).map_err(|_| ()))
    }
    let reparse = |r: Option<Result<_, ()>>| r.unwrap_or(Err(())).map_err(|_| fail("re-parse"));
    let (Some(JsonValue::Object(after_root)), before_root) = (
        reparse(parse(after, &opts))?,
        reparse(parse(before, &opts))?,
    ) else {
        return Err(fail("top level"));
    };
    let fresh = before_root.is_none();
    let before_root = match before_root {
        Some(JsonValue::Object(o)) => o,
        None => JsonObject::new(Default::default()),
        Some(_) => return Err(fail("top level")),
    };

    /// Splits off our entry (or the first container level that did not exist before).
    fn split<'a>(
        obj: JsonObject<'a>,
        path: &[String],
        name: &str,
        exists: &dyn Fn(usize) -> bool,
        depth: usize,
    ) -> (JsonObject<'a>, Option<JsonValue<'a>>) {
        let mut map = obj.take_inner();
        let taken = match path.split_first() {
            None => map.remove(name),
            Some((key, rest)) if exists(depth) => match map.remove(key.as_str()) {
                Some(JsonValue::Object(child)) => {
                    let (child, taken) = split(child, rest, name, exists, depth + 1);
                    map.insert(key.clone().into(), JsonValue::Object(child));
                    taken
                }
                Some(other) => {
                    map.insert(key.clone().into(), other);
                    None
                }
                None => None,
            },
            // A level created by the edit: it goes, and the entry is dug out of it.
            Some((key, rest)) => {
                let mut v = map.remove(key.as_str());
                for k in rest.iter().map(String::as_str).chain([name]) {
                    v = match v {
                        Some(JsonValue::Object(o)) => o.take_inner().remove(k),
                        _ => None,
                    };
                }
                v
            }
        };
        (JsonObject::new(map), taken)
    }
    // A container level exists after the edit as it did before when `before` has it.
    let levels_before = {
        let mut n = 0;
        let mut cur = Some(&before_root);
        for key in &spec.container {
            match cur.and_then(|o| o.get_object(key)) {
                Some(o) => {
                    n += 1;
                    cur = Some(o);
                }
                None => break,
            }
        }
        n
    };
    let exists = |depth: usize| depth < levels_before;
    let (mut after_rest, after_entry) = split(after_root, &spec.container, entry_name, &exists, 0);
    let (before_rest, before_entry) = split(before_root, &spec.container, entry_name, &exists, 0);
    if fresh || before.trim_ascii().is_empty() || only_comments(before) {
        let mut map = after_rest.take_inner();
        for (k, _) in &spec.new_file_members {
            map.remove(k.as_str());
        }
        after_rest = JsonObject::new(map);
    }
    if after_rest != before_rest {
        return Err(fail("outside the entry"));
    }
    let Some(JsonValue::Object(after_entry)) = after_entry else {
        return Err(fail("the entry"));
    };
    let before_entry = match before_entry {
        Some(JsonValue::Object(o)) => o,
        None => JsonObject::new(Default::default()),
        Some(_) => return Err(fail("the entry")),
    };
    let mut a = after_entry.take_inner();
    let mut b = before_entry.take_inner();
    // A nested entry is edited in its body: the rest of it stays as it was.
    // (A switch to a stdio entry removes the body with the rest of the URL form.)
    if let Some(key) = spec.body_key.as_deref()
        && matches!(b.get(key), Some(JsonValue::Object(_)))
        && !free.iter().any(|f| f == key)
    {
        let (Some(JsonValue::Object(a_body)), Some(JsonValue::Object(b_body))) =
            (a.remove(key), b.remove(key))
        else {
            return Err(fail("the entry's body"));
        };
        if a != b {
            return Err(fail("an entry member"));
        }
        a = a_body.take_inner();
        b = b_body.take_inner();
    }
    let a_headers = a.remove(spec.headers_key.as_str());
    let b_headers = b.remove(spec.headers_key.as_str());
    // A mode switch may add, change and remove credentials fields; any edit that sets
    // credentials may add or change one (the header case is below).
    let auth_key =
        |k: &str| spec.auth_alternatives.iter().any(|x| x == k) || free.iter().any(|x| x == k);
    let may_add = |k: &str| {
        spec.required.iter().any(|(r, _)| r == k)
            || (b.is_empty() && template_pos(spec, k).is_some())
            || (forced && k == spec.url_key())
            || (switch && auth_key(k))
    };
    for (k, v) in &a {
        let allowed = match b.get(k) {
            Some(old) => {
                old == v
                    || (forced && spec.url_keys.iter().any(|u| u == k))
                    || (switch && auth_key(k))
            }
            None => may_add(k),
        };
        if !allowed {
            return Err(fail("an entry member"));
        }
    }
    if b.keys()
        .any(|k| !(a.contains_key(k) || (switch && auth_key(k))))
    {
        return Err(fail("a removed entry member"));
    }
    // Compared as values (a `Debug` string of a nested object would follow hash order: the
    // fuzzer found that false alarm). `None`: not an object.
    fn strip(h: Option<JsonValue<'_>>) -> Option<Vec<(String, JsonValue<'_>)>> {
        match h {
            None => Some(Vec::new()),
            Some(JsonValue::Object(o)) => {
                let mut v: Vec<(String, JsonValue<'_>)> = o
                    .take_inner()
                    .into_iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case(AUTHORIZATION))
                    .map(|(k, v)| (k.into_owned(), v))
                    .collect();
                v.sort_by(|x, y| x.0.cmp(&y.0));
                Some(v)
            }
            Some(_) => None,
        }
    }
    if free.contains(&spec.headers_key) {
        return Ok(());
    }
    let (Some(a_headers), Some(b_headers)) = (strip(a_headers), strip(b_headers)) else {
        return Err(fail("headers"));
    };
    if a_headers != b_headers {
        return Err(fail("another header"));
    }
    Ok(())
}

/// The text holds nothing but whitespace and comments.
pub(super) fn only_comments(text: &str) -> bool {
    matches!(
        Scanner::new(text, |_, _| false).scan(),
        Ok((Root::Empty, _, _))
    )
}

/// Whether a CST change to `text` can be carried over from its skeleton (tests).
#[cfg(test)]
pub(super) fn skeleton_applies(text: &str, spec: &EntrySpec, op: Op<'_>) -> bool {
    let root = analyse(text, Syntax::StrictJson, Some(spec), &[]).unwrap();
    let Root::Object(obj) = &root else {
        return false;
    };
    let sk = Skeleton::new(text, obj, spec);
    let sk_root = analyse(&sk.text, Syntax::StrictJson, Some(spec), &[]).unwrap();
    let sk_loc = locate(&sk.text, &sk_root, spec).unwrap();
    let (out, _) = cst_edit(&sk.text, Syntax::StrictJson, spec, op, &sk_loc).unwrap();
    sk.text.len() < text.len() / 2 && sk.map_back(text, &out).is_some()
}

/// The one-pass listing of strict JSON next to the scanner's, for `text` and `spec` (tests):
/// `None` when the one-pass listing declines the document.
#[cfg(test)]
pub(super) fn listings(text: &str, spec: &EntrySpec) -> (Option<Root>, Option<Root>) {
    let c = spec.container.len();
    let descend = |depth: usize, key: &str| {
        (depth < c && spec.container[depth] == key)
            || depth == c
            || (depth == c + 1 && key == spec.headers_key)
    };
    let scanned = Scanner::new(text, descend).scan().ok().map(|r| r.0);
    (list_strict(text, descend), scanned)
}
