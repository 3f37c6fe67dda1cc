//! `figma-auth refresh` and [`ensure_fresh`], the one place tokens are refreshed (`token` uses it
//! too). Under the profile's lock: re-read the store, skip when the access token is still fresh
//! (unless forced), redeem the refresh token, and save the rotated refresh token before the new
//! access token is returned to anyone. An `invalid_grant` while the store holds a newer refresh
//! token (rotated by a process that did not take the lock) reloads and retries; nothing is ever
//! deleted because of a refresh failure.
//!
//! After the token step, [`run`] brings the entries this profile manages (the ones `setup`
//! recorded, nothing else) up to date with the token the store holds: a preview, or with
//! `--write` a write under the profile's lock. Without `--write` the token is still renewed when
//! due (or forced); the configs then hold the previous token until `refresh --write`.

use super::Context;
use crate::apply::{self, Verdict};
use crate::cli::RefreshArgs;
use crate::error::{exit, Error};
use crate::oauth::{self, OAuthError, Url};
use crate::secret::AccessToken;
use crate::store::{ClientRecord, ProfileData, TokenRecord};
use crate::time::Timestamp;
use std::time::Duration;

/// When to refresh.
#[derive(Debug, Clone)]
pub enum Policy {
    /// Only when the access token expires within this time.
    IfExpiringWithin(Duration),
    /// Always.
    Force,
    /// The MCP server rejected this access token (HTTP 401): refresh, unless the store already
    /// holds another one that has not expired (a concurrent process refreshed first), so that N
    /// processes rejected at once make one token request between them.
    Rejected(AccessToken),
}

/// The outcome of [`ensure_fresh`].
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The stored token after the step (the new one when `refreshed`).
    pub token: TokenRecord,
    /// True when a refresh request was made and its result saved.
    pub refreshed: bool,
}

/// How many times an `invalid_grant` is retried with a newer refresh token found in the store.
const MAX_ATTEMPTS: usize = 3;

