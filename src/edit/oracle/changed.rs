//! The invariants of an edit that changed the file: the client's parser accepts the output,
//! which keeps the input's BOM, newline kind and (lack of a) final newline, reads back as the
//! edit asked, and differs from the input only in our entry (`rest`: the document around it;
//! `entry`: its members).

use serde_json::Value;

use super::parse::{is_blank_doc, normalize_for_serde};
use super::{entry, parse_client, proxy_stdio, rest, Op, NEW_TOKEN};
use crate::clients::{ConfigFile, Server};
use crate::edit::{Desired, Inspection, Syntax};

/// Checks the output `out` of `op` on `before` (`before_value`: as the client read it;
/// `inspected`: as the editor did).
pub(super) fn check_changed(
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
    let (before_entry, after_entry) =
        rest::take_entries(file, before, before_value, after_value, &spec, &name, out)?;
    entry::check_members(&spec, op, before_entry, after_entry)
}
