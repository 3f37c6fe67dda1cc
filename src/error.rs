//! The application error: one variant per layer plus the command-level conditions, each with an
//! exit code and at most one actionable hint. `main` prints the message, the `caused by:` chain
//! and the hint.

use crate::fs::FsError;
use crate::oauth::error::{PatSource, PatTrial, Refusal, RefusalKind};
use crate::oauth::{CallbackError, ErrorClass, OAuthError};
use crate::store::StoreError;

/// Process exit codes (documented in the README).
pub(crate) mod exit {
    pub(crate) const OK: u8 = 0;
    /// Any failure not listed below.
    pub(crate) const ERROR: u8 = 1;
    /// Bad command line (clap's own code).
    pub(crate) const USAGE: u8 = 2;
    /// No credentials, or the server rejected them (`invalid_grant`): run `figma-auth login`.
    pub(crate) const LOGIN_REQUIRED: u8 = 3;
    /// Network failure, timeout, HTTP 5xx or 429: nothing is wrong with the credentials; retry later.
    pub(crate) const TEMPORARY: u8 = 4;
    /// Another figma-auth held the credential store's lock for too long.
    pub(crate) const BUSY: u8 = 5;
    /// Cancelled with Ctrl-C (the process ends by SIGINT, which shells report as 130).
    pub(crate) const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Boxed: OAuth errors are large and errors travel through every `Result`.
    #[error(transparent)]
    OAuth(Box<OAuthError>),

