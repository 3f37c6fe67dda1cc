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
use std::io::Write;

/// Colour for output on stdout, decided as clap decides it (anstream): on a terminal that
/// supports it, never with `NO_COLOR` set, always with `CLICOLOR_FORCE`.
pub fn stdout_color() -> Color {
    match anstream::AutoStream::choice(&std::io::stdout()) {
        anstream::ColorChoice::Never => Color::Never,
        _ => Color::Always,
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

/// The server entry `setup` configures: found by name, else by URL (an existing entry of
/// another name is adopted).
pub fn server(ctx: &Context, name: &str, force: bool) -> Server {
    Server {
        name: name.to_string(),
        url: ctx.mcp_url(),
        force,
        recorded: false,
    }
}

/// The entry a record names: found by that name only, never another entry with the same URL.
pub fn recorded_server(ctx: &Context, r: &ManagedConfig) -> Server {
    Server {
        name: r.server_name.clone(),
        url: ctx.mcp_url(),
        force: false,
        recorded: true,
    }
}

/// The clients named with `--target` (or every detected client), as a usage error when a name
/// is unknown.
pub fn select(ctx: &Context, names: &[String]) -> Result<Vec<&'static dyn Target>, Error> {
    configs::select_targets(names, &ctx.env).map_err(Error::Usage)
}

/// Whether record `r` is about `file`: the same client, the same real file (however either path
/// reaches it) and the same Claude project.
pub fn is_record_of(r: &ManagedConfig, file: &ConfigFile) -> bool {
    r.target == file.target
        && r.project.as_deref() == file.project()
        && crate::paths::real_path(&r.path) == file.real_path()
}

fn same_place(a: &ManagedConfig, b: &ManagedConfig) -> bool {
    a.target == b.target
        && a.project == b.project
        && (a.path == b.path
            || crate::paths::real_path(&a.path) == crate::paths::real_path(&b.path))
}

/// The jobs of `refresh`, `logout` and `login`: exactly the entries this profile recorded (the
/// file, client, scope and entry name `setup` configured), restricted to the clients named with
/// `--target` and to `--server-name` when given; each in the mode it was configured in. Nothing
/// else is touched: an entry of another profile, or one nobody set up, is not a job.
pub fn managed_jobs(
    ctx: &Context,
    names: &[String],
    server_name: Option<&str>,
    recorded: &[ManagedConfig],
) -> Result<Vec<Job>, Error> {
    let targets = if names.is_empty() {
        targets::all().to_vec()
    } else {
        select(ctx, names)?
    };
    let mut jobs: Vec<Job> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for m in recorded {
        if !targets.iter().any(|t| t.id() == m.target)
            || server_name.is_some_and(|n| n != m.server_name)
        {
            continue;
        }
        let Some(file) = recorded_file(ctx, m) else {
            continue;
        };
        if !file.exists() || !seen.insert((file.key(), m.server_name.clone())) {
            continue;
        }
        jobs.push(Job {
            server: recorded_server(ctx, m),
            mode: Mode::parse(&m.mode).unwrap_or(Mode::Inline),
            // `setup --keep-mode`: its later refreshes keep the file's mode too.
            keep_mode: m.keep_mode,
            ..Job::new(file, Server::default())
        });
    }
    Ok(jobs)
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

/// The record of a configured entry.
pub fn managed(file: &ConfigFile, server_name: &str, mode: &str) -> ManagedConfig {
    ManagedConfig {
        target: file.target.to_string(),
        scope: file.scope.as_str().to_string(),
        path: file.path.clone(),
        project: file.project().map(str::to_string),
        server_name: server_name.to_string(),
        mode: mode.to_string(),
        keep_mode: false,
    }
}

/// Adds (or replaces) records of configured entries in the profile's store: one record per
/// client, file and Claude project.
pub fn remember(ctx: &Context, records: &[ManagedConfig]) -> Result<(), Error> {
    if records.is_empty() {
        return Ok(());
    }
    let lock = ctx.lock()?;
    let mut data = lock.load()?.unwrap_or_default();
    let before = data.configs.clone();
    for r in records {
        data.configs.retain(|c| !same_place(c, r));
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

/// Drops the records of `files` from `data` (after `logout` removed our header from them);
/// `true` when something was dropped. The caller holds the lock and saves.
pub fn forget(data: &mut crate::store::ProfileData, files: &[ConfigFile]) -> bool {
    let before = data.configs.len();
    data.configs
        .retain(|c| !files.iter().any(|f| is_record_of(c, f)));
    data.configs.len() != before
}

/// `setup --force` on an entry another profile manages: that profile forgets it (under its own
/// lock), so only one profile ever refreshes an entry.
pub fn release(ctx: &Context, profile: &str, file: &ConfigFile, entry: &str) -> Result<(), Error> {
    let lock = ctx.store.lock(profile, ctx.lock_timeout)?;
    let Some(mut data) = lock.load()? else {
        return Ok(());
    };
    let before = data.configs.len();
    data.configs
        .retain(|c| !(is_record_of(c, file) && c.server_name == entry));
    if data.configs.len() != before {
        lock.save(&data)?;
    }
    Ok(())
}

/// Who manages an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This profile recorded it.
    This,
    /// Another profile recorded it (its name).
    Other(String),
    /// No profile did: someone's own entry (Claude Code's OAuth entry, a team's project file, a
    /// header pasted by hand).
    Nobody,
}

/// The records of this profile and of every other profile in the store (read without their
/// locks; an unreadable profile is skipped).
#[derive(Debug, Default)]
pub struct Owners {
    this: Vec<ManagedConfig>,
    others: Vec<(String, Vec<ManagedConfig>)>,
}

impl Owners {
    pub fn load(ctx: &Context, this: &[ManagedConfig]) -> Self {
        let others = ctx
            .store
            .profiles()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p != ctx.profile())
            .filter_map(|p| {
                let configs = ctx.store.load(&p).ok().flatten()?.configs;
                (!configs.is_empty()).then_some((p, configs))
            })
            .collect();
        Owners {
            this: this.to_vec(),
            others,
        }
    }

    /// This profile's record of `file`, if any.
    pub fn record(&self, file: &ConfigFile) -> Option<&ManagedConfig> {
        self.this.iter().find(|r| is_record_of(r, file))
    }

    /// Who manages the entry named `entry` in `file`.
    pub fn of(&self, file: &ConfigFile, entry: &str) -> Owner {
        let holds = |r: &ManagedConfig| is_record_of(r, file) && r.server_name == entry;
        if self.this.iter().any(holds) {
            return Owner::This;
        }
        match self.others.iter().find(|(_, rs)| rs.iter().any(holds)) {
            Some((p, _)) => Owner::Other(p.clone()),
            None => Owner::Nobody,
        }
    }
}

/// One candidate file of a client, as `status` and `doctor` see it.
#[derive(Debug)]
pub struct Surveyed {
    pub file: ConfigFile,
    /// The entry looked for: this profile's recorded entry (by its name only), else the default
    /// `figma` entry (by name, else by URL).
    pub server: Server,
    pub inspection: Result<crate::edit::Inspection, String>,
    /// Who manages the entry found; for a file without it, [`Owner::This`] when this profile
    /// recorded an entry there (which is gone).
    pub owner: Owner,
    /// The mode it was configured in (`inline` for an entry this profile did not set up).
    pub mode: Mode,
    /// The client takes the server of this entry's name from this file ([`configs::in_use`]).
    pub in_use: bool,
}

/// Every existing config file of every client (each real file once) and every file this profile
/// recorded, with what it holds and who manages it: the one survey `status` and `doctor` render.
pub fn survey(
    ctx: &Context,
    data: &crate::store::ProfileData,
) -> Vec<(&'static dyn Target, Vec<Surveyed>)> {
    let owners = Owners::load(ctx, &data.configs);
    let mut out = Vec::new();
    for target in targets::all() {
        let mut files = configs::existing_files(&ctx.env, &[*target]);
        for m in data.configs.iter().filter(|c| c.target == target.id()) {
            if let Some(f) = recorded_file(ctx, m) {
                if f.exists() && !files.iter().any(|g| g.key() == f.key()) {
                    files.push(f);
                }
            }
        }
        if files.is_empty() {
            continue;
        }
        let mut surveyed: Vec<Surveyed> = files
            .into_iter()
            .map(|file| {
                let record = owners.record(&file);
                let server = match record {
                    Some(r) => recorded_server(ctx, r),
                    None => server(ctx, targets::DEFAULT_NAME, false),
                };
                let inspection = configs::inspect_file(&file, &server);
                let owner = match inspection.as_ref().ok().and_then(|i| i.entry()) {
                    Some(e) => owners.of(&file, &e.name),
                    None if record.is_some() => Owner::This,
                    None => Owner::Nobody,
                };
                let mode = match (&owner, record) {
                    (Owner::This, Some(r)) => Mode::parse(&r.mode).unwrap_or(Mode::Inline),
                    _ => Mode::Inline,
                };
                Surveyed {
                    file,
                    server,
                    inspection,
                    owner,
                    mode,
                    in_use: false,
                }
            })
            .collect();
        let files: Vec<ConfigFile> = surveyed.iter().map(|s| s.file.clone()).collect();
        let inspections: Vec<_> = surveyed.iter().map(|s| s.inspection.clone()).collect();
        for (s, used) in surveyed
            .iter_mut()
            .zip(configs::in_use(target.id(), &files, &inspections))
        {
            s.in_use = used;
        }
        out.push((*target, surveyed));
    }
    out
}

/// One file to preview or write.
#[derive(Debug, Clone)]
pub struct Job {
    pub file: ConfigFile,
    /// The entry to edit (a recorded entry: by its name only).
    pub server: Server,
    /// Create our entry when the file does not hold it (setup's chosen scope).
    pub create: bool,
    /// The credentials mechanism to put in place (setup with `--mode`); `None`: apply the
    /// batch's header change (refresh, logout).
    pub auth: Option<crate::edit::Auth>,
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
    /// A job applying the batch's header change to `file`'s entry of `server`.
    pub fn new(file: ConfigFile, server: Server) -> Self {
        Job {
            file,
            server,
            create: false,
            auth: None,
            mode: Mode::Inline,
            claim: Claim::Own,
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

/// The report line of one file: a tag (`updated`, `current`, `error`, …), what comes before the
/// file's description (`the Authorization header from `), the text after it, and for previews
/// the masked diff.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub tag: &'static str,
    pub prefix: &'static str,
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

    /// How many distinct files have a status matching `pred` (Claude's user and local scope
    /// in `~/.claude.json` are one file).
    pub fn files(&self, pred: impl Fn(&Status) -> bool) -> usize {
        configs::count_files(self.results.iter().filter(|(_, s)| pred(s)).map(|(f, _)| f))
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed { .. }))
    }

    /// The error to return when files failed (`None` when all went well).
    pub fn error(&self, hint: Option<String>) -> Option<Error> {
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
        (self.failed() > 0).then(|| Error::ConfigsFailed {
            failed: self.files(|s| matches!(s, Status::Failed { .. })),
            total: self.files(|_| true),
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
    /// The profile, for the lines of adopted entries.
    pub profile: &'a str,
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
    run_batch_reporting(ctx, jobs, run, false)
}

/// [`run_batch`]; with `only_problems`, files that were updated or already current get no line
/// (a confirmed write whose preview named every file).
pub fn run_batch_reporting(ctx: &Context, jobs: &[Job], run: &Run, only_problems: bool) -> Batch {
    let mut statuses: Vec<Option<Status>> = vec![None; jobs.len()];
    let mut records: Vec<Record> = vec![Record::default(); jobs.len()];
    for (i, job) in jobs.iter().enumerate() {
        if let Claim::Foreign(p) = &job.claim {
            records[i].set(
                "skipped",
                &format!(
                    ": the `{}` entry is managed by profile {p}; left alone (--force moves it to profile {}; --server-name adds another entry)",
                    job.server.name, run.profile
                ),
            );
            statuses[i] = Some(Status::Skipped);
            continue;
        }
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
            let real = jobs[i].file.real_path();
            let members: Vec<usize> = (i..jobs.len())
                .filter(|&j| !done[j] && statuses[j].is_none() && jobs[j].file.real_path() == real)
                .collect();
            let group: Vec<configs::Member> = members
                .iter()
                .map(|&j| configs::Member {
                    file: &jobs[j].file,
                    server: &jobs[j].server,
                    create: jobs[j].create,
                    want: jobs[j].want(run),
                    keep_mode: jobs[j].keep_mode,
                })
                .collect();
            let results = configs::write(&ctx.env, &group, run.opts);
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
    let batch = Batch {
        results: jobs
            .iter()
            .zip(statuses)
            .map(|(j, s)| (j.file.clone(), s.unwrap_or(Status::NoEntry)))
            .collect(),
        records,
    };
    if !run.quiet {
        print_records(ctx, &batch, |s| {
            !only_problems || !matches!(s, Status::Changed | Status::Current)
        });
    }
    batch
}

/// The diff and the line of every file whose status passes `show`, on stdout.
fn print_records(ctx: &Context, batch: &Batch, show: impl Fn(&Status) -> bool) {
    let mut out = std::io::stdout().lock();
    for ((file, status), rec) in batch.results.iter().zip(&batch.records) {
        if !show(status) {
            continue;
        }
        let _ = out.write_all(rec.diff.as_bytes());
        if !rec.tag.is_empty() {
            let what = configs::describe(&ctx.env, file);
            let _ = writeln!(out, "{:<13}{}{what}{}", rec.tag, rec.prefix, rec.detail);
            for note in &rec.notes {
                let _ = writeln!(out, "{:<13}{note}", "");
            }
        }
    }
    let _ = out.flush();
}

/// The line of every file that failed (a quiet batch's problems).
pub fn print_failures(ctx: &Context, batch: &Batch) {
    print_records(ctx, batch, |s| matches!(s, Status::Failed { .. }));
}

/// Text on stdout (after the diffs it belongs with).
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
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
                rec.set("no entry", &gone(job));
            }
            Status::NoEntry
        }
        Ok(configs::WriteResult::Current) => {
            current(rec, job, run);
            Status::Current
        }
        Ok(configs::WriteResult::Conflict(url)) => {
            rec.set("skipped", &conflict_text(&job.server, url.as_deref()));
            Status::Skipped
        }
        Ok(configs::WriteResult::Indirect(source)) => indirect(rec, job, &source),
        Ok(configs::WriteResult::NoHeader) => no_header(rec, job),
        Ok(configs::WriteResult::Written {
            backup, effects, ..
        }) => {
            let backup = backup
                .map(|b| format!(" (original saved as {})", ctx.env.display(&b)))
                .unwrap_or_default();
            changed(rec, job, run, false);
            rec.detail.push_str(&backup);
            rec.notes = effects.notes(true);
            Status::Changed
        }
        Err(e) => {
            rec.set("error", &format!(": {}", crate::error::chain(&e)));
            Status::Failed { busy: e.is_busy() }
        }
    }
}

fn preview_one(ctx: &Context, job: &Job, run: &Run, rec: &mut Record) -> Status {
    let env = &ctx.env;
    let p = configs::preview(
        env,
        &job.file,
        &job.server,
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
                    rec.set("no entry", &gone(job));
                }
                Status::NoEntry
            }
            Ok(configs::Plan::Current) => {
                current(rec, job, run);
                Status::Current
            }
            Ok(configs::Plan::Conflict(url)) => {
                rec.set("skipped", &conflict_text(&job.server, url.as_deref()));
                Status::Skipped
            }
            Ok(configs::Plan::Indirect(source)) => indirect(rec, job, &source),
            Ok(configs::Plan::NoHeader) => no_header(rec, job),
            Ok(configs::Plan::Change { .. }) => {
                rec.diff = p.diff;
                changed(rec, job, run, true);
                rec.notes = p.effects.notes(false);
                Status::WouldChange
            }
        }
    }
}

