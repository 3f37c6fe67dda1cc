//! Finding our entry in a parsed TOML document: the container walked key by key, the entry
//! chosen by name (or, where the client allows it, by our URL), and what it holds read out
//! (URL, Authorization header, credentials fields, stdio command line), each member of the
//! wrong type refused with its line and column.

use toml_edit::{Document, Item, Key, TableLike};

use crate::edit::stdio::Lit;
use crate::edit::{
    display_path, line_col, EditError, EntrySpec, EntryState, SecretHeader, Stdio, AUTHORIZATION,
};

fn article(type_name: &'static str) -> &'static str {
    match type_name {
        "string" => "a string",
        "integer" => "an integer",
        "float" => "a float",
        "boolean" => "a boolean",
        "datetime" => "a datetime",
        "array" => "an array",
        "inline table" => "an inline table",
        "table" => "a table",
        "array of tables" => "an array of tables",
        _ => "a value of another type",
    }
}

/// Where a key is written (0 when it has no span).
fn key_pos(table: &dyn TableLike, key: &str) -> usize {
    table
        .key(key)
        .and_then(Key::span)
        .map(|s| s.start)
        .unwrap_or(0)
}

/// Where a key's item is: the value's span, else the key's.
fn pos_of(table: &dyn TableLike, key: &str) -> usize {
    table
        .get(key)
        .and_then(Item::span)
        .or_else(|| table.key(key).and_then(Key::span))
        .map(|s| s.start)
        .unwrap_or(0)
}

fn wrong_type(
    body: &str,
    table: &dyn TableLike,
    key: &str,
    path: &[&str],
    expected: &'static str,
) -> EditError {
    let (line, column) = line_col(body, pos_of(table, key));
    EditError::WrongType {
        path: display_path(path),
        found: article(table.get(key).map(Item::type_name).unwrap_or("none")),
        expected,
        line,
        column,
    }
}

/// The table-like value at `key`, `None` when absent, an error when of another type.
fn sub_table<'t>(
    body: &str,
    table: &'t dyn TableLike,
    key: &str,
    path: &[&str],
) -> Result<Option<&'t dyn TableLike>, EditError> {
    match table.get(key) {
        None => Ok(None),
        Some(item) => match item.as_table_like() {
            Some(t) => Ok(Some(t)),
            None => Err(wrong_type(body, table, key, path, "a table")),
        },
    }
}

/// A value as a [`Lit`]: a string, a boolean or an array of strings.
pub(super) fn lit_of(item: &Item) -> Option<Lit> {
    if let Some(s) = item.as_str() {
        return Some(Lit::Str(s.to_string()));
    }
    if let Some(b) = item.as_bool() {
        return Some(Lit::Bool(b));
    }
    if let Some(i) = item.as_integer() {
        return Some(Lit::Int(i));
    }
    item.as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .map(Lit::List)
}

/// The command line of a stdio entry (`None`: no stdio shape, or no command of strings).
fn stdio_of(entry: &dyn TableLike, spec: &EntrySpec) -> Option<Stdio> {
    let s = spec.stdio.as_ref()?;
    let command = entry.get(&s.command_key).and_then(lit_of);
    let args = (!s.whole_line())
        .then(|| entry.get(&s.args_key))
        .flatten()
        .map(lit_of);
    s.stdio_of(command, args)
}

/// The entry is ours: it holds our URL, or (without a URL) runs our proxy for it.
fn is_ours(entry: &dyn TableLike, spec: &EntrySpec) -> bool {
    match url_of(entry, spec) {
        Some((_, u)) => spec.url_matches(&u),
        None => stdio_of(entry, spec).is_some_and(|s| s.is_proxy_for(&spec.url)),
    }
}

fn url_of(entry: &dyn TableLike, spec: &EntrySpec) -> Option<(String, String)> {
    spec.url_keys.iter().find_map(|k| {
        let v = entry.get(k)?.as_str()?;
        Some((k.clone(), v.to_string()))
    })
}

/// Our entry as found in the (spanned) document.
pub(super) struct Located {
    pub(super) entry: Option<Found>,
}

pub(super) struct Found {
    pub(super) name: String,
    line: usize,
    pub(super) conflict: bool,
    pub(super) url: Option<(String, String)>,
    pub(super) headers: bool,
    pub(super) auth: Option<(String, String)>,
    enabled: Option<bool>,
    disabled: Option<bool>,
    pub(super) missing_required: Vec<usize>,
    pub(super) other_auth: Vec<String>,
    pub(super) auth_fields: Vec<(String, Option<String>)>,
    pub(super) stdio: Option<Stdio>,
    pub(super) stdio_mismatch: Vec<String>,
}

