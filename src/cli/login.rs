//! `login`'s options (also `setup`'s login options).

use clap::Args;
use std::time::Duration;

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
