//! The subcommands, one file each, and the [`Context`] they share: the resolved global options,
//! the environment snapshot, the credential store and the timeouts. Commands return an exit code
//! or an [`Error`]; printing errors is `main`'s job.

pub mod doctor;
pub mod env;
pub mod header;
pub mod login;
pub mod logout;
pub mod proxy;
pub mod refresh;
pub mod setup;
pub mod shell;
pub mod status;
pub mod token;
pub mod token_file;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::Error;
use crate::oauth::{self, Url};
use crate::paths::Env;
use crate::store::{Store, StoreLock, DEFAULT_LOCK_TIMEOUT};
use std::time::Duration;

/// Default timeout of one HTTP request to the authorization server.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `login` waits for the browser's callback before it prints the URL.
pub const DEFAULT_SHOW_URL_AFTER: Duration = Duration::from_secs(10);

/// Everything a command needs besides its own arguments.
#[derive(Debug, Clone)]
pub struct Context {
    pub env: Env,
    pub global: GlobalArgs,
    pub store: Store,
    /// Total per request, body included; `FIGMA_AUTH_HTTP_TIMEOUT` overrides
    /// [`DEFAULT_HTTP_TIMEOUT`].
    pub http_timeout: Duration,
    /// Wait for another process's store lock; `FIGMA_AUTH_LOCK_TIMEOUT` overrides
    /// [`DEFAULT_LOCK_TIMEOUT`].
    pub lock_timeout: Duration,
    /// Wait for a client's own lock (Claude Code's `~/.claude.json.lock`);
    /// `FIGMA_AUTH_CLIENT_LOCK_TIMEOUT` overrides [`crate::apply::LOCK_WAIT`].
    pub client_lock_timeout: Duration,
    /// How long `login` waits for the browser before it prints the authorization URL and the
    /// note for SSH users anyway; `FIGMA_AUTH_SHOW_URL_AFTER` overrides [`DEFAULT_SHOW_URL_AFTER`].
    pub show_url_after: Duration,
    /// The terminal: the one stdin reader, prompts, the spinner.
    pub ui: crate::ui::Ui,
}

impl Context {
    /// Builds the context from the process environment.
    pub fn from_process(global: GlobalArgs) -> Result<Self, Error> {
        let env = Env::from_process().map_err(Error::Environment)?;
        let duration_var = |name: &str, default: Duration| -> Result<Duration, Error> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => crate::time::parse_duration(&v)
                    .map_err(|e| Error::Usage(format!("{name}: {e}"))),
                _ => Ok(default),
            }
        };
        Ok(Self {
            store: Store::from_env(&env),
            http_timeout: duration_var("FIGMA_AUTH_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT)?,
            lock_timeout: duration_var("FIGMA_AUTH_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)?,
            client_lock_timeout: duration_var(
                "FIGMA_AUTH_CLIENT_LOCK_TIMEOUT",
                crate::apply::LOCK_WAIT,
            )?,
            show_url_after: duration_var("FIGMA_AUTH_SHOW_URL_AFTER", DEFAULT_SHOW_URL_AFTER)?,
            ui: crate::ui::Ui::from_process(),
            env,
            global,
        })
    }

    pub fn profile(&self) -> &str {
        &self.global.profile
    }

    /// `--auth-server`, or Figma's.
    pub fn auth_server(&self) -> Url {
        self.global
            .auth_server
            .clone()
            .unwrap_or_else(|| Url::parse(oauth::DEFAULT_AUTH_SERVER).expect("valid default"))
    }

    /// `--mcp-url` as sent in `resource` (no trailing slash added to a bare host).
    pub fn mcp_url(&self) -> String {
        let u = &self.global.mcp_url;
        if u.path() == "/" {
            oauth::issuer_string(u)
        } else {
            u.to_string()
        }
    }

    pub fn http(&self) -> Result<oauth::http::Http, Error> {
        Ok(oauth::http::client(self.http_timeout)?)
    }

    /// Takes this profile's store lock.
    pub fn lock(&self) -> Result<StoreLock, Error> {
        Ok(self.store.lock(self.profile(), self.lock_timeout)?)
    }

    /// Appended to suggested commands: ` --profile NAME` for a non-default profile.
    pub fn flags(&self) -> String {
        profile_flags(self.profile())
    }

    /// Prints store permission warnings to stderr.
    pub fn warn_permissions(&self) {
        for w in self.store.permission_warnings(self.profile()) {
            crate::ui::warning(w);
        }
    }

    /// The client configs of this run, for the config pipeline ([`crate::apply`]).
    pub fn configs(&self) -> crate::apply::Configs<'_> {
        crate::apply::Configs {
            env: &self.env,
            store: &self.store,
            profile: self.profile(),
            mcp_url: self.mcp_url(),
            lock_timeout: self.lock_timeout,
            client_lock_timeout: self.client_lock_timeout,
        }
    }

    /// The clients named with `--target` (or every detected client), as a usage error when a
    /// name is unknown.
    pub fn clients(&self, names: &[String]) -> Result<Vec<&'static crate::clients::Client>, Error> {
        crate::clients::select(names, &self.env).map_err(|e| Error::Usage(e.to_string()))
    }

    /// A path for display (`~/…`).
    pub fn show_path(&self, p: &std::path::Path) -> String {
        self.env.display(p)
    }
}

