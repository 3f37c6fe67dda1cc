//! Proxy mode in JSON and JSONC: our entry becomes a local (stdio) entry, or a stdio entry
//! becomes a URL entry again, on the jsonc-parser CST; only the members of the two forms change
//! (checked), every other member, comment and byte outside the entry stays.

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};

use super::json::{
    analyse, bound_levels, bound_reformat, check_untouched_but, internal, jsonc_error, locate,
    one_line, open_container, parse_options, read_lit, Located,
};
use super::stdio::{Lit, Switch};
use super::{uses_crlf, EditError, EntrySpec, Note, Op, Syntax};

/// Which way the entry goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Proxy mode: a stdio entry running the op's command line (created when missing).
    ToStdio,
    /// Another explicit mode on a stdio entry: the stdio members go and our URL comes; the
    /// ordinary edit does the rest.
    ToUrl,
}

/// The step the op needs here, if it is one of these (a conflict without `force` is not).
pub(super) fn step(loc: &Located<'_>, spec: &EntrySpec, op: Op<'_>) -> Option<Step> {
    let entry = loc.entry.as_ref();
    if entry.is_some_and(|e| e.conflict && !spec.force) || !op.create {
        return None;
    }
    match op.stdio {
        Some(_) => Some(Step::ToStdio),
        None if op.switch && entry.is_some_and(|e| e.is_stdio()) => Some(Step::ToUrl),
        None => None,
    }
}

fn input(v: &Lit) -> CstInputValue {
    match v {
        Lit::Str(s) => CstInputValue::String(s.clone()),
        Lit::Bool(b) => CstInputValue::Bool(*b),
        Lit::Int(i) => CstInputValue::Number(i.to_string()),
        Lit::List(l) => {
            CstInputValue::Array(l.iter().map(|s| CstInputValue::String(s.clone())).collect())
        }
    }
}

/// What a switch gave: the new text (the masked body's), what was done, and the byte ranges of
/// the body whose members were removed or replaced.
type Switched = (String, Vec<Note>, Vec<std::ops::Range<usize>>);

/// The new text and what was done; `None`: the entry is already so.
pub(super) fn apply(
    body: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    loc: &Located<'_>,
    step: Step,
) -> Result<Option<Switched>, EditError> {
    let switch = match (step, op.stdio) {
        (Step::ToStdio, Some(argv)) => spec
            .to_stdio(argv)
            .ok_or_else(|| EditError::Internal("this client has no local (stdio) entry".into()))?,
        (Step::ToStdio, None) => return Err(internal("stdio")),
        (Step::ToUrl, _) => spec.to_url(),
    };
    if let (Some(e), Some(argv)) = (&loc.entry, op.stdio) {
        let stray = e
            .outer
            .members
            .iter()
            .any(|m| switch.remove.contains(&m.key));
        if !e.conflict
            && e.is_stdio()
            && e.stdio.as_ref() == Some(argv)
            && e.stdio_mismatch.is_empty()
            && !stray
        {
            return Ok(None);
        }
    }
    bound_levels(body, loc, spec)?;
    if let Some(e) = &loc.entry {
        let mut path: Vec<&str> = spec.container.iter().map(String::as_str).collect();
        path.push(&e.member.key);
        bound_reformat(body, e.outer, &path)?;
    }
    let source = if body.trim_ascii().is_empty() {
        ""
    } else {
        body
    };
    let root = CstRootNode::parse(source, &parse_options(syntax)).map_err(|e| jsonc_error(&e))?;
    let mut notes = Vec::new();
    let fresh = root.value().is_none();
    let obj = root
        .object_value_or_create()
        .ok_or_else(|| internal("root"))?;
    if fresh {
        notes.push(Note::CreatedDocument);
        for (k, v) in &spec.new_file_members {
            obj.append(k, input(&Lit::from(v)));
        }
    }
    let obj = open_container(body, spec, loc, obj, &mut notes)?;
    let mut dropped = Vec::new();
    let (entry_name, forced) = match &loc.entry {
        None => {
            let members = switch
                .set
                .iter()
                .map(|(k, v)| (k.clone(), input(v)))
                .collect();
            obj.append(&spec.name, CstInputValue::Object(members));
            notes.push(Note::CreatedEntry(spec.name.clone()));
            (spec.name.clone(), false)
        }
        Some(e) => {
            let eobj = obj
                .object_value(&e.member.key)
                .ok_or_else(|| internal("entry"))?;
            if one_line(body, e.outer) {
                notes.push(Note::Reformatted);
            }
            let current = |k: &str| {
                e.outer
                    .members
                    .iter()
                    .rev()
                    .find(|m| m.key == k)
                    .and_then(|m| read_lit(body, m))
            };
            edit_members(&eobj, &switch, current, &mut notes)?;
            dropped = e
                .outer
                .members
                .iter()
                .filter(|m| {
                    switch.remove.contains(&m.key)
                        || switch
                            .set
                            .iter()
                            .any(|(k, v)| *k == m.key && read_lit(body, m).as_ref() != Some(v))
                })
                .map(|m| m.key_pos..m.value.end)
                .collect();
            (e.member.key.clone(), e.conflict)
        }
    };
    let out = root.to_string();
    let out = if uses_crlf(body) && out.matches("\r\n").count() != out.matches('\n').count() {
        out.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        out
    };
    let free: Vec<String> = switch
        .remove
        .iter()
        .cloned()
        .chain(switch.set.iter().map(|(k, _)| k.clone()))
        .collect();
    verify(&out, syntax, spec, op, step)?;
    check_untouched_but(body, &out, syntax, spec, &entry_name, forced, true, &free)?;
    Ok(Some((out, notes, dropped)))
}

