//! The config step shared by `setup`, `refresh` and `logout`: which files to consider, a masked
//! diff or a safe write for each, one summary line per file, the reload hints, and the record of
//! configured files kept in the store for later unattended refreshes.

use super::Context;
use crate::configs;
use crate::diff::Color;
use crate::edit::HeaderChange;
use crate::error::Error;
use crate::store::ManagedConfig;
use crate::targets::{self, ConfigFile, Mode, Scope, Server, Target};
use std::io::{IsTerminal, Write};

/// Colour for output on stdout: only on a terminal, and never with `NO_COLOR` set.
pub fn stdout_color() -> Color {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if !no_color && std::io::stdout().is_terminal() {
        Color::Always
    } else {
        Color::Never
    }
}

/// The preview/write options for this invocation.
pub fn options(ctx: &Context, show_secrets: bool) -> configs::Options {
    configs::Options {
        show_secrets,
        color: stdout_color(),
        backup_dir: ctx.env.app_state_dir().join("backups"),
        lock_wait: ctx.client_lock_timeout,
        keep_mode: false,
    }
}

/// The server entry we manage.
pub fn server(ctx: &Context, name: &str, force: bool) -> Server {
    Server {
        name: name.to_string(),
        url: ctx.mcp_url(),
        force,
    }
}

/// The clients named with `--target` (or every detected client), as a usage error when a name
/// is unknown.
pub fn select(ctx: &Context, names: &[String]) -> Result<Vec<&'static dyn Target>, Error> {
    configs::select_targets(names, &ctx.env).map_err(Error::Usage)
}

