//! `figma-auth doctor [--online] [--json]`: checks everything figma-auth depends on and says what
//! is wrong, each problem with the command that fixes it — the credential store (permissions,
//! readable), the login (registration, access and refresh token, expiry), the token file, every
//! MCP client config found (parsable, entry present, current or stale, and which file the client
//! actually uses: opencode's merge, the scope precedence of the others), the refresh schedule,
//! and with `--online` whether the MCP server accepts the token (an MCP `initialize` request).
//!
//! Reads only: no lock, no write, no refresh. Never prints a secret (tokens appear masked).
//! Exit 0 when no problem is found (warnings allowed), 1 when at least one problem is found,
//! 4 with `--online` when nothing is wrong locally but the server could not tell (network, 429,
//! 5xx: try again later).

use super::Context;
use crate::apply::{self, Owner};
use crate::cli::DoctorArgs;
use crate::clients::{self, Client, ConfigFile, Mode};
use crate::edit::{EntryState, Inspection, SecretHeader};
use crate::error::{exit, Error};
use crate::mcp::{self, Probe};
use crate::store::{ProfileData, StoreError, TokenRecord};
use crate::time::{short_duration, Timestamp};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Info,
    Warning,
    Problem,
}

impl Level {
    fn tag(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Problem => "PROBLEM",
        }
    }

    /// The tag's colour on a terminal (the colours of figma-auth's own labels).
    fn style(self) -> anstyle::Style {
        match self {
            Level::Ok => crate::ui::GOOD,
            Level::Info => anstyle::Style::new(),
            Level::Warning => crate::ui::WARNING,
            Level::Problem => crate::ui::ERROR,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `store`, `login`, `token file`, `configs`, `schedule` or `server`.
    pub area: &'static str,
    pub level: Level,
    /// What was found (never a secret).
    pub message: String,
    /// The file concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// How to fix it: a sentence ending with the command in backticks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The command of `fix` alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// A temporary condition (retry later), not something to fix.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub temporary: bool,
}

impl Check {
    fn new(area: &'static str, level: Level, message: impl Into<String>) -> Self {
        Check {
            area,
            level,
            message: message.into(),
            path: None,
            fix: None,
            command: None,
            temporary: false,
        }
    }

    /// Fixed by running `command`.
    fn run(mut self, command: impl Into<String>) -> Self {
        let command = command.into();
        self.fix = Some(format!("run `{command}`"));
        self.command = Some(command);
        self
    }

    /// Fixed by doing `what`, then running `command`.
    fn then_run(mut self, what: &str, command: impl Into<String>) -> Self {
        let command = command.into();
        self.fix = Some(format!("{what}, then run `{command}`"));
        self.command = Some(command);
        self
    }

    fn at(mut self, path: &Path) -> Self {
        self.path = Some(path.display().to_string());
        self
    }

    fn temporary(mut self) -> Self {
        self.temporary = true;
        self
    }
}

/// Everything `doctor` found; also its JSON form.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub profile: String,
    /// No problem found (warnings allowed).
    pub healthy: bool,
    pub problems: usize,
    pub warnings: usize,
    /// The exit code `doctor` ends with.
    pub exit_code: u8,
    pub checks: Vec<Check>,
}

/// The state of the periodic `figma-auth refresh --write`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleState {
    /// A scheduler entry runs it: a description (backend, interval, last run), and what is off
    /// with it (message, fix).
    Installed {
        detail: String,
        problems: Vec<(String, String)>,
    },
    NotInstalled,
    /// Cannot be told; the reason.
    Unknown(String),
}

/// Asks the scheduling module ([`crate::schedule::status_report`], the same check as
/// `figma-auth schedule status`) about this profile's periodic refresh, in every backend.
pub fn schedule_status(ctx: &Context) -> ScheduleState {
    use crate::schedule::status_report;
    let mut sctx = ctx.clone();
    sctx.program_timeout = Duration::from_secs(10);
    let report = match status_report(&sctx, None) {
        Ok(r) => r,
        Err(e) => return ScheduleState::Unknown(crate::error::chain(&e)),
    };
    let Some(first) = report.installed.first() else {
        return ScheduleState::NotInstalled;
    };
    let mut detail = format!("{} at {}", first.backend.name(), first.location);
    if let Some(every) = first.interval {
        detail.push_str(&format!(
            ", every {}",
            humantime::format_duration(Duration::from_secs(every.as_secs()))
        ));
    }
    match &report.last_run {
        Some(last) => detail.push_str(&format!(
            ", last run {} (exit {})",
            last.when, last.exit_code
        )),
        None => detail.push_str(", no run logged yet"),
    }
    ScheduleState::Installed {
        detail,
        problems: report
            .problems
            .into_iter()
            .map(|p| (p.message, p.fix))
            .collect(),
    }
}

