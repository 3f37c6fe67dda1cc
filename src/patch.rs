//! A planned change to one config file and its safe application: the new content is computed by a
//! pure edit function from a snapshot of the file, shown as a masked diff, and written atomically
//! with the file re-read (and the edit re-planned) under the client's lock when it changed.

use crate::diff::{self, Color, DiffOptions};
use crate::fs::{DirLock, FsError, ModeRule, Snapshot, WriteEffects, WriteOptions};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// Applies a change to `path`: under the client's lock, re-reads the file, re-plans with `plan`
/// (a pure function of the current text), backs the original up once, and replaces the file
/// atomically if nobody changed it since it was read; otherwise tries again, up to
/// [`MAX_ATTEMPTS`] times.
pub fn apply(
    path: &Path,
    opts: &ApplyOptions,
    plan: impl Fn(Option<&str>) -> Result<Outcome, PatchError>,
) -> Result<Applied, PatchError> {
    crate::fs::remove_stale_temps(path);
    for _ in 0..MAX_ATTEMPTS {
        let real = crate::fs::resolve_symlinks(path)?;
        let _guard = match opts.lock {
            ClientLock::None => None,
            ClientLock::LockDir => Some(DirLock::acquire(&real, opts.lock_wait)?),
        };
        let (snap, file) = crate::fs::read_snapshot_with_handle(&real)?;
        let text = snapshot_text(&snap, path)?;
        let outcome = plan(text)?;
        if matches!(outcome, Outcome::Unchanged) {
            return Ok(Applied::AlreadyCurrent);
        }
        // Refused files are not even backed up (a copy of another user's file is theirs).
        check(&snap, opts)?;
        let write_opts = opts.write_options().expecting(snap.stamp.clone());
        let result = match &outcome {
            Outcome::Unchanged => return Ok(Applied::AlreadyCurrent),
            Outcome::Rewrite(new) => {
                let backup = backup(&snap, opts)?;
                crate::fs::write_atomic_with(&snap.path, &write_opts, |f| {
                    f.write_all(new.as_bytes())
                })
                .map(|effects| (backup, effects))
            }
            Outcome::Splice { range, replacement } => {
                let backup = backup(&snap, opts)?;
                let total = snap.bytes.as_ref().map_or(0, |b| b.len()) as u64;
                crate::fs::write_atomic_with(&snap.path, &write_opts, |out| match &file {
                    Some(src) => {
                        crate::fs::copy_range(src, 0, range.start as u64, out)?;
                        out.write_all(replacement.as_bytes())?;
                        crate::fs::copy_range(src, range.end as u64, total - range.end as u64, out)
                    }
                    None => Err(std::io::Error::other("splice on a missing file")),
                })
                .map(|effects| (backup, effects))
            }
        };
        match result {
            Ok((backup, effects)) => return Ok(Applied::Written { backup, effects }),
            Err(FsError::Changed { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(PatchError::Busy {
        path: path.to_path_buf(),
        attempts: MAX_ATTEMPTS,
    })
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

/// What git says about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracking {
    /// No git work tree holds the file.
    Outside,
    Untracked,
    Tracked,
    /// The file is inside the work tree `work_tree`, but git could not answer (it is not
    /// installed, refuses the repository for "dubious ownership", is a stub that asks to install
    /// developer tools, ...): `reason` says what happened.
    Unknown {
        work_tree: PathBuf,
        reason: String,
    },
}

/// The work tree holding `dir`: the nearest directory, `dir` or above, with a `.git` that is a
/// repository (a directory with a `HEAD`) or a link to one (a `gitdir:` file: worktrees,
/// submodules). Found without running git, so that a git that cannot run cannot hide it.
fn work_tree_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            let git = d.join(".git");
            match std::fs::symlink_metadata(&git) {
                Ok(m) if m.is_dir() => git.join("HEAD").is_file(),
                Ok(m) if m.is_file() => {
                    m.len() < 4096
                        && crate::fs::read_snapshot(&git)
                            .ok()
                            .and_then(|s| s.bytes)
                            .is_some_and(|b| b.starts_with(b"gitdir:"))
                }
                Ok(_) => git.is_dir() && git.join("HEAD").is_file(),
                Err(_) => false,
            }
        })
        .map(Path::to_path_buf)
}

/// Whether git tracks `path`. A file inside a work tree for which git gives no clear answer is
/// [`Tracking::Unknown`] (callers treat it as tracked: a token must not reach a commit because
/// git could not be asked).
pub fn git_tracking(path: &Path) -> Tracking {
    let real_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    let (Some(dir), Some(name)) = (real_dir, path.file_name()) else {
        return Tracking::Outside;
    };
    let Some(work_tree) = work_tree_of(&dir) else {
        return Tracking::Outside;
    };
    let unknown = |reason: String| Tracking::Unknown {
        work_tree: work_tree.clone(),
        reason,
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["ls-files", "--cached", "-z", "--"])
        .arg(name)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            unknown("git is not installed or not on PATH".into())
        }
        Err(e) => unknown(format!("cannot run git: {e}")),
        Ok(o) if o.status.success() => {
            if o.stdout.is_empty() {
                Tracking::Untracked
            } else {
                Tracking::Tracked
            }
        }
        Ok(o) => unknown(git_failure(&o)),
    }
}

