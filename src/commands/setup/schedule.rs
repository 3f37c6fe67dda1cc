//! The scheduled refresh `setup` offers with its one confirmation, and the lines that say when
//! an inline token expires without one.

use super::{cancelled, Context};
use crate::apply::Batch;
use crate::cli::SetupArgs;
use crate::error::Error;

/// Where the scheduled refresh stands for this run.
pub(super) enum ScheduleState {
    /// Not asked about (no inline token involved).
    NotNeeded,
    /// The profile already has a schedule (`schedule status` looks after it).
    Installed,
    /// It can be installed with this plan.
    Offer(Box<crate::schedule::Prepared>),
    /// No scheduler can run it; the text says why.
    Unavailable(String),
}

/// Whether a scheduled refresh exists or can be offered. With `--schedule`, a schedule that
/// cannot be installed stops setup before anything is written.
pub(super) fn schedule_state(ctx: &Context, args: &SetupArgs) -> Result<ScheduleState, Error> {
    if !args.schedule {
        let installed = crate::schedule::status_report(ctx, None)
            .map(|r| !r.installed.is_empty())
            .unwrap_or(false);
        if installed {
            return Ok(ScheduleState::Installed);
        }
    }
    match crate::schedule::prepare_install(ctx, args.every, None) {
        Ok(p) if p.plan.is_empty() => Ok(ScheduleState::Installed),
        Ok(p) => Ok(ScheduleState::Offer(Box::new(p))),
        Err(e) if args.schedule => Err(e.into()),
        Err(e) => Ok(ScheduleState::Unavailable(crate::error::chain(&e))),
    }
}

/// The one question: the files, and the schedule when it is offered (`f`: the files only).
/// Returns (write the files, install the schedule).
pub(super) fn ask(ctx: &Context, pending: usize, schedule: bool) -> Result<(bool, bool), Error> {
    let files = if pending == 1 { "file" } else { "files" };
    let answer = if schedule {
        ctx.ui.ask(&format!(
            "Write these changes to {pending} {files} and install the scheduled refresh? \
             [y/N, f = files only] "
        ))
    } else {
        ctx.ui
            .ask(&format!("Write these changes to {pending} {files}? [y/N] "))
    }
    .map_err(|_| cancelled())?;
    let result = match answer.as_str() {
        "y" | "yes" => (true, schedule),
        "f" | "files" if schedule => (true, false),
        _ => (false, false),
    };
    if !result.0 {
        ctx.ui.line(format_args!("Nothing was written."));
    }
    Ok(result)
}

pub(super) fn schedule_installed(ctx: &Context, prepared: Option<&crate::schedule::Prepared>) {
    if let Some(p) = prepared {
        ctx.ui.success(format_args!(
            "Scheduled refresh installed: {} (`figma-auth schedule status` shows its runs)",
            p.headline()
        ));
    }
}

/// The last line of a setup that leaves inline tokens without a schedule: when they expire and
/// the command that keeps them fresh.
pub(super) fn expiry_line(ctx: &Context, batch: &Batch, schedule: &ScheduleState) {
    let holds = batch.results.iter().any(|(_, v)| v.holds());
    if !holds || matches!(schedule, ScheduleState::Installed) {
        return;
    }
    let Some(token) = ctx
        .store
        .load(ctx.profile())
        .ok()
        .flatten()
        .and_then(|d| d.token)
    else {
        return;
    };
    let when = format!(
        "{} ({})",
        token.expires_at.rfc3339(),
        token.expires_at.relative_to(crate::time::Timestamp::now())
    );
    let keep = match schedule {
        ScheduleState::Unavailable(why) => format!(
            "no scheduler can run the refresh here ({why}), so run `figma-auth refresh --write{}` \
             before then",
            ctx.flags()
        ),
        _ => format!(
            "`figma-auth schedule install --write{}` keeps it fresh",
            ctx.flags()
        ),
    };
    ctx.ui.note(format_args!(
        "the token in the configs expires {when}; {keep}."
    ));
}