/// Runs every check (the network one only with `online`).
pub fn collect(ctx: &Context, online: bool) -> Report {
    let mut checks = Vec::new();
    let data = check_store(ctx, &mut checks);
    crate::fault::panic_point("doctor", || {
        data.as_ref()
            .and_then(|d| d.token.as_ref())
            .map(|t| t.access_token.expose().to_string())
            .unwrap_or_default()
    });
    if let Some(data) = &data {
        check_login(ctx, data, &mut checks);
    }
    check_token_file(ctx, data.as_ref(), &mut checks);
    let inline = check_configs(
        ctx,
        data.as_ref().unwrap_or(&ProfileData::default()),
        &mut checks,
    );
    check_schedule(ctx, inline, &mut checks);
    if online {
        check_online(ctx, data.as_ref(), &mut checks);
    }
    let problems = checks.iter().filter(|c| c.level == Level::Problem).count();
    let warnings = checks.iter().filter(|c| c.level == Level::Warning).count();
    let exit_code = if problems > 0 {
        exit::ERROR
    } else if checks.iter().any(|c| c.temporary) {
        exit::TEMPORARY
    } else {
        exit::OK
    };
    Report {
        profile: ctx.profile().to_string(),
        healthy: problems == 0,
        problems,
        warnings,
        exit_code,
        checks,
    }
}

/// `figma-auth doctor`.
pub fn run(ctx: &Context, args: &DoctorArgs) -> Result<u8, Error> {
    let report = collect(ctx, args.online);
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&report).expect("the report serialises");
        s.push('\n');
        s
    } else {
        render_styled(&report, ctx.ui.out_color())
    };
    ctx.ui.out(&text)?;
    Ok(report.exit_code)
}

/// The text form: one section per area, one line per finding; problem and warning lines end
/// with their fix.
pub fn render(r: &Report) -> String {
    render_styled(r, false)
}

