//! The write step: under the client's own lock, re-read the file, re-plan every job on it (one
//! read, lock and write per real file), back the original up once, and replace the file
//! atomically if nobody changed it since it was read — else try again, a bounded number of times.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::plan::{self, Step};
use super::{Configs, Job, Options, Verdict};
use crate::clients::{ClientLock, ConfigFile};
use crate::edit::{Edit, EditError};
use crate::fs::{
    DirLock, FsError, ModeRule, Opened, OwnedDirLock, Prefetch, Snapshot, WriteEffects,
    WriteOptions,
};
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};

/// Mode of a config file figma-auth creates: it holds a token, so only the user may read it.
pub(crate) const NEW_FILE_MODE: u32 = 0o600;

/// Mode of a directory figma-auth creates for a config file (whatever the umask).
pub(super) const NEW_DIR_MODE: u32 = 0o700;

/// How long we wait for another program's lock before reporting "busy". Claude Code itself waits
/// about 15 s and steals locks older than 10 s.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(15);

/// How many times a write is re-planned when another program changed the file under us.
pub(super) const MAX_ATTEMPTS: usize = 4;

/// Why a config file could not be read, planned or written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("{path} is not valid UTF-8 (first invalid byte at offset {offset}); figma-auth edits only UTF-8 text")]
    NotUtf8 { path: PathBuf, offset: usize },
    /// The file cannot be edited (its `error` names the line and column, never a value).
    #[error("{path}: {error}")]
    Edit { path: PathBuf, error: EditError },
    #[error("{path} kept changing while figma-auth tried to update it ({attempts} attempts); another program is writing it")]
    Busy { path: PathBuf, attempts: usize },
}

impl ApplyError {
    pub fn is_busy(&self) -> bool {
        match self {
            ApplyError::Busy { .. } => true,
            ApplyError::Fs(e) => e.is_busy(),
            _ => false,
        }
    }

    pub(super) fn edit(file: &ConfigFile, error: EditError) -> Self {
        ApplyError::Edit {
            path: file.path.clone(),
            error,
        }
    }
}

/// Decodes a snapshot's bytes as UTF-8 text (`None` for a missing file).
pub(super) fn snapshot_text<'a>(
    snap: &'a Snapshot,
    path: &Path,
) -> Result<Option<&'a str>, ApplyError> {
    match &snap.bytes {
        None => Ok(None),
        // simdutf8 checks at memory speed; std finds the offset of the error.
        Some(b) => match simdutf8::basic::from_utf8(b) {
            Ok(t) => Ok(Some(t)),
            Err(_) => Err(ApplyError::NotUtf8 {
                path: path.to_path_buf(),
                offset: std::str::from_utf8(b).err().map_or(0, |e| e.valid_up_to()),
            }),
        },
    }
}

/// How one file is written.
#[derive(Debug, Clone)]
pub(super) struct Guard {
    pub lock: ClientLock,
    /// The file of a [`ClientLock::Flock`], beside the config as configured (not where a
    /// symlink leads: the client locks it in its own directory).
    pub flock: Option<PathBuf>,
    /// Where the first backup of each file goes (`None`: no backup).
    pub backup_dir: Option<PathBuf>,
    pub lock_wait: Duration,
    /// What happens to the mode of the file ([`ModeRule::Private`] when it will hold a token).
    pub mode_rule: ModeRule,
}

impl Guard {
    /// How `file` is written: under its client's lock, backed up once, guarded, and made
    /// private when it will hold a token (`secret`) unless the mode is to be kept.
    pub(super) fn of(configs: &Configs, file: &ConfigFile, secret: bool, keep_mode: bool) -> Self {
        let lock = file.lock(configs.env);
        let flock = match lock {
            ClientLock::Flock(name) => file.path.parent().map(|d| d.join(name)),
            _ => None,
        };
        Guard {
            lock,
            flock,
            backup_dir: Some(configs.backup_dir()),
            lock_wait: configs.client_lock_timeout,
            mode_rule: match (secret, keep_mode) {
                (false, _) => ModeRule::Keep,
                (true, false) => ModeRule::Private,
                (true, true) => ModeRule::KeepLoose,
            },
        }
    }

    /// The write options of a config file: always guarded (see [`crate::fs::check_target`]).
    pub(super) fn write_options(&self) -> WriteOptions {
        WriteOptions::new(NEW_FILE_MODE)
            .guarded()
            .with_mode_rule(self.mode_rule)
    }

    /// Whether the file of `snap` may be written, and what else the write will do (a tightened
    /// mode, a hard link broken): the check of [`write_locked`], for previews.
    pub(super) fn check(&self, snap: &Snapshot) -> Result<WriteEffects, ApplyError> {
        Ok(crate::fs::check_target(
            &snap.path,
            snap.meta.as_ref(),
            &self.write_options(),
        )?)
    }
}

