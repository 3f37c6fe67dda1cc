//! `figma-auth status [--json]`: the login (masked token, expiry, refresh token, store), every
//! client config with its state and the file each client uses, and the command that fixes what
//! is wrong; exit 0 all good, 1 something needs action, 3 a login is required (as gh).

use super::Context;
use crate::apply::{judge, Holding, Owner};
use crate::cli::StatusArgs;
use crate::clients::Mode;
use crate::edit::{Inspection, SecretHeader};
use crate::error::{exit, Error};
use crate::time::Timestamp;
use serde::Serialize;

/// The credential part of `status`, also its JSON form.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub profile: String,
    /// `logged-in`, `expired` (the access token expired; the refresh token renews it),
    /// `login-required` (the server rejected the refresh token, or nothing can renew the tokens),
    /// `not-logged-in` (no tokens stored).
    pub state: &'static str,
    /// Usable credentials: an unexpired access token or a refresh token the server has not
    /// rejected.
    pub logged_in: bool,
    /// Why a login is required (`state` `login-required`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_required: Option<String>,
    pub access_token_valid: bool,
    /// RFC 3339 UTC.
    pub expires_at: Option<String>,
    /// Negative when expired.
    pub expires_in_seconds: Option<i64>,
    pub has_refresh_token: bool,
    /// Masked (`figu_…abcd`).
    pub access_token: Option<String>,
    pub scope: Option<String>,
    pub auth_server: Option<String>,
    pub resource: Option<String>,
    pub client_name: Option<String>,
    pub client_id: Option<String>,
    pub client_registered_at: Option<String>,
    /// The Figma account of the login, as the MCP server's `whoami` named it.
    pub account: Option<crate::store::Account>,
    /// The `expires_in` of the last token response (what the server really grants).
    pub token_lifetime_seconds: Option<u64>,
    /// Whether the last refresh rotated the refresh token (`null`: not refreshed yet).
    pub refresh_token_rotates: Option<bool>,
    pub store_path: String,
    pub warnings: Vec<String>,
    /// The command that fixes the situation, when something is wrong.
    pub next_step: Option<String>,
    /// Every client config file found (and every file `setup` recorded), with its state.
    pub configs: Vec<ConfigReport>,
}

/// One client config file in `status`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConfigReport {
    /// The client id (`opencode`, `claude`, ...).
    pub client: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    pub path: String,
    /// Claude Code local scope: the project key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// One of [`STATES`].
    pub state: &'static str,
    /// Why, for `other-url`, `indirect`, `unmanaged`, `unreadable`, and the mode of an entry set
    /// up in an indirection mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The client takes the figma server from this file (its entry wins over the others').
    pub in_use: bool,
    /// The entry is disabled (`enabled: false` / `disabled: true`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// This profile set the entry up: `refresh --write` keeps it current.
    pub managed: bool,
    /// The profile that manages the entry when it is another one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// The state needs action (counted in the exit code 1).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub needs_action: bool,
    /// The command that fixes (or, for an unmanaged entry, adopts) it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

// A config's state compares its token with the stored one and with the clock (`current`,
// `stale`, `expired`); entries this profile did not set up are `unmanaged`. Exit 1 for a managed
// config stale, expired, without its token or its entry, and for an unreadable file.

