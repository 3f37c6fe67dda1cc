//! YAML (Continue's `config.yaml`, Goose's `config.yaml`): a span editor over the positions
//! saphyr-parser reports (a pure-Rust YAML 1.2 parser that passes the YAML test suite). No YAML
//! crate edits in place well enough: yaml-edit drops a replaced value's quotes, nondestructive
//! writes LF lines into CRLF files and accepts text that is not YAML, yamlpatch mis-indents
//! nested inserts; the edits figma-auth needs are small enough to make exactly.
//!
//! **Guarantees.** An edit is a set of byte splices of the original text: a scalar's own
//! characters replaced (a refreshed header is one splice and keeps its style: plain, `'…'` or
//! `"…"`), whole member or item lines removed (a comment on such a line goes with it), or new
//! lines inserted after the last line of a mapping or sequence. Bytes outside those ranges never
//! change; comments, key order, blank lines and the rest of the layout stay. New lines follow the
//! file: its indentation step (2, 4…), its sequence style (`- ` at the key's column or inside it,
//! `-   ` items), CRLF, a BOM and a missing final newline are kept; scalars are written plain
//! when that reads back as the same string in YAML 1.2 and 1.1, else quoted. An empty value on
//! the path (`key:`, `~`, `{}`, `[]`, an empty or comment-only file) is filled with a block.
//! Every result is parsed again and checked: the whole document's value must equal the
//! original's with exactly the intended change (values compared as parsed, not as text), and our
//! entry must read back as asked. Nothing unverified is returned.
//!
//! **Entry layouts** ([`EntrySpec`]): a map keyed by the server name (Goose's `extensions`) or a
//! list of items identified by a member (`list_key`: Continue's `mcpServers: [{name: …}]`); the
//! headers object under `headers_parent` (Continue's `requestOptions.headers`); a variable list
//! kept in step with a `${VAR}` header (`header_vars`: Goose's `env_keys`, which gains the
//! variable in env mode and loses it on the way back); the local (stdio) entry of proxy mode
//! ([`super::apply_stdio`]), recognised by its command (`figma-auth proxy`), switched to and from
//! the remote shape. A credentials field's value is reported only when it cannot be a token
//! (a reference or a command line): Continue's `apiKey` holds the token itself.
//!
//! **Refused**, with a line and column, where an edit could not be made safely or the clients'
//! parsers would disagree: anchors, aliases and tags on the path to our entry or anywhere inside
//! it, a merge key (`<<`) on that path, a second document, duplicate keys anywhere (both clients'
//! parsers refuse such a file) and duplicate names in a list, a mapping entry without a key,
//! anchor, alias and tag names beyond letters, digits, `-` and `_` (libyaml, Goose's parser,
//! refuses them), members added to or removed from a non-empty flow collection (`{…}`, `[…]`;
//! values inside one are still replaced in place, and a one-line variable list is rewritten), a
//! header written as a block scalar (`|`, `>`), and a line added after a block scalar that ends
//! the file without a line break (it would change that scalar's value). Tabs in indentation
//! and every other syntax error are the parser's, with its line and column.
//!
//! **Limits.** The whole file is parsed into a tree (fine for configs; files with non-ASCII
//! text also get a table of character offsets, the parser counting characters). YAML 1.1
//! directives and tags are read as YAML 1.2 does.

mod build;
mod create;
mod editor;
mod emit;
mod found;
mod header;
mod locate;
mod positions;
mod splice;
mod strict;
#[cfg(test)]
mod tests;
mod tree;
mod update;
mod value;
mod verify;

use self::create::{create_in_file, new_entry, new_local};
use self::editor::Editor;
use self::found::{state, Found};
use self::header::edit_header;
use self::locate::locate;
use self::tree::{join_path, Node};
use self::update::{edit_entry, edit_local};
use self::value::Val;
use self::verify::{finish_verified, Check};
use super::{is_reference, split_bom, Edit, EditError, EntrySpec, Inspection, Note, Op, Stdio};

/// A step from a node to one of its children.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn wrong_type(path: &[&str], n: &Node, expected: &'static str) -> EditError {
    EditError::WrongType {
        path: if path.is_empty() {
            "(top level)".into()
        } else {
            join_path(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        },
        found: n.describe(),
        expected,
        line: n.line,
        column: n.col + 1,
    }
}

fn refuse(n: &Node, what: &'static str, why: &'static str) -> EditError {
    EditError::Strictness {
        line: n.line,
        column: n.col + 1,
        what,
        why,
    }
}

const SHARED_WHY: &str = "figma-auth does not edit what is shared with or defined by other parts \
                          of the file; write our entry out in full and retry";
const FLOW_WHY: &str = "figma-auth adds and removes members only in block style (one per line); \
                        rewrite it that way and retry";

fn internal(what: &str) -> EditError {
    EditError::Internal(format!("the YAML edit could not be planned ({what})"))
}