/// A client's lock, held until dropped.
enum Held {
    Dir(#[allow(dead_code)] DirLock),
    Owned(#[allow(dead_code)] OwnedDirLock),
}

/// A write that happened: where the original was saved the first time, and what else the write
/// did (a tightened mode, a hard link broken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Wrote {
    pub backup: Option<PathBuf>,
    pub effects: WriteEffects,
}

/// Files at least this large are copied into the temp file while they are planned
/// ([`crate::fs::prefetch`]): validating a heavy `~/.claude.json` takes as long as copying it.
pub(super) const PREFETCH_MIN: u64 = 4 << 20;

/// Writes the file at `real` (symlinks resolved again under the lock): under the client's lock,
/// re-reads it, re-plans with `plan` (a pure function of the current text that returns the edit
/// and what it decided), backs the original up once, and replaces the file atomically if nobody
/// changed it since it was read; otherwise tries again, up to [`MAX_ATTEMPTS`] times. Returns
/// the last decision and the write, `None` when the file was already as wanted.
///
/// A large file is copied into the temp file while it is read and planned; the copy stops early
/// when `worth_prefetching` says that the edit will probably not be a splice (e.g. the bytes
/// already hold the token to write): a copy is wasted when the file does not change or is
/// rewritten. Nothing is renamed before the plan (and so the validation) succeeded.
pub(super) fn write_locked<T>(
    real: &Path,
    guard: &Guard,
    worth_prefetching: impl Fn(&[u8]) -> bool + Sync,
    mut plan: impl FnMut(Option<&str>) -> Result<(Edit, T), ApplyError>,
) -> Result<(T, Option<Wrote>), ApplyError> {
    crate::fs::remove_stale_temps(real);
    for _ in 0..MAX_ATTEMPTS {
        let real = crate::fs::resolve_symlinks(real)?;
        let lock = match guard.lock {
            ClientLock::LockDir => Some(Held::Dir(DirLock::acquire(&real, guard.lock_wait)?)),
            ClientLock::OwnedDir => {
                Some(Held::Owned(OwnedDirLock::acquire(&real, guard.lock_wait)?))
            }
            ClientLock::None | ClientLock::Flock(_) => None,
        };
        // Held for the attempt; only where the client has its directory (a client that never
        // ran holds no lock).
        let _flock = match &guard.flock {
            Some(p) if p.parent().is_some_and(Path::is_dir) => {
                Some(crate::fs::lock_file(p, guard.lock_wait)?)
            }
            _ => None,
        };
        let opened = crate::fs::open_snapshot(&real)?;
        match attempt(&opened, lock, guard, &worth_prefetching, &mut plan) {
            Err(ApplyError::Fs(FsError::Changed { .. })) => continue,
            other => return other,
        }
    }
    Err(ApplyError::Busy {
        path: real.to_path_buf(),
        attempts: MAX_ATTEMPTS,
    })
}

/// One attempt of [`write_locked`] on the file `opened`, holding the client's lock `lock`.
fn attempt<T>(
    opened: &Opened,
    lock: Option<Held>,
    guard: &Guard,
    worth_prefetching: &(impl Fn(&[u8]) -> bool + Sync),
    plan: &mut impl FnMut(Option<&str>) -> Result<(Edit, T), ApplyError>,
) -> Result<(T, Option<Wrote>), ApplyError> {
    let write_opts = guard.write_options().expecting(opened.stamp());
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let prefetch = match opened.file() {
            Some(src) if opened.len() >= PREFETCH_MIN => Some(s.spawn(|| {
                crate::fs::prefetch(opened.path(), src, opened.len(), &write_opts, &stop)
            })),
            _ => None,
        };
        let snap = match opened.read() {
            Ok(snap) => snap,
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                return Err(e.into());
            }
        };
        let result = std::thread::scope(|t| {
            if let (Some(_), Some(bytes)) = (&prefetch, &snap.bytes) {
                // Decided while the copy runs: a wrong guess costs a chunk of it.
                t.spawn(|| {
                    if !worth_prefetching(bytes) {
                        stop.store(true, Ordering::Relaxed);
                    }
                });
            }
            let planned = snapshot_text(&snap, &snap.path).and_then(&mut *plan);
            if !matches!(planned, Ok((Edit::Splice { .. }, _))) {
                stop.store(true, Ordering::Relaxed);
            }
            // A prefetch that is not used is dropped here: its temp file is removed.
            let prefetched = prefetch.and_then(|h| h.join().ok().flatten());
            let (edit, decided) = planned?;
            let wrote = write_planned(&snap, opened.file(), guard, &write_opts, &edit, prefetched)?;
            Ok((decided, wrote))
        });
        // The client's lock first: unmapping a large file takes a few ms.
        drop(lock);
        drop(snap);
        result
    })
}

