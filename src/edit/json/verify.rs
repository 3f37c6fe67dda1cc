//! The checks every edited text passes before it leaves: read again with the syntax's
//! strictness, our entry says what was asked, and nothing but what the edit may change differs
//! from the original, compared as parsed values.

use jsonc_parser::ParseOptions;

use super::analyse::{analyse, parse_options};
use super::locate::locate;
use super::template::template_pos;
use crate::edit::scan::{Root, Scanner};
use crate::edit::{EditError, EntrySpec, Op, Syntax, AUTHORIZATION};

/// Re-reads edited text with the syntax's strictness and checks that our entry says what was
/// asked. Never lets unverified text out.
pub(super) fn verify(
    out: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
) -> Result<(), EditError> {
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
    crate::edit::verify_op(op, have, &fields, e.missing_required.is_empty()).map_err(fail)
}

/// Checks that the edit changed nothing but what it may: every value outside our entry is equal
/// before and after (created containers and a new document's first members excepted), and in
/// our entry only the URL (on a forced takeover), missing required fields, the headers object
/// and its Authorization key may differ.
pub(crate) fn check_untouched(
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
pub(crate) fn check_untouched_but(
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
fn only_comments(text: &str) -> bool {
    matches!(
        Scanner::new(text, |_, _| false).scan(),
        Ok((Root::Empty, _, _))
    )
}
