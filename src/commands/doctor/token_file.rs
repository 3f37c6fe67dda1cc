//! The token file of file mode: private, and holding the stored token.

use super::{check_modes, Check, Context, Level};
use crate::store::ProfileData;

pub(super) fn check(ctx: &Context, data: Option<&ProfileData>, out: &mut Vec<Check>) {
    const AREA: &str = "token file";
    let flags = ctx.flags();
    let path = ctx.store.token_file_path(ctx.profile());
    let shown = ctx.show_path(&path);
    // Through the snapshot reader: a FIFO or a device at the path is refused without blocking.
    let bytes = match crate::fs::read_snapshot(&path) {
        Ok(s) => match s.bytes {
            Some(b) => b.to_vec(),
            None => return,
        },
        Err(e) => {
            out.push(
                Check::new(
                    AREA,
                    Level::Problem,
                    format!("cannot read {shown}: {}", crate::error::chain(&e)),
                )
                .at(&path)
                .then_run(
                    "remove whatever is in its place",
                    format!("figma-auth refresh --force{flags}"),
                ),
            );
            return;
        }
    };
    check_modes(
        ctx,
        AREA,
        &[(&ctx.store.tokens_dir(), 0o700), (&path, 0o600)],
        out,
    );
    match data.and_then(|d| d.token.as_ref()) {
        Some(t) if bytes == t.access_token.expose().as_bytes() => out.push(
            Check::new(
                AREA,
                Level::Ok,
                format!("{shown} holds the current access token"),
            )
            .at(&path),
        ),
        Some(_) => out.push(
            Check::new(
                AREA,
                Level::Problem,
                format!("{shown} holds another token than the credential store (an old one?)"),
            )
            .at(&path)
            .run(format!("figma-auth refresh --force{flags}")),
        ),
        None => out.push(
            Check::new(
                AREA,
                Level::Warning,
                format!("{shown} holds a token, but the profile is not logged in"),
            )
            .at(&path)
            .then_run(
                "log in again (or delete the file)",
                format!("figma-auth login{flags}"),
            ),
        ),
    }
}
