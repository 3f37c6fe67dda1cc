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

mod emit;
#[cfg(test)]
mod tests;
mod tree;

use std::ops::Range;

use saphyr_parser::ScalarStyle;

use self::emit::{Layout, New};
use self::tree::{join_path, Kind, Node, Val};
use super::{
    is_reference, split_bom, uses_crlf, Edit, EditError, EntrySpec, EntryState, Field, Inspection,
    Note, Op, Scalar, SecretHeader, Stdio, StdioField, AUTHORIZATION,
};

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

fn no_props(n: &Node) -> Result<(), EditError> {
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

/// Our entry as found.
struct Found<'d> {
    name: String,
    seg: Seg,
    node: &'d Node,
    line: usize,
    conflict: bool,
    url: Option<(&'d Node, String)>,
    /// Key and value of each existing level of `headers_parent` + `headers_key`.
    hlevels: Vec<(&'d Node, &'d Node)>,
    /// Key spelling, value node and value of the Authorization header.
    auth: Option<(String, &'d Node, String)>,
    /// The Authorization key (for messages).
    auth_key: Option<&'d Node>,
    enabled: Option<bool>,
    disabled: Option<bool>,
    missing_required: Vec<usize>,
    /// The `header_vars` list (key, value) and its string items.
    vars: Option<(&'d Node, &'d Node, Vec<String>)>,
    vars_missing: bool,
    other_auth: Vec<String>,
    auth_fields: Vec<(String, Option<String>)>,
    stdio: Option<Stdio>,
}

struct Located<'d> {
    /// The container path's levels that exist, the root first.
    levels: Vec<&'d Node>,
    /// An empty value (`key:`, `~`, `{}`, `[]`) where the next level would be, with its key
    /// (`None`: the document itself is empty but not blank).
    stub: Option<(Option<&'d Node>, &'d Node)>,
    entry: Option<Found<'d>>,
}

fn url_of<'d>(entry: &'d Node, spec: &EntrySpec) -> Option<(&'d Node, String)> {
    spec.url_keys.iter().find_map(|k| {
        let (key, v) = entry.get(k)?;
        Some((key, v.as_str()?.to_string()))
    })
}

fn stdio_of(entry: &Node, spec: &EntrySpec) -> Option<Stdio> {
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
fn vars_of(value: &str) -> Vec<String> {
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

fn locate<'d>(root: Option<&'d Node>, spec: &EntrySpec) -> Result<Located<'d>, EditError> {
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
                || (url_of(n, spec).is_none() && stdio_of(n, spec).is_some_and(|s| s.is_proxy())))
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
    let (name, seg, entry, line_node) = candidates.swap_remove(i);
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
    loc.entry = Some(Found {
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
    });
    Ok(loc)
}

/// A credentials field's value is reported only when it cannot be a token itself (Continue's
/// `apiKey` holds one): a reference, or a command line.
fn not_secret(v: &str) -> bool {
    is_reference(v) || v.contains(char::is_whitespace)
}

