//! `figma-auth setup`: log in when no valid credentials are stored, then plan the figma server
//! entry for every selected client (updating every file that already holds it, creating it in the
//! chosen scope otherwise), show the masked diffs, and apply them — with `--write`, or after one
//! confirmation on a terminal; never without either.

use super::patching::{self, Job, Run, Status};
use super::refresh::{ensure_fresh, Policy};
use super::{login, Context};
use crate::cli::SetupArgs;
use crate::configs;
use crate::edit::{HeaderChange, SecretHeader};
use crate::error::{exit, Error};
use crate::secret::AccessToken;
use crate::targets::{AuthContext, ConfigFile, Mode, Scope, Target};
use crate::ui::Decision;
use std::time::Duration;

/// A token that expires sooner than this is refreshed before it is written into configs.
const MIN_VALID_FOR_SETUP: Duration = Duration::from_secs(10 * 60);

pub fn run(ctx: &Context, args: &SetupArgs) -> Result<u8, Error> {
    let targets = patching::select(ctx, &args.configs.targets)?;
    if targets.is_empty() {
        return Err(Error::Refused {
            message: "no MCP client config was found on this machine".into(),
            hint: Some(format!(
                "name the client to configure, e.g. `figma-auth setup --target opencode` (clients: {})",
                configs::target_ids().join(", ")
            )),
        });
    }
    let scope = args.scope.scope();
    for t in &targets {
        if !t.scopes().contains(&scope) {
            let scopes: Vec<&str> = t.scopes().iter().map(|s| s.as_str()).collect();
            return Err(Error::Usage(format!(
                "{} has no {} scope; use --scope {}",
                t.display_name(),
                scope.as_str(),
                scopes.join(" or --scope ")
            )));
        }
    }

    if let Some(mode) = args.mode {
        for t in &targets {
            crate::targets::check_mode(*t, mode).map_err(|e| Error::Usage(e.to_string()))?;
        }
    }

    let server = patching::server(ctx, &args.configs.server_name, args.force);
    let mut jobs = plan_jobs(ctx, &targets, scope, &server);
    let opts = patching::options(ctx, args.configs.show_secrets);
    let hint = Some(format!(
        "fix the files named above, then run `figma-auth setup{}` again",
        ctx.flags()
    ));

    // Without a usable login, every file is checked before the browser opens, and a dry run
    // stops short of the login.
    let (token, placeholder) = match stored_token(ctx, args)? {
        Some(t) => (t, false),
        None => {
            check_before_login(ctx, args, &jobs, &server, &opts, hint.clone())?;
            if args.dry_run {
                eprintln!(
                    "A login is needed first; a dry run does not log in, so the diffs show a \
                     placeholder token (`figma-auth setup{}` logs in, then writes the real one).",
                    ctx.flags()
                );
                (AccessToken::new(PLACEHOLDER_TOKEN), true)
            } else {
                (log_in(ctx, args)?, false)
            }
        }
    };
    let change = HeaderChange::Set(SecretHeader::bearer(&token));
    if let Some(mode) = args.mode {
        if mode == Mode::File && !args.dry_run {
            create_token_file(ctx)?;
        }
        with_mode(ctx, args, mode, &token, &mut jobs)?;
    }
    let preview_run = Run {
        server: &server,
        change: &change,
        write: false,
        carries_secret: true,
        allow_tracked: args.allow_tracked,
        report_missing: false,
        quiet: args.json,
        opts: &opts,
    };
    let preview = patching::run_batch(ctx, &jobs, &preview_run);
    let pending = preview.count(|s| *s == Status::WouldChange);
    let mode = args.mode.unwrap_or(Mode::Inline);
    // Inline tokens (and file mode's token file) die when they expire unless refreshed.
    let expiring = !placeholder && matches!(mode, Mode::Inline | Mode::File);
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
    let offered: Option<(
        &crate::schedule::Prepared,
        &crate::schedule::ScheduleContext,
    )> = match &schedule {
        ScheduleState::Offer(p, sctx)
            if args.schedule || (decision == Decision::Ask && pending > 0) =>
        {
            Some((p, sctx))
        }
        _ => None,
    };
    if let (Some((prepared, sctx)), false) = (offered, args.json) {
        patching::print_stdout(&format!(
            "Scheduled refresh (profile {}): {}\n{}",
            ctx.profile(),
            prepared.headline(),
            prepared.summary(sctx)
        ));
    }

    if pending == 0 {
        if !placeholder {
            record(ctx, &preview, &args.configs.server_name, mode)?;
        }
        let installed = match offered {
            Some((prepared, sctx)) => {
                let yes = match decision {
                    Decision::Write => true,
                    Decision::Ask => ctx
                        .ui
                        .confirm("Install the scheduled refresh?")
                        .map_err(|_| cancelled())?,
                    Decision::DryRun | Decision::PreviewOnly => false,
                };
                if yes {
                    crate::schedule::apply_install(prepared, sctx)?;
                }
                yes
            }
            None => false,
        };
        print_json(ctx, args, &preview, false, installed)?;
        if let Some(e) = preview.error(hint) {
            return Err(e);
        }
        eprintln!("Nothing to change: every config already holds the current token.");
        if installed {
            schedule_installed(offered.map(|o| o.0));
        } else if expiring {
            expiry_line(ctx, &preview, &schedule);
        }
        return Ok(exit::OK);
    }

    let (write_files, install) = match decision {
        Decision::DryRun => {
            eprintln!("Dry run: nothing was written.");
            (false, false)
        }
        Decision::Write => (true, offered.is_some()),
        Decision::PreviewOnly => {
            eprintln!(
                "Nothing was written. To apply these changes, run the same command with --write."
            );
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

    let to_write: Vec<Job> = jobs
        .iter()
        .zip(&preview.results)
        .filter(|(_, (_, s))| *s == Status::WouldChange)
        .map(|(j, _)| j.clone())
        .collect();
    let write_run = Run {
        write: true,
        // After a confirmation the preview already named each file: only failures are listed.
        quiet: args.json,
        ..preview_run
    };
    if decision == Decision::Write && !args.json {
        eprintln!();
    }
    let written =
        patching::run_batch_reporting(ctx, &to_write, &write_run, decision == Decision::Ask);
    let mut all = preview;
    for ((f, s), rec) in written.results.into_iter().zip(written.records) {
        if let Some(i) = all.results.iter().position(|(g, _)| *g == f) {
            all.results[i].1 = s;
            all.records[i] = rec;
        }
    }
    record(ctx, &all, &args.configs.server_name, mode)?;
    let installed = match (install, offered) {
        (true, Some((prepared, sctx))) => {
            crate::schedule::apply_install(prepared, sctx)?;
            true
        }
        _ => false,
    };
    print_json(ctx, args, &all, true, installed)?;
    let changed = all.count(|s| *s == Status::Changed);
    if changed > 0 && !args.json {
        files_updated(&all);
    }
    if installed {
        schedule_installed(offered.map(|o| o.0));
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

fn cancelled() -> Error {
    Error::Cancelled("Cancelled; nothing was written.".to_string())
}

/// Where the scheduled refresh stands for this run.
enum ScheduleState {
    /// Not asked about (no inline token involved).
    NotNeeded,
    /// The profile already has a schedule (`schedule status` looks after it).
    Installed,
    /// It can be installed with this plan.
    Offer(
        Box<crate::schedule::Prepared>,
        Box<crate::schedule::ScheduleContext>,
    ),
    /// No scheduler can run it; the text says why.
    Unavailable(String),
}

/// Whether a scheduled refresh exists or can be offered. With `--schedule`, a schedule that
/// cannot be installed stops setup before anything is written.
fn schedule_state(ctx: &Context, args: &SetupArgs) -> Result<ScheduleState, Error> {
    let sctx = super::schedule_context(ctx)?;
    if !args.schedule {
        let installed = crate::schedule::status_report(&sctx, None)
            .map(|r| !r.installed.is_empty())
            .unwrap_or(false);
        if installed {
            return Ok(ScheduleState::Installed);
        }
    }
    match crate::schedule::prepare_install(&sctx, args.every, None) {
        Ok(p) if p.plan.is_empty() => Ok(ScheduleState::Installed),
        Ok(p) => Ok(ScheduleState::Offer(Box::new(p), Box::new(sctx))),
        Err(e) if args.schedule => Err(e.into()),
        Err(e) => Ok(ScheduleState::Unavailable(e.to_string())),
    }
}

/// The one question: the files, and the schedule when it is offered (`f`: the files only).
/// Returns (write the files, install the schedule).
fn ask(ctx: &Context, pending: usize, schedule: bool) -> Result<(bool, bool), Error> {
    let files = if pending == 1 { "file" } else { "files" };
    let answer = if schedule {
        ctx.ui.ask(&format!(
            "Write these changes to {pending} {files} and install the scheduled refresh? \
             [y/N, f = files only] "
        ))
    } else {
        ctx.ui
            .ask(&format!("Write these changes to {pending} {files}? [y/N] "))
    }
    .map_err(|_| cancelled())?;
    let result = match answer.as_str() {
        "y" | "yes" => (true, schedule),
        "f" | "files" if schedule => (true, false),
        _ => (false, false),
    };
    if !result.0 {
        eprintln!("Nothing was written.");
    }
    Ok(result)
}

/// `✓ N files updated`, with what running clients need to pick the token up.
fn files_updated(batch: &patching::Batch) {
    let mut paths: Vec<&std::path::Path> = batch
        .results
        .iter()
        .filter(|(_, s)| *s == Status::Changed)
        .map(|(f, _)| f.path.as_path())
        .collect();
    paths.dedup();
    let n = paths.len();
    let files = if n == 1 { "file" } else { "files" };
    let written = batch.written_targets();
    match written.as_slice() {
        [one] => {
            let reload = crate::targets::by_id(one)
                .map(|t| format!(" ({}: {})", t.display_name(), t.reload_hint()))
                .unwrap_or_default();
            crate::ui::success(format_args!("{n} {files} updated{reload}"));
        }
        _ => {
            crate::ui::success(format_args!("{n} {files} updated"));
            patching::print_reload_hints(&written);
        }
    }
}

fn schedule_installed(prepared: Option<&crate::schedule::Prepared>) {
    if let Some(p) = prepared {
        crate::ui::success(format_args!(
            "Scheduled refresh installed: {} (`figma-auth schedule status` shows its runs)",
            p.headline()
        ));
    }
}

/// The last line of a setup that leaves inline tokens without a schedule: when they expire and
/// the command that keeps them fresh.
fn expiry_line(ctx: &Context, batch: &patching::Batch, schedule: &ScheduleState) {
    let holds = batch
        .results
        .iter()
        .any(|(_, s)| matches!(s, Status::Changed | Status::Current));
    if !holds || matches!(schedule, ScheduleState::Installed) {
        return;
    }
    let Some(token) = ctx
        .store
        .load(ctx.profile())
        .ok()
        .flatten()
        .and_then(|d| d.token)
    else {
        return;
    };
    let when = format!(
        "{} ({})",
        token.expires_at.rfc3339(),
        token.expires_at.relative_to(crate::time::Timestamp::now())
    );
    let keep = match schedule {
        ScheduleState::Unavailable(why) => format!(
            "no scheduler can run the refresh here ({why}), so run `figma-auth refresh --write{}` \
             before then",
            ctx.flags()
        ),
        _ => format!(
            "`figma-auth schedule install --write{}` keeps it fresh",
            ctx.flags()
        ),
    };
    crate::ui::note(format_args!(
        "the token in the configs expires {when}; {keep}."
    ));
}

/// Parses and plans every file with a placeholder token before a login: a file that cannot be
/// updated stops setup before the user is sent to the browser.
fn check_before_login(
    ctx: &Context,
    args: &SetupArgs,
    jobs: &[Job],
    server: &crate::targets::Server,
    opts: &configs::Options,
    hint: Option<String>,
) -> Result<(), Error> {
    let token = AccessToken::new(PLACEHOLDER_TOKEN);
    let mut jobs = jobs.to_vec();
    if let Some(mode) = args.mode {
        with_mode(ctx, args, mode, &token, &mut jobs)?;
    }
    let change = HeaderChange::Set(SecretHeader::bearer(&token));
    let check = patching::run_batch(
        ctx,
        &jobs,
        &Run {
            server,
            change: &change,
            write: false,
            carries_secret: true,
            allow_tracked: args.allow_tracked,
            report_missing: false,
            quiet: true,
            opts,
        },
    );
    if check.failed() == 0 {
        return Ok(());
    }
    patching::print_failures(ctx, &check);
    Err(Error::Refused {
        message: format!(
            "{} of {} config files cannot be updated, so setup stopped before logging in",
            check.failed(),
            check.results.len()
        ),
        hint,
    })
}

/// With `--json`, the per-file outcome as one object on stdout.
fn print_json(
    ctx: &Context,
    args: &SetupArgs,
    batch: &patching::Batch,
    written: bool,
    schedule_installed: bool,
) -> Result<(), Error> {
    if !args.json {
        return Ok(());
    }
    let mut v = patching::batch_json(ctx, batch);
    v["profile"] = ctx.profile().into();
    v["write"] = written.into();
    v["schedule_installed"] = schedule_installed.into();
    let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
    text.push('\n');
    super::token::write_stdout(&text)
}

/// The token file of file mode, written from the stored token.
fn create_token_file(ctx: &Context) -> Result<(), Error> {
    let record = ctx
        .store
        .load(ctx.profile())?
        .and_then(|d| d.token)
        .ok_or_else(|| super::refresh::login_required(ctx, "no tokens are stored"))?;
    super::token_file::create_token_file(ctx, &record)?;
    Ok(())
}

/// Gives every job the credentials mechanism of `mode` (an explicit `--mode`: entries in another
/// mode are switched).
fn with_mode(
    ctx: &Context,
    args: &SetupArgs,
    mode: Mode,
    token: &AccessToken,
    jobs: &mut [Job],
) -> Result<(), Error> {
    let helper_command = helper_command(ctx)?;
    let token_file = ctx.store.token_file_path(ctx.profile());
    let actx = AuthContext {
        token: Some(token),
        helper_command: Some(&helper_command),
        token_file: Some(&token_file),
        env_var: &args.env_var,
    };
    for job in jobs.iter_mut() {
        job.auth = Some(
            job.file
                .auth(mode, &actx)
                .map_err(|e| Error::Usage(e.to_string()))?,
        );
        job.mode = mode;
    }
    Ok(())
}

/// The command a client runs in helper mode: this binary's absolute path, shell-quoted (clients
/// run it through a shell), `header --json`, and the profile when it is not the default.
fn helper_command(ctx: &Context) -> Result<String, Error> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::Io("cannot find the path of the figma-auth binary".into(), e))?;
    let exe = exe.to_string_lossy();
    let exe = exe.strip_suffix(" (deleted)").unwrap_or(&exe);
    let mut cmd = format!("{} header --json", crate::schedule::quote::sh_quote(exe));
    if ctx.profile() != "default" {
        cmd.push_str(&format!(
            " --profile {}",
            crate::schedule::quote::sh_quote(ctx.profile())
        ));
    }
    Ok(cmd)
}

/// The stored access token when it is usable (refreshed first when it expires soon); `None` when
/// a login is needed.
fn stored_token(ctx: &Context, args: &SetupArgs) -> Result<Option<AccessToken>, Error> {
    if args.relogin {
        return Ok(None);
    }
    match ensure_fresh(ctx, Policy::IfExpiringWithin(MIN_VALID_FOR_SETUP)) {
        Ok(fresh) => Ok(Some(fresh.token.access_token)),
        Err(e) if e.exit_code() == exit::LOGIN_REQUIRED => {
            if !args.dry_run {
                eprintln!("{e}: logging in first.");
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The browser login, then the token it stored.
fn log_in(ctx: &Context, args: &SetupArgs) -> Result<AccessToken, Error> {
    let code = login::perform(ctx, &args.login, false)?;
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

/// Every existing file of each client that holds our entry (so none keeps a stale token), and,
/// for a client none of whose `scope` files holds it, the file to create it in: the last
/// existing file of that scope (the one the client reads last), else the client's default.
fn plan_jobs(
    ctx: &Context,
    targets: &[&'static dyn Target],
    scope: Scope,
    server: &crate::targets::Server,
) -> Vec<Job> {
    let env = &ctx.env;
    let mut jobs: Vec<Job> = Vec::new();
    for t in targets {
        let existing = configs::existing_files(env, &[*t]);
        let mut holds_in_scope = false;
        for f in existing {
            let status = configs::status_of(&f, server, None);
            if matches!(status, configs::EntryStatus::NoEntry) {
                continue;
            }
            if f.scope == scope && !matches!(status, configs::EntryStatus::Unreadable(_)) {
                holds_in_scope = true;
            }
            push(&mut jobs, f, false);
        }
        if holds_in_scope {
            continue;
        }
        let in_scope = t.files(env, scope);
        let target_file = in_scope
            .iter()
            .rev()
            .find(|f| f.exists())
            .cloned()
            .or_else(|| t.default_file(env, scope));
        if let Some(f) = target_file {
            push(&mut jobs, f, true);
        }
    }
    jobs
}

fn push(jobs: &mut Vec<Job>, file: ConfigFile, create: bool) {
    match jobs.iter_mut().find(|j| j.file == file) {
        Some(j) => j.create |= create,
        None => jobs.push(Job {
            file,
            create,
            auth: None,
            mode: Mode::Inline,
        }),
    }
}

/// Records every file that now holds our entry, for later unattended refreshes.
fn record(
    ctx: &Context,
    batch: &patching::Batch,
    server_name: &str,
    mode: Mode,
) -> Result<(), Error> {
    let records: Vec<_> = batch
        .results
        .iter()
        .filter(|(_, s)| matches!(s, Status::Changed | Status::Current))
        .map(|(f, _)| patching::managed(f, server_name, mode.as_str()))
        .collect();
    patching::remember(ctx, &records)
}
