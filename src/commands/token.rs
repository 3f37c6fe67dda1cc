//! `figma-auth token`: prints the access token, and only it, on stdout — one of the three
//! commands that print a secret (with `header` and `env`), because that is what it is asked for.
//! Refreshes first when the token expires within `--min-valid` (default 5 minutes). When the
//! refresh fails but the stored token has not expired yet, prints it anyway with a warning on
//! stderr.
//!
//! [`obtain`] is the shared step of the three: a lock-free read of the store when the token is
//! fresh (no network, no waiting), else [`ensure_fresh`] under the lock.

use super::refresh::{ensure_fresh, Policy};
use super::Context;
use crate::cli::TokenArgs;
use crate::error::{exit, Error};
use crate::store::{StoreError, TokenRecord};
use crate::time::{short_duration, Timestamp};
use std::io::Write;
use std::time::Duration;

pub fn run(ctx: &Context, args: &TokenArgs) -> Result<u8, Error> {
    ctx.warn_permissions();
    let got = obtain(ctx, args.min_valid)?;
    crate::fault::panic_point("token", || got.token.access_token.expose().to_string());
    if let Some(e) = &got.refresh_error {
        crate::ui::warning(format_args!("could not refresh the access token: {e}"));
        if let Some(h) = e.hint(&ctx.flags()) {
            crate::ui::hint(h);
        }
        crate::ui::warning(format_args!(
            "printing the current access token; it expires in {}",
            short_duration(got.remaining())
        ));
    }
    write_stdout(&format!("{}\n", got.token.access_token.expose()))?;
    Ok(exit::OK)
}

/// The token [`obtain`] found, and why it could not be refreshed when it should have been.
#[derive(Debug)]
pub(crate) struct Obtained {
    pub token: TokenRecord,
    /// Set when a refresh was due but failed for a reason that leaves the stored token usable
    /// (network, server, busy lock, or a rejected refresh token while the access token still
    /// works): the token has not expired yet, but soon will.
    pub refresh_error: Option<Error>,
}

impl Obtained {
    /// Time left before the token expires.
    pub fn remaining(&self) -> Duration {
        self.token
            .remaining_at(Timestamp::now())
            .unwrap_or_default()
    }
}

/// The profile's access token, valid for at least `min_valid` when possible. A fresh token is
/// read from the store without the lock (the store is replaced atomically, so the read sees a
/// whole file): no network, no lock, a few milliseconds. Otherwise [`ensure_fresh`] refreshes
/// it under the lock. Never prompts, never opens a browser.
pub(crate) fn obtain(ctx: &Context, min_valid: Duration) -> Result<Obtained, Error> {
    if let Some(token) = stored_fresh(ctx, min_valid) {
        return Ok(Obtained {
            token,
            refresh_error: None,
        });
    }
    match ensure_fresh(ctx, Policy::IfExpiringWithin(min_valid)) {
        Ok(fresh) => Ok(Obtained {
            token: fresh.token,
            refresh_error: None,
        }),
        Err(e @ (Error::OAuth(_) | Error::Store(StoreError::Busy { .. }))) => {
            let still_valid = ctx
                .store
                .load(ctx.profile())
                .ok()
                .flatten()
                .and_then(|d| d.token)
                .filter(|t| t.remaining_at(Timestamp::now()).is_some() && same_server(ctx, t));
            match still_valid {
                Some(token) => Ok(Obtained {
                    token,
                    refresh_error: Some(e),
                }),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// The stored token when it is valid for longer than `min_valid` and belongs to the asked
/// authorization server; `None` on any doubt (the locked path then decides and reports).
fn stored_fresh(ctx: &Context, min_valid: Duration) -> Option<TokenRecord> {
    let token = ctx.store.load(ctx.profile()).ok()??.token?;
    (token.fresh_for(min_valid, Timestamp::now()) && same_server(ctx, &token)).then_some(token)
}

/// An explicit `--auth-server` must be the one the token came from.
fn same_server(ctx: &Context, token: &TokenRecord) -> bool {
    ctx.global
        .auth_server
        .as_ref()
        .is_none_or(|a| crate::oauth::issuer_string(a) == token.auth_server)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub(crate) fn write_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io("cannot write to stdout".to_string(), e)),
    }
}
