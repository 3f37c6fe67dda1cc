//! `schedule status` and [`status_report`] (which `doctor` and `setup` use too): the profile's
//! schedule in each backend, read back from what `install` wrote, with the last logged run and
//! every problem found named with the command that fixes it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::detect::{
    launchd_loaded, launchd_uid, read_crontab, systemctl_says, systemd_files, systemd_usable,
};
use super::plan::read_opt;
use super::{
    checked_profile, cron, exec, fmt_duration, launchd, log, runner, scheduled_command,
    self_command, systemd, Backend, RunLogEntry, ScheduleError, ScheduledCommand,
};
use crate::app::Context;
use crate::cli::ScheduleStatusArgs;
use crate::error::exit;

/// A schedule found in one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Installed {
    pub backend: Backend,
    /// The unit, plist or "crontab", for display.
    pub location: String,
    pub interval: Option<Duration>,
    pub command: ScheduledCommand,
    /// Whether the scheduler has it running (systemd timer active, launchd job loaded); `None`
    /// when that cannot be asked (cron, or the service manager does not answer).
    pub running: Option<bool>,
    /// When its file was last written (units, plist).
    pub written: Option<SystemTime>,
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The schedule `backend` holds for the profile, if any.
pub(crate) fn inspect(backend: Backend, ctx: &Context) -> Result<Option<Installed>, ScheduleError> {
    let runner = runner(ctx);
    Ok(match backend {
        Backend::Systemd => {
            let files = systemd_files(ctx);
            let service = read_opt(&files.service)?;
            let timer = read_opt(&files.timer)?;
            if service.is_none() && timer.is_none() {
                return Ok(None);
            }
            let running = if systemd_usable(ctx) {
                Some(systemctl_says(
                    &runner,
                    "is-active",
                    &files.timer_name,
                    "active",
                )?)
            } else {
                None
            };
            Some(Installed {
                backend,
                location: ctx.env.display(&files.timer),
                interval: timer.as_deref().and_then(systemd::parse_timer),
                command: service
                    .as_deref()
                    .map(systemd::parse_service)
                    .unwrap_or_default(),
                running,
                written: mtime(&files.timer).or_else(|| mtime(&files.service)),
            })
        }
        Backend::Launchd => {
            let path = launchd::plist_path(&ctx.env.home, ctx.profile());
            let Some(text) = read_opt(&path)? else {
                return Ok(None);
            };
            let (command, interval) = launchd::parse(&text);
            let running = if runner.find("launchctl").is_some() {
                let domain = format!("gui/{}", launchd_uid(ctx)?);
                Some(launchd_loaded(ctx, &domain)?)
            } else {
                None
            };
            Some(Installed {
                backend,
                location: ctx.env.display(&path),
                interval,
                command,
                running,
                written: mtime(&path),
            })
        }
        Backend::Cron => {
            if runner.find("crontab").is_none() {
                return Ok(None);
            }
            let table = read_crontab(&runner)?;
            cron::find(&table, ctx.profile()).map(|(interval, command, _)| Installed {
                backend,
                location: "crontab".to_string(),
                interval,
                command,
                running: None,
                written: None,
            })
        }
    })
}

/// Something off with the schedule, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub fix: String,
}

