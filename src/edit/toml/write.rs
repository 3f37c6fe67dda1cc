//! Changing the parsed document: values replaced with their decor (comments, spacing) kept,
//! tables walked by lookup (`get_mut`, never `IndexMut`), new entries built as tables or
//! inline tables, and an entry switched between the remote and the local (stdio) shape.

use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::locate::{lit_of, Found};
use super::output::{finish, print, verify, verify_stdio};
use crate::edit::stdio::Lit;
use crate::edit::{split_bom, Edit, EditError, EntrySpec, Field, Note, Op, Scalar, AUTHORIZATION};

pub(super) fn lit_value(v: &Lit) -> Value {
    match v {
        Lit::Str(s) => Value::from(s.as_str()),
        Lit::Bool(b) => Value::from(*b),
        Lit::Int(i) => Value::from(*i),
        Lit::List(l) => Value::Array(l.iter().map(|s| s.as_str()).collect()),
    }
}

fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Str(v) => Value::from(v.as_str()),
        Scalar::Bool(b) => Value::from(*b),
        Scalar::Int(i) => Value::from(*i),
    }
}

/// Replaces the value at `key` keeping its comments and spacing (its decor).
fn replace_value(table: &mut dyn TableLike, key: &str, new: &str) -> Result<(), EditError> {
    let item = table
        .get_mut(key)
        .ok_or_else(|| internal("value to replace"))?;
    let old = item
        .as_value()
        .ok_or_else(|| internal("value to replace"))?;
    let decor = old.decor().clone();
    let mut value = Value::from(new);
    *value.decor_mut() = decor;
    *item = Item::Value(value);
    Ok(())
}

pub(super) fn internal(what: &str) -> EditError {
    EditError::Internal(format!(
        "the TOML document disagrees with its first reading ({what})"
    ))
}

pub(super) fn walk_mut<'d>(
    doc: &'d mut DocumentMut,
    keys: &[&str],
) -> Result<&'d mut dyn TableLike, EditError> {
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for key in keys {
        table = table
            .get_mut(key)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| internal("path"))?;
    }
    Ok(table)
}

fn headers_value(header: &str) -> Value {
    let mut t = InlineTable::new();
    t.insert(AUTHORIZATION, Value::from(header));
    Value::InlineTable(t)
}

/// A new entry: a `[container.name]` table (or an inline table inside an inline container).
pub(super) fn new_entry(spec: &EntrySpec, op: Op<'_>, inline: bool) -> Item {
    let mut members: Vec<(String, Value)> = Vec::new();
    for f in &spec.template {
        match f {
            Field::Url => {
                members.push((spec.url_key().to_string(), Value::from(spec.url.as_str())))
            }
            Field::Headers => {
                if let Some((k, v)) = op.field {
                    members.push((k.to_string(), Value::from(v)));
                }
                if let Some(h) = op.header {
                    members.push((spec.headers_key.clone(), headers_value(h)));
                }
            }
            Field::Value(k, v) => members.push((k.clone(), scalar_value(v))),
        }
    }
    members_entry(members, inline)
}

pub(super) fn members_entry(
    members: impl IntoIterator<Item = (String, Value)>,
    inline: bool,
) -> Item {
    if inline {
        let mut t = InlineTable::new();
        for (k, v) in members {
            t.insert(&k, v);
        }
        Item::Value(Value::InlineTable(t))
    } else {
        let mut t = Table::new();
        for (k, v) in members {
            t.insert(&k, Item::Value(v));
        }
        Item::Table(t)
    }
}

pub(super) fn no_stdio() -> EditError {
    EditError::Internal("this client has no local (stdio) entry".into())
}

