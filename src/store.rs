//! The credential store: one JSON file per profile (directory 0700, files 0600 from creation,
//! atomic replace) with the registration and the tokens, and a per-profile lock around every
//! read-modify-write.

use crate::fs::FsError;
use crate::paths::Env;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The store format this build writes and the newest it reads.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// How long commands wait for another figma-auth holding a profile's lock, by default.
pub(crate) const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

mod record;
#[cfg(test)]
mod tests;

pub(crate) use record::{
    Account, ClientRecord, LoginRequired, ManagedConfig, ProfileData, TokenRecord,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read the credential store {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the credential store {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: FsError,
    },
    #[error("cannot create the private directory {}", .path.display())]
    Dir {
        path: PathBuf,
        #[source]
        source: FsError,
    },
    #[error("the credential store {} is damaged ({reason})", .path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("the credential store {} was written by a newer figma-auth (format {found}; this build reads up to {FORMAT_VERSION})", .path.display())]
    TooNew { path: PathBuf, found: u64 },
    #[error("cannot lock {}", .path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: FsError,
    },
    #[error("another figma-auth kept the credential store locked for {} ({})", crate::time::short_duration(*.waited), .path.display())]
    Busy { path: PathBuf, waited: Duration },
    #[error("invalid profile name {name:?}: {reason}")]
    BadProfile { name: String, reason: String },
}

/// Checks a profile name: 1–64 characters from `A-Z a-z 0-9 . _ -`, not starting with `.` or `-`.
pub(crate) fn validate_profile(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err("use 1 to 64 characters".to_string());
    }
    if name.starts_with(['.', '-']) {
        return Err("it must not start with '.' or '-'".to_string());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("use only letters, digits, '.', '_' and '-'".to_string());
    }
    Ok(())
}

/// A path of the store that other users can read (or, for the configuration directory, write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoosePermission {
    pub path: PathBuf,
    /// Its permission bits.
    pub mode: u32,
    /// Only writing by others is wrong here (the configuration directory).
    pub writable_only: bool,
    /// The `chmod` argument that fixes it (`700`, `600`, `go-w`).
    pub fix: &'static str,
}

impl LoosePermission {
    /// What is wrong, without the fix.
    pub fn problem(&self, shown: &str) -> String {
        let how = if self.writable_only {
            "writable"
        } else {
            "accessible"
        };
        format!("{shown} is {how} by other users (mode {:04o})", self.mode)
    }

    /// `chmod <fix> <path>`, for a shell.
    pub fn command(&self, shown: &str) -> String {
        format!("chmod {} {shown}", self.fix)
    }

    fn warning(&self) -> String {
        let p = self.path.display().to_string();
        format!("{}; run: {}", self.problem(&p), self.command(&p))
    }
}

/// The credential store under a configuration directory.
///
/// `<config dir>/credentials/<profile>.json`, under a format `version`, tokens with an absolute
/// `expires_at`. The lock file (`<profile>.lock`, an OS file lock, never deleted) serialises every
/// read-modify-write, so concurrent refreshes never lose a rotated refresh token.
#[derive(Debug, Clone)]
pub struct Store {
    base: PathBuf,
    dir: PathBuf,
}

impl Store {
    /// The store under `app_config_dir` (`~/.config/figma-auth`).
    pub fn new(app_config_dir: PathBuf) -> Self {
        Self {
            dir: app_config_dir.join("credentials"),
            base: app_config_dir,
        }
    }

    pub fn from_env(env: &Env) -> Self {
        Self::new(env.app_config_dir())
    }

