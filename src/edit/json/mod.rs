//! JSON and JSONC: the scanner locates the entry and proves the path unambiguous; a replaced
//! header is a splice of one string literal; anything else is done on the jsonc-parser CST,
//! which copies the file's indentation, newline kind and comma style. This module holds the
//! entry points (inspect, apply, list an object's keys, round-trip) and the order an edit
//! goes in: analyse, locate, plan, then splice or edit the tree (through a skeleton for large
//! strict JSON), verify, restore.

mod analyse;
mod cst;
mod locate;
mod skeleton;
mod splice;
mod template;
#[cfg(test)]
mod test_hooks;
mod verify;

use jsonc_parser::cst::CstRootNode;

pub(super) use analyse::{analyse, jsonc_error, parse_options};
use analyse::{masked_analysis, syntax_error};
use cst::cst_edit;
pub(super) use cst::{bound_levels, bound_reformat, internal, one_line, open_container};
use locate::EntryLoc;
pub(super) use locate::{locate, read_lit, Located};
use skeleton::Skeleton;
use splice::{plan, splice, Plan};
#[cfg(test)]
pub(super) use test_hooks::{listings, skeleton_applies};
use verify::verify;
pub(super) use verify::{check_untouched, check_untouched_but};

use super::scan::{Kind, Root};
use super::surrogates::Masked;
use super::{
    line_col, split_bom, uses_crlf, Edit, EditError, EntrySpec, EntryState, Inspection, Note, Op,
    SecretHeader, Syntax,
};

pub(super) fn state(body: &str, e: &EntryLoc<'_>, spec: &EntrySpec) -> EntryState {
    EntryState {
        name: e.member.key.clone(),
        line: line_col(body, e.member.key_pos).0,
        url: e.url.as_ref().map(|(_, u)| u.clone()),
        enabled: e.enabled,
        disabled: e.disabled,
        authorization_key: e.auth.as_ref().map(|(m, _)| m.key.clone()),
        authorization: e.auth.as_ref().map(|(_, v)| SecretHeader::new(v.clone())),
        missing_required: e
            .missing_required
            .iter()
            .map(|&i| spec.required[i].0.clone())
            .collect(),
        other_auth: e.other_auth.clone(),
        auth_fields: e.auth_fields.clone(),
        stdio: e.stdio.clone(),
        stdio_mismatch: e.stdio_mismatch.clone(),
    }
}

pub(super) fn inspect(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
) -> Result<Inspection, EditError> {
    let Some(text) = text else {
        return Ok(Inspection::Missing);
    };
    let (_, body) = split_bom(text);
    let (masked, root) = masked_analysis(body, syntax, Some(spec), &[]);
    let body: &str = &masked.text;
    let root = root?;
    let loc = locate(body, &root, spec)?;
    Ok(match &loc.entry {
        None => Inspection::Missing,
        Some(e) if e.conflict => Inspection::Conflict(state(body, e, spec)),
        Some(e) => Inspection::Found(state(body, e, spec)),
    })
}

pub(super) fn object_keys(
    text: &str,
    syntax: Syntax,
    path: &[&str],
) -> Result<Option<Vec<String>>, EditError> {
    let (_, body) = split_bom(text);
    let (_, root) = masked_analysis(body, syntax, None, path);
    let Root::Object(mut obj) = root? else {
        return Ok(None);
    };
    for key in path {
        let Some(m) = obj
            .members
            .into_iter()
            .rev()
            .find(|m| m.key == *key && m.kind == Kind::Object)
        else {
            return Ok(None);
        };
        match m.child {
            Some(child) => obj = child,
            None => return Ok(None),
        }
    }
    Ok(Some(obj.members.into_iter().map(|m| m.key).collect()))
}

pub(super) fn round_trip(text: &str, syntax: Syntax) -> Result<String, EditError> {
    let (bom, body) = split_bom(text);
    let masked = Masked::new(body);
    let root =
        CstRootNode::parse(&masked.text, &parse_options(syntax)).map_err(|e| jsonc_error(&e))?;
    let printed = masked
        .restore(root.to_string())
        .map_err(|pos| lone_surrogate_error(body, pos))?;
    Ok(format!("{bom}{printed}"))
}

pub(super) fn lone_surrogate_error(body: &str, pos: usize) -> EditError {
    syntax_error(
        body,
        pos,
        "a lone surrogate escape (half of an emoji) in the part of the file being rewritten; \
         remove it and retry",
    )
}

pub(super) fn apply(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
) -> Result<Edit, EditError> {
    apply_with(text, syntax, spec, op, true)
}

