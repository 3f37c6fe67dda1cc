//! A new entry: its members (remote or local), and where it goes: into the container, into an
//! empty value standing for a level, after the last existing level (creating the rest of the
//! path), or into a new document.

use super::super::{
    is_reference, split_bom, uses_crlf, Edit, EditError, EntrySpec, Field, Note, Op, Scalar, Stdio,
    StdioField,
};
use super::editor::Editor;
use super::emit::New;
use super::found::vars_of;
use super::header::{header_chain, header_keys};
use super::locate::Located;
use super::tree::{self, Kind, Node};
use super::value::Val;
use super::verify::{finish_verified, Check};
use super::Seg;

pub(super) fn scalar_new(s: &Scalar) -> New {
    New::Scalar(s.clone())
}

/// The members of a new remote entry.
pub(super) fn new_entry(spec: &EntrySpec, op: Op<'_>) -> Vec<(String, New)> {
    let mut m: Vec<(String, New)> = Vec::new();
    if let Some(nk) = &spec.list_key {
        m.push((nk.clone(), New::str(&spec.name)));
    }
    for f in &spec.template {
        match f {
            Field::Url => m.push((spec.url_key().to_string(), New::str(&spec.url))),
            Field::Headers => {
                if let Some((k, v)) = op.field {
                    m.push((k.to_string(), New::str(v)));
                }
                if let Some(h) = op.header {
                    let keys = header_keys(spec);
                    m.push((keys[0].to_string(), header_chain(spec, 0, h)));
                    if let Some(hk) = &spec.header_vars {
                        let vars = if is_reference(h) {
                            vars_of(h)
                        } else {
                            Vec::new()
                        };
                        if !vars.is_empty() {
                            m.push((
                                hk.clone(),
                                New::Seq(vars.iter().map(|v| New::str(v)).collect()),
                            ));
                        }
                    }
                }
            }
            Field::Value(k, v) => {
                if !m.iter().any(|(mk, _)| mk == k) {
                    m.push((k.clone(), scalar_new(v)))
                }
            }
        }
    }
    for (k, v) in &spec.required {
        if !m.iter().any(|(mk, _)| mk == k) {
            m.push((k.clone(), scalar_new(v)));
        }
    }
    m
}

/// The members of a new local entry.
pub(super) fn new_local(spec: &EntrySpec, stdio: &Stdio) -> Vec<(String, New)> {
    let s = spec.stdio.as_ref().expect("checked by the caller");
    let mut m: Vec<(String, New)> = Vec::new();
    if let Some(nk) = &spec.list_key {
        m.push((nk.clone(), New::str(&spec.name)));
    }
    for f in &s.template {
        let (k, v) = match f {
            StdioField::Command => (s.command_key.clone(), New::str(&stdio.command)),
            StdioField::Args => (s.args_key.clone(), args_new(stdio)),
            StdioField::Value(k, v) => (k.clone(), scalar_new(v)),
        };
        if !m.iter().any(|(mk, _)| *mk == k) {
            m.push((k, v));
        }
    }
    m
}

pub(super) fn args_new(stdio: &Stdio) -> New {
    New::Seq(stdio.args.iter().map(|a| New::str(a)).collect())
}