/// [`render`], with the level tags coloured when `color`.
pub fn render_styled(r: &Report, color: bool) -> String {
    let mut out = format!("figma-auth doctor (profile {})\n", r.profile);
    let mut area = "";
    for c in &r.checks {
        if c.area != area {
            area = c.area;
            out.push_str(&format!("\n{}:\n", section_title(area)));
        }
        let tag = c.level.tag();
        let pad = " ".repeat(8usize.saturating_sub(tag.len()));
        let mut line = if color {
            let style = c.level.style();
            format!("  {style}{tag}{style:#}{pad} {}", c.message)
        } else {
            format!("  {tag}{pad} {}", c.message)
        };
        if let Some(fix) = &c.fix {
            line.push_str(if c.level >= Level::Warning {
                "; fix: "
            } else {
                "; "
            });
            line.push_str(fix);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    let temporary = r.checks.iter().any(|c| c.temporary);
    out.push_str(&match (r.problems, r.warnings) {
        (0, 0) => "No problem found.".to_string(),
        (0, w) => format!("No problem found; {w} warning{}.", plural(w)),
        (p, 0) => format!("{p} problem{} found.", plural(p)),
        (p, w) => format!(
            "{p} problem{} and {w} warning{} found.",
            plural(p),
            plural(w)
        ),
    });
    if temporary && r.problems == 0 {
        out.push_str(" The MCP server could not be checked right now: try again later.");
    }
    out.push('\n');
    out
}

fn section_title(area: &str) -> &'static str {
    match area {
        "store" => "Credential store",
        "login" => "Login",
        "token file" => "Token file",
        "configs" => "MCP client configs",
        "schedule" => "Automatic refresh",
        "server" => "MCP server",
        _ => "Other",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A path as it can be pasted into a shell: `~/…` when that needs no quoting, else quoted.
fn shell_path(ctx: &Context, p: &Path) -> String {
    let safe = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-~+@%:,=".contains(c))
    };
    let shown = ctx.show_path(p);
    if safe(&shown) {
        return shown;
    }
    let full = p.display().to_string();
    if safe(&full) {
        full
    } else {
        format!("'{}'", full.replace('\'', r"'\''"))
    }
}

/// The permission bits that let other users in, when there are any.
fn loose_mode(p: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        None
    }
}

/// A problem for each of `paths` that other users can read.
fn check_modes(ctx: &Context, area: &'static str, paths: &[(&Path, u32)], out: &mut Vec<Check>) {
    for (p, want) in paths {
        if let Some(mode) = loose_mode(p) {
            out.push(
                Check::new(
                    area,
                    Level::Problem,
                    format!(
                        "{} is accessible by other users (mode {mode:04o})",
                        ctx.show_path(p)
                    ),
                )
                .at(p)
                .run(format!("chmod {want:o} {}", shell_path(ctx, p))),
            );
        }
    }
}

fn check_store(ctx: &Context, out: &mut Vec<Check>) -> Option<ProfileData> {
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

fn check_login(ctx: &Context, data: &ProfileData, out: &mut Vec<Check>) {
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

fn check_token_file(ctx: &Context, data: Option<&ProfileData>, out: &mut Vec<Check>) {
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

/// What one config file holds for our server.
enum Held {
    Unreadable(String),
    Missing,
    /// An entry with our name pointing elsewhere.
    OtherUrl(Option<String>),
    Entry(Box<EntryState>),
}

/// How an entry gets its Authorization.
#[derive(Debug, PartialEq, Eq)]
enum Auth {
    /// The current token.
    Current,
    /// Another (old) token.
    Stale,
    /// No Authorization header.
    Absent,
    /// From another key (`headersHelper`, `bearer_token_env_var`, …).
    Indirect(Vec<String>),
    /// `{file:…}`, `${VAR}`, `{env:VAR}`, …: the reference text.
    Reference(String),
}

fn auth_of(e: &EntryState, want: Option<&SecretHeader>) -> Auth {
    if !e.other_auth.is_empty() {
        return Auth::Indirect(e.other_auth.clone());
    }
    let Some(a) = &e.authorization else {
        return Auth::Absent;
    };
    if e.authorization_is_reference() {
        return Auth::Reference(reference_text(a.expose()));
    }
    match want {
        Some(w) if w.expose() == a.expose() && e.missing_required.is_empty() => Auth::Current,
        _ => Auth::Stale,
    }
}

/// The `{file:…}` / `${…}` / `{env:…}` part of a header value (references are not secrets; the
/// rest of the value is not shown).
fn reference_text(v: &str) -> String {
    let start = ["${", "{env:", "{file:"]
        .iter()
        .filter_map(|m| v.find(m))
        .min()
        .unwrap_or(0);
    let end = v[start..]
        .find('}')
        .map(|i| start + i + 1)
        .unwrap_or(v.len());
    crate::oauth::sanitize(&v[start..end], &[], 200)
}

/// The variable a reference reads, if it reads one.
fn reference_var(r: &str) -> Option<&str> {
    let inner = r.strip_prefix("${").or_else(|| r.strip_prefix('{'))?;
    let inner = inner.strip_suffix('}')?;
    let inner = inner.strip_prefix("env:").unwrap_or(inner);
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(inner)
}

fn is_good(h: &Held, want: Option<&SecretHeader>) -> bool {
    match h {
        Held::Entry(e) => {
            !e.is_disabled()
                && matches!(
                    auth_of(e, want),
                    Auth::Current | Auth::Indirect(_) | Auth::Reference(_)
                )
        }
        _ => false,
    }
}

/// Checks every config file; returns how many hold the token inline (they need a schedule).
fn check_configs(ctx: &Context, data: &ProfileData, out: &mut Vec<Check>) -> usize {
    const AREA: &str = "configs";
    let before = out.len();
    let mut inline = 0;
    let want = data
        .token
        .as_ref()
        .map(|t: &TokenRecord| SecretHeader::bearer(&t.access_token));
    for (target, surveyed) in ctx.configs().survey_managed(data) {
        // The entry this profile manages in this client (else the default name).
        let name = surveyed
            .iter()
            .find(|s| s.owner == Owner::This)
            .map(|s| s.server.name.clone())
            .unwrap_or_else(|| clients::DEFAULT_NAME.to_string());
        let url = ctx.mcp_url();
        let files: Vec<ConfigFile> = surveyed.iter().map(|s| s.file.clone()).collect();
        let inspections: Vec<Result<Inspection, String>> =
            surveyed.iter().map(|s| s.inspection.clone()).collect();
        let held: Vec<Held> = inspections
            .iter()
            .map(|i| match i {
                Err(e) => Held::Unreadable(e.clone()),
                Ok(Inspection::Missing) => Held::Missing,
                Ok(Inspection::Conflict(e)) => Held::OtherUrl(e.url.clone()),
                Ok(Inspection::Found(e)) => Held::Entry(Box::new(e.clone())),
            })
            .collect();
        let managed: Vec<bool> = surveyed.iter().map(|s| s.owner == Owner::This).collect();
        let ctx_t = TargetCtx {
            ctx,
            target,
            name: &name,
            url: &url,
            want: want.as_ref(),
        };
        for (i, s) in surveyed.iter().enumerate() {
            let holds_token = ctx_t.file_checks(&s.file, &held[i], &s.owner, s.mode, out);
            if holds_token > 0 {
                let keep_mode = data
                    .configs
                    .iter()
                    .any(|r| r.keep_mode && apply::is_record_of(r, &s.file));
                ctx_t.permission_checks(&s.file, keep_mode, out);
            }
            inline += holds_token;
        }
        match target.precedence {
            clients::Precedence::DeepMerge => {
                ctx_t.merged(&files, &inspections, &held, &managed, out)
            }
            clients::Precedence::LastWins(_) => {
                ctx_t.precedence(&files, &inspections, &held, &managed, out)
            }
        }
    }
    if out.len() == before {
        out.push(
            Check::new(
                AREA,
                Level::Info,
                "no MCP client config holds the figma server",
            )
            .run(format!("figma-auth setup --target <client>{}", ctx.flags())),
        );
    }
    inline
}

/// What the config checks of one client share.
struct TargetCtx<'a> {
    ctx: &'a Context,
    target: &'static Client,
    name: &'a str,
    url: &'a str,
    want: Option<&'a SecretHeader>,
}

impl TargetCtx<'_> {
    const AREA: &'static str = "configs";

    fn refresh_cmd(&self) -> String {
        format!(
            "figma-auth refresh --write --target {}{}",
            self.target.id,
            self.ctx.flags()
        )
    }

    fn setup_cmd(&self, f: &ConfigFile, force: bool) -> String {
        format!(
            "figma-auth setup --target {} --scope {}{}{} --write",
            self.target.id,
            f.scope.as_str(),
            if force { " --force" } else { "" },
            self.ctx.flags()
        )
    }

    /// The line of one file; returns 1 when it holds a token inline.
    fn file_checks(
        &self,
        f: &ConfigFile,
        h: &Held,
        owner: &Owner,
        mode: Mode,
        out: &mut Vec<Check>,
    ) -> usize {
        let what = f.describe(&self.ctx.env);
        let name = self.name;
        let managed = *owner == Owner::This;
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        if let (Held::Entry(e), false) = (h, managed) {
            // Someone else's entry: reported, never judged against (or fixed with) our token.
            let setup = self.setup_cmd(f, false);
            let holds_ours = matches!((&e.authorization, self.want), (Some(a), Some(w)) if a.expose() == w.expose());
            out.push(match owner {
                Owner::Other(p) => c(
                    Level::Info,
                    format!("{what}: the `{}` entry is managed by profile {p}, not by this profile", e.name),
                ),
                _ if holds_ours => c(
                    Level::Warning,
                    format!(
                        "{what}: the `{}` entry holds this profile's token but is not managed by this profile, so `refresh --write` leaves it alone and it stops working when the token expires",
                        e.name
                    ),
                )
                .then_run("to have figma-auth keep it current, adopt it", setup),
                _ => c(
                    Level::Info,
                    format!(
                        "{what}: the `{}` entry is not managed by this profile (figma-auth leaves it alone; `{setup}` adopts it)",
                        e.name
                    ),
                ),
            });
            // Whether it can work at all (a helper that exists, a variable that is set) is
            // still worth knowing; its token is not ours to judge.
            match auth_of(e, self.want) {
                Auth::Indirect(keys) => self.indirect_checks(&what, f, e, &keys, mode, out),
                Auth::Reference(r) => self.reference_checks(&what, f, &r, out),
                _ => {}
            }
            return 0;
        }
        match h {
            Held::Unreadable(e) => out.push(
                c(Level::Problem, format!("{what} cannot be read: {e}")).then_run(
                    "correct the file at the position given",
                    format!("figma-auth doctor{}", self.ctx.flags()),
                ),
            ),
            Held::Missing if managed => out.push(
                c(
                    Level::Problem,
                    format!("{what}: the `{name}` entry figma-auth set up is gone"),
                )
                .run(self.setup_cmd(f, false)),
            ),
            Held::Missing => out.push(c(Level::Info, format!("{what}: no `{name}` entry"))),
            Held::OtherUrl(u) => out.push(
                c(
                    Level::Warning,
                    format!(
                        "{what}: the `{name}` entry points at {}, not {}",
                        u.as_deref().unwrap_or("no URL"),
                        self.url
                    ),
                )
                .then_run(
                    "if it should be Figma's remote server, take it over",
                    self.setup_cmd(f, true),
                ),
            ),
            Held::Entry(e) => {
                if e.is_disabled() {
                    out.push(
                        c(
                            Level::Warning,
                            format!(
                                "{what}: the `{}` entry (line {}) is disabled",
                                e.name, e.line
                            ),
                        )
                        .then_run(
                            "enable it in the file if you want to use it",
                            format!("figma-auth doctor{}", self.ctx.flags()),
                        ),
                    );
                }
                match auth_of(e, self.want) {
                    Auth::Current => {
                        out.push(c(Level::Ok, format!("{what}: current token")));
                        return 1;
                    }
                    Auth::Stale if self.want.is_none() => {
                        out.push(
                            c(
                                Level::Problem,
                                format!("{what}: holds a token, but the profile is not logged in"),
                            )
                            .run(format!("figma-auth login{}", self.ctx.flags())),
                        );
                        return 1;
                    }
                    Auth::Stale if !e.missing_required.is_empty() => {
                        out.push(
                            c(
                                Level::Problem,
                                format!(
                                    "{what}: the entry lacks `{}`",
                                    e.missing_required.join("`, `")
                                ),
                            )
                            .run(self.refresh_cmd()),
                        );
                        return 1;
                    }
                    Auth::Stale => {
                        out.push(
                            c(
                                Level::Problem,
                                format!("{what}: holds an old token (not the one in the credential store)"),
                            )
                            .run(self.refresh_cmd()),
                        );
                        return 1;
                    }
                    Auth::Absent => out.push(
                        c(
                            Level::Problem,
                            format!("{what}: the entry has no Authorization header"),
                        )
                        .run(self.refresh_cmd()),
                    ),
                    Auth::Indirect(keys) => self.indirect_checks(&what, f, e, &keys, mode, out),
                    Auth::Reference(r) => self.reference_checks(&what, f, &r, out),
                }
            }
        }
        0
    }

    /// A file holding the token inline: other users must not be able to read it, and
    /// figma-auth must be able to update it (the write path's own check, so doctor reports
    /// exactly what a refresh would refuse or change).
    fn permission_checks(&self, f: &ConfigFile, keep_mode: bool, out: &mut Vec<Check>) {
        use crate::fs::{FsError, ModeRule, WriteOptions};
        let what = f.describe(&self.ctx.env);
        let Ok(real) = crate::fs::resolve_symlinks(&f.path) else {
            return;
        };
        let Ok(meta) = std::fs::metadata(&real) else {
            return;
        };
        let rule = if keep_mode {
            ModeRule::KeepLoose
        } else {
            ModeRule::Private
        };
        let opts = WriteOptions::new(apply::NEW_FILE_MODE)
            .guarded()
            .with_mode_rule(rule);
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let path = shell_path(self.ctx, &real);
        match crate::fs::check_target(&real, Some(&meta), &opts) {
            Ok(effects) => {
                if let Some((from, _)) = effects.tightened {
                    out.push(
                        c(
                            Level::Problem,
                            format!(
                                "{what}: holds your token and other users can read it (mode {from:04o})"
                            ),
                        )
                        .run(format!("chmod 600 {path}")),
                    );
                }
                if let Some(mode) = effects.kept_loose {
                    out.push(c(
                        Level::Warning,
                        format!(
                            "{what}: holds your token and other users can read it (mode {mode:04o}, kept as `setup --keep-mode` asked)"
                        ),
                    ));
                }
            }
            Err(e) => {
                let check = c(
                    Level::Problem,
                    format!(
                        "{what}: figma-auth cannot update it: {}",
                        crate::error::chain(&e)
                    ),
                );
                out.push(match &e {
                    FsError::ReadOnly { .. } => check.run(format!("chmod u+w {path}")),
                    FsError::SharedDir { dir, .. } => check.then_run(
                        "if the directory need not be shared",
                        format!("chmod go-w {}", shell_path(self.ctx, dir)),
                    ),
                    FsError::NotOwned { path: p, .. } => check.then_run(
                        "run figma-auth as the owner, or make it yours",
                        format!("sudo chown \"$(id -un)\" {}", shell_path(self.ctx, p)),
                    ),
                    _ => check,
                });
            }
        }
    }

    /// Credentials from another key: a helper command must exist, a variable must be set here.
    fn indirect_checks(
        &self,
        what: &str,
        f: &ConfigFile,
        e: &EntryState,
        keys: &[String],
        mode: Mode,
        out: &mut Vec<Check>,
    ) {
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let via = if mode == Mode::Inline {
            String::new()
        } else {
            format!(" ({} mode)", mode.as_str())
        };
        for key in keys {
            let value = e.auth_field(key);
            match (key.as_str(), value) {
                ("headersHelper" | "http_headers_helper", Some(cmd)) => {
                    out.push(self.helper_check(what, f, e, key, cmd, &via))
                }
                ("bearer_token_env_var", Some(var)) => {
                    self.variable_check(what, f, &format!("${var}"), var, out)
                }
                _ => out.push(c(
                    Level::Ok,
                    format!("{what}: credentials from `{key}`{via}"),
                )),
            }
        }
    }

    /// A helper command should run an installed figma-auth: one that is gone (moved,
    /// uninstalled) is a problem `setup` fixes, `npx` or another figma-auth are worth knowing.
    fn helper_check(
        &self,
        what: &str,
        f: &ConfigFile,
        e: &EntryState,
        key: &str,
        cmd: &str,
        via: &str,
    ) -> Check {
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let runs = format!("{what}: the `{}` entry's `{key}` command runs", e.name);
        let program = crate::binary::helper_program(cmd);
        let switch = format!(
            "figma-auth setup --target {} --scope {} --mode helper{} --write",
            self.target.id,
            f.scope.as_str(),
            self.ctx.flags()
        );
        if let Some((p, why)) = self.target.broken_helper(e) {
            return c(
                Level::Problem,
                format!(
                    "{runs} {}, which {why} (figma-auth was moved, upgraded elsewhere or uninstalled)",
                    p.display()
                ),
            )
            .run(self.setup_cmd(f, false));
        }
        let runner = program.as_deref().and_then(|p| {
            let name = p.file_name()?.to_str()?;
            ["npx", "bunx", "pnpm", "pnpx", "yarn", "npm"]
                .contains(&name)
                .then_some(name)
                .or_else(|| crate::binary::runner_cache(p))
        });
        if let Some(runner) = runner {
            return c(
                Level::Warning,
                format!(
                    "{runs} figma-auth through {runner}, which adds start-up time to every request, fails offline and may run another version (install figma-auth to name its binary instead)"
                ),
            )
            .run(switch);
        }
        let ours = self.ctx.exe().ok();
        let same = |p: &Path, q: &Path| {
            p == q || std::fs::canonicalize(p).ok() == std::fs::canonicalize(q).ok()
        };
        match (program, ours) {
            (Some(p), Some(ours))
                if p.is_absolute() && p.file_name() == ours.file_name() && !same(&p, &ours) =>
            {
                c(
                    Level::Info,
                    format!(
                        "{runs} {}, not this figma-auth ({}); `{switch}` switches it",
                        p.display(),
                        ours.display()
                    ),
                )
            }
            _ => c(
                Level::Ok,
                format!("{what}: credentials from the `{key}` command{via}"),
            ),
        }
    }

    /// The token is read from `var`: it should be set in this environment (where the client is
    /// probably started from).
    fn variable_check(&self, what: &str, f: &ConfigFile, r: &str, var: &str, out: &mut Vec<Check>) {
        let flags = self.ctx.flags();
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        if std::env::var_os(var).is_none_or(|v| v.is_empty()) {
            out.push(
                c(
                    Level::Warning,
                    format!(
                        "{what}: reads the token from {r}, but {var} is not set in this environment"
                    ),
                )
                .then_run(
                    &format!(
                        "set it where {} starts, e.g. `eval \"$(figma-auth env --var {var}{flags})\"` in your shell start-up file",
                        self.target.name
                    ),
                    format!("figma-auth env --var {var}{flags}"),
                ),
            );
        } else {
            out.push(c(Level::Ok, format!("{what}: reads the token from {r}")));
        }
    }

    /// `{file:…}` must exist (and be our token file, checked under "token file"); a variable is
    /// checked in this environment.
    fn reference_checks(&self, what: &str, f: &ConfigFile, r: &str, out: &mut Vec<Check>) {
        let flags = self.ctx.flags();
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        if let Some(file) = r.strip_prefix("{file:").and_then(|s| s.strip_suffix('}')) {
            let p = expand_home(self.ctx, file, &f.path);
            if p.exists() {
                out.push(c(Level::Ok, format!("{what}: reads the token from {r}")));
            } else {
                out.push(
                    c(
                        Level::Problem,
                        format!("{what}: reads the token from {r}, which does not exist"),
                    )
                    .run(format!(
                        "figma-auth setup --target {} --mode file{flags} --write",
                        self.target.id
                    )),
                );
            }
            return;
        }
        match reference_var(r) {
            Some(var) => self.variable_check(what, f, r, var, out),
            None => out.push(c(Level::Ok, format!("{what}: reads the token from {r}"))),
        }
    }

    /// Clients that take one entry by precedence (local > project > user; within a scope, the
    /// last file; the client's [`clients::Precedence`], which `status` uses too): the entry in
    /// use must be a good one.
    fn precedence(
        &self,
        files: &[ConfigFile],
        inspections: &[Result<Inspection, String>],
        held: &[Held],
        managed: &[bool],
        out: &mut Vec<Check>,
    ) {
        let states: Vec<Option<&Inspection>> =
            inspections.iter().map(|i| i.as_ref().ok()).collect();
        let Some(w) = self.target.precedence.winner(files, &states, self.name) else {
            return;
        };
        let named = |i: usize| {
            matches!(&held[i], Held::Entry(e) if e.name == self.name)
                || matches!(held[i], Held::OtherUrl(_))
        };
        let entries = (0..files.len()).filter(|&i| named(i)).count();
        if is_good(&held[w], self.want) {
            if entries > 1 {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Info,
                        format!(
                            "{} uses the entry of {}",
                            self.target.name,
                            files[w].describe(&self.ctx.env)
                        ),
                    )
                    .at(&files[w].path),
                );
            }
            return;
        }
        let shadowed = (0..files.len())
            .find(|&i| i != w && named(i) && (managed[i] || is_good(&held[i], self.want)));
        self.override_problem(files, held, managed, w, shadowed, out);
    }

    /// A client that deep-merges every file (opencode): the last file setting `url`, the
    /// Authorization header or `enabled` wins, field by field.
    fn merged(
        &self,
        files: &[ConfigFile],
        inspections: &[Result<Inspection, String>],
        held: &[Held],
        managed: &[bool],
        out: &mut Vec<Check>,
    ) {
        let states: Vec<Option<&Inspection>> =
            inspections.iter().map(|i| i.as_ref().ok()).collect();
        let eff = clients::opencode::effective(&states, self.name);
        let describe = |i: usize| files[i].describe(&self.ctx.env);
        if let Some((i, url)) = &eff.url {
            if url.trim_end_matches('/') != self.url.trim_end_matches('/') {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Problem,
                        format!(
                            "{} connects `{}` to {url}, set in {}, which overrides the other files",
                            self.target.name,
                            self.name,
                            describe(*i)
                        ),
                    )
                    .at(&files[*i].path)
                    .then_run(
                        "remove that `url` (or the whole entry), or take the entry over",
                        self.setup_cmd(&files[*i], true),
                    ),
                );
            }
        }
        if let Some((i, en)) = eff.enabled {
            if !en {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Problem,
                        format!(
                            "{} disables `{}`: {} sets it disabled, which overrides the other files",
                            self.target.name,
                            self.name,
                            describe(i)
                        ),
                    )
                    .at(&files[i].path)
                    .then_run(
                        "remove `enabled: false` / `disabled: true` there",
                        format!("figma-auth doctor{}", self.ctx.flags()),
                    ),
                );
            }
        }
        let auth_winner = eff.authorization.as_ref().map(|(i, _)| *i);
        let Some(w) = auth_winner else { return };
        let good = match &held[w] {
            Held::Entry(e) => matches!(
                auth_of(e, self.want),
                Auth::Current | Auth::Indirect(_) | Auth::Reference(_)
            ),
            _ => false,
        };
        let others = (0..files.len())
            .filter(|i| matches!(held[*i], Held::Entry(_)))
            .count();
        if good {
            if others > 1 {
                out.push(
                    Check::new(
                        Self::AREA,
                        Level::Info,
                        format!(
                            "{} uses the Authorization header of {}",
                            self.target.name,
                            describe(w)
                        ),
                    )
                    .at(&files[w].path),
                );
            }
            return;
        }
        let shadowed = (0..files.len()).find(|i| {
            *i != w
                && (managed[*i]
                    || matches!(&held[*i], Held::Entry(e) if auth_of(e, self.want) == Auth::Current))
        });
        self.override_problem(files, held, managed, w, shadowed, out);
    }

    /// The file in use (`w`) is not a good one, and it hides `shadowed` (managed or good).
    fn override_problem(
        &self,
        files: &[ConfigFile],
        held: &[Held],
        managed: &[bool],
        w: usize,
        shadowed: Option<usize>,
        out: &mut Vec<Check>,
    ) {
        let Some(s) = shadowed else { return };
        let msg = format!(
            "{} uses the `{}` entry of {}, which overrides {}",
            self.target.name,
            self.name,
            files[w].describe(&self.ctx.env),
            files[s].describe(&self.ctx.env)
        );
        let check = Check::new(Self::AREA, Level::Problem, msg).at(&files[w].path);
        out.push(match &held[w] {
            Held::OtherUrl(_) => check.then_run(
                "remove that entry, or take it over",
                self.setup_cmd(&files[w], true),
            ),
            Held::Entry(e) if e.is_disabled() => check.then_run(
                "enable it or remove it",
                format!("figma-auth doctor{}", self.ctx.flags()),
            ),
            Held::Entry(_) if managed[w] => check.run(self.refresh_cmd()),
            // Not ours: `refresh` leaves it alone; adopting it lets figma-auth keep it current.
            Held::Entry(_) => check.then_run(
                "remove that entry, or adopt it",
                self.setup_cmd(&files[w], false),
            ),
            _ => check.then_run(
                "correct or remove it",
                format!("figma-auth doctor{}", self.ctx.flags()),
            ),
        });
    }
}