/// What `schedule status` found (also for `doctor`).
#[derive(Debug, Clone)]
pub(crate) struct StatusReport {
    pub installed: Vec<Installed>,
    pub last_run: Option<RunLogEntry>,
    pub log_path: PathBuf,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

/// Looks for the profile's schedule in `backend` (or every backend) and checks it.
pub(crate) fn status_report(
    ctx: &Context,
    backend: Option<Backend>,
) -> Result<StatusReport, ScheduleError> {
    checked_profile(ctx)?;
    let mut report = StatusReport {
        installed: Vec::new(),
        last_run: None,
        log_path: log::log_path(&ctx.env.app_state_dir()),
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let reinstall = self_command(ctx, "schedule install --write");
    for b in backend
        .map(|b| vec![b])
        .unwrap_or_else(|| Backend::ALL.to_vec())
    {
        match inspect(b, ctx) {
            Ok(Some(found)) => report.installed.push(found),
            Ok(None) => {}
            Err(e) => report.notes.push(format!(
                "could not check the {}: {}",
                b.name(),
                crate::error::chain(&e)
            )),
        }
    }
    report.last_run = match log::last_run(&ctx.env.app_state_dir(), ctx.profile()) {
        Ok(entry) => entry,
        Err(e) => {
            report.notes.push(format!("cannot read the run log: {e}"));
            None
        }
    };
    if report.installed.is_empty() {
        report.problems.push(Problem {
            message: format!("no schedule for profile {:?}", ctx.profile()),
            fix: reinstall,
        });
        return Ok(report);
    }
    if report.installed.len() > 1 {
        report.problems.push(Problem {
            message: "the profile is scheduled more than once, so refreshes run twice".to_string(),
            fix: reinstall.clone(),
        });
    }
    let expected = scheduled_command(ctx).ok();
    for found in &report.installed {
        match found.command.program() {
            Some(p) if exec::is_executable(p) => {}
            Some(p) => report.problems.push(Problem {
                message: format!(
                    "the {}{} runs {}, which {} (figma-auth was moved, upgraded elsewhere or \
                     uninstalled)",
                    found.backend.name(),
                    match found.backend {
                        Backend::Cron => String::new(),
                        _ => format!(" ({})", found.location),
                    },
                    p.display(),
                    crate::binary::unusable(p).unwrap_or("cannot run")
                ),
                fix: reinstall.clone(),
            }),
            None => report.problems.push(Problem {
                message: format!(
                    "the {} entry at {} has no command",
                    found.backend.name(),
                    found.location
                ),
                fix: reinstall.clone(),
            }),
        }
        if found.running == Some(false) {
            let message = match found.backend {
                Backend::Systemd => "the systemd timer is installed but not active",
                _ => "the LaunchAgent is installed but not loaded",
            };
            report.problems.push(Problem {
                message: message.to_string(),
                fix: reinstall.clone(),
            });
        }
        if let Some(expected) = &expected
            && *expected != found.command
        {
            report.notes.push(format!(
                "the {} runs a different command than `schedule install` would write now \
                     ({}); `{reinstall}` updates it",
                found.backend.name(),
                expected.display()
            ));
        }
    }
    if let Some(last) = &report.last_run
        && last.exit_code != 0
    {
        report.problems.push(Problem {
            message: format!(
                "the last scheduled run failed (exit {}): {}",
                last.exit_code, last.summary
            ),
            fix: format!(
                "{} (shows the full error)",
                self_command(ctx, "refresh --write")
            ),
        });
    }
    // No run logged for three intervals (plus slack) since the later of the last run and the
    // install: the scheduler is not running it.
    let primary = &report.installed[0];
    if let Some(interval) = primary.interval {
        let since = match (report.last_run.as_ref().and_then(|r| r.at), primary.written) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(since) = since {
            let quiet = ctx.now.duration_since(since).unwrap_or_default();
            if quiet > interval * 3 + Duration::from_secs(300) {
                let check = match primary.backend {
                    Backend::Systemd => {
                        format!("systemctl --user status {}", systemd_files(ctx).timer_name)
                    }
                    Backend::Launchd => format!(
                        "launchctl print gui/$(id -u)/{}",
                        launchd::label(ctx.profile())
                    ),
                    Backend::Cron => {
                        "systemctl status cron (is the cron daemon running?)".to_string()
                    }
                };
                report.problems.push(Problem {
                    message: format!(
                        "no run logged for {} although it should run every {}",
                        fmt_duration(quiet),
                        fmt_duration(interval)
                    ),
                    fix: check,
                });
            }
        }
    }
    Ok(report)
}

/// `figma-auth schedule status`: where the schedule lives, its interval, command and last run,
/// and each problem with its fix; exit 1 when there is a problem (no schedule is one).
pub(crate) fn run(ctx: &Context, args: &ScheduleStatusArgs) -> Result<u8, ScheduleError> {
    let mut out = ctx.ui.stdout();
    let report = status_report(ctx, args.backend)?;
    writeln!(out, "Profile: {}", ctx.profile())?;
    for found in &report.installed {
        let running = match found.running {
            Some(true) => ", active",
            Some(false) => ", NOT active",
            None => "",
        };
        writeln!(
            out,
            "Scheduler: {} ({}{running})",
            found.backend.name(),
            found.location
        )?;
        match found.interval {
            Some(i) => writeln!(out, "Interval: every {}", fmt_duration(i))?,
            None => writeln!(out, "Interval: unknown (not written by figma-auth?)")?,
        }
        writeln!(out, "Command: {}", found.command.display())?;
    }
    let log_shown = ctx.env.display(&report.log_path);
    match &report.last_run {
        Some(last) => {
            let ago = last
                .at
                .and_then(|at| ctx.now.duration_since(at).ok())
                .map(|d| {
                    format!(
                        " ({} ago)",
                        fmt_duration(Duration::from_secs(d.as_secs() / 60 * 60))
                    )
                })
                .unwrap_or_default();
            let result = if last.exit_code == 0 { "ok" } else { "FAILED" };
            writeln!(
                out,
                "Last run: {}{ago}, {result} (exit {}): {}",
                last.when, last.exit_code, last.summary
            )?;
        }
        None if !report.installed.is_empty() => {
            writeln!(out, "Last run: none logged yet in {log_shown}")?
        }
        None => {}
    }
    for note in &report.notes {
        writeln!(out, "note: {note}")?;
    }
    for p in &report.problems {
        writeln!(out, "problem: {}\n  fix: {}", p.message, p.fix)?;
    }
    Ok(if report.problems.is_empty() {
        exit::OK
    } else {
        exit::ERROR
    })
}
