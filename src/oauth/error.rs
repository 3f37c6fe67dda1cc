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
        source: reqwest::Error,
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

    #[error("{}", registration_message(.url, .status, .client_name, .redirect_uri, .kind, .detail, *.pat_sent))]
    RegistrationRefused {
        url: String,
        status: u16,
        client_name: String,
        redirect_uri: String,
        kind: RefusalKind,
        detail: String,
        pat_sent: bool,
    },

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

fn registration_message(
    url: &str,
    status: &u16,
    client_name: &str,
    redirect_uri: &str,
    kind: &RefusalKind,
    detail: &str,
    pat_sent: bool,
) -> String {
    let what = match kind {
        RefusalKind::Forbidden if pat_sent => format!(
            "the client name {client_name:?} is not on its allow-list, or the personal access token was not accepted"
        ),
        RefusalKind::Forbidden => format!(
            "the client name {client_name:?} is not on its allow-list, or it requires a personal access token"
        ),
        RefusalKind::Unauthorized if pat_sent => {
            "the personal access token was not accepted".to_string()
        }
        RefusalKind::Unauthorized => "it requires a personal access token".to_string(),
        RefusalKind::InvalidRedirectUri => format!(
            "the redirect URI {redirect_uri} is not accepted for the client name {client_name:?}"
        ),
        RefusalKind::Other(code) => code.clone(),
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(", server said: {detail}")
    };
    format!("the authorization server refused to register figma-auth as a client at {url}: {what} (HTTP {status}{detail})")
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

    /// One actionable next step, when there is one. `flags` is appended to suggested commands
    /// (e.g. ` --profile work`).
    pub fn hint(&self, flags: &str) -> Option<String> {
        Some(match self {
            OAuthError::Network { .. } => "check the network connection (and the --auth-server URL), then run the command again".to_string(),
            OAuthError::Unavailable { status: 429, .. } => "the server is rate limiting requests (a quota, not a problem with the token); wait a little and run the command again".to_string(),
            OAuthError::Unavailable { .. } => "this is a server-side problem, usually temporary: run the command again later".to_string(),
            OAuthError::IssuerMismatch { .. } | OAuthError::UnsafeEndpoint { .. } => {
                "check --auth-server (FIGMA_AUTH_SERVER); the default is https://api.figma.com".to_string()
            }
            OAuthError::RegistrationRefused { kind, pat_sent, .. } => match kind {
                RefusalKind::InvalidRedirectUri => format!("use the default redirect URI (--port 19876 --callback-path /mcp/oauth/callback), or try another --client-name such as \"Claude Code\" or \"Codex\": figma-auth login{flags} --client-name \"Claude Code\""),
                RefusalKind::Forbidden | RefusalKind::Unauthorized if *pat_sent => format!("check FIGMA_PERSONAL_ACCESS_TOKEN (create one in Figma under Settings → Security → Personal access tokens), or try another client name: figma-auth login{flags} --client-name \"Claude Code\""),
                RefusalKind::Forbidden | RefusalKind::Unauthorized => format!("provide a Figma personal access token (FIGMA_PERSONAL_ACCESS_TOKEN=… figma-auth login{flags}), or try another client name: figma-auth login{flags} --client-name \"Claude Code\""),
                RefusalKind::Other(_) => format!("try another client name (figma-auth login{flags} --client-name \"Claude Code\") or a personal access token (FIGMA_PERSONAL_ACCESS_TOKEN)"),
            },
            OAuthError::InvalidGrant { grant: "refresh token", .. } => format!("the login has expired or was revoked: run `figma-auth setup{flags}` (it logs in again and updates the configs holding the old token)"),
            OAuthError::InvalidGrant { .. } => format!("the authorization code was not accepted: run `figma-auth login{flags}` again"),
            OAuthError::TokenRefused { error, .. } if matches!(error.as_deref(), Some("invalid_client" | "unauthorized_client")) => format!("the client registration is no longer accepted: run `figma-auth login{flags} --reregister`"),
            OAuthError::TokenRefused { .. } => format!("run `figma-auth login{flags} --reregister`; if it keeps failing, try --no-resource"),
            OAuthError::Callback(c) => return c.hint(flags),
            _ => return None,
        })
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

    #[error("the login callback carries no `iss` parameter although the authorization server promises one (RFC 9207); login refused")]
    MissingIss,

    #[error("the login callback carried neither a code nor an error")]
    MissingCode,

    #[error("the login was cancelled")]
    Cancelled,
}

impl CallbackError {
    pub fn hint(&self, flags: &str) -> Option<String> {
        Some(match self {
            CallbackError::PortInUse { .. } => format!("stop the program using that port, or choose another with --port (e.g. `figma-auth login{flags} --port 0` for any free port; Figma may only accept the registered redirect URI)"),
            CallbackError::Timeout { .. } => format!("run `figma-auth login{flags}` again and finish the login in the browser; on a remote machine use --no-browser and paste the final address from the browser's address bar; --timeout gives more time"),
            CallbackError::Denied { error, .. } if error == "access_denied" => format!("the consent was declined in the browser; run `figma-auth login{flags}` again and choose Allow"),
            CallbackError::Denied { .. } => format!("run `figma-auth login{flags}` again; if it keeps failing, try --reregister or --no-resource"),
            _ => return None,
        })
    }
}
