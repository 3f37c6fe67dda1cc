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
use std::io::{BufRead, IsTerminal, Write};
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

    let token = obtain_token(ctx, args)?;
    let change = HeaderChange::Set(SecretHeader::bearer(&token));
    let server = patching::server(ctx, &args.configs.server_name, args.force);
    let mut jobs = plan_jobs(ctx, &targets, scope, &server);
    if let Some(mode) = args.mode {
        with_mode(ctx, args, mode, &token, &mut jobs)?;
    }
    let opts = patching::options(ctx, args.configs.show_secrets);
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
    let hint = Some(format!(
        "fix the files named above, then run `figma-auth setup{}` again",
        ctx.flags()
    ));

    if pending == 0 {
        record(
            ctx,
            &preview,
            &args.configs.server_name,
            args.mode.unwrap_or(Mode::Inline),
        )?;
        print_json(ctx, args, &preview, false)?;
        if let Some(e) = preview.error(hint) {
            return Err(e);
        }
        eprintln!("Nothing to change: every config already holds the current token.");
        return Ok(exit::OK);
    }
    let apply = if args.dry_run {
        eprintln!("Dry run: nothing was written.");
        false
    } else if args.write {
        true
    } else if !args.json && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        confirm(pending)?
    } else {
        eprintln!(
            "Nothing was written. To apply these changes, run the same command with --write."
        );
        false
    };
    if !apply {
        print_json(ctx, args, &preview, false)?;
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
        ..preview_run
    };
    eprintln!();
    let written = patching::run_batch(ctx, &to_write, &write_run);
    let mut all = preview;
    for ((f, s), rec) in written.results.into_iter().zip(written.records) {
        if let Some(i) = all.results.iter().position(|(g, _)| *g == f) {
            all.results[i].1 = s;
            all.records[i] = rec;
        }
    }
    record(
        ctx,
        &all,
        &args.configs.server_name,
        args.mode.unwrap_or(Mode::Inline),
    )?;
    print_json(ctx, args, &all, true)?;
    patching::print_reload_hints(&all.written_targets());
    match all.error(hint) {
        Some(e) => Err(e),
        None => Ok(exit::OK),
    }
}

/// With `--json`, the per-file outcome as one object on stdout.
fn print_json(
    ctx: &Context,
    args: &SetupArgs,
    batch: &patching::Batch,
    written: bool,
) -> Result<(), Error> {
    if !args.json {
        return Ok(());
    }
    let mut v = patching::batch_json(ctx, batch);
    v["profile"] = ctx.profile().into();
    v["write"] = written.into();
    let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
    text.push('\n');
    super::token::write_stdout(&text)
}

/// Gives every job the credentials mechanism of `mode` (an explicit `--mode`: entries in another
/// mode are switched), creating the token file for file mode.
fn with_mode(
    ctx: &Context,
    args: &SetupArgs,
    mode: Mode,
    token: &AccessToken,
    jobs: &mut [Job],
) -> Result<(), Error> {
    let helper_command = helper_command(ctx)?;
    let token_file = ctx.store.token_file_path(ctx.profile());
    if mode == Mode::File && !args.dry_run {
        let record = ctx
            .store
            .load(ctx.profile())?
            .and_then(|d| d.token)
            .ok_or_else(|| super::refresh::login_required(ctx, "no tokens are stored"))?;
        super::token_file::create_token_file(ctx, &record)?;
    }
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

/// Stored credentials when they are usable, else a browser login.
fn obtain_token(ctx: &Context, args: &SetupArgs) -> Result<AccessToken, Error> {
    if !args.relogin {
        match ensure_fresh(ctx, Policy::IfExpiringWithin(MIN_VALID_FOR_SETUP)) {
            Ok(fresh) => {
                if let Some(a) = &fresh.token.account {
                    eprintln!("Logged in as {} (profile {}).", a.label(), ctx.profile());
                }
                return Ok(fresh.token.access_token);
            }
            Err(e) if e.exit_code() == exit::LOGIN_REQUIRED => {
                eprintln!("{e}: logging in first.");
            }
            Err(e) => return Err(e),
        }
    }
    let code = login::run(ctx, &args.login)?;
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

fn confirm(pending: usize) -> Result<bool, Error> {
    let files = if pending == 1 { "file" } else { "files" };
    eprint!("Write these changes to {pending} {files}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Io("cannot read the answer from the terminal".into(), e))?;
    let yes = matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes");
    if !yes {
        eprintln!("Nothing was written.");
    }
    Ok(yes)
}
