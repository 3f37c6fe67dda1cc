//! The refresh policy: when the stored access token is fresh enough ([`Policy`]), the one place
//! tokens are refreshed ([`ensure_fresh`], under the profile's store lock) and the lock-free read
//! that `token`, `header` and `env` serve fresh tokens from ([`obtain`]).

use crate::app::Context;
use crate::error::Error;
use crate::oauth::{self, OAuthError, Url};
use crate::secret::AccessToken;
use crate::store::{ClientRecord, ProfileData, StoreError, TokenRecord};
use crate::time::Timestamp;
use crate::token_file::Synced;
use std::time::Duration;

/// When to refresh.
#[derive(Debug, Clone)]
pub(crate) enum Policy {
    /// Only when the access token expires within this time.
    IfExpiringWithin(Duration),
    /// Always.
    Force,
    /// The MCP server rejected this access token (HTTP 401): refresh, unless the store already
    /// holds another one that has not expired (a concurrent process refreshed first), so that N
    /// processes rejected at once make one token request between them.
    Rejected(AccessToken),
}

impl Policy {
    /// True when `token` needs no refresh under this policy.
    fn satisfied_by(&self, token: &TokenRecord) -> bool {
        match self {
            Policy::Force => false,
            Policy::IfExpiringWithin(d) => token.fresh_for(*d, Timestamp::now()),
            Policy::Rejected(rejected) => {
                token.access_token != *rejected && token.fresh_for(Duration::ZERO, Timestamp::now())
            }
        }
    }

    /// After another process rotated the tokens, a forced refresh is satisfied by the token it
    /// got.
    fn after_rotation(&self) -> Policy {
        match self {
            Policy::Force => Policy::IfExpiringWithin(Duration::ZERO),
            p => p.clone(),
        }
    }
}

/// The outcome of [`ensure_fresh`].
#[derive(Debug, Clone)]
pub(crate) struct Fresh {
    /// The stored token after the step (the new one when `refreshed`).
    pub token: TokenRecord,
    /// True when a refresh request was made and its result saved.
    pub refreshed: bool,
}

/// How many times an `invalid_grant` is retried with a newer refresh token found in the store.
const MAX_ATTEMPTS: usize = 3;

