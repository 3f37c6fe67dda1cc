//! `schedule install`: the plan that writes the backend's unit, agent or crontab line (and
//! removes the profile's schedule from any other backend, so it never runs twice), and the
//! command that shows it and applies it. `setup` shows the same plan in its own confirmation.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::detect::{
    detect_backend, launchd_loaded, launchd_uid, linger_note, read_crontab, systemctl_says,
    systemd_files,
};
use super::exec::Call;
use super::plan::{apply, confirm_apply, write_step, Plan, Step};
use super::remove::plan_remove;
use super::{
    check_interval, cron, fmt_duration, launchd, log, others, runner, scheduled_command,
    self_command, systemd, Backend, ScheduleError, ScheduledCommand,
};
use crate::app::Context;
use crate::cli::InstallArgs;
use crate::error::exit;

/// A schedule install, planned and not applied yet (`schedule install`, and `setup` which
/// shows it in its own confirmation).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub backend: Backend,
    /// The interval the backend runs at (cron may round `--every` down).
    pub every: Duration,
    pub command: ScheduledCommand,
    pub plan: Plan,
}

impl Prepared {
    /// `every 30m with the systemd user timer`.
    pub(crate) fn headline(&self) -> String {
        format!(
            "every {} with the {}",
            fmt_duration(self.every),
            self.backend.name()
        )
    }