fn entry_path(spec: &EntrySpec, f: &Found<'_>) -> Vec<Seg> {
    let mut p: Vec<Seg> = spec.container.iter().map(|k| Seg::Key(k.clone())).collect();
    p.push(f.seg.clone());
    p
}

fn child(path: &[Seg], key: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(Seg::Key(key.to_string()));
    p
}

pub(super) fn inspect(text: Option<&str>, spec: &EntrySpec) -> Result<Inspection, EditError> {
    let Some(text) = text else {
        return Ok(Inspection::Missing);
    };
    let (_, body) = split_bom(text);
    let doc = tree::parse(body)?;
    let loc = locate(doc.root.as_ref(), spec)?;
    Ok(match &loc.entry {
        None => Inspection::Missing,
        Some(f) if f.conflict => Inspection::Conflict(state(f, spec)),
        Some(f) => Inspection::Found(state(f, spec)),
    })
}

pub(super) fn round_trip(text: &str) -> Result<String, EditError> {
    let (_, body) = split_bom(text);
    tree::parse(body)?;
    // Nothing is re-printed: edits are splices of the original text.
    Ok(text.to_string())
}

pub(super) fn map_keys(text: &str, path: &[&str]) -> Result<Option<Vec<String>>, EditError> {
    let (_, body) = split_bom(text);
    let doc = tree::parse(body)?;
    let Some(mut n) = doc.root.as_ref() else {
        return Ok(None);
    };
    for k in path {
        match n.get(k) {
            Some((_, v)) => n = v,
            None => return Ok(None),
        }
    }
    Ok(n.pairs().map(|p| {
        p.iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .collect()
    }))
}

pub(super) fn apply(text: Option<&str>, spec: &EntrySpec, op: Op<'_>) -> Result<Edit, EditError> {
    let (bom, body) = text.map(split_bom).unwrap_or(("", ""));
    let doc = tree::parse(body)?;
    let loc = locate(doc.root.as_ref(), spec)?;
    if let Some(f) = &loc.entry {
        if f.conflict && !spec.force {
            return Ok(Edit::Conflict(state(f, spec)));
        }
        let current = f.auth.as_ref().map(|(_, _, v)| v.as_str());
        let local = !f.conflict && f.stdio.is_some() && f.url.is_none();
        if op.refresh
            && (local
                || !f.other_auth.is_empty()
                || current.is_some_and(|v| is_reference(v) && Some(v) != op.header))
        {
            return Ok(Edit::Indirect(state(f, spec)));
        }
    }
    let mut ed = Editor::new(body, &doc);
    let mut notes = Vec::new();
    if !op.create {
        let Some(f) = loc.entry.as_ref().filter(|f| !f.conflict) else {
            return Ok(Edit::Unchanged);
        };
        if f.auth.is_none() {
            return Ok(Edit::Unchanged);
        }
        edit_header(&mut ed, f, spec, None, &mut notes)?;
    } else if let Some(f) = &loc.entry {
        edit_entry(&mut ed, f, spec, op, &mut notes)?;
    } else {
        let members = new_entry(spec, op);
        return create_in_file(text, &doc, &loc, spec, members, Check::Op(op));
    }
    if notes.is_empty() {
        return Ok(Edit::Unchanged);
    }
    let before = doc.root.as_ref().map_or_else(Val::null, Val::of);
    let single = (ed.edits.len() == 1 && ed.removals.is_empty() && notes == [Note::ReplacedHeader])
        .then(|| ed.edits[0].clone());
    let (out, want) = ed.finish(bom, before)?;
    let splice = single.map(|(r, t)| (bom.len() + r.start..bom.len() + r.end, t));
    finish_verified(text, out, want, spec, Check::Op(op), notes, splice)
}

pub(super) fn apply_stdio(
    text: Option<&str>,
    spec: &EntrySpec,
    stdio: &Stdio,
) -> Result<Edit, EditError> {
    let s = spec.stdio.as_ref().ok_or_else(|| internal("stdio spec"))?;
    let (bom, body) = text.map(split_bom).unwrap_or(("", ""));
    let doc = tree::parse(body)?;
    let loc = locate(doc.root.as_ref(), spec)?;
    let mut ed = Editor::new(body, &doc);
    let mut notes = Vec::new();
    match &loc.entry {
        Some(f) if f.conflict && !spec.force => return Ok(Edit::Conflict(state(f, spec))),
        Some(f) => edit_local(&mut ed, f, spec, s, stdio, &mut notes)?,
        None => {
            let members = new_local(spec, stdio);
            return create_in_file(text, &doc, &loc, spec, members, Check::Stdio(stdio, None));
        }
    }
    if notes.is_empty() {
        return Ok(Edit::Unchanged);
    }
    let before = doc.root.as_ref().map_or_else(Val::null, Val::of);
    let (out, want) = ed.finish(bom, before)?;
    let name = loc.entry.as_ref().map(|f| f.name.as_str());
    finish_verified(
        text,
        out,
        want,
        spec,
        Check::Stdio(stdio, name),
        notes,
        None,
    )
}
