//! File-system primitives that never lose a user's data: atomic replacement (temp file in the same
//! directory, fsync, rename, directory fsync) that keeps mode and owner and writes through
//! symlinks, change detection between read and write, backups, and the two kinds of lock we take.
//!
//! # Fault injection (debug builds only)
//!
//! Tests make a write fail, or kill the process, at a chosen step with the environment variable
//! `FIGMA_AUTH_FAULT`, a comma-separated list of rules `<step>:<action>[@<file>][#<n>]`:
//!
//! - `<step>`, in the order a write goes through them:
//!   - `backup`: before the backup copy of a config file is made ([`backup_once`]; `<file>` is
//!     matched against the file being backed up);
//!   - `write`: the temp file exists (empty), before its content is written;
//!   - `fsync`: the content is written, before the temp file is fsynced;
//!   - `rename`: the temp file is fsynced, before the target is checked for another program's
//!     write and the temp file renamed over it;
//!   - `dirsync`: the target is replaced, before the directory is fsynced (an error here is
//!     ignored, as a real directory-fsync error is: only `abort` and `touch` matter).
//!
//!   Every atomic write goes through `write`, `fsync`, `rename` and `dirsync`: config files, the
//!   credential store (`default.json`), backups (`*.orig`), token files, scheduler units.
//! - `<action>`: `fail` (an I/O error "injected fault"), `enospc` (the OS error ENOSPC, "No space
//!   left on device"), `eio` (the OS error EIO), `abort` (the process is killed by SIGABRT: no
//!   cleanup runs, as after a crash or `kill -9`), or `touch` (another program writes the target
//!   at that moment: a newline is appended to it; the write then goes on).
//! - `@<file>`: only writes whose target's file name is `<file>` (`@.claude.json`,
//!   `@default.json`), or ends with `<suffix>` for `@*<suffix>` (`@*.orig`: backups). Without it,
//!   every write.
//! - `#<n>`: only the n-th matching step of the process (1-based); without it, every one.
//!
//! Examples: `rename:abort@.claude.json`, `write:enospc@default.json`, `rename:touch@mcp.json#1`.
//! Errors name the target's path, as real ones do. Release builds compile the hook to nothing.
//! The same variable also carries [`crate::fault`]'s `<point>:panic`; rules for other steps are
//! ignored here.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

/// How many symlinks we follow before calling it a loop (the kernel's own limit).
const MAX_SYMLINKS: usize = 40;

/// The largest file figma-auth reads (a bound on the memory a config file can make it use; a
/// heavy `~/.claude.json` is tens of MB).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// A file-system failure, always naming the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("{action} {path}: {source}")]
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
pub fn resolve_symlinks(path: &Path) -> Result<PathBuf, FsError> {
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
pub struct FileStamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
    #[cfg(unix)]
    pub ino: u64,
    #[cfg(unix)]
    pub dev: u64,
}

