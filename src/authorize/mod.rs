//! The browser login that `login` and `setup` run: discovery, the client registration (reused
//! when it matches, [`register`]), the authorization-code flow with PKCE through a one-time start
//! link and the loopback callback ([`wait`]), the tokens stored under the profile's lock.

mod register;
mod wait;

use crate::app::Context;
use crate::cli::LoginArgs;
use crate::error::{exit, Error};
use crate::oauth::callback::{Expected, Listener};
use crate::oauth::{self, browser, discovery, pkce::Pkce, token, KNOWN_CALLBACK_PATHS};
use crate::store::{ClientRecord, TokenRecord};
use crate::time::{short_duration, Timestamp};
use register::{register_client, PatState};
use std::time::Duration;
use wait::wait_for_callback;

/// The longest figma-auth waits for the MCP server's `whoami` after a login.
const WHOAMI_DEADLINE: Duration = Duration::from_secs(10);

/// The login itself, for `login` and `setup` (which updates the configs itself): ends with one
/// `✓ Logged in` line, and with `report` also the token's expiry and the store's path.
///
/// Discovery, client registration (reused when it matches; the redirect URI shape the server
/// accepts found by itself; a personal access token when one is given or asked for), a one-time
/// start link for the browser (or the printed URL), the loopback callback, the code exchange, the
/// result stored under the profile's lock, and the account the MCP server names.
pub(crate) fn perform(ctx: &Context, args: &LoginArgs, report: bool) -> Result<u8, Error> {
    ctx.secure_store();
    let mut pat = PatState::new(ctx, args)?;
    let base = ctx.auth_server();
    let http = ctx.http()?;
    let meta = discovery::discover(&http, &base)?;
    let stored = ctx.store.load(ctx.profile())?.unwrap_or_default();
    let now = Timestamp::now();
    // The registration of this server and client name, if any: its port and path come first.
    let prior = stored
        .client
        .clone()
        .filter(|c| c.auth_server == meta.issuer && c.client_name == args.client_name);
    let paths = callback_paths(args, prior.as_ref());
    let mut listener = bind(args, prior.as_ref(), &paths[0])?;
    let mcp_url = ctx.mcp_url();
    let resource = (!args.no_resource).then_some(mcp_url.as_str());

    let reusable = if args.reregister {
        None
    } else {
        paths.iter().find_map(|p| {
            let uri = listener.redirect_uri_for(p);
            prior
                .clone()
                .filter(|c| c.matches(&meta.issuer, &uri, &args.client_name, now))
                .map(|c| (p.clone(), c))
        })
    };
    let (path, client) = match reusable {
        Some(found) => found,
        None => register_client(ctx, &http, &meta, args, &listener, &paths, &mut pat, now)?,
    };
    drop(pat);
    listener.set_path(&path);
    let redirect_uri = listener.redirect_uri();

    let pkce = Pkce::generate();
    let expected = Expected {
        state: oauth::pkce::new_state(),
        issuer: meta.issuer.clone(),
    };
    let url = oauth::authorization_url(
        &meta.authorization_endpoint,
        &oauth::AuthorizationRequest {
            client_id: &client.client_id,
            redirect_uri: &redirect_uri,
            state: &expected.state,
            code_challenge: &pkce.challenge,
            resource,
        },
    );
    // The browser gets a one-time loopback link, never the authorization URL: a browser's command
    // line is readable by every local user, and the URL carries `state` and the PKCE challenge.
    // The URL itself is shown only here, on this terminal.
    let start = listener.start_url(url.as_str());
    let opened = if args.no_browser {
        browser::Opened::NotStarted("--no-browser".to_string())
    } else {
        browser::open(&start)
    };
    let code = wait_for_callback(ctx, args, listener, &expected, url.as_str(), &opened)?;

    let tokens = token::exchange_code(
        &http,
        &meta.token_endpoint,
        &client.auth(),
        &code,
        &redirect_uri,
        &pkce.verifier,
        resource,
    )?;
    crate::fault::panic_point("login", || tokens.access_token.expose().to_string());
    let expires_in_defaulted = tokens.expires_in_defaulted;
    let mut record = TokenRecord::from_response(
        tokens,
        Timestamp::now(),
        &meta.issuer,
        meta.token_endpoint.as_str(),
        &client.client_id,
        resource,
    );
    {
        let lock = ctx.lock()?;
        let mut data = lock.load()?.unwrap_or_default();
        data.client = Some(client);
        data.token = Some(record.clone());
        data.login_required = None;
        lock.save(&data)?;
        crate::session::after_save(ctx, &record);
    }
    // Which account this is (the tokens are saved already: this is only information).
    if let Some(account) = whoami(ctx, &http, &record) {
        record.account = Some(account.clone());
        let lock = ctx.lock()?;
        if let Some(mut data) = lock.load()? {
            let same = data
                .token
                .as_ref()
                .is_some_and(|t| t.access_token == record.access_token);
            if same {
                if let Some(t) = data.token.as_mut() {
                    t.account = Some(account);
                }
                lock.save(&data)?;
            }
        }
    }

    let who = match &record.account {
        Some(a) => format!("Logged in as {}", a.label()),
        None => "Logged in to Figma".to_string(),
    };
    ctx.ui
        .success(format_args!("{who} (profile {})", ctx.profile()));
    if report {
        ctx.ui.line(format_args!(
            "The access token expires {} ({}){}.",
            record.expires_at.rfc3339(),
            record.expires_at.relative_to(Timestamp::now()),
            if record.refresh_token.is_some() {
                "; `figma-auth refresh` renews it"
            } else {
                "; the server issued no refresh token, so log in again then"
            }
        ));
    }
    if expires_in_defaulted {
        ctx.ui.note(format_args!(
            "the server did not say when the token expires; assuming {}.",
            short_duration(token::DEFAULT_EXPIRES_IN)
        ));
    }
    if report {
        ctx.ui.line(format_args!(
            "Credentials: {}",
            ctx.show_path(&ctx.store.path(ctx.profile()))
        ));
    }
    Ok(exit::OK)
}