/// A `{file:…}` path as opencode resolves it: `~/` is the home, relative paths are relative to
/// the config file's directory.
fn expand_home(ctx: &Context, file: &str, config: &Path) -> std::path::PathBuf {
    if let Some(rest) = file.strip_prefix("~/") {
        return ctx.env.home.join(rest);
    }
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        config.parent().unwrap_or(Path::new(".")).join(p)
    }
}

fn check_schedule(ctx: &Context, inline: usize, out: &mut Vec<Check>) {
    const AREA: &str = "schedule";
    let flags = ctx.flags();
    let install = format!("figma-auth schedule install{flags} --write");
    let files = if inline == 1 {
        "file holds"
    } else {
        "files hold"
    };
    match schedule_status(ctx) {
        ScheduleState::Installed { detail, problems } => {
            out.push(Check::new(
                AREA,
                if problems.is_empty() {
                    Level::Ok
                } else {
                    Level::Info
                },
                format!("`figma-auth refresh --write` is scheduled: {detail}"),
            ));
            for (message, fix) in problems {
                // Fixes read `command (remark)`: the command alone goes in backticks, and a
                // question for the user stays with the message.
                let (command, message) = match fix.split_once(" (") {
                    Some((c, w)) if w.ends_with("?)") => {
                        (c.to_string(), format!("{message} ({w}"))
                    }
                    Some((c, _)) => (c.to_string(), message),
                    None => (fix.clone(), message),
                };
                out.push(Check::new(AREA, Level::Problem, message).run(command));
            }
        }
        ScheduleState::NotInstalled if inline > 0 => out.push(
            Check::new(
                AREA,
                Level::Warning,
                format!("no scheduled refresh, and {inline} config {files} the token inline: they go stale when it expires"),
            )
            .run(install),
        ),
        ScheduleState::NotInstalled => out.push(Check::new(
            AREA,
            Level::Info,
            "no scheduled refresh (no config holds the token inline)",
        )),
        ScheduleState::Unknown(why) if inline > 0 => out.push(Check::new(
            AREA,
            Level::Info,
            format!(
                "unknown ({why}); {inline} config {files} the token inline and need `figma-auth refresh --write{flags}` to run periodically"
            ),
        )),
        ScheduleState::Unknown(why) => {
            out.push(Check::new(AREA, Level::Info, format!("unknown ({why})")))
        }
    }
}

