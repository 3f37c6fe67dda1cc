//! `figma-auth header [--json]`: the `Authorization: Bearer …` header for clients that run a helper
//! command (Claude Code's `headersHelper`, Codex's `http_headers_helper`); a secret on stdout, on
//! purpose.

use super::Context;
use crate::cli::HeaderArgs;
use crate::error::{exit, Error};
use crate::session::obtain;
use std::time::Duration;

/// Longest wait for a refresh by another process (a client waiting on its helper should not hang
/// for the default minute).
pub(crate) const MAX_LOCK_WAIT: Duration = Duration::from_secs(30);
/// Longest wait for one HTTP request of a refresh.
pub(crate) const MAX_HTTP_WAIT: Duration = Duration::from_secs(20);

/// Run by other programs many times: a fresh token comes from the store without lock or network,
/// every failure is one line on stderr ending with its fix, and the exit code tells login (3),
/// later (4) and busy (5) apart.
pub(crate) fn run(ctx: &Context, args: &HeaderArgs) -> Result<u8, Error> {
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
    if let Some(w) = got.refresh_warning(&ctx.flags()) {
        ctx.ui.line(format_args!("figma-auth header: warning: {w}"));
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

/// `header` run in-process: what a client's helper call gets on stdout and stderr.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::{context, save_login};

    fn args(json: bool) -> HeaderArgs {
        HeaderArgs {
            json,
            min_valid: Duration::from_secs(300),
        }
    }

    #[test]
    fn a_fresh_token_is_the_header_and_nothing_else() {
        let (ctx, seen, _home) = context();
        save_login(&ctx, "figu_fresh_token_1234", Duration::from_secs(3600));
        assert_eq!(run(&ctx, &args(false)).unwrap(), exit::OK);
        assert_eq!(seen.out(), "Authorization: Bearer figu_fresh_token_1234\n");
        assert_eq!(seen.err(), "");

        let (ctx, seen, _home) = context();
        save_login(&ctx, "figu_fresh_token_1234", Duration::from_secs(3600));
        assert_eq!(run(&ctx, &args(true)).unwrap(), exit::OK);
        assert_eq!(
            seen.out(),
            "{\"Authorization\":\"Bearer figu_fresh_token_1234\"}\n"
        );
        assert_eq!(seen.err(), "");
    }

    #[test]
    fn without_a_login_one_line_names_the_fix_for_the_profile() {
        let (mut ctx, seen, _home) = context();
        ctx.global.profile = "work".into();
        assert_eq!(run(&ctx, &args(true)).unwrap(), exit::LOGIN_REQUIRED);
        assert_eq!(seen.out(), "");
        assert_eq!(
            seen.err(),
            "figma-auth header: not logged in (profile \"work\"): no credentials are stored; \
             run `figma-auth login --profile work`\n"
        );
    }

    #[test]
    fn a_token_that_cannot_be_refreshed_is_served_while_it_lasts_with_one_warning() {
        let (ctx, seen, _home) = context();
        save_login(&ctx, "figu_expiring_token_99", Duration::from_secs(120));
        assert_eq!(run(&ctx, &args(false)).unwrap(), exit::OK);
        assert_eq!(seen.out(), "Authorization: Bearer figu_expiring_token_99\n");
        let err = seen.err();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("figma-auth header: warning: the access token expires in 1m"),
            "{err}"
        );
        assert!(
            err.contains(
                "could not be refreshed: could not reach the token endpoint at http://127.0.0.1:9/token"
            ),
            "{err}"
        );
        assert!(!err.contains("figu_"), "{err}");
    }
}
