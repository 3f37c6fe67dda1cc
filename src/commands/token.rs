//! `figma-auth token`: prints the access token, and only it, on stdout — the one command that
//! prints a secret, because that is what it is asked for. Refreshes first when the token expires
//! within `--min-valid` (default 5 minutes). When the refresh fails but the stored token has
//! not expired yet, prints it anyway with a warning on stderr.

use super::refresh::{ensure_fresh, Policy};
use super::Context;
use crate::cli::TokenArgs;
use crate::error::{exit, Error};
use crate::time::{short_duration, Timestamp};
use std::io::Write;

pub fn run(ctx: &Context, args: &TokenArgs) -> Result<u8, Error> {
    ctx.warn_permissions();
    let token = match ensure_fresh(ctx, Policy::IfExpiringWithin(args.min_valid)) {
        Ok(fresh) => fresh.token,
        Err(e @ (Error::OAuth(_) | Error::Store(crate::store::StoreError::Busy { .. }))) => {
            let still_valid = ctx
                .store
                .load(ctx.profile())
                .ok()
                .flatten()
                .and_then(|d| d.token)
                .filter(|t| t.remaining_at(Timestamp::now()).is_some());
            let Some(t) = still_valid else {
                return Err(e);
            };
            eprintln!("warning: could not refresh the access token: {e}");
            if let Some(h) = e.hint(&ctx.flags()) {
                eprintln!("hint: {h}");
            }
            eprintln!(
                "warning: printing the current access token; it expires in {}",
                short_duration(t.remaining_at(Timestamp::now()).unwrap_or_default())
            );
            t
        }
        Err(e) => return Err(e),
    };
    write_stdout(&format!("{}\n", token.access_token.expose()))?;
    Ok(exit::OK)
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