/// Proxy mode on an existing entry (it becomes a stdio entry running the op's command line),
/// or another explicit mode on a stdio entry (its stdio members go, our URL comes, then the
/// ordinary edit gives it the rest). Only the members of the two forms change.
pub(super) fn switch(
    text: Option<&str>,
    spec: &EntrySpec,
    op: Op<'_>,
    f: &Found,
    mut doc: DocumentMut,
) -> Result<Edit, EditError> {
    let (bom, body) = text.map(split_bom).unwrap_or(("", ""));
    let sw = match op.stdio {
        Some(argv) => spec.to_stdio(argv).ok_or_else(no_stdio)?,
        None => spec.to_url(),
    };
    let mut p: Vec<&str> = spec.container.iter().map(String::as_str).collect();
    p.push(&f.name);
    let entry = walk_mut(&mut doc, &p)?;
    let mut notes = Vec::new();
    for k in &sw.remove {
        if entry.remove(k).is_some() {
            notes.push(Note::RemovedField(k.clone()));
        }
    }
    for (k, v) in &sw.set {
        if entry.get(k).and_then(lit_of).as_ref() != Some(v) {
            match entry.get_mut(k).and_then(Item::as_value_mut) {
                Some(old) => {
                    let decor = old.decor().clone();
                    *old = lit_value(v);
                    *old.decor_mut() = decor;
                }
                None => {
                    entry.insert(k, Item::Value(lit_value(v)));
                }
            }
            notes.push(Note::SetField(k.clone()));
        }
    }
    if notes.is_empty() {
        return Ok(Edit::Unchanged);
    }
    let out = print(bom, body, &doc);
    match op.stdio {
        Some(argv) => verify_stdio(&out, spec, argv)?,
        None => {
            let second = super::apply(Some(&out), spec, op)?;
            notes.extend(second.notes().iter().cloned());
            let out = second.materialize(Some(&out)).unwrap_or(out);
            verify(&out, spec, op)?;
            return Ok(Edit::Rewrite { text: out, notes });
        }
    }
    Ok(finish(text, out, notes))
}

/// Makes an existing entry say what `op` asks (not a removal).
pub(super) fn edit_entry(
    entry: &mut dyn TableLike,
    f: &Found,
    spec: &EntrySpec,
    op: Op<'_>,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    if f.conflict {
        match &f.url {
            Some((k, _)) => replace_value(entry, k, &spec.url)?,
            None => {
                entry.insert(spec.url_key(), Item::Value(Value::from(spec.url.as_str())));
            }
        }
        notes.push(Note::SetUrl);
    }
    for &i in &f.missing_required {
        let (k, v) = &spec.required[i];
        entry.insert(k, Item::Value(scalar_value(v)));
        notes.push(Note::AddedField(k.clone()));
    }
    for k in f.other_auth.iter().filter(|k| op.removes_field(k)) {
        entry.remove(k);
        notes.push(Note::RemovedField(k.clone()));
    }
    if let Some((k, v)) = op.field {
        match f.auth_fields.iter().find(|(fk, _)| fk == k) {
            Some((_, Some(cur))) if cur == v => {}
            Some((_, Some(_))) => {
                replace_value(entry, k, v)?;
                notes.push(Note::SetField(k.to_string()));
            }
            // Absent, or of another type (which Codex would refuse): a plain string.
            _ => {
                entry.insert(k, Item::Value(Value::from(v)));
                notes.push(Note::SetField(k.to_string()));
            }
        }
    }
    match (op.header, f.headers, &f.auth) {
        (Some(v), false, _) => {
            entry.insert(&spec.headers_key, Item::Value(headers_value(v)));
            notes.push(Note::AddedHeader);
        }
        (Some(v), true, None) => {
            let h = headers_mut(entry, spec)?;
            h.insert(AUTHORIZATION, Item::Value(Value::from(v)));
            notes.push(Note::AddedHeader);
        }
        (Some(v), true, Some((k, old))) => {
            if old != v {
                let h = headers_mut(entry, spec)?;
                replace_value(h, k, v)?;
                notes.push(Note::ReplacedHeader);
            }
        }
        (None, _, Some((k, _))) => {
            let h = headers_mut(entry, spec)?;
            h.remove(k);
            let now_empty = h.is_empty();
            notes.push(Note::RemovedHeader);
            // A headers table that held only our header goes with it.
            if now_empty {
                entry.remove(&spec.headers_key);
            }
        }
        (None, _, None) => {}
    }
    Ok(())
}

/// The entry's headers table, which the first reading found.
fn headers_mut<'e>(
    entry: &'e mut dyn TableLike,
    spec: &EntrySpec,
) -> Result<&'e mut dyn TableLike, EditError> {
    entry
        .get_mut(&spec.headers_key)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| internal("headers"))
}

/// The container is an inline table (`mcp_servers = { … }`), so the entry must be inline too.
pub(super) fn container_is_inline(doc: &DocumentMut, path: &[&str]) -> bool {
    let mut item = doc.as_item();
    for key in path {
        match item.get(key) {
            Some(i) => item = i,
            None => return false,
        }
    }
    item.is_inline_table()
}
