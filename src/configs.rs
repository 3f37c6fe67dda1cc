//! Config patching: which client files to touch, what each one says about our server, a masked
//! preview of every change, and the safe write (re-planned under the client's lock). Shared by
//! `setup`, `refresh`, `status` and `logout`; the edits themselves are pure ([`crate::edit`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diff::Color;
use crate::edit::{Auth, EditError, EditOutcome, HeaderChange, Inspection, Note, SecretHeader};
use crate::fs::{ModeRule, WriteEffects};
use crate::patch::{self, Applied, ApplyOptions, ClientLock, Outcome, PatchError};
use crate::paths::Env;
use crate::targets::{self, ConfigFile, Scope, Server, Target};

/// Mode of a config file figma-auth creates: it holds a token, so only the user may read it.
pub const NEW_FILE_MODE: u32 = 0o600;

/// Mode of a directory figma-auth creates for a config file (whatever the umask).
pub const NEW_DIR_MODE: u32 = 0o700;

/// What a file must end up holding for our entry.
#[derive(Debug, Clone, Copy)]
pub enum Want<'a> {
    /// Refresh or remove the Authorization header; an entry that gets its credentials another
    /// way is left alone ([`Plan::Indirect`]).
    Header(&'a HeaderChange),
    /// Exactly this credentials mechanism (setup with `--mode`): switches the entry to it.
    Auth(&'a Auth),
}

impl Want<'_> {
    fn removing(&self) -> bool {
        matches!(self, Want::Header(HeaderChange::Remove))
    }

    /// The token this puts into a file, if any (masked in previews; refused for tracked files).
    pub fn token(&self) -> Option<&str> {
        match self {
            Want::Header(HeaderChange::Set(h)) => h.bearer_token(),
            Want::Header(HeaderChange::Remove) => None,
            Want::Auth(a) => a.token(),
        }
    }
}

/// The clients named on the command line (`--target`, repeatable; `all` = every detected
/// client), or every detected client when none is named.
pub fn select_targets(names: &[String], env: &Env) -> Result<Vec<&'static dyn Target>, String> {
    let mut out: Vec<&'static dyn Target> = Vec::new();
    let detected = || {
        targets::all()
            .iter()
            .copied()
            .filter(|t| t.detected(env))
            .collect::<Vec<_>>()
    };
    if names.is_empty() {
        return Ok(detected());
    }
    for name in names {
        for part in name.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "all" {
                for t in detected() {
                    if !out.iter().any(|o| o.id() == t.id()) {
                        out.push(t);
                    }
                }
                continue;
            }
            let t = targets::by_id(part).ok_or_else(|| {
                format!(
                    "unknown target `{part}`; choose from: {}, all",
                    target_ids().join(", ")
                )
            })?;
            if !out.iter().any(|o| o.id() == t.id()) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// The ids of every supported client.
pub fn target_ids() -> Vec<&'static str> {
    targets::all().iter().map(|t| t.id()).collect()
}

