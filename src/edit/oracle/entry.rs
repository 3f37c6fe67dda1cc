//! Our entry's members before and after an edit: the headers compared without Authorization,
//! Goose's variable list kept in step with the header's `${VAR}`s, and every other member
//! unchanged but for those a mode switch or a change of shape (remote, local) may set.

use serde_json::{Map, Value};

use super::Op;
use crate::clients::Mode;
use crate::edit::{self, EntrySpec};

/// Our entry's members after the edit against before: nothing but the header, the
/// credentials fields a mode switch sets, the variable list kept in step with the header, the
/// members a switch of shape rewrites and the members a new entry is made with.
pub(super) fn check_members(
    spec: &EntrySpec,
    op: Op,
    before_entry: Option<Value>,
    after_entry: Option<Value>,
) -> Result<(), String> {
    let after_entry = after_entry.ok_or("no entry after")?;
    let after_entry = after_entry.as_object().ok_or("entry not an object")?;
    let switch = matches!(op, Op::Mode(_));
    let is_alt = |k: &str| spec.auth_alternatives.iter().any(|a| a == k);
    let empty = Map::new();
    let before_entry = match &before_entry {
        Some(Value::Object(m)) => m,
        None => &empty,
        Some(_) => return Err("before entry not an object".into()),
    };
    // The headers object (under `headers_parent`, if any) compared without Authorization.
    let header_root = spec
        .headers_parent
        .first()
        .unwrap_or(&spec.headers_key)
        .clone();
    let chain: Vec<String> = spec
        .headers_parent
        .iter()
        .chain([&spec.headers_key])
        .cloned()
        .collect();
    let local = |m: &Map<String, Value>| {
        spec.stdio.as_ref().is_some_and(|s| {
            m.contains_key(&s.command_key) && !spec.url_keys.iter().any(|u| m.contains_key(u))
        })
    };
    // A switch between the remote and the local shape rewrites the shape's own members; the
    // read-back (`check_changed`) checked them, the others must stay.
    let reshaped =
        op == Op::Stdio || op == Op::Mode(Mode::Proxy) || (switch && local(before_entry));
    let shape_keys = shape_keys(spec);
    if !reshaped
        && strip_auth(before_entry.get(&header_root), &chain[1..])?
            != strip_auth(after_entry.get(&header_root), &chain[1..])?
    {
        return Err("another header changed".into());
    }
    let vars_key = spec.header_vars.as_deref();
    if let Some(vk) = vars_key {
        let header = |m: &Map<String, Value>| {
            let mut cur = m.get(&header_root);
            for k in &chain[1..] {
                cur = cur.and_then(|v| v.get(k));
            }
            cur.and_then(Value::as_object).and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .and_then(|(_, v)| v.as_str().map(str::to_string))
            })
        };
        let vars: Vec<String> = [header(before_entry), header(after_entry)]
            .into_iter()
            .flatten()
            .flat_map(|h| goose_vars(&h))
            .collect();
        let others = |m: &Map<String, Value>| -> Vec<Value> {
            m.get(vk)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter(|v| v.as_str().is_none_or(|s| !vars.iter().any(|x| x == s)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        if others(before_entry) != others(after_entry) {
            return Err(format!("`{vk}` changed beyond the header's variables"));
        }
        if let Some(h) = header(after_entry).filter(|h| edit::is_reference(h)) {
            let listed = after_entry.get(vk).and_then(Value::as_array);
            for v in goose_vars(&h) {
                if !listed.is_some_and(|l| l.iter().any(|x| x.as_str() == Some(v.as_str()))) {
                    return Err(format!("`{v}` is not listed in `{vk}`"));
                }
            }
        }
    }
    for (k, v) in before_entry {
        if *k == header_root
            || (switch && is_alt(k))
            || Some(k.as_str()) == vars_key
            || (reshaped && shape_keys.contains(k))
        {
            continue;
        }
        if after_entry.get(k) != Some(v) {
            return Err(format!("entry member `{k}` changed"));
        }
    }
    for k in after_entry.keys() {
        if before_entry.contains_key(k) || *k == header_root || Some(k.as_str()) == vars_key {
            continue;
        }
        let allowed = spec.required.iter().any(|(r, _)| r == k)
            || (switch && is_alt(k))
            || (reshaped && shape_keys.contains(k))
            || (before_entry.is_empty() && spec.url_keys.first() == Some(k))
            || (before_entry.is_empty() && spec.list_key.as_ref() == Some(k))
            || (before_entry.is_empty()
                && spec
                    .template
                    .iter()
                    .any(|f| matches!(f, edit::Field::Value(fk, _) if fk.as_str() == k.as_str())));
        if !allowed {
            return Err(format!("entry member `{k}` was added"));
        }
    }
    Ok(())
}

/// The members that make an entry remote or local: what a switch between them may rewrite.
fn shape_keys(spec: &EntrySpec) -> Vec<String> {
    use crate::edit::{Field, StdioField};
    let mut keys: Vec<String> = spec.url_keys.clone();
    keys.extend(spec.headers_parent.first().cloned());
    keys.push(spec.headers_key.clone());
    keys.extend(spec.auth_alternatives.iter().cloned());
    keys.extend(spec.header_vars.iter().cloned());
    keys.extend(spec.required.iter().map(|(k, _)| k.clone()));
    keys.extend(spec.template.iter().filter_map(|f| match f {
        Field::Value(k, _) => Some(k.clone()),
        _ => None,
    }));
    if let Some(s) = &spec.stdio {
        // A local entry's own members (its environment, its directory) go with it.
        keys.extend(["type", "env", "environment", "cwd"].map(String::from));
        keys.push(s.command_key.clone());
        keys.push(s.args_key.clone());
        keys.extend(s.template.iter().filter_map(|f| match f {
            StdioField::Value(k, _) => Some(k.clone()),
            _ => None,
        }));
    }
    keys
}

/// The variables Goose substitutes in a header (`${VAR}`, `$VAR`), by a simple scan.
fn goose_vars(v: &str) -> Vec<String> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let braced = b.get(i + 1) == Some(&b'{');
            let mut s = i + 1 + usize::from(braced);
            while braced && b.get(s) == Some(&b' ') {
                s += 1;
            }
            let mut e = s;
            while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
                e += 1;
            }
            if e > s && !b[s].is_ascii_digit() {
                out.push(v[s..e].to_string());
            }
            i = e.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The header object at `chain` under `root` with Authorization (any case) removed and the
/// objects left empty pruned; `Null` when nothing is left. An error for a non-object.
fn strip_auth(root: Option<&Value>, chain: &[String]) -> Result<Value, String> {
    fn go(v: &Value, chain: &[String]) -> Result<Value, String> {
        if v.is_null() {
            // YAML's empty value (`headers:`), which the edit fills.
            return Ok(Value::Null);
        }
        let Value::Object(m) = v else {
            return Err("headers not an object".into());
        };
        let mut out = Map::new();
        for (k, v) in m {
            match chain.split_first() {
                None if k.eq_ignore_ascii_case("authorization") => {}
                Some((first, rest)) if k == first => {
                    let inner = go(v, rest)?;
                    if !inner.is_null() {
                        out.insert(k.clone(), inner);
                    }
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(if out.is_empty() {
            Value::Null
        } else {
            Value::Object(out)
        })
    }
    match root {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(v) => go(v, chain),
    }
}