    /// The directory holding the profile files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `profile`.
    pub fn path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{profile}.json"))
    }

    /// The token file of `profile`: `<config dir>/tokens/<profile>.token`, holding the bare access
    /// token (no newline) for clients that read it from a file (opencode's `{file:…}`). It exists
    /// only when asked for ([`crate::token_file`]); refreshes keep an existing one current.
    pub fn token_file_path(&self, profile: &str) -> PathBuf {
        self.tokens_dir().join(format!("{profile}.token"))
    }

    /// The directory of the token files (0700).
    pub fn tokens_dir(&self) -> PathBuf {
        self.base.join("tokens")
    }

    /// figma-auth's configuration directory (0700), parent of the store and the token files.
    pub fn base_dir(&self) -> &Path {
        &self.base
    }

    /// The lock file of `profile`.
    pub fn lock_path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{profile}.lock"))
    }

    /// Reads `profile` without taking the lock (for display; never modify what this returns and
    /// save it: use [`Store::lock`]).
    pub fn load(&self, profile: &str) -> Result<Option<ProfileData>, StoreError> {
        check_profile(profile)?;
        read_profile(&self.path(profile))
    }

    /// The profiles that have a store file, sorted.
    pub fn profiles(&self) -> Result<Vec<String>, StoreError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(StoreError::Read {
                    path: self.dir.clone(),
                    source: e,
                })
            }
        };
        let mut out: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let p = name.strip_suffix(".json")?.to_string();
                validate_profile(&p).ok().map(|_| p)
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Takes the exclusive lock of `profile`, waiting up to `timeout` for another process.
    pub fn lock(&self, profile: &str, timeout: Duration) -> Result<StoreLock, StoreError> {
        check_profile(profile)?;
        self.ensure_dirs()?;
        let path = self.lock_path(profile);
        let lock = crate::fs::lock_file(&path, timeout).map_err(|e| match e {
            FsError::Busy { waited, .. } => StoreError::Busy {
                path: path.clone(),
                waited,
            },
            e => StoreError::Lock {
                path: path.clone(),
                source: e,
            },
        })?;
        // A figma-auth killed while saving left a temp file holding tokens: remove it now, also
        // when this run does not save (a refresh that ends in invalid_grant, a logout).
        crate::fs::remove_stale_temps(&self.path(profile));
        Ok(StoreLock {
            _lock: lock,
            path: self.path(profile),
        })
    }

    /// Warnings about the permissions of what holds secrets: the store and token directories
    /// looser than 0700, the profile file looser than 0600. The configuration directory above
    /// them holds no secret (figma-auth creates it 0700, but an installer may keep its receipt
    /// there in a 0755 one): it is judged only by whether other users can write to it, which
    /// would let them replace the directories below.
    pub fn permission_warnings(&self, profile: &str) -> Vec<String> {
        self.loose_permissions(profile)
            .into_iter()
            .map(|l| l.warning())
            .collect()
    }

    /// The paths of the store whose permissions let other users in (see
    /// [`Store::permission_warnings`]); each once.
    pub fn loose_permissions(&self, profile: &str) -> Vec<LoosePermission> {
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut out = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mut check = |path: PathBuf, forbidden: u32, fix: &'static str| {
                if let Ok(m) = std::fs::metadata(&path) {
                    let mode = m.permissions().mode() & 0o777;
                    if mode & forbidden != 0 {
                        out.push(LoosePermission {
                            path,
                            mode,
                            writable_only: forbidden == 0o022,
                            fix,
                        });
                    }
                }
            };
            check(self.base.clone(), 0o022, "go-w");
            check(self.dir.clone(), 0o077, "700");
            check(self.tokens_dir(), 0o077, "700");
            check(self.path(profile), 0o077, "600");
        }
        let _ = profile;
        out
    }

    /// Makes the store and token directories private (0700) when other users can get into
    /// them and they belong to the user: they are figma-auth's own and hold nothing else (the
    /// configuration directory above them is left alone, see [`Store::permission_warnings`]).
    /// `login` and `refresh` call it and say what changed; the paths and their old modes.
    pub fn tighten_dirs(&self) -> Vec<(PathBuf, u32)> {
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut out = Vec::new();
        #[cfg(unix)]
        for dir in [self.dir.clone(), self.tokens_dir()] {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            // Never through a symlink: only a real directory of the user's is changed.
            let Ok(m) = std::fs::symlink_metadata(&dir) else {
                continue;
            };
            let mode = m.permissions().mode() & 0o777;
            if !m.is_dir() || m.uid() != crate::fs::acting_user().uid || mode & 0o077 == 0 {
                continue;
            }
            if std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).is_ok() {
                out.push((dir, mode));
            }
        }
        out
    }

    fn ensure_dirs(&self) -> Result<(), StoreError> {
        for d in [&self.base, &self.dir] {
            crate::fs::create_private_dir(d).map_err(|e| StoreError::Dir {
                path: d.clone(),
                source: e,
            })?;
        }
        Ok(())
    }
}

