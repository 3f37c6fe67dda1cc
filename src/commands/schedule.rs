//! `figma-auth schedule install|status|remove`: the periodic `refresh --write`, planned and
//! applied by [`crate::schedule`].

use super::Context;
use crate::error::Error;
use crate::oauth;

/// `figma-auth schedule …`.
pub fn run(ctx: &Context, args: &crate::schedule::ScheduleArgs) -> Result<u8, Error> {
    let sctx = context(ctx)?;
    let mut out = ctx.ui.stdout();
    Ok(crate::schedule::run(args, &sctx, &mut out)?)
}

/// The schedule context of this run: the scheduled command carries this run's profile, and the
/// authorization server and MCP URL when they are not the defaults; `--every` is checked against
/// the lifetime of the stored access token; questions go through the terminal.
pub fn context(ctx: &Context) -> Result<crate::schedule::ScheduleContext, Error> {
    let mut sctx = crate::schedule::ScheduleContext::from_process(ctx.profile().to_string())
        .map_err(Error::Environment)?;
    sctx.env = ctx.env.clone();
    sctx.auth_server = ctx
        .global
        .auth_server
        .as_ref()
        .map(oauth::issuer_string)
        .filter(|s| s != oauth::DEFAULT_AUTH_SERVER);
    let mcp = ctx.mcp_url();
    sctx.mcp_url = (mcp != oauth::DEFAULT_MCP_URL).then_some(mcp);
    sctx.color = if ctx.ui.out_color() {
        crate::diff::Color::Always
    } else {
        crate::diff::Color::Never
    };
    sctx.confirm = ctx.ui.confirm_fn();
    sctx.token_lifetime = crate::session::stored_token(ctx).and_then(|t| t.lifetime());
    Ok(sctx)
}
