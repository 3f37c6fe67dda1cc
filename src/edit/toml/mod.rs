//! TOML (Codex) through toml_edit: values are replaced in place with their decor (comments)
//! kept, tables are walked with `entry`, never `IndexMut`. toml_edit drops a BOM and writes LF,
//! so both are restored; the result is re-parsed and read back before it is returned.
//!
//! Here: parsing (errors with a line and column) and the entry points, `apply` deciding what an
//! edit does. `locate` finds our entry and reads it, `write` changes the document, `output`
//! prints it the way the input was written and checks it.

mod locate;
mod output;
mod write;

use toml_edit::{Document, Item, Table, TableLike};

use self::locate::{locate, state};
use self::output::{finish, print, verify, verify_stdio};
use self::write::{
    container_is_inline, edit_entry, internal, lit_value, members_entry, new_entry, no_stdio,
    switch, walk_mut,
};
use super::{
    display_path, is_reference, line_col, split_bom, Edit, EditError, EntrySpec, Inspection, Note,
    Op,
};

fn parse(body: &str) -> Result<Document<String>, EditError> {
    Document::parse(body.to_string()).map_err(|e| {
        let pos = e.span().map(|s| s.start).unwrap_or(0);
        let (line, column) = line_col(body, pos);
        let mut message = e.message().trim().replace('\n', "; ");
        if let Some(first) = message.get_mut(..1) {
            first.make_ascii_lowercase();
        }
        EditError::Syntax {
            line,
            column,
            message,
        }
    })
}

pub(super) fn inspect(text: Option<&str>, spec: &EntrySpec) -> Result<Inspection, EditError> {
    let Some(text) = text else {
        return Ok(Inspection::Missing);
    };
    let (_, body) = split_bom(text);
    let doc = parse(body)?;
    let loc = locate(body, &doc, spec)?;
    Ok(match &loc.entry {
        None => Inspection::Missing,
        Some(f) if f.conflict => Inspection::Conflict(state(f, spec)),
        Some(f) => Inspection::Found(state(f, spec)),
    })
}

pub(super) fn table_keys(text: &str, path: &[&str]) -> Result<Option<Vec<String>>, EditError> {
    let (_, body) = split_bom(text);
    let doc = parse(body)?;
    let mut table: &dyn TableLike = doc.as_table();
    for key in path {
        match table.get(key).and_then(Item::as_table_like) {
            Some(t) => table = t,
            None => return Ok(None),
        }
    }
    Ok(Some(table.iter().map(|(k, _)| k.to_string()).collect()))
}

pub(super) fn round_trip(text: &str) -> Result<String, EditError> {
    let (bom, body) = split_bom(text);
    let doc = parse(body)?.into_mut();
    Ok(print(bom, body, &doc))
}

pub(super) fn apply(text: Option<&str>, spec: &EntrySpec, op: Op<'_>) -> Result<Edit, EditError> {
    let (bom, body) = text.map(split_bom).unwrap_or(("", ""));
    let parsed = parse(body)?;
    let loc = locate(body, &parsed, spec)?;
    let mut doc = parsed.into_mut();
    let mut notes = Vec::new();
    if let Some(f) = &loc.entry {
        if f.conflict && !spec.force {
            return Ok(Edit::Conflict(state(f, spec)));
        }
        if op.create && (op.stdio.is_some() || (op.switch && f.is_stdio())) {
            return switch(text, spec, op, f, doc);
        }
        if f.is_stdio() && !f.conflict {
            // A proxy entry holds no token: a refresh leaves it alone, a removal has nothing
            // to do.
            return Ok(if op.refresh {
                Edit::Indirect(state(f, spec))
            } else {
                Edit::Unchanged
            });
        }
        let current = f.auth.as_ref().map(|(_, v)| v.as_str());
        if op.refresh
            && (!f.other_auth.is_empty()
                || current.is_some_and(|v| is_reference(v) && Some(v) != op.header))
        {
            return Ok(Edit::Indirect(state(f, spec)));
        }
    }
    let container_path: Vec<&str> = spec.container.iter().map(String::as_str).collect();
    if !op.create {
        let Some(f) = loc.entry.as_ref().filter(|f| !f.conflict) else {
            return Ok(Edit::Unchanged);
        };
        let Some((key, _)) = &f.auth else {
            return Ok(Edit::Unchanged);
        };
        let mut p = container_path.clone();
        p.extend([f.name.as_str(), spec.headers_key.as_str()]);
        walk_mut(&mut doc, &p)?.remove(key);
        notes.push(Note::RemovedHeader);
    } else if let Some(f) = &loc.entry {
        let mut p = container_path.clone();
        p.push(&f.name);
        let entry = walk_mut(&mut doc, &p)?;
        edit_entry(entry, f, spec, op, &mut notes)?;
    } else {
        if text.is_none() || body.trim().is_empty() {
            notes.push(Note::CreatedDocument);
        }
        // Walk (and create) the container with `entry`, as implicit tables so that no
        // empty `[mcp_servers]` header is written.
        let mut table: &mut dyn TableLike = doc.as_table_mut();
        for (depth, key) in container_path.iter().enumerate() {
            if !table.contains_key(key) {
                notes.push(Note::CreatedContainer(display_path(
                    &container_path[..=depth],
                )));
                let mut t = Table::new();
                t.set_implicit(true);
                table.insert(key, Item::Table(t));
            }
            table = table
                .get_mut(key)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| internal("container"))?;
        }
        let is_inline = container_is_inline(&doc, &container_path);
        let table = walk_mut(&mut doc, &container_path)?;
        let entry = match op.stdio {
            Some(argv) => {
                let sw = spec.to_stdio(argv).ok_or_else(no_stdio)?;
                members_entry(
                    sw.set.iter().map(|(k, v)| (k.clone(), lit_value(v))),
                    is_inline,
                )
            }
            None => new_entry(spec, op, is_inline),
        };
        table.insert(&spec.name, entry);
        notes.push(Note::CreatedEntry(spec.name.clone()));
    }
    if notes.is_empty() {
        return Ok(Edit::Unchanged);
    }
    let out = print(bom, body, &doc);
    match op.stdio {
        Some(argv) => verify_stdio(&out, spec, argv)?,
        None => verify(&out, spec, op)?,
    }
    Ok(finish(text, out, notes))
}
