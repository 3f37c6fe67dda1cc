//! `figma-auth setup`: log in when needed, plan the figma entry for every selected client, show
//! the masked diffs and apply them (`--write`, or one confirmation on a terminal); `--mode` in
//! `modes`, the scheduled refresh offered with the same question in `schedule`.

mod modes;
mod schedule;

use super::Context;
use crate::apply::{self, Batch, Desired, Job, Verdict};
use crate::cli::SetupArgs;
use crate::clients::{self, Mode};
use crate::edit::SecretHeader;
use crate::error::{exit, Error};
use crate::secret::AccessToken;
use crate::session::{ensure_fresh, Policy};
use crate::ui::Decision;
use modes::{create_token_file, modes_for, named, repair_helpers, say_modes, with_mode};
use schedule::{ask, expiry_line, schedule_installed, schedule_state, ScheduleState};
use std::time::Duration;

/// A token that expires sooner than this is refreshed before it is written into configs.
const MIN_VALID_FOR_SETUP: Duration = Duration::from_secs(10 * 60);

/// `figma-auth setup`: updates every file that already holds the entry and creates it in the
/// chosen scope otherwise; never writes without `--write` or a confirmation. An existing entry
/// nobody manages is adopted explicitly (the preview says so); one another profile manages is
/// left alone unless `--force` moves it. `--mode` applies to the clients that have the mode and
/// the best available mode to the others (when no client is named), and says which got what.
pub(crate) fn run(ctx: &Context, args: &SetupArgs) -> Result<u8, Error> {
    let mut targets = ctx.clients(&args.configs.targets)?;
    let scope = args.scope.scope();
    // A client found by detection (or `all`) that lacks the scope is left out, and said so; one
    // named with `--target` is a usage error below.
    let mode = args.mode.unwrap_or(Mode::Inline);
    let usable = |t: &clients::Client| {
        t.scopes().contains(&scope) && t.check_scope_mode(scope, mode).is_ok()
    };
    let (kept, left_out): (Vec<_>, Vec<_>) = targets
        .into_iter()
        .partition(|t| usable(t) || named(args, t.id));
    targets = kept;
    if !left_out.is_empty() {
        let names: Vec<&str> = left_out.iter().map(|t| t.name).collect();
        ctx.ui.line(format_args!(
            "Left out: {} (no {} scope in {mode} mode).",
            names.join(", "),
            scope.as_str()
        ));
    }
    if targets.is_empty() && !left_out.is_empty() {
        return Err(Error::Refused {
            message: format!(
                "no detected MCP client has a {} scope in {mode} mode",
                scope.as_str()
            ),
            hint: Some("run `figma-auth setup` without --scope to use their user scope".into()),
        });
    }
    if targets.is_empty() {
        return Err(Error::Refused {
            message: "no MCP client config was found on this machine".into(),
            hint: Some(format!(
                "name the client to configure, e.g. `figma-auth setup --target opencode` (clients: {})",
                clients::ids().join(", ")
            )),
        });
    }
    for t in &targets {
        if !t.scopes().contains(&scope) {
            let scopes: Vec<&str> = t.scopes().iter().map(|s| s.as_str()).collect();
            return Err(Error::Usage(format!(
                "{} has no {} scope; use --scope {}",
                t.name,
                scope.as_str(),
                scopes.join(" or --scope ")
            )));
        }
        t.check_scope_mode(scope, mode).map_err(Error::Usage)?;
    }

    // A client without inline mode (Claude Desktop: proxy only) gets its own mode even when
    // none is asked for.
    let modes = match args.mode {
        Some(mode) => Some(modes_for(args, mode, &targets)?),
        None if targets.iter().any(|t| t.default_mode() != Mode::Inline) => Some(
            targets
                .iter()
                .map(|t| (t.id, t.default_mode()))
                .collect::<Vec<_>>(),
        ),
        None => None,
    };

    let configs = ctx.configs();
    let server = configs.server(args.configs.server_name(), args.force);
    let mut jobs = configs.setup_jobs(&targets, scope, &server);
    // `--keep-mode` applies to this run, and is recorded for the later refreshes of each file.
    for job in &mut jobs {
        job.keep_mode = args.keep_mode;
    }
    if modes.is_none() {
        repair_helpers(ctx, &mut jobs)?;
    }
    let hint = Some(format!(
        "fix the files named above, then run `figma-auth setup{}` again",
        ctx.flags()
    ));

    // Without a usable login, every file is checked before the browser opens, and a dry run
    // stops short of the login.
    let (token, placeholder) = match stored_token(ctx, args)? {
        Some(t) => (t, false),
        None => {
            check_before_login(ctx, args, modes.as_deref(), &jobs, hint.clone())?;
            if args.dry_run {
                // Only an inline entry holds the token; the other modes' diffs show none.
                let inline = modes
                    .as_deref()
                    .is_none_or(|ms| ms.iter().any(|(_, m)| *m == Mode::Inline));
                let (shown, then) = if inline {
                    (", so the diffs show a placeholder token", "the real one")
                } else {
                    ("", "these changes")
                };
                ctx.ui.line(format_args!(
                    "A login is needed first; a dry run does not log in{shown} \
                     (`figma-auth setup{}` logs in, then writes {then}).",
                    ctx.flags()
                ));
                (AccessToken::new(PLACEHOLDER_TOKEN), true)
            } else {
                (log_in(ctx, args)?, false)
            }
        }
    };
    let desired = Desired::header(SecretHeader::bearer(&token));
    if let Some(modes) = &modes {
        say_modes(ctx, args, modes);
        if modes.iter().any(|(_, m)| *m == Mode::File) && !args.dry_run {
            create_token_file(ctx)?;
        }
        with_mode(ctx, args, modes, &token, &mut jobs)?;
    }
    let names_binary = jobs
        .iter()
        .any(|j| j.mode == Mode::Helper && j.desired.is_some());
    if let (true, false, Ok(exe)) = (names_binary, args.json, ctx.exe())
        && let Some(note) = crate::binary::note(&exe)
    {
        ctx.ui.line(format_args!("note: {note}."));
    }
    let preview_opts = options(ctx, args, &desired, false);
    let preview = apply::run(&configs, &jobs, &preview_opts);
    if !args.json {
        preview.print_all(&ctx.env, &mut ctx.ui.stdout());
    }
    let pending = preview.files(Verdict::is_pending);
    // Inline tokens (and file mode's token file) die when they expire unless refreshed.
    let expiring = !placeholder
        && modes.as_ref().is_none_or(|ms| {
            ms.iter()
                .any(|(_, m)| matches!(m, Mode::Inline | Mode::File))
        });
    let schedule = if expiring && (!args.json || args.schedule) {
        schedule_state(ctx, args)?
    } else {
        ScheduleState::NotNeeded
    };
    let decision = if args.json && !args.write && !args.dry_run {
        Decision::PreviewOnly
    } else {
        ctx.ui.decide(args.write, args.dry_run)
    };
    // The schedule is part of the one confirmation when the user can be asked, and of --write
    // only with --schedule.
    let offered: Option<&crate::schedule::Prepared> = match &schedule {
        ScheduleState::Offer(p) if args.schedule || (decision == Decision::Ask && pending > 0) => {
            Some(p)
        }
        _ => None,
    };
    if let (Some(prepared), false) = (offered, args.json) {
        ctx.ui.print(&format!(
            "Scheduled refresh (profile {}): {}\n{}",
            ctx.profile(),
            prepared.headline(),
            prepared.summary(ctx)
        ));
    }

    if pending == 0 {
        if !placeholder {
            configs.record_setup(&jobs, &preview)?;
        }
        let installed = match offered {
            Some(prepared) => {
                let yes = match decision {
                    Decision::Write => true,
                    Decision::Ask => ctx
                        .ui
                        .confirm("Install the scheduled refresh?")
                        .map_err(|_| cancelled())?,
                    Decision::DryRun | Decision::PreviewOnly => false,
                };
                if yes {
                    prepared.apply(ctx)?;
                }
                yes
            }
            None => false,
        };
        print_json(ctx, args, &preview, false, installed)?;
        if let Some(e) = preview.error(hint) {
            return Err(e);
        }
        ctx.ui.line(format_args!(
            "Nothing to change: every config already holds the current token."
        ));
        if installed {
            schedule_installed(ctx, offered);
        } else if expiring {
            expiry_line(ctx, &preview, &schedule);
        }
        return Ok(exit::OK);
    }

    let (write_files, install) = match decision {
        Decision::DryRun => {
            ctx.ui.line(format_args!("Dry run: nothing was written."));
            (false, false)
        }
        Decision::Write => (true, offered.is_some()),
        Decision::PreviewOnly => {
            ctx.ui.line(format_args!(
                "Nothing was written. To apply these changes, run the same command with --write."
            ));
            (false, false)
        }
        Decision::Ask => ask(ctx, pending, offered.is_some())?,
    };
    if !write_files {
        print_json(ctx, args, &preview, false, false)?;
        return match preview.error(hint) {
            Some(e) => Err(e),
            None => Ok(exit::OK),
        };
    }

    let to_write: Vec<usize> = (0..jobs.len())
        .filter(|&i| preview.results[i].1.is_pending())
        .collect();
    let write_jobs: Vec<Job> = to_write.iter().map(|&i| jobs[i].clone()).collect();
    if decision == Decision::Write && !args.json {
        ctx.ui.line("");
    }
    let written = apply::run(&configs, &write_jobs, &options(ctx, args, &desired, true));
    if !args.json {
        // After a confirmation the preview already named each file: only problems are listed.
        let only_problems = decision == Decision::Ask;
        written.print(&ctx.env, &mut ctx.ui.stdout(), |v| {
            !only_problems || !v.holds()
        });
    }
    let mut all = preview;
    for (&i, (_, v)) in to_write.iter().zip(written.results) {
        all.results[i].1 = v;
    }
    configs.record_setup(&jobs, &all)?;
    let installed = match (install, offered) {
        (true, Some(prepared)) => {
            prepared.apply(ctx)?;
            true
        }
        _ => false,
    };
    print_json(ctx, args, &all, true, installed)?;
    let changed = all.count(Verdict::is_written);
    if changed > 0 && !args.json {
        files_updated(ctx, &all);
    }
    if installed {
        schedule_installed(ctx, offered);
    } else if expiring && !args.json {
        expiry_line(ctx, &all, &schedule);
    }
    match all.error(hint) {
        Some(e) => Err(e),
        None => Ok(exit::OK),
    }
}

