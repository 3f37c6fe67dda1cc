//! A planned change to one config file and its safe application: the new content is computed by a
//! pure edit function from a snapshot of the file, shown as a masked diff, and written atomically
//! with the file re-read (and the edit re-planned) under the client's lock when it changed. A
//! large file's unchanged bytes are copied into the temp file while it is validated.

use crate::diff::{self, Color, DiffOptions};
use crate::fs::{
    DirLock, FsError, ModeRule, Opened, Prefetch, Snapshot, WriteEffects, WriteOptions,
};
use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod git;
pub use git::{git_tracking, Tracking};

/// The result of a pure edit of a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file already says what we want: nothing is written.
    Unchanged,
    /// The whole new text.
    Rewrite(String),
    /// Replace `range` of the original bytes with `replacement` (everything else is copied
    /// unchanged, by the kernel where it can).
    Splice {
        range: Range<usize>,
        replacement: String,
    },
}

impl Outcome {
    /// The new full text, given the original (for previews and verification).
    pub fn materialize(&self, original: &str) -> Option<String> {
        match self {
            Outcome::Unchanged => None,
            Outcome::Rewrite(s) => Some(s.clone()),
            Outcome::Splice { range, replacement } => {
                let mut s = String::with_capacity(original.len() + replacement.len());
                s.push_str(&original[..range.start]);
                s.push_str(replacement);
                s.push_str(&original[range.end..]);
                Some(s)
            }
        }
    }
}

/// Which lock the owning client uses for the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientLock {
    None,
    /// Claude Code's `<file>.lock` directory (proper-lockfile).
    LockDir,
}

/// How long we wait for another program's lock before reporting "busy". Claude Code itself waits
/// about 15 s and steals locks older than 10 s.
pub const LOCK_WAIT: Duration = Duration::from_secs(15);

/// How many times a write is re-planned when another program changed the file under us.
pub const MAX_ATTEMPTS: usize = 4;

/// Errors of planning or applying a change.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("{path} is not valid UTF-8 (first invalid byte at offset {offset}); figma-auth edits only UTF-8 text")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path}: {message}")]
    Edit { path: PathBuf, message: String },
    #[error("{path} kept changing while figma-auth tried to update it ({attempts} attempts); another program is writing it")]
    Busy { path: PathBuf, attempts: usize },
}

impl PatchError {
    pub fn is_busy(&self) -> bool {
        match self {
            PatchError::Busy { .. } => true,
            PatchError::Fs(e) => e.is_busy(),
            _ => false,
        }
    }
}

/// Decodes a snapshot's bytes as UTF-8 text (`None` for a missing file).
pub fn snapshot_text<'a>(snap: &'a Snapshot, path: &Path) -> Result<Option<&'a str>, PatchError> {
    match &snap.bytes {
        None => Ok(None),
        // simdutf8 checks at memory speed; std finds the offset of the error.
        Some(b) => match simdutf8::basic::from_utf8(b) {
            Ok(t) => Ok(Some(t)),
            Err(_) => Err(PatchError::NotUtf8 {
                path: path.to_path_buf(),
                offset: std::str::from_utf8(b).err().map_or(0, |e| e.valid_up_to()),
            }),
        },
    }
}

/// What happened when a change was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The file was already current when we looked under the lock.
    AlreadyCurrent,
    /// Written; `backup` is where the original was saved the first time; `effects` says what
    /// else the write did (a tightened mode, a hard link broken).
    Written {
        backup: Option<PathBuf>,
        effects: WriteEffects,
    },
}

/// Options for [`apply`].
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub lock: ClientLock,
    /// Mode of a file we create (0600 for files that hold a token).
    pub new_file_mode: u32,
    /// Where the first backup of each file goes (None: no backup).
    pub backup_dir: Option<PathBuf>,
    pub lock_wait: Duration,
    /// What happens to the mode of the file ([`ModeRule::Private`] when it will hold a token).
    pub mode_rule: ModeRule,
}

impl ApplyOptions {
    /// The write options of a config file: always guarded (see [`crate::fs::check_target`]).
    pub fn write_options(&self) -> WriteOptions {
        WriteOptions::new(self.new_file_mode)
            .guarded()
            .with_mode_rule(self.mode_rule)
    }
}

/// Whether the file of `snap` may be written with `opts`, and what else the write will do
/// (a tightened mode, a hard link broken): the check of [`apply`], for previews.
pub fn check(snap: &Snapshot, opts: &ApplyOptions) -> Result<WriteEffects, PatchError> {
    Ok(crate::fs::check_target(
        &snap.path,
        snap.meta.as_ref(),
        &opts.write_options(),
    )?)
}

/// Files at least this large are copied into the temp file while they are planned
/// ([`crate::fs::prefetch`]): validating a heavy `~/.claude.json` takes as long as copying it.
pub const PREFETCH_MIN: usize = 4 << 20;

