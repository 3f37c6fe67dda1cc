//! `figma-auth token`: the access token, and only it, on stdout (a secret, on purpose), refreshed
//! first when it expires within `--min-valid`. A failed refresh of a token that has not expired
//! yet prints it anyway, with a warning.

use super::Context;
use crate::cli::TokenArgs;
use crate::error::{exit, Error};
use crate::session::obtain;
use crate::time::short_duration;

pub(crate) fn run(ctx: &Context, args: &TokenArgs) -> Result<u8, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::{context, save_login};
    use std::time::Duration;

    #[test]
    fn the_token_and_only_it_goes_to_stdout() {
        let (ctx, seen, _home) = context();
        save_login(&ctx, "figu_token_command_77", Duration::from_secs(3600));
        let args = TokenArgs {
            min_valid: Duration::from_secs(300),
        };
        assert_eq!(run(&ctx, &args).unwrap(), exit::OK);
        assert_eq!(seen.out(), "figu_token_command_77\n");
        assert_eq!(seen.err(), "");
    }

    #[test]
    fn a_failed_refresh_warns_with_its_hint_and_still_prints_the_token() {
        let (ctx, seen, _home) = context();
        save_login(&ctx, "figu_token_command_78", Duration::from_secs(120));
        let args = TokenArgs {
            min_valid: Duration::from_secs(300),
        };
        assert_eq!(run(&ctx, &args).unwrap(), exit::OK);
        assert_eq!(seen.out(), "figu_token_command_78\n");
        let err = seen.err();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(
            lines[0].starts_with("warning: could not refresh the access token: could not reach"),
            "{err}"
        );
        assert!(
            lines[1].starts_with("hint: check the network connection"),
            "{err}"
        );
        assert!(
            lines[2].starts_with("warning: printing the current access token; it expires in 1m"),
            "{err}"
        );
    }
}
