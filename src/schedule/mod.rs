//! `figma-auth schedule`: `figma-auth refresh --write --log` run periodically by a systemd user
//! timer, a macOS LaunchAgent or a crontab line, every change previewed first ([`plan`]). The
//! scheduled command needs no PATH, TTY or secret; the backend is detected in [`detect`].

mod cron;
pub(crate) mod detect;
mod exec;
pub(crate) mod install;
mod launchd;
pub mod log;
pub(crate) mod plan;
pub(crate) mod quote;
pub(crate) mod remove;
pub(crate) mod status;
mod systemd;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::Context;
use crate::fs::FsError;

pub use crate::paths::Os;
pub(crate) use install::{prepare_install, Prepared};
pub use log::{append_run_log, format_run_log_line, last_run, RunLogEntry};
pub(crate) use status::status_report;

use exec::Runner;
use quote::sh_quote;

/// The interval used when `--every` is not given.
pub(crate) const DEFAULT_INTERVAL: &str = "30m";
/// The shortest interval accepted.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_secs(60);
/// The longest interval accepted (a token must not expire between two runs).
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// A failure of a schedule command, naming the file or command and the next step.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("invalid interval {value:?}: {reason}")]
    Interval { value: String, reason: String },
    #[error("invalid profile name {name:?}: {reason}")]
    Profile { name: String, reason: String },
    #[error("{what} {value:?} cannot go into a schedule: {reason}")]
    Unwritable {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    /// The running binary cannot be scheduled ([`crate::binary::for_configs`]).
    #[error(transparent)]
    Binary(#[from] crate::binary::BinaryError),
    #[error(
        "no scheduler found: no systemd user manager answers `systemctl --user \
         show-environment` and `crontab` is not on PATH; install cron (e.g. `apt install cron`) \
         or choose one with --backend systemd|launchd|cron"
    )]
    NoScheduler,
    #[error(
        "`{program}` was not found on PATH; install it, or choose another scheduler with --backend"
    )]
    ProgramNotFound { program: String },
    #[error("cannot run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },
    #[error("`{command}` did not finish within {}; is the service manager responsive?", humantime::format_duration(*.after))]
    Timeout { command: String, after: Duration },
    #[error("`{command}` failed ({}){}", exit_text(*.code), stderr_text(.stderr))]
    CommandFailed {
        command: String,
        code: Option<i32>,
        stderr: String,
    },
    #[error(
        "the crontab changed while figma-auth was planning its edit (another program wrote it); \
         run the command again"
    )]
    CrontabChanged,
    #[error("{0} changed while figma-auth was planning its edit; run the command again")]
    FileChanged(PathBuf),
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("cannot write the output")]
    Output(#[from] io::Error),
    /// Ctrl-C at the confirmation.
    #[error("Cancelled; nothing was changed.")]
    Cancelled,
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit status {c}"),
        None => "killed by a signal".to_string(),
    }
}

fn stderr_text(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Parses `--every`: a humantime duration (`30m`, `1h`, `90min`) between [`MIN_INTERVAL`] and
/// [`MAX_INTERVAL`], in whole seconds.
pub(crate) fn parse_interval(s: &str) -> Result<Duration, String> {
    let d =
        humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (examples: 15m, 30m, 1h)"))?;
    check_interval(d)?;
    Ok(Duration::from_secs(d.as_secs()))
}

fn check_interval(d: Duration) -> Result<(), String> {
    if d < MIN_INTERVAL {
        return Err("the shortest interval is 1m".to_string());
    }
    if d > MAX_INTERVAL {
        return Err("the longest interval is 24h".to_string());
    }
    Ok(())
}

fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Where the periodic refresh is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Backend {
    /// A systemd user timer (`~/.config/systemd/user/figma-auth-refresh-<profile>.timer`).
    Systemd,
    /// A LaunchAgent (`~/Library/LaunchAgents/figma-auth.refresh.<profile>.plist`), macOS.
    Launchd,
    /// A line in the user's crontab, marked with the profile.
    Cron,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Systemd, Backend::Launchd, Backend::Cron];

    /// Its `--backend` value.
    pub fn arg(self) -> &'static str {
        match self {
            Backend::Systemd => "systemd",
            Backend::Launchd => "launchd",
            Backend::Cron => "cron",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Systemd => "systemd user timer",
            Backend::Launchd => "launchd LaunchAgent",
            Backend::Cron => "crontab",
        }
    }
}

/// The command a schedule runs: environment assignments and argv (no shell, no PATH).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduledCommand {
    pub env: Vec<(String, String)>,
    pub argv: Vec<String>,
}

impl ScheduledCommand {
    /// As a shell line, for display.
    pub fn display(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", sh_quote(v)))
            .collect();
        words.extend(self.argv.iter().map(|a| sh_quote(a)));
        words.join(" ")
    }

