//! The credential store: one JSON file per profile (directory 0700, files 0600 from creation,
//! atomic replace) with the registration and the tokens, and a per-profile lock around every
//! read-modify-write.

use crate::fs::FsError;
use crate::oauth::token::TokenResponse;
use crate::paths::Env;
use crate::secret::{AccessToken, ClientSecret, RefreshToken};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The store format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// How long commands wait for another figma-auth holding a profile's lock, by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything stored for one profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileData {
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenRecord>,
    /// The client config files `setup` configured for this profile, so that `refresh --write`
    /// (run from a scheduler, in any directory) finds them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ManagedConfig>,
    /// Set when the server rejected the stored refresh token (`invalid_grant`): only a new login
    /// helps. The tokens are kept (the access token may still work until it expires); the next
    /// login or successful refresh clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_required: Option<LoginRequired>,
}

impl Default for ProfileData {
    fn default() -> Self {
        Self {
            version: FORMAT_VERSION,
            client: None,
            token: None,
            configs: Vec::new(),
            login_required: None,
        }
    }
}

/// Why the profile needs a new login, and since when (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequired {
    pub since: Timestamp,
    pub reason: String,
}

/// A client config file figma-auth configured (no secret: the token is not kept here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedConfig {
    /// The client (`opencode`, `claude`, ...).
    pub target: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    pub path: PathBuf,
    /// Claude Code's local scope: the key in `projects`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The entry's name (`figma`).
    pub server_name: String,
    /// How the token reaches the client (`inline`, ...).
    #[serde(default = "default_mode")]
    pub mode: String,
    /// `setup --keep-mode`: refreshes keep the file's permissions even when other users can
    /// read it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_mode: bool,
}

fn default_mode() -> String {
    "inline".to_string()
}

/// A dynamic client registration, reused by later logins when `auth_server`, `redirect_uri` and
/// `client_name` match.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientRecord {
    /// The issuer it was registered with (`https://api.figma.com`).
    pub auth_server: String,
    pub registration_endpoint: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    pub client_name: String,
    pub redirect_uri: String,
    pub registered_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_issued_at: Option<Timestamp>,
    /// `None`: the secret does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<Timestamp>,
    /// The token endpoint auth method the registration response named, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
}

impl ClientRecord {
    /// True when the registration can be used for a login with these parameters at `now`.
    pub fn matches(
        &self,
        auth_server: &str,
        redirect_uri: &str,
        client_name: &str,
        now: Timestamp,
    ) -> bool {
        self.auth_server == auth_server
            && self.redirect_uri == redirect_uri
            && self.client_name == client_name
            && self.client_secret_expires_at.is_none_or(|t| t > now)
    }

    /// The credentials for token requests: the secret as a form field (Figma's way, also for
    /// `none` and `client_secret_post`), or HTTP Basic when registered as `client_secret_basic`.
    pub fn auth(&self) -> crate::oauth::token::ClientAuth<'_> {
        crate::oauth::token::ClientAuth {
            client_id: &self.client_id,
            client_secret: self.client_secret.as_ref(),
            basic: self.token_endpoint_auth_method.as_deref() == Some("client_secret_basic"),
        }
    }
}

/// The tokens of one login and where they were issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub access_token: AccessToken,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// When the access token expires (absolute, UTC).
    pub expires_at: Timestamp,
    /// When the access token was obtained.
    pub obtained_at: Timestamp,
    /// True when the server sent no `expires_in` and the default lifetime was assumed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expires_in_defaulted: bool,
    /// The issuer and token endpoint the tokens belong to (refreshes go there).
    pub auth_server: String,
    pub token_endpoint: String,
    /// The RFC 8707 resource the tokens were issued for (`None`: logged in with --no-resource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The client the tokens were issued to (equals the stored registration's `client_id`).
    pub client_id: String,
    /// The `expires_in` of the last token response, as the server sent it (`None`: absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Whether the last refresh returned a new refresh token (`None`: not refreshed yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_rotated: Option<bool>,
    /// The Figma account the tokens belong to, as the MCP server's `whoami` tool told it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
}

