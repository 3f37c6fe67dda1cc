//! The refresh schedule: installed and healthy when configs hold the token inline.

use super::{Check, Context, Level};
use std::time::Duration;

/// The state of the periodic `figma-auth refresh --write`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScheduleState {
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
pub(crate) fn schedule_status(ctx: &Context) -> ScheduleState {
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

pub(super) fn check(ctx: &Context, inline: usize, out: &mut Vec<Check>) {
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
