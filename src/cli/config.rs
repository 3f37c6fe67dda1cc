//! The options of the commands that read or write client configs: `setup`, `refresh`, `logout`,
//! `status` and `doctor`, and the client selection they share.

use super::LoginArgs;
use clap::builder::TypedValueParser as _;
use clap::Args;
use std::time::Duration;

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

    /// The modes, with the clients that have each from the client table ([`mode_help`]).
    #[arg(long, value_name = "MODE", help_heading = "Config options", help = mode_help(),
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

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Print one JSON object (logged_in, expires_at, ...) instead of text.
    #[arg(long)]
    pub json: bool,
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

/// Which client configs to touch, and how changes are shown.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The clients, from the client table ([`target_help`]).
    #[arg(long = "target", value_name = "NAME", value_parser = TargetNames,
          hide_possible_values = true, help = target_help())]
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

/// `--target`'s value as given (a name, `all`, or a comma-separated list, checked when the
/// clients are selected), with the client names as its possible values for shell completions.
#[derive(Debug, Clone, Copy)]
struct TargetNames;

/// `--target`'s help: every client of the table.
fn target_help() -> String {
    format!(
        "MCP client to configure: {}, or `all` (every detected client: its config directory or \
         its program exists). Repeatable, or comma-separated. [default: every detected client]",
        crate::clients::ids().join(", ")
    )
}

/// `--mode`'s help: each mode with the clients that have it (inline: every client).
fn mode_help() -> String {
    use crate::clients::{all, Mode};
    let having = |m: Mode| {
        let names: Vec<&str> = all()
            .iter()
            .filter(|c| c.modes().contains(&m))
            .map(|c| c.name)
            .collect();
        names.join(", ")
    };
    let proxy_only: Vec<&str> = all()
        .iter()
        .filter(|c| c.default_mode() == Mode::Proxy)
        .map(|c| c.name)
        .collect();
    format!(
        "How the token reaches the client: inline (the token in the config; refreshed by \
         `refresh --write`), helper (the client runs `figma-auth header` or `figma-auth token`; \
         {}), file (the config points at a token file figma-auth keeps current; {}), env (the \
         config names the FIGMA_TOKEN variable; export it with `figma-auth env`; {}), or proxy \
         (the client starts `figma-auth proxy`, which holds the token and keeps it fresh: no \
         token in the config, no restart; {}). Given explicitly, an entry in another mode is \
         switched to this one. [default: inline; proxy for {}]",
        having(Mode::Helper),
        having(Mode::File),
        having(Mode::Env),
        having(Mode::Proxy),
        proxy_only.join(", ")
    )
}

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

/// A server name every client can use: Claude Code and Codex accept only letters, digits, `-`
/// and `_` (their `mcp add` refuse others, and tool names built from it must match
/// `^[a-zA-Z0-9_-]{1,64}$`); an empty name would make an entry no client can address.
pub(crate) fn parse_server_name(s: &str) -> Result<String, String> {
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