/// The Figma account of a login (not a secret). Every field is server text, stored sanitised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The handle or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Account {
    /// `Name (email)`, `email` or `Name`; control characters escaped.
    pub fn label(&self) -> String {
        let clean = |s: &str| crate::redact::clean(s);
        match (&self.name, &self.email) {
            (Some(n), Some(e)) if n != e => format!("{} ({})", clean(n), clean(e)),
            (_, Some(e)) => clean(e),
            (Some(n), None) => clean(n),
            (None, None) => self.id.as_deref().map(clean).unwrap_or_else(|| "?".into()),
        }
    }
}

impl TokenRecord {
    /// The record of a token response received at `issued_at`: the tokens of a login at
    /// `auth_server` (its issuer) and `token_endpoint`, issued to `client_id` for `resource`.
    pub fn from_response(
        resp: TokenResponse,
        issued_at: Timestamp,
        auth_server: &str,
        token_endpoint: &str,
        client_id: &str,
        resource: Option<&str>,
    ) -> Self {
        TokenRecord {
            access_token: resp.access_token,
            refresh_token: resp.refresh_token,
            token_type: resp.token_type,
            scope: resp.scope,
            expires_at: issued_at.plus(resp.expires_in),
            obtained_at: issued_at,
            expires_in_defaulted: resp.expires_in_defaulted,
            auth_server: auth_server.to_string(),
            token_endpoint: token_endpoint.to_string(),
            resource: resource.map(str::to_string),
            client_id: client_id.to_string(),
            expires_in: (!resp.expires_in_defaulted).then_some(resp.expires_in.as_secs()),
            refresh_rotated: None,
            account: None,
        }
    }

    /// This login after a refresh answered with `resp` at `issued_at`: what the server did not
    /// send again (the refresh token when it does not rotate, the scope) and the account stay.
    pub fn refreshed(&self, resp: TokenResponse, issued_at: Timestamp) -> Self {
        let rotated = resp.refresh_token.is_some();
        let mut next = Self::from_response(
            resp,
            issued_at,
            &self.auth_server,
            &self.token_endpoint,
            &self.client_id,
            self.resource.as_deref(),
        );
        // No new refresh token: the old one stays valid, keep it.
        if next.refresh_token.is_none() {
            next.refresh_token.clone_from(&self.refresh_token);
        }
        if next.scope.is_none() {
            next.scope.clone_from(&self.scope);
        }
        next.refresh_rotated = Some(rotated);
        next.account.clone_from(&self.account);
        next
    }

    /// How long the server made the access token valid for, when it said so.
    pub fn lifetime(&self) -> Option<Duration> {
        if self.expires_in_defaulted {
            return None;
        }
        self.expires_at.0.duration_since(self.obtained_at.0).ok()
    }

    /// Time left before the access token expires, `None` when it already has.
    pub fn remaining_at(&self, now: Timestamp) -> Option<Duration> {
        self.expires_at.remaining_at(now)
    }

