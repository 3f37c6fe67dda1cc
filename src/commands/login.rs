//! `figma-auth login`: the browser login ([`crate::authorize`]), then the configs this profile
//! manages, which hold the old token now.

use super::Context;
use crate::cli::LoginArgs;
use crate::error::Error;

/// `figma-auth login`: the login, then the configs this profile manages, which hold the old
/// token now ([`update_configs`]).
pub(crate) fn run(ctx: &Context, args: &LoginArgs) -> Result<u8, Error> {
    let code = crate::authorize::perform(ctx, args, true)?;
    update_configs(ctx)?;
    Ok(code)
}

/// After a login the entries this profile manages hold the old token: they are previewed and, on
/// a terminal, updated after one confirmation (as `refresh --write` would); otherwise, or when
/// the user declines, figma-auth says they are stale and how to update them.
fn update_configs(ctx: &Context) -> Result<(), Error> {
    let records = ctx
        .store
        .load(ctx.profile())?
        .map(|d| d.configs)
        .unwrap_or_default();
    if records.is_empty() {
        return Ok(());
    }
    let configs = ctx.configs();
    let update = |write| crate::apply::Update {
        clients: None,
        server_name: None,
        write,
        allow_tracked: false,
        keep_mode: false,
        show_secrets: false,
        color: crate::apply::Color::when(ctx.ui.out_color()),
    };
    let preview = configs.update_managed(&update(false))?;
    preview.print_all(&ctx.env, &mut ctx.ui.stdout());
    let pending = preview.files(crate::apply::Verdict::is_pending);
    if pending == 0 {
        return Ok(());
    }
    let (files, hold) = if pending == 1 {
        ("file", "holds")
    } else {
        ("files", "hold")
    };
    let apply = ctx.ui.interactive()
        && ctx
            .ui
            .confirm(&format!(
                "Update the {pending} config {files} above with the new token?"
            ))
            .map_err(|_| {
                Error::Cancelled("Cancelled; the configs were not updated.".to_string())
            })?;
    if !apply {
        ctx.ui.line(format_args!(
            "The {pending} config {files} above still {hold} the old token, which stops working when it expires: run `figma-auth refresh --write{}` to update them.",
            ctx.flags()
        ));
        return Ok(());
    }
    ctx.ui.line("");
    let written = configs.update_managed(&update(true))?;
    written.print_all(&ctx.env, &mut ctx.ui.stdout());
    ctx.ui
        .text(&crate::apply::reload_hints(&written.written_clients()));
    if let Some(e) = written.error(None) {
        ctx.ui.line(format_args!(
            "warning: {e}; fix them, then run `figma-auth refresh --write{}`",
            ctx.flags()
        ));
    }
    Ok(())
}