/// Every existing config file of `targets` in any scope, in each client's load order; a file
/// reached as two scopes (the project is the home directory) or through a symlink is listed once,
/// with the scope the client gives it (the first: user before project).
pub fn existing_files(env: &Env, targets: &[&'static dyn Target]) -> Vec<ConfigFile> {
    let mut out: Vec<ConfigFile> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in targets {
        for scope in t.scopes() {
            for f in t.files(env, *scope) {
                if f.exists() && seen.insert(f.key()) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// How many distinct files `files` are (Claude's user and local scope share one).
pub fn count_files<'a>(files: impl IntoIterator<Item = &'a ConfigFile>) -> usize {
    files
        .into_iter()
        .map(ConfigFile::real_path)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Precedence: the file a client takes the entry named `name` from, among `files` (in the
/// client's load order) and what each holds. opencode deep-merges its files (the last file that
/// sets the Authorization header wins, else the last that sets the URL); the other clients take
/// the entry of the highest scope (local > project > user), the last file within a scope. An
/// entry of our name pointing at another URL counts: the client uses it.
pub fn winner(
    target: &str,
    files: &[ConfigFile],
    inspections: &[Result<Inspection, String>],
    name: &str,
) -> Option<usize> {
    if target == "opencode" {
        let states: Vec<Option<&Inspection>> =
            inspections.iter().map(|i| i.as_ref().ok()).collect();
        let eff = targets::opencode::effective(&states, name);
        return eff
            .authorization
            .map(|(i, _)| i)
            .or(eff.url.map(|(i, _)| i));
    }
    let rank = |s: Scope| match s {
        Scope::Local => 3,
        Scope::Project => 2,
        Scope::User => 1,
    };
    (0..files.len())
        .filter(|&i| {
            inspections[i]
                .as_ref()
                .ok()
                .and_then(Inspection::entry)
                .is_some_and(|e| e.name == name)
        })
        .max_by_key(|&i| (rank(files[i].scope), i))
}

/// For each file, whether its entry is the one the client uses ([`winner`] among the entries of
/// the same name: entries of different names are different servers).
pub fn in_use(
    target: &str,
    files: &[ConfigFile],
    inspections: &[Result<Inspection, String>],
) -> Vec<bool> {
    let mut out = vec![false; files.len()];
    let mut names: Vec<&str> = Vec::new();
    for i in inspections.iter().filter_map(|i| i.as_ref().ok()) {
        if let Some(e) = i.entry() {
            if !names.contains(&e.name.as_str()) {
                names.push(&e.name);
            }
        }
    }
    for name in names {
        if let Some(w) = winner(target, files, inspections, name) {
            out[w] = true;
        }
    }
    out
}

/// The lock the owning client takes on `file`: Claude Code locks `~/.claude.json` with a
/// `~/.claude.json.lock` directory.
pub fn client_lock(env: &Env, file: &ConfigFile) -> ClientLock {
    if file.target == "claude" && same_file(&file.path, &targets::claude::claude_json(env)) {
        ClientLock::LockDir
    } else {
        ClientLock::None
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// What a file says about our server, judged against the header we want it to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryStatus {
    /// The file has no entry for our server.
    NoEntry,
    /// The entry holds the current token.
    Current,
    /// The entry holds another (older) token, or lacks a required field.
    Stale,
    /// The entry holds the stored token (or an older one), and the stored token has expired.
    Expired,
    /// The entry has no Authorization header and no other credentials.
    NoToken,
    /// An entry with our name points at another URL (e.g. Figma's desktop server).
    OtherUrl(Option<String>),
    /// The entry takes its credentials from elsewhere (described: `headersHelper`,
    /// a `Bearer {env:…}` reference, …); no static header is needed.
    Indirect(String),
    /// The file cannot be read or parsed; the message names the line and column.
    Unreadable(String),
}

impl EntryStatus {
    /// The kebab-case identifier (`status --json`'s `state`).
    pub fn label(&self) -> &'static str {
        match self {
            EntryStatus::NoEntry => "no-entry",
            EntryStatus::Current => "current",
            EntryStatus::Stale => "stale",
            EntryStatus::Expired => "expired",
            EntryStatus::NoToken => "no-token",
            EntryStatus::OtherUrl(_) => "other-url",
            EntryStatus::Indirect(_) => "indirect",
            EntryStatus::Unreadable(_) => "unreadable",
        }
    }
}

/// Reads one file (no lock) and says what it holds for our server; the error names the file,
/// line and column.
pub fn inspect_file(file: &ConfigFile, server: &Server) -> Result<Inspection, String> {
    let snap = crate::fs::read_snapshot(&file.path).map_err(|e| crate::error::chain(&e))?;
    let text = patch::snapshot_text(&snap, &file.path).map_err(|e| crate::error::chain(&e))?;
    file.inspect(text, server)
        .map_err(|e| format!("{}: {e}", file.path.display()))
}

/// Judges an inspection against the header we want the file to hold; `expired`: that header's
/// token has expired (a config holding it, or an older one, no longer works).
pub fn judge(
    inspection: Result<Inspection, String>,
    want: Option<&SecretHeader>,
    expired: bool,
) -> EntryStatus {
    match inspection {
        Err(e) => EntryStatus::Unreadable(e),
        Ok(Inspection::Missing) => EntryStatus::NoEntry,
        Ok(Inspection::Conflict(e)) => EntryStatus::OtherUrl(e.url),
        Ok(Inspection::Found(e)) if e.is_indirect() => EntryStatus::Indirect(indirect_source(&e)),
        Ok(Inspection::Found(e)) => {
            let Some(have) = &e.authorization else {
                return EntryStatus::NoToken;
            };
            if want.is_some() && expired {
                return EntryStatus::Expired;
            }
            let current = want.is_some_and(|w| have.expose() == w.expose());
            if current && e.missing_required.is_empty() {
                EntryStatus::Current
            } else {
                EntryStatus::Stale
            }
        }
    }
}

/// What planning a file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No entry, and none is to be created here.
    NoEntry,
    /// Already what we want.
    Current,
    /// An entry with our name points elsewhere and `--force` was not given.
    Conflict(Option<String>),
    /// The entry takes its credentials from elsewhere (described); left alone.
    Indirect(String),
    /// The entry has no Authorization header, and an update never adds one (only `setup` does).
    NoHeader,
    /// The file must change.
    Change { outcome: Outcome, notes: Vec<Note> },
}

/// The pure decision for one file's text: edit when the entry is ours, or create it when
/// `create` (setup's chosen file). Without `create`, a file without our entry is left alone.
pub fn plan_text(
    file: &ConfigFile,
    text: Option<&str>,
    server: &Server,
    want: Want,
    create: bool,
) -> Result<Plan, EditError> {
    let removing = want.removing();
    let update_only = !create || removing;
    if update_only && !text.is_some_and(|t| may_hold_entry(file, t, server)) {
        return Ok(Plan::NoEntry);
    }
    if let Some(t) = text {
        if file.syntax.is_json() && t.trim_start_matches('\u{feff}').trim().is_empty() {
            // An existing empty file is not JSON: Claude Code (for one) leaves it so when it
            // crashes mid-write, and offers its own backup. Never build on it silently.
            return Err(EditError::Syntax {
                line: 1,
                column: 1,
                message: "the file is empty, which is not valid JSON (a client that crashed \
                          while writing it can leave it so); restore it from the client's backup, \
                          or delete it to let figma-auth create it"
                    .into(),
            });
        }
    }
    let outcome = match want {
        Want::Header(change) => file.apply(text, server, change)?,
        Want::Auth(auth) => file.apply_auth(text, server, auth)?,
    };
    Ok(match outcome {
        EditOutcome::Unchanged if removing => Plan::NoEntry,
        EditOutcome::Unchanged => Plan::Current,
        EditOutcome::Conflict(e) => Plan::Conflict(e.url),
        EditOutcome::Indirect(e) => Plan::Indirect(indirect_source(&e)),
        EditOutcome::Changed(c) if update_only && c.notes.iter().any(creates) => Plan::NoEntry,
        // An entry without a header is someone's own arrangement (Claude Code's OAuth entry, a
        // header removed on purpose): an update leaves it so.
        EditOutcome::Changed(c)
            if update_only && server.recorded && c.notes.contains(&Note::AddedHeader) =>
        {
            Plan::NoHeader
        }
        EditOutcome::Changed(c) => {
            let outcome = match c.splice() {
                Some(s) => Outcome::Splice {
                    range: s.range.clone(),
                    replacement: s.replacement.clone(),
                },
                None => Outcome::Rewrite(c.materialize(text)),
            };
            Plan::Change {
                outcome,
                notes: c.notes,
            }
        }
    })
}

/// Where an entry left alone takes its credentials from, for messages (never a secret: a key
/// name or a reference such as `Bearer {env:FIGMA_TOKEN}`).
fn indirect_source(e: &crate::edit::EntryState) -> String {
    if !e.other_auth.is_empty() {
        format!("`{}`", e.other_auth.join("`, `"))
    } else {
        match e.authorization_reference() {
            Some(r) => format!("the reference `{r}`"),
            None => "another mechanism".to_string(),
        }
    }
}

fn creates(note: &Note) -> bool {
    matches!(
        note,
        Note::CreatedDocument | Note::CreatedContainer(_) | Note::CreatedEntry(_)
    )
}

/// A cheap pre-filter (a substring search, gigabytes per second): can `text` hold our entry at
/// all? It must mention the server name or URL, and for Claude's local scope the project key.
/// Saves parsing a large `~/.claude.json` that has no entry for us.
fn may_hold_entry(file: &ConfigFile, text: &str, server: &Server) -> bool {
    let has = |needle: &str| contains(text.as_bytes(), needle.as_bytes());
    if let targets::Shape::Claude { project: Some(key) } = &file.shape {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        if !has(&quoted) {
            return false;
        }
    }
    let url = server.url.trim_end_matches('/');
    has(&server.name) || (!url.is_empty() && has(url))
}

/// Whether `hay` contains `needle`, looking at its last MiB first: in a heavy `~/.claude.json`
/// our entry comes after the large `projects` map or before it, so a match is found at once
/// either way; only a miss reads everything.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let tail = hay.len().saturating_sub(1 << 20);
    memchr::memmem::find(&hay[tail..], needle).is_some()
        || memchr::memmem::find(hay, needle).is_some()
}

/// A file's planned change with its preview.
#[derive(Debug)]
pub struct Preview {
    pub file: ConfigFile,
    pub result: Result<Plan, String>,
    /// The masked unified diff (empty unless the file changes).
    pub diff: String,
    /// What the write would do besides the content (a tightened mode, a broken hard link).
    pub effects: WriteEffects,
}

/// Options for previews and writes.
#[derive(Debug, Clone)]
pub struct Options {
    pub show_secrets: bool,
    pub color: Color,
    /// Where the first backup of each file goes.
    pub backup_dir: PathBuf,
    pub lock_wait: Duration,
    /// Keep the mode of a file that receives a token even when other users can read it
    /// (`--keep-mode`); by default group and other permissions are dropped.
    pub keep_mode: bool,
}

/// How `file` is written: under its client's lock, backed up once, guarded, and made private
/// when it will hold a token (`secret`) unless the mode is to be kept.
fn apply_options(
    env: &Env,
    file: &ConfigFile,
    opts: &Options,
    secret: bool,
    keep_mode: bool,
) -> ApplyOptions {
    ApplyOptions {
        lock: client_lock(env, file),
        new_file_mode: NEW_FILE_MODE,
        backup_dir: Some(opts.backup_dir.clone()),
        lock_wait: opts.lock_wait,
        mode_rule: match (secret, keep_mode || opts.keep_mode) {
            (false, _) => ModeRule::Keep,
            (true, false) => ModeRule::Private,
            (true, true) => ModeRule::KeepLoose,
        },
    }
}

/// Plans `file` from its current bytes and renders the masked diff (nothing is written). A file
/// the write would refuse (another user's, read-only, in a shared directory) is an error here
/// already; `keep_mode` is the record's `--keep-mode`.
pub fn preview(
    env: &Env,
    file: &ConfigFile,
    server: &Server,
    want: Want,
    create: bool,
    keep_mode: bool,
    opts: &Options,
) -> Preview {
    let run = || -> Result<(Plan, String, WriteEffects), String> {
        let snap = crate::fs::read_snapshot(&file.path).map_err(|e| crate::error::chain(&e))?;
        let text = patch::snapshot_text(&snap, &file.path).map_err(|e| crate::error::chain(&e))?;
        let plan = plan_text(file, text, server, want, create)
            .map_err(|e| format!("{}: {e}", file.path.display()))?;
        let effects = match &plan {
            Plan::Change { .. } => {
                let apply = apply_options(env, file, opts, want.token().is_some(), keep_mode);
                patch::check(&snap, &apply).map_err(|e| crate::error::chain(&e))?
            }
            _ => WriteEffects::default(),
        };
        let diff = match &plan {
            Plan::Change { outcome, .. } => {
                let secret_refs: Vec<&str> = want.token().into_iter().collect();
                patch::preview(
                    &env.display(&file.path),
                    text,
                    outcome,
                    &secret_refs,
                    opts.show_secrets,
                    opts.color,
                )
            }
            _ => String::new(),
        };
        Ok((plan, diff, effects))
    };
    match run() {
        Ok((plan, diff, effects)) => Preview {
            file: file.clone(),
            result: Ok(plan),
            diff,
            effects,
        },
        Err(e) => Preview {
            file: file.clone(),
            result: Err(e),
            diff: String::new(),
            effects: WriteEffects::default(),
        },
    }
}

/// The result of writing one file.
#[derive(Debug, Clone)]
pub enum WriteResult {
    NoEntry,
    Current,
    Conflict(Option<String>),
    Indirect(String),
    NoHeader,
    Written {
        notes: Vec<Note>,
        backup: Option<PathBuf>,
        effects: WriteEffects,
    },
}

/// One file to write in a [`write`] group, with whether our entry may be created there.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub file: &'a ConfigFile,
    /// The entry to edit in it.
    pub server: &'a Server,
    pub create: bool,
    pub want: Want<'a>,
    /// The record of this file asks to keep its mode (`setup --keep-mode`).
    pub keep_mode: bool,
}

/// Re-reads a file under its client's lock, re-plans every entry of `group` (several shapes of
/// the same file, e.g. Claude's user and local scopes in `~/.claude.json`: one read, one lock,
/// one write), and writes it when something must change. One result per member of `group`.
pub fn write(env: &Env, group: &[Member], opts: &Options) -> Result<Vec<WriteResult>, PatchError> {
    let Some(first) = group.first() else {
        return Ok(Vec::new());
    };
    let path = &first.file.path;
    let decided = std::cell::RefCell::new(Vec::<Plan>::new());
    let apply_opts = apply_options(
        env,
        first.file,
        opts,
        group.iter().any(|m| m.want.token().is_some()),
        group.iter().any(|m| m.keep_mode),
    );
    if let Some(parent) = path.parent() {
        if !parent.exists() && group.iter().any(|m| m.create) {
            // Private whatever the umask: the file created there holds a token, and clients
            // execute the commands a config names.
            crate::fs::create_dirs(parent, NEW_DIR_MODE)?;
        }
    }
    // A splice is likely when every member writes a token and one of them is not there yet.
    let splice_likely = |bytes: &[u8]| {
        let tokens: Option<Vec<&str>> = group.iter().map(|m| m.want.token()).collect();
        tokens.is_some_and(|t| t.iter().any(|t| !contains(bytes, t.as_bytes())))
    };
    let applied = patch::apply(path, &apply_opts, splice_likely, |text| {
        let mut plans = Vec::with_capacity(group.len());
        // The text after the changes planned so far; materialised only when a second member
        // changes the file too (a refresh of a 50 MB file stays one splice of the original).
        let mut current: Option<String> = None;
        let mut combined = Outcome::Unchanged;
        for m in group {
            let plan_on = |t: Option<&str>| {
                plan_text(m.file, t, m.server, m.want, m.create).map_err(|e| PatchError::Edit {
                    path: m.file.path.clone(),
                    message: e.to_string(),
                })
            };
            let mut plan = plan_on(current.as_deref().or(text))?;
            if let Plan::Change { outcome, .. } = &plan {
                if !matches!(combined, Outcome::Unchanged) {
                    if current.is_none() {
                        // A second change: apply the first, then plan this one on the result.
                        current = combined.materialize(text.unwrap_or(""));
                        plan = plan_on(current.as_deref())?;
                    }
                    if let Plan::Change { outcome, .. } = &plan {
                        let base = current.clone().unwrap_or_default();
                        let next = outcome.materialize(&base).unwrap_or(base);
                        current = Some(next.clone());
                        combined = Outcome::Rewrite(next);
                    }
                } else {
                    combined = outcome.clone();
                }
            }
            plans.push(plan);
        }
        *decided.borrow_mut() = plans;
        Ok(combined)
    })?;
    let written_backup = match applied {
        Applied::Written { backup, effects } => Some((backup, effects)),
        Applied::AlreadyCurrent => None,
    };
    Ok(decided
        .into_inner()
        .into_iter()
        .map(|plan| match plan {
            Plan::Change { notes, .. } => match &written_backup {
                Some((backup, effects)) => WriteResult::Written {
                    notes,
                    backup: backup.clone(),
                    effects: effects.clone(),
                },
                None => WriteResult::Current,
            },
            Plan::NoEntry => WriteResult::NoEntry,
            Plan::Conflict(u) => WriteResult::Conflict(u),
            Plan::Indirect(k) => WriteResult::Indirect(k),
            Plan::NoHeader => WriteResult::NoHeader,
            Plan::Current => WriteResult::Current,
        })
        .collect())
}

/// Why writing a token into a project file may put it into a git repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitRisk {
    /// git tracks the file.
    Tracked,
    /// The file is inside a git work tree, and git could not say whether it tracks it.
    Unknown { work_tree: PathBuf, reason: String },
}

/// Whether writing a token into `file` must be refused (unless `--allow-tracked`): an existing
/// project-scope file that git tracks — or that lies in a work tree where git cannot answer
/// (not installed, "dubious ownership", a stub), which fails closed.
pub fn git_risk(file: &ConfigFile) -> Option<GitRisk> {
    if file.scope != Scope::Project || !file.exists() {
        return None;
    }
    match patch::git_tracking(&file.path) {
        patch::Tracking::Outside | patch::Tracking::Untracked => None,
        patch::Tracking::Tracked => Some(GitRisk::Tracked),
        patch::Tracking::Unknown { work_tree, reason } => {
            Some(GitRisk::Unknown { work_tree, reason })
        }
    }
}

/// One line describing a file: `~/.claude.json (Claude Code, user scope)`.
pub fn describe(env: &Env, file: &ConfigFile) -> String {
    let name = targets::by_id(file.target)
        .map(|t| t.display_name())
        .unwrap_or(file.target);
    let scope = match (&file.shape, file.scope) {
        (targets::Shape::Claude { project: Some(p) }, Scope::Local) => {
            format!("local scope, project {p}")
        }
        (_, s) => format!("{} scope", s.as_str()),
    };
    format!("{} ({name}, {scope})", env.display(&file.path))
}
