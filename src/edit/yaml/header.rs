//! The Authorization header of an existing entry: replaced, added (with the levels above it
//! that are missing) or removed (with the levels it leaves empty), and the `header_vars` list
//! kept naming the variables it uses.

use super::super::{is_reference, EditError, EntrySpec, Note, AUTHORIZATION};
use super::editor::Editor;
use super::emit::{self, New};
use super::found::{vars_of, Found};
use super::tree::Node;
use super::update::replaceable;
use super::value::Val;
use super::{child, entry_path, refuse, Seg, FLOW_WHY};

/// `headers_parent` + `headers_key` from `from` on, ending in `{Authorization: value}`.
pub(super) fn header_chain(spec: &EntrySpec, from: usize, value: &str) -> New {
    let keys: Vec<&String> = spec
        .headers_parent
        .iter()
        .chain([&spec.headers_key])
        .collect();
    let mut v = New::Map(vec![(AUTHORIZATION.to_string(), New::str(value))]);
    for k in keys[from + 1..].iter().rev() {
        v = New::Map(vec![(k.to_string(), v)]);
    }
    v
}

pub(super) fn header_keys(spec: &EntrySpec) -> Vec<&str> {
    spec.headers_parent
        .iter()
        .chain([&spec.headers_key])
        .map(String::as_str)
        .collect()
}

/// Sets, adds or removes the Authorization header of an existing entry, and keeps the
/// `header_vars` list in step.
pub(super) fn edit_header<'t>(
    ed: &mut Editor<'t>,
    f: &Found<'t>,
    spec: &EntrySpec,
    want: Option<&str>,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    let epath = entry_path(spec, f);
    let keys = header_keys(spec);
    let mut hpaths: Vec<Vec<Seg>> = Vec::new();
    let mut p = epath.clone();
    for k in &keys {
        p = child(&p, k);
        hpaths.push(p.clone());
    }
    let have = f.auth.as_ref().map(|(_, _, v)| v.as_str());
    match (want, &f.auth) {
        (Some(v), Some((key, node, old))) => {
            if old != v {
                let style = replaceable(f.auth_key, node)?;
                let flow = f.hlevels.last().is_some_and(|(_, h)| h.is_flow());
                let text = emit::string_like(v, style, flow);
                let path = child(hpaths.last().unwrap(), key);
                ed.set_scalar(node, &path, text, Val::str(v));
                notes.push(Note::ReplacedHeader);
            }
        }
        (Some(v), None) => {
            let n = f.hlevels.len();
            let stub = f
                .hlevels
                .last()
                .filter(|(_, h)| h.is_null() || (h.is_empty_flow() && h.pairs().is_some()));
            if let Some((k, h)) = stub {
                let content = header_chain(spec, n - 1, v);
                ed.fill(Some(k), h, &hpaths[n - 1], &content);
            } else if n == keys.len() {
                let (_, h) = f.hlevels[n - 1];
                ed.add_members(
                    h,
                    &hpaths[n - 1],
                    &[(AUTHORIZATION.to_string(), New::str(v))],
                )?;
            } else {
                let (parent, ppath) = if n == 0 {
                    (f.node, epath.clone())
                } else {
                    (f.hlevels[n - 1].1, hpaths[n - 1].clone())
                };
                ed.add_members(
                    parent,
                    &ppath,
                    &[(keys[n].to_string(), header_chain(spec, n, v))],
                )?;
            }
            notes.push(Note::AddedHeader);
        }
        (None, Some((key, _, _))) => {
            // The maps from the entry down to the headers.
            let maps: Vec<&Node> = std::iter::once(f.node)
                .chain(f.hlevels.iter().map(|(_, v)| *v))
                .collect();
            let mut d = maps.len() - 1;
            while d > 0 && maps[d].pairs().map_or(0, <[_]>::len) == 1 {
                d -= 1;
            }
            let (map, path, k) = if d == maps.len() - 1 {
                (maps[d], hpaths[d - 1].clone(), key.as_str())
            } else {
                let path = if d == 0 {
                    epath.clone()
                } else {
                    hpaths[d - 1].clone()
                };
                (maps[d], path, keys[d])
            };
            ed.remove_member(map, &path, k)?;
            notes.push(Note::RemovedHeader);
        }
        (None, None) => {}
    }
    sync_vars(ed, f, spec, have, want, &epath, notes)
}

/// Keeps the `header_vars` list naming exactly the variables the header needs: the new value's
/// are added, the old value's that the new one does not use are removed.
pub(super) fn sync_vars<'t>(
    ed: &mut Editor<'t>,
    f: &Found<'t>,
    spec: &EntrySpec,
    old: Option<&str>,
    new: Option<&str>,
    epath: &[Seg],
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    let Some(hk) = &spec.header_vars else {
        return Ok(());
    };
    let refs = |v: Option<&str>| match v {
        Some(v) if is_reference(v) => vars_of(v),
        _ => Vec::new(),
    };
    let (old_vars, new_vars) = (refs(old), refs(new));
    let items: Vec<String> = f.vars.as_ref().map(|v| v.2.clone()).unwrap_or_default();
    let add: Vec<String> = new_vars
        .iter()
        .filter(|v| !items.contains(v))
        .cloned()
        .collect();
    let remove: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| old_vars.contains(i) && !new_vars.contains(i))
        .map(|(i, _)| i)
        .collect();
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let lpath = child(epath, hk);
    let add_new: Vec<New> = add.iter().map(|v| New::str(v)).collect();
    match &f.vars {
        None => {
            ed.add_members(f.node, epath, &[(hk.clone(), New::Seq(add_new))])?;
        }
        Some((k, v, _)) if v.is_null() || v.is_empty_flow() => {
            ed.fill(Some(k), v, &lpath, &New::Seq(add_new));
        }
        Some((_, v, items)) if v.is_flow() => {
            // A one-line flow list is written again from its items' own text.
            if v.line != line_of(ed.body, v.end) || v.has_props_within().is_some() {
                return Err(refuse(
                    v,
                    "a flow sequence (`[ … ]`) over several lines",
                    FLOW_WHY,
                ));
            }
            let kept: Vec<String> = v
                .items()
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter(|(i, _)| !remove.contains(i))
                .map(|(_, n)| ed.body[n.start..n.end].to_string())
                .chain(add.iter().map(|a| emit::string(a, true)))
                .collect();
            let mut want: Vec<Val> = items
                .iter()
                .enumerate()
                .filter(|(i, _)| !remove.contains(i))
                .filter_map(|(i, _)| v.items().map(|its| Val::of(&its[i])))
                .collect();
            want.extend(add.iter().map(|a| Val::str(a)));
            if kept.is_empty() {
                ed.remove_member(f.node, epath, hk)?;
            } else {
                ed.replace(v.start..v.end, format!("[{}]", kept.join(", ")));
                ed.sets.push((lpath, Val::Seq(want)));
            }
        }
        Some((_, v, items)) => {
            if remove.len() == items.len() && add.is_empty() {
                ed.remove_member(f.node, epath, hk)?;
            } else {
                for &i in &remove {
                    ed.remove_item(v, &lpath, i)?;
                }
                for a in &add_new {
                    ed.add_item(v, &lpath, a)?;
                }
            }
        }
    }
    notes.push(Note::SetField(hk.clone()));
    Ok(())
}

fn line_of(body: &str, pos: usize) -> usize {
    memchr::memchr_iter(b'\n', &body.as_bytes()[..pos.min(body.len())]).count() + 1
}