/// ` --profile NAME` unless NAME is `default`.
pub fn profile_flags(profile: &str) -> String {
    if profile == "default" {
        String::new()
    } else {
        format!(" --profile {profile}")
    }
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    // Generated from the command line definitions alone: no HOME or store needed.
    match &cli.command {
        Command::Completions(a) => return shell::completions(a),
        Command::Man(a) => return shell::man(a),
        _ => {}
    }
    let ctx = Context::from_process(cli.global)?;
    match cli.command {
        Command::Setup(a) => setup::run(&ctx, &a),
        Command::Login(a) => login::run(&ctx, &a),
        Command::Status(a) => status::run(&ctx, &a),
        Command::Refresh(a) => refresh::run(&ctx, &a),
        Command::Token(a) => token::run(&ctx, &a),
        Command::Logout(a) => logout::run(&ctx, &a),
        Command::Schedule(a) => schedule(&ctx, &a),
        Command::Header(a) => header::run(&ctx, &a),
        Command::Env(a) => env::run(&ctx, &a),
        Command::Doctor(a) => doctor::run(&ctx, &a),
        Command::Proxy(a) => proxy::run(&ctx, &a),
        Command::Completions(a) => shell::completions(&a),
        Command::Man(a) => shell::man(&a),
    }
}

/// `figma-auth schedule …`.
fn schedule(ctx: &Context, args: &crate::schedule::ScheduleArgs) -> Result<u8, Error> {
    let sctx = schedule_context(ctx)?;
    let mut out = std::io::stdout().lock();
    Ok(crate::schedule::run(args, &sctx, &mut out)?)
}

/// The schedule context of this run: the scheduled command carries this run's profile, and the
/// authorization server and MCP URL when they are not the defaults; `--every` is checked against
/// the lifetime of the stored access token; questions go through the terminal.
pub fn schedule_context(ctx: &Context) -> Result<crate::schedule::ScheduleContext, Error> {
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
    sctx.color = crate::apply::Color::for_stdout();
    sctx.confirm = ctx.ui.confirm_fn();
    sctx.token_lifetime = ctx
        .store
        .load(ctx.profile())
        .ok()
        .flatten()
        .and_then(|d| d.token)
        .and_then(|t| token_lifetime(&t));
    Ok(sctx)
}

/// How long the server made the access token valid for, when it said so.
pub fn token_lifetime(t: &crate::store::TokenRecord) -> Option<Duration> {
    if t.expires_in_defaulted {
        return None;
    }
    t.expires_at.0.duration_since(t.obtained_at.0).ok()
}