    /// True when the access token is valid for at least `min_valid` more at `now`.
    pub fn fresh_for(&self, min_valid: Duration, now: Timestamp) -> bool {
        self.remaining_at(now).is_some_and(|r| r > min_valid)
    }
}

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
pub fn validate_profile(name: &str) -> Result<(), String> {
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
        if let Ok(m) = std::fs::metadata(path) {
            if m.is_file() && m.permissions().mode() & 0o077 != 0 {
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn token(exp: Timestamp) -> TokenRecord {
        TokenRecord {
            access_token: AccessToken::new("figu_ACCESS_CANARY_0000000000"),
            refresh_token: Some(RefreshToken::new("figr_REFRESH_CANARY_000000000")),
            token_type: "Bearer".into(),
            scope: Some("mcp:connect".into()),
            expires_at: exp,
            obtained_at: Timestamp::from_unix(1_000),
            expires_in_defaulted: false,
            auth_server: "https://api.figma.com".into(),
            token_endpoint: "https://api.figma.com/v1/oauth/token".into(),
            resource: Some("https://mcp.figma.com/mcp".into()),
            client_id: "cid".into(),
            expires_in: Some(3600),
            refresh_rotated: None,
            account: None,
        }
    }

    #[test]
    fn save_load_round_trip_with_private_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("cfg/figma-auth"));
        let lock = store.lock("default", Duration::from_secs(5)).unwrap();
        assert!(lock.load().unwrap().is_none());
        let data = ProfileData {
            token: Some(token(Timestamp::from_unix(2_000_000_000))),
            ..Default::default()
        };
        lock.save(&data).unwrap();
        let back = store.load("default").unwrap().unwrap();
        let t = back.token.unwrap();
        assert_eq!(t.access_token.expose(), "figu_ACCESS_CANARY_0000000000");
        assert_eq!(t.expires_at, Timestamp::from_unix(2_000_000_000));
        let text = std::fs::read_to_string(store.path("default")).unwrap();
        assert!(
            text.contains("\"expires_at\": \"2033-05-18T03:33:20Z\""),
            "{text}"
        );
        assert!(text.contains("\"version\": 1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store.path("default")), 0o600);
            assert_eq!(mode(store.dir()), 0o700);
            assert_eq!(mode(&tmp.path().join("cfg/figma-auth")), 0o700);
        }
        assert!(store.permission_warnings("default").is_empty());
        assert_eq!(store.profiles().unwrap(), vec!["default".to_string()]);
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn corrupt_and_future_files_are_reported_without_content() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().to_path_buf());
        std::fs::create_dir_all(store.dir()).unwrap();
        std::fs::write(
            store.path("a"),
            "{\"version\":1,\"token\":{\"access_token\":\"figu_SECRET\"}}",
        )
        .unwrap();
        let e = store.load("a").unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { .. }));
        assert!(!e.to_string().contains("figu_SECRET"), "{e}");
        std::fs::write(store.path("b"), "{\"version\":7}").unwrap();
        assert!(matches!(
            store.load("b").unwrap_err(),
            StoreError::TooNew { found: 7, .. }
        ));
        std::fs::write(store.path("c"), "").unwrap();
        assert!(matches!(
            store.load("c").unwrap_err(),
            StoreError::Corrupt { .. }
        ));
    }

    #[test]
    fn taking_the_lock_removes_temps_of_a_killed_save() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().to_path_buf());
        std::fs::create_dir_all(store.dir()).unwrap();
        // pid 0 never names a live process in /proc
        let stale = store.dir().join(".p.json.figma-auth-tmp.0.abc");
        std::fs::write(&stale, "{\"token\": \"figu_NEW\"}").unwrap();
        let _lock = store.lock("p", Duration::from_secs(1)).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
    }

    #[test]
    fn lock_times_out_when_held() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().to_path_buf());
        let _held = store.lock("p", Duration::from_secs(1)).unwrap();
        let err = store.lock("p", Duration::from_millis(50)).unwrap_err();
        assert!(matches!(err, StoreError::Busy { .. }), "{err}");
    }

    #[test]
    fn profile_names() {
        assert!(validate_profile("default").is_ok());
        assert!(validate_profile("work-2.x_y").is_ok());
        for bad in ["", ".hidden", "-x", "a/b", "a b", "../x", &"x".repeat(65)] {
            assert!(validate_profile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn freshness() {
        let now = Timestamp::from_unix(10_000);
        let t = token(now.plus(Duration::from_secs(600)));
        assert!(t.fresh_for(Duration::from_secs(300), now));
        assert!(!t.fresh_for(Duration::from_secs(600), now));
        assert!(!token(now).fresh_for(Duration::ZERO, now));
    }
}
