//! The options of the commands that hand the token to another program (`token`, `header`, `env`,
//! `proxy`) and of the generated outputs (`completions`, `man`).

use clap::Args;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Refresh first when the access token expires within this time.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::time::parse_duration)]
    pub min_valid: Duration,
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