/// The files `refresh`/`logout` consider: every existing config file of the selected clients,
/// plus the files `setup` recorded (which may live in other projects), restricted to `targets`;
/// each with the mode it was configured in (`inline` for files figma-auth did not set up).
pub fn update_candidates(
    ctx: &Context,
    targets: &[&'static dyn Target],
    recorded: &[ManagedConfig],
) -> Vec<(ConfigFile, Mode)> {
    let mode_of = |f: &ConfigFile| {
        recorded
            .iter()
            .find(|m| {
                let r = managed(f, &m.server_name, &m.mode);
                r.target == m.target && r.path == m.path && r.project == m.project
            })
            .and_then(|m| Mode::parse(&m.mode).ok())
            .unwrap_or(Mode::Inline)
    };
    let mut files: Vec<(ConfigFile, Mode)> = configs::existing_files(&ctx.env, targets)
        .into_iter()
        .map(|f| {
            let m = mode_of(&f);
            (f, m)
        })
        .collect();
    for m in recorded {
        if !targets.iter().any(|t| t.id() == m.target) {
            continue;
        }
        if let Some(f) = recorded_file(ctx, m) {
            if f.exists() && !files.iter().any(|(g, _)| *g == f) {
                let mode = Mode::parse(&m.mode).unwrap_or(Mode::Inline);
                files.push((f, mode));
            }
        }
    }
    files
}

/// The jobs of `refresh` and `logout`: the [`update_candidates`] of the clients named with
/// `--target` (all clients when none is named), each in the mode it was configured in.
pub fn update_jobs(
    ctx: &Context,
    names: &[String],
    recorded: &[ManagedConfig],
) -> Result<Vec<Job>, Error> {
    let targets = if names.is_empty() {
        targets::all().to_vec()
    } else {
        select(ctx, names)?
    };
    Ok(update_candidates(ctx, &targets, recorded)
        .into_iter()
        .map(|(file, mode)| {
            let keep_mode = recorded_keep_mode(&file, recorded);
            Job {
                keep_mode,
                ..Job::update(file, mode)
            }
        })
        .collect())
}

/// Whether `setup --keep-mode` configured `file` (its later refreshes keep the mode too).
fn recorded_keep_mode(file: &ConfigFile, recorded: &[ManagedConfig]) -> bool {
    recorded.iter().any(|m| {
        let r = managed(file, &m.server_name, &m.mode);
        m.keep_mode && r.target == m.target && r.path == m.path && r.project == m.project
    })
}

/// Rebuilds the [`ConfigFile`] of a recorded config.
pub fn recorded_file(ctx: &Context, m: &ManagedConfig) -> Option<ConfigFile> {
    let target = targets::by_id(&m.target)?;
    let scope = match m.scope.as_str() {
        "user" => Scope::User,
        "project" => Scope::Project,
        "local" => Scope::Local,
        _ => return None,
    };
    let mut f = target.default_file(&ctx.env, scope)?;
    f.path = m.path.clone();
    if let targets::Shape::Claude { project } = &mut f.shape {
        *project = m.project.clone();
    }
    Some(f)
}

/// The record of a configured file.
pub fn managed(file: &ConfigFile, server_name: &str, mode: &str) -> ManagedConfig {
    ManagedConfig {
        target: file.target.to_string(),
        scope: file.scope.as_str().to_string(),
        path: file.path.clone(),
        project: match &file.shape {
            targets::Shape::Claude { project } => project.clone(),
            _ => None,
        },
        server_name: server_name.to_string(),
        mode: mode.to_string(),
        keep_mode: false,
    }
}

/// Adds (or replaces) records of configured files in the profile's store.
pub fn remember(ctx: &Context, records: &[ManagedConfig]) -> Result<(), Error> {
    if records.is_empty() {
        return Ok(());
    }
    let lock = ctx.lock()?;
    let mut data = lock.load()?.unwrap_or_default();
    let before = data.configs.clone();
    for r in records {
        data.configs
            .retain(|c| !(c.target == r.target && c.path == r.path && c.project == r.project));
        data.configs.push(r.clone());
    }
    // Already recorded (a repeated setup): the store is not rewritten.
    let unchanged =
        data.configs.len() == before.len() && data.configs.iter().all(|c| before.contains(c));
    if !unchanged {
        lock.save(&data)?;
    }
    Ok(())
}

/// Forgets records (after `logout --write` removed our header from them).
pub fn forget(ctx: &Context, files: &[ConfigFile]) -> Result<(), Error> {
    if files.is_empty() {
        return Ok(());
    }
    let lock = ctx.lock()?;
    let Some(mut data) = lock.load()? else {
        return Ok(());
    };
    let before = data.configs.len();
    data.configs.retain(|c| {
        !files.iter().any(|f| {
            let m = managed(f, &c.server_name, &c.mode);
            m.target == c.target && m.path == c.path && m.project == c.project
        })
    });
    if data.configs.len() != before {
        lock.save(&data)?;
    }
    Ok(())
}

/// One file to preview or write.
#[derive(Debug, Clone)]
pub struct Job {
    pub file: ConfigFile,
    /// Create our entry when the file does not hold it (setup's chosen scope).
    pub create: bool,
    /// The credentials mechanism to put in place (setup with `--mode`); `None`: apply the
    /// batch's header change (refresh, logout).
    pub auth: Option<crate::edit::Auth>,
    /// The mode the file was configured in (an indirection is "current" for such a file).
    pub mode: Mode,
    /// Keep the file's permissions even when other users can read it (`--keep-mode`, or the
    /// file's record says so).
    pub keep_mode: bool,
}

impl Job {
    /// A job applying the batch's header change to a file configured in `mode`.
    pub fn update(file: ConfigFile, mode: Mode) -> Self {
        Job {
            file,
            create: false,
            auth: None,
            mode,
            keep_mode: false,
        }
    }

    fn want<'a>(&'a self, run: &'a Run) -> configs::Want<'a> {
        match &self.auth {
            Some(a) => configs::Want::Auth(a),
            None => configs::Want::Header(run.change),
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    NoEntry,
    Current,
    WouldChange,
    Changed,
    Skipped,
    Failed { busy: bool },
}

/// The outcome of a batch.
#[derive(Debug, Default)]
pub struct Batch {
    pub results: Vec<(ConfigFile, Status)>,
    /// What was reported for each file (same order as `results`).
    pub records: Vec<Record>,
}

/// The report line of one file: a tag (`updated`, `current`, `error`, …), the text after the
/// file's description, and for previews the masked diff.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub tag: &'static str,
    pub detail: String,
    pub diff: String,
    /// Lines about what the write does or did besides the content (a mode tightened, a hard
    /// link broken), printed under the file's line.
    pub notes: Vec<String>,
}

impl Record {
    fn set(&mut self, tag: &'static str, detail: &str) {
        self.tag = tag;
        self.detail = detail.to_string();
    }
}

impl Batch {
    pub fn count(&self, pred: impl Fn(&Status) -> bool) -> usize {
        self.results.iter().filter(|(_, s)| pred(s)).count()
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed { .. }))
    }

    /// The error to return when files failed (`None` when all went well).
    pub fn error(&self, hint: Option<String>) -> Option<Error> {
        let failed = self.failed();
        let busy = self
            .results
            .iter()
            .all(|(_, s)| !matches!(s, Status::Failed { busy: false }));
        // Nothing to fix when another program was only holding or writing the files.
        let hint = if busy {
            Some(
                "another program is writing these files; run the same command again in a moment"
                    .into(),
            )
        } else {
            hint
        };
        (failed > 0).then(|| Error::ConfigsFailed {
            failed,
            total: self.results.len(),
            busy,
            hint,
        })
    }

    /// Clients whose files were written.
    pub fn written_targets(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (f, s) in &self.results {
            if *s == Status::Changed && !out.contains(&f.target) {
                out.push(f.target);
            }
        }
        out
    }
}

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct Run<'a> {
    pub server: &'a Server,
    pub change: &'a HeaderChange,
    /// Write (true) or only preview (false).
    pub write: bool,
    /// The change puts a secret into the file (refused for git-tracked project files).
    pub carries_secret: bool,
    pub allow_tracked: bool,
    /// Print a line for files without our entry too.
    pub report_missing: bool,
    /// Print nothing per file (the caller prints JSON from the [`Batch`]).
    pub quiet: bool,
    pub opts: &'a configs::Options,
}