fn check_online(ctx: &Context, data: Option<&ProfileData>, out: &mut Vec<Check>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_shown_without_the_rest_of_the_value() {
        assert_eq!(
            reference_text("Bearer {file:~/t.token}"),
            "{file:~/t.token}"
        );
        assert_eq!(reference_text("Bearer ${FIGMA_TOKEN}"), "${FIGMA_TOKEN}");
        assert_eq!(reference_text("Bearer {env:X}"), "{env:X}");
        assert_eq!(reference_var("${FIGMA_TOKEN}"), Some("FIGMA_TOKEN"));
        assert_eq!(reference_var("${env:FIGMA_TOKEN}"), Some("FIGMA_TOKEN"));
        assert_eq!(reference_var("{env:T}"), Some("T"));
        assert_eq!(reference_var("${input:token}"), None);
    }

    #[test]
    fn problem_lines_end_with_their_fix() {
        let r = Report {
            profile: "default".into(),
            healthy: false,
            problems: 1,
            warnings: 0,
            exit_code: 1,
            checks: vec![
                Check::new("login", Level::Ok, "refresh token held"),
                Check::new("login", Level::Problem, "the access token expired")
                    .run("figma-auth refresh --write"),
            ],
        };
        let text = render(&r);
        assert!(
            text.contains("Login:\n  ok       refresh token held\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  PROBLEM  the access token expired; fix: run `figma-auth refresh --write`\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("1 problem found.\n"), "{text}");
    }
}