/// Proof that a profile's lock is held; reads and writes of the profile go through it. Dropping
/// it releases the lock.
#[derive(Debug)]
pub struct StoreLock {
    _lock: crate::fs::FileLock,
    path: PathBuf,
}

impl StoreLock {
    /// The profile file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the profile (always re-read after taking the lock).
    pub fn load(&self) -> Result<Option<ProfileData>, StoreError> {
        read_profile(&self.path)
    }

    /// Replaces the profile atomically (0600 from creation).
    pub fn save(&self, data: &ProfileData) -> Result<(), StoreError> {
        let mut data = data.clone();
        data.version = FORMAT_VERSION;
        let mut text = serde_json::to_string_pretty(&data).expect("the store serialises");
        text.push('\n');
        // Temp files of a figma-auth killed mid-write would hold tokens: clear them first.
        crate::fs::remove_stale_temps(&self.path);
        tighten(&self.path);
        crate::fs::write_atomic(&self.path, text.as_bytes(), 0o600).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            source: e,
        })
    }

    /// Checks, before a refresh that rotates the refresh token, that its result can be saved:
    /// the directory is writable and has room for twice the current file (a read-only
    /// directory or a full disk would otherwise spend the refresh token for nothing).
    pub fn check_writable(&self) -> Result<(), StoreError> {
        let len = std::fs::metadata(&self.path).map_or(0, |m| m.len() as usize);
        crate::fs::check_writable(&self.path, 2 * len + 4096).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            source: e,
        })
    }

    /// Deletes the profile file; `false` when there was none.
    pub fn remove(&self) -> Result<bool, StoreError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::Write {
                path: self.path.clone(),
                source: FsError::io("cannot remove", &self.path, e),
            }),
        }
    }
}

/// The store is figma-auth's own file: a mode looser than 0600 (warned about by
/// [`Store::permission_warnings`]) is tightened before the next write, which keeps the mode.
fn tighten(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.is_file()
            && m.permissions().mode() & 0o077 != 0
        {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn check_profile(profile: &str) -> Result<(), StoreError> {
    validate_profile(profile).map_err(|reason| StoreError::BadProfile {
        name: profile.to_string(),
        reason,
    })
}

fn read_profile(path: &Path) -> Result<Option<ProfileData>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                reason: "not UTF-8".to_string(),
            })
        }
        Err(e) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                source: e,
            })
        }
    };
    // Parse errors report only a category and a position: serde's messages can quote values,
    // and values here are secrets.
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: format!(
            "{} error at line {} column {}",
            match e.classify() {
                serde_json::error::Category::Io => "read",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "unexpected content",
                serde_json::error::Category::Eof => "truncated file",
            },
            e.line(),
            e.column()
        ),
    };
    #[derive(Deserialize)]
    struct Probe {
        version: u64,
    }
    let probe: Probe = serde_json::from_str(&text).map_err(corrupt)?;
    if probe.version > u64::from(FORMAT_VERSION) {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: probe.version,
        });
    }
    serde_json::from_str(&text).map(Some).map_err(corrupt)
}
