//! File-system primitives that never lose a user's data: reading a file with the stamp that
//! detects another program's write, following symlinks, and creating directories with exact
//! modes. The atomic replacement, locks, backups, ownership checks and fault injection live in
//! the submodules and are re-exported here.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

mod atomic;
mod backup;
pub(crate) mod fault;
mod guard;
mod lock;
mod splice;

pub(crate) use atomic::{
    check_writable, copy_range, remove_stale_temps, write_atomic, write_atomic_with, ModeRule,
    WriteOptions,
};
pub(crate) use backup::backup_once;
#[cfg(unix)]
pub(crate) use guard::{acting_user, Owner};
pub(crate) use guard::{check_target, WriteEffects};
pub(crate) use lock::{lock_file, DirLock, FileLock, OwnedDirLock};
pub(crate) use splice::{prefetch, Prefetch};

#[cfg(unix)]
use guard::current_uid;

/// How many symlinks we follow before calling it a loop (the kernel's own limit).
const MAX_SYMLINKS: usize = 40;

/// The largest file figma-auth reads (a bound on the memory a config file can make it use; a
/// heavy `~/.claude.json` is tens of MB).
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 30;

/// A file-system failure, always naming the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// `source` is not part of the message: printers of the error chain add it (`main`'s
    /// "caused by:" lines, [`crate::error::chain`]).
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is a symlink loop (more than {MAX_SYMLINKS} links)")]
    SymlinkLoop { path: PathBuf },
    #[error("{path} is a dangling symlink: its target {target} does not exist")]
    DanglingSymlink { path: PathBuf, target: PathBuf },
    #[error("{path} changed on disk while figma-auth was editing it (another program wrote it)")]
    Changed { path: PathBuf },
    #[error("{path} is locked by another process (lock {lock}); gave up after {waited:?}")]
    Busy {
        path: PathBuf,
        lock: PathBuf,
        waited: Duration,
    },
    #[error(
        "{path} is {kind}, not a regular file; figma-auth reads and writes only regular files"
    )]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error(
        "{path} is too large ({len} bytes; figma-auth reads files up to {MAX_FILE_BYTES} bytes)"
    )]
    TooLarge { path: PathBuf, len: u64 },
    #[error(
        "{path} belongs to {owner}, not to {user}: figma-auth does not write into {what} another \
         user owns (they could read what it holds, or replace it); run figma-auth as its owner, \
         or make it yours with `chown`"
    )]
    NotOwned {
        path: PathBuf,
        /// `a file` or `a directory`.
        what: &'static str,
        owner: String,
        user: String,
    },
    #[error(
        "{dir} is writable by other users (mode {mode:04o}): a file in it could be replaced or \
         read by them, so figma-auth does not write there; keep the config in a private \
         directory (`chmod go-w` it if it is yours and need not be shared)"
    )]
    SharedDir { dir: PathBuf, mode: u32 },
    #[error(
        "{path} is read-only (mode {mode:04o}); figma-auth does not replace a read-only file — \
         make it writable (`chmod u+w`) to let figma-auth update it"
    )]
    ReadOnly { path: PathBuf, mode: u32 },
}

impl FsError {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        FsError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True for errors that mean "someone else is busy with this file; try again shortly".
    pub fn is_busy(&self) -> bool {
        matches!(self, FsError::Busy { .. } | FsError::Changed { .. })
    }
}

/// Follows a chain of symlinks to the final path. Relative link targets are resolved against the
/// directory of the link (never the working directory). A path that does not exist and is not a
/// link is returned as it is (a file about to be created); a link whose final target is missing
/// is an error, as is a loop.
pub(crate) fn resolve_symlinks(path: &Path) -> Result<PathBuf, FsError> {
    let mut current = absolute(path)?;
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)
                    .map_err(|e| FsError::io("cannot read the symlink", &current, e))?;
                let parent = current.parent().unwrap_or(Path::new("/"));
                let next = parent.join(&target);
                if fs::symlink_metadata(&next).is_err() {
                    return Err(FsError::DanglingSymlink {
                        path: path.to_path_buf(),
                        target: next,
                    });
                }
                current = next;
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(FsError::io("cannot inspect", &current, e)),
        }
    }
    Err(FsError::SymlinkLoop {
        path: path.to_path_buf(),
    })
}

fn absolute(path: &Path) -> Result<PathBuf, FsError> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        std::path::absolute(path).map_err(|e| FsError::io("cannot resolve", path, e))
    }
}