/// Inspects every config file of every client (and the recorded ones) against the stored token.
pub(crate) fn collect_configs(
    ctx: &Context,
    data: &crate::store::ProfileData,
) -> Vec<ConfigReport> {
    let now = Timestamp::now();
    let token = data.token.as_ref();
    let want = token.map(|t| SecretHeader::bearer(&t.access_token));
    let expired = token.is_some_and(|t| t.remaining_at(now).is_none());
    let flags = ctx.flags();
    let mut out = Vec::new();
    for (client, files) in ctx.configs().survey_managed(data) {
        for s in files {
            let f = &s.file;
            let entry = s.inspection.as_ref().ok().and_then(Inspection::entry);
            let disabled = entry.is_some_and(|e| e.is_disabled());
            let broken = entry.and_then(|e| client.broken_helper(e));
            let holds_ours = matches!((entry, &want), (Some(e), Some(w))
                if e.authorization.as_ref().is_some_and(|a| a.expose() == w.expose()));
            let refresh = format!("figma-auth refresh --write{flags}");
            let setup = format!(
                "figma-auth setup --target {} --scope {}{flags}",
                client.id,
                f.scope.as_str()
            );
            let unmanaged = |detail: String| (Holding::Current, "unmanaged", Some(detail));
            let proxy = match (&s.inspection, entry) {
                (Ok(Inspection::Found(_)), Some(e)) if e.is_stdio() => {
                    e.stdio.as_ref().map(|s| s.argv())
                }
                _ => None,
            };
            if let Some(argv) = proxy {
                // The client starts the proxy, which holds the token: nothing in the file to
                // refresh, whoever set it up; only its program can be wrong.
                let problem = crate::proxy::entry::program_problem(&argv);
                let shown = crate::shell_quote::sh_join(&argv);
                let detail = match &problem {
                    Some(p) => format!("proxy mode: {p}"),
                    None => format!("proxy mode: the client starts `{shown}`"),
                };
                let setup = format!("{setup} --mode proxy --write");
                out.push(ConfigReport {
                    client: client.id.to_string(),
                    scope: f.scope.as_str().to_string(),
                    path: f.path.display().to_string(),
                    project: f.project.clone(),
                    state: "proxy",
                    detail: Some(detail),
                    in_use: s.in_use,
                    disabled,
                    managed: s.owner == Owner::This,
                    managed_by: match &s.owner {
                        Owner::Other(p) => Some(p.clone()),
                        _ => None,
                    },
                    needs_action: problem.is_some(),
                    fix: problem.is_some().then_some(setup),
                });
                continue;
            }
            let (status, state, detail) = match (&s.owner, &s.inspection) {
                (_, Ok(Inspection::Conflict(_))) | (_, Err(_)) | (Owner::This, _) => {
                    match judge(&s.inspection, want.as_ref(), expired) {
                        // A helper command whose figma-auth is gone: `setup` points it here.
                        Holding::Indirect(_) if broken.is_some() => {
                            let (p, why) = broken.clone().unwrap_or_default();
                            let d = format!(
                                "the helper command runs {}, which {why}",
                                ctx.show_path(&p)
                            );
                            (Holding::Current, "missing-binary", Some(d))
                        }
                        // Set up by figma-auth in an indirection mode: nothing to refresh in it.
                        Holding::Indirect(source) if s.mode != Mode::Inline => {
                            let d = format!("{} mode, via {source}", s.mode.as_str());
                            (Holding::Current, "current", Some(d))
                        }
                        st => {
                            let label = st.label();
                            (st, label, None)
                        }
                    }
                }
                (Owner::Other(p), _) => unmanaged(format!("managed by profile {p}")),
                (Owner::Nobody, Ok(Inspection::Missing)) => (Holding::NoEntry, "no-entry", None),
                (Owner::Nobody, _) if holds_ours => unmanaged(format!(
                    "not managed by this profile, but it holds this profile's token: `{setup}` lets refresh keep it current"
                )),
                (Owner::Nobody, _) => unmanaged("not managed by this profile".to_string()),
            };
            let managed = s.owner == Owner::This;
            let detail = detail.or_else(|| match &status {
                Holding::OtherUrl(u) => Some(format!(
                    "`{}` points at {}",
                    s.server.name,
                    u.as_deref().unwrap_or("no URL")
                )),
                Holding::Indirect(source) => Some(format!("credentials from {source}")),
                Holding::Unreadable(e) => Some(e.clone()),
                Holding::NoEntry if managed => Some(format!(
                    "the `{}` entry figma-auth set up is gone",
                    s.server.name
                )),
                Holding::NoToken => Some("the entry has no Authorization header".into()),
                _ => None,
            });
            let (needs_action, fix) = match (state, managed) {
                ("stale" | "expired", true) => (true, Some(refresh)),
                ("no-token" | "no-entry" | "missing-binary", true) => (true, Some(setup)),
                ("unreadable", _) => (true, None),
                ("unmanaged", _) if holds_ours => (false, Some(setup)),
                _ => (false, None),
            };
            out.push(ConfigReport {
                client: client.id.to_string(),
                scope: f.scope.as_str().to_string(),
                path: f.path.display().to_string(),
                project: f.project.clone(),
                state,
                detail,
                in_use: s.in_use,
                disabled,
                managed,
                managed_by: match &s.owner {
                    Owner::Other(p) => Some(p.clone()),
                    _ => None,
                },
                needs_action,
                fix,
            });
        }
    }
    out
}

