//! Edits on the jsonc-parser syntax tree, which copies the file's indentation, newline kind and
//! comma style: creating the document, the container levels and our entry, setting or adding
//! the URL, required and credentials fields and the Authorization header, and removing the
//! header (with a headers object it leaves empty) or other credentials fields; each edit
//! bounded so that no huge one-line object is reformatted.

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};

use super::analyse::{jsonc_error, parse_options};
use super::locate::{EntryLoc, Located};
use super::template::{insert_ordered, scalar_input, template_input};
use crate::edit::scan::Obj;
use crate::edit::{display_path, line_col, EditError, EntrySpec, Note, Op, Syntax, AUTHORIZATION};

pub(crate) fn internal(what: &str) -> EditError {
    EditError::Internal(format!(
        "the syntax tree disagrees with the scanner ({what})"
    ))
}

pub(crate) fn one_line(body: &str, obj: &Obj) -> bool {
    memchr::memchr(b'\n', &body.as_bytes()[obj.open..obj.close]).is_none()
}

/// The most members a one-line object may have for the syntax tree to edit it: inserting into
/// a one-line object reformats it, at a cost that grows with the square of its members (20,000
/// take minutes). Objects spread over lines are edited in linear time, whatever their size.
const MAX_ONE_LINE_MEMBERS: usize = 2_000;

/// [`bound_reformat`] for every container level found on the path to the entry.
pub(crate) fn bound_levels(
    body: &str,
    loc: &Located<'_>,
    spec: &EntrySpec,
) -> Result<(), EditError> {
    for (depth, level) in loc.levels.iter().enumerate() {
        let path: Vec<&str> = spec.container[..depth].iter().map(String::as_str).collect();
        bound_reformat(body, level, &path)?;
    }
    Ok(())
}

/// Refuses a syntax-tree edit that would reformat an object over [`MAX_ONE_LINE_MEMBERS`].
pub(crate) fn bound_reformat(body: &str, obj: &Obj, path: &[&str]) -> Result<(), EditError> {
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
pub(crate) fn open_container(
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

pub(super) fn cst_edit(
    body: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    loc: &Located<'_>,
) -> Result<(String, Vec<Note>), EditError> {
    let mut notes = Vec::new();
    // Bounds first: every object on the path the edit may insert into.
    bound_levels(body, loc, spec)?;
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
