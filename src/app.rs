//! The [`Context`] every command receives (global options, the environment, the credential
//! store, the terminal, the timeouts) and [`run`], which builds it and dispatches a parsed
//! command line to its command.

use crate::cli::{Cli, Command, GlobalArgs};
use crate::commands;
use crate::error::Error;
use crate::oauth::{self, Url};
use crate::paths::{Env, Os};
use crate::store::{Store, StoreLock, DEFAULT_LOCK_TIMEOUT};
use crate::ui::Ui;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Default timeout of one HTTP request to the authorization server.
pub(crate) const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `login` waits for the browser's callback before it prints the URL.
pub(crate) const DEFAULT_SHOW_URL_AFTER: Duration = Duration::from_secs(10);

/// The longest an external program (`systemctl`, `crontab`, …) may run, by default.
pub(crate) const DEFAULT_PROGRAM_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// The terminal: stdout, stderr, the one stdin reader, prompts, the spinner.
    pub ui: Ui,
    /// The running figma-auth binary ([`current_exe`]); `None` when the process cannot tell.
    /// What configs and schedules name is [`Context::exe`].
    pub exe: Option<PathBuf>,
    /// The PATH on which external programs (`systemctl`, `launchctl`, `crontab`, `id`) are
    /// looked up, and the PATH they run with.
    pub search_path: Option<OsString>,
    /// Decides the default scheduler.
    pub os: Os,
    /// The user id for `launchctl … gui/<uid>`; `None` asks `id -u`.
    pub uid: Option<u32>,
    /// The time of this run (a schedule's last run is judged against it).
    pub now: SystemTime,
    /// The longest an external program may run.
    pub program_timeout: Duration,
}

impl Context {
    /// A context for `env` and `global` with the default timeouts and the store under `env`
    /// (tests build one by hand with [`Ui::test`]).
    pub fn new(env: Env, global: GlobalArgs, ui: Ui) -> Self {
        Self {
            store: Store::from_env(&env),
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            client_lock_timeout: crate::apply::LOCK_WAIT,
            show_url_after: DEFAULT_SHOW_URL_AFTER,
            ui,
            exe: current_exe(),
            search_path: std::env::var_os("PATH"),
            os: Os::current(),
            uid: None,
            now: SystemTime::now(),
            program_timeout: DEFAULT_PROGRAM_TIMEOUT,
            env,
            global,
        }
    }

