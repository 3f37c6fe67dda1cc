//! The invariants every edit must keep, checked against oracles independent of the edit engine
//! (`parse`: the clients' own parsers or faithful stand-ins). Shared by the property tests and
//! the fuzz targets, so both assert the same things; compiled only with the `testing` feature.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::clients::{self, AuthContext, ConfigFile, Mode, Server};
use crate::edit::{self, Desired, Edit, EntrySpec, Inspection, SecretHeader, Stdio, Syntax};
use crate::paths::Env;
use crate::secret::AccessToken;

mod parse;

use parse::{is_blank_doc, normalize_for_serde};
pub use parse::{parse_client, strip_comments};

pub const NEW_TOKEN: &str = "figu_PROP_NEW_TOKEN";
pub const HELPER: &str = "'/opt/My Tools/figma-auth' header --json --profile \"p 1\"";
/// The token command of a helper the header embeds (Crush's `$(…)`).
pub const TOKEN_COMMAND: &str = "'/opt/My Tools/figma-auth' token --profile \"p 1\"";
pub const TOKEN_FILE: &str = "/home/u/.local/state/figma-auth/default.token";
/// The command line of proxy mode (a path with a space: it is never run through a shell).
pub const PROXY: [&str; 4] = ["/opt/My Tools/figma-auth", "proxy", "--profile", "p 1"];

/// What is asked of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `Desired::header(Bearer NEW_TOKEN)`: the refresh.
    Refresh,
    /// `Desired::removal()`: logout.
    Remove,
    /// The mode's `Desired`: setup with `--mode`.
    Mode(Mode),
    /// `apply_stdio` with the proxy's command: setup in proxy mode (YAML clients so far).
    Stdio,
}

/// The proxy's local entry the oracle writes (`Op::Stdio`).
pub fn proxy_stdio() -> Stdio {
    Stdio {
        command: "/home/user/.local/bin/figma-auth".into(),
        args: vec!["proxy".into(), "--profile".into(), "default".into()],
    }
}

/// What the edit gave, for comparison with a generator's expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unchanged,
    Conflict,
    Indirect,
    Splice,
    Rewrite,
    Error,
}

pub fn auth_for(file: &ConfigFile, mode: Mode) -> Desired {
    let token = AccessToken::new(NEW_TOKEN);
    let proxy = PROXY.map(String::from);
    let ctx = AuthContext {
        token: Some(&token),
        helper_command: Some(HELPER),
        token_command: Some(TOKEN_COMMAND),
        token_file: Some(Path::new(TOKEN_FILE)),
        proxy_command: Some(&proxy),
        ..AuthContext::default()
    };
    file.auth(mode, &ctx).expect("a supported mode")
}

fn run(
    file: &ConfigFile,
    text: Option<&str>,
    op: Op,
    auth: Option<&Desired>,
) -> Result<Edit, edit::EditError> {
    let server = Server::default();
    match op {
        Op::Refresh => file.apply(
            text,
            &server,
            &Desired::header(SecretHeader::new(format!("Bearer {NEW_TOKEN}"))),
        ),
        Op::Remove => file.apply(text, &server, &Desired::removal()),
        Op::Mode(_) => file.apply(text, &server, auth.expect("auth")),
        Op::Stdio => file.apply_stdio(text, &server, &proxy_stdio()),
    }
}

