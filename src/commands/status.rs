//! `figma-auth status [--json]`: whether the profile is logged in, the client, the scope, when the
//! access token expires (absolute and relative), whether a refresh token is held, where the store
//! is, and the next command to run when something is wrong. Never prints a secret: the access
//! token appears masked. Exit 0 when logged in, 3 when a login is required.
//!
//! [`collect`] builds the [`Report`]; the config listing of the config-patching issue can be added
//! to the report and printed after the credential section in [`run`].

use super::Context;
use crate::cli::StatusArgs;
use crate::error::{exit, Error};
use crate::time::Timestamp;
use serde::Serialize;

/// The credential part of `status`, also its JSON form.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub profile: String,
    /// Usable credentials: an unexpired access token or a refresh token.
    pub logged_in: bool,
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
pub struct ConfigReport {
    /// The client id (`opencode`, `claude`, ...).
    pub client: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    pub path: String,
    /// Claude Code local scope: the project key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// `no figma entry`, `current`, `stale`, `other URL`, `indirect` or `unreadable`.
    pub state: String,
    /// Why, for `other URL`, `indirect` and `unreadable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The client takes the figma server from this file (its entry wins over the others').
    pub in_use: bool,
    /// The entry is disabled (`enabled: false` / `disabled: true`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// Inspects every config file of every client (and the recorded ones) against the stored token.
pub fn collect_configs(ctx: &Context, data: &crate::store::ProfileData) -> Vec<ConfigReport> {
    use crate::configs::{judge, EntryStatus};
    use crate::edit::{Inspection, SecretHeader};
    let want = data
        .token
        .as_ref()
        .map(|t| SecretHeader::bearer(&t.access_token));
    let server = super::patching::server(ctx, crate::targets::DEFAULT_NAME, false);
    let mut out = Vec::new();
    for target in crate::targets::all() {
        let recorded: Vec<_> = data
            .configs
            .iter()
            .filter(|c| c.target == target.id())
            .cloned()
            .collect();
        let candidates = super::patching::update_candidates(ctx, &[*target], &recorded);
        let modes: Vec<crate::targets::Mode> = candidates.iter().map(|(_, m)| *m).collect();
        let files: Vec<crate::targets::ConfigFile> =
            candidates.into_iter().map(|(f, _)| f).collect();
        if files.is_empty() {
            continue;
        }
        let server = match recorded.first() {
            Some(r) => super::patching::server(ctx, &r.server_name, false),
            None => server.clone(),
        };
        let inspections: Vec<Result<Inspection, String>> = files
            .iter()
            .map(|f| crate::configs::inspect_file(f, &server))
            .collect();
        // Which file the client takes the server from.
        let in_use: Option<usize> = if target.id() == "opencode" {
            let states: Vec<Option<&Inspection>> =
                inspections.iter().map(|i| i.as_ref().ok()).collect();
            let eff = crate::targets::opencode::effective(&states, &server.name);
            eff.authorization
                .map(|(i, _)| i)
                .or(eff.url.map(|(i, _)| i))
        } else {
            // Entries are not merged: local beats project beats user.
            [
                crate::targets::Scope::Local,
                crate::targets::Scope::Project,
                crate::targets::Scope::User,
            ]
            .iter()
            .find_map(|scope| {
                files
                    .iter()
                    .zip(&inspections)
                    .position(|(f, i)| f.scope == *scope && matches!(i, Ok(Inspection::Found(_))))
            })
        };
        for (i, ((f, insp), mode)) in files.iter().zip(inspections).zip(&modes).enumerate() {
            let mut indirect_mode: Option<String> = None;
            let disabled = insp
                .as_ref()
                .ok()
                .and_then(|i| i.entry())
                .is_some_and(|e| e.is_disabled());
            let status = match judge(insp, want.as_ref()) {
                // Set up by figma-auth in an indirection mode: nothing to refresh in the file.
                EntryStatus::Indirect(source) if *mode != crate::targets::Mode::Inline => {
                    indirect_mode = Some(format!("{} mode, via {source}", mode.as_str()));
                    EntryStatus::Current
                }
                other => other,
            };
            let detail = match &status {
                EntryStatus::OtherUrl(u) => Some(format!(
                    "`{}` points at {}",
                    server.name,
                    u.as_deref().unwrap_or("no URL")
                )),
                EntryStatus::Indirect(source) => Some(format!("credentials from {source}")),
                EntryStatus::Unreadable(e) => Some(e.clone()),
                _ => indirect_mode.take(),
            };
            out.push(ConfigReport {
                client: target.id().to_string(),
                scope: f.scope.as_str().to_string(),
                path: f.path.display().to_string(),
                project: match &f.shape {
                    crate::targets::Shape::Claude { project } => project.clone(),
                    _ => None,
                },
                state: status.label().to_string(),
                detail,
                in_use: in_use == Some(i),
                disabled,
            });
        }
    }
    out
}

fn render_configs(ctx: &Context, r: &Report) -> String {
    let mut out = String::new();
    if r.configs.is_empty() {
        out.push_str("\nNo MCP client config found. Run `figma-auth setup --target <client>` to add the figma server.\n");
        return out;
    }
    out.push_str("\nClient configs:\n");
    let mut stale = false;
    for c in &r.configs {
        let name = crate::targets::by_id(&c.client)
            .map(|t| t.display_name())
            .unwrap_or(&c.client);
        let scope = c.scope.clone();
        let mut state = c.state.clone();
        if c.disabled {
            state.push_str(", disabled");
        }
        if c.in_use {
            state.push_str(", in use");
        }
        out.push_str(&format!(
            "  {:<12} {:<10} {:<22} {}\n",
            name,
            scope,
            state,
            ctx.show_path(std::path::Path::new(&c.path))
        ));
        if let Some(p) = &c.project {
            out.push_str(&format!("  {:<12} {:<10} {:<22} project {p}\n", "", "", ""));
        }
        if let Some(d) = &c.detail {
            out.push_str(&format!("  {:<12} {:<10} {:<22} {d}\n", "", "", ""));
        }
        stale |= c.state == "stale";
    }
    if stale && r.logged_in {
        out.push_str(&format!(
            "Some configs hold an old token: run `figma-auth refresh --write{}`\n",
            ctx.flags()
        ));
    }
    out
}

/// Reads the store (without the lock) and describes the profile.
pub fn collect(ctx: &Context) -> Result<Report, Error> {
    let path = ctx.store.path(ctx.profile());
    let data = ctx.store.load(ctx.profile())?.unwrap_or_default();
    let now = Timestamp::now();
    let token = data.token.as_ref();
    let client = data.client.as_ref();
    let access_token_valid = token.is_some_and(|t| t.remaining_at(now).is_some());
    let has_refresh_token = token.is_some_and(|t| t.refresh_token.is_some());
    let logged_in = access_token_valid || has_refresh_token;
    let flags = ctx.flags();
    let next_step = if !logged_in {
        Some(format!("figma-auth login{flags}"))
    } else if !access_token_valid {
        Some(format!("figma-auth refresh{flags}"))
    } else {
        None
    };
    Ok(Report {
        profile: ctx.profile().to_string(),
        logged_in,
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
        configs: collect_configs(ctx, &data),
    })
}

/// Human-readable lines for a report.
pub fn render(ctx: &Context, r: &Report) -> String {
    let now = Timestamp::now();
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<15} {v}\n"));
    line("Profile:", r.profile.clone());
    line(
        "Logged in:",
        if r.logged_in { "yes" } else { "no" }.to_string(),
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
        line("Access token:", format!("{tok}, {state} {exp} ({rel})"));
        line(
            "Refresh token:",
            if r.has_refresh_token { "held" } else { "none" }.to_string(),
        );
        line(
            "Lifetimes:",
            lifetime_text(
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
    if let Some(next) = &r.next_step {
        let why = if r.access_token.is_none() {
            "Not logged in"
        } else if !r.logged_in {
            "The access token has expired and there is no refresh token"
        } else {
            "The access token has expired"
        };
        out.push_str(&format!("{why}: run `{next}`\n"));
    }
    out
}

use crate::redact::clean;

/// What the server grants, in words: "tokens last 1 day; refresh tokens rotate".
pub fn lifetimes(t: &crate::store::TokenRecord) -> String {
    lifetime_text(t.expires_in, t.refresh_token.is_some(), t.refresh_rotated)
}

fn lifetime_text(expires_in: Option<u64>, refresh: bool, rotates: Option<bool>) -> String {
    let life = match expires_in {
        Some(s) => format!("tokens last {}", human_lifetime(s)),
        None => "token lifetime not stated by the server".to_string(),
    };
    let rot = match (refresh, rotates) {
        (false, _) => "no refresh token",
        (true, Some(true)) => "refresh tokens rotate",
        (true, Some(false)) => "refresh tokens do not rotate",
        (true, None) => "not refreshed yet",
    };
    format!("{life}; {rot}")
}

/// `1 day`, `2 hours`, `90 minutes`, or the compact form for other values.
pub fn human_lifetime(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        0 => "0 seconds".to_string(),
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => crate::time::short_duration(std::time::Duration::from_secs(s)),
    }
}

/// `figma-auth status`.
pub fn run(ctx: &Context, args: &StatusArgs) -> Result<u8, Error> {
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
    super::token::write_stdout(&text)?;
    Ok(if report.logged_in {
        exit::OK
    } else {
        exit::LOGIN_REQUIRED
    })
}