/// The first line git printed on a failure (control characters removed, shortened), with the
/// fix for the common "dubious ownership" refusal.
fn git_failure(o: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&o.stderr);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut line: String = first
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if line.is_empty() {
        line = match o.status.code() {
            Some(c) => format!("git exited with status {c}"),
            None => "git was killed by a signal".into(),
        };
    } else {
        line = format!("git: {line}");
    }
    if text.contains("dubious ownership") {
        line.push_str(
            "; if you trust the repository: `git config --global --add safe.directory <its path>`",
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn opts(dir: &Path, lock: ClientLock) -> ApplyOptions {
        ApplyOptions {
            lock,
            new_file_mode: 0o600,
            backup_dir: Some(dir.join("backups")),
            lock_wait: Duration::from_millis(200),
            mode_rule: ModeRule::Keep,
        }
    }

    fn replace_ab(text: Option<&str>) -> Result<Outcome, PatchError> {
        let t = text.unwrap_or("");
        Ok(match t.find("OLD") {
            Some(i) => Outcome::Splice {
                range: i..i + 3,
                replacement: "NEW".into(),
            },
            None => Outcome::Unchanged,
        })
    }

    #[test]
    fn splice_keeps_the_rest_and_backs_up_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        fs::write(&p, "{\"a\": \"OLD\", \"b\": OLD }\r\n").unwrap();
        let r = apply(&p, &opts(dir.path(), ClientLock::LockDir), replace_ab).unwrap();
        let Applied::Written {
            backup: Some(b), ..
        } = r
        else {
            panic!("{r:?}")
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
        apply(&p, &opts(dir.path(), ClientLock::None), replace_ab).unwrap();
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
        apply(&p, &opts(dir.path(), ClientLock::LockDir), replace_ab).unwrap();
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
        let r = apply(&p, &opts(dir.path(), ClientLock::None), replace_ab).unwrap();
        assert_eq!(r, Applied::AlreadyCurrent);
        assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
        assert!(!dir.path().join("backups").exists());
    }

    #[test]
    fn held_client_lock_means_busy_and_no_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".claude.json");
        fs::write(&p, "OLD").unwrap();
        let _held = DirLock::acquire(&p, Duration::from_secs(1)).unwrap();
        let err = apply(&p, &opts(dir.path(), ClientLock::LockDir), replace_ab).unwrap_err();
        assert!(err.is_busy(), "{err}");
        assert_eq!(fs::read_to_string(&p).unwrap(), "OLD");
    }

    #[test]
    fn a_write_between_read_and_rename_is_replanned() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        fs::write(&p, "x OLD").unwrap();
        let calls = std::cell::Cell::new(0);
        let r = apply(&p, &opts(dir.path(), ClientLock::None), |text| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                // another program writes while we plan
                fs::write(&p, "another program's OLD value").unwrap();
            }
            replace_ab(text)
        })
        .unwrap();
        assert!(matches!(r, Applied::Written { .. }));
        assert_eq!(calls.get(), 2);
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
        let err = apply(&p, &opts(dir.path(), ClientLock::None), replace_ab).unwrap_err();
        assert!(
            matches!(err, PatchError::NotUtf8 { offset: 7, .. }),
            "{err}"
        );
        assert_eq!(fs::read(&p).unwrap(), b"{\"a\": \"\xff OLD\"}");
    }

    #[test]
    fn preview_masks_and_materializes_splices() {
        let old = "{\"h\": \"Bearer figu_OLD_TOKEN_VALUE_1111\"}\n";
        let start = old.find("figu_").unwrap();
        let outcome = Outcome::Splice {
            range: start..start + "figu_OLD_TOKEN_VALUE_1111".len(),
            replacement: "figu_NEW_TOKEN_VALUE_2222".into(),
        };
        let p = preview("x.json", Some(old), &outcome, &[], false, Color::Never);
        assert!(p.contains("-{\"h\": \"Bearer figu_…1111\"}"), "{p}");
        assert!(p.contains("+{\"h\": \"Bearer figu_…2222\"}"), "{p}");
        assert!(!p.contains("OLD_TOKEN") && !p.contains("NEW_TOKEN"));
    }
}
