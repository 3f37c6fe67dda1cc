//! The login: the client registration, the tokens, their expiry and lifetimes.

use super::{Check, Context, Level};
use crate::store::ProfileData;
use crate::time::{short_duration, Timestamp};
use std::time::Duration;

pub(super) fn check(ctx: &Context, data: &ProfileData, out: &mut Vec<Check>) {
    const AREA: &str = "login";
    let flags = ctx.flags();
    let login = format!("figma-auth login{flags}");
    let now = Timestamp::now();
    if let Some(c) = &data.client {
        out.push(Check::new(
            AREA,
            Level::Ok,
            format!(
                "client registration {:?} (client id {}) at {}, registered {}",
                c.client_name,
                crate::redact::clean(&c.client_id),
                crate::redact::clean(&c.auth_server),
                c.registered_at.rfc3339()
            ),
        ));
        if c.client_secret_expires_at.is_some_and(|t| t <= now) {
            out.push(
                Check::new(
                    AREA,
                    Level::Problem,
                    "the client registration's secret has expired",
                )
                .run(format!("figma-auth login{flags} --reregister")),
            );
        }
    }
    let Some(t) = &data.token else {
        let why = if data.client.is_some() {
            "logged out: no tokens are stored (the client registration is kept)"
        } else {
            "not logged in: no tokens are stored"
        };
        out.push(Check::new(AREA, Level::Problem, why).run(login));
        return;
    };
    if data.client.as_ref().map(|c| &c.client_id) != Some(&t.client_id) {
        out.push(
            Check::new(
                AREA,
                Level::Problem,
                format!(
                    "the tokens were issued to client {}, whose registration is no longer stored; they cannot be refreshed",
                    crate::redact::clean(&t.client_id)
                ),
            )
            .run(login.clone()),
        );
    }
    if let Some(asked) = &ctx.global.auth_server {
        let asked = crate::oauth::issuer_string(asked);
        if asked != t.auth_server {
            out.push(
                Check::new(
                    AREA,
                    Level::Problem,
                    format!(
                        "the stored login is for the authorization server {}, not {asked}",
                        t.auth_server
                    ),
                )
                .run(login.clone()),
            );
        }
    }
    let mcp_url = ctx.mcp_url();
    if let Some(res) = t.resource.as_deref().filter(|r| *r != mcp_url) {
        out.push(
            Check::new(
                AREA,
                Level::Warning,
                format!(
                    "the tokens were issued for the MCP server {res}, not {mcp_url} (--mcp-url)"
                ),
            )
            .run(login.clone()),
        );
    }
    if let Some(a) = &t.account {
        out.push(Check::new(
            AREA,
            Level::Ok,
            format!("logged in as {}", a.label()),
        ));
    }
    out.push(Check::new(
        AREA,
        Level::Info,
        format!(
            "lifetimes: {}",
            crate::time::lifetime_text(t.expires_in, t.refresh_token.is_some(), t.refresh_rotated)
        ),
    ));
    let masked = t.access_token.masked();
    match t.remaining_at(now) {
        Some(left) => {
            out.push(Check::new(
                AREA,
                Level::Ok,
                format!(
                    "access token {masked} valid until {} ({})",
                    t.expires_at.rfc3339(),
                    t.expires_at.relative_to(now)
                ),
            ));
            if t.refresh_token.is_none() && left < Duration::from_secs(15 * 60) {
                out.push(
                    Check::new(
                        AREA,
                        Level::Warning,
                        format!(
                            "the access token expires in {} and there is no refresh token to renew it",
                            short_duration(left)
                        ),
                    )
                    .run(login.clone()),
                );
            }
        }
        None if t.refresh_token.is_some() => out.push(
            Check::new(
                AREA,
                Level::Problem,
                format!(
                    "the access token {masked} expired {} ({}); configs holding it no longer work",
                    t.expires_at.rfc3339(),
                    t.expires_at.relative_to(now)
                ),
            )
            .run(format!("figma-auth refresh --write{flags}")),
        ),
        None => out.push(
            Check::new(
                AREA,
                Level::Problem,
                format!(
                    "the access token expired {} ({}) and there is no refresh token",
                    t.expires_at.rfc3339(),
                    t.expires_at.relative_to(now)
                ),
            )
            .run(login.clone()),
        ),
    }
    if t.refresh_token.is_some() {
        out.push(Check::new(AREA, Level::Ok, "refresh token held"));
    } else if t.remaining_at(now).is_some() {
        out.push(Check::new(
            AREA,
            Level::Info,
            "no refresh token: the server issued none, so log in again when the access token expires",
        ));
    }
    if t.expires_in_defaulted {
        out.push(Check::new(
            AREA,
            Level::Info,
            format!(
                "the server did not say when the access token expires; figma-auth assumed {}",
                short_duration(crate::oauth::token::DEFAULT_EXPIRES_IN)
            ),
        ));
    }
}
