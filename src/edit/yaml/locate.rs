//! Finding our entry: the container path walked from the root (an empty value standing for a
//! missing level is noted, anything else of the wrong type refused), and the entry chosen by its
//! name, or by its URL or proxy command.

use super::super::{EditError, EntrySpec};
use super::found::{self, stdio_of, url_of, Found};
use super::tree::{join_path, Kind, Node};
use super::{refuse, wrong_type, Seg, SHARED_WHY};

pub(super) fn no_props(n: &Node) -> Result<(), EditError> {
    if n.props {
        return Err(refuse(n, "an anchor or tag", SHARED_WHY));
    }
    if matches!(n.kind, Kind::Alias) {
        return Err(refuse(n, "an alias", SHARED_WHY));
    }
    Ok(())
}

fn no_merge(map: &Node) -> Result<(), EditError> {
    if let Some((k, _)) = map.get("<<") {
        return Err(refuse(k, "a merge key (`<<`)", SHARED_WHY));
    }
    Ok(())
}

pub(super) struct Located<'d> {
    /// The container path's levels that exist, the root first.
    pub(super) levels: Vec<&'d Node>,
    /// An empty value (`key:`, `~`, `{}`, `[]`) where the next level would be, with its key
    /// (`None`: the document itself is empty but not blank).
    pub(super) stub: Option<(Option<&'d Node>, &'d Node)>,
    pub(super) entry: Option<Found<'d>>,
}

pub(super) fn locate<'d>(
    root: Option<&'d Node>,
    spec: &EntrySpec,
) -> Result<Located<'d>, EditError> {
    let mut loc = Located {
        levels: Vec::new(),
        stub: None,
        entry: None,
    };
    let Some(root) = root else {
        return Ok(loc);
    };
    let list = spec.list_key.is_some();
    let root_empty = root.is_null() || (root.is_empty_flow() && root.pairs().is_some());
    if root_empty {
        no_props(root)?;
        loc.stub = Some((None, root));
        return Ok(loc);
    }
    if root.pairs().is_none() {
        return Err(wrong_type(&[], root, "a mapping"));
    }
    no_props(root)?;
    loc.levels.push(root);
    let mut path: Vec<&str> = Vec::new();
    for (d, key) in spec.container.iter().enumerate() {
        path.push(key);
        let cur = *loc.levels.last().unwrap();
        no_merge(cur)?;
        let Some((k, v)) = cur.get(key) else {
            return Ok(loc);
        };
        no_props(k)?;
        no_props(v)?;
        let want_seq = list && d + 1 == spec.container.len();
        let empty_ok = v.is_null() || (v.is_empty_flow() && (v.items().is_some() == want_seq));
        if empty_ok {
            loc.stub = Some((Some(k), v));
            return Ok(loc);
        }
        match (&v.kind, want_seq) {
            (Kind::Map { .. }, false) | (Kind::Seq { .. }, true) => loc.levels.push(v),
            (_, false) => return Err(wrong_type(&path, v, "a mapping")),
            (_, true) => return Err(wrong_type(&path, v, "a sequence")),
        }
    }
    let container = *loc.levels.last().unwrap();
    // Candidates: (name, position, entry node, key or name node for lines).
    let mut candidates: Vec<(String, Seg, &Node, &Node)> = Vec::new();
    match (&container.kind, &spec.list_key) {
        (Kind::Map { pairs, .. }, None) => {
            no_merge(container)?;
            for (k, v) in pairs {
                if let Some(name) = k.text() {
                    candidates.push((name.to_string(), Seg::Key(name.to_string()), v, k));
                }
            }
        }
        (Kind::Seq { items, .. }, Some(nk)) => {
            for (i, it) in items.iter().enumerate() {
                let Some((kn, v)) = it.get(nk) else { continue };
                match v.as_str() {
                    Some(name) => candidates.push((name.to_string(), Seg::Index(i), it, kn)),
                    // An item of ours whose name is not a string (empty, null, a number, a
                    // tag): the client refuses it, and records could not find it again.
                    None if url_of(it, spec).is_some_and(|(_, u)| spec.url_matches(&u)) => {
                        let mut p = path.clone();
                        p.push(nk);
                        return Err(wrong_type(&p, v, "a string"));
                    }
                    None => {}
                }
            }
            let named: Vec<_> = candidates.iter().filter(|c| c.0 == spec.name).collect();
            if named.len() > 1 {
                let mut p: Vec<String> = spec.container.clone();
                p.push(spec.name.clone());
                return Err(EditError::DuplicateKey {
                    path: join_path(&p),
                    first_line: named[0].3.line,
                    line: named[1].3.line,
                    column: named[1].3.col + 1,
                });
            }
        }
        _ => return Err(EditError::Internal("container kind".into())),
    }
    let is_map = |n: &Node| n.pairs().is_some();
    let ours = |n: &Node| {
        is_map(n)
            && (url_of(n, spec).is_some_and(|(_, u)| spec.url_matches(&u))
                || (url_of(n, spec).is_none()
                    && stdio_of(n, spec).is_some_and(|s| s.is_proxy_for(&spec.url))))
    };
    let mut chosen: Option<(usize, bool)> = None;
    if let Some(i) = candidates.iter().position(|c| c.0 == spec.name) {
        let (_, _, n, _) = &candidates[i];
        if !is_map(n) {
            let mut p: Vec<&str> = path.clone();
            p.push(&spec.name);
            return Err(wrong_type(&p, n, "a mapping"));
        }
        chosen = Some((i, !ours(n)));
    }
    if spec.by_url && chosen.is_none_or(|(_, conflict)| conflict) {
        // Another entry with our URL, or running our proxy.
        let by_url = candidates
            .iter()
            .position(|(name, _, n, _)| *name != spec.name && ours(n));
        if let Some(i) = by_url {
            chosen = Some((i, false));
        }
    }
    let Some((i, conflict)) = chosen else {
        return Ok(loc);
    };
    // An entry found by its URL must have a name of its own too (records find it by name).
    if let Some(dup) = candidates
        .iter()
        .enumerate()
        .find(|(j, c)| *j != i && c.0 == candidates[i].0)
        .map(|(_, c)| c)
    {
        let (first, second) = if dup.3.line < candidates[i].3.line {
            (dup.3, candidates[i].3)
        } else {
            (candidates[i].3, dup.3)
        };
        let mut p: Vec<String> = spec.container.clone();
        p.push(candidates[i].0.clone());
        return Err(EditError::DuplicateKey {
            path: join_path(&p),
            first_line: first.line,
            line: second.line,
            column: second.col + 1,
        });
    }
    let chosen = candidates.swap_remove(i);
    loc.entry = Some(found::read(spec, &path, chosen, conflict)?);
    Ok(loc)
}
