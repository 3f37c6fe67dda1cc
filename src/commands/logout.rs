//! `figma-auth logout [--all] [--yes]`: forgets the profile's tokens (`--all`: the client
//! registration too) and removes our Authorization header from the configs this profile manages,
//! after one preview and one question. Tokens are not revoked at the server.

use super::Context;
use crate::apply::{self, Batch, Desired, Verdict};
use crate::cli::LogoutArgs;
use crate::error::{exit, Error};
use crate::store::{ProfileData, StoreError, StoreLock};

/// `figma-auth logout`. First the plan is shown (the masked diffs, "would remove the
/// Authorization header from …", "would forget the tokens of profile …"); a terminal is then
/// asked once. `--yes` (the same flag as `--write`) does it all without asking. Elsewhere (a
/// script without either) the tokens are forgotten and the header removal is only previewed.
/// Figma documents no revocation endpoint: copies left in client configs keep working until they
/// expire.
///
/// The removal, the records and the tokens change under the profile's lock, in one go: a
/// scheduled `refresh --write` either finishes before (and its token is removed) or finds the
/// tokens gone (and writes nothing).
pub(crate) fn run(ctx: &Context, args: &LogoutArgs) -> Result<u8, Error> {
    let preview = if args.write {
        Batch::default()
    } else {
        plan(ctx, args)?
    };
    let remove = if args.write {
        true
    } else if ctx.ui.interactive() {
        let files = preview.files(Verdict::is_pending);
        let question = match files {
            0 => format!("Log out of profile {}?", ctx.profile()),
            1 => format!(
                "Log out of profile {} and remove the token from 1 file?",
                ctx.profile()
            ),
            n => format!(
                "Log out of profile {} and remove the token from {n} files?",
                ctx.profile()
            ),
        };
        let yes = ctx
            .ui
            .confirm(&question)
            .map_err(|_| Error::Cancelled("Cancelled; nothing was changed.".to_string()))?;
        if !yes {
            ctx.ui.line(format_args!("Nothing was changed."));
            return Ok(exit::OK);
        }
        true
    } else {
        false
    };
    let lock = ctx.lock()?;
    let batch = if remove {
        let batch = remove_from_configs(ctx, args, &lock)?;
        ctx.ui.text(&apply::reload_hints(&batch.written_clients()));
        batch
    } else {
        if preview.count(Verdict::is_pending) > 0 {
            ctx.ui.line(format_args!(
                "The configs above still hold a token; `figma-auth logout --yes{}` removes it.",
                ctx.flags()
            ));
        }
        preview
    };
    let code = forget_tokens(ctx, args, &lock, remove)?;
    drop(lock);
    match batch.error(Some(format!(
        "fix the files named above, then run `figma-auth logout --yes{}` again",
        ctx.flags()
    ))) {
        Some(e) => Err(e),
        None => Ok(code),
    }
}

/// The preview: the masked diffs of the header removals, and what would be forgotten.
fn plan(ctx: &Context, args: &LogoutArgs) -> Result<Batch, Error> {
    let (recorded, data) = match ctx.store.load(ctx.profile()) {
        Ok(d) => (d.as_ref().map(|d| d.configs.clone()).unwrap_or_default(), d),
        // A damaged store cannot say which configs this profile manages.
        Err(_) => (Vec::new(), None),
    };
    let batch = run_removal(ctx, args, &recorded, false)?;
    let store = ctx.show_path(&ctx.store.path(ctx.profile()));
    let forget = match &data {
        _ if args.all && ctx.store.path(ctx.profile()).exists() => format!(
            "the tokens and the client registration of profile {} (delete {store})",
            ctx.profile()
        ),
        Some(d) if d.token.is_some() => format!(
            "the tokens of profile {} (the client registration is kept for the next login)",
            ctx.profile()
        ),
        _ => String::new(),
    };
    if !forget.is_empty() {
        ctx.ui
            .println(format_args!("{:<13}{forget}", "would forget"));
    }
    Ok(batch)
}