/// Makes sure the profile's access token is fresh according to `policy`, refreshing it (under
/// the store lock) when needed. The returned token has already been persisted.
pub fn ensure_fresh(ctx: &Context, policy: Policy) -> Result<Fresh, Error> {
    let lock = ctx.lock()?;
    let mut data = lock
        .load()?
        .ok_or_else(|| login_required(ctx, "no credentials are stored"))?;
    let mut current = data
        .token
        .clone()
        .ok_or_else(|| login_required(ctx, "no tokens are stored (logged out)"))?;
    check_server(ctx, &current)?;
    if is_fresh(&current, &policy) {
        return Ok(Fresh {
            token: current,
            refreshed: false,
        });
    }
    let endpoint = Url::parse(&current.token_endpoint)
        .map_err(|e| e.to_string())
        .and_then(|u| oauth::check_transport(&u).map(|_| u))
        .map_err(|reason| {
            Error::Store(crate::store::StoreError::Corrupt {
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
                let rotated = resp.refresh_token.is_some();
                let token = TokenRecord {
                    access_token: resp.access_token,
                    // No new refresh token: the old one stays valid, keep it.
                    refresh_token: resp.refresh_token.or(Some(refresh_token)),
                    expires_in: (!resp.expires_in_defaulted).then_some(resp.expires_in.as_secs()),
                    refresh_rotated: Some(rotated),
                    token_type: resp.token_type,
                    scope: resp.scope.or(current.scope.clone()),
                    expires_at: started.plus(resp.expires_in),
                    obtained_at: started,
                    expires_in_defaulted: resp.expires_in_defaulted,
                    ..current.clone()
                };
                data.token = Some(token.clone());
                data.login_required = None;
                // Persist before anyone uses the new access token: the old refresh token may be
                // dead now.
                lock.save(&data).map_err(Error::RefreshNotSaved)?;
                super::token_file::after_save(ctx, &token);
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
                        if is_fresh(&current, &policy_after_rotation(&policy)) {
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
                                eprintln!(
                                    "warning: could not record that a login is required: {save}"
                                );
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

/// After another process rotated the tokens, a forced refresh is satisfied by the token it got.
fn policy_after_rotation(policy: &Policy) -> Policy {
    match policy {
        Policy::Force => Policy::IfExpiringWithin(Duration::ZERO),
        p => p.clone(),
    }
}

fn is_fresh(token: &TokenRecord, policy: &Policy) -> bool {
    match policy {
        Policy::Force => false,
        Policy::IfExpiringWithin(d) => token.fresh_for(*d, Timestamp::now()),
        Policy::Rejected(rejected) => {
            token.access_token != *rejected && token.fresh_for(Duration::ZERO, Timestamp::now())
        }
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

/// An explicit `--auth-server` must be the one the tokens came from.
fn check_server(ctx: &Context, token: &TokenRecord) -> Result<(), Error> {
    if let Some(asked) = &ctx.global.auth_server {
        let asked = oauth::issuer_string(asked);
        if asked != token.auth_server {
            return Err(login_required(
                ctx,
                &format!(
                    "the stored login is for the authorization server {}, not {asked}",
                    token.auth_server
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn login_required(ctx: &Context, reason: &str) -> Error {
    Error::LoginRequired {
        profile: ctx.profile().to_string(),
        reason: reason.to_string(),
    }
}

/// `figma-auth refresh`.
pub fn run(ctx: &Context, args: &RefreshArgs) -> Result<u8, Error> {
    let mut summary = String::new();
    let result = run_logged(ctx, args, &mut summary);
    if args.log {
        let code = match &result {
            Ok(c) => *c,
            Err(e) => e.exit_code(),
        };
        if let Err(e) = &result {
            summary = format!("error: {}", crate::error::chain(e));
        }
        let line = crate::schedule::format_run_log_line(
            std::time::SystemTime::now(),
            ctx.profile(),
            code.into(),
            &summary,
        );
        if let Err(e) = crate::schedule::append_run_log(&ctx.env.app_state_dir(), &line) {
            crate::ui::warning(format_args!("could not append to the run log: {e}"));
        }
        // A scheduled run: one line per config file (above), then this one summary line.
        return match result {
            Ok(code) => {
                eprintln!("{summary}");
                Ok(code)
            }
            Err(e) => {
                crate::ui::error(crate::error::chain(&e));
                Err(Error::Reported(e.exit_code()))
            }
        };
    }
    result
}

fn run_logged(ctx: &Context, args: &RefreshArgs, summary: &mut String) -> Result<u8, Error> {
    ctx.warn_permissions();
    let policy = if args.force {
        Policy::Force
    } else {
        Policy::IfExpiringWithin(args.min_valid)
    };
    let fresh = ensure_fresh(ctx, policy)?;
    let now = Timestamp::now();
    let when = format!(
        "{} ({})",
        fresh.token.expires_at.rfc3339(),
        fresh.token.expires_at.relative_to(now)
    );
    if args.log {
        // The summary line at the end says it.
    } else if fresh.refreshed {
        eprintln!(
            "Refreshed the access token (profile {}); it expires {when}.",
            ctx.profile()
        );
    } else {
        eprintln!(
            "The access token is still valid (profile {}) and expires {when}; not refreshed (use --force to refresh anyway).",
            ctx.profile()
        );
    }
    let (code, configs) = update_configs(ctx, args, &fresh)?;
    *summary = format!(
        "token {}, expires {}; {configs}",
        if fresh.refreshed {
            "refreshed"
        } else {
            "still valid"
        },
        fresh.token.expires_at.relative_to(now)
    );
    Ok(code)
}

/// The config step of `refresh`: the entries this profile manages get the token the store holds
/// — previewed as a diff, or written with `--write` (under the store lock,
/// [`apply::Configs::update_managed`]).
/// Files already current are not touched (no write, no mtime change).
fn update_configs(ctx: &Context, args: &RefreshArgs, fresh: &Fresh) -> Result<(u8, String), Error> {
    let clients = match args.configs.targets.as_slice() {
        [] => None,
        names => Some(ctx.clients(names)?),
    };
    let batch = ctx.configs().update_managed(&apply::Update {
        clients: clients.as_deref(),
        server_name: args.configs.server_name.as_deref(),
        write: args.write,
        allow_tracked: args.allow_tracked,
        keep_mode: args.keep_mode,
        show_secrets: args.configs.show_secrets,
        color: apply::Color::for_stdout(),
    })?;
    if !args.json {
        batch.print_all(&ctx.env);
    }
    if args.json {
        let mut v = batch.json(&ctx.env);
        v["profile"] = ctx.profile().into();
        v["write"] = args.write.into();
        v["token"] = serde_json::json!({
            "refreshed": fresh.refreshed,
            "expires_at": fresh.token.expires_at.rfc3339(),
        });
        let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
        text.push('\n');
        super::token::write_stdout(&text)?;
    }
    let pending = batch.files(Verdict::is_pending);
    if !args.write && pending > 0 {
        let (files, hold) = if pending == 1 {
            ("file", "holds")
        } else {
            ("files", "hold")
        };
        if fresh.refreshed {
            eprintln!(
                "The access token was renewed, but no config was written: the {pending} {files} above still {hold} the previous token, which works until it expires. To update them, run `figma-auth refresh --write{}`.",
                ctx.flags()
            );
        } else {
            eprintln!(
                "Nothing was written. To apply, run `figma-auth refresh --write{}`.",
                ctx.flags()
            );
        }
    }
    if batch.results.is_empty() && !args.json && ctx.ui.stderr_tty {
        eprintln!(
            "Profile {} manages no client config: `figma-auth setup{}` configures your clients (entries set up by hand are left alone; `figma-auth status` lists them).",
            ctx.profile(),
            ctx.flags()
        );
    }
    if !args.log {
        apply::print_reload_hints(&batch.written_clients());
    }
    match batch.error(Some(format!(
        "fix the files named above, then run `figma-auth refresh --write{}` again",
        ctx.flags()
    ))) {
        Some(e) => Err(e),
        None => Ok((
            exit::OK,
            format!(
                "configs: {} updated, {} current, {} pending",
                batch.count(Verdict::is_written),
                batch.count(Verdict::is_current),
                batch.count(Verdict::is_pending),
            ),
        )),
    }
}
