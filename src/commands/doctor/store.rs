//! The credential store: readable, and private to the user.

use super::{shell_path, Check, Context, Level};
use crate::store::{ProfileData, StoreError};

pub(super) fn check(ctx: &Context, out: &mut Vec<Check>) -> Option<ProfileData> {
    const AREA: &str = "store";
    let flags = ctx.flags();
    let path = ctx.store.path(ctx.profile());
    let shown = ctx.show_path(&path);
    // The token directory is judged with the token file.
    for l in ctx.store.loose_permissions(ctx.profile()) {
        if l.path == ctx.store.tokens_dir() {
            continue;
        }
        out.push(
            Check::new(AREA, Level::Problem, l.problem(&ctx.show_path(&l.path)))
                .at(&l.path)
                .run(l.command(&shell_path(ctx, &l.path))),
        );
    }
    match ctx.store.load(ctx.profile()) {
        Ok(Some(data)) => {
            out.push(Check::new(AREA, Level::Ok, format!("{shown} is readable")).at(&path));
            Some(data)
        }
        Ok(None) => {
            out.push(
                Check::new(
                    AREA,
                    Level::Problem,
                    format!("not logged in: there is no credential store {shown}"),
                )
                .at(&path)
                .run(format!("figma-auth login{flags}")),
            );
            None
        }
        Err(e) => {
            let check = Check::new(AREA, Level::Problem, crate::error::chain(&e)).at(&path);
            out.push(match &e {
                StoreError::Corrupt { .. } => check.run(format!(
                    "mv {p} {p}.damaged && figma-auth login{flags}",
                    p = shell_path(ctx, &path)
                )),
                StoreError::TooNew { .. } => check.then_run(
                    "upgrade figma-auth, or log in under another profile",
                    "figma-auth login --profile NEW",
                ),
                _ => check.then_run(
                    "make the directory readable and writable by you",
                    format!("ls -la {}", shell_path(ctx, ctx.store.dir())),
                ),
            });
            None
        }
    }
}
