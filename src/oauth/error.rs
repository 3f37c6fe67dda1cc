//! Errors of the OAuth layer. Every variant names the endpoint or URL (never with its query string)
//! and is classified by [`OAuthError::class`]: log in again, try again later, or a plain failure.

use std::time::Duration;

/// How a failure should be handled by the user (and which exit code it gets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The credentials are gone or rejected: run `figma-auth login`.
    LoginRequired,
    /// Network trouble, a 5xx or a 429: nothing is wrong with the credentials, retry later.
    Temporary,
    /// Anything else: the message says what to change.
    Failure,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalKind {
    /// 403 (often a plain-text `Forbidden`): client name not on the allow-list, or the PAT refused.
    Forbidden,
    /// 401: the personal access token was missing or not accepted.
    Unauthorized,
    /// 400 `invalid_redirect_uri`.
    InvalidRedirectUri,
    /// 400 `invalid_client_metadata` or another OAuth error code.
    Other(String),
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("cannot create the HTTP client")]
    Client(#[source] reqwest::Error),

    #[error("could not reach the {what} at {url}{}", if *.timed_out { " (timed out)" } else { "" })]
    Network {
        what: &'static str,
        url: String,
        timed_out: bool,
        #[source]
        source: super::http::TransportError,
    },

    #[error("the {what} at {url} is unavailable (HTTP {status}{}){}", if detail.is_empty() { String::new() } else { format!(": {detail}") }, retry_after.map(|d| format!("; retry after {}s", d.as_secs())).unwrap_or_default())]
    Unavailable {
        what: &'static str,
        url: String,
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },

    #[error("the {what} at {url} answered with a redirect (HTTP {status}) to {location}; figma-auth does not follow redirects for this request")]
    Redirected {
        what: &'static str,
        url: String,
        status: u16,
        location: String,
    },

    #[error("the {what} at {url} sent an unexpected response: {reason}")]
    BadResponse {
        what: &'static str,
        url: String,
        reason: String,
    },

    #[error("the token endpoint at {url} sent a token response figma-auth refuses: {reason}{}", if refresh_token.is_some() { "; the new refresh token it carried was kept" } else { "" })]
    BadTokenResponse {
        url: String,
        reason: String,
        /// A well-formed refresh token the refused response carried (kept: the old one may be
        /// spent). A secret: never part of the message.
        refresh_token: Option<crate::secret::RefreshToken>,
    },

    #[error("the authorization server metadata at {url} names the issuer {found:?}, but figma-auth asked {expected:?}; refusing to continue")]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },

    #[error("the authorization server metadata lists an unsafe {field} {endpoint}: {reason}")]
    UnsafeEndpoint {
        field: &'static str,
        endpoint: String,
        reason: String,
    },

    #[error("the authorization server does not offer PKCE with S256 (code_challenge_methods_supported: {methods}); figma-auth refuses to log in without it")]
    NoS256 { methods: String },

    #[error("{}", registration_message(.0))]
    RegistrationRefused(Box<Refusal>),

    #[error("the token endpoint {url} rejected the {grant} (invalid_grant{})", description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    InvalidGrant {
        url: String,
        grant: &'static str,
        description: Option<String>,
    },

    #[error("the token endpoint {url} refused the {grant} (HTTP {status}: {detail})")]
    TokenRefused {
        url: String,
        grant: &'static str,
        status: u16,
        error: Option<String>,
        detail: String,
    },

    #[error(transparent)]
    Callback(#[from] CallbackError),
}

/// A registration the server refused, with what was tried.
#[derive(Debug)]
pub struct Refusal {
    pub url: String,
    pub status: u16,
    pub client_name: String,
    pub redirect_uri: String,
    pub kind: RefusalKind,
    pub detail: String,
    /// What was tried with a personal access token.
    pub pat: PatTrial,
    /// `--callback-path` was given: exactly this path was asked for, with no fallback.
    pub explicit_path: Option<String>,
    /// Redirect URIs refused (`invalid_redirect_uri`) before this one.
    pub refused_uris: Vec<String>,
}

/// Where the personal access token of a login came from (hints name that place, never another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatSource {
    /// `FIGMA_PERSONAL_ACCESS_TOKEN`.
    Env,
    /// `--pat-stdin`.
    Stdin,
    /// Typed at the hidden prompt.
    Prompt,
}

/// What a registration tried with a personal access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatTrial {
    /// None was sent; `asked`: the user was asked for one and skipped.
    None { asked: bool },
    /// One was sent, and this is the answer.
    Sent(PatSource),
    /// One was sent and refused; the registration was then tried without it and refused again
    /// with HTTP `without` (the answer reported).
    SentAndWithout { source: PatSource, without: u16 },
}