    #[error(transparent)]
    Store(#[from] StoreError),

    /// Nothing usable stored for the profile.
    #[error("not logged in (profile {profile:?}){}", if reason.is_empty() { String::new() } else { format!(": {reason}") })]
    LoginRequired { profile: String, reason: String },

    /// A refresh succeeded but its result could not be stored; the new tokens were not used.
    #[error("the token was refreshed but could not be saved, so it was not used")]
    RefreshNotSaved(#[source] StoreError),

    #[error("{0}")]
    Usage(String),

    /// The process environment is unusable (no HOME, ...).
    #[error("{0}")]
    Environment(String),

    #[error("{0}")]
    Io(String, #[source] std::io::Error),

    /// A config file could not be read, edited or written.
    #[error(transparent)]
    Apply(#[from] crate::apply::ApplyError),

    /// Some config files could not be updated; each was reported as it happened.
    #[error("{failed} of {total} config files could not be updated (see above)")]
    ConfigsFailed {
        failed: usize,
        total: usize,
        /// Every failure was another program holding or changing the file.
        busy: bool,
        hint: Option<String>,
    },

    #[error(transparent)]
    Schedule(#[from] crate::schedule::ScheduleError),

    /// The running binary cannot be named in a config or a schedule.
    #[error(transparent)]
    Binary(#[from] crate::binary::BinaryError),

    /// The user pressed Ctrl-C while figma-auth waited for them; the text says what was left
    /// undone.
    #[error("{0}")]
    Cancelled(String),

    /// Already reported on stderr in full (e.g. the one-line summary of a scheduled run); only
    /// the exit code is left.
    #[error("exit {0}")]
    Reported(u8),

    /// figma-auth declined to do something and says why (e.g. no client detected).
    #[error("{message}")]
    Refused {
        message: String,
        hint: Option<String>,
    },
}

impl From<OAuthError> for Error {
    fn from(e: OAuthError) -> Self {
        Error::OAuth(Box::new(e))
    }
}

impl From<crate::oauth::CallbackError> for Error {
    fn from(e: crate::oauth::CallbackError) -> Self {
        Error::OAuth(Box::new(e.into()))
    }
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::OAuth(e) => match e.class() {
                ErrorClass::LoginRequired => exit::LOGIN_REQUIRED,
                ErrorClass::Temporary => exit::TEMPORARY,
                ErrorClass::Failure => exit::ERROR,
            },
            Error::Store(StoreError::Busy { .. }) => exit::BUSY,
            Error::Store(_) => exit::ERROR,
            Error::LoginRequired { .. } => exit::LOGIN_REQUIRED,
            Error::RefreshNotSaved(_) => exit::LOGIN_REQUIRED,
            Error::Usage(_) => exit::USAGE,
            Error::Environment(_) => exit::ERROR,
            Error::Io(..) => exit::ERROR,
            Error::Apply(e) if e.is_busy() => exit::BUSY,
            Error::Apply(_) => exit::ERROR,
            Error::ConfigsFailed { busy: true, .. } => exit::BUSY,
            Error::ConfigsFailed { .. } => exit::ERROR,
            Error::Refused { .. } => exit::ERROR,
            Error::Schedule(_) => exit::ERROR,
            Error::Binary(_) => exit::ERROR,
            Error::Cancelled(_) => exit::INTERRUPTED,
            Error::Reported(code) => *code,
        }
    }

    /// The one next step to suggest. `flags` (e.g. ` --profile work`) is appended to the
    /// commands it names.
    pub fn hint(&self, flags: &str) -> Option<String> {
        match self {
            Error::OAuth(e) => oauth_hint(e, flags),
            Error::Store(e) => store_hint(e, flags),
            Error::LoginRequired { .. } => Some(format!("run `figma-auth login{flags}`")),
            Error::RefreshNotSaved(_) => Some(format!(
                "fix the problem above, then run `figma-auth login{flags}` (the old refresh token may no longer work)"
            )),
            Error::Usage(_) => Some("see `figma-auth --help`".to_string()),
            Error::Io(..) | Error::Environment(_) => None,
            Error::Apply(e) if e.is_busy() => Some(
                "another program is writing the file; run the same command again in a moment".into(),
            ),
            Error::Apply(_) => None,
            Error::ConfigsFailed { hint, .. } | Error::Refused { hint, .. } => hint.clone(),
            Error::Binary(e) | Error::Schedule(crate::schedule::ScheduleError::Binary(e)) => {
                e.hint()
            }
            Error::Schedule(_) | Error::Cancelled(_) | Error::Reported(_) => None,
        }
    }
}

// The hints: what the lower layers' error kinds mean for the user, and the command that fixes
// them (`flags` is appended to the commands named).

/// The next step after an OAuth failure.
fn oauth_hint(e: &OAuthError, flags: &str) -> Option<String> {
    Some(match e {
            OAuthError::Network { .. } => "check the network connection (and the --auth-server URL), then run the command again".to_string(),
            OAuthError::Unavailable { status: 429, .. } => "the server is rate limiting requests (a quota, not a problem with the token); wait a little and run the command again".to_string(),
            OAuthError::Unavailable { .. } => "this is a server-side problem, usually temporary: run the command again later".to_string(),
            OAuthError::IssuerMismatch { .. } | OAuthError::UnsafeEndpoint { .. } => {
                "check --auth-server (FIGMA_AUTH_SERVER); the default is https://api.figma.com".to_string()
            }
            OAuthError::RegistrationRefused(r) => {
                let Refusal {
                    kind,
                    pat,
                    explicit_path,
                    client_name,
                    ..
                } = &**r;
                let other = crate::oauth::error::other_client_name(client_name);
                let another = format!("try another client name: figma-auth login{flags} --client-name {other:?}");
                match kind {
                    RefusalKind::InvalidRedirectUri if explicit_path.is_some() => format!("omit --callback-path: figma-auth then tries {} and {} by itself and keeps the one the server accepts", crate::oauth::KNOWN_CALLBACK_PATHS[0], crate::oauth::KNOWN_CALLBACK_PATHS[1]),
                    RefusalKind::InvalidRedirectUri => another,
                    RefusalKind::Forbidden | RefusalKind::Unauthorized => match (r.pat_rejected(), pat) {
                        (Some(source), _) => {
                            let which = match source {
                                PatSource::Env => "check FIGMA_PERSONAL_ACCESS_TOKEN",
                                PatSource::Stdin => "check the token given on stdin (--pat-stdin)",
                                PatSource::Prompt => "check the personal access token you typed",
                            };
                            format!("{which}; create a new one in Figma under Settings → Security → Personal access tokens")
                        }
                        (None, PatTrial::None { asked: false }) => format!("give a Figma personal access token (Settings → Security → Personal access tokens) in FIGMA_PERSONAL_ACCESS_TOKEN, or on stdin with `figma-auth login{flags} --pat-stdin`; or {another}"),
                        (None, PatTrial::None { asked: true }) => format!("run `figma-auth login{flags}` again and give a personal access token at the prompt, or {another}"),
                        (None, _) => another,
                    },
                    RefusalKind::Other(_) => another,
                }
            }
            OAuthError::InvalidGrant { grant: "refresh token", .. } => format!("the login has expired or was revoked: run `figma-auth setup{flags}` (it logs in again and updates the configs holding the old token)"),
            OAuthError::InvalidGrant { .. } => format!("the authorization code was not accepted: run `figma-auth login{flags}` again"),
            OAuthError::TokenRefused { error, .. } if matches!(error.as_deref(), Some("invalid_client" | "unauthorized_client")) => format!("the client registration is no longer accepted: run `figma-auth login{flags} --reregister`"),
            OAuthError::TokenRefused { .. } => format!("run `figma-auth login{flags} --reregister`; if it keeps failing, try --no-resource"),
            OAuthError::BadTokenResponse { .. } => format!("the authorization server sent a malformed token; run the command again later, and if it keeps happening log in again (`figma-auth login{flags}`)"),
            OAuthError::Callback(c) => return callback_hint(c, flags),
            _ => return None,
        })
}

/// The next step after a failure of the login's callback.
fn callback_hint(e: &CallbackError, flags: &str) -> Option<String> {
    Some(match e {
            CallbackError::PortInUse { .. } => format!("stop the program using that port, or choose another with --port (e.g. `figma-auth login{flags} --port 0` for any free port; Figma may only accept the registered redirect URI)"),
            CallbackError::Timeout { .. } => format!("run `figma-auth login{flags}` again and finish the login in the browser; on a remote machine use --no-browser and paste the final address from the browser's address bar; --timeout gives more time"),
            CallbackError::Denied { error, .. } if error == "access_denied" => format!("the consent was declined in the browser; run `figma-auth login{flags}` again and choose Allow"),
            CallbackError::Denied { .. } => format!("run `figma-auth login{flags}` again; if it keeps failing, try --reregister or --no-resource"),
            CallbackError::StartUrlReused { .. } => format!("run `figma-auth login{flags}` again; if this happens again, another user or program on this machine can see the commands you run (the browser's command line): log in with --no-browser and open the printed address yourself"),
            _ => return None,
        })
}

/// The next step after a failure of the credential store.
fn store_hint(e: &StoreError, flags: &str) -> Option<String> {
    Some(match e {
        StoreError::Corrupt { path, .. } => format!(
            "move {} aside and run `figma-auth login{flags}`",
            path.display()
        ),
        StoreError::TooNew { .. } => {
            "upgrade figma-auth (cargo install --path . --force), or use another --profile"
                .to_string()
        }
        StoreError::Busy { .. } => {
            "another figma-auth (a scheduled refresh?) is still running; try again in a minute"
                .to_string()
        }
        StoreError::Write {
            path,
            source: FsError::Io { source, .. },
        } if source.kind() == std::io::ErrorKind::StorageFull => format!(
            "free some space on the disk holding {}, then try again",
            path.parent().unwrap_or(path).display()
        ),
        StoreError::Read { .. }
        | StoreError::Write { .. }
        | StoreError::Dir { .. }
        | StoreError::Lock { .. } => {
            "check the permissions of the figma-auth configuration directory".to_string()
        }
        StoreError::BadProfile { .. } => return None,
    })
}

/// The messages of `e`'s causes, outermost first. No message repeats its cause's: every error
/// type keeps its `source` out of its `Display`.
pub(crate) fn causes(e: &dyn std::error::Error) -> impl Iterator<Item = String> + '_ {
    std::iter::successors(e.source(), |s| s.source()).map(|s| s.to_string())
}

/// An error and its causes on one line (`cannot replace /x: Permission denied (os error 13)`),
/// for reports that give one line per failure.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    for cause in causes(e) {
        out.push_str(": ");
        out.push_str(&cause);
    }
    out
}

/// An error, its causes and its hint on one line, for output read as a single log line (helpers'
/// stderr, the proxy's answers, doctor's checks). `flags` is appended to the commands it names.
pub(crate) fn one_line(e: &Error, flags: &str) -> String {
    let mut text = chain(e);
    if let Some(h) = e.hint(flags) {
        text.push_str("; ");
        text.push_str(&h);
    }
    text.replace(['\n', '\r'], " ")
}

/// The full report of a failed command on stderr: `error: …`, one `caused by: …` line per cause,
/// and the hint.
pub fn report(ui: &crate::ui::Ui, e: &Error, flags: &str) {
    ui.error(e);
    for cause in causes(e) {
        ui.line(format_args!("  caused by: {cause}"));
    }
    if let Some(h) = e.hint(flags) {
        ui.hint(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_chain_names_each_cause_once() {
        let fs = crate::fs::FsError::io(
            "cannot replace",
            "/h/.claude.json",
            std::io::Error::from_raw_os_error(28),
        );
        let e = StoreError::Write {
            path: "/h/default.json".into(),
            source: fs,
        };
        let line = chain(&e);
        assert_eq!(
            line,
            "cannot write the credential store /h/default.json: cannot replace /h/.claude.json: \
             No space left on device (os error 28)"
        );
        assert_eq!(line.matches("No space left").count(), 1, "{line}");
        assert_eq!(causes(&e).count(), 2);
    }

    #[test]
    fn exit_codes_separate_login_again_from_try_later() {
        let invalid_grant: Error = OAuthError::InvalidGrant {
            url: "u".into(),
            grant: "refresh token",
            description: None,
        }
        .into();
        assert_eq!(invalid_grant.exit_code(), exit::LOGIN_REQUIRED);
        assert!(invalid_grant
            .hint(" --profile w")
            .unwrap()
            .contains("figma-auth setup --profile w"));
        let unavailable: Error = OAuthError::Unavailable {
            what: "token endpoint",
            url: "u".into(),
            status: 503,
            detail: String::new(),
            retry_after: None,
        }
        .into();
        assert_eq!(unavailable.exit_code(), exit::TEMPORARY);
        let busy = Error::Store(StoreError::Busy {
            path: "p".into(),
            waited: Duration::from_secs(1),
        });
        assert_eq!(busy.exit_code(), exit::BUSY);
        let port: Error = CallbackError::PortInUse { port: 19876 }.into();
        assert_eq!(port.exit_code(), exit::ERROR);
        assert!(port.to_string().contains("19876"));
        assert!(port.hint("").unwrap().contains("--port"));
    }
}
