//! The two locks figma-auth takes: an advisory `flock` on a lock file between figma-auth
//! processes, and the lock directory Claude Code (proper-lockfile) uses for `~/.claude.json`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

use super::FsError;

/// An exclusive advisory lock on a lock file (`flock`), released on drop. Used to serialise
/// figma-auth processes (refreshes, config updates).
#[derive(Debug)]
pub(crate) struct FileLock {
    _file: File,
}

/// Takes an exclusive lock on `path` (created 0600 if missing), waiting up to `timeout`.
pub(crate) fn lock_file(path: &Path, timeout: Duration) -> Result<FileLock, FsError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options
        .open(path)
        .map_err(|e| FsError::io("cannot open the lock file", path, e))?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => {
                if start.elapsed() >= timeout {
                    return Err(FsError::Busy {
                        path: path.to_path_buf(),
                        lock: path.to_path_buf(),
                        waited: start.elapsed(),
                    });
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(FsError::io("cannot lock", path, e));
            }
        }
    }
}

/// A lock directory held the way Claude Code (proper-lockfile) holds `~/.claude.json.lock`:
/// `mkdir` succeeds for one process; a lock older than [`DirLock::STALE`] is considered abandoned
/// and taken over. Removed on drop.
#[derive(Debug)]
pub(crate) struct DirLock {
    path: PathBuf,
}

impl DirLock {
    /// Claude Code treats a lock whose mtime is older than this as stale.
    pub(crate) const STALE: Duration = Duration::from_secs(10);

    /// The lock directory for `file`: `<file>.lock` beside it.
    pub(crate) fn path_for(file: &Path) -> PathBuf {
        let mut name = file.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the lock for `file`, waiting up to `timeout`.
    pub(crate) fn acquire(file: &Path, timeout: Duration) -> Result<DirLock, FsError> {
        let path = Self::path_for(file);
        let start = Instant::now();
        loop {
            #[cfg_attr(not(unix), allow(unused_mut))]
            let mut builder = fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            match builder.create(&path) {
                Ok(()) => return Ok(DirLock { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Self::STALE);
                    if stale {
                        // proper-lockfile removes a stale lock and tries again at once.
                        let _ = fs::remove_dir(&path);
                        continue;
                    }
                    if start.elapsed() >= timeout {
                        return Err(FsError::Busy {
                            path: file.to_path_buf(),
                            lock: path,
                            waited: start.elapsed(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(FsError::io("cannot create the lock directory", &path, e)),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_lock_excludes_and_releases() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".claude.json");
        let lock = DirLock::acquire(&file, Duration::from_secs(1)).unwrap();
        assert!(dir.path().join(".claude.json.lock").is_dir());
        let err = DirLock::acquire(&file, Duration::from_millis(50)).unwrap_err();
        assert!(err.is_busy());
        drop(lock);
        assert!(!dir.path().join(".claude.json.lock").exists());
        DirLock::acquire(&file, Duration::from_millis(50)).unwrap();
    }

    #[test]
    fn file_lock_excludes_within_a_process_too() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.lock");
        let held = lock_file(&p, Duration::from_secs(1)).unwrap();
        assert!(lock_file(&p, Duration::from_millis(60))
            .unwrap_err()
            .is_busy());
        drop(held);
        lock_file(&p, Duration::from_millis(60)).unwrap();
    }
}