/// Stands for the token in a dry run without a login: token-shaped, so every editor accepts it.
const PLACEHOLDER_TOKEN: &str = "figu_placeholder_login_first";

pub(super) fn cancelled() -> Error {
    Error::Cancelled("Cancelled; nothing was written.".to_string())
}

/// `✓ N files updated`, with what running clients need to pick the token up.
fn files_updated(ctx: &Context, batch: &Batch) {
    let n = batch.files(Verdict::is_written);
    let files = if n == 1 { "file" } else { "files" };
    let written = batch.written_clients();
    match written.as_slice() {
        [one] => {
            let reload = clients::by_id(one)
                .map(|t| format!(" ({}: {})", t.name, t.reload_hint))
                .unwrap_or_default();
            ctx.ui.success(format_args!("{n} {files} updated{reload}"));
        }
        _ => {
            ctx.ui.success(format_args!("{n} {files} updated"));
            ctx.ui.text(&apply::reload_hints(&written));
        }
    }
}

/// The batch options of this run: previewed, or written with `write`.
fn options<'a>(
    ctx: &Context,
    args: &SetupArgs,
    desired: &'a Desired,
    write: bool,
) -> apply::Options<'a> {
    apply::Options {
        desired,
        write,
        allow_tracked: args.allow_tracked,
        report_missing: false,
        show_secrets: args.configs.show_secrets,
        color: apply::Color::when(ctx.ui.out_color()),
        keep_mode: args.keep_mode,
    }
}

