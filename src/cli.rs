//! The command line: every clap type and its value parsers. Global options work anywhere on the
//! command line and from the environment; each subcommand's arguments are a struct of their own.

use crate::oauth::{self, Url};
use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

const ABOUT: &str = "Log in to Figma's remote MCP server with OAuth and keep a fresh access token";

const LONG_ABOUT: &str = "\
Log in to Figma's remote MCP server (https://mcp.figma.com/mcp) with OAuth 2.1 and keep a fresh
access token for MCP clients that Figma has not approved (opencode, ...).

Everyday use:
  figma-auth setup --target opencode    log in (browser), then add the figma server to opencode
  figma-auth schedule install --write   refresh the token and the configs every 30 minutes
  figma-auth status                     login state, token expiry, every client config's state
  figma-auth doctor                     find what is wrong, with the command that fixes it

Nothing is written without --write (or a confirmation on a terminal); diffs mask tokens.

Exit codes: 0 success, 1 error, 2 usage, 3 login required, 4 temporary failure (retry later),
5 busy (another figma-auth or MCP client holds the file or the credential store), 130 cancelled
with Ctrl-C.";

#[derive(Debug, Parser)]
#[command(name = "figma-auth", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Base URL of the OAuth authorization server; its metadata is read from
    /// URL/.well-known/oauth-authorization-server. https only (plain http for 127.0.0.1, ::1,
    /// localhost). [default: https://api.figma.com]
    #[arg(long, global = true, env = "FIGMA_AUTH_SERVER", value_name = "URL",
          value_parser = oauth::parse_server_url, help_heading = "Global options")]
    pub auth_server: Option<Url>,

    /// The MCP server: sent as the OAuth `resource` (RFC 8707) and written into client configs.
    #[arg(long, global = true, env = "FIGMA_MCP_URL", value_name = "URL",
          default_value = oauth::DEFAULT_MCP_URL, value_parser = oauth::parse_server_url,
          help_heading = "Global options")]
    pub mcp_url: Url,

    /// Credentials profile: independent logins, e.g. one per Figma account.
    #[arg(long, global = true, env = "FIGMA_AUTH_PROFILE", value_name = "NAME",
          default_value = "default", value_parser = parse_profile, help_heading = "Global options")]
    pub profile: String,
}

