//! What the machine offers: the scheduler to use (macOS → launchd; a systemd user manager that
//! answers → systemd; else `crontab` on PATH → cron), and what each scheduler reports about a
//! unit, a job or the crontab. External programs run without a shell, on the context's PATH.

use std::path::PathBuf;

use super::exec::{Call, Runner};
use super::{cron, launchd, runner, systemd, Backend, Os, ScheduleError};
use crate::app::Context;

/// `crontab -l`; "no crontab for <user>" is an empty table.
pub(super) fn read_crontab(runner: &Runner) -> Result<String, ScheduleError> {
    let call = Call::new("crontab", &["-l"]);
    let out = runner.run(&call)?;
    if out.success() {
        Ok(out.stdout)
    } else if cron::is_no_crontab(&out.stderr) {
        Ok(String::new())
    } else {
        Err(ScheduleError::CommandFailed {
            command: call.display(),
            code: out.code,
            stderr: out.stderr.trim().to_string(),
        })
    }
}

/// True when a systemd user manager answers (`systemctl --user show-environment` exits 0).
/// `is-system-running` is not used: it fails on the common "degraded" state.
pub(crate) fn systemd_usable(ctx: &Context) -> bool {
    let runner = runner(ctx);
    runner.find("systemctl").is_some()
        && runner
            .run(&Call::new("systemctl", &["--user", "show-environment"]))
            .map(|o| o.success())
            .unwrap_or(false)
}

/// The backend `install` uses when none is forced.
pub(crate) fn detect_backend(ctx: &Context) -> Result<Backend, ScheduleError> {
    if ctx.os == Os::MacOs {
        return Ok(Backend::Launchd);
    }
    if systemd_usable(ctx) {
        return Ok(Backend::Systemd);
    }
    if runner(ctx).find("crontab").is_some() {
        return Ok(Backend::Cron);
    }
    Err(ScheduleError::NoScheduler)
}

pub(super) struct SystemdFiles {
    pub service: PathBuf,
    pub timer: PathBuf,
    pub timer_name: String,
}

pub(super) fn systemd_files(ctx: &Context) -> SystemdFiles {
    let base = systemd::unit_base(ctx.profile());
    let dir = systemd::unit_dir(&ctx.env.xdg_config_home);
    SystemdFiles {
        service: dir.join(format!("{base}.service")),
        timer: dir.join(format!("{base}.timer")),
        timer_name: format!("{base}.timer"),
    }
}

pub(super) fn systemctl_says(
    runner: &Runner,
    verb: &str,
    unit: &str,
    want: &str,
) -> Result<bool, ScheduleError> {
    let out = runner.run(&Call::new("systemctl", &["--user", verb, unit]))?;
    Ok(out.success() && out.stdout.trim() == want)
}

pub(super) fn launchd_uid(ctx: &Context) -> Result<u32, ScheduleError> {
    if let Some(uid) = ctx.uid {
        return Ok(uid);
    }
    let call = Call::new("id", &["-u"]);
    let out = runner(ctx).run_checked(&call)?;
    out.stdout
        .trim()
        .parse()
        .map_err(|_| ScheduleError::CommandFailed {
            command: call.display(),
            code: out.code,
            stderr: format!("unexpected output {:?}", out.stdout.trim()),
        })
}

/// Whether systemd keeps the user's manager (and so the timer) running after they log out:
/// `loginctl show-user UID --property=Linger`.
fn lingering(ctx: &Context) -> Option<bool> {
    let runner = runner(ctx);
    runner.find("loginctl")?;
    let uid = launchd_uid(ctx).ok()?.to_string();
    let out = runner
        .run(&Call::new(
            "loginctl",
            &["show-user", &uid, "--property=Linger"],
        ))
        .ok()?;
    if !out.success() {
        return None;
    }
    match out.stdout.trim().trim_start_matches("Linger=") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// What the preview of a systemd user timer says about lingering.
pub(super) fn linger_note(ctx: &Context) -> String {
    match lingering(ctx) {
        Some(true) => {
            "lingering is on for your user, so the timer also runs while you are logged out"
                .to_string()
        }
        Some(false) => "lingering is off for your user, so the timer runs only while you are \
                        logged in; `loginctl enable-linger` keeps it running after you log out"
            .to_string(),
        None => "could not tell whether lingering is on (`loginctl show-user $USER \
                 --property=Linger`); without it the timer runs only while you are logged in, \
                 and `loginctl enable-linger` turns it on"
            .to_string(),
    }
}

pub(super) fn launchd_loaded(ctx: &Context, domain: &str) -> Result<bool, ScheduleError> {
    let target = format!("{domain}/{}", launchd::label(ctx.profile()));
    Ok(runner(ctx)
        .run(&Call::new("launchctl", &["print", &target]))?
        .success())
}
