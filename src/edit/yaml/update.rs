//! Changing an existing entry into the shape asked for: the remote one (URL, required and
//! credentials fields, header) or the local one (command and arguments), with the other shape's
//! members removed.

use saphyr_parser::ScalarStyle;

use super::super::{EditError, EntrySpec, Field, Note, Op, Scalar, Stdio, StdioField, StdioSpec};
use super::create::{args_new, scalar_new};
use super::editor::Editor;
use super::emit::{self, New};
use super::found::Found;
use super::header::{edit_header, header_keys, sync_vars};
use super::tree::{Kind, Node};
use super::value::Val;
use super::{child, entry_path, internal, refuse, Seg};

/// Refuses a value that cannot be replaced as one span; `key` is named in the message.
pub(super) fn replaceable(key: Option<&Node>, n: &Node) -> Result<ScalarStyle, EditError> {
    match &n.kind {
        Kind::Scalar { style, token, .. } => {
            if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                return Err(refuse(
                    key.unwrap_or(n),
                    "a block scalar (`|` or `>`) as the header value",
                    "figma-auth replaces a header written on one line; write it as \
                     `Authorization: Bearer …` and retry",
                ));
            }
            let _ = token;
            Ok(*style)
        }
        _ => Err(internal("header value")),
    }
}

/// Whether `n` holds the string or scalar `v`.
fn holds_scalar(n: &Node, v: &Scalar) -> bool {
    match v {
        Scalar::Str(s) => n.as_str() == Some(s),
        Scalar::Bool(b) => n.as_bool() == Some(*b),
        Scalar::Int(i) => matches!(&n.kind, Kind::Scalar { value, style: ScalarStyle::Plain, .. }
            if !n.props && value.parse::<i64>().ok() == Some(*i)),
    }
}

/// Sets the fixed member `k` to `v` (replaced when it differs, added when missing).
fn set_fixed<'t>(
    ed: &mut Editor<'t>,
    f: &Found<'t>,
    epath: &[Seg],
    k: &str,
    v: &Scalar,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    match f.node.get(k) {
        Some((_, n)) if holds_scalar(n, v) => {}
        Some((_, n)) if matches!(n.kind, Kind::Scalar { .. }) => {
            let flow = f.node.is_flow();
            let text = match v {
                Scalar::Str(s) => match &n.kind {
                    Kind::Scalar { style, .. }
                        if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) =>
                    {
                        emit::string_like(s, *style, flow)
                    }
                    _ => emit::string(s, flow),
                },
                other => emit::scalar_text(other, flow),
            };
            ed.set_scalar(n, &child(epath, k), text, New::Scalar(v.clone()).val());
            notes.push(Note::AddedField(k.to_string()));
        }
        Some(_) => {
            ed.remove_member(f.node, epath, k)?;
            ed.add_members(f.node, epath, &[(k.to_string(), scalar_new(v))])?;
            notes.push(Note::AddedField(k.to_string()));
        }
        None => {
            ed.add_members(f.node, epath, &[(k.to_string(), scalar_new(v))])?;
            notes.push(Note::AddedField(k.to_string()));
        }
    }
    Ok(())
}