    /// The binary it runs.
    pub fn program(&self) -> Option<&Path> {
        self.argv.first().map(Path::new)
    }
}

fn check_writable(what: &'static str, value: &str) -> Result<(), ScheduleError> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(ScheduleError::Unwritable {
            what,
            value: value.to_string(),
            reason: "it contains a line break or NUL",
        });
    }
    Ok(())
}

fn check_url(what: &'static str, url: &str) -> Result<(), ScheduleError> {
    check_writable(what, url)?;
    let authority = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains('@') {
        return Err(ScheduleError::Unwritable {
            what,
            value: "(redacted)".to_string(),
            reason:
                "it carries credentials (user:password@), which would be visible in the schedule",
        });
    }
    Ok(())
}

/// The command the schedule runs for `ctx`:
/// `<exe> refresh --write --profile <p> --log [--auth-server U] [--mcp-url U]`, with `HOME` and
/// the location variables figma-auth honours (XDG dirs, client config overrides) set explicitly.
/// It carries no secret: the refresh reads the credential store itself.
pub fn scheduled_command(ctx: &Context) -> Result<ScheduledCommand, ScheduleError> {
    let profile = checked_profile(ctx)?;
    let exe = crate::binary::for_configs(ctx.exe.as_deref(), ctx.search_path.as_deref())?
        .to_string_lossy()
        .into_owned();
    check_writable("the binary path", &exe)?;
    let home = ctx.env.home.to_string_lossy().into_owned();
    check_writable("HOME", &home)?;
    let mut env = vec![("HOME".to_string(), home)];
    for (k, v) in &ctx.env.vars {
        check_writable("an environment variable", v)?;
        env.push((k.clone(), v.clone()));
    }
    let mut argv = vec![
        exe,
        "refresh".to_string(),
        "--write".to_string(),
        "--profile".to_string(),
        profile.to_string(),
        "--log".to_string(),
    ];
    if let Some(url) = ctx.explicit_auth_server() {
        check_url("--auth-server", &url)?;
        argv.extend(["--auth-server".to_string(), url]);
    }
    if let Some(url) = ctx.explicit_mcp_url() {
        check_url("--mcp-url", &url)?;
        argv.extend(["--mcp-url".to_string(), url]);
    }
    Ok(ScheduledCommand { env, argv })
}

/// The profile of `ctx`, checked by the rule of the credential store (a name that can log in can
/// be scheduled; it is safe in unit names, labels and the crontab marker).
fn checked_profile(ctx: &Context) -> Result<&str, ScheduleError> {
    let profile = ctx.profile();
    crate::store::validate_profile(profile).map_err(|reason| ScheduleError::Profile {
        name: profile.to_string(),
        reason,
    })?;
    Ok(profile)
}

/// Runs external programs on the context's PATH, within its time limit.
fn runner(ctx: &Context) -> Runner {
    Runner {
        search_path: ctx.search_path.clone(),
        timeout: ctx.program_timeout,
    }
}

/// `figma-auth <sub>` with the profile's `--profile` suffix.
fn self_command(ctx: &Context, sub: &str) -> String {
    format!("figma-auth {sub}{}", ctx.flags())
}

fn others(backend: Backend) -> impl Iterator<Item = Backend> {
    Backend::ALL.into_iter().filter(move |b| *b != backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_bounded() {
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_interval("1h 30min"), Ok(Duration::from_secs(5400)));
        assert!(parse_interval("59s").is_err());
        assert!(parse_interval("25h").is_err());
        assert!(parse_interval("soon").is_err());
    }

    /// The names that can be scheduled are exactly those that can log in: the store's rule.
    #[test]
    fn profile_names_follow_the_stores_rule() {
        let (ui, _) = crate::ui::Ui::test();
        let env = crate::paths::Env::new("/h".into(), "/h".into(), Default::default());
        let mut ctx = Context::new(env, crate::cli::GlobalArgs::default(), ui);
        for ok in ["default", "work", "a.b_c-1", "_work"] {
            ctx.global.profile = ok.to_string();
            assert!(checked_profile(&ctx).is_ok(), "{ok}");
            assert!(crate::store::validate_profile(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", ".x", "a b", "a/b", "a%b", &"x".repeat(65)] {
            ctx.global.profile = bad.to_string();
            assert!(
                matches!(checked_profile(&ctx), Err(ScheduleError::Profile { .. })),
                "{bad}"
            );
            assert!(crate::store::validate_profile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_with_credentials_are_refused() {
        assert!(check_url("--mcp-url", "https://mcp.figma.com/mcp").is_ok());
        let err = check_url("--mcp-url", "https://u:hunter2@mcp.figma.com/mcp").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
