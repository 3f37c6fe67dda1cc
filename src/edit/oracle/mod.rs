//! The invariants every edit must keep, checked against oracles independent of the edit engine
//! (`parse`: the clients' own parsers or faithful stand-ins). Shared by the property tests and
//! the fuzz targets, so both assert the same things; compiled only with the `testing` feature.
//!
//! Here: the edits asked for ([`Op`]) and [`check`], which runs one and checks what every
//! outcome must satisfy. `changed` holds the invariants of a changed file (`rest`: the document
//! around our entry, `entry`: its members), `fuzz` what the fuzz targets run.

use std::ops::Range;
use std::path::Path;

use serde_json::{Map, Value};

use crate::clients::{AuthContext, ConfigFile, Mode, Server};
use crate::edit::{self, Desired, Edit, Inspection, SecretHeader, Stdio, Syntax};
use crate::secret::AccessToken;

mod changed;
mod entry;
mod fuzz;
mod parse;
mod rest;

use changed::check_changed;
pub use fuzz::{env, files, fuzz_one, user_files};
use parse::normalize_for_serde;
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
