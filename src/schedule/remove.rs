//! `schedule remove`: the plan that stops and deletes the profile's unit, agent or crontab line
//! (only figma-auth's own), and the command that shows it and applies it.

use std::io::Write;

use super::detect::{launchd_loaded, launchd_uid, read_crontab, systemd_files, systemd_usable};
use super::exec::Call;
use super::plan::{apply, confirm_apply, read_opt, Plan, Step};
use super::{checked_profile, cron, launchd, runner, Backend, ScheduleError};
use crate::app::Context;
use crate::cli::RemoveArgs;
use crate::error::exit;

/// `figma-auth schedule remove`: the plan, then (after `--write` or a confirmation) the change.
pub(crate) fn run(ctx: &Context, args: &RemoveArgs) -> Result<u8, ScheduleError> {
    checked_profile(ctx)?;
    let mut out = ctx.ui.stdout();
    let mut plan = Plan::default();
    let backends: Vec<Backend> = match args.backend {
        Some(b) => vec![b],
        None => Backend::ALL.to_vec(),
    };
    for b in backends {
        plan.extend(plan_remove(b, ctx)?);
    }
    for note in &plan.notes {
        writeln!(out, "note: {note}")?;
    }
    if plan.is_empty() {
        writeln!(
            out,
            "No figma-auth schedule for profile {:?}; nothing to remove.",
            ctx.profile()
        )?;
        return Ok(exit::OK);
    }
    let mut rerun = "figma-auth schedule remove --write".to_string();
    if let Some(b) = args.backend {
        rerun.push_str(&format!(" --backend {}", b.arg()));
    }
    rerun.push_str(&ctx.flags());
    if !confirm_apply(&plan, ctx, args.write, args.dry_run, &rerun)? {
        return Ok(exit::OK);
    }
    apply(&plan, ctx)?;
    writeln!(out, "Removed the schedule for profile {:?}.", ctx.profile())?;
    Ok(exit::OK)
}

pub(super) fn plan_remove(backend: Backend, ctx: &Context) -> Result<Plan, ScheduleError> {
    let runner = runner(ctx);
    let mut plan = Plan::default();
    match backend {
        Backend::Systemd => {
            let files = systemd_files(ctx);
            let service = read_opt(&files.service)?;
            let timer = read_opt(&files.timer)?;
            if service.is_none() && timer.is_none() {
                return Ok(plan);
            }
            let usable = systemd_usable(ctx);
            if usable {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "disable", "--now", &files.timer_name],
                )));
            } else {
                plan.notes.push(
                    "systemd does not answer: the unit files are deleted without stopping the timer"
                        .to_string(),
                );
            }
            if let Some(old) = timer {
                plan.steps.push(Step::Delete {
                    path: files.timer,
                    old,
                });
            }
            if let Some(old) = service {
                plan.steps.push(Step::Delete {
                    path: files.service,
                    old,
                });
            }
            if usable {
                plan.steps.push(Step::Run(Call::new(
                    "systemctl",
                    &["--user", "daemon-reload"],
                )));
            }
        }
        Backend::Launchd => {
            let path = launchd::plist_path(&ctx.env.home, ctx.profile());
            let Some(old) = read_opt(&path)? else {
                return Ok(plan);
            };
            if runner.find("launchctl").is_some() {
                let domain = format!("gui/{}", launchd_uid(ctx)?);
                if launchd_loaded(ctx, &domain)? {
                    let target = format!("{domain}/{}", launchd::label(ctx.profile()));
                    plan.steps
                        .push(Step::Run(Call::new("launchctl", &["bootout", &target])));
                }
            }
            plan.steps.push(Step::Delete { path, old });
        }
        Backend::Cron => {
            if runner.find("crontab").is_none() {
                return Ok(plan);
            }
            let old = read_crontab(&runner)?;
            let new = cron::upsert(&old, ctx.profile(), None);
            if new != old {
                plan.steps.push(Step::Crontab { old, new });
            }
        }
    }
    Ok(plan)
}