/// What we saw of a file when we read it, to detect another program's write before we replace it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
    #[cfg(unix)]
    pub ino: u64,
    #[cfg(unix)]
    pub dev: u64,
}

impl FileStamp {
    pub(crate) fn of(meta: &fs::Metadata) -> Self {
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            ino: meta.ino(),
            #[cfg(unix)]
            dev: meta.dev(),
        }
    }

    /// The stamp of the file at `path` now, or `None` if it does not exist.
    pub(crate) fn read(path: &Path) -> Result<Option<Self>, FsError> {
        match fs::metadata(path) {
            Ok(m) => Ok(Some(Self::of(&m))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FsError::io("cannot inspect", path, e)),
        }
    }
}

/// Files at least this large are mapped into memory rather than read: no copy, no page faults
/// on fresh memory — a heavy `~/.claude.json` is tens of MB and is read inside Claude's lock.
pub(crate) const MAP_MIN: u64 = 4 << 20;

/// A file's contents: read into memory, or mapped (large files).
///
/// A mapping is only ever read. figma-auth never writes a file in place (it replaces files by
/// rename, and so does Claude Code), so the mapped bytes stay those of the inode that was opened;
/// should another program truncate that inode in place while we read it, the process is killed
/// before anything was renamed: the target is untouched and the next run removes the temp file.
pub(crate) enum Contents {
    Heap(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Heap(v) => v,
            Contents::Mapped(m) => m,
        }
    }
}

impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Contents({} bytes)", self.len())
    }
}

/// A file's bytes as read, with the stamp taken from the same open file.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// The real path (symlinks resolved).
    pub path: PathBuf,
    /// `None` when the file does not exist.
    pub bytes: Option<Contents>,
    /// The metadata of the open file (`None` when it does not exist).
    pub meta: Option<fs::Metadata>,
}

/// Reads a file through its symlinks, remembering its stamp.
pub(crate) fn read_snapshot(path: &Path) -> Result<Snapshot, FsError> {
    read_snapshot_with_handle(path).map(|(snap, _)| snap)
}

/// Like [`read_snapshot`], also returning the open file, so that unchanged ranges can later be
/// copied from exactly the bytes that were read.
///
/// Anything but a regular file (a FIFO, a socket, a device, a directory) is refused before it is
/// opened, and the open itself does not block (`O_NONBLOCK`), so a FIFO swapped in after the
/// check cannot hang the process either; the open file is checked again.
pub(crate) fn read_snapshot_with_handle(path: &Path) -> Result<(Snapshot, Option<File>), FsError> {
    let opened = open_snapshot(path)?;
    let snap = opened.read()?;
    Ok((snap, opened.file.map(|(f, _)| f)))
}

/// A file opened for a [`Snapshot`] (symlinks resolved, checked, its stamp taken), before its
/// bytes are read: a large file's unchanged bytes can be copied from it meanwhile.
#[derive(Debug)]
pub(crate) struct Opened {
    path: PathBuf,
    /// `None` when the file does not exist.
    file: Option<(File, fs::Metadata)>,
}

