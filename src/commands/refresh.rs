//! `figma-auth refresh`: the token step ([`crate::session::ensure_fresh`]), then the entries this
//! profile manages (the ones `setup` recorded) brought up to date with the stored token: a preview,
//! or with `--write` a write under the profile's lock.

use super::Context;
use crate::apply::{self, Verdict};
use crate::cli::RefreshArgs;
use crate::error::{exit, Error};
use crate::session::{ensure_fresh, Fresh, Policy};
use crate::time::Timestamp;

/// `figma-auth refresh`.
pub(crate) fn run(ctx: &Context, args: &RefreshArgs) -> Result<u8, Error> {
    let mut summary = String::new();
    let result = run_logged(ctx, args, &mut summary);
    if args.log {
        let code = match &result {
            Ok(c) => *c,
            Err(e) => e.exit_code(),
        };
        if let Err(e) = &result {
            summary = format!("error: {}", crate::error::chain(e));
        }
        let line = crate::schedule::format_run_log_line(
            std::time::SystemTime::now(),
            ctx.profile(),
            code.into(),
            &summary,
        );
        if let Err(e) = crate::schedule::append_run_log(&ctx.env.app_state_dir(), &line) {
            ctx.ui
                .warning(format_args!("could not append to the run log: {e}"));
        }
        // A scheduled run: one line per config file (above), then this one summary line.
        return match result {
            Ok(code) => {
                ctx.ui.line(format_args!("{summary}"));
                Ok(code)
            }
            Err(e) => {
                ctx.ui.error(crate::error::chain(&e));
                Err(Error::Reported(e.exit_code()))
            }
        };
    }
    result
}

fn run_logged(ctx: &Context, args: &RefreshArgs, summary: &mut String) -> Result<u8, Error> {
    ctx.secure_store();
    let policy = if args.force {
        Policy::Force
    } else {
        Policy::IfExpiringWithin(args.min_valid)
    };
    let fresh = ensure_fresh(ctx, policy)?;
    let now = Timestamp::now();
    let when = format!(
        "{} ({})",
        fresh.token.expires_at.rfc3339(),
        fresh.token.expires_at.relative_to(now)
    );
    if args.log {
        // The summary line at the end says it.
    } else if fresh.refreshed {
        ctx.ui.line(format_args!(
            "Refreshed the access token (profile {}); it expires {when}.",
            ctx.profile()
        ));
    } else {
        ctx.ui.line(format_args!(
            "The access token is still valid (profile {}) and expires {when}; not refreshed (use --force to refresh anyway).",
            ctx.profile()
        ));
    }
    let (code, configs) = update_configs(ctx, args, &fresh)?;
    *summary = format!(
        "token {}, expires {}; {configs}",
        if fresh.refreshed {
            "refreshed"
        } else {
            "still valid"
        },
        fresh.token.expires_at.relative_to(now)
    );
    Ok(code)
}

/// The config step of `refresh`: the entries this profile manages get the token the store holds
/// — previewed as a diff, or written with `--write` (under the store lock,
/// [`apply::Configs::update_managed`]).
/// Files already current are not touched (no write, no mtime change).
fn update_configs(ctx: &Context, args: &RefreshArgs, fresh: &Fresh) -> Result<(u8, String), Error> {
    let clients = match args.configs.targets.as_slice() {
        [] => None,
        names => Some(ctx.clients(names)?),
    };
    let batch = ctx.configs().update_managed(&apply::Update {
        clients: clients.as_deref(),
        server_name: args.configs.server_name.as_deref(),
        write: args.write,
        allow_tracked: args.allow_tracked,
        keep_mode: args.keep_mode,
        show_secrets: args.configs.show_secrets,
        color: apply::Color::when(ctx.ui.out_color()),
    })?;
    if !args.json {
        batch.print_all(&ctx.env, &mut ctx.ui.stdout());
    }
    if args.json {
        let mut v = batch.json(&ctx.env);
        v["profile"] = ctx.profile().into();
        v["write"] = args.write.into();
        v["token"] = serde_json::json!({
            "refreshed": fresh.refreshed,
            "expires_at": fresh.token.expires_at.rfc3339(),
        });
        let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
        text.push('\n');
        ctx.ui.out(&text)?;
    }
    let pending = batch.files(Verdict::is_pending);
    if !args.write && pending > 0 {
        let (files, hold) = if pending == 1 {
            ("file", "holds")
        } else {
            ("files", "hold")
        };
        if fresh.refreshed {
            ctx.ui.line(format_args!(
                "The access token was renewed, but no config was written: the {pending} {files} above still {hold} the previous token, which works until it expires. To update them, run `figma-auth refresh --write{}`.",
                ctx.flags()
            ));
        } else {
            ctx.ui.line(format_args!(
                "Nothing was written. To apply, run `figma-auth refresh --write{}`.",
                ctx.flags()
            ));
        }
    }
    if batch.results.is_empty() && !args.json && ctx.ui.stderr_tty {
        ctx.ui.line(format_args!(
            "Profile {} manages no client config: `figma-auth setup{}` configures your clients (entries set up by hand are left alone; `figma-auth status` lists them).",
            ctx.profile(),
            ctx.flags()
        ));
    }
    if !args.log {
        ctx.ui.text(&apply::reload_hints(&batch.written_clients()));
    }
    match batch.error(Some(format!(
        "fix the files named above, then run `figma-auth refresh --write{}` again",
        ctx.flags()
    ))) {
        Some(e) => Err(e),
        None => Ok((
            exit::OK,
            format!(
                "configs: {} updated, {} current, {} pending",
                batch.count(Verdict::is_written),
                batch.count(Verdict::is_current),
                batch.count(Verdict::is_pending),
            ),
        )),
    }
}