/// Writes `edit` of `snap` (through the prefetched copy when there is one); `None` when the
/// edit changes nothing.
fn write_planned(
    snap: &Snapshot,
    file: Option<&File>,
    guard: &Guard,
    write_opts: &WriteOptions,
    edit: &Edit,
    prefetched: Option<Prefetch>,
) -> Result<Option<Wrote>, ApplyError> {
    if !edit.changes() {
        return Ok(None);
    }
    // Refused files are not even backed up (a copy of another user's file is theirs).
    guard.check(snap)?;
    let backup = backup(snap, guard)?;
    let total = snap.bytes.as_ref().map_or(0, |b| b.len()) as u64;
    let effects = match (edit, prefetched, file) {
        (
            Edit::Splice {
                range, replacement, ..
            },
            Some(p),
            Some(src),
        ) => {
            let range = range.start as u64..range.end as u64;
            let effects = p.splice(src, range, replacement.as_bytes())?;
            crate::fault::count_prefetched_splice();
            #[cfg(test)]
            tests::PREFETCHED.with(|n| n.set(n.get() + 1));
            effects
        }
        (
            Edit::Splice {
                range, replacement, ..
            },
            _,
            src,
        ) => crate::fs::write_atomic_with(&snap.path, write_opts, |out| match src {
            Some(src) => {
                crate::fs::copy_range(src, 0, range.start as u64, out)?;
                out.write_all(replacement.as_bytes())?;
                crate::fs::copy_range(src, range.end as u64, total - range.end as u64, out)
            }
            None => Err(std::io::Error::other("splice on a missing file")),
        })?,
        (Edit::Rewrite { text, .. }, ..) => {
            crate::fs::write_atomic_with(&snap.path, write_opts, |f| f.write_all(text.as_bytes()))?
        }
        _ => return Ok(None),
    };
    Ok(Some(Wrote { backup, effects }))
}

fn backup(snap: &Snapshot, guard: &Guard) -> Result<Option<PathBuf>, ApplyError> {
    match (&guard.backup_dir, &snap.bytes) {
        (Some(dir), Some(bytes)) => Ok(crate::fs::backup_once(&snap.path, bytes, dir)?),
        _ => Ok(None),
    }
}

/// Writes the jobs of one real file (`group`, all on the same file) and says what happened to
/// each: their plans combined into one edit (a refresh of a 50 MB file stays one splice of the
/// original), written once.
pub(super) fn group(configs: &Configs, group: &[&Job], opts: &Options) -> Vec<Verdict> {
    let Some(first) = group.first() else {
        return Vec::new();
    };
    let guard = Guard::of(
        configs,
        &first.file,
        group.iter().any(|j| j.desired(opts).token().is_some()),
        opts.keep_mode || group.iter().any(|j| j.keep_mode),
    );
    let fail = |e: &ApplyError| {
        group
            .iter()
            .map(|_| plan::failed(e))
            .collect::<Vec<Verdict>>()
    };
    if let Some(parent) = first.file.real.parent()
        && !parent.exists()
        && group.iter().any(|j| j.create)
    {
        // Private whatever the umask: the file created there holds a token, and clients
        // execute the commands a config names.
        if let Err(e) = crate::fs::create_dirs(parent, NEW_DIR_MODE) {
            return fail(&e.into());
        }
    }
    // A splice through a copy made while the file is planned is likely when every job writes a
    // token and one of them is not there yet (looked for where the entries are, not in the whole
    // file: a wrong guess costs a copy that is then stopped, never a wrong write).
    let tokens: Option<Vec<&str>> = group.iter().map(|j| j.desired(opts).token()).collect();
    let splice_likely = |bytes: &[u8]| {
        tokens
            .as_ref()
            .is_some_and(|t| t.iter().any(|t| !plan::near_the_ends(bytes, t.as_bytes())))
    };
    let written = write_locked(&first.file.real, &guard, splice_likely, |text| {
        let mut steps = Vec::with_capacity(group.len());
        // The text after the changes planned so far; materialised only when a second job
        // changes the file too.
        let mut current: Option<String> = None;
        let mut combined = Edit::Unchanged;
        for job in group {
            let plan_on = |t: Option<&str>| {
                plan::plan_text(&job.file, t, &job.server, job.desired(opts), job.create)
                    .map_err(|e| ApplyError::edit(&job.file, e))
            };
            let mut step = plan_on(current.as_deref().or(text))?;
            if let Step::Change(edit) = &step {
                if combined.changes() {
                    if current.is_none() {
                        // A second change: apply the first, then plan this one on the result.
                        current = combined.materialize(text);
                        step = plan_on(current.as_deref())?;
                    }
                    if let Step::Change(edit) = &step {
                        let base = current.take().unwrap_or_default();
                        let next = edit.materialize(Some(&base)).unwrap_or(base);
                        current = Some(next.clone());
                        combined = Edit::Rewrite {
                            text: next,
                            notes: Vec::new(),
                        };
                    }
                } else {
                    combined = (**edit).clone();
                }
            }
            steps.push(step);
        }
        Ok((combined, steps))
    });
    match written {
        Ok((steps, wrote)) => group
            .iter()
            .zip(steps)
            .map(|(job, step)| plan::verdict(configs, job, opts, step, plan::Done::Write(&wrote)))
            .collect(),
        Err(e) => fail(&e),
    }
}

#[cfg(test)]
mod tests;