/// The line of a file that changes (or would): what happens to the header, and whose entry it
/// becomes when setup adopts or takes it over.
fn changed(rec: &mut Record, job: &Job, run: &Run, preview: bool) {
    let tag = match (run.change, &job.auth, &job.claim, preview) {
        (HeaderChange::Remove, None, _, true) => "would remove",
        (HeaderChange::Remove, None, _, false) => "removed",
        (_, _, Claim::Adopt, true) => "would adopt",
        (_, _, Claim::Adopt, false) => "adopted",
        (_, _, _, true) if !job.file.exists() => "would create",
        (_, _, _, true) => "would update",
        (_, _, _, false) => "updated",
    };
    rec.set(tag, "");
    if matches!(run.change, HeaderChange::Remove) && job.auth.is_none() {
        rec.prefix = "the Authorization header from ";
    }
    match &job.claim {
        Claim::Adopt => {
            rec.detail = format!(
                ": the existing `{}` entry, managed by profile {} from now on",
                job.server.name, run.profile
            )
        }
        Claim::TakeOver(p) => {
            rec.detail = format!(
                ": the `{}` entry moves from profile {p} to profile {}",
                job.server.name, run.profile
            )
        }
        Claim::Own | Claim::Foreign(_) => {}
    }
}

/// A file already as wanted; an entry setup adopts without changing it says so.
fn current(rec: &mut Record, job: &Job, run: &Run) {
    let detail = match &job.claim {
        Claim::Adopt => format!(" (now managed by profile {})", run.profile),
        Claim::TakeOver(p) => format!(" (moves from profile {p} to profile {})", run.profile),
        _ => String::new(),
    };
    rec.set("current", &detail);
}