impl Default for GlobalArgs {
    /// The options of a command line that gives none: Figma's servers, the default profile.
    fn default() -> Self {
        GlobalArgs {
            auth_server: None,
            mcp_url: Url::parse(oauth::DEFAULT_MCP_URL).expect("valid default"),
            profile: "default".to_string(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in if needed, then add or refresh the figma server in your MCP clients' configs
    /// (a diff is shown first; nothing is written without your confirmation or --write).
    Setup(SetupArgs),
    /// Log in with the browser (OAuth authorization code + PKCE) and store the tokens.
    Login(LoginArgs),
    /// Show whether you are logged in, when the access token expires, and what to do next.
    ///
    /// Lists every client config (each real file once) with its state: current, stale, expired,
    /// no-token, no-entry, other-url, indirect, unmanaged (set up by another profile or by
    /// nobody) or unreadable. Exit 0 when all is well, 1 when a config needs action, 3 when a
    /// login is required.
    Status(StatusArgs),
    /// Refresh the access token when it expires soon (or always with --force), then bring every
    /// client config that holds the figma server up to date (preview; apply with --write).
    Refresh(RefreshArgs),
    /// Print the access token, and only it, on stdout (refreshing it first if it expires soon).
    Token(TokenArgs),
    /// Run `refresh --write` periodically (systemd user timer, LaunchAgent or crontab).
    Schedule(ScheduleArgs),
    /// Forget the stored tokens (with --all also the client registration); with --write also
    /// remove the Authorization header figma-auth wrote into client configs.
    Logout(LogoutArgs),
    /// Print the Authorization header for MCP clients that run a helper command.
    ///
    /// Prints `Authorization: Bearer …`, or with --json `{"Authorization":"Bearer …"}` (Claude
    /// Code's headersHelper, Codex's http_headers_helper). Refreshes first when the token
    /// expires within --min-valid; a fresh token is served from the store without network or
    /// lock in a few milliseconds. Never prompts or opens a browser. Prints a secret on purpose.
    /// Failures are one line on stderr: exit 3 log in again, 4 temporary, 5 busy.
    Header(HeaderArgs),
    /// Print a line that exports the access token, for shell start-up files.
    ///
    /// `eval "$(figma-auth env)"` sets FIGMA_TOKEN (see --var, --shell) for clients whose config
    /// reads the token from the environment. Refreshes first when the token expires soon, like
    /// `token`. Prints a secret on purpose; the variable keeps the token of the moment the shell
    /// started.
    Env(EnvArgs),
    /// Check the login, the store, every MCP client config and (--online) the MCP server.
    ///
    /// Each problem comes with the command that fixes it. Reads only: writes and refreshes
    /// nothing. Exit 0 when no problem is found (warnings allowed), 1 when a problem is found,
    /// 4 with --online when nothing is wrong locally but the server could not be checked right
    /// now (network, 429, 5xx).
    Doctor(DoctorArgs),
    /// Serve MCP on stdio and forward it to the MCP server with a token that never goes stale.
    ///
    /// For MCP clients that start local servers: the client runs `figma-auth proxy` instead of
    /// holding a token, and every message goes to --mcp-url over Streamable HTTP with the
    /// profile's current access token, refreshed before it expires and when the server rejects
    /// it, so the client never needs a restart. When a login is needed, requests are answered
    /// with an error naming `figma-auth login`, and work again as soon as you have logged in.
    /// Logs go to stderr; nothing but MCP messages on stdout. With --check: one `initialize`
    /// round trip, then exit 0 (accepted), 3 (log in again), 4 (try later) or 1.
    Proxy(ProxyArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    ///
    /// For example `figma-auth completions bash >
    /// ~/.local/share/bash-completion/completions/figma-auth`, or
    /// `figma-auth completions fish > ~/.config/fish/completions/figma-auth.fish`.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    ///
    /// `figma-auth man | man -l -` shows it; `figma-auth man > figma-auth.1` installs it. With
    /// a command name, that command's page (`figma-auth man doctor`).
    Man(ManArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Port of the local callback listener on 127.0.0.1; 0 picks a free port (the stored
    /// registration's port when it is free, so that it can be reused).
    #[arg(long, value_name = "N", default_value_t = 19876)]
    pub port: u16,

    /// Register and listen on exactly this redirect URI path, with no fallback. Without it,
    /// figma-auth registers /callback and, when the server refuses that shape, /mcp/oauth/callback
    /// (and remembers the one that worked).
    #[arg(long, value_name = "P", value_parser = parse_callback_path)]
    pub callback_path: Option<String>,

    /// Client name to register; Figma admits only names on its allow-list (others reported to
    /// work: "Claude Code", "Codex").
    #[arg(long, value_name = "S", default_value = "Claude Code (figma)")]
    pub client_name: String,

    /// Print the authorization URL instead of opening a browser (e.g. over SSH); you can then
    /// paste the final redirect URL from the browser's address bar here.
    #[arg(long)]
    pub no_browser: bool,

    /// How long to wait for the browser to come back (e.g. 90s, 5m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::time::parse_duration)]
    pub timeout: Duration,

    /// Register a new OAuth client even if a stored registration matches.
    #[arg(long)]
    pub reregister: bool,

    /// Read a Figma personal access token from the first line of stdin (for scripts; the
    /// FIGMA_PERSONAL_ACCESS_TOKEN variable works too). Optional: it is sent once, as
    /// X-Figma-Token, to the registration endpoint, and never stored.
    #[arg(long)]
    pub pat_stdin: bool,

    /// Omit the RFC 8707 `resource` parameter from authorization, token and refresh requests.
    #[arg(long)]
    pub no_resource: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Print one JSON object (logged_in, expires_at, ...) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RefreshArgs {
    /// Refresh even when the access token is still valid for longer than --min-valid.
    #[arg(long)]
    pub force: bool,

    /// Refresh only when the access token expires within this time.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = crate::time::parse_duration)]
    pub min_valid: Duration,

    /// Write the updated client configs (without it, only a diff is shown). Never prompts:
    /// made for cron, systemd timers and launchd.
    #[arg(long)]
    pub write: bool,

    #[command(flatten)]
    pub configs: TargetArgs,

    /// Allow writing a token into a project file that git tracks (or may track: git cannot
    /// answer in that work tree).
    #[arg(long)]
    pub allow_tracked: bool,

    /// Keep the permissions of a file that receives a token even when other users can read it
    /// (by default group and other permissions are removed: 0644 becomes 0600).
    #[arg(long)]
    pub keep_mode: bool,

    /// Print one JSON object (the token's state and, per file, what was or would be changed)
    /// instead of text.
    #[arg(long)]
    pub json: bool,

    /// Append one line about this run (time, profile, exit code, summary; never a secret) to
    /// the run log in figma-auth's state directory (`schedule status` reads it).
    #[arg(long)]
    pub log: bool,
}

/// Which client configs to touch, and how changes are shown.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// MCP client to configure: opencode, claude, cursor, codex, gemini, vscode, windsurf, zed,
    /// or `all` (every detected client). Repeatable, or comma-separated.
    /// [default: every client that has config files]
    #[arg(long = "target", value_name = "NAME", value_parser = TargetNames, hide_possible_values = true)]
    pub targets: Vec<String>,

    /// Name of the server entry in the client configs [default: figma]: letters, digits, '-'
    /// and '_' (what every client accepts), at most 64 characters. `refresh`, `logout` and
    /// `login` update the entries `setup` recorded, whatever their name; given, only those of
    /// this name.
    #[arg(long, value_name = "NAME", value_parser = parse_server_name)]
    pub server_name: Option<String>,

    /// Show tokens in clear in diffs (they are masked by default).
    #[arg(long)]
    pub show_secrets: bool,
}

impl TargetArgs {
    /// The entry name `setup` creates or looks for.
    pub fn server_name(&self) -> &str {
        self.server_name
            .as_deref()
            .unwrap_or(crate::clients::DEFAULT_NAME)
    }
}

/// Where `setup` adds the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScopeArg {
    /// The client's user-wide config (all projects).
    User,
    /// A config file in the project (the git root, else the current directory); often shared
    /// through git, so prefer an indirection mode there.
    Project,
    /// Claude Code only: this project, private to you (`~/.claude.json` projects entry).
    Local,
}

impl ScopeArg {
    pub fn scope(self) -> crate::clients::Scope {
        match self {
            ScopeArg::User => crate::clients::Scope::User,
            ScopeArg::Project => crate::clients::Scope::Project,
            ScopeArg::Local => crate::clients::Scope::Local,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct SetupArgs {
    /// Apply the changes without asking (a scheduled refresh only with --schedule).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,

    /// Only show what would change; write nothing, and never log in (a placeholder stands for
    /// the token when no login is stored).
    #[arg(long)]
    pub dry_run: bool,

    /// Also install the scheduled `refresh --write` that keeps inline tokens fresh (as
    /// `schedule install`). On a terminal, setup offers it without this flag.
    #[arg(long)]
    pub schedule: bool,

    /// How often the scheduled refresh runs (1m to 24h, at most half the token's lifetime).
    #[arg(long, value_name = "DURATION", default_value = crate::schedule::DEFAULT_INTERVAL,
          value_parser = crate::schedule::parse_interval)]
    pub every: Duration,

    /// Print one JSON object (per file, what was or would be changed) instead of text; never
    /// asks (apply with --write).
    #[arg(long)]
    pub json: bool,

    #[command(flatten, next_help_heading = "Config options")]
    pub configs: TargetArgs,

    /// Where to add the server when no config of the client holds it yet.
    #[arg(
        long,
        value_enum,
        default_value = "user",
        help_heading = "Config options"
    )]
    pub scope: ScopeArg,

    /// How the token reaches the client: inline (the token in the config; refreshed by
    /// `refresh --write`), helper (the client runs `figma-auth header`; Claude Code, Codex),
    /// file (the config points at a token file figma-auth keeps current; opencode), or env (the
    /// config names the FIGMA_TOKEN variable; export it with `figma-auth env`). Given
    /// explicitly, an entry in another mode is switched to this one. [default: inline]
    #[arg(long, value_name = "MODE", help_heading = "Config options",
          value_parser = clap::builder::PossibleValuesParser::new(
              crate::clients::Mode::ALL.map(crate::clients::Mode::as_str))
              .map(|s: String| crate::clients::Mode::parse(&s).expect("a possible value")))]
    pub mode: Option<crate::clients::Mode>,

    /// The environment variable of `--mode env`.
    #[arg(long, value_name = "NAME", default_value = crate::clients::DEFAULT_ENV_VAR,
          help_heading = "Config options")]
    pub env_var: String,

