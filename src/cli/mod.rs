//! The command line: every clap type and its value parsers. Global options work anywhere on the
//! command line and from the environment; each subcommand's arguments are a struct of their own.

mod config;
mod helpers;
mod login;
mod schedule;

pub(crate) use config::{DoctorArgs, LogoutArgs, RefreshArgs, SetupArgs, StatusArgs};
pub(crate) use helpers::{
    CompletionsArgs, EnvArgs, EnvShell, HeaderArgs, ManArgs, ProxyArgs, TokenArgs,
};
pub(crate) use login::LoginArgs;
pub(crate) use schedule::{InstallArgs, RemoveArgs, ScheduleStatusArgs};
pub use schedule::{ScheduleArgs, ScheduleCommand};

use crate::oauth::{self, Url};
use clap::{Args, Parser, Subcommand};

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
    /// no-token, no-entry, other-url, indirect, missing-binary (a helper command whose
    /// figma-auth is gone), unmanaged (set up by another profile or by nobody) or unreadable. Exit 0 when all is well, 1 when a config needs action, 3 when a
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

fn parse_profile(s: &str) -> Result<String, String> {
    crate::store::validate_profile(s).map(|_| s.to_string())
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