/// Opens `path` for [`Opened::read`] with the checks of [`read_snapshot_with_handle`].
pub(crate) fn open_snapshot(path: &Path) -> Result<Opened, FsError> {
    let real = resolve_symlinks(path)?;
    let missing = |real: PathBuf| {
        Ok(Opened {
            path: real,
            file: None,
        })
    };
    match fs::metadata(&real) {
        Ok(m) if !m.is_file() => {
            return Err(FsError::NotAFile {
                kind: file_kind(&m),
                path: real,
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return missing(real),
        Err(e) => return Err(FsError::io("cannot inspect", &real, e)),
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    let file = match options.open(&real) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return missing(real),
        Err(e) => return Err(FsError::io("cannot open", &real, e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| FsError::io("cannot inspect", &real, e))?;
    if !meta.is_file() {
        return Err(FsError::NotAFile {
            kind: file_kind(&meta),
            path: real,
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FsError::TooLarge {
            path: real,
            len: meta.len(),
        });
    }
    Ok(Opened {
        path: real,
        file: Some((file, meta)),
    })
}

impl Opened {
    /// The real path (symlinks resolved).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file (`None` when it does not exist).
    pub(crate) fn file(&self) -> Option<&File> {
        self.file.as_ref().map(|(f, _)| f)
    }

    /// The stamp taken from the open file (`None` when it does not exist).
    pub(crate) fn stamp(&self) -> Option<FileStamp> {
        self.file.as_ref().map(|(_, m)| FileStamp::of(m))
    }

    /// Its length when it was opened (0 when it does not exist).
    pub(crate) fn len(&self) -> u64 {
        self.file.as_ref().map_or(0, |(_, m)| m.len())
    }

    /// Reads the file's bytes: mapped when it is large, else read into memory.
    pub(crate) fn read(&self) -> Result<Snapshot, FsError> {
        let Some((file, meta)) = &self.file else {
            return Ok(Snapshot {
                path: self.path.clone(),
                bytes: None,
                meta: None,
            });
        };
        let bytes = if meta.len() >= MAP_MIN {
            // SAFETY: the mapping is read-only and private to this process; see `Contents`.
            #[allow(unsafe_code)]
            let map = unsafe { memmap2::MmapOptions::new().populate().map(file) }
                .map_err(|e| FsError::io("cannot read", &self.path, e))?;
            Contents::Mapped(map)
        } else {
            let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
            let mut file = file;
            file.read_to_end(&mut bytes)
                .map_err(|e| FsError::io("cannot read", &self.path, e))?;
            Contents::Heap(bytes)
        };
        Ok(Snapshot {
            path: self.path.clone(),
            bytes: Some(bytes),
            meta: Some(meta.clone()),
        })
    }
}

/// What kind of file `meta` describes, for messages: "a FIFO (named pipe)", "a directory", ...
pub(crate) fn file_kind(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symlink"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

pub(crate) fn parent_dir(real: &Path) -> PathBuf {
    real.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Creates `path` (and missing parents) as a private directory: mode 0700 whatever the umask.
/// An existing directory is left as it is.
pub(crate) fn create_private_dir(path: &Path) -> Result<(), FsError> {
    create_dirs(path, 0o700)
}

/// Creates `path` and its missing parents, each with exactly `mode` whatever the umask (under
/// umask 000 a plain `create_dir_all` makes them world-writable). Directories that exist are
/// left as they are. When root runs for another user ([`acting_user`]), the directories it
/// creates are given to that user.
pub(crate) fn create_dirs(path: &Path, mode: u32) -> Result<(), FsError> {
    if path.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut cur = Some(path);
    while let Some(p) = cur {
        if p.as_os_str().is_empty() || p.is_dir() {
            break;
        }
        missing.push(p);
        cur = p.parent();
    }
    for dir in missing.into_iter().rev() {
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(mode);
        }
        match builder.create(dir) {
            Ok(()) => {}
            // Created meanwhile by someone else: not ours to change.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => continue,
            Err(e) => return Err(FsError::io("cannot create the directory", dir, e)),
        }
        #[cfg(unix)]
        {
            // The umask can only have removed bits; set exactly `mode`.
            fs::set_permissions(dir, fs::Permissions::from_mode(mode))
                .map_err(|e| FsError::io("cannot set the mode of", dir, e))?;
            let me = acting_user();
            if me.uid != current_uid() {
                let _ = std::os::unix::fs::chown(dir, Some(me.uid), Some(me.gid));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg_attr(not(unix), allow(unused_imports))]
    use super::*;

    #[cfg(unix)]
    #[test]
    fn symlink_chain_writes_the_final_target_and_keeps_links() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("real")).unwrap();
        fs::write(d.join("real/config.json"), "old").unwrap();
        // relative link to a relative link
        std::os::unix::fs::symlink("real/config.json", d.join("link1")).unwrap();
        std::os::unix::fs::symlink("link1", d.join("link2")).unwrap();
        write_atomic(&d.join("link2"), b"new", 0o600).unwrap();
        assert_eq!(fs::read(d.join("real/config.json")).unwrap(), b"new");
        assert!(fs::symlink_metadata(d.join("link1"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::symlink_metadata(d.join("link2"))
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_dangling_links_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::os::unix::fs::symlink("b", d.join("a")).unwrap();
        std::os::unix::fs::symlink("a", d.join("b")).unwrap();
        assert!(matches!(
            write_atomic(&d.join("a"), b"x", 0o600),
            Err(FsError::SymlinkLoop { .. })
        ));
        std::os::unix::fs::symlink("missing", d.join("dangling")).unwrap();
        assert!(matches!(
            write_atomic(&d.join("dangling"), b"x", 0o600),
            Err(FsError::DanglingSymlink { .. })
        ));
        assert!(!d.join("missing").exists());
    }
}
