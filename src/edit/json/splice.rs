//! The choice between leaving the text as it is, reporting, splicing and a syntax-tree edit;
//! and the fast path: a replaced header is one string literal spliced in place, proven by
//! checking the two literals instead of re-reading the document.

use super::cst::internal;
use super::locate::Located;
use crate::edit::scan;
use crate::edit::{is_reference, Edit, EditError, EntrySpec, Note, Op};

pub(super) enum Plan {
    Unchanged,
    Conflict,
    Indirect,
    Splice,
    Cst,
}

pub(super) fn plan(loc: &Located<'_>, spec: &EntrySpec, op: Op<'_>) -> Plan {
    let Some(e) = &loc.entry else {
        return if op.create {
            Plan::Cst
        } else {
            Plan::Unchanged
        };
    };
    if e.conflict && !spec.force {
        return Plan::Conflict;
    }
    if e.is_stdio() && !e.conflict {
        // A proxy entry holds no token: a refresh leaves it alone, a removal has nothing to do.
        return if op.refresh {
            Plan::Indirect
        } else {
            Plan::Unchanged
        };
    }
    let current = e.auth.as_ref().map(|(_, v)| v.as_str());
    if op.refresh
        && (!e.other_auth.is_empty()
            || current.is_some_and(|v| is_reference(v) && Some(v) != op.header))
    {
        return Plan::Indirect;
    }
    if !op.create {
        // Removal of the header only.
        return if e.conflict || e.auth.is_none() {
            Plan::Unchanged
        } else {
            Plan::Cst
        };
    }
    if e.conflict || !e.missing_required.is_empty() {
        return Plan::Cst;
    }
    let field_ok = op.field.is_none_or(|(k, v)| {
        e.auth_fields
            .iter()
            .any(|(fk, fv)| fk == k && fv.as_deref() == Some(v))
    });
    let others = e.other_auth.iter().any(|k| op.removes_field(k));
    if !field_ok || others {
        return Plan::Cst;
    }
    match (op.header, current) {
        (Some(want), Some(have)) if want == have => Plan::Unchanged,
        (Some(_), Some(_)) => Plan::Splice,
        (None, None) => Plan::Unchanged,
        _ => Plan::Cst,
    }
}

/// The splice that replaces our Authorization header's literal with the op's (the entry and its
/// header exist: see [`plan`]), its offsets in the text with its BOM of `bom` bytes.
pub(super) fn splice(
    body: &str,
    bom: usize,
    loc: &Located<'_>,
    op: Op<'_>,
) -> Result<Edit, EditError> {
    let desired = op.header.ok_or_else(|| internal("splice"))?;
    let (m, _) = loc
        .entry
        .as_ref()
        .and_then(|e| e.auth.as_ref())
        .ok_or_else(|| internal("splice"))?;
    let range = bom + m.value.start..bom + m.value.end;
    let replacement = literal(desired);
    verify_splice(body, bom, &range, &replacement, desired)?;
    Ok(Edit::Splice {
        range,
        replacement,
        notes: vec![Note::ReplacedHeader],
    })
}

fn literal(value: &str) -> String {
    serde_json::to_string(value).expect("a string always serialises")
}

/// A splice replaces one string literal the scanner delimited in a validated document with
/// another string literal, so the document's structure cannot change: checking the two literals
/// proves the result (without re-reading a file of tens of MB).
fn verify_splice(
    body: &str,
    bom: usize,
    range: &std::ops::Range<usize>,
    replacement: &str,
    desired: &str,
) -> Result<(), EditError> {
    let old = body
        .as_bytes()
        .get(range.start - bom..range.end - bom)
        .unwrap_or_default();
    let old_ok = old.len() >= 2
        && old[0] == b'"'
        && old[old.len() - 1] == b'"'
        && scan::decode_string(old).is_some();
    let new_ok = serde_json::from_str::<String>(replacement).is_ok_and(|v| v == desired);
    if old_ok && new_ok {
        Ok(())
    } else {
        Err(EditError::Internal(
            "the header literal to replace could not be verified".into(),
        ))
    }
}
