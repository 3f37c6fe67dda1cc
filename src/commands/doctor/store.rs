//! The credential store: readable, and private to the user.

use super::{check_modes, shell_path, Check, Context, Level};
use crate::store::{ProfileData, StoreError};

pub(super) fn check(ctx: &Context, out: &mut Vec<Check>) -> Option<ProfileData> {
    const AREA: &str = "store";
    let flags = ctx.flags();
    let path = ctx.store.path(ctx.profile());
    let shown = ctx.show_path(&path);
    check_modes(
        ctx,
        AREA,
        &[
            (ctx.store.base_dir(), 0o700),
            (ctx.store.dir(), 0o700),
            (&path, 0o600),
        ],
        out,
    );
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
