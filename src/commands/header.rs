//! `figma-auth header [--json]`: the `Authorization: Bearer …` header (or `{"Authorization": …}`)
//! for clients that run a helper command (Claude Code's `headersHelper`, Codex's
//! `http_headers_helper`); a secret on stdout, on purpose. Run by other programs many times:
//! a fresh token comes from the store without lock or network, every failure is one line on
//! stderr ending with its fix, and the exit code tells login (3), later (4) and busy (5) apart.

use super::Context;
use crate::cli::HeaderArgs;
use crate::error::{exit, Error};
use crate::session::obtain;
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
            ctx.ui.line(format_args!(
                "figma-auth header: {}",
                crate::error::one_line(&e, &ctx.flags())
            ));
            return Ok(e.exit_code());
        }
    };
    crate::fault::panic_point("header", || got.token.access_token.expose().to_string());
    if let Some(e) = &got.refresh_error {
        ctx.ui.line(format_args!(
            "figma-auth header: warning: the access token expires in {} and could not be refreshed: {}",
            short_duration(got.remaining()),
            crate::error::one_line(e, &ctx.flags())
        ));
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
    ctx.ui.out(&text)?;
    Ok(exit::OK)
}
