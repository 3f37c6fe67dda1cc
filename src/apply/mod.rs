//! The one pipeline that changes client config files — plan, preview, confirm, lock, re-check,
//! write, report — in three types: [`Desired`] (what we want), [`Edit`] (what the editor
//! produced), [`Verdict`] (what happened to the file); files are identified by their real path.

mod git;
mod plan;
pub(crate) mod preview;
mod records;
mod report;
mod setup;
mod survey;
mod write;

use std::path::PathBuf;
use std::time::Duration;

pub(crate) use crate::edit::Desired;
pub(crate) use preview::Color;
pub(crate) use records::{forget, is_record_of, record, Owner};
pub(crate) use report::{reload_hints, Action, Batch, Verdict};
pub(crate) use setup::with_modes;
pub(crate) use survey::{inspect_file, judge, Holding};
pub(crate) use write::{ApplyError, LOCK_WAIT, NEW_FILE_MODE};

use crate::clients::{ConfigFile, Mode, Server};
use crate::error::Error;
use crate::paths::Env;
use crate::store::{Store, StoreError, StoreLock};
use plan::{Done, Step};

/// Where the configs of this run are and whose they are: the environment, the credential store
/// and the profile, the MCP URL, and how long to wait for locks.
#[derive(Debug, Clone)]
pub struct Configs<'a> {
    pub env: &'a Env,
    pub store: &'a Store,
    pub profile: &'a str,
    pub mcp_url: String,
    /// Wait for another process's store lock.
    pub lock_timeout: Duration,
    /// Wait for a client's own lock (Claude Code's `~/.claude.json.lock`).
    pub client_lock_timeout: Duration,
}

impl Configs<'_> {
    /// Takes this profile's store lock.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        self.store.lock(self.profile, self.lock_timeout)
    }

    /// Where the first backup of each file goes.
    pub fn backup_dir(&self) -> PathBuf {
        self.env.app_state_dir().join("backups")
    }
}

/// One file to preview or write.
#[derive(Debug, Clone)]
pub struct Job {
    pub file: ConfigFile,
    /// The entry to edit (a recorded entry: by its name only).
    pub server: Server,
    /// Create our entry when the file does not hold it (setup's chosen scope).
    pub create: bool,
    /// What this job's entry must hold (setup with `--mode`); `None`: the batch's
    /// [`Options::desired`].
    pub desired: Option<Desired>,
    /// The mode the file was configured in (an indirection is "current" for such a file).
    pub mode: Mode,
    /// Whose the entry is before this run (setup adopts or takes over entries explicitly).
    pub claim: Claim,
    /// Keep the file's permissions even when other users can read it (`--keep-mode`, or the
    /// file's record says so).
    pub keep_mode: bool,
}

/// What `setup` does about who manages an existing entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The entry is this profile's already, or is created by this run.
    Own,
    /// Nobody manages it: setup adopts it (this profile will refresh it from now on).
    Adopt,
    /// Another profile manages it and `--force` was given: it moves to this profile.
    TakeOver(String),
    /// Another profile manages it: left alone.
    Foreign(String),
}

impl Job {
    /// A job applying the batch's change to `file`'s entry of `server`.
    pub fn new(file: ConfigFile, server: Server) -> Self {
        Job {
            file,
            server,
            create: false,
            desired: None,
            mode: Mode::Inline,
            claim: Claim::Own,
            keep_mode: false,
        }
    }

    fn desired<'a>(&'a self, opts: &'a Options) -> &'a Desired {
        self.desired.as_ref().unwrap_or(opts.desired)
    }
}

/// How a batch runs.
#[derive(Debug, Clone)]
pub(crate) struct Options<'a> {
    /// What every job without its own `desired` wants.
    pub desired: &'a Desired,
    /// Write (true) or only preview (false).
    pub write: bool,
    /// Write a token into a project file git tracks.
    pub allow_tracked: bool,
    /// Report a recorded entry that is gone.
    pub report_missing: bool,
    /// Show secrets in clear in the diffs (`--show-secrets`).
    pub show_secrets: bool,
    pub color: Color,
    /// Keep the mode of a file that receives a token even when other users can read it
    /// (`--keep-mode`); by default group and other permissions are dropped.
    pub keep_mode: bool,
}