impl Found {
    pub(super) fn is_stdio(&self) -> bool {
        self.url.is_none() && self.stdio.is_some()
    }
}

pub(super) fn locate(
    body: &str,
    doc: &Document<String>,
    spec: &EntrySpec,
) -> Result<Located, EditError> {
    let mut table: &dyn TableLike = doc.as_table();
    let mut path: Vec<&str> = Vec::new();
    for key in &spec.container {
        path.push(key);
        match sub_table(body, table, key, &path)? {
            Some(t) => table = t,
            None => return Ok(Located { entry: None }),
        }
    }
    let container = table;
    let mut chosen: Option<(&str, bool)> = None;
    path.push(&spec.name);
    if let Some(entry) = sub_table(body, container, &spec.name, &path)? {
        chosen = Some((&spec.name, !is_ours(entry, spec)));
    }
    path.pop();
    if spec.by_url && chosen.is_none_or(|(_, conflict)| conflict) {
        let by_url = container.iter().find(|(k, item)| {
            *k != spec.name && item.as_table_like().is_some_and(|t| is_ours(t, spec))
        });
        if let Some((k, _)) = by_url {
            chosen = Some((k, false));
        }
    }
    let Some((name, conflict)) = chosen else {
        return Ok(Located { entry: None });
    };
    let entry = container
        .get(name)
        .and_then(Item::as_table_like)
        .expect("checked above");
    path.push(name);
    for k in &spec.url_keys {
        if entry.get(k).is_some_and(|i| !i.is_str()) {
            path.push(k);
            return Err(wrong_type(body, entry, k, &path, "a string"));
        }
    }
    let mut auth = None;
    let headers = sub_table(body, entry, &spec.headers_key, &{
        let mut p = path.clone();
        p.push(&spec.headers_key);
        p
    })?;
    if let Some(h) = headers {
        path.push(&spec.headers_key);
        let keys: Vec<&str> = h
            .iter()
            .map(|(k, _)| k)
            .filter(|k| k.eq_ignore_ascii_case(AUTHORIZATION))
            .collect();
        if keys.len() > 1 {
            let first = key_pos(h, keys[0]);
            let second = key_pos(h, keys[1]);
            let (line, column) = line_col(body, second);
            path.push(AUTHORIZATION);
            return Err(EditError::DuplicateKey {
                path: display_path(&path),
                first_line: line_col(body, first).0,
                line,
                column,
            });
        }
        if let Some(k) = keys.first() {
            let Some(v) = h.get(k).and_then(Item::as_str) else {
                path.push(k);
                return Err(wrong_type(body, h, k, &path, "a string"));
            };
            auth = Some((k.to_string(), v.to_string()));
        }
    }
    let missing_required = spec
        .required
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| !entry.contains_key(k))
        .map(|(i, _)| i)
        .collect();
    Ok(Located {
        entry: Some(Found {
            name: name.to_string(),
            line: line_col(body, key_pos(container, name)).0,
            conflict,
            url: url_of(entry, spec),
            headers: headers.is_some(),
            auth,
            enabled: entry.get("enabled").and_then(Item::as_bool),
            disabled: entry.get("disabled").and_then(Item::as_bool),
            missing_required,
            other_auth: spec
                .auth_alternatives
                .iter()
                .filter(|k| entry.contains_key(k))
                .cloned()
                .collect(),
            auth_fields: spec
                .auth_alternatives
                .iter()
                .filter_map(|k| {
                    let item = entry.get(k)?;
                    Some((k.clone(), item.as_str().map(str::to_string)))
                })
                .collect(),
            stdio: stdio_of(entry, spec),
            stdio_mismatch: spec.stdio_mismatch(|k| entry.get(k).and_then(lit_of)),
        }),
    })
}

pub(super) fn state(f: &Found, spec: &EntrySpec) -> EntryState {
    EntryState {
        name: f.name.clone(),
        line: f.line,
        url: f.url.as_ref().map(|(_, u)| u.clone()),
        enabled: f.enabled,
        disabled: f.disabled,
        authorization_key: f.auth.as_ref().map(|(k, _)| k.clone()),
        authorization: f.auth.as_ref().map(|(_, v)| SecretHeader::new(v.clone())),
        missing_required: f
            .missing_required
            .iter()
            .map(|&i| spec.required[i].0.clone())
            .collect(),
        other_auth: f.other_auth.clone(),
        auth_fields: f.auth_fields.clone(),
        stdio: f.stdio.clone(),
        stdio_mismatch: f.stdio_mismatch.clone(),
    }
}
