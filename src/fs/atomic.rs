//! Atomic replacement of a file: a temp file in the target's directory, created with the final
//! mode and owner, filled, fsynced, checked against the stamp that was read, renamed over the
//! target, and the directory fsynced. A temp file is removed on every failure; one left by a
//! killed run is removed by the next ([`remove_stale_temps`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

use tempfile::NamedTempFile;

use super::fault::fault_point;
use super::guard::{check_target, WriteEffects};
use super::{parent_dir, resolve_symlinks, FileStamp, FsError};

/// Options for [`write_atomic_with`].
#[derive(Debug, Clone)]
pub(crate) struct WriteOptions {
    /// Mode for a file that does not exist yet (an existing file keeps its own mode, but see
    /// `mode_rule`).
    pub new_file_mode: u32,
    /// When set, the write fails with [`FsError::Changed`] if the target's stamp differs from
    /// this just before the rename (`Some(None)` = the file must still not exist).
    pub expect: Option<Option<FileStamp>>,
    /// The target is a file another program owns and reads (an MCP client's config, a
    /// scheduler unit): refuse it when it, or its directory, belongs to another user than the
    /// one figma-auth runs for ([`super::acting_user`]), when the directory is writable by other
    /// users, or when the file is read-only (see [`check_target`]). A file created for another
    /// user (root running over that user's HOME) is given to that user.
    pub guarded: bool,
    /// What happens to the mode of an existing file.
    pub mode_rule: ModeRule,
}

/// What a write does to the permission bits of an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ModeRule {
    /// Keep them exactly.
    #[default]
    Keep,
    /// The file will hold a secret: drop group and other permissions (0644 → 0600).
    Private,
    /// The file will hold a secret, but the user asked to keep its mode (`--keep-mode`): keep
    /// it, and report a mode that lets other users read it.
    KeepLoose,
}

impl WriteOptions {
    pub(crate) fn new(new_file_mode: u32) -> Self {
        WriteOptions {
            new_file_mode,
            expect: None,
            guarded: false,
            mode_rule: ModeRule::Keep,
        }
    }

    pub(crate) fn expecting(mut self, stamp: Option<FileStamp>) -> Self {
        self.expect = Some(stamp);
        self
    }

    /// See [`WriteOptions::guarded`].
    pub(crate) fn guarded(mut self) -> Self {
        self.guarded = true;
        self
    }

    pub(crate) fn with_mode_rule(mut self, rule: ModeRule) -> Self {
        self.mode_rule = rule;
        self
    }
}

/// Atomically replaces `path` (through its symlinks) with `contents`.
pub(crate) fn write_atomic(
    path: &Path,
    contents: &[u8],
    new_file_mode: u32,
) -> Result<(), FsError> {
    write_atomic_with(path, &WriteOptions::new(new_file_mode), |f| {
        f.write_all(contents)
    })
    .map(|_| ())
}

