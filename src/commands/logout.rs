//! `figma-auth logout [--all]`: forgets the profile's tokens (with `--all` also the client
//! registration, by deleting the profile file). Tokens are not revoked at the server (Figma
//! documents no revocation endpoint); copies already written into client configs keep working
//! until they expire. With `--write`, the Authorization header figma-auth wrote into client
//! configs is removed too (previewed without it).

use super::patching::{self, Run, Status};
use super::Context;
use crate::cli::LogoutArgs;
use crate::edit::HeaderChange;
use crate::error::{exit, Error};

pub fn run(ctx: &Context, args: &LogoutArgs) -> Result<u8, Error> {
    let configs = remove_from_configs(ctx, args)?;
    let code = forget_tokens(ctx, args)?;
    match configs.error(Some(format!(
        "fix the files named above, then run `figma-auth logout --write{}` again",
        ctx.flags()
    ))) {
        Some(e) => Err(e),
        None => Ok(code),
    }
}

/// Removes (with `--write`) or previews removing our Authorization header from every config
/// file that holds our entry, and forgets the records of the files it was removed from.
fn remove_from_configs(ctx: &Context, args: &LogoutArgs) -> Result<patching::Batch, Error> {
    // A damaged store must not stop the removal of our headers.
    let recorded = match ctx.store.load(ctx.profile()) {
        Ok(d) => d.map(|d| d.configs).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let jobs = patching::update_jobs(ctx, &args.configs.targets, &recorded)?;
    let server = patching::server(ctx, &args.configs.server_name, false);
    let opts = patching::options(ctx, args.configs.show_secrets);
    let batch = patching::run_batch(
        ctx,
        &jobs,
        &Run {
            server: &server,
            change: &HeaderChange::Remove,
            write: args.write,
            carries_secret: false,
            allow_tracked: true,
            report_missing: false,
            quiet: false,
            opts: &opts,
        },
    );
    if args.write {
        let removed: Vec<_> = batch
            .results
            .iter()
            .filter(|(_, s)| *s == Status::Changed)
            .map(|(f, _)| f.clone())
            .collect();
        // The records go with the store on `--all`; otherwise drop those we emptied.
        if !args.all {
            patching::forget(ctx, &removed)?;
        }
        patching::print_reload_hints(&batch.written_targets());
    } else if batch.count(|s| *s == Status::WouldChange) > 0 {
        eprintln!(
            "The configs above still hold a token; `figma-auth logout --write{}` removes it.",
            ctx.flags()
        );
    }
    Ok(batch)
}

fn forget_tokens(ctx: &Context, args: &LogoutArgs) -> Result<u8, Error> {
    let lock = ctx.lock()?;
    remove_token_file(ctx)?;
    let shown = ctx.show_path(lock.path());
    let loaded = match lock.load() {
        // `--all` forgets everything, including a store figma-auth can no longer read.
        Err(crate::store::StoreError::Corrupt { .. }) if args.all => {
            lock.remove()?;
            eprintln!(
                "Removed the damaged credential store of profile {} ({shown}).",
                ctx.profile()
            );
            return Ok(exit::OK);
        }
        other => other?,
    };
    let Some(mut data) = loaded else {
        eprintln!(
            "Not logged in (profile {}); nothing to forget.",
            ctx.profile()
        );
        return Ok(exit::OK);
    };
    let had_token = data.token.is_some();
    if args.all || data.client.is_none() {
        lock.remove()?;
        eprintln!(
            "Forgot {}the client registration of profile {} (removed {shown}).",
            if had_token { "the tokens and " } else { "" },
            ctx.profile()
        );
    } else if had_token {
        data.token = None;
        lock.save(&data)?;
        eprintln!(
            "Forgot the tokens of profile {} (the client registration is kept for the next login; `logout --all` forgets it too).",
            ctx.profile()
        );
    } else {
        eprintln!(
            "Profile {} holds no tokens; nothing to forget (`logout --all` also forgets the client registration).",
            ctx.profile()
        );
        return Ok(exit::OK);
    }
    if had_token && !args.write {
        eprintln!("Tokens already copied into MCP client configs stay valid until they expire.");
    }
    Ok(exit::OK)
}

/// The token file of `--mode file` holds the access token: it goes with the tokens.
fn remove_token_file(ctx: &Context) -> Result<(), Error> {
    let path = ctx.store.token_file_path(ctx.profile());
    match std::fs::remove_file(&path) {
        Ok(()) => {
            eprintln!("Removed the token file {}.", ctx.show_path(&path));
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io(
            format!("cannot remove the token file {}", path.display()),
            e,
        )),
    }
}
