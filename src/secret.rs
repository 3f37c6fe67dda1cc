//! Secrets as types: every credential figma-auth handles is wrapped in a newtype whose `Debug`
//! prints a placeholder and which has no `Display`. Reading the value is an explicit `.expose()`
//! call, so a secret cannot reach a log, an error or a format string by accident.

use serde::{Deserialize, Serialize};

macro_rules! secret_type {
    ($(#[$doc:meta])* $vis:vis $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        $vis struct $name(String);

        impl $name {
            $vis fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value. Every call site is a place where the secret leaves its box:
            /// keep them few and never pass the result to a formatter that reaches output.
            $vis fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// An OAuth access token (sent as `Authorization: Bearer …`).
    pub AccessToken
);

impl AccessToken {
    /// A masked form safe to show: the first characters and the last four, e.g. `figu_…x7Qa`.
    /// Short values are masked entirely.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

secret_type!(
    /// An OAuth refresh token.
    pub RefreshToken
);
secret_type!(
    /// The client secret returned by dynamic client registration.
    pub ClientSecret
);
secret_type!(
    /// A Figma personal access token, sent as `X-Figma-Token` at registration only.
    pub(crate) Pat
);
secret_type!(
    /// The `state` parameter of one authorization attempt.
    pub(crate) State
);
secret_type!(
    /// The authorization code returned on the callback.
    pub(crate) AuthCode
);

/// The environment variable holding a Figma personal access token for `login`.
pub(crate) const PAT_ENV: &str = "FIGMA_PERSONAL_ACCESS_TOKEN";

static PAT_FROM_ENV: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Takes the secrets figma-auth reads from its environment out of the process environment, so
/// that no child process (a browser, git, crontab, systemctl, a helper) inherits them;
/// [`pat_from_env`] then returns the value.
///
/// # Safety
///
/// It changes the process environment: call it first thing in `main`, while no other thread
/// exists (none may read or write the environment meanwhile).
#[allow(unsafe_code)]
pub unsafe fn capture_env_secrets() {
    let pat = std::env::var(PAT_ENV).ok();
    let _ = PAT_FROM_ENV.set(pat);
    // SAFETY: the caller guarantees that no other thread exists.
    unsafe { std::env::remove_var(PAT_ENV) };
}

/// `FIGMA_PERSONAL_ACCESS_TOKEN` as it was when the process started (read directly when
/// [`capture_env_secrets`] was not called, as in library use).
pub(crate) fn pat_from_env() -> Option<String> {
    match PAT_FROM_ENV.get() {
        Some(v) => v.clone(),
        None => std::env::var(PAT_ENV).ok(),
    }
}

/// The PKCE code verifier. Deliberately not `Clone`: one verifier belongs to one attempt.
#[derive(PartialEq, Eq)]
pub(crate) struct PkceVerifier(String);

impl PkceVerifier {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// Masks a secret for display: keeps a recognisable prefix (up to the first `_`, at most 5
/// characters) and the last four characters; values shorter than 16 characters show only `…`.
pub(crate) fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 16 {
        return "…".to_string();
    }
    let prefix_len = chars
        .iter()
        .take(5)
        .position(|c| *c == '_')
        .map(|p| p + 1)
        .unwrap_or(0);
    let prefix: String = chars[..prefix_len].iter().collect();
    let suffix: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "figu_CANARY_SECRET_1234567890";

    #[test]
    fn debug_never_shows_the_value() {
        let outputs = [
            format!("{:?}", AccessToken::new(CANARY)),
            format!("{:?}", RefreshToken::new(CANARY)),
            format!("{:?}", ClientSecret::new(CANARY)),
            format!("{:?}", Pat::new(CANARY)),
            format!("{:?}", State::new(CANARY)),
            format!("{:?}", AuthCode::new(CANARY)),
            format!("{:?}", PkceVerifier::new(CANARY)),
            format!("{:#?}", Some(AccessToken::new(CANARY))),
        ];
        for out in outputs {
            assert!(!out.contains(CANARY), "{out}");
            assert!(!out.contains("CANARY"), "{out}");
            assert!(out.contains("[redacted]"), "{out}");
        }
    }

    #[test]
    fn expose_returns_the_value() {
        assert_eq!(AccessToken::new(CANARY).expose(), CANARY);
        assert_eq!(PkceVerifier::new(CANARY).expose(), CANARY);
    }

    #[test]
    fn mask_keeps_prefix_and_last_four() {
        assert_eq!(mask(CANARY), "figu_…7890");
        assert_eq!(mask("abcdefghijklmnopqrstuvwxyz"), "…wxyz");
        assert_eq!(mask("short"), "…");
        assert!(!mask(CANARY).contains("CANARY"));
    }
}
