//! The locks figma-auth takes: an advisory `flock` on a lock file between figma-auth processes,
//! the lock directory Claude Code (proper-lockfile) uses for `~/.claude.json`, and the one Cline
//! puts in place by a rename for its MCP settings file.

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
                    if older_than(&path, Self::STALE) {
                        // proper-lockfile removes a stale lock and tries again at once.
                        let _ = fs::remove_dir(&path);
                        continue;
                    }
                    wait_or_give_up(file, &path, start, timeout, Duration::from_millis(20))?;
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

/// A lock directory held the way Cline holds `cline_mcp_settings.json.lock`: a directory holding
/// an owner file is prepared beside it and renamed into place, so the lock is never an empty
/// directory (another client's rename onto it fails, a `mkdir` fails because it exists); a lock
/// older than [`OwnedDirLock::STALE`] is moved aside and removed. Removed on drop.
#[derive(Debug)]
pub(crate) struct OwnedDirLock {
    path: PathBuf,
    owner: PathBuf,
}

impl OwnedDirLock {
    /// Cline reclaims a lock directory whose mtime is older than this.
    pub(crate) const STALE: Duration = Duration::from_secs(10);

    /// Takes the lock for `file` (`<file>.lock`), waiting up to `timeout`.
    pub(crate) fn acquire(file: &Path, timeout: Duration) -> Result<OwnedDirLock, FsError> {
        let path = DirLock::path_for(file);
        let token = lock_token();
        let with = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{suffix}.{token}"));
            PathBuf::from(name)
        };
        let (tmp, owner_name) = (with("tmp"), format!("owner.{token}"));
        let start = Instant::now();
        loop {
            let _ = fs::remove_dir_all(&tmp);
            let prepared = create_private_dir(&tmp).and_then(|()| {
                let mut o = OpenOptions::new();
                o.write(true).create_new(true);
                #[cfg(unix)]
                o.mode(0o600);
                io::Write::write_all(&mut o.open(tmp.join(&owner_name))?, token.as_bytes())
            });
            if let Err(e) = prepared {
                let _ = fs::remove_dir_all(&tmp);
                return Err(FsError::io("cannot prepare the lock directory", &tmp, e));
            }
            match fs::rename(&tmp, &path) {
                Ok(()) => {
                    return Ok(OwnedDirLock {
                        owner: path.join(&owner_name),
                        path,
                    })
                }
                Err(_) if path.exists() => {
                    let _ = fs::remove_dir_all(&tmp);
                    if older_than(&path, Self::STALE) {
                        // As Cline reclaims one: out of the way first, so that two reclaimers
                        // never remove a fresh lock.
                        let aside = with("stale");
                        if fs::rename(&path, &aside).is_ok() {
                            let _ = fs::remove_dir_all(&aside);
                            continue;
                        }
                    }
                    wait_or_give_up(file, &path, start, timeout, Duration::from_millis(25))?;
                }
                Err(e) => {
                    let _ = fs::remove_dir_all(&tmp);
                    return Err(FsError::io("cannot create the lock directory", &path, e));
                }
            }
        }
    }
}

impl Drop for OwnedDirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.owner);
        let _ = fs::remove_dir(&self.path);
    }
}

/// The lock directory at `path` was last modified more than `age` ago.
fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|a| a > age)
}

/// Sleeps `pause` before the next try at the lock `lock` of `file`, or gives up once `timeout`
/// has passed since `start`.
fn wait_or_give_up(
    file: &Path,
    lock: &Path,
    start: Instant,
    timeout: Duration,
    pause: Duration,
) -> Result<(), FsError> {
    if start.elapsed() >= timeout {
        return Err(FsError::Busy {
            path: file.to_path_buf(),
            lock: lock.to_path_buf(),
            waited: start.elapsed(),
        });
    }
    std::thread::sleep(pause);
    Ok(())
}

fn create_private_dir(path: &Path) -> io::Result<()> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// `<pid>.<milliseconds>.<counter>`: unique among the processes and threads taking a lock.
fn lock_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!(
        "{}.{ms}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
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

    /// What Cline does to take its lock: a directory with an owner file renamed into place.
    fn cline_takes(file: &Path) -> io::Result<PathBuf> {
        let lock = DirLock::path_for(file);
        let tmp = lock.with_extension("lock.tmp.1.2.x");
        fs::create_dir_all(&tmp)?;
        fs::write(tmp.join("owner.1.2.x"), "1.2.x")?;
        let r = fs::rename(&tmp, &lock);
        let _ = fs::remove_dir_all(&tmp);
        r.map(|()| lock)
    }

    #[test]
    fn owned_dir_lock_excludes_cline_and_cline_excludes_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cline_mcp_settings.json");
        let lock = OwnedDirLock::acquire(&file, Duration::from_secs(1)).unwrap();
        let held = dir.path().join("cline_mcp_settings.json.lock");
        assert_eq!(
            fs::read_dir(&held).unwrap().count(),
            1,
            "an owner file inside"
        );
        // Cline's rename onto a lock that is not empty fails: it waits.
        assert!(cline_takes(&file).is_err());
        let err = OwnedDirLock::acquire(&file, Duration::from_millis(60)).unwrap_err();
        assert!(err.is_busy());
        drop(lock);
        assert!(!held.exists());
        // Held by Cline: figma-auth waits, then gives up.
        cline_takes(&file).unwrap();
        assert!(OwnedDirLock::acquire(&file, Duration::from_millis(60))
            .unwrap_err()
            .is_busy());
        // Released by Cline: taken.
        fs::remove_dir_all(&held).unwrap();
        drop(OwnedDirLock::acquire(&file, Duration::from_millis(60)).unwrap());
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "nothing left behind: {left:?}");
    }

    #[test]
    fn a_stale_owned_dir_lock_is_reclaimed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cline_mcp_settings.json");
        let held = cline_takes(&file).unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(60);
        File::open(&held).unwrap().set_modified(old).unwrap();
        drop(OwnedDirLock::acquire(&file, Duration::from_millis(200)).unwrap());
        assert!(!held.exists());
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
