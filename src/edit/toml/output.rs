//! The edited document as text, and the check of that text before it is returned: printed
//! with the input's BOM, newline kind and (lack of a) final newline (toml_edit drops a BOM and
//! writes LF), then parsed again and our entry read back as the edit asked.

use toml_edit::DocumentMut;

use super::locate::{locate, Found};
use super::parse;
use crate::edit::{split_bom, uses_crlf, verify_op, Edit, EditError, EntrySpec, Note, Op, Stdio};

/// Prints the document with the input's BOM, newline kind and (lack of) final newline.
pub(super) fn print(bom: &str, body: &str, doc: &DocumentMut) -> String {
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

/// The edit's result: `Unchanged` when the printed text is the input again.
pub(super) fn finish(text: Option<&str>, out: String, notes: Vec<Note>) -> Edit {
    if text == Some(out.as_str()) {
        return Edit::Unchanged;
    }
    Edit::Rewrite { text: out, notes }
}

fn failed(why: &str) -> EditError {
    EditError::Internal(format!("the edited text failed verification: {why}"))
}

/// Our entry (not a conflicting one) as the edited text holds it.
fn read_back(out: &str, spec: &EntrySpec) -> Result<Found, EditError> {
    let (_, body) = split_bom(out);
    let doc = parse(body).map_err(|e| failed(&e.to_string()))?;
    let loc = locate(body, &doc, spec).map_err(|e| failed(&e.to_string()))?;
    loc.entry
        .filter(|f| !f.conflict)
        .ok_or_else(|| failed("the entry is missing"))
}

/// The edited text holds our stdio entry running exactly `argv`, with no URL or credentials.
pub(super) fn verify_stdio(out: &str, spec: &EntrySpec, argv: &Stdio) -> Result<(), EditError> {
    let f = read_back(out, spec)?;
    if !f.is_stdio() || f.stdio.as_ref() != Some(argv) {
        return Err(failed("the command line is not the new one"));
    }
    if f.headers || f.auth.is_some() || !f.other_auth.is_empty() || !f.stdio_mismatch.is_empty() {
        return Err(failed("the stdio entry is not as wanted"));
    }
    Ok(())
}

/// The edited text holds our entry saying what `op` asked.
pub(super) fn verify(out: &str, spec: &EntrySpec, op: Op<'_>) -> Result<(), EditError> {
    let f = read_back(out, spec)?;
    let fields: Vec<(&str, Option<&str>)> = f
        .auth_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    verify_op(
        op,
        f.auth.as_ref().map(|(_, v)| v.as_str()),
        &fields,
        f.missing_required.is_empty(),
    )
    .map_err(|why| failed(&why))
}