/// Runs `op` on `before` and checks every invariant. `region`: the byte range of `before`
/// (BOM included) outside which nothing may change, when the caller knows it. `valid`: the
/// input is known to be acceptable to the client, so the edit must not fail.
pub fn check(
    file: &ConfigFile,
    before: Option<&str>,
    op: Op,
    region: Option<Range<usize>>,
    valid: bool,
) -> Result<Kind, String> {
    let auth = match op {
        Op::Mode(m) => Some(auth_for(file, m)),
        _ => None,
    };
    let result = run(file, before, op, auth.as_ref());
    let server = Server::default();
    // Secrets must not reach an error or a Debug: the token we pass (unless the input holds it
    // already, as fuzzed input may), and for generated input the old token in the file.
    let input = before.unwrap_or("");
    let leaks = |s: &str| {
        (s.contains(NEW_TOKEN) && !input.contains(NEW_TOKEN))
            || (valid && s.contains("figu_PROP_OLD_TOKEN"))
    };
    let outcome = match result {
        Err(e) => {
            let msg = e.to_string();
            if leaks(&msg) {
                return Err(format!("the error shows a value: {msg}"));
            }
            if valid {
                return Err(format!("a valid input was refused: {msg}"));
            }
            if let edit::EditError::Internal(_) = e {
                return Err(format!("internal error: {msg}"));
            }
            return Ok(Kind::Error);
        }
        Ok(o) => o,
    };
    let debug = format!("{outcome:?}");
    if leaks(&debug) {
        return Err(format!("Debug shows a token: {debug}"));
    }
    // Whatever the edit accepts, the client must accept too.
    let before_value = match before {
        Some(b) => parse_client(file.syntax(), b, true)
            .map_err(|e| format!("the edit accepted a file the client rejects: {e}"))?,
        None => Value::Object(Map::new()),
    };
    let inspected = file
        .inspect(before, &server)
        .map_err(|e| format!("apply succeeded but inspect failed: {e}"))?;
    match outcome {
        Edit::Conflict(_) => {
            if !matches!(inspected, Inspection::Conflict(_)) {
                return Err(format!("Conflict, but inspect says {inspected:?}"));
            }
            Ok(Kind::Conflict)
        }
        Edit::Indirect(_) => {
            let e = inspected.entry().ok_or("Indirect without an entry")?;
            if op != Op::Refresh || !e.is_indirect() {
                return Err(format!("Indirect for {op:?}: {e:?}"));
            }
            Ok(Kind::Indirect)
        }
        Edit::Unchanged => {
            let ok = match (op, inspected.entry()) {
                (Op::Refresh, Some(e)) => {
                    e.authorization.as_ref().map(|a| a.expose().to_string())
                        == Some(format!("Bearer {NEW_TOKEN}"))
                        && e.missing_required.is_empty()
                }
                (Op::Remove, None) => true,
                (Op::Remove, Some(e)) => e.authorization.is_none(),
                (Op::Mode(_), Some(e)) => e.holds(auth.as_ref().unwrap()),
                (Op::Stdio, Some(e)) => {
                    e.stdio == Some(proxy_stdio()) && e.url.is_none() && e.authorization.is_none()
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "Unchanged, but the file does not say it: {inspected:?}"
                ));
            }
            Ok(Kind::Unchanged)
        }
        c => {
            let out = c.materialize(before).ok_or("a change without a text")?;
            let kind = match &c {
                Edit::Splice { range, .. } => {
                    let b = before.ok_or("a splice of a missing file")?;
                    let old = b.get(range.clone()).ok_or("splice range")?;
                    let old: Option<String> = if file.syntax() == Syntax::Yaml {
                        serde_yaml::from_str(old).ok()
                    } else {
                        serde_json::from_str(&normalize_for_serde(old)).ok()
                    };
                    let old = old.ok_or("the splice does not replace a string literal")?;
                    let e = inspected.entry().ok_or("splice without entry")?;
                    if e.authorization.as_ref().map(|a| a.expose()) != Some(old.as_str()) {
                        return Err("the splice does not replace the header".into());
                    }
                    Kind::Splice
                }
                _ => Kind::Rewrite,
            };
            check_changed(
                file,
                before,
                &before_value,
                &inspected,
                &out,
                op,
                auth.as_ref(),
            )?;
            if let (Some(b), Some(region)) = (before, region) {
                let (start, end) = diff_region(b, &out);
                if start < region.start || end > region.end {
                    return Err(format!(
                        "bytes {start}..{end} changed, outside {region:?}\n--- before\n{b}\n--- after\n{out}"
                    ));
                }
            }
            // Applying again changes nothing.
            match run(file, Some(&out), op, auth.as_ref()) {
                Ok(Edit::Unchanged) => {}
                other => {
                    return Err(format!(
                        "applying again: {other:?}\n--- before\n{}\n--- after\n{out}",
                        before.unwrap_or("(missing)")
                    ))
                }
            }
            Ok(kind)
        }
    }
}

/// The range of `before` that differs from `after` (common prefix and suffix removed).
pub fn diff_region(before: &str, after: &str) -> (usize, usize) {
    let (a, b) = (before.as_bytes(), after.as_bytes());
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let max = a.len().min(b.len()) - p;
    let s = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max)
        .take_while(|(x, y)| x == y)
        .count();
    (p, a.len() - s)
}