fn render_configs(ctx: &Context, r: &Report) -> String {
    let mut out = String::new();
    if r.configs.is_empty() {
        out.push_str(&format!(
            "\nNo MCP client config found. Run `figma-auth setup{} --target <client>` to add the figma server.\n",
            ctx.flags()
        ));
        return out;
    }
    out.push_str("\nClient configs:\n");
    for c in &r.configs {
        let name = crate::clients::by_id(&c.client).map_or(c.client.as_str(), |t| t.name);
        let mut state = c.state.to_string();
        if c.disabled {
            state.push_str(", disabled");
        }
        if c.in_use {
            state.push_str(", in use");
        }
        out.push_str(&format!(
            "  {:<12} {:<10} {:<22} {}\n",
            name,
            c.scope,
            state,
            ctx.show_path(std::path::Path::new(&c.path))
        ));
        if let Some(p) = &c.project {
            out.push_str(&format!("  {:<12} {:<10} {:<22} project {p}\n", "", "", ""));
        }
        if let Some(d) = &c.detail {
            out.push_str(&format!("  {:<12} {:<10} {:<22} {d}\n", "", "", ""));
        }
    }
    // One line per command that fixes something, in the order the files were listed.
    let mut said: Vec<&str> = Vec::new();
    for c in r.configs.iter().filter(|c| c.needs_action) {
        let Some(fix) = c.fix.as_deref() else {
            if !said.contains(&"unreadable") {
                said.push("unreadable");
                out.push_str("A config file cannot be read: correct it at the position given (figma-auth never writes a file it cannot parse)\n");
            }
            continue;
        };
        if said.contains(&fix) {
            continue;
        }
        said.push(fix);
        let why = match c.state {
            "stale" | "expired" => "Some configs hold an old or expired token",
            "proxy" => "A config starts a figma-auth binary that is not there",
            "no-token" => "A config figma-auth set up has no token any more",
            "missing-binary" => "A config runs a figma-auth binary that is gone",
            _ => "A config entry figma-auth set up is gone",
        };
        out.push_str(&format!("{why}: run `{fix}`\n"));
    }
    out
}

/// Reads the store (without the lock) and describes the profile.
pub(crate) fn collect(ctx: &Context) -> Result<Report, Error> {
    let path = ctx.store.path(ctx.profile());
    let data = ctx.store.load(ctx.profile())?.unwrap_or_default();
    let now = Timestamp::now();
    let token = data.token.as_ref();
    let client = data.client.as_ref();
    let access_token_valid = token.is_some_and(|t| t.remaining_at(now).is_some());
    let has_refresh_token = token.is_some_and(|t| t.refresh_token.is_some());
    let orphaned = token.is_some_and(|t| client.map(|c| &c.client_id) != Some(&t.client_id));
    let login_required = match (&data.login_required, token) {
        (_, None) => None,
        (Some(m), _) => Some(format!("{}, {}", m.reason, m.since.rfc3339())),
        (None, Some(_)) if orphaned && !access_token_valid => {
            Some("the client registration the tokens were issued to is no longer stored".into())
        }
        (None, Some(_)) if !access_token_valid && !has_refresh_token => {
            Some("the access token has expired and there is no refresh token".into())
        }
        _ => None,
    };
    let state = match (token, &login_required) {
        (None, _) => "not-logged-in",
        (_, Some(_)) => "login-required",
        _ if access_token_valid => "logged-in",
        _ => "expired",
    };
    let logged_in = matches!(state, "logged-in" | "expired");
    let configs = collect_configs(ctx, &data);
    let flags = ctx.flags();
    let next_step = if !logged_in {
        Some(format!("figma-auth setup{flags}"))
    } else {
        configs
            .iter()
            .filter(|c| c.needs_action)
            .find_map(|c| c.fix.clone())
    };
    Ok(Report {
        profile: ctx.profile().to_string(),
        state,
        logged_in,
        login_required,
        access_token_valid,
        expires_at: token.map(|t| t.expires_at.rfc3339()),
        expires_in_seconds: token.map(|t| t.expires_at.unix() as i64 - now.unix() as i64),
        has_refresh_token,
        access_token: token.map(|t| t.access_token.masked()),
        scope: token.and_then(|t| t.scope.clone()),
        auth_server: token
            .map(|t| t.auth_server.clone())
            .or_else(|| client.map(|c| c.auth_server.clone())),
        resource: token.and_then(|t| t.resource.clone()),
        client_name: client.map(|c| c.client_name.clone()),
        client_id: client.map(|c| c.client_id.clone()),
        client_registered_at: client.map(|c| c.registered_at.rfc3339()),
        account: token.and_then(|t| t.account.clone()),
        token_lifetime_seconds: token.and_then(|t| t.expires_in),
        refresh_token_rotates: token.and_then(|t| t.refresh_rotated),
        store_path: path.display().to_string(),
        warnings: ctx.store.permission_warnings(ctx.profile()),
        next_step,
        configs,
    })
}

