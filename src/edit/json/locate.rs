//! Finding our entry: the container path walked in the scanner's listing, the entry chosen by
//! name or else by URL, every key it is read by proven unique, and what it holds (URL, headers,
//! Authorization, credentials fields, flags, a stdio command line) read without a syntax tree.

use super::analyse::parse_options;
use crate::edit::scan::{self, Kind, Member, Obj, Root};
use crate::edit::stdio::Lit;
use crate::edit::{display_path, line_col, EditError, EntrySpec, Stdio, Syntax, AUTHORIZATION};

/// Our entry as located by the scanner.
pub(crate) struct EntryLoc<'r> {
    pub member: &'r Member,
    /// The object holding the URL and headers: the entry, or its body.
    pub obj: &'r Obj,
    /// The entry's own object (`obj` too, unless the entry has a body).
    pub outer: &'r Obj,
    /// `obj` is the entry's body ([`EntrySpec::body_key`]).
    pub nested: bool,
    pub conflict: bool,
    pub(super) url: Option<(&'r Member, String)>,
    pub(super) headers: Option<&'r Obj>,
    pub(super) auth: Option<(&'r Member, String)>,
    pub(super) enabled: Option<bool>,
    pub(super) disabled: Option<bool>,
    pub(super) missing_required: Vec<usize>,
    pub(super) other_auth: Vec<String>,
    pub(super) auth_fields: Vec<(String, Option<String>)>,
    pub stdio: Option<Stdio>,
    pub stdio_mismatch: Vec<String>,
}

impl EntryLoc<'_> {
    /// A local (stdio) entry: a command and no URL.
    pub(crate) fn is_stdio(&self) -> bool {
        self.url.is_none() && self.stdio.is_some()
    }
}

pub(crate) struct Located<'r> {
    /// The objects along the container path that exist, root first.
    pub levels: Vec<&'r Obj>,
    pub entry: Option<EntryLoc<'r>>,
}

impl Located<'_> {
    pub(super) fn container(&self, spec: &EntrySpec) -> Option<&Obj> {
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
pub(crate) fn read_lit(body: &str, m: &Member) -> Option<Lit> {
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

pub(crate) fn locate<'r>(
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
