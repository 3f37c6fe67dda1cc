//! `figma-auth login`: the whole authorization-code flow with PKCE — discovery, client
//! registration (reused when it matches), the browser or a printed URL, the loopback callback (or
//! a pasted redirect URL), the code exchange — and the result stored under the profile's lock.

use super::patching::{self, Status};
use super::Context;
use crate::cli::LoginArgs;
use crate::error::{exit, Error};
use crate::oauth::callback::{Event, Expected, Listener, Reply};
use crate::oauth::{self, browser, discovery, pkce::Pkce, registration, token, CallbackError};
use crate::secret::Pat;
use crate::store::{ClientRecord, TokenRecord};
use crate::time::{short_duration, Timestamp};
use std::time::{Duration, Instant};

/// `figma-auth login`: the login, then the configs this profile manages, which hold the old
/// token now ([`update_configs`]).
pub fn run(ctx: &Context, args: &LoginArgs) -> Result<u8, Error> {
    let code = perform(ctx, args, true)?;
    update_configs(ctx)?;
    Ok(code)
}

/// The login itself, for `login` and `setup` (which updates the configs itself): ends with one
/// `✓ Logged in` line, and with `report` also the token's expiry and the store's path.
pub fn perform(ctx: &Context, args: &LoginArgs, report: bool) -> Result<u8, Error> {
    ctx.warn_permissions();
    let base = ctx.auth_server();
    let http = ctx.http()?;
    let meta = discovery::discover(&http, &base)?;
    let listener = Listener::bind(args.port, &args.callback_path)?;
    let redirect_uri = listener.redirect_uri();
    let mcp_url = ctx.mcp_url();
    let resource = (!args.no_resource).then_some(mcp_url.as_str());

    let stored = ctx.store.load(ctx.profile())?.unwrap_or_default();
    let now = Timestamp::now();
    let reusable = stored.client.clone().filter(|c| {
        !args.reregister && c.matches(&meta.issuer, &redirect_uri, &args.client_name, now)
    });
    let client = match reusable {
        Some(c) => c,
        None => {
            let pat = personal_access_token(ctx)?;
            let reg = registration::register(
                &http,
                &meta.registration_endpoint,
                &registration::Request {
                    client_name: &args.client_name,
                    redirect_uri: &redirect_uri,
                    pat: pat.as_ref(),
                },
            )?;
            drop(pat);
            let record = ClientRecord {
                auth_server: meta.issuer.clone(),
                registration_endpoint: meta.registration_endpoint.to_string(),
                client_id: reg.client_id,
                client_secret: reg.client_secret,
                client_name: args.client_name.clone(),
                redirect_uri: redirect_uri.clone(),
                registered_at: now,
                client_id_issued_at: reg.client_id_issued_at,
                client_secret_expires_at: reg.client_secret_expires_at,
                token_endpoint_auth_method: reg.token_endpoint_auth_method,
            };
            save_registration(ctx, &record)?;
            record
        }
    };

    let pkce = Pkce::generate();
    let expected = Expected {
        state: oauth::pkce::new_state(),
        issuer: meta.issuer.clone(),
        iss_required: meta.iss_parameter_supported,
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
    // The authorization URL carries `state` and the PKCE challenge, not a credential: showing it
    // is the point of --no-browser. Callback URLs (with the code) are never printed.
    let opened = if args.no_browser {
        browser::Opened::NotStarted("--no-browser".to_string())
    } else {
        browser::open(url.as_str())
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
    let obtained = Timestamp::now();
    let record = TokenRecord {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        token_type: tokens.token_type,
        scope: tokens.scope,
        expires_at: obtained.plus(tokens.expires_in),
        obtained_at: obtained,
        expires_in_defaulted: tokens.expires_in_defaulted,
        auth_server: meta.issuer.clone(),
        token_endpoint: meta.token_endpoint.to_string(),
        resource: resource.map(str::to_string),
        client_id: client.client_id.clone(),
    };
    let lock = ctx.lock()?;
    let mut data = lock.load()?.unwrap_or_default();
    data.client = Some(client);
    data.token = Some(record.clone());
    data.login_required = None;
    lock.save(&data)?;
    super::token_file::after_save(ctx, &record);
    drop(lock);

    crate::ui::success(format_args!(
        "Logged in to Figma (profile {})",
        ctx.profile()
    ));
    if report {
        eprintln!(
            "The access token expires {} ({}){}.",
            record.expires_at.rfc3339(),
            record.expires_at.relative_to(Timestamp::now()),
            if record.refresh_token.is_some() {
                "; `figma-auth refresh` renews it"
            } else {
                "; the server issued no refresh token, so log in again then"
            }
        );
    }
    if tokens.expires_in_defaulted {
        crate::ui::note(format_args!(
            "the server did not say when the token expires; assuming {}.",
            short_duration(token::DEFAULT_EXPIRES_IN)
        ));
    }
    if report {
        eprintln!(
            "Credentials: {}",
            ctx.show_path(&ctx.store.path(ctx.profile()))
        );
    }
    Ok(exit::OK)
}

/// After a login the entries this profile manages hold the old token: they are previewed and, on
/// a terminal, updated after one confirmation (as `refresh --write` would); otherwise, or when
/// the user declines, figma-auth says they are stale and how to update them.
fn update_configs(ctx: &Context) -> Result<(), Error> {
    let records = ctx
        .store
        .load(ctx.profile())?
        .map(|d| d.configs)
        .unwrap_or_default();
    if records.is_empty() {
        return Ok(());
    }
    let update = |write| patching::Update {
        targets: &[],
        server_name: None,
        write,
        allow_tracked: false,
        keep_mode: false,
        show_secrets: false,
        quiet: false,
    };
    let preview = patching::update_managed(ctx, &update(false))?;
    let pending = preview.files(|s| *s == Status::WouldChange);
    if pending == 0 {
        return Ok(());
    }
    let (files, hold) = if pending == 1 {
        ("file", "holds")
    } else {
        ("files", "hold")
    };
    let apply = ctx.ui.interactive()
        && ctx
            .ui
            .confirm(&format!(
                "Update the {pending} config {files} above with the new token?"
            ))
            .map_err(|_| {
                Error::Cancelled("Cancelled; the configs were not updated.".to_string())
            })?;
    if !apply {
        eprintln!(
            "The {pending} config {files} above still {hold} the old token, which stops working when it expires: run `figma-auth refresh --write{}` to update them.",
            ctx.flags()
        );
        return Ok(());
    }
    eprintln!();
    let written = patching::update_managed(ctx, &update(true))?;
    patching::print_reload_hints(&written.written_targets());
    if let Some(e) = written.error(None) {
        eprintln!(
            "warning: {e}; fix them, then run `figma-auth refresh --write{}`",
            ctx.flags()
        );
    }
    Ok(())
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

/// `FIGMA_PERSONAL_ACCESS_TOKEN`, else a hidden prompt on a terminal (Enter skips), else none.
fn personal_access_token(ctx: &Context) -> Result<Option<Pat>, Error> {
    let valid = |v: &str| -> Result<Pat, Error> {
        if v.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Pat::new(v))
        } else {
            Err(Error::Usage(
                "the personal access token contains spaces or characters other than printable ASCII; paste it again".to_string(),
            ))
        }
    };
    if let Some(v) = crate::secret::pat_from_env() {
        let v = v.trim();
        if !v.is_empty() {
            return valid(v).map(Some);
        }
    }
    if !ctx.ui.interactive() {
        return Ok(None);
    }
    eprintln!(
        "Figma may require a personal access token (Figma → Settings → Security) to register \
         figma-auth as an OAuth client. It is sent once, to the registration endpoint, and never stored."
    );
    let v = ctx
        .ui
        .read_hidden("Personal access token (hidden; press Enter to skip): ")
        .map_err(|_| cancelled())?
        .unwrap_or_default();
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    valid(v).map(Some)
}

fn cancelled() -> Error {
    Error::Cancelled("Login cancelled; nothing was stored.".to_string())
}

/// Waits for the browser's callback (or a pasted redirect URL) with a spinner on a terminal.
/// The authorization URL and the note for SSH users are printed only when no browser could be
/// started, or when the callback has not come after `ctx.show_url_after`.
fn wait_for_callback(
    ctx: &Context,
    args: &LoginArgs,
    listener: Listener,
    expected: &Expected,
    url: &str,
    opened: &browser::Opened,
) -> Result<crate::secret::AuthCode, Error> {
    let port = listener.port();
    let mut wait = ctx.ui.waiting("Log in to Figma in the browser…");
    let mut shown = false;
    if let browser::Opened::NotStarted(why) = opened {
        if !args.no_browser {
            wait.println(&format!("Could not open a browser ({why})."));
        }
        show_url(ctx, &mut wait, url, port);
        shown = true;
    }
    if !ctx.ui.stderr_redraw {
        eprintln!(
            "Waiting for the login (up to {}; Ctrl-C to cancel)…",
            short_duration(args.timeout)
        );
    }
    let started = Instant::now();
    let code = listener.wait(expected, args.timeout, &mut |ev| match ev {
        Event::Tick { remaining } => {
            if wait.interrupted() {
                return Reply::Cancel;
            }
            if !shown && started.elapsed() >= ctx.show_url_after {
                shown = true;
                wait.println("The browser has not come back yet.");
                show_url(ctx, &mut wait, url, port);
            }
            wait.set_text(&format!(
                "Log in to Figma in the browser… ({} left; Ctrl-C to cancel)",
                short_duration(Duration::from_secs(remaining.as_secs()))
            ));
            wait.tick();
            match wait.poll_line() {
                Some(line) => Reply::Pasted(line),
                None => Reply::Continue,
            }
        }
        Event::Ignored(why) => {
            wait.println(&format!("note: {why}"));
            Reply::Continue
        }
    });
    wait.clear();
    match code {
        Err(CallbackError::Cancelled) => Err(cancelled()),
        other => Ok(other?),
    }
}

/// The authorization URL, and how to finish over SSH by pasting the final address.
fn show_url(ctx: &Context, wait: &mut crate::ui::Waiting, url: &str, port: u16) {
    wait.println(&format!(
        "Open this URL in a browser to log in to Figma:\n\n  {url}\n\n\
         If the browser cannot reach this machine (SSH), paste the address it ends up on \
         (http://127.0.0.1:{port}…) here and press Enter."
    ));
    if ctx.ui.stdin_tty {
        wait.show_typed_as(mask_code);
        wait.set_prompt("Paste the address here: ");
    }
}

/// A pasted redirect URL as it is shown while typed: the authorization code masked.
fn mask_code(typed: &str) -> String {
    let mut out = String::with_capacity(typed.len());
    let mut rest = typed;
    while let Some(i) = rest.find("code=") {
        let (head, tail) = rest.split_at(i + "code=".len());
        out.push_str(head);
        let end = tail.find(['&', '#', ' ']).unwrap_or(tail.len());
        if end > 0 {
            out.push_str(&crate::secret::mask(&tail[..end]));
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_typed_code_is_masked() {
        assert_eq!(
            super::mask_code("http://127.0.0.1:1/cb?code=mock_code_1_0123456789abcdef&state=s"),
            "http://127.0.0.1:1/cb?code=mock_…cdef&state=s"
        );
        assert_eq!(super::mask_code("http://x/cb?co"), "http://x/cb?co");
        assert_eq!(super::mask_code("?code=ab"), "?code=…");
    }
}