/// Another client name to suggest than the one the server refused.
pub(crate) fn other_client_name(refused: &str) -> &'static str {
    ["Claude Code", "Codex", "Claude Code (figma)"]
        .into_iter()
        .find(|n| !n.eq_ignore_ascii_case(refused.trim()))
        .expect("three distinct names")
}

fn registration_message(r: &Refusal) -> String {
    let Refusal {
        url,
        status,
        client_name,
        redirect_uri,
        kind,
        detail,
        pat,
        explicit_path,
        refused_uris,
    } = r;
    let what = match kind {
        RefusalKind::InvalidRedirectUri if !refused_uris.is_empty() => {
            let mut all = refused_uris.clone();
            all.push(redirect_uri.clone());
            format!(
                "none of the redirect URIs {} is accepted for the client name {client_name:?}",
                all.join(", ")
            )
        }
        RefusalKind::InvalidRedirectUri => match explicit_path {
            Some(p) => format!(
                "the redirect URI {redirect_uri} is not accepted for the client name {client_name:?} (--callback-path {p} asks for exactly that path)"
            ),
            None => format!(
                "the redirect URI {redirect_uri} is not accepted for the client name {client_name:?}"
            ),
        },
        RefusalKind::Forbidden | RefusalKind::Unauthorized => match pat {
            PatTrial::None { .. } => format!(
                "the client name {client_name:?} was refused without a personal access token"
            ),
            PatTrial::Sent(_) if *kind == RefusalKind::Unauthorized => {
                "the personal access token was rejected".to_string()
            }
            PatTrial::Sent(_) => format!(
                "the client name {client_name:?} was refused with the personal access token"
            ),
            PatTrial::SentAndWithout { without: 401, .. } => {
                "the personal access token was rejected, and registering without one is refused too".to_string()
            }
            PatTrial::SentAndWithout { without, .. } if *kind == RefusalKind::Unauthorized => format!(
                "the personal access token was rejected, and without it the client name {client_name:?} was refused (HTTP {without})"
            ),
            PatTrial::SentAndWithout { .. } => format!(
                "the client name {client_name:?} was refused, with and without the personal access token"
            ),
        },
        RefusalKind::Other(code) => code.clone(),
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(", server said: {detail}")
    };
    format!("the authorization server refused to register figma-auth as a client at {url}: {what} (HTTP {status}{detail})")
}

impl Refusal {
    /// Where the rejected personal access token came from, when the refusal proves it was
    /// rejected.
    pub fn pat_rejected(&self) -> Option<PatSource> {
        pat_rejected(&self.kind, &self.pat)
    }
}

fn pat_rejected(kind: &RefusalKind, pat: &PatTrial) -> Option<PatSource> {
    match pat {
        PatTrial::Sent(s) if *kind == RefusalKind::Unauthorized => Some(*s),
        PatTrial::SentAndWithout {
            source,
            without: 401,
        } => Some(*source),
        PatTrial::SentAndWithout { source, .. } if *kind == RefusalKind::Unauthorized => {
            Some(*source)
        }
        _ => None,
    }
}

impl OAuthError {
    pub fn class(&self) -> ErrorClass {
        match self {
            OAuthError::Network { .. } | OAuthError::Unavailable { .. } => ErrorClass::Temporary,
            OAuthError::InvalidGrant { .. } => ErrorClass::LoginRequired,
            OAuthError::TokenRefused { error, .. }
                if error.as_deref() == Some("invalid_client")
                    || error.as_deref() == Some("unauthorized_client") =>
            {
                ErrorClass::LoginRequired
            }
            _ => ErrorClass::Failure,
        }
    }
}

/// Errors of the loopback callback listener and the wait for the browser.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("port {port} on 127.0.0.1 is already in use, so figma-auth cannot receive the login callback there")]
    PortInUse { port: u16 },

    #[error("cannot listen on {addr} for the login callback")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },

    #[error("the login callback listener on {addr} failed")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },

    #[error("no login callback arrived at {redirect_uri} within {}", crate::time::short_duration(*.waited))]
    Timeout {
        redirect_uri: String,
        waited: Duration,
    },

    #[error("the authorization server ended the login with {error}{}", description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied {
        /// Escaped (control characters) and truncated.
        error: String,
        description: Option<String>,
    },

    #[error("the login callback names the issuer {found:?} but the authorization server is {expected:?} (RFC 9207 mix-up protection); login refused")]
    IssuerMismatch { expected: String, found: String },

    #[error("the one-time login link {url} was opened a second time; another program on this machine may have read it and tried to take over the login, so the login was stopped")]
    StartUrlReused { url: String },

    #[error("the login callback carried neither a code nor an error")]
    MissingCode,

    #[error("the login was cancelled")]
    Cancelled,
}