    /// Take over an existing entry of the same name that points at another URL (e.g. Figma's
    /// desktop server on 127.0.0.1:3845).
    #[arg(long, help_heading = "Config options")]
    pub force: bool,

    /// Allow writing a token into a project file that git tracks (or may track: git cannot
    /// answer in that work tree).
    #[arg(long, help_heading = "Config options")]
    pub allow_tracked: bool,

    /// Keep the permissions of a file that receives a token even when other users can read it
    /// (by default group and other permissions are removed: 0644 becomes 0600); remembered for
    /// the later refreshes of the file.
    #[arg(long, help_heading = "Config options")]
    pub keep_mode: bool,

    /// Run the browser login even when valid credentials are stored.
    #[arg(long, help_heading = "Login options")]
    pub relogin: bool,

    /// Options of the login that runs when no valid credentials are stored.
    #[command(flatten, next_help_heading = "Login options")]
    pub login: LoginArgs,
}

/// `figma-auth schedule …`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

/// The schedule subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Run `figma-auth refresh --write --log` periodically (systemd timer, LaunchAgent or cron).
    /// Shows the change first; applies it with --write.
    Install(InstallArgs),
    /// Show where the schedule lives, its interval and command, and the last logged run.
    Status(ScheduleStatusArgs),
    /// Remove the schedule (only figma-auth's own timer, agent or crontab line). Shows the change
    /// first; applies it with --write.
    Remove(RemoveArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct InstallArgs {
    /// How often to run the refresh (1m to 24h; cron rounds down to a step it can express).
    #[arg(long, value_name = "DURATION", default_value = crate::schedule::DEFAULT_INTERVAL,
          value_parser = crate::schedule::parse_interval)]
    pub every: Duration,
    /// Apply the change (without it, only the preview is shown).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,
    /// Show the change and exit without asking.
    #[arg(long)]
    pub dry_run: bool,
    /// Use this scheduler instead of the detected one.
    #[arg(long, value_enum)]
    pub backend: Option<crate::schedule::Backend>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleStatusArgs {
    /// Only look at this scheduler.
    #[arg(long, value_enum)]
    pub backend: Option<crate::schedule::Backend>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RemoveArgs {
    /// Apply the change (without it, only the preview is shown).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,
    /// Show the change and exit without asking.
    #[arg(long)]
    pub dry_run: bool,
    /// Only remove from this scheduler (default: every scheduler holding one).
    #[arg(long, value_enum)]
    pub backend: Option<crate::schedule::Backend>,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Refresh first when the access token expires within this time.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::time::parse_duration)]
    pub min_valid: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    /// Also forget the OAuth client registration (the next login registers anew).
    #[arg(long)]
    pub all: bool,

    /// Log out without asking: forget the tokens and remove the Authorization header from the
    /// configs this profile manages. `--yes` and `--write` are the same flag. Without either, a
    /// terminal shows what would change and asks; elsewhere the tokens are forgotten and the
    /// header removal is only previewed.
    #[arg(long, visible_alias = "yes")]
    pub write: bool,

    #[command(flatten)]
    pub configs: TargetArgs,
}

