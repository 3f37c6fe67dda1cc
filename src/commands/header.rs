//! `figma-auth header [--json]`: the HTTP header an MCP client sends, for configs that run a
//! helper command instead of holding a token (Claude Code's `headersHelper`, Codex's
//! `http_headers_helper`). Prints `Authorization: Bearer …` (or, with `--json`,
//! `{"Authorization":"Bearer …"}`) on stdout — a secret, on purpose.
//!
//! Made to be run by another program many times: when the token is fresh it is read without the
//! lock and without network (a few milliseconds); when it expires within `--min-valid` it is
//! refreshed under the store lock first (one refresh however many helpers run at once). It never
//! prompts and never opens a browser. Every failure is one line on stderr ending with the command
//! that fixes it; exit 3 when a login is needed, 4 when the server cannot be reached and the
//! stored token has expired, 5 when another figma-auth holds the store for too long.

use super::token::{obtain, write_stdout};
use super::Context;
use crate::cli::HeaderArgs;
use crate::error::{exit, Error};
use crate::time::short_duration;
use std::time::Duration;

/// Longest wait for a refresh by another process (a client waiting on its helper should not hang
/// for the default minute).
pub const MAX_LOCK_WAIT: Duration = Duration::from_secs(30);
/// Longest wait for one HTTP request of a refresh.
pub const MAX_HTTP_WAIT: Duration = Duration::from_secs(20);

pub fn run(ctx: &Context, args: &HeaderArgs) -> Result<u8, Error> {
    let mut ctx = ctx.clone();
    ctx.lock_timeout = ctx.lock_timeout.min(MAX_LOCK_WAIT);
    ctx.http_timeout = ctx.http_timeout.min(MAX_HTTP_WAIT);
    ctx.warn_permissions();
    let got = match obtain(&ctx, args.min_valid) {
        Ok(got) => got,
        Err(e) => {
            eprintln!("figma-auth header: {}", one_line(&ctx, &e));
            return Ok(e.exit_code());
        }
    };
    crate::fault::panic_point("header", || got.token.access_token.expose().to_string());
    if let Some(e) = &got.refresh_error {
        eprintln!(
            "figma-auth header: warning: the access token expires in {} and could not be refreshed: {}",
            short_duration(got.remaining()),
            one_line(&ctx, e)
        );
    }
    let value = format!("Bearer {}", got.token.access_token.expose());
    let text = if args.json {
        let mut m = serde_json::Map::new();
        m.insert("Authorization".to_string(), value.into());
        let mut s = serde_json::Value::Object(m).to_string();
        s.push('\n');
        s
    } else {
        format!("Authorization: {value}\n")
    };
    write_stdout(&text)?;
    Ok(exit::OK)
}

/// An error and its hint on one line (helpers' stderr is often shown as a single log line).
pub(crate) fn one_line(ctx: &Context, e: &Error) -> String {
    let mut text = e.to_string();
    if let Some(h) = e.hint(&ctx.flags()) {
        text.push_str("; ");
        text.push_str(&h);
    }
    text.replace(['\n', '\r'], " ")
}
