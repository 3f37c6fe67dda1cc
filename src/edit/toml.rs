//! TOML (Codex) through toml_edit: values are replaced in place with their decor (comments)
//! kept, tables are walked with `entry`, never `IndexMut`. toml_edit drops a BOM and writes LF,
//! so both are restored; the result is re-parsed and read back before it is returned.

use toml_edit::{Document, DocumentMut, InlineTable, Item, Key, Table, TableLike, Value};

use super::stdio::Lit;
use super::{
    display_path, is_reference, line_col, split_bom, uses_crlf, Edit, EditError, EntrySpec,
    EntryState, Inspection, Note, Op, Scalar, SecretHeader, Stdio, AUTHORIZATION,
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
fn lit_of(item: &Item) -> Option<Lit> {
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

fn lit_value(v: &Lit) -> Value {
    match v {
        Lit::Str(s) => Value::from(s.as_str()),
        Lit::Bool(b) => Value::from(*b),
        Lit::Int(i) => Value::from(*i),
        Lit::List(l) => Value::Array(l.iter().map(|s| s.as_str()).collect()),
    }
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
struct Located {
    entry: Option<Found>,
}

struct Found {
    name: String,
    line: usize,
    conflict: bool,
    url: Option<(String, String)>,
    headers: bool,
    auth: Option<(String, String)>,
    enabled: Option<bool>,
    disabled: Option<bool>,
    missing_required: Vec<usize>,
    other_auth: Vec<String>,
    auth_fields: Vec<(String, Option<String>)>,
    stdio: Option<Stdio>,
    stdio_mismatch: Vec<String>,
}

impl Found {
    fn is_stdio(&self) -> bool {
        self.url.is_none() && self.stdio.is_some()
    }
}

fn locate(body: &str, doc: &Document<String>, spec: &EntrySpec) -> Result<Located, EditError> {
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
            let first = h
                .key(keys[0])
                .and_then(Key::span)
                .map(|s| s.start)
                .unwrap_or(0);
            let second = h
                .key(keys[1])
                .and_then(Key::span)
                .map(|s| s.start)
                .unwrap_or(0);
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
    let key_pos = container
        .key(name)
        .and_then(Key::span)
        .map(|s| s.start)
        .unwrap_or(0);
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
            line: line_col(body, key_pos).0,
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

fn state(f: &Found, spec: &EntrySpec) -> EntryState {
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

/// Prints the document with the input's BOM, newline kind and (lack of) final newline.
fn print(bom: &str, body: &str, doc: &DocumentMut) -> String {
    let crlf = uses_crlf(body);
    let mut text = doc.to_string();
    if !body.is_empty() && !body.ends_with('\n') && text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    let text = if crlf {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text
    };
    format!("{bom}{text}")
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

fn internal(what: &str) -> EditError {
    EditError::Internal(format!(
        "the TOML document disagrees with its first reading ({what})"
    ))
}

fn walk_mut<'d>(
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
fn new_entry(spec: &EntrySpec, op: Op<'_>, inline: bool) -> Item {
    let mut members: Vec<(String, Value)> = Vec::new();
    for f in &spec.template {
        match f {
            super::Field::Url => {
                members.push((spec.url_key().to_string(), Value::from(spec.url.as_str())))
            }
            super::Field::Headers => {
                if let Some((k, v)) = op.field {
                    members.push((k.to_string(), Value::from(v)));
                }
                if let Some(h) = op.header {
                    members.push((spec.headers_key.clone(), headers_value(h)));
                }
            }
            super::Field::Value(k, v) => members.push((k.clone(), scalar_value(v))),
        }
    }
    members_entry(members, inline)
}

fn members_entry(members: impl IntoIterator<Item = (String, Value)>, inline: bool) -> Item {
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

fn no_stdio() -> EditError {
    EditError::Internal("this client has no local (stdio) entry".into())
}

/// Proxy mode on an existing entry (it becomes a stdio entry running the op's command line),
/// or another explicit mode on a stdio entry (its stdio members go, our URL comes, then the
/// ordinary edit gives it the rest). Only the members of the two forms change.
fn switch(
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
            let second = apply(Some(&out), spec, op)?;
            notes.extend(second.notes().iter().cloned());
            let out = second.materialize(Some(&out)).unwrap_or(out);
            verify(&out, spec, op)?;
            return Ok(Edit::Rewrite { text: out, notes });
        }
    }
    if text == Some(out.as_str()) {
        return Ok(Edit::Unchanged);
    }
    Ok(Edit::Rewrite { text: out, notes })
}

/// The edited text holds our stdio entry running exactly `argv`, with no URL or credentials.
fn verify_stdio(out: &str, spec: &EntrySpec, argv: &Stdio) -> Result<(), EditError> {
    let fail =
        |why: &str| EditError::Internal(format!("the edited text failed verification: {why}"));
    let (_, body) = split_bom(out);
    let doc = parse(body).map_err(|e| fail(&e.to_string()))?;
    let loc = locate(body, &doc, spec).map_err(|e| fail(&e.to_string()))?;
    let Some(f) = loc.entry.filter(|f| !f.conflict) else {
        return Err(fail("the entry is missing"));
    };
    if !f.is_stdio() || f.stdio.as_ref() != Some(argv) {
        return Err(fail("the command line is not the new one"));
    }
    if f.headers || f.auth.is_some() || !f.other_auth.is_empty() || !f.stdio_mismatch.is_empty() {
        return Err(fail("the stdio entry is not as wanted"));
    }
    Ok(())
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
    if text == Some(out.as_str()) {
        return Ok(Edit::Unchanged);
    }
    Ok(Edit::Rewrite { text: out, notes })
}

/// Makes an existing entry say what `op` asks (not a removal).
fn edit_entry(
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
            let h = entry
                .get_mut(&spec.headers_key)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| internal("headers"))?;
            h.insert(AUTHORIZATION, Item::Value(Value::from(v)));
            notes.push(Note::AddedHeader);
        }
        (Some(v), true, Some((k, old))) => {
            if old != v {
                let h = entry
                    .get_mut(&spec.headers_key)
                    .and_then(Item::as_table_like_mut)
                    .ok_or_else(|| internal("headers"))?;
                replace_value(h, k, v)?;
                notes.push(Note::ReplacedHeader);
            }
        }
        (None, _, Some((k, _))) => {
            let h = entry
                .get_mut(&spec.headers_key)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| internal("headers"))?;
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

/// The container is an inline table (`mcp_servers = { … }`), so the entry must be inline too.
fn container_is_inline(doc: &DocumentMut, path: &[&str]) -> bool {
    let mut item = doc.as_item();
    for key in path {
        match item.get(key) {
            Some(i) => item = i,
            None => return false,
        }
    }
    item.is_inline_table()
}

fn verify(out: &str, spec: &EntrySpec, op: Op<'_>) -> Result<(), EditError> {
    let fail =
        |why: String| EditError::Internal(format!("the edited text failed verification: {why}"));
    let (_, body) = split_bom(out);
    let doc = parse(body).map_err(|e| fail(e.to_string()))?;
    let loc = locate(body, &doc, spec).map_err(|e| fail(e.to_string()))?;
    let Some(f) = loc.entry.filter(|f| !f.conflict) else {
        return Err(fail("the entry is missing".into()));
    };
    let fields: Vec<(&str, Option<&str>)> = f
        .auth_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    super::verify_op(
        op,
        f.auth.as_ref().map(|(_, v)| v.as_str()),
        &fields,
        f.missing_required.is_empty(),
    )
    .map_err(fail)
}