/// Applies a change to `path`: under the client's lock, re-reads the file, re-plans with `plan`
/// (a pure function of the current text), backs the original up once, and replaces the file
/// atomically if nobody changed it since it was read; otherwise tries again, up to
/// [`MAX_ATTEMPTS`] times.
///
/// A large file is copied into the temp file while it is read and planned; the copy stops early
/// when `worth_prefetching` says that the plan will probably not be a splice (e.g. the bytes
/// already hold the token to write): a copy is wasted when the file does not change or is
/// rewritten.
pub fn apply(
    path: &Path,
    opts: &ApplyOptions,
    worth_prefetching: impl Fn(&[u8]) -> bool + Sync,
    plan: impl Fn(Option<&str>) -> Result<Outcome, PatchError>,
) -> Result<Applied, PatchError> {
    crate::fs::remove_stale_temps(path);
    for _ in 0..MAX_ATTEMPTS {
        let real = crate::fs::resolve_symlinks(path)?;
        let guard = match opts.lock {
            ClientLock::None => None,
            ClientLock::LockDir => Some(DirLock::acquire(&real, opts.lock_wait)?),
        };
        let opened = crate::fs::open_snapshot(&real)?;
        match attempt(path, &opened, guard, opts, &worth_prefetching, &plan) {
            Err(PatchError::Fs(FsError::Changed { .. })) => continue,
            other => return other,
        }
    }
    Err(PatchError::Busy {
        path: path.to_path_buf(),
        attempts: MAX_ATTEMPTS,
    })
}

/// One attempt of [`apply`] on the file `opened`, holding the client's lock `guard`.
fn attempt(
    path: &Path,
    opened: &Opened,
    guard: Option<DirLock>,
    opts: &ApplyOptions,
    worth_prefetching: &(impl Fn(&[u8]) -> bool + Sync),
    plan: &impl Fn(Option<&str>) -> Result<Outcome, PatchError>,
) -> Result<Applied, PatchError> {
    let write_opts = opts.write_options().expecting(opened.stamp());
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let prefetch = match opened.file() {
            Some(src) if opened.len() >= PREFETCH_MIN as u64 => Some(s.spawn(|| {
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
            write(
                path,
                &snap,
                opened.file(),
                opts,
                &write_opts,
                plan,
                &stop,
                prefetch,
            )
        });
        // The client's lock first: unmapping a large file takes a few ms.
        drop(guard);
        drop(snap);
        result
    })
}

/// Plans `snap` and writes the outcome (with the prefetched copy when there is one).
#[allow(clippy::too_many_arguments)]
fn write(
    path: &Path,
    snap: &Snapshot,
    file: Option<&File>,
    opts: &ApplyOptions,
    write_opts: &WriteOptions,
    plan: &impl Fn(Option<&str>) -> Result<Outcome, PatchError>,
    stop: &AtomicBool,
    prefetch: Option<std::thread::ScopedJoinHandle<'_, Option<Prefetch>>>,
) -> Result<Applied, PatchError> {
    let total = snap.bytes.as_ref().map_or(0, |b| b.len());
    let outcome = snapshot_text(snap, path);
    let outcome = outcome.and_then(plan);
    if !matches!(outcome, Ok(Outcome::Splice { .. })) {
        stop.store(true, Ordering::Relaxed);
    }
    // A prefetch that is not used is dropped here: its temp file is removed.
    let prefetched = prefetch.and_then(|h| h.join().ok().flatten());
    let outcome = outcome?;
    if matches!(outcome, Outcome::Unchanged) {
        return Ok(Applied::AlreadyCurrent);
    }
    // Refused files are not even backed up (a copy of another user's file is theirs).
    check(snap, opts)?;
    let backup = backup(snap, opts)?;
    let effects = match (&outcome, prefetched, file) {
        (Outcome::Unchanged, ..) => return Ok(Applied::AlreadyCurrent),
        (Outcome::Rewrite(new), ..) => {
            crate::fs::write_atomic_with(&snap.path, write_opts, |f| f.write_all(new.as_bytes()))?
        }
        (Outcome::Splice { range, replacement }, Some(p), Some(src)) => {
            let effects = p.splice(
                src,
                range.start as u64..range.end as u64,
                replacement.as_bytes(),
            )?;
            crate::fault::count_prefetched_splice();
            #[cfg(test)]
            tests::PREFETCHED.with(|n| n.set(n.get() + 1));
            effects
        }
        (Outcome::Splice { range, replacement }, _, src) => {
            crate::fs::write_atomic_with(&snap.path, write_opts, |out| match src {
                Some(src) => {
                    crate::fs::copy_range(src, 0, range.start as u64, out)?;
                    out.write_all(replacement.as_bytes())?;
                    let end = range.end as u64;
                    crate::fs::copy_range(src, end, total as u64 - end, out)
                }
                None => Err(std::io::Error::other("splice on a missing file")),
            })?
        }
    };
    Ok(Applied::Written { backup, effects })
}

fn backup(snap: &Snapshot, opts: &ApplyOptions) -> Result<Option<PathBuf>, PatchError> {
    match (&opts.backup_dir, &snap.bytes) {
        (Some(dir), Some(bytes)) => Ok(crate::fs::backup_once(&snap.path, bytes, dir)?),
        _ => Ok(None),
    }
}

/// A masked preview of a change to `label` (a display path).
pub fn preview(
    label: &str,
    original: Option<&str>,
    outcome: &Outcome,
    secrets: &[&str],
    show_secrets: bool,
    color: Color,
) -> String {
    let Some(new) = outcome.materialize(original.unwrap_or("")) else {
        return String::new();
    };
    diff::unified_diff(
        label,
        original,
        &new,
        &DiffOptions {
            secrets,
            show_secrets,
            color,
            context: 3,
        },
    )
}

#[cfg(test)]
mod tests;