/// Atomically replaces `path` with what `fill` writes into the temp file (see [`AtomicWrite`]).
/// On any failure the temp file is removed and the target is untouched. Returns what the write
/// did besides the content.
pub(crate) fn write_atomic_with(
    path: &Path,
    opts: &WriteOptions,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<WriteEffects, FsError> {
    let mut write = AtomicWrite::begin(path, opts)?;
    write.fill(fill)?;
    write.commit()
}

/// A replacement of one file under way: the temp file beside the target, removed when this is
/// dropped without [`AtomicWrite::commit`].
pub(crate) struct AtomicWrite {
    real: PathBuf,
    dir: PathBuf,
    tmp: NamedTempFile,
    expect: Option<Option<FileStamp>>,
    effects: WriteEffects,
}

impl AtomicWrite {
    /// Resolves `path`'s symlinks, checks a guarded write ([`check_target`]), and creates the
    /// temp file in the target's directory with the final mode (no chmod window for secrets)
    /// and owner.
    pub(crate) fn begin(path: &Path, opts: &WriteOptions) -> Result<Self, FsError> {
        let real = resolve_symlinks(path)?;
        let dir = parent_dir(&real);
        let existing = match fs::metadata(&real) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(FsError::io("cannot inspect", &real, e)),
        };
        let effects = check_target(&real, existing.as_ref(), opts)?;
        #[cfg(unix)]
        let mode = match (&existing, effects.tightened) {
            (_, Some((_, to))) => to,
            (Some(m), None) => m.permissions().mode() & 0o7777,
            (None, None) => opts.new_file_mode,
        };
        #[cfg(not(unix))]
        let mode = opts.new_file_mode;
        let tmp = create_temp(&dir, &real, mode)?;

        #[cfg(unix)]
        {
            // The umask may have removed bits the original file had: set the exact mode on the
            // still-private temp file (this only ever widens to the original's own permissions).
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(mode))
                .map_err(|e| FsError::io("cannot set the mode of", tmp.path(), e))?;
            let owner = match &existing {
                Some(m) => Some(super::Owner {
                    uid: m.uid(),
                    gid: m.gid(),
                }),
                // Root creating a file for another user (guarded): it is theirs.
                None if opts.guarded => Some(super::acting_user()),
                None => None,
            };
            if let Some(o) = owner {
                // Keep the owner when we can (running as root on another user's file); a normal
                // user's own files already have the right owner.
                if o.uid != super::guard::current_uid() || o.gid != super::guard::current_gid() {
                    let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(o.uid), Some(o.gid));
                }
            }
        }
        Ok(AtomicWrite {
            real,
            dir,
            tmp,
            expect: opts.expect.clone(),
            effects,
        })
    }

    /// The temp file, to write into before [`AtomicWrite::fill`] (a copy of the unchanged bytes
    /// made while the new content is planned: [`super::prefetch`]).
    pub(crate) fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// The file this replaces (symlinks resolved).
    pub(crate) fn target(&self) -> &Path {
        &self.real
    }

    /// Writes the new content (the `write` fault point first). Errors name the target: the temp
    /// file's name is an implementation detail.
    pub(crate) fn fill(
        &mut self,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<(), FsError> {
        fault_point("write", &self.real)
            .and_then(|()| fill(self.tmp.as_file_mut()))
            .map_err(|e| FsError::io("cannot write the new content of", &self.real, e))
    }

    /// Fsyncs the temp file, checks that nobody changed the target since it was read
    /// ([`WriteOptions::expect`]), renames the temp file over the target and fsyncs the
    /// directory.
    pub(crate) fn commit(self) -> Result<WriteEffects, FsError> {
        let AtomicWrite {
            real,
            dir,
            tmp,
            expect,
            effects,
        } = self;
        fault_point("fsync", &real)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| FsError::io("cannot sync the new content of", &real, e))?;

        fault_point("rename", &real).map_err(|e| FsError::io("cannot replace", &real, e))?;
        if let Some(expected) = &expect {
            let now = FileStamp::read(&real)?;
            if &now != expected {
                return Err(FsError::Changed { path: real });
            }
        }
        // On failure the temp file comes back in the error, and is removed when it is dropped.
        tmp.persist(&real)
            .map_err(|e| FsError::io("cannot replace", &real, e.error))?;
        // Like a failed directory fsync, an injected error here is ignored: the target is replaced.
        let _ = fault_point("dirsync", &real);
        sync_dir(&dir);
        Ok(effects)
    }
}

/// Checks that a file of `len` bytes can be written beside `target` now — the directory is
/// writable and the file system has room — by writing a temp file of that size and removing it.
/// For an operation whose result must not be lost (a refresh that rotates the refresh token):
/// a later write can still fail, but a read-only directory or a full disk is caught before.
pub(crate) fn check_writable(target: &Path, len: usize) -> Result<(), FsError> {
    let real = resolve_symlinks(target)?;
    let mut tmp = create_temp(&parent_dir(&real), &real, 0o600)?;
    tmp.as_file_mut()
        .write_all(&vec![0u8; len])
        .map_err(|e| FsError::io("cannot write a file beside", &real, e))
}