/// A recorded entry that is no longer in its file.
fn gone(job: &Job) -> String {
    format!(
        ": the `{}` entry figma-auth set up is gone; `figma-auth setup --target {} --scope {}` adds it again",
        job.server.name,
        job.file.target,
        job.file.scope.as_str()
    )
}

/// A recorded entry without an Authorization header: an update never adds one.
fn no_header(rec: &mut Record, job: &Job) -> Status {
    rec.set(
        "skipped",
        &format!(
            ": the `{}` entry has no Authorization header, and figma-auth adds one only when you run `figma-auth setup --target {} --scope {}`",
            job.server.name,
            job.file.target,
            job.file.scope.as_str()
        ),
    );
    Status::Skipped
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
                "project": f.project(),
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

/// What [`update_managed`] does.
#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    pub targets: &'a [String],
    pub server_name: Option<&'a str>,
    pub write: bool,
    pub allow_tracked: bool,
    /// `--keep-mode` (records of `setup --keep-mode` keep the mode anyway).
    pub keep_mode: bool,
    pub show_secrets: bool,
    pub quiet: bool,
}

/// The config step of `refresh` and `login`: the entries this profile manages
/// ([`managed_jobs`]) get the token the store holds — previewed, or written with `write`. Writes
/// happen under the profile's lock with the token the store holds at that moment: a concurrent
/// refresh may have rotated it, and a concurrent `logout` may have forgotten it, in which case
/// nothing is written (a token the store no longer holds never reaches a config).
pub fn update_managed(ctx: &Context, u: &Update) -> Result<Batch, Error> {
    let lock = if u.write { Some(ctx.lock()?) } else { None };
    let data = match &lock {
        Some(l) => l.load()?,
        None => ctx.store.load(ctx.profile())?,
    }
    .unwrap_or_default();
    let Some(token) = data.token.as_ref().map(|t| &t.access_token) else {
        return Err(crate::session::login_required(
            ctx,
            "the tokens were forgotten (logout) while this command ran; no config was changed",
        ));
    };
    let jobs = managed_jobs(ctx, u.targets, u.server_name, &data.configs)?;
    let change = HeaderChange::Set(crate::edit::SecretHeader::bearer(token));
    let mut opts = options(ctx, u.show_secrets);
    opts.keep_mode = u.keep_mode;
    let batch = run_batch(
        ctx,
        &jobs,
        &Run {
            change: &change,
            write: u.write,
            carries_secret: true,
            allow_tracked: u.allow_tracked,
            report_missing: true,
            quiet: u.quiet,
            opts: &opts,
            profile: ctx.profile(),
        },
    );
    drop(lock);
    Ok(batch)
}
