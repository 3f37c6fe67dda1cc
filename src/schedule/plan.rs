//! A schedule change as data: the ordered [`Step`]s of a [`Plan`], rendered as a preview (files
//! and the crontab as diffs), confirmed once, and applied with each file re-checked first.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::detect::read_crontab;
use super::exec::Call;
use super::{runner, ScheduleError};
use crate::app::Context;
use crate::apply::preview::{unified_diff, Color, DiffOptions};
use crate::fs::FsError;
use crate::ui::Decision;

/// One step of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Create or replace a file (0644).
    Write {
        path: PathBuf,
        old: Option<String>,
        new: String,
    },
    /// Delete a file.
    Delete { path: PathBuf, old: String },
    /// Replace the user's crontab (`crontab -` with the new table on stdin).
    Crontab { old: String, new: String },
    /// Run a program.
    Run(Call),
}

/// A planned change: its steps in order and notes for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    pub notes: Vec<String>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub(super) fn extend(&mut self, other: Plan) {
        self.steps.extend(other.steps);
        self.notes.extend(other.notes);
    }

    /// The preview: each step in order, files and the crontab as diffs.
    pub(crate) fn render(&self, ctx: &Context) -> String {
        let opts = DiffOptions {
            secrets: &[],
            show_secrets: false,
            color: Color::when(ctx.ui.out_color()),
            context: 3,
        };
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match step {
                Step::Write { path, old, new } => {
                    let shown = ctx.env.display(path);
                    let what = if old.is_some() { "update" } else { "create" };
                    out.push_str(&format!("{n}. {what} {shown}\n"));
                    out.push_str(&unified_diff(&shown, old.as_deref(), new, &opts));
                }
                Step::Delete { path, old } => {
                    let shown = ctx.env.display(path);
                    out.push_str(&format!("{n}. delete {shown}\n"));
                    out.push_str(&unified_diff(&shown, Some(old), "", &opts));
                }
                Step::Crontab { old, new } => {
                    out.push_str(&format!(
                        "{n}. replace the crontab: crontab - (new table on stdin)\n"
                    ));
                    out.push_str(&unified_diff("crontab", Some(old), new, &opts));
                }
                Step::Run(call) => out.push_str(&format!("{n}. run: {}\n", call.display())),
            }
        }
        out
    }
}

pub(super) fn read_opt(path: &Path) -> Result<Option<String>, ScheduleError> {
    let snap = crate::fs::read_snapshot(path)?;
    Ok(snap.bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

pub(super) fn apply(plan: &Plan, ctx: &Context) -> Result<(), ScheduleError> {
    let runner = runner(ctx);
    for step in &plan.steps {
        match step {
            Step::Write { path, old, new } => {
                if read_opt(path)? != *old {
                    return Err(ScheduleError::FileChanged(path.clone()));
                }
                if let Some(dir) = path.parent() {
                    crate::fs::create_dirs(dir, unit_dir_mode(dir))?;
                }
                // Guarded: the scheduler runs what the unit says, so it must be the user's
                // own file in the user's own directory.
                crate::fs::write_atomic_with(
                    path,
                    &crate::fs::WriteOptions::new(0o644).guarded(),
                    |f| std::io::Write::write_all(f, new.as_bytes()),
                )?;
            }
            Step::Delete { path, .. } => match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FsError::io("cannot delete", path, e).into()),
            },
            Step::Crontab { old, new } => {
                if read_crontab(&runner)? != *old {
                    return Err(ScheduleError::CrontabChanged);
                }
                runner.run_checked(&Call::new("crontab", &["-"]).with_stdin(new.clone()))?;
            }
            Step::Run(call) => {
                runner.run_checked(call)?;
            }
        }
    }
    Ok(())
}

/// The mode of a directory created for a scheduler unit, whatever the umask: 0700, except
/// `~/Library/LaunchAgents`, which macOS itself creates 0755.
fn unit_dir_mode(dir: &Path) -> u32 {
    if dir.file_name().is_some_and(|n| n == "LaunchAgents") {
        0o755
    } else {
        0o700
    }
}

pub(super) fn write_step(path: PathBuf, new: String) -> Result<Option<Step>, ScheduleError> {
    let old = read_opt(&path)?;
    Ok((old.as_deref() != Some(new.as_str())).then_some(Step::Write { path, old, new }))
}

/// Prints the plan and decides whether to apply it ([`crate::ui::Ui::decide`]): `--write` yes;
/// `--dry-run` no; a terminal asks once; otherwise no, with the command to re-run.
pub(super) fn confirm_apply(
    plan: &Plan,
    ctx: &Context,
    write: bool,
    dry_run: bool,
    rerun: &str,
) -> Result<bool, ScheduleError> {
    let mut out = ctx.ui.stdout();
    write!(out, "{}", plan.render(ctx))?;
    match ctx.ui.decide(write, dry_run) {
        Decision::Write => Ok(true),
        Decision::DryRun => {
            writeln!(out, "Dry run: nothing was changed.")?;
            Ok(false)
        }
        Decision::Ask => {
            if ctx
                .ui
                .confirm("Apply these changes?")
                .map_err(|_| ScheduleError::Cancelled)?
            {
                return Ok(true);
            }
            writeln!(out, "Nothing was changed.")?;
            Ok(false)
        }
        Decision::PreviewOnly => {
            writeln!(
                out,
                "Preview only: nothing was changed. Re-run with --write to apply: {rerun}"
            )?;
            Ok(false)
        }
    }
}