/// Asks the MCP server which account `record`'s token belongs to — only the server the token was
/// issued for, within [`WHOAMI_DEADLINE`]; `None` whenever that is not possible.
pub(crate) fn whoami(
    ctx: &Context,
    http: &oauth::http::Http,
    record: &TokenRecord,
) -> Option<crate::store::Account> {
    let mcp_url = ctx.mcp_url();
    if record.resource.as_deref().is_some_and(|r| r != mcp_url) {
        return None;
    }
    crate::mcp::whoami(
        &http.at_most(WHOAMI_DEADLINE),
        &ctx.global.mcp_url,
        &record.access_token,
    )
}

/// The callback paths to try, in order: exactly `--callback-path` when given; otherwise the known
/// shapes ([`KNOWN_CALLBACK_PATHS`]), the one of the stored registration first.
fn callback_paths(args: &LoginArgs, prior: Option<&ClientRecord>) -> Vec<String> {
    if let Some(p) = &args.callback_path {
        return vec![p.clone()];
    }
    let mut paths: Vec<String> = KNOWN_CALLBACK_PATHS.iter().map(|p| p.to_string()).collect();
    if let Some(prior_path) = prior
        .and_then(|c| redirect_parts(&c.redirect_uri))
        .map(|(_, p)| p)
        && let Some(i) = paths.iter().position(|p| *p == prior_path)
    {
        let p = paths.remove(i);
        paths.insert(0, p);
    }
    paths
}

/// `(port, path)` of a loopback redirect URI `http://127.0.0.1:PORT/PATH`.
fn redirect_parts(uri: &str) -> Option<(u16, String)> {
    let u = url::Url::parse(uri).ok()?;
    (u.scheme() == "http" && u.host_str() == Some("127.0.0.1")).then_some(())?;
    Some((u.port()?, u.path().to_string()))
}

/// Binds the callback listener on `--port`; with `--port 0`, the stored registration's port is
/// taken when it is free (so the registration can be reused), else any free port.
fn bind(args: &LoginArgs, prior: Option<&ClientRecord>, path: &str) -> Result<Listener, Error> {
    if args.port == 0
        && let Some((port, _)) = prior.and_then(|c| redirect_parts(&c.redirect_uri))
        && let Ok(l) = Listener::bind(port, path)
    {
        return Ok(l);
    }
    Ok(Listener::bind(args.port, path)?)
}

/// Stores a new registration right away when the profile holds no tokens (so a failed or
/// cancelled browser step does not cost another registration). Tokens issued to a previous
/// client stay with that client until the login completes.
fn save_registration(ctx: &Context, record: &ClientRecord) -> Result<(), Error> {
    let lock = ctx.lock()?;
    let mut data = lock.load()?.unwrap_or_default();
    if data.token.is_none() {
        data.client = Some(record.clone());
        lock.save(&data)?;
    }
    Ok(())
}

fn cancelled() -> Error {
    Error::Cancelled("Login cancelled; nothing was stored.".to_string())
}