    /// Builds the context from the process environment.
    pub fn from_process(global: GlobalArgs, ui: Ui) -> Result<Self, Error> {
        let env = Env::from_process().map_err(Error::Environment)?;
        let duration_var = |name: &str, default: Duration| -> Result<Duration, Error> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => crate::time::parse_duration(&v)
                    .map_err(|e| Error::Usage(format!("{name}: {e}"))),
                _ => Ok(default),
            }
        };
        let mut ctx = Self::new(env, global, ui);
        ctx.http_timeout = duration_var("FIGMA_AUTH_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT)?;
        ctx.lock_timeout = duration_var("FIGMA_AUTH_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)?;
        ctx.client_lock_timeout =
            duration_var("FIGMA_AUTH_CLIENT_LOCK_TIMEOUT", crate::apply::LOCK_WAIT)?;
        ctx.show_url_after = duration_var("FIGMA_AUTH_SHOW_URL_AFTER", DEFAULT_SHOW_URL_AFTER)?;
        Ok(ctx)
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

    /// Makes the user's own store directories private again (an installer or a manual `mkdir`
    /// may have made them 0755) and says so on stderr (`login`, `refresh`); then
    /// [`Context::warn_permissions`].
    pub fn secure_store(&self) {
        for (dir, mode) in self.store.tighten_dirs() {
            self.ui.line(format_args!(
                "Made {} private (mode {mode:04o} → 0700): it holds your tokens.",
                self.show_path(&dir)
            ));
        }
        self.warn_permissions();
    }

    /// Prints store permission warnings to stderr.
    pub fn warn_permissions(&self) {
        for w in self.store.permission_warnings(self.profile()) {
            self.ui.warning(w);
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
    pub fn show_path(&self, p: &Path) -> String {
        self.env.display(p)
    }

    /// The absolute path of the figma-auth binary that configs (helper and proxy modes) and
    /// schedules name: the real, installed binary, never the npm launcher, refused when it runs
    /// from an `npx`/`bunx`/`pnpm dlx` cache ([`crate::binary::for_configs`]).
    pub fn exe(&self) -> Result<PathBuf, Error> {
        Ok(crate::binary::for_configs(
            self.exe.as_deref(),
            self.search_path.as_deref(),
        )?)
    }

    /// `--auth-server` when it is not Figma's, as the issuer string: what a scheduled command
    /// passes on.
    pub fn explicit_auth_server(&self) -> Option<String> {
        self.global
            .auth_server
            .as_ref()
            .map(oauth::issuer_string)
            .filter(|s| s != oauth::DEFAULT_AUTH_SERVER)
    }

    /// `--mcp-url` when it is not Figma's: what a scheduled command passes on.
    pub fn explicit_mcp_url(&self) -> Option<String> {
        let mcp = self.mcp_url();
        (mcp != oauth::DEFAULT_MCP_URL).then_some(mcp)
    }
}

/// The path of this process's binary as the OS reports it (Linux's " (deleted)" suffix of a
/// binary replaced while it runs dropped); [`Context::exe`] decides what configs name.
pub(crate) fn current_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(
        match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
            Some(stripped) => PathBuf::from(stripped),
            None => exe,
        },
    )
}

/// ` --profile NAME` (shell-quoted) unless NAME is `default`: the one place the profile is added
/// to the commands figma-auth suggests.
pub fn profile_flags(profile: &str) -> String {
    if profile == "default" {
        String::new()
    } else {
        format!(" --profile {}", crate::shell_quote::sh_quote(profile))
    }
}

/// Runs the parsed command line on the terminal `ui`; returns the exit code.
pub fn run(cli: Cli, ui: &Ui) -> Result<u8, Error> {
    // Generated from the command line definitions alone: no HOME or store needed.
    match &cli.command {
        Command::Completions(a) => return commands::completions::completions(ui, a),
        Command::Man(a) => return commands::completions::man(ui, a),
        _ => {}
    }
    let ctx = Context::from_process(cli.global, ui.clone())?;
    dispatch(&ctx, cli.command)
}

/// Runs `command` with `ctx`.
pub(crate) fn dispatch(ctx: &Context, command: Command) -> Result<u8, Error> {
    match command {
        Command::Setup(a) => commands::setup::run(ctx, &a),
        Command::Login(a) => commands::login::run(ctx, &a),
        Command::Status(a) => commands::status::run(ctx, &a),
        Command::Refresh(a) => commands::refresh::run(ctx, &a),
        Command::Token(a) => commands::token::run(ctx, &a),
        Command::Logout(a) => commands::logout::run(ctx, &a),
        Command::Schedule(a) => commands::schedule::run(ctx, &a),
        Command::Header(a) => commands::header::run(ctx, &a),
        Command::Env(a) => commands::env::run(ctx, &a),
        Command::Doctor(a) => commands::doctor::run(ctx, &a),
        Command::Proxy(a) => commands::proxy::run(ctx, &a),
        Command::Completions(a) => commands::completions::completions(&ctx.ui, &a),
        Command::Man(a) => commands::completions::man(&ctx.ui, &a),
    }
}

/// Contexts for in-process command tests: a temp HOME, a [`Ui::test`] terminal, logins saved
/// straight into the store.
#[cfg(test)]
pub(crate) mod testing {
    use super::Context;
    use crate::cli::GlobalArgs;
    use crate::oauth::token::TokenResponse;
    use crate::paths::Env;
    use crate::secret::{AccessToken, RefreshToken};
    use crate::store::{ClientRecord, ProfileData, TokenRecord};
    use crate::time::Timestamp;
    use crate::ui::{Captured, Ui};
    use std::time::Duration;

    /// A context for the default profile on a fresh HOME (removed when the returned directory
    /// is dropped), and what its commands print.
    pub(crate) fn context() -> (Context, Captured, tempfile::TempDir) {
        let home = tempfile::tempdir().expect("a temp HOME");
        let env = Env::new(
            home.path().to_path_buf(),
            home.path().to_path_buf(),
            Default::default(),
        );
        let (ui, seen) = Ui::test();
        let mut ctx = Context::new(env, GlobalArgs::default(), ui);
        ctx.search_path = None;
        ctx.http_timeout = Duration::from_secs(5);
        (ctx, seen, home)
    }

    /// Saves a login for `ctx`'s profile whose access token `access` expires in `valid`, issued
    /// by a token endpoint on a closed loopback port (a refresh fails at once, as "temporary").
    pub(crate) fn save_login(ctx: &Context, access: &str, valid: Duration) {
        let issued = Timestamp::now();
        let token = TokenRecord::from_response(
            TokenResponse {
                access_token: AccessToken::new(access),
                refresh_token: Some(RefreshToken::new("figr_test_refresh_token")),
                token_type: "bearer".into(),
                expires_in: valid,
                expires_in_defaulted: false,
                scope: None,
            },
            issued,
            "http://127.0.0.1:9",
            "http://127.0.0.1:9/token",
            "client-1",
            None,
        );
        let client = ClientRecord {
            auth_server: "http://127.0.0.1:9".into(),
            registration_endpoint: "http://127.0.0.1:9/register".into(),
            client_id: "client-1".into(),
            client_secret: None,
            client_name: "Claude Code (figma)".into(),
            redirect_uri: "http://127.0.0.1:19876/callback".into(),
            registered_at: issued,
            client_id_issued_at: None,
            client_secret_expires_at: None,
            token_endpoint_auth_method: None,
        };
        let data = ProfileData {
            client: Some(client),
            token: Some(token),
            ..ProfileData::default()
        };
        ctx.lock().unwrap().save(&data).unwrap();
    }
}