impl Report {
    /// gh's convention: 0 all good, 1 something needs action, 3 a login is required.
    pub(crate) fn exit_code(&self) -> u8 {
        if !self.logged_in {
            exit::LOGIN_REQUIRED
        } else if self.configs.iter().any(|c| c.needs_action) {
            exit::ERROR
        } else {
            exit::OK
        }
    }
}

/// Human-readable lines for a report.
pub(crate) fn render(ctx: &Context, r: &Report) -> String {
    let now = Timestamp::now();
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<15} {v}\n"));
    line("Profile:", r.profile.clone());
    line(
        "Logged in:",
        match (&r.login_required, r.logged_in) {
            (Some(why), _) => format!("no, login required ({why})"),
            (None, true) => "yes".to_string(),
            (None, false) => "no".to_string(),
        },
    );
    if let Some(a) = &r.account {
        line("Logged in as:", a.label());
    }
    if let Some(s) = &r.auth_server {
        line("Auth server:", clean(s));
    }
    if let Some(id) = &r.client_id {
        line(
            "Client:",
            format!(
                "{} (client id {})",
                clean(r.client_name.as_deref().unwrap_or("?")),
                clean(id)
            ),
        );
    }
    if let Some(s) = &r.scope {
        line("Scope:", clean(s));
    }
    if let Some(res) = &r.resource {
        line("Resource:", res.clone());
    }
    if let (Some(exp), Some(tok)) = (&r.expires_at, &r.access_token) {
        let rel = Timestamp::parse(exp)
            .map(|t| t.relative_to(now))
            .unwrap_or_default();
        let state = if r.access_token_valid {
            "expires"
        } else {
            "expired"
        };
        let renew = if r.state == "expired" {
            " (the next `refresh` or `token` renews it)"
        } else {
            ""
        };
        line(
            "Access token:",
            format!("{tok}, {state} {exp} ({rel}){renew}"),
        );
        line(
            "Refresh token:",
            if r.has_refresh_token { "held" } else { "none" }.to_string(),
        );
        line(
            "Lifetimes:",
            crate::time::lifetime_text(
                r.token_lifetime_seconds,
                r.has_refresh_token,
                r.refresh_token_rotates,
            ),
        );
    }
    line("Store:", ctx.show_path(std::path::Path::new(&r.store_path)));
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    if let Some(next) = r.next_step.as_ref().filter(|_| !r.logged_in) {
        let why = if r.access_token.is_none() {
            "Not logged in"
        } else {
            "A login is required"
        };
        out.push_str(&format!("{why}: run `{next}`\n"));
    }
    out
}

use crate::redact::clean;

/// `figma-auth status`.
pub(crate) fn run(ctx: &Context, args: &StatusArgs) -> Result<u8, Error> {
    let report = collect(ctx)?;
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&report).expect("report serialises");
        s.push('\n');
        s
    } else {
        let mut t = render(ctx, &report);
        t.push_str(&render_configs(ctx, &report));
        t
    };
    ctx.ui.out(&text)?;
    Ok(report.exit_code())
}
