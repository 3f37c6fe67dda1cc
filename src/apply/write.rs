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
use crate::fs::{DirLock, FsError, ModeRule, OwnedDirLock, Snapshot, WriteEffects, WriteOptions};

/// Mode of a config file figma-auth creates: it holds a token, so only the user may read it.
pub const NEW_FILE_MODE: u32 = 0o600;

/// Mode of a directory figma-auth creates for a config file (whatever the umask).
pub const NEW_DIR_MODE: u32 = 0o700;

/// How long we wait for another program's lock before reporting "busy". Claude Code itself waits
/// about 15 s and steals locks older than 10 s.
pub const LOCK_WAIT: Duration = Duration::from_secs(15);

/// How many times a write is re-planned when another program changed the file under us.
pub const MAX_ATTEMPTS: usize = 4;

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
pub fn snapshot_text<'a>(snap: &'a Snapshot, path: &Path) -> Result<Option<&'a str>, ApplyError> {
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
pub struct Guard {
    pub lock: ClientLock,
    /// Where the first backup of each file goes (`None`: no backup).
    pub backup_dir: Option<PathBuf>,
    pub lock_wait: Duration,
    /// What happens to the mode of the file ([`ModeRule::Private`] when it will hold a token).
    pub mode_rule: ModeRule,
}