/// Removes (`write`) or previews removing our Authorization header from the entries this
/// profile recorded.
fn run_removal(
    ctx: &Context,
    args: &LogoutArgs,
    recorded: &[crate::store::ManagedConfig],
    write: bool,
) -> Result<Batch, Error> {
    let clients = match args.configs.targets.as_slice() {
        [] => None,
        names => Some(ctx.clients(names)?),
    };
    let configs = ctx.configs();
    let jobs = configs.managed_jobs(
        clients.as_deref(),
        args.configs.server_name.as_deref(),
        recorded,
    );
    let batch = apply::run(
        &configs,
        &jobs,
        &apply::Options {
            desired: &Desired::removal(),
            write,
            allow_tracked: true,
            report_missing: false,
            show_secrets: args.configs.show_secrets,
            color: apply::Color::when(ctx.ui.out_color()),
            keep_mode: false,
        },
    );
    batch.print_all(&ctx.env, &mut ctx.ui.stdout());
    Ok(batch)
}

/// The removal under the lock (`lock` is held): the records of the files it emptied go too.
fn remove_from_configs(ctx: &Context, args: &LogoutArgs, lock: &StoreLock) -> Result<Batch, Error> {
    // A damaged store cannot say which configs this profile manages (`--all` removes it).
    let mut data = lock.load().unwrap_or_default();
    let recorded = data.as_ref().map(|d| d.configs.clone()).unwrap_or_default();
    if !args.write {
        ctx.ui.line("");
    }
    let batch = run_removal(ctx, args, &recorded, true)?;
    let removed: Vec<_> = batch
        .results
        .iter()
        .filter(|(_, v)| v.is_written())
        .map(|(f, _)| f)
        .collect();
    // The records go with the store on `--all`; otherwise drop those we emptied.
    if let Some(d) = data.as_mut().filter(|_| !args.all)
        && apply::forget(d, &removed)
    {
        lock.save(d)?;
    }
    Ok(batch)
}

fn forget_tokens(
    ctx: &Context,
    args: &LogoutArgs,
    lock: &StoreLock,
    removed: bool,
) -> Result<u8, Error> {
    remove_token_file(ctx)?;
    let shown = ctx.show_path(lock.path());
    let loaded = match lock.load() {
        // `--all` forgets everything, including a store figma-auth can no longer read.
        Err(StoreError::Corrupt { .. }) if args.all => {
            lock.remove()?;
            ctx.ui.line(format_args!(
                "Removed the damaged credential store of profile {} ({shown}).",
                ctx.profile()
            ));
            return Ok(exit::OK);
        }
        other => other?,
    };
    let Some(mut data): Option<ProfileData> = loaded else {
        ctx.ui.line(format_args!(
            "Not logged in (profile {}); nothing to forget.",
            ctx.profile()
        ));
        return Ok(exit::OK);
    };
    let had_token = data.token.is_some();
    if args.all || data.client.is_none() {
        lock.remove()?;
        ctx.ui.line(format_args!(
            "Forgot {}the client registration of profile {} (removed {shown}).",
            if had_token { "the tokens and " } else { "" },
            ctx.profile()
        ));
    } else if had_token {
        data.token = None;
        data.login_required = None;
        lock.save(&data)?;
        ctx.ui.line(format_args!(
            "Forgot the tokens of profile {} (the client registration is kept for the next login; `logout --all` forgets it too).",
            ctx.profile()
        ));
    } else {
        ctx.ui.line(format_args!(
            "Profile {} holds no tokens; nothing to forget (`logout --all` also forgets the client registration).",
            ctx.profile()
        ));
        return Ok(exit::OK);
    }
    if had_token && !removed {
        ctx.ui.line(format_args!(
            "Tokens already copied into MCP client configs stay valid until they expire."
        ));
    }
    Ok(exit::OK)
}

/// The token file of `--mode file` holds the access token: it goes with the tokens.
fn remove_token_file(ctx: &Context) -> Result<(), Error> {
    let path = ctx.store.token_file_path(ctx.profile());
    match std::fs::remove_file(&path) {
        Ok(()) => {
            ctx.ui.line(format_args!(
                "Removed the token file {}.",
                ctx.show_path(&path)
            ));
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io(
            format!("cannot remove the token file {}", path.display()),
            e,
        )),
    }
}