/// `--target`'s value as given (a name, `all`, or a comma-separated list, checked when the
/// clients are selected), with the client names as its possible values for shell completions.
#[derive(Debug, Clone, Copy)]
struct TargetNames;

impl clap::builder::TypedValueParser for TargetNames {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let clients = crate::clients::all()
            .iter()
            .map(|c| clap::builder::PossibleValue::new(c.id).aliases(c.aliases.iter().copied()));
        Some(Box::new(
            clients.chain([clap::builder::PossibleValue::new("all")]),
        ))
    }
}

fn parse_profile(s: &str) -> Result<String, String> {
    crate::store::validate_profile(s).map(|_| s.to_string())
}

fn parse_callback_path(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        return Err("the path must start with '/'".to_string());
    }
    if s.contains(['?', '#', ' ']) || s.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return Err(
            "use a plain path without '?', '#', spaces or non-ASCII characters".to_string(),
        );
    }
    Ok(s.to_string())
}

#[derive(Debug, Clone, Args)]
pub struct HeaderArgs {
    /// Print a JSON object of headers (what Claude Code's `headersHelper` expects) instead of
    /// an `Authorization: Bearer …` line.
    #[arg(long)]
    pub json: bool,

    /// Refresh first when the access token expires within this time.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::time::parse_duration)]
    pub min_valid: Duration,
}