    /// The steps as one line each (files and commands, no diffs), then the notes.
    pub(crate) fn summary(&self, ctx: &Context) -> String {
        let mut out = String::new();
        for (i, step) in self.plan.steps.iter().enumerate() {
            let what = match step {
                Step::Write { path, old, .. } => format!(
                    "{} {}",
                    if old.is_some() { "update" } else { "create" },
                    ctx.env.display(path)
                ),
                Step::Delete { path, .. } => format!("delete {}", ctx.env.display(path)),
                Step::Crontab { .. } => {
                    format!(
                        "update the crontab (the line marked profile={})",
                        ctx.profile()
                    )
                }
                Step::Run(call) => format!("run: {}", call.display()),
            };
            out.push_str(&format!("  {}. {what}\n", i + 1));
        }
        out.push_str(&format!("  it runs: {}\n", self.command.display()));
        for note in &self.plan.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}

/// Plans `schedule install --every every [--backend backend]` for `ctx` (including removing a
/// schedule of the profile from another backend), without changing anything.
pub(crate) fn prepare_install(
    ctx: &Context,
    every: Duration,
    backend: Option<Backend>,
) -> Result<Prepared, ScheduleError> {
    let invalid = |reason: String| ScheduleError::Interval {
        value: fmt_duration(every),
        reason,
    };
    check_interval(every).map_err(invalid)?;
    // A token that could expire between two runs would go stale in the configs.
    if let Some(lifetime) = crate::session::stored_token(ctx).and_then(|t| t.lifetime())
        && every > lifetime / 2
    {
        return Err(invalid(format!(
            "it is longer than half the access token's lifetime ({}), so a token could expire \
                 between two runs; use --every {} or less",
            fmt_duration(lifetime),
            fmt_duration(lifetime / 2)
        )));
    }
    let command = scheduled_command(ctx)?;
    let backend = match backend {
        Some(b) => b,
        None => detect_backend(ctx)?,
    };
    let (mut plan, effective) = plan_install(backend, ctx, &command, every)?;
    // A schedule for this profile in another backend would run twice: remove it.
    for other in others(backend) {
        match plan_remove(other, ctx) {
            Ok(p) => {
                if !p.is_empty() {
                    plan.notes.push(format!(
                        "a schedule for this profile in the {} is removed (it would run twice)",
                        other.name()
                    ));
                }
                plan.extend(p);
            }
            Err(e) => plan.notes.push(format!(
                "could not check the {} for an older schedule: {}",
                other.name(),
                crate::error::chain(&e)
            )),
        }
    }
    Ok(Prepared {
        backend,
        every: effective,
        command,
        plan,
    })
}

impl Prepared {
    /// Applies the plan.
    pub(crate) fn apply(&self, ctx: &Context) -> Result<(), ScheduleError> {
        apply(&self.plan, ctx)
    }
}

/// `figma-auth schedule install`: the plan, then (after `--write` or a confirmation) the change.
pub(crate) fn run(ctx: &Context, args: &InstallArgs) -> Result<u8, ScheduleError> {
    let mut out = ctx.ui.stdout();
    let prepared = prepare_install(ctx, args.every, args.backend)?;
    let (backend, effective, cmd, plan) = (
        prepared.backend,
        prepared.every,
        &prepared.command,
        &prepared.plan,
    );
    writeln!(
        out,
        "Schedule for profile {:?}: every {} with the {}.",
        ctx.profile(),
        fmt_duration(effective),
        backend.name()
    )?;
    writeln!(out, "Command: {}", cmd.display())?;
    for note in &plan.notes {
        writeln!(out, "note: {note}")?;
    }
    if plan.is_empty() {
        writeln!(out, "Already installed; nothing to change.")?;
        return Ok(exit::OK);
    }
    let mut rerun = format!(
        "figma-auth schedule install --write --every {}",
        fmt_duration(args.every)
    );
    if let Some(b) = args.backend {
        rerun.push_str(&format!(" --backend {}", b.arg()));
    }
    rerun.push_str(&ctx.flags());
    if !confirm_apply(plan, ctx, args.write, args.dry_run, &rerun)? {
        return Ok(exit::OK);
    }
    apply(plan, ctx)?;
    writeln!(
        out,
        "Installed. Each run appends a line to {}; check it with `{}`.",
        ctx.env.display(&log::log_path(&ctx.env.app_state_dir())),
        self_command(ctx, "schedule status")
    )?;
    if let Some(note) = cmd.program().and_then(crate::binary::note) {
        writeln!(out, "note: {note}.")?;
    }
    let exe = cmd.program().unwrap_or(Path::new("")).to_string_lossy();
    if exe.contains("/target/debug/")
        || exe.contains("/target/release/")
        || exe.starts_with("/tmp/")
    {
        writeln!(
            out,
            "warning: {exe} looks like a build or temporary directory; the schedule stops working \
             if it is removed. Install figma-auth (e.g. `cargo install`) and run this again from there."
        )?;
    }
    Ok(exit::OK)
}

fn plan_install(
    backend: Backend,
    ctx: &Context,
    cmd: &ScheduledCommand,
    interval: Duration,
) -> Result<(Plan, Duration), ScheduleError> {
    let runner = runner(ctx);
    let mut plan = Plan::default();
    let mut effective = interval;
    match backend {
        Backend::Systemd => {
            let files = systemd_files(ctx);
            let writes: Vec<Step> = [
                write_step(files.service.clone(), systemd::service(ctx.profile(), cmd))?,
                write_step(files.timer.clone(), systemd::timer(ctx.profile(), interval))?,
            ]
            .into_iter()
            .flatten()
            .collect();
            let changed = !writes.is_empty();
            plan.steps.extend(writes);
            let enabled = systemctl_says(&runner, "is-enabled", &files.timer_name, "enabled")?;
            let active = systemctl_says(&runner, "is-active", &files.timer_name, "active")?;
            let unit = files.timer_name.as_str();
            if changed {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "daemon-reload"],
                )));
            }
            if !enabled || !active {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "enable", "--now", unit],
                )));
            }
            if changed && active {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "restart", unit],
                )));
            }
            plan.notes.push(linger_note(ctx));
        }
        Backend::Launchd => {
            let path = launchd::plist_path(&ctx.env.home, ctx.profile());
            let write = write_step(path.clone(), launchd::plist(ctx.profile(), cmd, interval))?;
            let changed = write.is_some();
            plan.steps.extend(write);
            let domain = format!("gui/{}", launchd_uid(ctx)?);
            let loaded = launchd_loaded(ctx, &domain)?;
            let target = format!("{domain}/{}", launchd::label(ctx.profile()));
            if changed && loaded {
                plan.steps
                    .push(Step::Run(Call::new("launchctl", &["bootout", &target])));
            }
            if changed || !loaded {
                let p = path.to_string_lossy();
                plan.steps.push(Step::Run(Call::new(
                    "launchctl",
                    &["bootstrap", &domain, &p],
                )));
            }
        }
        Backend::Cron => {
            let old = read_crontab(&runner)?;
            let (fields, got) = cron::schedule_fields(interval);
            if got != interval {
                plan.notes.push(format!(
                    "cron cannot run every {} evenly; using every {} instead",
                    fmt_duration(interval),
                    fmt_duration(got)
                ));
            }
            effective = got;
            let line = cron::line(&fields, cmd, ctx.profile());
            let new = cron::upsert(&old, ctx.profile(), Some(&line));
            if new != old {
                plan.steps.push(Step::Crontab { old, new });
            }
        }
    }
    Ok((plan, effective))
}