/// `fast: false` turns off the splice and the skeleton, sending every change through a CST of
/// the whole text (tests compare the paths).
pub(super) fn apply_with(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    fast: bool,
) -> Result<Edit, EditError> {
    let (bom, original) = text.map(split_bom).unwrap_or(("", ""));
    // Everything below reads the masked text (same offsets); the output is restored.
    let (masked, root) = masked_analysis(original, syntax, Some(spec), &[]);
    let body: &str = &masked.text;
    let root = root?;
    let loc = locate(body, &root, spec)?;
    if spec.url_keys.is_empty()
        && op.stdio.is_none()
        && loc.entry.as_ref().is_none_or(|e| !e.is_stdio())
    {
        // A client of local servers only: there is no URL entry to write.
        return Ok(Edit::Unchanged);
    }
    if let Some(step) = super::json_stdio::step(&loc, spec, op) {
        let Some((out, mut notes, dropped)) =
            super::json_stdio::apply(body, syntax, spec, op, &loc, step)?
        else {
            return Ok(Edit::Unchanged);
        };
        let out = masked
            .restore_dropping(out, &dropped)
            .map_err(|pos| lone_surrogate_error(original, pos))?;
        let out = format!("{bom}{out}");
        let out = match step {
            super::json_stdio::Step::ToStdio => out,
            // The entry now holds our URL: the ordinary edit gives it the rest.
            super::json_stdio::Step::ToUrl => match apply_with(Some(&out), syntax, spec, op, fast)?
            {
                Edit::Unchanged => out,
                e @ (Edit::Splice { .. } | Edit::Rewrite { .. }) => {
                    notes.extend(e.notes().iter().cloned());
                    e.materialize(Some(&out))
                        .ok_or_else(|| internal("switch"))?
                }
                Edit::Conflict(_) | Edit::Indirect(_) => return Err(internal("switch")),
            },
        };
        if text == Some(out.as_str()) {
            return Ok(Edit::Unchanged);
        }
        return Ok(Edit::Rewrite { text: out, notes });
    }
    let plan = match plan(&loc, spec, op) {
        Plan::Splice if !fast => Plan::Cst,
        p => p,
    };
    match plan {
        Plan::Unchanged => Ok(Edit::Unchanged),
        Plan::Conflict => {
            let e = loc.entry.as_ref().expect("a conflict has an entry");
            Ok(Edit::Conflict(state(body, e, spec)))
        }
        Plan::Indirect => {
            let e = loc.entry.as_ref().expect("an indirect entry exists");
            Ok(Edit::Indirect(state(body, e, spec)))
        }
        Plan::Splice => splice(body, bom.len(), &loc, op),
        Plan::Cst => {
            let entry_name = loc
                .entry
                .as_ref()
                .map(|e| e.member.key.clone())
                .unwrap_or_else(|| spec.name.clone());
            let forced = loc.entry.as_ref().is_some_and(|e| e.conflict);
            let skeleton = match (&root, syntax, fast) {
                (Root::Object(obj), Syntax::StrictJson, true) => {
                    Some(Skeleton::new(body, obj, spec))
                }
                _ => None,
            };
            drop(loc);
            drop(root);
            let (out, notes) = match skeleton {
                Some(sk) => {
                    // Edit a small stand-in document, then carry the change over.
                    let (sk_out, notes) =
                        cst_checked(&sk.text, syntax, spec, op, &entry_name, forced)?;
                    match sk.map_back(body, &sk_out) {
                        Some(out) => (out, notes),
                        None => cst_checked(body, syntax, spec, op, &entry_name, forced)?,
                    }
                }
                None => cst_checked(body, syntax, spec, op, &entry_name, forced)?,
            };
            // The CST takes the newline kind from the whitespace it sees; in a CRLF file whose
            // line breaks are all inside comments it would write LF (found by the property
            // tests).
            let out = if uses_crlf(body) && out.matches("\r\n").count() != out.matches('\n').count()
            {
                out.replace("\r\n", "\n").replace('\n', "\r\n")
            } else {
                out
            };
            verify(&out, syntax, spec, op)?;
            let out = masked
                .restore(out)
                .map_err(|pos| lone_surrogate_error(original, pos))?;
            let out = format!("{bom}{out}");
            if text == Some(out.as_str()) {
                return Ok(Edit::Unchanged);
            }
            Ok(Edit::Rewrite { text: out, notes })
        }
    }
}

/// The syntax-tree edit of `text` (analysed and located again), checked to change nothing but
/// the entry `entry_name`.
fn cst_checked(
    text: &str,
    syntax: Syntax,
    spec: &EntrySpec,
    op: Op<'_>,
    entry_name: &str,
    forced: bool,
) -> Result<(String, Vec<Note>), EditError> {
    let root = analyse(text, syntax, Some(spec), &[])?;
    let loc = locate(text, &root, spec)?;
    let (out, notes) = cst_edit(text, syntax, spec, op, &loc)?;
    check_untouched(text, &out, syntax, spec, entry_name, forced, op.switch)?;
    Ok((out, notes))
}
