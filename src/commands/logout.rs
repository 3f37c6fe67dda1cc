//! `figma-auth logout [--all]`: forgets the profile's tokens (with `--all` also the client
//! registration, by deleting the profile file). Tokens are not revoked at the server (Figma
//! documents no revocation endpoint); copies already written into client configs keep working
//! until they expire.

use super::Context;
use crate::cli::LogoutArgs;
use crate::error::{exit, Error};

pub fn run(ctx: &Context, args: &LogoutArgs) -> Result<u8, Error> {
    let lock = ctx.lock()?;
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
    if had_token {
        eprintln!("Tokens already copied into MCP client configs stay valid until they expire.");
    }
    Ok(exit::OK)
}
