//! What a profile's file holds: the client registration, the tokens with their absolute expiry,
//! the account they belong to and the config entries this profile manages.

use super::FORMAT_VERSION;
use crate::oauth::token::TokenResponse;
use crate::secret::{AccessToken, ClientSecret, RefreshToken};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

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