/// Why a project file that git tracks (or may track) is not given a token, and what to do
/// instead: an indirection mode of the client, which keeps the token out of the file, when it
/// has one.
fn tracked_refusal(file: &ConfigFile, risk: &configs::GitRisk) -> String {
    let instead = match file.shape.modes().iter().find(|m| **m != Mode::Inline) {
        Some(m) => format!(
            "keep the token out of it with `figma-auth setup --mode {m}`, or pass --allow-tracked to write it anyway"
        ),
        None => "configure the user scope instead, or pass --allow-tracked to write it anyway"
            .to_string(),
    };
    match risk {
        configs::GitRisk::Tracked => {
            format!(": git tracks this file, and it would hold your token; {instead}")
        }
        configs::GitRisk::Unknown { work_tree, reason } => format!(
            ": the file is in the git work tree {}, and git cannot tell whether it tracks it \
             ({reason}); it would hold your token, so figma-auth treats it as tracked — {instead}",
            work_tree.display()
        ),
    }
}

/// Previews or writes every job, printing diffs (previews) and one line per file on stdout.
pub fn run_batch(ctx: &Context, jobs: &[Job], run: &Run) -> Batch {
    let mut statuses: Vec<Option<Status>> = vec![None; jobs.len()];
    let mut records: Vec<Record> = vec![Record::default(); jobs.len()];
    for (i, job) in jobs.iter().enumerate() {
        let carries_secret = run.carries_secret && job.want(run).token().is_some();
        if carries_secret && !run.allow_tracked {
            if let Some(risk) = configs::git_risk(&job.file) {
                records[i].set("refused", &tracked_refusal(&job.file, &risk));
                statuses[i] = Some(Status::Failed { busy: false });
            }
        }
    }
    if run.write {
        // Jobs on the same file (Claude's user and local scopes) share one read, lock and write.
        let mut done = vec![false; jobs.len()];
        for i in 0..jobs.len() {
            if done[i] || statuses[i].is_some() {
                continue;
            }
            let members: Vec<usize> = (i..jobs.len())
                .filter(|&j| {
                    !done[j] && statuses[j].is_none() && jobs[j].file.path == jobs[i].file.path
                })
                .collect();
            let group: Vec<configs::Member> = members
                .iter()
                .map(|&j| configs::Member {
                    file: &jobs[j].file,
                    create: jobs[j].create,
                    want: jobs[j].want(run),
                    keep_mode: jobs[j].keep_mode,
                })
                .collect();
            let results = configs::write(&ctx.env, &group, run.server, run.opts);
            for (k, &j) in members.iter().enumerate() {
                done[j] = true;
                let result = match &results {
                    Ok(r) => Ok(r[k].clone()),
                    Err(e) => Err(e),
                };
                statuses[j] = Some(report_write(ctx, &mut records[j], &jobs[j], run, result));
            }
        }
    } else {
        for (i, job) in jobs.iter().enumerate() {
            if statuses[i].is_none() {
                statuses[i] = Some(preview_one(ctx, job, run, &mut records[i]));
            }
        }
    }
    if !run.quiet {
        let mut out = std::io::stdout().lock();
        for (job, rec) in jobs.iter().zip(&records) {
            let _ = out.write_all(rec.diff.as_bytes());
            if !rec.tag.is_empty() {
                let what = configs::describe(&ctx.env, &job.file);
                let _ = writeln!(out, "{:<13}{what}{}", rec.tag, rec.detail);
                for note in &rec.notes {
                    let _ = writeln!(out, "{:<13}{note}", "");
                }
            }
        }
    }
    Batch {
        results: jobs
            .iter()
            .zip(statuses)
            .map(|(j, s)| (j.file.clone(), s.unwrap_or(Status::NoEntry)))
            .collect(),
        records,
    }
}