/// Makes an existing entry say what `op` asks (not a removal).
pub(super) fn edit_entry<'t>(
    ed: &mut Editor<'t>,
    f: &Found<'t>,
    spec: &EntrySpec,
    op: Op<'_>,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    let epath = entry_path(spec, f);
    let remote_fixed: Vec<(&str, &Scalar)> = spec
        .template
        .iter()
        .filter_map(|f| match f {
            Field::Value(k, v) => Some((k.as_str(), v)),
            _ => None,
        })
        .chain(spec.required.iter().map(|(k, v)| (k.as_str(), v)))
        .collect();
    let local = f.stdio.is_some() && f.url.is_none();
    if local {
        // A local entry becomes remote: its command goes, the remote shape's members come.
        let s = spec.stdio.as_ref().ok_or_else(|| internal("stdio spec"))?;
        for k in [&s.command_key, &s.args_key] {
            if f.node.get(k).is_some() {
                ed.remove_member(f.node, &epath, k)?;
                notes.push(Note::RemovedField(k.clone()));
            }
        }
        for sf in &s.template {
            if let StdioField::Value(k, _) = sf
                && f.node.get(k).is_some()
                && !remote_fixed.iter().any(|(rk, _)| rk == k)
            {
                ed.remove_member(f.node, &epath, k)?;
                notes.push(Note::RemovedField(k.clone()));
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in &remote_fixed {
            if !seen.contains(k) {
                seen.push(k);
                set_fixed(ed, f, &epath, k, v, notes)?;
            }
        }
    }
    match (&f.url, f.conflict || local) {
        (Some((key, u)), true) if !spec.url_matches(u) => {
            let k = key.as_str().unwrap_or_default().to_string();
            let (_, n) = f.node.get(&k).ok_or_else(|| internal("url"))?;
            let style = replaceable(Some(key), n)?;
            let text = emit::string_like(&spec.url, style, f.node.is_flow());
            ed.set_scalar(n, &child(&epath, &k), text, Val::str(&spec.url));
            notes.push(Note::SetUrl);
        }
        (None, true) => {
            ed.add_members(
                f.node,
                &epath,
                &[(spec.url_key().to_string(), New::str(&spec.url))],
            )?;
            notes.push(Note::SetUrl);
        }
        _ => {}
    }
    if !local {
        for &i in &f.missing_required {
            let (k, v) = &spec.required[i];
            ed.add_members(f.node, &epath, &[(k.clone(), scalar_new(v))])?;
            notes.push(Note::AddedField(k.clone()));
        }
    }
    for k in f.other_auth.iter().filter(|k| op.removes_field(k)) {
        ed.remove_member(f.node, &epath, k)?;
        notes.push(Note::RemovedField(k.clone()));
    }
    if let Some((k, v)) = op.field {
        match (f.auth_fields.iter().find(|(fk, _)| fk == k), f.node.get(k)) {
            (Some((_, Some(cur))), _) if cur == v => {}
            (Some((_, Some(_))), Some((_, n))) => {
                let text = match &n.kind {
                    Kind::Scalar { style, .. } => emit::string_like(v, *style, f.node.is_flow()),
                    _ => emit::string(v, false),
                };
                replaceable(None, n)?;
                ed.set_scalar(n, &child(&epath, k), text, Val::str(v));
                notes.push(Note::SetField(k.to_string()));
            }
            (Some(_), Some(_)) => {
                ed.remove_member(f.node, &epath, k)?;
                ed.add_members(f.node, &epath, &[(k.to_string(), New::str(v))])?;
                notes.push(Note::SetField(k.to_string()));
            }
            _ => {
                ed.add_members(f.node, &epath, &[(k.to_string(), New::str(v))])?;
                notes.push(Note::SetField(k.to_string()));
            }
        }
    }
    edit_header(ed, f, spec, op.header, notes)
}

/// Makes an existing entry the local server `stdio` (`s` is the spec's local shape).
pub(super) fn edit_local<'t>(
    ed: &mut Editor<'t>,
    f: &Found<'t>,
    spec: &EntrySpec,
    s: &StdioSpec,
    stdio: &Stdio,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    let epath = entry_path(spec, f);
    // The remote shape goes.
    let mut gone: Vec<String> = Vec::new();
    let first_header_key = header_keys(spec)[0].to_string();
    for k in spec
        .url_keys
        .iter()
        .chain([&first_header_key])
        .chain(&spec.auth_alternatives)
    {
        if f.node.get(k).is_some() && !gone.contains(k) {
            gone.push(k.clone());
        }
    }
    let local_fixed: Vec<(&str, &Scalar)> = s
        .template
        .iter()
        .filter_map(|f| match f {
            StdioField::Value(k, v) => Some((k.as_str(), v)),
            _ => None,
        })
        .collect();
    for fld in &spec.template {
        if let Field::Value(k, _) = fld
            && f.node.get(k).is_some()
            && !local_fixed.iter().any(|(lk, _)| lk == k)
            && !gone.contains(k)
            && spec.list_key.as_ref() != Some(k)
        {
            gone.push(k.clone());
        }
    }
    for k in &gone {
        ed.remove_member(f.node, &epath, k)?;
        notes.push(Note::RemovedField(k.clone()));
    }
    for (k, v) in &local_fixed {
        set_fixed(ed, f, &epath, k, v, notes)?;
    }
    let old = f.auth.as_ref().map(|(_, _, v)| v.as_str());
    sync_vars(ed, f, spec, old, None, &epath, notes)?;
    match f.node.get(&s.command_key) {
        Some((_, n)) if n.as_str() == Some(stdio.command.as_str()) => {}
        Some((_, n)) if matches!(n.kind, Kind::Scalar { .. }) => {
            let style = replaceable(None, n)?;
            let text = emit::string_like(&stdio.command, style, f.node.is_flow());
            ed.set_scalar(
                n,
                &child(&epath, &s.command_key),
                text,
                Val::str(&stdio.command),
            );
            notes.push(Note::SetField(s.command_key.clone()));
        }
        other => {
            if other.is_some() {
                ed.remove_member(f.node, &epath, &s.command_key)?;
            }
            ed.add_members(
                f.node,
                &epath,
                &[(s.command_key.clone(), New::str(&stdio.command))],
            )?;
            notes.push(Note::SetField(s.command_key.clone()));
        }
    }
    let args_now = f.stdio.as_ref().map(|x| &x.args);
    let args_node = f.node.get(&s.args_key);
    let args_ok = args_now == Some(&stdio.args)
        && args_node.is_some_and(|(_, v)| {
            v.items()
                .is_some_and(|i| i.iter().all(|n| n.as_str().is_some()))
        });
    if !args_ok {
        if args_node.is_some() {
            ed.remove_member(f.node, &epath, &s.args_key)?;
        }
        ed.add_members(f.node, &epath, &[(s.args_key.clone(), args_new(stdio))])?;
        notes.push(Note::SetField(s.args_key.clone()));
    }
    Ok(())
}
