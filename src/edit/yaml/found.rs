//! The entry found, read: its URL, its headers and Authorization value, the variable list kept
//! with it, its credentials fields and local command, what is missing from it, and how it is
//! reported ([`EntryState`]). What cannot be edited safely inside it is refused here.

use super::super::{
    is_reference, EditError, EntrySpec, EntryState, SecretHeader, Stdio, AUTHORIZATION,
};
use super::locate::no_props;
use super::tree::{join_path, Kind, Node};
use super::{refuse, wrong_type, Seg, SHARED_WHY};

/// Our entry as found.
pub(super) struct Found<'d> {
    pub(super) name: String,
    pub(super) seg: Seg,
    pub(super) node: &'d Node,
    pub(super) line: usize,
    pub(super) conflict: bool,
    pub(super) url: Option<(&'d Node, String)>,
    /// Key and value of each existing level of `headers_parent` + `headers_key`.
    pub(super) hlevels: Vec<(&'d Node, &'d Node)>,
    /// Key spelling, value node and value of the Authorization header.
    pub(super) auth: Option<(String, &'d Node, String)>,
    /// The Authorization key (for messages).
    pub(super) auth_key: Option<&'d Node>,
    pub(super) enabled: Option<bool>,
    pub(super) disabled: Option<bool>,
    pub(super) missing_required: Vec<usize>,
    /// The `header_vars` list (key, value) and its string items.
    pub(super) vars: Option<(&'d Node, &'d Node, Vec<String>)>,
    pub(super) vars_missing: bool,
    pub(super) other_auth: Vec<String>,
    pub(super) auth_fields: Vec<(String, Option<String>)>,
    pub(super) stdio: Option<Stdio>,
}

pub(super) fn url_of<'d>(entry: &'d Node, spec: &EntrySpec) -> Option<(&'d Node, String)> {
    spec.url_keys.iter().find_map(|k| {
        let (key, v) = entry.get(k)?;
        Some((key, v.as_str()?.to_string()))
    })
}

pub(super) fn stdio_of(entry: &Node, spec: &EntrySpec) -> Option<Stdio> {
    let s = spec.stdio.as_ref()?;
    let command = entry.get(&s.command_key)?.1.as_str()?.to_string();
    let args = entry
        .get(&s.args_key)
        .and_then(|(_, v)| v.items())
        .map(|items| {
            items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    Some(Stdio { command, args })
}

/// The variables a header value refers to, as Goose substitutes them (`${VAR}`, `$VAR`).
pub(super) fn vars_of(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let ident = |i: usize| {
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        (j > i && !b[i].is_ascii_digit()).then_some(j)
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                let mut s = i + 2;
                while b.get(s) == Some(&b' ') {
                    s += 1;
                }
                if let Some(e) = ident(s) {
                    let mut t = e;
                    while b.get(t) == Some(&b' ') {
                        t += 1;
                    }
                    if b.get(t) == Some(&b'}') {
                        out.push(value[s..e].to_string());
                        i = t + 1;
                        continue;
                    }
                }
            } else if let Some(e) = ident(i + 1) {
                out.push(value[i + 1..e].to_string());
                i = e;
                continue;
            }
        }
        i += 1;
    }
    out.dedup();
    out
}

