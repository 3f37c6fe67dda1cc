//! `figma-auth token`: the access token, and only it, on stdout (a secret, on purpose), refreshed
//! first when it expires within `--min-valid`. A failed refresh of a token that has not expired
//! yet prints it anyway, with a warning.

use super::Context;
use crate::cli::TokenArgs;
use crate::error::{exit, Error};
use crate::session::obtain;
use crate::time::short_duration;

pub fn run(ctx: &Context, args: &TokenArgs) -> Result<u8, Error> {
    ctx.warn_permissions();
    let got = obtain(ctx, args.min_valid)?;
    crate::fault::panic_point("token", || got.token.access_token.expose().to_string());
    if let Some(e) = &got.refresh_error {
        ctx.ui
            .warning(format_args!("could not refresh the access token: {e}"));
        if let Some(h) = e.hint(&ctx.flags()) {
            ctx.ui.hint(h);
        }
        ctx.ui.warning(format_args!(
            "printing the current access token; it expires in {}",
            short_duration(got.remaining())
        ));
    }
    ctx.ui
        .out(&format!("{}\n", got.token.access_token.expose()))?;
    Ok(exit::OK)
}