/// Makes sure the profile's access token is fresh according to `policy`, refreshing it when
/// needed; the returned token has already been persisted.
///
/// Under the lock: re-read the store, stop when the token satisfies the policy, redeem the
/// refresh token, and save the rotated refresh token before the new access token is returned to
/// anyone. An `invalid_grant` while the store holds a newer refresh token (rotated by a process
/// that did not take the lock) reloads and retries; nothing is ever deleted because of a refresh
/// failure.
pub(crate) fn ensure_fresh(ctx: &Context, policy: Policy) -> Result<Fresh, Error> {
    let lock = ctx.lock()?;
    let mut data = lock
        .load()?
        .ok_or_else(|| login_required(ctx, "no credentials are stored"))?;
    let mut current = data
        .token
        .clone()
        .ok_or_else(|| login_required(ctx, "no tokens are stored (logged out)"))?;
    check_server(ctx, &current)?;
    if policy.satisfied_by(&current) {
        return Ok(Fresh {
            token: current,
            refreshed: false,
        });
    }
    let endpoint = Url::parse(&current.token_endpoint)
        .map_err(|e| e.to_string())
        .and_then(|u| oauth::check_transport(&u).map(|_| u))
        .map_err(|reason| {
            Error::Store(StoreError::Corrupt {
                path: lock.path().to_path_buf(),
                reason: format!("the stored token endpoint is not usable: {reason}"),
            })
        })?;
    let http = ctx.http()?;
    // A refresh spends the refresh token: make sure its result can be saved first.
    lock.check_writable()?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(login_required(
                ctx,
                "the access token expires soon and no refresh token is stored",
            ));
        };
        let client = client_record(ctx, &data, &current)?;
        let started = Timestamp::now();
        match oauth::token::refresh(
            &http,
            &endpoint,
            &client.auth(),
            &refresh_token,
            current.resource.as_deref(),
        ) {
            Ok(resp) => {
                let token = current.refreshed(resp, started);
                data.token = Some(token.clone());
                data.login_required = None;
                // Persist before anyone uses the new access token: the old refresh token may be
                // dead now.
                lock.save(&data).map_err(Error::RefreshNotSaved)?;
                after_save(ctx, &token);
                return Ok(Fresh {
                    token,
                    refreshed: true,
                });
            }
            Err(OAuthError::BadTokenResponse {
                url,
                reason,
                refresh_token: Some(rotated),
            }) => {
                // The response was refused, but it carried a well-formed new refresh token: on a
                // rotating server the old one is spent now, so keep the new one (with the old
                // access token, which is still what the configs hold).
                let kept = TokenRecord {
                    refresh_token: Some(rotated.clone()),
                    refresh_rotated: Some(true),
                    ..current.clone()
                };
                data.token = Some(kept);
                lock.save(&data).map_err(Error::RefreshNotSaved)?;
                return Err(OAuthError::BadTokenResponse {
                    url,
                    reason,
                    refresh_token: Some(rotated),
                }
                .into());
            }
            Err(e @ OAuthError::InvalidGrant { .. }) => {
                // Another process may have rotated the refresh token without our lock (an older
                // figma-auth, a copy of the store): look again, and delete nothing.
                let now = lock.load()?;
                let newer = now.clone().and_then(|d| {
                    let t = d.token.clone()?;
                    let rotated = t.refresh_token.as_ref().map(|r| r.expose())
                        != Some(refresh_token.expose());
                    rotated.then_some((d, t))
                });
                match newer {
                    Some((d, t)) if attempts < MAX_ATTEMPTS => {
                        data = d;
                        current = t;
                        if policy.after_rotation().satisfied_by(&current) {
                            return Ok(Fresh {
                                token: current,
                                refreshed: false,
                            });
                        }
                    }
                    Some(_) => return Err(e.into()),
                    None => {
                        // The store still holds the refresh token the server rejected: say so in
                        // the store (tokens kept), so that `status` reads "login required".
                        if let Some(mut d) = now.filter(|d| d.login_required.is_none()) {
                            d.login_required = Some(crate::store::LoginRequired {
                                since: Timestamp::now(),
                                reason: "the server rejected the refresh token (invalid_grant)"
                                    .into(),
                            });
                            if let Err(save) = lock.save(&d) {
                                ctx.ui.warning(format_args!(
                                    "could not record that a login is required: {}",
                                    crate::error::chain(&save)
                                ));
                            }
                        }
                        return Err(e.into());
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The token [`obtain`] found, and why it could not be refreshed when it should have been.
#[derive(Debug)]
pub(crate) struct Obtained {
    pub token: TokenRecord,
    /// Set when a refresh was due but failed for a reason that leaves the stored token usable
    /// (network, server, busy lock, or a rejected refresh token while the access token still
    /// works): the token has not expired yet, but soon will.
    pub refresh_error: Option<Error>,
}

impl Obtained {
    /// Time left before the token expires.
    pub(crate) fn remaining(&self) -> Duration {
        self.token
            .remaining_at(Timestamp::now())
            .unwrap_or_default()
    }

    /// The one-line warning of a refresh that failed while the token still works: how long it
    /// lasts, why it was not refreshed and what to run (`None` when nothing failed).
    pub(crate) fn refresh_warning(&self, flags: &str) -> Option<String> {
        self.refresh_error.as_ref().map(|e| {
            format!(
                "the access token expires in {} and could not be refreshed: {}",
                crate::time::short_duration(self.remaining()),
                crate::error::one_line(e, flags)
            )
        })
    }
}

/// The profile's access token, valid for at least `min_valid` when possible. A fresh token is
/// read from the store without the lock (the store is replaced atomically, so the read sees a
/// whole file): no network, no lock, a few milliseconds. Otherwise [`ensure_fresh`] refreshes
/// it under the lock. Never prompts, never opens a browser.
pub(crate) fn obtain(ctx: &Context, min_valid: Duration) -> Result<Obtained, Error> {
    if let Some(token) = stored_fresh(ctx, min_valid) {
        return Ok(Obtained {
            token,
            refresh_error: None,
        });
    }
    match ensure_fresh(ctx, Policy::IfExpiringWithin(min_valid)) {
        Ok(fresh) => Ok(Obtained {
            token: fresh.token,
            refresh_error: None,
        }),
        Err(e @ (Error::OAuth(_) | Error::Store(StoreError::Busy { .. }))) => {
            let still_valid = stored_token(ctx)
                .filter(|t| t.remaining_at(Timestamp::now()).is_some() && same_server(ctx, t));
            match still_valid {
                Some(token) => Ok(Obtained {
                    token,
                    refresh_error: Some(e),
                }),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// The profile's stored token, read without the lock; `None` when there is none or the store
/// cannot be read.
pub(crate) fn stored_token(ctx: &Context) -> Option<TokenRecord> {
    ctx.store.load(ctx.profile()).ok()??.token
}

/// The stored token when it is valid for longer than `min_valid` and belongs to the asked
/// authorization server; `None` on any doubt (the locked path then decides and reports).
fn stored_fresh(ctx: &Context, min_valid: Duration) -> Option<TokenRecord> {
    let token = stored_token(ctx)?;
    (token.fresh_for(min_valid, Timestamp::now()) && same_server(ctx, &token)).then_some(token)
}

/// The rule for `--auth-server`: given explicitly, it must be the server the token came from.
fn same_server(ctx: &Context, token: &TokenRecord) -> bool {
    ctx.global
        .auth_server
        .as_ref()
        .is_none_or(|a| oauth::issuer_string(a) == token.auth_server)
}

/// [`same_server`] as an error: the stored login is for another authorization server.
fn check_server(ctx: &Context, token: &TokenRecord) -> Result<(), Error> {
    match &ctx.global.auth_server {
        Some(asked) if !same_server(ctx, token) => Err(login_required(
            ctx,
            &format!(
                "the stored login is for the authorization server {}, not {}",
                token.auth_server,
                oauth::issuer_string(asked)
            ),
        )),
        _ => Ok(()),
    }
}

/// The registration `token` was issued to.
fn client_record(
    ctx: &Context,
    data: &ProfileData,
    token: &TokenRecord,
) -> Result<ClientRecord, Error> {
    match &data.client {
        Some(c) if c.client_id == token.client_id => Ok(c.clone()),
        _ => Err(login_required(
            ctx,
            "the client registration the tokens were issued to is no longer stored",
        )),
    }
}

/// `not logged in (profile P): reason`.
pub(crate) fn login_required(ctx: &Context, reason: &str) -> Error {
    Error::LoginRequired {
        profile: ctx.profile().to_string(),
        reason: reason.to_string(),
    }
}

/// Rewrites the profile's token file when it exists and holds another token. Call with the
/// store lock held, after the token was saved.
pub(crate) fn sync_token_file(ctx: &Context, token: &TokenRecord) -> Result<Synced, Error> {
    crate::token_file::sync(&ctx.store, ctx.profile(), &token.access_token, false)
        .map_err(|e| Error::Apply(e.into()))
}

/// Creates the token file (or brings it up to date): what a config in file mode points at.
pub(crate) fn create_token_file(ctx: &Context, token: &TokenRecord) -> Result<Synced, Error> {
    crate::token_file::sync(&ctx.store, ctx.profile(), &token.access_token, true)
        .map_err(|e| Error::Apply(e.into()))
}

/// [`sync_token_file`] after a token was saved: the token itself is safe in the store, so a
/// failure here only warns (clients reading the file keep the old token until it is fixed).
pub(crate) fn after_save(ctx: &Context, token: &TokenRecord) {
    if let Err(e) = sync_token_file(ctx, token) {
        ctx.ui.warning(format_args!(
            "could not update the token file ({}); clients reading it keep the old token until `figma-auth refresh --force{}` succeeds",
            crate::error::chain(&e),
            ctx.flags()
        ));
    }
}