/// Reads the entry `name` chosen under the container at `container_path`; `line_node` is its
/// key or name (for lines), `conflict` says it is not ours.
pub(super) fn read<'d>(
    spec: &EntrySpec,
    container_path: &[&str],
    (name, seg, entry, line_node): (String, Seg, &'d Node, &'d Node),
    conflict: bool,
) -> Result<Found<'d>, EditError> {
    let mut path: Vec<&str> = container_path.to_vec();
    path.push(&name);
    if spec.list_key.is_none() {
        no_props(line_node)?;
    }
    if let Some(n) = entry.has_props_within() {
        return Err(refuse(
            n,
            if matches!(n.kind, Kind::Alias) {
                "an alias"
            } else {
                "an anchor or tag"
            },
            SHARED_WHY,
        ));
    }
    for k in &spec.url_keys {
        if let Some((_, v)) = entry.get(k)
            && v.as_str().is_none()
        {
            path.push(k);
            return Err(wrong_type(&path, v, "a string"));
        }
    }
    let mut hlevels = Vec::new();
    let mut parent = entry;
    let mut hpath = path.clone();
    let mut complete = true;
    for k in spec.headers_parent.iter().chain([&spec.headers_key]) {
        hpath.push(k);
        let Some((kn, v)) = parent.get(k) else {
            complete = false;
            break;
        };
        hlevels.push((kn, v));
        if v.is_null() || (v.is_empty_flow() && v.pairs().is_some()) {
            complete = false;
            break;
        }
        if v.pairs().is_none() {
            return Err(wrong_type(&hpath, v, "a mapping"));
        }
        parent = v;
    }
    let mut auth = None;
    let mut auth_key = None;
    if complete {
        let headers = parent;
        let found: Vec<&(Node, Node)> = headers
            .pairs()
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| {
                k.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(AUTHORIZATION))
            })
            .collect();
        if found.len() > 1 {
            hpath.push(AUTHORIZATION);
            return Err(EditError::DuplicateKey {
                path: join_path(&hpath.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
                first_line: found[0].0.line,
                line: found[1].0.line,
                column: found[1].0.col + 1,
            });
        }
        if let Some((k, v)) = found.first() {
            let key = k.as_str().unwrap_or_default().to_string();
            let Some(value) = v.as_str() else {
                hpath.push(&key);
                return Err(wrong_type(&hpath, v, "a string"));
            };
            auth = Some((key, v, value.to_string()));
            auth_key = Some(k);
        }
    }
    let mut vars = None;
    let mut vars_missing = false;
    let mut missing_required: Vec<usize> = spec
        .required
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| entry.get(k).is_none())
        .map(|(i, _)| i)
        .collect();
    missing_required.dedup();
    if let Some(hk) = &spec.header_vars {
        let items: Vec<String> = match entry.get(hk) {
            None => Vec::new(),
            Some((k, v)) => {
                let items = if v.is_null() {
                    Vec::new()
                } else {
                    let Some(items) = v.items() else {
                        let mut p = path.clone();
                        p.push(hk);
                        return Err(wrong_type(&p, v, "a sequence"));
                    };
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().to_string())
                        .collect()
                };
                vars = Some((k, v, items.clone()));
                items
            }
        };
        if let Some((_, _, value)) = &auth
            && is_reference(value)
        {
            vars_missing = vars_of(value).iter().any(|v| !items.contains(v));
        }
    }
    let stdio = stdio_of(entry, spec);
    Ok(Found {
        line: line_node.line,
        name,
        seg,
        node: entry,
        conflict,
        url: url_of(entry, spec),
        hlevels,
        auth,
        auth_key,
        enabled: entry.get("enabled").and_then(|(_, v)| v.as_bool()),
        disabled: entry.get("disabled").and_then(|(_, v)| v.as_bool()),
        missing_required,
        vars,
        vars_missing,
        other_auth: spec
            .auth_alternatives
            .iter()
            .filter(|k| entry.get(k).is_some())
            .cloned()
            .collect(),
        auth_fields: spec
            .auth_alternatives
            .iter()
            .filter_map(|k| {
                let (_, v) = entry.get(k)?;
                Some((
                    k.clone(),
                    v.as_str().filter(|v| not_secret(v)).map(str::to_string),
                ))
            })
            .collect(),
        stdio,
    })
}

/// A credentials field's value is reported only when it cannot be a token itself (Continue's
/// `apiKey` holds one): a reference, or a command line.
fn not_secret(v: &str) -> bool {
    is_reference(v) || v.contains(char::is_whitespace)
}

pub(super) fn state(f: &Found<'_>, spec: &EntrySpec) -> EntryState {
    let mut missing: Vec<String> = f
        .missing_required
        .iter()
        .map(|&i| spec.required[i].0.clone())
        .collect();
    if f.vars_missing {
        missing.extend(spec.header_vars.clone());
    }
    EntryState {
        name: f.name.clone(),
        line: f.line,
        url: f.url.as_ref().map(|(_, u)| u.clone()),
        enabled: f.enabled,
        disabled: f.disabled,
        authorization_key: f.auth.as_ref().map(|(k, _, _)| k.clone()),
        authorization: f
            .auth
            .as_ref()
            .map(|(_, _, v)| SecretHeader::new(v.clone())),
        missing_required: missing,
        other_auth: f.other_auth.clone(),
        auth_fields: f.auth_fields.clone(),
        stdio: f.stdio.clone(),
        stdio_mismatch: Vec::new(),
    }
}
