//! `--online`: whether the MCP server accepts the token (an MCP `initialize` request).

use super::{Check, Context, Level};
use crate::mcp::{self, Probe};
use crate::store::ProfileData;
use crate::time::{short_duration, Timestamp};
use std::time::Duration;

pub(super) fn check(ctx: &Context, data: Option<&ProfileData>, out: &mut Vec<Check>) {
    const AREA: &str = "server";
    let flags = ctx.flags();
    let url = ctx.global.mcp_url.clone();
    let shown = mcp::shown(&url);
    let now = Timestamp::now();
    let Some(t) = data.and_then(|d| d.token.as_ref()) else {
        out.push(
            Check::new(
                AREA,
                Level::Info,
                format!("{shown} not checked: not logged in"),
            )
            .run(format!("figma-auth login{flags}")),
        );
        return;
    };
    if t.remaining_at(now).is_none() {
        out.push(Check::new(
            AREA,
            Level::Info,
            format!("{shown} not checked: the access token has expired (see above)"),
        ));
        return;
    }
    // The token goes only to the server it was issued for.
    let mcp_url = ctx.mcp_url();
    if let Some(res) = t.resource.as_deref().filter(|r| *r != mcp_url) {
        out.push(
            Check::new(
                AREA,
                Level::Problem,
                format!(
                    "{shown} not checked: the token was issued for {res} and is not sent elsewhere"
                ),
            )
            .run(format!("figma-auth doctor --online --mcp-url {res}{flags}")),
        );
        return;
    }
    // Each request of the probe has this total deadline, body included.
    let http = match crate::oauth::http::client(ctx.http_timeout.min(Duration::from_secs(20))) {
        Ok(h) => h,
        Err(e) => {
            out.push(Check::new(AREA, Level::Problem, crate::error::chain(&e)));
            return;
        }
    };
    let refresh_then_login = format!("figma-auth refresh --force{flags}");
    out.push(match mcp::probe(&http, &url, &t.access_token) {
        Probe::Accepted {
            status,
            server,
            protocol,
            account,
        } => {
            let mut details = vec![format!("HTTP {status}")];
            details.extend(server);
            details.extend(protocol.map(|p| format!("protocol {p}")));
            Check::new(
                AREA,
                Level::Ok,
                format!(
                    "{shown} accepts the token (initialize: {}){}",
                    details.join(", "),
                    account
                        .map(|a| format!("; logged in as {}", a.label()))
                        .unwrap_or_default()
                ),
            )
        }
        Probe::Unauthorized { detail } => Check::new(
            AREA,
            Level::Problem,
            format!(
                "{shown} rejected the token (HTTP 401{}): it expired early or was revoked",
                detail.map(|d| format!(": {d}")).unwrap_or_default()
            ),
        )
        .then_run(
            &format!("run `{refresh_then_login}`; if the server still rejects it, log in again"),
            format!("figma-auth login{flags}"),
        ),
        Probe::Forbidden { detail } => Check::new(
            AREA,
            Level::Problem,
            format!(
                "{shown} refused access (HTTP 403{}): the token is valid, but this Figma account, seat or plan may not have MCP access, or the grant lacks the mcp:connect scope",
                if detail.is_empty() { String::new() } else { format!(": {detail}") }
            ),
        )
        .then_run(
            "check the account's Figma seat and plan, then log in again",
            format!("figma-auth login{flags}"),
        ),
        Probe::RateLimited { retry_after } => Check::new(
            AREA,
            Level::Warning,
            format!(
                "{shown} is rate limiting (HTTP 429): a Figma quota, not a problem with the token{}",
                retry_after
                    .map(|d| format!("; retry after {}", short_duration(d)))
                    .unwrap_or_default()
            ),
        )
        .temporary()
        .then_run("wait a little", format!("figma-auth doctor --online{flags}")),
        Probe::ServerError { status, detail } => Check::new(
            AREA,
            Level::Warning,
            format!(
                "{shown} has a server-side problem (HTTP {status}{}), usually temporary",
                if detail.is_empty() { String::new() } else { format!(": {detail}") }
            ),
        )
        .temporary()
        .then_run("wait a little", format!("figma-auth doctor --online{flags}")),
        Probe::Network { timed_out, reason } => Check::new(
            AREA,
            Level::Warning,
            format!(
                "could not reach {shown}{}: {reason}",
                if timed_out { " (timed out)" } else { "" }
            ),
        )
        .temporary()
        .then_run(
            "check the network connection",
            format!("figma-auth doctor --online{flags}"),
        ),
        Probe::Redirected { status, location } => Check::new(
            AREA,
            Level::Problem,
            format!("{shown} redirects (HTTP {status}) to {location}; the token is not sent there"),
        )
        .run(format!(
            "figma-auth doctor --online --mcp-url {}{flags}",
            crate::oauth::DEFAULT_MCP_URL
        )),
        Probe::Unexpected { status, detail } => Check::new(
            AREA,
            Level::Problem,
            format!(
                "{shown} answered HTTP {status}{} to an MCP initialize request: is it an MCP server URL?",
                if detail.is_empty() { String::new() } else { format!(" ({detail})") }
            ),
        )
        .run(format!(
            "figma-auth doctor --online --mcp-url {}{flags}",
            crate::oauth::DEFAULT_MCP_URL
        )),
    });
}