impl FileStamp {
    pub fn of(meta: &fs::Metadata) -> Self {
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
    pub fn read(path: &Path) -> Result<Option<Self>, FsError> {
        match fs::metadata(path) {
            Ok(m) => Ok(Some(Self::of(&m))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FsError::io("cannot inspect", path, e)),
        }
    }
}

/// Files at least this large are mapped into memory rather than read: no copy, no page faults
/// on fresh memory — a heavy `~/.claude.json` is tens of MB and is read inside Claude's lock.
pub const MAP_MIN: u64 = 4 << 20;

/// A file's contents: read into memory, or mapped (large files).
///
/// A mapping is only ever read. figma-auth never writes a file in place (it replaces files by
/// rename, and so does Claude Code), so the mapped bytes stay those of the inode that was opened;
/// should another program truncate that inode in place while we read it, the process is killed
/// before anything was renamed: the target is untouched and the next run removes the temp file.
pub enum Contents {
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
pub struct Snapshot {
    /// The real path (symlinks resolved).
    pub path: PathBuf,
    /// `None` when the file does not exist.
    pub bytes: Option<Contents>,
    pub stamp: Option<FileStamp>,
    /// The metadata of the open file (`None` when it does not exist).
    pub meta: Option<fs::Metadata>,
}

/// Reads a file through its symlinks, remembering its stamp.
pub fn read_snapshot(path: &Path) -> Result<Snapshot, FsError> {
    read_snapshot_with_handle(path).map(|(snap, _)| snap)
}

/// Like [`read_snapshot`], also returning the open file, so that unchanged ranges can later be
/// copied from exactly the bytes that were read.
///
/// Anything but a regular file (a FIFO, a socket, a device, a directory) is refused before it is
/// opened, and the open itself does not block (`O_NONBLOCK`), so a FIFO swapped in after the
/// check cannot hang the process either; the open file is checked again.
pub fn read_snapshot_with_handle(path: &Path) -> Result<(Snapshot, Option<File>), FsError> {
    let real = resolve_symlinks(path)?;
    let missing = |real: PathBuf| {
        Ok((
            Snapshot {
                path: real,
                bytes: None,
                stamp: None,
                meta: None,
            },
            None,
        ))
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
    let mut file = match options.open(&real) {
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
    let bytes = if meta.len() >= MAP_MIN {
        // SAFETY: the mapping is read-only and private to this process; see `Contents`.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .map_err(|e| FsError::io("cannot read", &real, e))?;
        Contents::Mapped(map)
    } else {
        let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
        file.read_to_end(&mut bytes)
            .map_err(|e| FsError::io("cannot read", &real, e))?;
        Contents::Heap(bytes)
    };
    Ok((
        Snapshot {
            path: real,
            bytes: Some(bytes),
            stamp: Some(FileStamp::of(&meta)),
            meta: Some(meta),
        },
        Some(file),
    ))
}

/// What kind of file `meta` describes, for messages: "a FIFO (named pipe)", "a directory", ...
pub fn file_kind(meta: &fs::Metadata) -> &'static str {
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

/// Options for [`write_atomic_with`].
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Mode for a file that does not exist yet (an existing file keeps its own mode, but see
    /// `mode_rule`).
    pub new_file_mode: u32,
    /// When set, the write fails with [`FsError::Changed`] if the target's stamp differs from
    /// this just before the rename (`Some(None)` = the file must still not exist).
    pub expect: Option<Option<FileStamp>>,
    /// The target is a file another program owns and reads (an MCP client's config, a
    /// scheduler unit): refuse it when it, or its directory, belongs to another user than the
    /// one figma-auth runs for ([`acting_user`]), when the directory is writable by other users,
    /// or when the file is read-only (see [`check_target`]). A file created for another user
    /// (root running over that user's HOME) is given to that user.
    pub guarded: bool,
    /// What happens to the mode of an existing file.
    pub mode_rule: ModeRule,
}

/// What a write does to the permission bits of an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModeRule {
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
    pub fn new(new_file_mode: u32) -> Self {
        WriteOptions {
            new_file_mode,
            expect: None,
            guarded: false,
            mode_rule: ModeRule::Keep,
        }
    }

    pub fn expecting(mut self, stamp: Option<FileStamp>) -> Self {
        self.expect = Some(stamp);
        self
    }

    /// See [`WriteOptions::guarded`].
    pub fn guarded(mut self) -> Self {
        self.guarded = true;
        self
    }

    pub fn with_mode_rule(mut self, rule: ModeRule) -> Self {
        self.mode_rule = rule;
        self
    }
}

/// What a write does besides replacing the content, worth telling the user (in the preview and
/// after the write).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteEffects {
    /// The file's mode goes from the first to the second value ([`ModeRule::Private`]).
    pub tightened: Option<(u32, u32)>,
    /// The file will hold a secret and keeps a mode that lets other users read it
    /// ([`ModeRule::KeepLoose`]).
    pub kept_loose: Option<u32>,
    /// The file has this many names (hard links, more than one): the rename gives the new
    /// content to this name only; the others keep the old content.
    pub hard_links: Option<u64>,
}

impl WriteEffects {
    /// One line per effect, for reports: `mode 0644 → 0600: …`, `2 hard links: …`.
    pub fn notes(&self, done: bool) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((from, to)) = self.tightened {
            out.push(if done {
                format!("mode {from:04o} → {to:04o}: other users could read the token in it")
            } else {
                format!(
                    "mode {from:04o} → {to:04o}: other users could read the token in it \
                     (--keep-mode keeps {from:04o})"
                )
            });
        }
        if let Some(mode) = self.kept_loose {
            out.push(format!(
                "warning: mode {mode:04o} lets other users read the token in it (kept: --keep-mode)"
            ));
        }
        if let Some(n) = self.hard_links {
            let others = n - 1;
            out.push(format!(
                "note: the file has {n} hard links; the write replaces this name only, the other \
                 {others} keep{} the old content",
                if others == 1 { "s" } else { "" }
            ));
        }
        out
    }
}

/// The user figma-auth runs for: its effective user, or — when it runs as root with a HOME that
/// belongs to another user (`sudo` keeping HOME, a container over a mounted home) — the owner of
/// that HOME. Guarded writes refuse files and directories of anyone else, so root never follows
/// that user's symlinks into files the user does not own.
#[cfg(unix)]
pub fn acting_user() -> Owner {
    static ACTING: std::sync::OnceLock<Owner> = std::sync::OnceLock::new();
    *ACTING.get_or_init(|| {
        let me = Owner {
            uid: current_uid(),
            gid: current_gid(),
        };
        if me.uid != 0 {
            return me;
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .and_then(|h| fs::metadata(h).ok())
            .filter(|m| m.is_dir() && m.uid() != 0)
            .map(|m| Owner {
                uid: m.uid(),
                gid: m.gid(),
            })
            .unwrap_or(me)
    })
}

/// A user and their primary group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// `alice (uid 1000)`, or `uid 1000` when the name is not in `/etc/passwd`.
#[cfg(unix)]
fn user_label(uid: u32) -> String {
    let name = fs::read_to_string("/etc/passwd").ok().and_then(|t| {
        t.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id: u32 = f.nth(1)?.parse().ok()?;
            (id == uid && !name.is_empty()).then(|| name.to_string())
        })
    });
    match name {
        Some(n) => format!("{n} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}

/// Checks a guarded write of `real` (symlinks already resolved; `existing` is its metadata when
/// it exists) and says what the write will do besides replacing the content. Shared by the
/// preview (which shows the refusal or the effects) and [`write_atomic_with`] (which checks
/// again just before it writes). Costs a `stat` of the directory, never a read.
pub fn check_target(
    real: &Path,
    existing: Option<&fs::Metadata>,
    opts: &WriteOptions,
) -> Result<WriteEffects, FsError> {
    let mut effects = WriteEffects::default();
    #[cfg(unix)]
    {
        if let Some(m) = existing {
            if !m.is_file() {
                return Err(FsError::NotAFile {
                    path: real.to_path_buf(),
                    kind: file_kind(m),
                });
            }
        }
        if opts.guarded {
            let me = acting_user();
            if let Some(m) = existing {
                if m.uid() != me.uid {
                    return Err(FsError::NotOwned {
                        path: real.to_path_buf(),
                        what: "a file",
                        owner: user_label(m.uid()),
                        user: acting_label(me),
                    });
                }
                let mode = m.permissions().mode() & 0o7777;
                if mode & 0o200 == 0 {
                    return Err(FsError::ReadOnly {
                        path: real.to_path_buf(),
                        mode,
                    });
                }
            }
            let dir = parent_dir(real);
            // A missing directory is created by the caller; an unreadable one fails later.
            if let Ok(d) = fs::metadata(&dir) {
                if d.uid() != me.uid {
                    return Err(FsError::NotOwned {
                        path: dir,
                        what: "a directory",
                        owner: user_label(d.uid()),
                        user: acting_label(me),
                    });
                }
                let mode = d.permissions().mode() & 0o7777;
                // World-writable (sticky or not: /tmp), or writable by a group that is not the
                // user's own.
                if mode & 0o002 != 0 || (mode & 0o020 != 0 && d.gid() != me.gid) {
                    return Err(FsError::SharedDir { dir, mode });
                }
            }
        }
        if let Some(m) = existing {
            let mode = m.permissions().mode() & 0o7777;
            if mode & 0o077 != 0 {
                match opts.mode_rule {
                    ModeRule::Keep => {}
                    ModeRule::Private => effects.tightened = Some((mode, mode & !0o077)),
                    ModeRule::KeepLoose => effects.kept_loose = Some(mode),
                }
            }
            if m.nlink() > 1 {
                effects.hard_links = Some(m.nlink());
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (real, existing, opts);
    Ok(effects)
}

/// `you (uid 1000)` style label of the acting user, saying when root acts for HOME's owner.
#[cfg(unix)]
fn acting_label(me: Owner) -> String {
    if current_uid() == 0 && me.uid != 0 {
        format!(
            "{}, the owner of HOME whom figma-auth runs for as root",
            user_label(me.uid)
        )
    } else {
        format!("you ({})", user_label(me.uid))
    }
}

fn parent_dir(real: &Path) -> PathBuf {
    real.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Atomically replaces `path` (through its symlinks) with `contents`.
pub fn write_atomic(path: &Path, contents: &[u8], new_file_mode: u32) -> Result<(), FsError> {
    write_atomic_with(path, &WriteOptions::new(new_file_mode), |f| {
        f.write_all(contents)
    })
    .map(|_| ())
}

/// Atomically replaces `path` with what `fill` writes into the temp file: the temp file is
/// created in the target's directory with the final mode (no chmod window for secrets), filled,
/// fsynced, checked against `opts.expect`, renamed over the target, and the directory fsynced.
/// On any failure the temp file is removed and the target is untouched. A guarded write is
/// checked by [`check_target`] first; returns what the write did besides the content.
pub fn write_atomic_with(
    path: &Path,
    opts: &WriteOptions,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<WriteEffects, FsError> {
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

    let (mut tmp, tmp_path) = create_temp(&dir, &real, {
        #[cfg(unix)]
        {
            mode
        }
        #[cfg(not(unix))]
        {
            opts.new_file_mode
        }
    })?;
    let cleanup = TempGuard(Some(tmp_path.clone()));

    // The umask may have removed bits the original file had: set the exact mode on the
    // still-private temp file (this only ever widens to the original's own permissions).
    #[cfg(unix)]
    {
        tmp.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| FsError::io("cannot set the mode of", &tmp_path, e))?;
        let owner = match &existing {
            Some(m) => Some(Owner {
                uid: m.uid(),
                gid: m.gid(),
            }),
            // Root creating a file for another user (guarded): it is theirs.
            None if opts.guarded => Some(acting_user()),
            None => None,
        };
        if let Some(o) = owner {
            // Keep the owner when we can (running as root on another user's file); a normal
            // user's own files already have the right owner.
            if o.uid != current_uid() || o.gid != current_gid() {
                let _ = std::os::unix::fs::fchown(&tmp, Some(o.uid), Some(o.gid));
            }
        }
    }

    // Errors name the target (the temp file's name is an implementation detail).
    fault_point("write", &real)
        .and_then(|()| fill(&mut tmp))
        .map_err(|e| FsError::io("cannot write the new content of", &real, e))?;
    fault_point("fsync", &real)
        .and_then(|()| tmp.sync_all())
        .map_err(|e| FsError::io("cannot sync the new content of", &real, e))?;
    drop(tmp);

    fault_point("rename", &real).map_err(|e| FsError::io("cannot replace", &real, e))?;
    if let Some(expected) = &opts.expect {
        let now = FileStamp::read(&real)?;
        if &now != expected {
            return Err(FsError::Changed { path: real });
        }
    }
    fs::rename(&tmp_path, &real).map_err(|e| FsError::io("cannot replace", &real, e))?;
    cleanup.disarm();
    // Like a failed directory fsync, an injected error here is ignored: the target is replaced.
    let _ = fault_point("dirsync", &real);
    sync_dir(&dir);
    Ok(effects)
}

/// Checks that a file of `len` bytes can be written beside `target` now — the directory is
/// writable and the file system has room — by writing a temp file of that size and removing it.
/// For an operation whose result must not be lost (a refresh that rotates the refresh token):
/// a later write can still fail, but a read-only directory or a full disk is caught before.
pub fn check_writable(target: &Path, len: usize) -> Result<(), FsError> {
    let real = resolve_symlinks(target)?;
    let dir = real
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let (mut f, tmp_path) = create_temp(&dir, &real, 0o600)?;
    let _cleanup = TempGuard(Some(tmp_path));
    f.write_all(&vec![0u8; len])
        .map_err(|e| FsError::io("cannot write a file beside", &real, e))?;
    Ok(())
}

/// Copies `len` bytes starting at `offset` of `src` into `dst` (the kernel does the copy where it
/// can, e.g. `copy_file_range` on Linux).
pub fn copy_range(src: &File, offset: u64, len: u64, dst: &mut File) -> io::Result<()> {
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

const TEMP_MARK: &str = ".figma-auth-tmp.";

fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}{TEMP_MARK}")
}

fn create_temp(dir: &Path, target: &Path, mode: u32) -> Result<(File, PathBuf), FsError> {
    let prefix = temp_prefix(target);
    let mut last_err = None;
    for _ in 0..16 {
        let suffix: u64 = rand::random();
        let tmp_path = dir.join(format!("{prefix}{}.{suffix:016x}", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(mode);
        #[cfg(not(unix))]
        let _ = mode;
        match options.open(&tmp_path) {
            Ok(f) => return Ok((f, tmp_path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => {
                return Err(FsError::io(
                    "cannot create a temporary file in",
                    dir.to_path_buf(),
                    e,
                ))
            }
        }
    }
    Err(FsError::io(
        "cannot create a temporary file in",
        dir.to_path_buf(),
        last_err.unwrap_or_else(|| io::Error::other("too many name collisions")),
    ))
}

/// Removes temp files that an interrupted figma-auth run left beside `target` (those whose
/// process is gone, or older than an hour where that cannot be told). Best effort.
pub fn remove_stale_temps(target: &Path) {
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

struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
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

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(unix)]
fn current_gid() -> u32 {
    // SAFETY: getegid has no preconditions and cannot fail.
    unsafe { libc::getegid() }
}

/// Creates `path` (and missing parents) as a private directory: mode 0700 whatever the umask.
/// An existing directory is left as it is.
pub fn create_private_dir(path: &Path) -> Result<(), FsError> {
    create_dirs(path, 0o700)
}

/// Creates `path` and its missing parents, each with exactly `mode` whatever the umask (under
/// umask 000 a plain `create_dir_all` makes them world-writable). Directories that exist are
/// left as they are. When root runs for another user ([`acting_user`]), the directories it
/// creates are given to that user.
pub fn create_dirs(path: &Path, mode: u32) -> Result<(), FsError> {
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

/// Test-only fault injection at `step` of a write of `target` (see the module documentation).
/// Release builds compile this to nothing.
fn fault_point(step: &str, target: &Path) -> io::Result<()> {
    #[cfg(debug_assertions)]
    fault::hit(step, target)?;
    let _ = (step, target);
    Ok(())
}

#[cfg(debug_assertions)]
mod fault {
    use std::io::{self, Write};
    use std::path::Path;
    use std::sync::{Mutex, OnceLock};

    /// The steps of a write, in order.
    const STEPS: [&str; 5] = ["backup", "write", "fsync", "rename", "dirsync"];

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Action {
        Fail,
        Enospc,
        Eio,
        Abort,
        Touch,
    }

    #[derive(Debug)]
    struct Rule {
        step: String,
        action: Action,
        file: Option<String>,
        nth: Option<usize>,
    }

    impl Rule {
        fn matches(&self, step: &str, target: &Path) -> bool {
            if self.step != step {
                return false;
            }
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            match self.file.as_deref() {
                None => true,
                Some(pattern) => match pattern.strip_prefix('*') {
                    Some(suffix) => name.ends_with(suffix),
                    None => name == pattern,
                },
            }
        }
    }

    /// Parses `FIGMA_AUTH_FAULT`; a malformed rule for one of our steps panics (a typo must not
    /// make a fault test pass without its fault).
    fn parse(spec: &str) -> Vec<Rule> {
        let mut rules = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((step, rest)) = item.split_once(':') else {
                continue;
            };
            if !STEPS.contains(&step) {
                continue; // e.g. crate::fault's `token:panic`
            }
            let (rest, nth) = match rest.split_once('#') {
                Some((r, n)) => (
                    r,
                    Some(
                        n.parse::<usize>()
                            .ok()
                            .filter(|n| *n > 0)
                            .unwrap_or_else(|| panic!("FIGMA_AUTH_FAULT: bad count in {item:?}")),
                    ),
                ),
                None => (rest, None),
            };
            let (action, file) = match rest.split_once('@') {
                Some((a, f)) => (a, Some(f.to_string())),
                None => (rest, None),
            };
            let action = match action {
                "fail" => Action::Fail,
                "enospc" => Action::Enospc,
                "eio" => Action::Eio,
                "abort" => Action::Abort,
                "touch" => Action::Touch,
                other => panic!(
                    "FIGMA_AUTH_FAULT: unknown action {other:?} in {item:?} (fail, enospc, eio, abort, touch)"
                ),
            };
            rules.push(Rule {
                step: step.to_string(),
                action,
                file,
                nth,
            });
        }
        rules
    }

    fn rules() -> &'static [Rule] {
        static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
        RULES.get_or_init(|| {
            std::env::var("FIGMA_AUTH_FAULT")
                .map(|s| parse(&s))
                .unwrap_or_default()
        })
    }

    pub(super) fn hit(step: &str, target: &Path) -> io::Result<()> {
        let rules = rules();
        if rules.is_empty() {
            return Ok(());
        }
        static SEEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());
        for (i, rule) in rules.iter().enumerate() {
            if !rule.matches(step, target) {
                continue;
            }
            let count = {
                let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
                seen.resize(rules.len(), 0);
                seen[i] += 1;
                seen[i]
            };
            if rule.nth.is_some_and(|n| n != count) {
                continue;
            }
            match rule.action {
                Action::Abort => std::process::abort(),
                Action::Touch => {
                    // Another program's write: appending changes the size and mtime.
                    let mut f = std::fs::OpenOptions::new().append(true).open(target)?;
                    f.write_all(b"\n")?;
                }
                Action::Fail => return Err(io::Error::other("injected fault (FIGMA_AUTH_FAULT)")),
                Action::Enospc => return Err(os_error(28, io::ErrorKind::StorageFull)),
                Action::Eio => return Err(os_error(5, io::ErrorKind::Other)),
            }
        }
        Ok(())
    }

    /// ENOSPC is 28 and EIO 5 on Linux and macOS.
    fn os_error(code: i32, _kind: io::ErrorKind) -> io::Error {
        #[cfg(unix)]
        return io::Error::from_raw_os_error(code);
        #[cfg(not(unix))]
        return io::Error::new(_kind, format!("injected OS error {code}"));
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn rules_parse_and_match() {
            let r = parse("token:panic, rename:abort@.claude.json,write:enospc@*.orig#2,fsync:eio");
            assert_eq!(r.len(), 3);
            assert_eq!(r[0].action, Action::Abort);
            assert!(r[0].matches("rename", Path::new("/h/.claude.json")));
            assert!(!r[0].matches("rename", Path::new("/h/x%2F.claude.json.orig")));
            assert!(!r[0].matches("write", Path::new("/h/.claude.json")));
            assert_eq!(r[1].nth, Some(2));
            assert!(r[1].matches("write", Path::new("/b/h%2F.claude.json.orig")));
            assert!(r[2].matches("fsync", Path::new("/any/file")));
        }

        #[test]
        #[should_panic(expected = "unknown action")]
        fn a_typo_is_loud() {
            parse("rename:abrot");
        }
    }
}

/// An exclusive advisory lock on a lock file (`flock`), released on drop. Used to serialise
/// figma-auth processes (refreshes, config updates).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes an exclusive lock on `path` (created 0600 if missing), waiting up to `timeout`.
pub fn lock_file(path: &Path, timeout: Duration) -> Result<FileLock, FsError> {
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
pub struct DirLock {
    path: PathBuf,
}

impl DirLock {
    /// Claude Code treats a lock whose mtime is older than this as stale.
    pub const STALE: Duration = Duration::from_secs(10);

    /// The lock directory for `file`: `<file>.lock` beside it.
    pub fn path_for(file: &Path) -> PathBuf {
        let mut name = file.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the lock for `file`, waiting up to `timeout`.
    pub fn acquire(file: &Path, timeout: Duration) -> Result<DirLock, FsError> {
        let path = Self::path_for(file);
        let start = Instant::now();
        loop {
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

/// Keeps a copy of `file`'s current bytes under `backup_dir` the first time figma-auth changes
/// it (later changes keep the first backup: it is the user's original). The copy is 0600.
/// Returns the backup's path, or `None` when a backup already existed or the file is new.
pub fn backup_once(
    file: &Path,
    bytes: &[u8],
    backup_dir: &Path,
) -> Result<Option<PathBuf>, FsError> {
    create_private_dir(backup_dir)?;
    let name = backup_name(file);
    let dest = backup_dir.join(name);
    // A run killed while writing a backup left a temp copy (which may hold a token).
    remove_stale_temps(&dest);
    if dest.exists() {
        return Ok(None);
    }
    fault_point("backup", file).map_err(|e| FsError::io("cannot back up", file, e))?;
    write_atomic(&dest, bytes, 0o600)?;
    Ok(Some(dest))
}

/// A flat, reversible-enough file name for a backup of `file`: its path with separators replaced.
fn backup_name(file: &Path) -> String {
    let s = file.to_string_lossy();
    let mut out = String::with_capacity(s.len() + 5);
    for c in s.trim_start_matches('/').chars() {
        match c {
            '/' | '\\' => out.push_str("%2F"),
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out.push_str(".orig");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_changed_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        fs::write(&p, "one").unwrap();
        let snap = read_snapshot(&p).unwrap();
        fs::write(&p, "someone else's longer write").unwrap();
        let err = write_atomic_with(&p, &WriteOptions::new(0o600).expecting(snap.stamp), |f| {
            f.write_all(b"ours")
        })
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

    #[cfg(unix)]
    #[test]
    fn private_dir_is_0700_and_backup_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("a/b");
        create_private_dir(&store).unwrap();
        assert_eq!(mode_of(&store), 0o700);
        let f = Path::new("/home/u/.claude.json");
        let first = backup_once(f, b"original", &store).unwrap().unwrap();
        assert_eq!(mode_of(&first), 0o600);
        assert!(backup_once(f, b"second", &store).unwrap().is_none());
        assert_eq!(fs::read(first).unwrap(), b"original");
    }

    #[test]
    fn a_killed_backup_leaves_no_temp_after_the_next_backup() {
        let dir = tempfile::tempdir().unwrap();
        let f = Path::new("/home/u/.cursor/mcp.json");
        let dest = dir.path().join(backup_name(f));
        // pid 0 never names a live process in /proc
        let stale = dir
            .path()
            .join(format!(".{}{TEMP_MARK}0.abc", backup_name(f)));
        fs::write(&stale, "Bearer figu_half_written").unwrap();
        backup_once(f, b"original", dir.path()).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"original");
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
    }
}