fn report_write(
    ctx: &Context,
    rec: &mut Record,
    job: &Job,
    run: &Run,
    result: Result<configs::WriteResult, &crate::patch::PatchError>,
) -> Status {
    match result {
        Ok(configs::WriteResult::NoEntry) => {
            if run.report_missing {
                rec.set("no entry", "");
            }
            Status::NoEntry
        }
        Ok(configs::WriteResult::Current) => {
            rec.set("current", "");
            Status::Current
        }
        Ok(configs::WriteResult::Conflict(url)) => {
            rec.set("skipped", &conflict_text(run.server, url.as_deref()));
            Status::Skipped
        }
        Ok(configs::WriteResult::Indirect(source)) => indirect(rec, job, &source),
        Ok(configs::WriteResult::Written {
            backup, effects, ..
        }) => {
            let verb = match run.change {
                HeaderChange::Remove => "removed",
                HeaderChange::Set(_) => "updated",
            };
            let backup = backup
                .map(|b| format!(" (original saved as {})", ctx.env.display(&b)))
                .unwrap_or_default();
            rec.set(verb, &backup);
            rec.notes = effects.notes(true);
            Status::Changed
        }
        Err(e) => {
            rec.set("error", &format!(": {e}"));
            Status::Failed { busy: e.is_busy() }
        }
    }
}

fn preview_one(ctx: &Context, job: &Job, run: &Run, rec: &mut Record) -> Status {
    let env = &ctx.env;
    let p = configs::preview(
        env,
        &job.file,
        run.server,
        job.want(run),
        job.create,
        job.keep_mode,
        run.opts,
    );
    {
        match p.result {
            Err(e) => {
                rec.set("error", &format!(": {e}"));
                Status::Failed { busy: false }
            }
            Ok(configs::Plan::NoEntry) => {
                if run.report_missing {
                    rec.set("no entry", "");
                }
                Status::NoEntry
            }
            Ok(configs::Plan::Current) => {
                rec.set("current", "");
                Status::Current
            }
            Ok(configs::Plan::Conflict(url)) => {
                rec.set("skipped", &conflict_text(run.server, url.as_deref()));
                Status::Skipped
            }
            Ok(configs::Plan::Indirect(source)) => indirect(rec, job, &source),
            Ok(configs::Plan::Change { .. }) => {
                rec.diff = p.diff;
                rec.notes = p.effects.notes(false);
                let verb = match run.change {
                    HeaderChange::Remove => "would remove",
                    HeaderChange::Set(_) if !job.file.exists() => "would create",
                    HeaderChange::Set(_) => "would update",
                };
                rec.set(verb, "");
                Status::WouldChange
            }
        }
    }
}

fn conflict_text(server: &Server, url: Option<&str>) -> String {
    format!(
        ": an entry named `{}` points at {} (not {}); left alone — pass --force to take it over, or --server-name to use another name",
        server.name,
        url.unwrap_or("no URL"),
        server.url
    )
}

/// An entry that takes its credentials from elsewhere: current when figma-auth set it up that
/// way, otherwise the user's own arrangement, left alone.
fn indirect(rec: &mut Record, job: &Job, source: &str) -> Status {
    if job.mode != Mode::Inline {
        rec.set(
            "current",
            &format!(
                " ({} mode: the client reads the token through {source})",
                job.mode.as_str()
            ),
        );
        Status::Current
    } else {
        rec.set(
            "indirect",
            &format!(": the entry gets its credentials from {source}; left alone"),
        );
        Status::Skipped
    }
}

/// The per-file part of `--json` output: every file that was reported on.
pub fn batch_json(ctx: &Context, batch: &Batch) -> serde_json::Value {
    let files: Vec<serde_json::Value> = batch
        .results
        .iter()
        .zip(&batch.records)
        .filter(|(_, r)| !r.tag.is_empty())
        .map(|((f, _), r)| {
            serde_json::json!({
                "client": f.target,
                "scope": f.scope.as_str(),
                "path": f.path.display().to_string(),
                "shown_as": ctx.env.display(&f.path),
                "project": match &f.shape {
                    targets::Shape::Claude { project } => project.clone(),
                    _ => None,
                },
                "result": r.tag.replace(' ', "-"),
                "detail": r.detail.trim_start_matches(": ").trim(),
                "notes": r.notes,
                "diff": r.diff,
            })
        })
        .collect();
    serde_json::json!({
        "files": files,
        "reload": batch.written_targets(),
    })
}

/// Tells which clients must reload their config (after writes).
pub fn print_reload_hints(written: &[&'static str]) {
    if written.is_empty() {
        return;
    }
    eprintln!("Running clients keep the old token until they reload their config:");
    for id in written {
        if let Some(t) = targets::by_id(id) {
            eprintln!("  {}: {}", t.display_name(), t.reload_hint());
        }
    }
}
