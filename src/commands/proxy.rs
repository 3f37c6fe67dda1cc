//! `figma-auth proxy`: serve MCP on stdio, forwarding to the MCP server with the profile's
//! current token (`proxy --check`: one `initialize` round trip, then exit). The work is done in
//! [`crate::proxy`].

use super::Context;
use crate::cli::ProxyArgs;
use crate::error::Error;
use crate::proxy::{self, Options};

pub(crate) fn run(ctx: &Context, args: &ProxyArgs) -> Result<u8, Error> {
    let opts = Options {
        url: ctx.global.mcp_url.clone(),
        timeout: args.timeout,
        protocol_ceiling: args.protocol_version.clone(),
    };
    if args.check {
        proxy::check(ctx, &opts, args.json)
    } else {
        ctx.warn_permissions();
        if ctx.ui.stdin_tty {
            ctx.ui.line(format_args!(
                "figma-auth proxy: reading MCP messages from this terminal; an MCP client is meant to start this command (to test the connection, run `figma-auth proxy --check{}`; end with Ctrl-D)",
                ctx.flags()
            ));
        }
        proxy::serve(ctx, &opts)
    }
}
