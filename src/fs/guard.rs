//! The checks of a guarded write — whose file and directory it is, whether other users can
//! write the directory, a read-only file — and what a write does besides the content (a
//! tightened mode, a broken hard link).

use std::fs;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};

#[cfg(unix)]
use super::atomic::ModeRule;
use super::atomic::WriteOptions;
use super::FsError;
#[cfg(unix)]
use super::{file_kind, parent_dir};

/// What a write does besides replacing the content, worth telling the user (in the preview and
/// after the write).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WriteEffects {
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
    pub(crate) fn notes(&self, done: bool) -> Vec<String> {
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
pub(crate) fn acting_user() -> Owner {
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
#[cfg(unix)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
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
pub(crate) fn check_target(
    real: &Path,
    existing: Option<&fs::Metadata>,
    opts: &WriteOptions,
) -> Result<WriteEffects, FsError> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut effects = WriteEffects::default();
    #[cfg(unix)]
    {
        if let Some(m) = existing
            && !m.is_file()
        {
            return Err(FsError::NotAFile {
                path: real.to_path_buf(),
                kind: file_kind(m),
            });
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

#[cfg(unix)]
pub(crate) fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(unix)]
pub(crate) fn current_gid() -> u32 {
    rustix::process::getegid().as_raw()
}