/// The shell syntax `env` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvShell {
    /// POSIX shells: `export NAME='…'` (bash, zsh, dash, ksh).
    #[value(alias = "bash", alias = "zsh")]
    Sh,
    /// fish: `set -gx NAME '…'`.
    Fish,
    /// PowerShell: `$env:NAME = '…'`.
    #[value(alias = "pwsh")]
    Powershell,
}

#[derive(Debug, Clone, Args)]
pub struct EnvArgs {
    /// Shell syntax of the printed line.
    #[arg(long, value_enum, default_value = "sh")]
    pub shell: EnvShell,

    /// Name of the environment variable.
    #[arg(long, value_name = "NAME", default_value = "FIGMA_TOKEN", value_parser = parse_var_name)]
    pub var: String,

    /// Refresh first when the access token expires within this time.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::time::parse_duration)]
    pub min_valid: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Also ask the MCP server (--mcp-url) whether it accepts the token: one MCP `initialize`
    /// request.
    #[arg(long)]
    pub online: bool,

    /// Print one JSON object (healthy, problems, checks with level, message and fix).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ProxyArgs {
    /// Check instead of serving: one `initialize` round trip to the MCP server with the stored
    /// token (refreshed first if it expires soon), then exit 0, 1, 3 or 4.
    #[arg(long)]
    pub check: bool,

    /// With --check: print one JSON object (ok, server, protocol_version, kind, message).
    #[arg(long, requires = "check")]
    pub json: bool,

    /// The newest MCP protocol version to offer the server: a client's `initialize` offering a
    /// newer one is offered as this (Figma's server accepts 2026-07-28, then fails that
    /// version's new methods). The server's answer reaches the client unchanged.
    #[arg(long, value_name = "VERSION", default_value = crate::proxy::KNOWN_GOOD_PROTOCOL, value_parser = parse_protocol_version)]
    pub protocol_version: String,

    /// How long to wait for the MCP server to start answering a message, and between the
    /// events of a streamed answer (e.g. 90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::time::parse_duration)]
    pub timeout: Duration,
}

fn parse_protocol_version(s: &str) -> Result<String, String> {
    if crate::proxy::jsonrpc::is_version(s) {
        Ok(s.to_string())
    } else {
        Err("an MCP protocol version looks like 2025-11-25".to_string())
    }
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell (or elvish).
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// A command (`login`, `doctor`, ...) whose own page to print instead of figma-auth(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// A server name every client can use: Claude Code and Codex accept only letters, digits, `-`
/// and `_` (their `mcp add` refuse others, and tool names built from it must match
/// `^[a-zA-Z0-9_-]{1,64}$`); an empty name would make an entry no client can address.
pub fn parse_server_name(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("the name is empty; use e.g. `figma` or `figma-work`".to_string());
    }
    if s.len() > 64 {
        return Err(format!(
            "the name is {} characters long; use at most 64",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "{} is not allowed in a server name: use letters, digits, '-' and '_' (e.g. `figma-work`)",
            if c.is_control() || c.is_whitespace() {
                format!("{c:?}")
            } else {
                format!("'{c}'")
            }
        ));
    }
    Ok(s.to_string())
}

fn parse_var_name(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && s.len() <= 128 {
        Ok(s.to_string())
    } else {
        Err("use letters, digits and '_', not starting with a digit (e.g. FIGMA_TOKEN)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_anywhere() {
        let c =
            Cli::try_parse_from(["figma-auth", "status", "--profile", "work", "--json"]).unwrap();
        assert_eq!(c.global.profile, "work");
        let c = Cli::try_parse_from([
            "figma-auth",
            "--auth-server",
            "http://127.0.0.1:9",
            "login",
            "--port",
            "0",
        ])
        .unwrap();
        assert_eq!(
            c.global.auth_server.unwrap().as_str(),
            "http://127.0.0.1:9/"
        );
        assert!(Cli::try_parse_from([
            "figma-auth",
            "login",
            "--auth-server",
            "http://example.com"
        ])
        .is_err());
        assert!(Cli::try_parse_from(["figma-auth", "login", "--callback-path", "x"]).is_err());
        assert!(Cli::try_parse_from(["figma-auth", "status", "--profile", "../x"]).is_err());
    }
}
