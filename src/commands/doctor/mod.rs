//! `figma-auth doctor [--online] [--json]`: checks everything figma-auth depends on, one module
//! per area, each problem with the command that fixes it. Reads only; never prints a secret;
//! exit 0 no problem, 1 a problem, 4 (`--online`) the server could not tell, try again later.

mod configs;
mod credentials;
mod login;
mod online;
mod precedence;
mod proxy;
mod render;
mod schedule;
mod store;
mod token_file;

pub(crate) use render::render_styled;

use super::Context;
use crate::cli::DoctorArgs;
use crate::error::{exit, Error};
use crate::store::ProfileData;
use serde::Serialize;
use std::path::Path;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    Ok,
    Info,
    Warning,
    Problem,
}

impl Level {
    pub(super) fn tag(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Problem => "PROBLEM",
        }
    }

    /// The tag's colour on a terminal (the colours of figma-auth's own labels).
    pub(super) fn style(self) -> anstyle::Style {
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
pub(crate) struct Check {
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
    pub(super) fn new(area: &'static str, level: Level, message: impl Into<String>) -> Self {
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
    pub(super) fn run(mut self, command: impl Into<String>) -> Self {
        let command = command.into();
        self.fix = Some(format!("run `{command}`"));
        self.command = Some(command);
        self
    }

    /// Fixed by doing `what`, then running `command`.
    pub(super) fn then_run(mut self, what: &str, command: impl Into<String>) -> Self {
        let command = command.into();
        self.fix = Some(format!("{what}, then run `{command}`"));
        self.command = Some(command);
        self
    }

    pub(super) fn at(mut self, path: &Path) -> Self {
        self.path = Some(path.display().to_string());
        self
    }

    pub(super) fn temporary(mut self) -> Self {
        self.temporary = true;
        self
    }
}

/// Everything `doctor` found; also its JSON form.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub profile: String,
    /// No problem found (warnings allowed).
    pub healthy: bool,
    pub problems: usize,
    pub warnings: usize,
    /// The exit code `doctor` ends with.
    pub exit_code: u8,
    pub checks: Vec<Check>,
}

/// Runs every check (the network one only with `online`).
pub(crate) fn collect(ctx: &Context, online: bool) -> Report {
    let mut checks = Vec::new();
    let data = store::check(ctx, &mut checks);
    crate::fault::panic_point("doctor", || {
        data.as_ref()
            .and_then(|d| d.token.as_ref())
            .map(|t| t.access_token.expose().to_string())
            .unwrap_or_default()
    });
    if let Some(data) = &data {
        login::check(ctx, data, &mut checks);
    }
    token_file::check(ctx, data.as_ref(), &mut checks);
    let inline = configs::check(
        ctx,
        data.as_ref().unwrap_or(&ProfileData::default()),
        online,
        &mut checks,
    );
    schedule::check(ctx, inline, &mut checks);
    if online {
        online::check(ctx, data.as_ref(), &mut checks);
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
pub(crate) fn run(ctx: &Context, args: &DoctorArgs) -> Result<u8, Error> {
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

/// A path as it can be pasted into a shell: `~/…` when that needs no quoting, else quoted.
pub(super) fn shell_path(ctx: &Context, p: &Path) -> String {
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
pub(super) fn check_modes(
    ctx: &Context,
    area: &'static str,
    paths: &[(&Path, u32)],
    out: &mut Vec<Check>,
) {
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