fn check_changed(
    file: &ConfigFile,
    before: Option<&str>,
    before_value: &Value,
    inspected: &Inspection,
    out: &str,
    op: Op,
    auth: Option<&Desired>,
) -> Result<(), String> {
    let server = Server::default();
    let spec = file
        .spec(before, &server)
        .map_err(|e| format!("spec: {e}"))?;
    let after_value = parse_client(file.syntax(), out, false).map_err(|e| {
        format!(
            "the client rejects the output: {e}\n--- before\n{}\n--- after\n{out}",
            before.unwrap_or("(missing)")
        )
    })?;
    if let Some(b) = before.filter(|b| !is_blank_doc(file.syntax(), b)) {
        // The file keeps its BOM, its newline kind and its (lack of a) final newline.
        if b.starts_with('\u{feff}') != out.starts_with('\u{feff}') {
            return Err("the BOM was added or dropped".into());
        }
        let lf = b.matches('\n').count();
        if lf > 0
            && b.matches("\r\n").count() == lf
            && out.matches("\r\n").count() != out.matches('\n').count()
        {
            return Err(format!("a bare LF was written into a CRLF file\n{out:?}"));
        }
        if b.ends_with('\n') != out.ends_with('\n') {
            return Err(format!("the final newline changed\n{b:?}\n{out:?}"));
        }
    }
    if file.syntax().is_json() {
        // Nothing the client refuses was written.
        let body = out.strip_prefix('\u{feff}').unwrap_or(out);
        if file.syntax() == Syntax::StrictJson
            && serde_json::from_str::<Value>(&normalize_for_serde(body)).is_err()
        {
            return Err("strict JSON output is not plain JSON".into());
        }
    }
    // The output reads back as asked (a local entry is found by its name only).
    let name = inspected
        .entry()
        .map(|e| e.name.clone())
        .unwrap_or_else(|| spec.name.clone());
    let after_server = if op == Op::Stdio {
        Server {
            name: name.clone(),
            recorded: true,
            ..Server::default()
        }
    } else {
        server.clone()
    };
    let after_state = file
        .inspect(Some(out), &after_server)
        .map_err(|e| format!("inspect of the output: {e}"))?;
    let Inspection::Found(e) = &after_state else {
        return Err(format!("the output has no entry of ours: {after_state:?}"));
    };
    match op {
        Op::Refresh => {
            if e.authorization.as_ref().map(|a| a.expose().to_string())
                != Some(format!("Bearer {NEW_TOKEN}"))
            {
                return Err("the header does not hold the token".into());
            }
        }
        Op::Remove => {
            if e.authorization.is_some() {
                return Err("the header is still there".into());
            }
        }
        Op::Mode(m) => {
            if !e.holds(auth.unwrap()) {
                return Err(format!("the output does not hold the {m} auth: {e:?}"));
            }
            if file.mode_of(e) != Some(m) {
                return Err(format!("the output is seen in mode {:?}", file.mode_of(e)));
            }
        }
        Op::Stdio => {
            if e.stdio != Some(proxy_stdio()) || e.url.is_some() || e.authorization.is_some() {
                return Err(format!("the output is not the local entry: {e:?}"));
            }
        }
    }
    // The only semantic change is our entry.
    if e.name != name {
        return Err(format!("the entry moved from {name} to {}", e.name));
    }
    let list_key = spec.list_key.as_deref();
    let (mut before_rest, before_entry) =
        take_entry(before_value.clone(), &spec.container, &name, list_key);
    let (mut after_rest, after_entry) = take_entry(after_value, &spec.container, &name, list_key);
    prune_created(&mut after_rest, &before_rest, &spec.container);
    if file.syntax() == Syntax::Yaml {
        // An empty container (`key:`, `[]`, `{}`) the edit filled counts as created.
        drop_empty_chain(&mut before_rest, &spec.container);
        drop_empty_chain(&mut after_rest, &spec.container);
    }
    let created_doc = before.is_none_or(|b| is_blank_doc(file.syntax(), b));
    if created_doc {
        if let Value::Object(m) = &mut after_rest {
            for (k, _) in &spec.new_file_members {
                m.remove(k);
            }
        }
        if before_rest.as_object().is_some_and(Map::is_empty) {
            before_rest = Value::Object(Map::new());
        }
    }
    if before_rest != after_rest {
        return Err(format!(
            "something besides the entry changed\n--- before\n{}\n--- after\n{out}",
            before.unwrap_or("(missing)")
        ));
    }
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
    // read-back above checked them, the others must stay.
    let reshaped =
        op == Op::Stdio || op == Op::Mode(Mode::Proxy) || (switch && local(before_entry));
    let shape_keys = shape_keys(&spec);
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

/// Removes `container/name` from the document, returning the rest and the entry. With
/// `list_key`, the container is a list and the entry the item whose `list_key` is `name`.
fn take_entry(
    mut doc: Value,
    container: &[String],
    name: &str,
    list_key: Option<&str>,
) -> (Value, Option<Value>) {
    let mut cur = &mut doc;
    for (i, k) in container.iter().enumerate() {
        let last = i + 1 == container.len();
        match cur.get_mut(k.as_str()) {
            Some(v) if v.is_object() || (last && list_key.is_some() && v.is_array()) => cur = v,
            _ => return (doc, None),
        }
    }
    let taken = match (list_key, cur) {
        (Some(nk), Value::Array(items)) => items
            .iter()
            .position(|it| it.get(nk).and_then(Value::as_str) == Some(name))
            .map(|i| items.remove(i)),
        (None, Value::Object(m)) => m.remove(name),
        _ => None,
    };
    (doc, taken)
}

/// Removes container levels of `after` that `before` did not have (created by the edit, now
/// empty once the entry is taken out).
fn prune_created(after: &mut Value, before: &Value, container: &[String]) {
    let Some((k, rest)) = container.split_first() else {
        return;
    };
    let (Some(a), b) = (after.as_object_mut(), before.as_object()) else {
        return;
    };
    match b.and_then(|b| b.get(k.as_str())) {
        Some(bv) => {
            if let Some(av) = a.get_mut(k.as_str()) {
                prune_created(av, bv, rest);
            }
        }
        None => {
            if a.get(k.as_str()).is_some_and(|v| is_empty_chain(v, rest)) {
                a.remove(k.as_str());
            }
        }
    }
}

/// Removes the first level of `container` that is null or holds nothing but empty levels.
fn drop_empty_chain(doc: &mut Value, container: &[String]) {
    let Some((k, rest)) = container.split_first() else {
        return;
    };
    let Some(m) = doc.as_object_mut() else {
        return;
    };
    match m.get_mut(k.as_str()) {
        Some(v)
            if v.is_null()
                || is_empty_chain(v, rest)
                || v.as_object().is_some_and(Map::is_empty) =>
        {
            m.remove(k.as_str());
        }
        Some(v) => drop_empty_chain(v, rest),
        None => {}
    }
}

fn is_empty_chain(v: &Value, rest: &[String]) -> bool {
    if rest.is_empty() && v.as_array().is_some_and(Vec::is_empty) {
        return true;
    }
    let Some(m) = v.as_object() else {
        return false;
    };
    match rest.split_first() {
        None => m.is_empty() || v.as_array().is_some_and(Vec::is_empty),
        Some((k, r)) => m.len() == 1 && m.get(k.as_str()).is_some_and(|c| is_empty_chain(c, r)),
    }
}

/// The environment the oracle's files are resolved in: HOME `/home/user`, cwd
/// `/home/user/project`, no variables.
pub fn env() -> Env {
    Env::new(
        PathBuf::from("/home/user"),
        PathBuf::from("/home/user/project"),
        BTreeMap::new(),
    )
}

/// The candidate files of these clients (every scope), for [`fuzz_one`]; `fuzz_yaml` takes
/// the user files only ([`user_files`]).
pub fn files(ids: &[&str]) -> Vec<ConfigFile> {
    let env = env();
    let mut out = Vec::new();
    for id in ids {
        let t = clients::by_id(id).expect("a client");
        for s in t.scopes() {
            if let Some(f) = t.default_file(&env, s) {
                out.push(f);
            }
        }
    }
    out
}

/// The user-scope files of these clients, one each.
pub fn user_files(ids: &[&str]) -> Vec<ConfigFile> {
    let env = env();
    ids.iter()
        .filter_map(|id| clients::by_id(id)?.default_file(&env, clients::Scope::User))
        .collect()
}

/// The fuzz body: the first byte picks the file and the edit, the rest is the file's bytes.
/// Every invariant of [`check`] is asserted (no panic; an error names no value; what the edit
/// accepts the client accepts; the output re-parses with the client's parser, reads back the
/// header or mode asked for, changes nothing but our entry, and a second application is
/// `Unchanged`). A broken invariant panics, which libFuzzer reports.
pub fn fuzz_one(data: &[u8], files: &[ConfigFile]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = edit::from_bytes(rest) else {
        return;
    };
    let file = &files[(sel as usize) % files.len()];
    let modes = file.client.modes();
    let stdio = usize::from(file.client.entry.stdio.is_some());
    let op = match (sel as usize / files.len()) % (2 + modes.len() + stdio) {
        0 => Op::Refresh,
        1 => Op::Remove,
        k if k - 2 < modes.len() => Op::Mode(modes[k - 2]),
        _ => Op::Stdio,
    };
    if let Err(e) = check(file, Some(text), op, None, false) {
        panic!("{} {op:?}: {e}", file.client.id);
    }
}