/// Removes the other form's members and sets ours: a member we set keeps its place, a new one
/// goes after the previous one of ours, the first where the first removed member was.
fn edit_members(
    eobj: &CstObject,
    switch: &Switch,
    current: impl Fn(&str) -> Option<Lit>,
    notes: &mut Vec<Note>,
) -> Result<(), EditError> {
    let names = |o: &CstObject| -> Vec<String> {
        o.properties()
            .iter()
            .map(|p| p.decoded_name().unwrap_or_default())
            .collect()
    };
    let ours = |k: &String| switch.remove.contains(k) || switch.set.iter().any(|(s, _)| s == k);
    let before = names(eobj);
    let mut next = before.iter().position(ours).unwrap_or(before.len());
    for k in &switch.remove {
        if let Some(p) = eobj.get(k) {
            p.remove();
            notes.push(Note::RemovedField(k.to_string()));
        }
    }
    next = next.min(names(eobj).len());
    for (k, v) in &switch.set {
        match eobj.get(k) {
            Some(p) => {
                if current(k).as_ref() != Some(v) {
                    p.set_value(input(v));
                    notes.push(Note::SetField(k.to_string()));
                }
                next = names(eobj)
                    .iter()
                    .position(|n| n == k)
                    .map_or(next, |i| i + 1);
            }
            None => {
                eobj.insert(next, k, input(v));
                next += 1;
                notes.push(Note::SetField(k.to_string()));
            }
        }
    }
    Ok(())
}

/// Re-reads the edited text: the entry is ours, and a stdio entry runs exactly the command
/// line with nothing of a URL entry left; a URL entry holds our URL and no command.
fn verify(
    out: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    step: Step,
) -> Result<(), EditError> {
    let fail =
        |why: &str| EditError::Internal(format!("the edited text failed verification: {why}"));
    let root = analyse(out, syntax, Some(spec), &[]).map_err(|e| fail(&e.to_string()))?;
    let loc = locate(out, &root, spec).map_err(|e| fail(&e.to_string()))?;
    let Some(e) = &loc.entry else {
        return Err(fail("the entry is missing"));
    };
    if e.conflict {
        return Err(fail("the entry is not ours"));
    }
    let state = super::json::state(out, e, spec);
    match step {
        Step::ToStdio => {
            if state.stdio.as_ref() != op.stdio || !state.is_stdio() {
                return Err(fail("the command line is not the new one"));
            }
            if state.authorization.is_some() || !state.other_auth.is_empty() {
                return Err(fail("credentials are left in a stdio entry"));
            }
            if !state.stdio_mismatch.is_empty() {
                return Err(fail("a member of the stdio entry is missing"));
            }
        }
        Step::ToUrl => {
            if state.url.is_none() || state.stdio.is_some() {
                return Err(fail("the entry still has a command"));
            }
        }
    }
    Ok(())
}