/// Where a new entry goes: into the existing container, into the empty value standing for
/// a level, or into the last existing level (creating the rest of the path).
fn create(
    ed: &mut Editor<'_>,
    loc: &Located<'_>,
    spec: &EntrySpec,
    entry: Vec<(String, New)>,
    created_doc: bool,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    let c = &spec.container;
    let keys = |n: usize| -> Vec<Seg> { c[..n].iter().map(|k| Seg::Key(k.clone())).collect() };
    let entry_value = New::Map(entry);
    let depth = loc.levels.len();
    if depth == c.len() + 1 {
        let container = *loc.levels.last().unwrap();
        if spec.list_key.is_some() {
            ed.add_item(container, &keys(c.len()), &entry_value)?;
        } else {
            ed.add_members(
                container,
                &keys(c.len()),
                &[(spec.name.clone(), entry_value)],
            )?;
        }
        notes.push(Note::CreatedEntry(spec.name.clone()));
        return Ok(());
    }
    // The value of level `from - 1` (or of the document, `from` 0): the rest of the path down
    // to the container holding the entry.
    let from = if depth == 0 || loc.stub.is_some_and(|(k, _)| k.is_none()) {
        0
    } else {
        depth
    };
    let mut value = if spec.list_key.is_some() {
        New::Seq(vec![entry_value])
    } else {
        New::Map(vec![(spec.name.clone(), entry_value)])
    };
    for k in c[from..].iter().rev() {
        value = New::Map(vec![(k.clone(), value)]);
    }
    for d in depth.saturating_sub(1)..c.len() {
        notes.push(Note::CreatedContainer(super::super::display_path(&c[..=d])));
    }
    match loc.stub {
        Some((Some(key), stub)) => ed.fill(Some(key), stub, &keys(depth), &value),
        Some((None, stub)) => {
            let value = if created_doc {
                with_first(spec, value)
            } else {
                value
            };
            ed.fill(None, stub, &[], &value);
        }
        None if depth == 0 => {
            // An empty or comment-only document.
            let value = if created_doc {
                with_first(spec, value)
            } else {
                value
            };
            let end = ed.body.len();
            let stub = Node {
                start: end,
                end,
                line: 1,
                col: 0,
                props: false,
                kind: Kind::Alias,
            };
            ed.fill(None, &stub, &[], &value);
        }
        None => {
            let parent = *loc.levels.last().unwrap();
            ed.add_members(parent, &keys(depth - 1), &[(c[depth - 1].clone(), value)])?;
        }
    }
    notes.push(Note::CreatedEntry(spec.name.clone()));
    Ok(())
}

/// A new document's first members before `content`.
fn with_first(spec: &EntrySpec, content: New) -> New {
    match content {
        New::Map(m) if !spec.new_file_members.is_empty() => {
            let mut all: Vec<(String, New)> = spec
                .new_file_members
                .iter()
                .map(|(k, v)| (k.clone(), scalar_new(v)))
                .collect();
            all.extend(m);
            New::Map(all)
        }
        c => c,
    }
}

/// Adds a new entry (`members`) to `text`, or writes a fresh document when the file is missing
/// or blank (a blank file's blank lines are not kept; a comment-only one keeps its comments).
pub(super) fn create_in_file(
    text: Option<&str>,
    doc: &tree::Doc,
    loc: &Located<'_>,
    spec: &EntrySpec,
    members: Vec<(String, New)>,
    check: Check<'_>,
) -> Result<Edit, EditError> {
    let (bom, body) = text.map(split_bom).unwrap_or(("", ""));
    let blank = body.trim().is_empty();
    let created_doc = text.is_none() || blank;
    let mut notes = Vec::new();
    if created_doc {
        notes.push(Note::CreatedDocument);
    }
    let empty = tree::Doc {
        root: None,
        open_block_end: false,
    };
    let (source, doc, loc) = if blank {
        let fresh = Located {
            levels: Vec::new(),
            stub: None,
            entry: None,
        };
        ("", &empty, fresh)
    } else {
        let same = Located {
            levels: loc.levels.clone(),
            stub: loc.stub,
            entry: None,
        };
        (body, doc, same)
    };
    let mut ed = Editor::new(source, doc);
    create(&mut ed, &loc, spec, members, created_doc, &mut notes)?;
    let before = doc.root.as_ref().map_or_else(Val::null, Val::of);
    let (out, want) = ed.finish("", before)?;
    let out = if blank && uses_crlf(body) {
        out.replace('\n', "\r\n")
    } else {
        out
    };
    finish_verified(text, format!("{bom}{out}"), want, spec, check, notes, None)
}