impl Guard {
    /// How `file` is written: under its client's lock, backed up once, guarded, and made
    /// private when it will hold a token (`secret`) unless the mode is to be kept.
    pub fn of(configs: &Configs, file: &ConfigFile, secret: bool, keep_mode: bool) -> Self {
        Guard {
            lock: file.lock(configs.env),
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
    pub fn write_options(&self) -> WriteOptions {
        WriteOptions::new(NEW_FILE_MODE)
            .guarded()
            .with_mode_rule(self.mode_rule)
    }

    /// Whether the file of `snap` may be written, and what else the write will do (a tightened
    /// mode, a hard link broken): the check of [`write_locked`], for previews.
    pub fn check(&self, snap: &Snapshot) -> Result<WriteEffects, ApplyError> {
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
pub struct Wrote {
    pub backup: Option<PathBuf>,
    pub effects: WriteEffects,
}

/// Writes the file at `real` (symlinks resolved again under the lock): under the client's lock,
/// re-reads it, re-plans with `plan` (a pure function of the current text that returns the edit
/// and what it decided), backs the original up once, and replaces the file atomically if nobody
/// changed it since it was read; otherwise tries again, up to [`MAX_ATTEMPTS`] times. Returns
/// the last decision and the write, `None` when the file was already as wanted.
pub fn write_locked<T>(
    real: &Path,
    guard: &Guard,
    mut plan: impl FnMut(Option<&str>) -> Result<(Edit, T), ApplyError>,
) -> Result<(T, Option<Wrote>), ApplyError> {
    crate::fs::remove_stale_temps(real);
    for _ in 0..MAX_ATTEMPTS {
        let real = crate::fs::resolve_symlinks(real)?;
        let _lock = match guard.lock {
            ClientLock::None => None,
            ClientLock::LockDir => Some(Held::Dir(DirLock::acquire(&real, guard.lock_wait)?)),
            ClientLock::OwnedDir => {
                Some(Held::Owned(OwnedDirLock::acquire(&real, guard.lock_wait)?))
            }
        };
        let (snap, file) = crate::fs::read_snapshot_with_handle(&real)?;
        let text = snapshot_text(&snap, &real)?;
        let (edit, decided) = plan(text)?;
        if !edit.changes() {
            return Ok((decided, None));
        }
        // Refused files are not even backed up (a copy of another user's file is theirs).
        guard.check(&snap)?;
        let write_opts = guard.write_options().expecting(snap.stamp.clone());
        let backup = backup(&snap, guard)?;
        let result = match &edit {
            Edit::Splice {
                range, replacement, ..
            } => {
                let total = snap.bytes.as_ref().map_or(0, |b| b.len()) as u64;
                crate::fs::write_atomic_with(&snap.path, &write_opts, |out| match &file {
                    Some(src) => {
                        crate::fs::copy_range(src, 0, range.start as u64, out)?;
                        out.write_all(replacement.as_bytes())?;
                        crate::fs::copy_range(src, range.end as u64, total - range.end as u64, out)
                    }
                    None => Err(std::io::Error::other("splice on a missing file")),
                })
            }
            Edit::Rewrite { text, .. } => {
                crate::fs::write_atomic_with(&snap.path, &write_opts, |f| {
                    f.write_all(text.as_bytes())
                })
            }
            _ => return Ok((decided, None)),
        };
        match result {
            Ok(effects) => return Ok((decided, Some(Wrote { backup, effects }))),
            Err(FsError::Changed { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApplyError::Busy {
        path: real.to_path_buf(),
        attempts: MAX_ATTEMPTS,
    })
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
    if let Some(parent) = first.file.real.parent() {
        if !parent.exists() && group.iter().any(|j| j.create) {
            // Private whatever the umask: the file created there holds a token, and clients
            // execute the commands a config names.
            if let Err(e) = crate::fs::create_dirs(parent, NEW_DIR_MODE) {
                return fail(&e.into());
            }
        }
    }
    let written = write_locked(&first.file.real, &guard, |text| {
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
                    combined = edit.clone();
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
mod tests {
    use super::*;
    use std::fs;

    fn guard(dir: &Path, lock: ClientLock) -> Guard {
        Guard {
            lock,
            backup_dir: Some(dir.join("backups")),
            lock_wait: Duration::from_millis(200),
            mode_rule: ModeRule::Keep,
        }
    }

    fn replace_ab(text: Option<&str>) -> Result<(Edit, ()), ApplyError> {
        let t = text.unwrap_or("");
        Ok((
            match t.find("OLD") {
                Some(i) => Edit::Splice {
                    range: i..i + 3,
                    replacement: "NEW".into(),
                    notes: vec![],
                },
                None => Edit::Unchanged,
            },
            (),
        ))
    }

    #[test]
    fn splice_keeps_the_rest_and_backs_up_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        fs::write(&p, "{\"a\": \"OLD\", \"b\": OLD }\r\n").unwrap();
        let ((), wrote) =
            write_locked(&p, &guard(dir.path(), ClientLock::LockDir), replace_ab).unwrap();
        let Some(Wrote {
            backup: Some(b), ..
        }) = wrote
        else {
            panic!("{wrote:?}")
        };
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "{\"a\": \"NEW\", \"b\": OLD }\r\n"
        );
        assert_eq!(
            fs::read_to_string(&b).unwrap(),
            "{\"a\": \"OLD\", \"b\": OLD }\r\n"
        );
        // second change: the backup keeps the original
        write_locked(&p, &guard(dir.path(), ClientLock::None), replace_ab).unwrap();
        assert_eq!(
            fs::read_to_string(&b).unwrap(),
            "{\"a\": \"OLD\", \"b\": OLD }\r\n"
        );
        assert!(!dir.path().join("c.json.lock").exists());
    }

    #[test]
    fn large_files_are_mapped_and_spliced_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".claude.json");
        let filler = "x".repeat(crate::fs::MAP_MIN as usize + 1000);
        let before = format!("{{\"a\": \"{filler}\", \"t\": \"OLD\", \"ü\": 1}}");
        fs::write(&p, &before).unwrap();
        let (snap, _) = crate::fs::read_snapshot_with_handle(&p).unwrap();
        assert!(matches!(snap.bytes, Some(crate::fs::Contents::Mapped(_))));
        drop(snap);
        write_locked(&p, &guard(dir.path(), ClientLock::LockDir), replace_ab).unwrap();
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            before.replace("OLD", "NEW")
        );
    }

    #[test]
    fn unchanged_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        fs::write(&p, "current").unwrap();
        let before = fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let ((), wrote) =
            write_locked(&p, &guard(dir.path(), ClientLock::None), replace_ab).unwrap();
        assert_eq!(wrote, None);
        assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
        assert!(!dir.path().join("backups").exists());
    }

    #[test]
    fn held_client_lock_means_busy_and_no_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".claude.json");
        fs::write(&p, "OLD").unwrap();
        let _held = DirLock::acquire(&p, Duration::from_secs(1)).unwrap();
        let err =
            write_locked(&p, &guard(dir.path(), ClientLock::LockDir), replace_ab).unwrap_err();
        assert!(err.is_busy(), "{err}");
        assert_eq!(fs::read_to_string(&p).unwrap(), "OLD");
    }

    #[test]
    fn a_write_between_read_and_rename_is_replanned() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        fs::write(&p, "x OLD").unwrap();
        let mut calls = 0;
        let (n, wrote) = write_locked(&p, &guard(dir.path(), ClientLock::None), |text| {
            calls += 1;
            if calls == 1 {
                // another program writes while we plan
                fs::write(&p, "another program's OLD value").unwrap();
            }
            replace_ab(text).map(|(e, ())| (e, calls))
        })
        .unwrap();
        assert!(wrote.is_some());
        // The decision returned is the last attempt's.
        assert_eq!((calls, n), (2, 2));
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "another program's NEW value"
        );
    }

    #[test]
    fn non_utf8_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        fs::write(&p, b"{\"a\": \"\xff OLD\"}").unwrap();
        let err = write_locked(&p, &guard(dir.path(), ClientLock::None), replace_ab).unwrap_err();
        assert!(
            matches!(err, ApplyError::NotUtf8 { offset: 7, .. }),
            "{err}"
        );
        assert_eq!(fs::read(&p).unwrap(), b"{\"a\": \"\xff OLD\"}");
    }
}
