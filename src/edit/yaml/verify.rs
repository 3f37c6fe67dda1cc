//! Verifying a result before it is returned: parsed again, its value must be the intended one
//! and our entry must read back as asked.

use std::ops::Range;

use super::super::{split_bom, Edit, EditError, EntrySpec, Note, Op, Stdio};
use super::locate::locate;
use super::tree;
use super::value::Val;

pub(super) enum Check<'a> {
    Op(Op<'a>),
    /// The local entry, and the name of the entry that was edited (a local entry is found by
    /// its name only).
    Stdio(&'a Stdio, Option<&'a str>),
}

pub(super) fn finish_verified(
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
            super::super::verify_op(
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