/// Parses and plans every file with a placeholder token before a login: a file that cannot be
/// updated stops setup before the user is sent to the browser.
fn check_before_login(
    ctx: &Context,
    args: &SetupArgs,
    modes: Option<&[(&'static str, Mode)]>,
    jobs: &[Job],
    hint: Option<String>,
) -> Result<(), Error> {
    let token = AccessToken::new(PLACEHOLDER_TOKEN);
    let mut jobs = jobs.to_vec();
    if let Some(modes) = modes {
        with_mode(ctx, args, modes, &token, &mut jobs)?;
    }
    let desired = Desired::header(SecretHeader::bearer(&token));
    let check = apply::run(&ctx.configs(), &jobs, &options(ctx, args, &desired, false));
    if check.failed() == 0 {
        return Ok(());
    }
    check.print_failures(&ctx.env, &mut ctx.ui.stdout());
    Err(Error::Refused {
        message: format!(
            "{} of {} config files cannot be updated, so setup stopped before logging in",
            check.files(Verdict::is_failed),
            check.files(|_| true)
        ),
        hint,
    })
}

/// With `--json`, the per-file outcome as one object on stdout.
fn print_json(
    ctx: &Context,
    args: &SetupArgs,
    batch: &Batch,
    written: bool,
    schedule_installed: bool,
) -> Result<(), Error> {
    if !args.json {
        return Ok(());
    }
    let mut v = batch.json(&ctx.env);
    v["profile"] = ctx.profile().into();
    v["write"] = written.into();
    v["schedule_installed"] = schedule_installed.into();
    let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
    text.push('\n');
    ctx.ui.out(&text)
}

/// The stored access token when it is usable (refreshed first when it expires soon); `None` when
/// a login is needed.
fn stored_token(ctx: &Context, args: &SetupArgs) -> Result<Option<AccessToken>, Error> {
    if args.relogin {
        return Ok(None);
    }
    match ensure_fresh(ctx, Policy::IfExpiringWithin(MIN_VALID_FOR_SETUP)) {
        Ok(fresh) => {
            if let Some(a) = &fresh.token.account {
                ctx.ui.line(format_args!(
                    "Logged in as {} (profile {}).",
                    a.label(),
                    ctx.profile()
                ));
            }
            Ok(Some(fresh.token.access_token))
        }
        Err(e) if e.exit_code() == exit::LOGIN_REQUIRED => {
            if !args.dry_run {
                match &e {
                    Error::LoginRequired { reason, .. } if !reason.is_empty() => {
                        ctx.ui.line(format_args!("Logging in first: {reason}."))
                    }
                    _ => ctx.ui.line(format_args!("Logging in first: {e}.")),
                }
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The browser login, then the token it stored.
fn log_in(ctx: &Context, args: &SetupArgs) -> Result<AccessToken, Error> {
    let code = crate::authorize::perform(ctx, &args.login, false)?;
    if code != exit::OK {
        return Err(Error::Refused {
            message: "the login did not complete".into(),
            hint: None,
        });
    }
    Ok(ensure_fresh(ctx, Policy::IfExpiringWithin(Duration::ZERO))?
        .token
        .access_token)
}