/// Previews or writes every job: the refusal rules first, then either a masked preview of each
/// file, or the write of each real file once (its jobs re-planned together under the lock).
/// Commands build the jobs (from a survey of the configs, or from the records of a profile),
/// run them, and print the [`Batch`].
pub(crate) fn run(configs: &Configs, jobs: &[Job], opts: &Options) -> Batch {
    let mut verdicts: Vec<Option<Verdict>> = jobs
        .iter()
        .map(|j| plan::refusal(configs, j, opts))
        .collect();
    if opts.write {
        for i in 0..jobs.len() {
            if verdicts[i].is_some() {
                continue;
            }
            let members: Vec<usize> = (i..jobs.len())
                .filter(|&j| verdicts[j].is_none() && jobs[j].file.real == jobs[i].file.real)
                .collect();
            let group: Vec<&Job> = members.iter().map(|&j| &jobs[j]).collect();
            for (&j, v) in members.iter().zip(write::group(configs, &group, opts)) {
                verdicts[j] = Some(v);
            }
        }
    } else {
        for (job, v) in jobs.iter().zip(verdicts.iter_mut()) {
            if v.is_none() {
                *v = Some(preview_job(configs, job, opts));
            }
        }
    }
    Batch {
        results: jobs
            .iter()
            .zip(verdicts)
            .map(|(j, v)| (j.file.clone(), v.unwrap_or(Verdict::NoEntry)))
            .collect(),
    }
}

/// Plans `job` from the file's current bytes and renders the masked diff (nothing is written).
/// A file the write would refuse (another user's, read-only, in a shared directory) is refused
/// here already.
fn preview_job(configs: &Configs, job: &Job, opts: &Options) -> Verdict {
    let file = &job.file;
    let desired = job.desired(opts);
    let run = || -> Result<Verdict, ApplyError> {
        let snap = crate::fs::read_snapshot(&file.real)?;
        let text = write::snapshot_text(&snap, &file.real)?;
        let step = plan::plan_text(file, text, &job.server, desired, job.create)
            .map_err(|e| ApplyError::edit(file, e))?;
        let done = match &step {
            Step::Change(edit) => {
                let guard = write::Guard::of(
                    configs,
                    file,
                    desired.token().is_some(),
                    opts.keep_mode || job.keep_mode,
                );
                let effects = guard.check(&snap)?;
                let secrets: Vec<&str> = desired.token().into_iter().collect();
                let diff = preview::edit_diff(
                    &configs.env.display(&file.path),
                    text,
                    edit,
                    &preview::DiffOptions {
                        secrets: &secrets,
                        show_secrets: opts.show_secrets,
                        color: opts.color,
                        context: 3,
                    },
                );
                Done::Preview { diff, effects }
            }
            _ => Done::Preview {
                diff: String::new(),
                effects: crate::fs::WriteEffects::default(),
            },
        };
        Ok(plan::verdict(configs, job, opts, step, done))
    };
    run().unwrap_or_else(|e| plan::failed(&e))
}

/// What [`Configs::update_managed`] does.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// `--target`: only these clients (`None`: every client).
    pub clients: Option<&'a [&'static crate::clients::Client]>,
    pub server_name: Option<&'a str>,
    pub write: bool,
    pub allow_tracked: bool,
    /// `--keep-mode` (records of `setup --keep-mode` keep the mode anyway).
    pub keep_mode: bool,
    pub show_secrets: bool,
    pub color: Color,
}

impl Configs<'_> {
    /// The config step of `refresh` and `login`: the entries this profile manages get the token
    /// the store holds — previewed, or written with `write`. Writes happen under the profile's
    /// lock with the token the store holds at that moment: a concurrent refresh may have
    /// rotated it, and a concurrent `logout` may have forgotten it, in which case nothing is
    /// written (a token the store no longer holds never reaches a config).
    pub fn update_managed(&self, u: &Update) -> Result<Batch, Error> {
        let lock = if u.write { Some(self.lock()?) } else { None };
        let data = match &lock {
            Some(l) => l.load()?,
            None => self.store.load(self.profile)?,
        }
        .unwrap_or_default();
        let Some(token) = data.token.as_ref().map(|t| &t.access_token) else {
            return Err(Error::LoginRequired {
                profile: self.profile.to_string(),
                reason: "the tokens were forgotten (logout) while this command ran; no config \
                         was changed"
                    .into(),
            });
        };
        let jobs = self.managed_jobs(u.clients, u.server_name, &data.configs);
        let desired = Desired::header(crate::edit::SecretHeader::bearer(token));
        let batch = run(
            self,
            &jobs,
            &Options {
                desired: &desired,
                write: u.write,
                allow_tracked: u.allow_tracked,
                report_missing: true,
                show_secrets: u.show_secrets,
                color: u.color,
                keep_mode: u.keep_mode,
            },
        );
        drop(lock);
        Ok(batch)
    }
}