/// Copies `len` bytes starting at `offset` of `src` into `dst` (the kernel does the copy where it
/// can, e.g. `copy_file_range` on Linux).
pub(crate) fn copy_range(src: &File, offset: u64, len: u64, dst: &mut File) -> io::Result<()> {
    let mut src = src;
    src.seek(SeekFrom::Start(offset))?;
    let copied = io::copy(&mut src.take(len), dst)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file became shorter while it was copied",
        ));
    }
    Ok(())
}

/// Marks figma-auth's temp files: `.<name>.figma-auth-tmp.<pid>.<random>`.
pub(crate) const TEMP_MARK: &str = ".figma-auth-tmp.";

fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}{TEMP_MARK}")
}

/// A new temp file for `target` in `dir`, created with `mode` (`O_EXCL`, a fresh random name on
/// a collision), removed when dropped. The name carries our pid for [`remove_stale_temps`].
fn create_temp(dir: &Path, target: &Path, mode: u32) -> Result<NamedTempFile, FsError> {
    let prefix = format!("{}{}.", temp_prefix(target), std::process::id());
    tempfile::Builder::new()
        .prefix(&prefix)
        .rand_bytes(16)
        .make_in(dir, |path| {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            options.mode(mode);
            #[cfg(not(unix))]
            let _ = mode;
            options.open(path)
        })
        .map_err(|e| FsError::io("cannot create a temporary file in", dir, e))
}

/// Removes temp files that an interrupted figma-auth run left beside `target` (those whose
/// process is gone, or older than an hour where that cannot be told). Best effort.
pub(crate) fn remove_stale_temps(target: &Path) {
    let Ok(real) = resolve_symlinks(target) else {
        return;
    };
    let Some(dir) = real.parent() else { return };
    let prefix = temp_prefix(&real);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid: Option<u32> = rest.split('.').next().and_then(|p| p.parse().ok());
        let stale = match pid {
            Some(pid) if pid == std::process::id() => false,
            Some(pid) if Path::new("/proc/self").exists() => {
                !Path::new(&format!("/proc/{pid}")).exists()
            }
            _ => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600)),
        };
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::read_snapshot;

    #[cfg(unix)]
    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn new_file_gets_the_requested_mode_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"{}\n", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"{}\n");
        #[cfg(unix)]
        assert_eq!(mode_of(&p), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn existing_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(mode_of(&p), 0o640);
    }

    #[test]
    fn a_changed_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        fs::write(&p, "one").unwrap();
        let snap = read_snapshot(&p).unwrap();
        fs::write(&p, "someone else's longer write").unwrap();
        let err = write_atomic_with(
            &p,
            &WriteOptions::new(0o600).expecting(snap.meta.as_ref().map(crate::fs::FileStamp::of)),
            |f| f.write_all(b"ours"),
        )
        .unwrap_err();
        assert!(err.is_busy(), "{err}");
        assert_eq!(fs::read(&p).unwrap(), b"someone else's longer write");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp file left behind");
    }

    #[test]
    fn check_writable_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        check_writable(&p, 10_000).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let err = check_writable(&dir.path().join("missing/a.json"), 1).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn copy_range_copies_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::write(&src, b"0123456789").unwrap();
        let f = File::open(&src).unwrap();
        let dst = dir.path().join("dst");
        write_atomic_with(&dst, &WriteOptions::new(0o600), |out| {
            copy_range(&f, 2, 3, out)?;
            out.write_all(b"-")?;
            copy_range(&f, 8, 2, out)
        })
        .unwrap();
        assert_eq!(fs::read(&dst).unwrap(), b"234-89");
    }

    #[test]
    fn stale_temps_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("c.json");
        fs::write(&target, "x").unwrap();
        // pid 0 never names a live process in /proc
        let stale = dir.path().join(format!(".c.json{TEMP_MARK}0.abc"));
        fs::write(&stale, "partial").unwrap();
        let mine = dir
            .path()
            .join(format!(".c.json{TEMP_MARK}{}.abc", std::process::id()));
        fs::write(&mine, "in progress").unwrap();
        remove_stale_temps(&target);
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
        assert!(mine.exists());
    }
}