fn state(f: &Found<'_>, spec: &EntrySpec) -> EntryState {
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

/// The planned change: splices of the original text and the value the result must have.
struct Editor<'t> {
    body: &'t str,
    layout: Layout,
    /// The text ends in a block scalar with no final line break ([`tree::Doc::open_block_end`]).
    open_block_end: bool,
    /// `(range, text)`; insertions are empty ranges (kept in the order made).
    edits: Vec<(Range<usize>, String)>,
    /// Members and items to remove, grouped per collection at the end.
    removals: Vec<(&'t Node, usize)>,
    sets: Vec<(Vec<Seg>, Val)>,
    removed_keys: Vec<(Vec<Seg>, String)>,
    removed_items: Vec<(Vec<Seg>, usize)>,
    pushes: Vec<(Vec<Seg>, Val, Option<Val>)>,
}

fn internal(what: &str) -> EditError {
    EditError::Internal(format!("the YAML edit could not be planned ({what})"))
}

impl<'t> Editor<'t> {
    fn new(body: &'t str, doc: &tree::Doc) -> Self {
        let root = doc.root.as_ref();
        Editor {
            body,
            open_block_end: doc.open_block_end,
            layout: Layout::detect(root, uses_crlf(body)),
            edits: Vec::new(),
            removals: Vec::new(),
            sets: Vec::new(),
            removed_keys: Vec::new(),
            removed_items: Vec::new(),
            pushes: Vec::new(),
        }
    }

    fn line_start(&self, pos: usize) -> usize {
        self.body[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Where lines go after the line holding `end`, and whether a line break must come first
    /// (the last line has none).
    fn after_line(&self, end: usize) -> (usize, bool) {
        if end == 0 || self.body.as_bytes()[end - 1] == b'\n' {
            return (end, false);
        }
        match self.body[end..].find('\n') {
            Some(i) => (end + i + 1, false),
            None => (self.body.len(), true),
        }
    }

    /// Inserts `lines` (LF-terminated) at the line after `end`.
    fn insert_lines(&mut self, end: usize, lines: String) {
        let (at, lead) = self.after_line(end);
        let text = if lead {
            format!("\n{}", lines.trim_end_matches('\n'))
        } else {
            lines
        };
        self.edits.push((at..at, text));
    }

    fn replace(&mut self, range: Range<usize>, text: String) {
        self.edits.push((range, text));
    }

    /// Appends members to a block mapping.
    fn add_members(
        &mut self,
        map: &Node,
        path: &[Seg],
        members: &[(String, New)],
    ) -> Result<(), EditError> {
        if map.is_flow() {
            return Err(refuse(map, "a flow mapping (`{ … }`)", FLOW_WHY));
        }
        let mut lines = String::new();
        for (k, v) in members {
            emit::member(&mut lines, k, v, map.col, &self.layout);
            self.pushes
                .push((path.to_vec(), v.val(), Some(Val::str(k))));
        }
        self.insert_lines(map.end, lines);
        Ok(())
    }

    /// Appends an item to a block sequence.
    fn add_item(&mut self, seq: &Node, path: &[Seg], item: &New) -> Result<(), EditError> {
        if seq.is_flow() {
            return Err(refuse(seq, "a flow sequence (`[ … ]`)", FLOW_WHY));
        }
        let mut l = self.layout;
        if let Some(first) = seq.items().and_then(<[Node]>::first)
            && first.line == seq.line
            && first.col >= seq.col + 2
        {
            l.seq_pad = first.col - seq.col;
        }
        let mut lines = String::new();
        emit::item(&mut lines, item, seq.col, &l);
        self.pushes.push((path.to_vec(), item.val(), None));
        self.insert_lines(seq.end, lines);
        Ok(())
    }

    /// Fills an empty value (`key:`, `~`, `{}`, `[]`, or an empty document) with `content`, a
    /// mapping's members or a sequence's items written on the lines below `key` at `col`.
    fn fill(&mut self, key: Option<&Node>, stub: &Node, path: &[Seg], content: &New) {
        // The empty value's own text goes, with the spaces before it (and its line, when
        // nothing else is on it).
        let mut stub_end = stub.end;
        let mut whole_line = false;
        if stub.end > stub.start {
            let mut s = stub.start;
            while s > 0 && matches!(self.body.as_bytes()[s - 1], b' ' | b'\t') {
                s -= 1;
            }
            let rest = &self.body[stub.end..];
            let eol = rest.find('\n').map_or(rest.len(), |i| i + 1);
            if self.line_start(s) == s && rest[..eol].trim().is_empty() {
                stub_end = stub.end + eol;
                whole_line = true;
            }
            self.replace(s..stub_end, String::new());
        }
        let col = match key {
            None => 0,
            Some(k) => match content {
                New::Seq(_) => k.col + self.layout.seq_indent,
                _ => k.col + self.layout.unit,
            },
        };
        let mut lines = String::new();
        match content {
            New::Map(m) => {
                for (k, v) in m {
                    emit::member(&mut lines, k, v, col, &self.layout);
                }
            }
            New::Seq(items) => {
                for it in items {
                    emit::item(&mut lines, it, col, &self.layout);
                }
            }
            New::Scalar(_) => {}
        }
        let end = if key.is_none() && stub.end == stub.start {
            self.body.len()
        } else {
            stub_end
        };
        if whole_line {
            // The insertion starts a line of its own in the result.
            self.edits.push((stub_end..stub_end, lines));
        } else {
            self.insert_lines(end, lines);
        }
        self.sets.push((path.to_vec(), content.val()));
    }

    /// Replaces a scalar's text.
    fn set_scalar(&mut self, n: &Node, path: &[Seg], text: String, val: Val) {
        if let Kind::Scalar { token, .. } = &n.kind {
            // An empty value (`key:`) gets its space.
            let text = if token.start == token.end {
                format!(" {text}")
            } else {
                text
            };
            self.replace(token.clone(), text);
            self.sets.push((path.to_vec(), val));
        }
    }

    fn remove_member(&mut self, map: &'t Node, path: &[Seg], key: &str) -> Result<(), EditError> {
        let pairs = map
            .pairs()
            .ok_or_else(|| internal("remove from a non-mapping"))?;
        let idx = pairs
            .iter()
            .position(|(k, _)| k.as_str() == Some(key))
            .ok_or_else(|| internal("member to remove"))?;
        if map.is_flow() {
            return Err(refuse(map, "a flow mapping (`{ … }`)", FLOW_WHY));
        }
        self.removals.push((map, idx));
        self.removed_keys.push((path.to_vec(), key.to_string()));
        Ok(())
    }

    fn remove_item(&mut self, seq: &'t Node, path: &[Seg], idx: usize) -> Result<(), EditError> {
        if seq.is_flow() {
            return Err(refuse(seq, "a flow sequence (`[ … ]`)", FLOW_WHY));
        }
        self.removals.push((seq, idx));
        self.removed_items.push((path.to_vec(), idx));
        Ok(())
    }

    /// Turns the grouped removals into splices: whole lines, or (for the first member of a
    /// `- ` item) the text up to the next member, which then moves onto the item's line.
    fn plan_removals(&mut self) -> Result<(), EditError> {
        let mut groups: Vec<(&Node, Vec<usize>)> = Vec::new();
        for (n, i) in std::mem::take(&mut self.removals) {
            match groups.iter_mut().find(|(g, _)| std::ptr::eq(*g, n)) {
                Some((_, v)) => v.push(i),
                None => groups.push((n, vec![i])),
            }
        }
        for (n, mut idx) in groups {
            idx.sort_unstable();
            idx.dedup();
            // (start node, end of content) of each child.
            let spans: Vec<(&Node, usize)> = match &n.kind {
                Kind::Map { pairs, .. } => pairs.iter().map(|(k, v)| (k, v.end)).collect(),
                Kind::Seq { items, .. } => items.iter().map(|i| (i, i.end)).collect(),
                _ => return Err(internal("removal")),
            };
            let seq = n.items().is_some();
            let mut run_start = 0;
            while run_start < idx.len() {
                let mut run_end = run_start;
                while run_end + 1 < idx.len() && idx[run_end + 1] == idx[run_end] + 1 {
                    run_end += 1;
                }
                let (first, last) = (idx[run_start], idx[run_end]);
                let start_node = spans[first].0;
                // For a sequence, the item starts at its `-`.
                let mut start = start_node.start;
                if seq {
                    start = tree::dash_before(self.body, start)
                        .ok_or_else(|| internal("sequence item without a dash"))?;
                }
                let ls = self.line_start(start);
                let alone = self.body[ls..start].bytes().all(|c| c == b' ');
                if alone {
                    let (end, _) = self.after_line(spans[last].1);
                    self.replace(ls..end, String::new());
                } else {
                    let Some(next) = spans.get(last + 1) else {
                        return Err(internal("the only member of an item"));
                    };
                    self.replace(start..next.0.start, String::new());
                }
                run_start = run_end + 1;
            }
        }
        Ok(())
    }

    /// The new text and its intended value.
    fn finish(mut self, bom: &str, before: Val) -> Result<(String, Val), EditError> {
        self.plan_removals()?;
        let mut edits = std::mem::take(&mut self.edits);
        // Lines inserted at one place: a nested value's (deeper) before its parent's next
        // members; otherwise in the order made (the sort is stable).
        let indent = |t: &str| {
            t.trim_start_matches('\n')
                .bytes()
                .take_while(|&b| b == b' ')
                .count()
        };
        edits.sort_by_key(|(r, t)| {
            // A value set in place comes before lines inserted at the same offset.
            (
                r.start,
                r.end,
                t.contains('\n'),
                std::cmp::Reverse(indent(t)),
            )
        });
        let len = self.body.len();
        if self.open_block_end && edits.iter().any(|(r, t)| r.start == len && !t.is_empty()) {
            let line = self.body.matches('\n').count() + 1;
            return Err(EditError::Strictness {
                line,
                column: 1,
                what: "a block scalar (`|` or `>`) at the end of a file without a final line break",
                why: "a line added after it would change its value; end the file with a line \
                      break and retry",
            });
        }
        let mut out = String::with_capacity(self.body.len() + 256);
        out.push_str(bom);
        let mut cursor = 0;
        for (r, text) in &edits {
            if r.start < cursor {
                return Err(internal("overlapping changes"));
            }
            out.push_str(&self.body[cursor..r.start]);
            if self.layout.crlf {
                out.push_str(&text.replace('\n', "\r\n"));
            } else {
                out.push_str(text);
            }
            cursor = r.end;
        }
        out.push_str(&self.body[cursor..]);
        if !self.body.trim().is_empty() && !self.body.ends_with('\n') && out.ends_with('\n') {
            out.pop();
            if out.ends_with('\r') {
                out.pop();
            }
        }
        // The value the result must have.
        let mut want = before;
        for (p, v) in &self.sets {
            *nav(&mut want, p)? = v.clone();
        }
        for (p, k) in &self.removed_keys {
            match nav(&mut want, p)? {
                Val::Map(pairs) => {
                    let i = pairs
                        .iter()
                        .rposition(|(pk, _)| pk.key_is(k))
                        .ok_or_else(|| internal("model key"))?;
                    pairs.remove(i);
                }
                _ => return Err(internal("model map")),
            }
        }
        let mut items = self.removed_items.clone();
        items.sort_by_key(|i| std::cmp::Reverse(i.1));
        for (p, i) in items {
            match nav(&mut want, &p)? {
                Val::Seq(v) if i < v.len() => {
                    v.remove(i);
                }
                _ => return Err(internal("model sequence")),
            }
        }
        for (p, v, key) in &self.pushes {
            match (nav(&mut want, p)?, key) {
                (Val::Map(pairs), Some(k)) => pairs.push((k.clone(), v.clone())),
                (Val::Seq(items), None) => items.push(v.clone()),
                _ => return Err(internal("model push")),
            }
        }
        Ok((out, want))
    }
}

fn nav<'v>(v: &'v mut Val, path: &[Seg]) -> Result<&'v mut Val, EditError> {
    let mut cur = v;
    for seg in path {
        cur = match (cur, seg) {
            (m @ Val::Map(_), Seg::Key(k)) => m.get_mut(k).ok_or_else(|| internal("model path"))?,
            (Val::Seq(items), Seg::Index(i)) => {
                items.get_mut(*i).ok_or_else(|| internal("model index"))?
            }
            _ => return Err(internal("model path kind")),
        };
    }
    Ok(cur)
}

fn scalar_new(s: &Scalar) -> New {
    New::Scalar(s.clone())
}

/// `headers_parent` + `headers_key` from `from` on, ending in `{Authorization: value}`.
fn header_chain(spec: &EntrySpec, from: usize, value: &str) -> New {
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

fn header_keys(spec: &EntrySpec) -> Vec<&str> {
    spec.headers_parent
        .iter()
        .chain([&spec.headers_key])
        .map(String::as_str)
        .collect()
}

/// The members of a new remote entry.
fn new_entry(spec: &EntrySpec, op: Op<'_>) -> Vec<(String, New)> {
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
fn new_local(spec: &EntrySpec, stdio: &Stdio) -> Vec<(String, New)> {
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

fn args_new(stdio: &Stdio) -> New {
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
        notes.push(Note::CreatedContainer(super::display_path(&c[..=d])));
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

/// Refuses a value that cannot be replaced as one span; `key` is named in the message.
fn replaceable(key: Option<&Node>, n: &Node) -> Result<ScalarStyle, EditError> {
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

/// Sets, adds or removes the Authorization header of an existing entry, and keeps the
/// `header_vars` list in step.
fn edit_header<'t>(
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
fn sync_vars<'t>(
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
fn edit_entry<'t>(
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

/// Adds a new entry (`members`) to `text`, or writes a fresh document when the file is missing
/// or blank (a blank file's blank lines are not kept; a comment-only one keeps its comments).
fn create_in_file(
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

enum Check<'a> {
    Op(Op<'a>),
    /// The local entry, and the name of the entry that was edited (a local entry is found by
    /// its name only).
    Stdio(&'a Stdio, Option<&'a str>),
}

fn finish_verified(
    text: Option<&str>,
    out: String,
    want: Val,
    spec: &EntrySpec,
    check: Check<'_>,
    notes: Vec<Note>,
    splice: Option<(Range<usize>, String)>,
) -> Result<Edit, EditError> {
    verify(&out, &want, spec, &check)?;
    if text == Some(out.as_str()) {
        return Ok(Edit::Unchanged);
    }
    Ok(match splice {
        Some((range, replacement)) => Edit::Splice {
            range,
            replacement,
            notes,
        },
        None => Edit::Rewrite { text: out, notes },
    })
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
        Some(f) => {
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
                set_fixed(&mut ed, f, &epath, k, v, &mut notes)?;
            }
            let old = f.auth.as_ref().map(|(_, _, v)| v.as_str());
            sync_vars(&mut ed, f, spec, old, None, &epath, &mut notes)?;
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
        }
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

/// Parses the result again: its value must be exactly the intended one, and our entry must
/// say what was asked.
fn verify(out: &str, want: &Val, spec: &EntrySpec, check: &Check<'_>) -> Result<(), EditError> {
    let fail =
        |why: String| EditError::Internal(format!("the edited text failed verification: {why}"));
    let (_, body) = split_bom(out);
    let doc = tree::parse(body).map_err(|e| fail(e.to_string()))?;
    let got = doc.root.as_ref().map_or_else(Val::null, Val::of);
    if !got.same(want) {
        return Err(fail("the document does not hold what was intended".into()));
    }
    // A local entry is found by its name only: look for the one that was edited.
    let by_name;
    let spec = match check {
        Check::Stdio(_, Some(name)) => {
            by_name = EntrySpec {
                name: name.to_string(),
                by_url: false,
                ..spec.clone()
            };
            &by_name
        }
        _ => spec,
    };
    let loc = locate(doc.root.as_ref(), spec).map_err(|e| fail(e.to_string()))?;
    let Some(f) = loc.entry.filter(|f| !f.conflict) else {
        return Err(fail("the entry is missing".into()));
    };
    match check {
        Check::Op(op) => {
            let fields: Vec<(&str, Option<&str>)> = f
                .auth_fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect();
            super::verify_op(
                *op,
                f.auth.as_ref().map(|(_, _, v)| v.as_str()),
                &fields,
                f.missing_required.is_empty() && !f.vars_missing,
            )
            .map_err(fail)
        }
        Check::Stdio(s, _) => {
            if f.stdio.as_ref() != Some(*s) || f.url.is_some() || f.auth.is_some() {
                return Err(fail("the entry is not the local server asked for".into()));
            }
            Ok(())
        }
    }
}
