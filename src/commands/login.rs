//! `figma-auth login`: the whole authorization-code flow with PKCE — discovery, client
//! registration (reused when it matches), the browser or a printed URL, the loopback callback (or
//! a pasted redirect URL), the code exchange — and the result stored under the profile's lock.

use super::patching::{self, Status};
use super::Context;
use crate::cli::LoginArgs;
use crate::error::{exit, Error};
use crate::oauth::callback::{self, Event, Expected, Listener};
use crate::oauth::{self, browser, discovery, pkce::Pkce, registration, token};
use crate::secret::Pat;
use crate::store::{ClientRecord, TokenRecord};
use crate::time::{short_duration, Timestamp};
use std::io::Write;
use std::time::{Duration, Instant};

/// `figma-auth login`: the login, then the configs this profile manages, which hold the old
/// token now ([`update_configs`]).
pub fn run(ctx: &Context, args: &LoginArgs) -> Result<u8, Error> {
    let code = log_in(ctx, args)?;
    update_configs(ctx)?;
    Ok(code)
}

/// The login alone (`setup` updates the configs itself).
pub fn log_in(ctx: &Context, args: &LoginArgs) -> Result<u8, Error> {
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
    match &opened {
        browser::Opened::Started(_) => {
            eprintln!(
                "Opening the browser to log in to Figma. If it does not open, visit:\n\n  {url}\n"
            )
        }
        browser::Opened::NotStarted(why) => {
            if !args.no_browser {
                eprintln!("Could not open a browser ({why}).");
            }
            eprintln!("Open this URL in a browser to log in to Figma:\n\n  {url}\n");
        }
    }
    eprintln!(
        "If the browser cannot reach this machine (SSH), paste the address the browser ends up on \
         (http://127.0.0.1:{}…) here and press Enter.",
        listener.port()
    );

    let pasted = callback::spawn_stdin_reader();
    // A redrawn spinner line would wipe out a URL being pasted: animate only while a browser on
    // this machine is expected to answer.
    let animate = ctx.stderr_tty && matches!(opened, browser::Opened::Started(_));
    if !animate {
        eprintln!(
            "Waiting for the login (up to {}; Ctrl-C to cancel)…",
            short_duration(args.timeout)
        );
    }
    let mut spinner = Spinner::new(animate, &redirect_uri);
    let code = listener.wait(&expected, args.timeout, Some(pasted), &mut |ev| {
        spinner.event(ev)
    });
    spinner.clear();
    let code = code?;

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

    eprintln!(
        "Logged in to Figma (profile {}). The access token expires {} ({}){}.",
        ctx.profile(),
        record.expires_at.rfc3339(),
        record.expires_at.relative_to(Timestamp::now()),
        if record.refresh_token.is_some() {
            "; `figma-auth refresh` renews it"
        } else {
            "; the server issued no refresh token, so log in again then"
        }
    );
    if tokens.expires_in_defaulted {
        eprintln!(
            "note: the server did not say when the token expires; assuming {}.",
            short_duration(token::DEFAULT_EXPIRES_IN)
        );
    }
    eprintln!(
        "Credentials: {}",
        ctx.show_path(&ctx.store.path(ctx.profile()))
    );
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
    let apply = ctx.stdin_tty
        && ctx.stderr_tty
        && super::confirm(&format!(
            "Update the {pending} config {files} above with the new token?"
        ))?;
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
    if !(ctx.stdin_tty && ctx.stderr_tty) {
        return Ok(None);
    }
    eprintln!(
        "Figma may require a personal access token (Figma → Settings → Security) to register \
         figma-auth as an OAuth client. It is sent once, to the registration endpoint, and never stored."
    );
    let v = rpassword::prompt_password("Personal access token (hidden; press Enter to skip): ")
        .map_err(|e| {
            Error::Io(
                "cannot read the personal access token from the terminal".into(),
                e,
            )
        })?;
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    valid(v).map(Some)
}

/// The waiting indicator: a spinner line on a terminal, nothing otherwise; notes about ignored
/// requests are printed either way.
struct Spinner {
    tty: bool,
    frame: usize,
    last: Option<Instant>,
    target: String,
}

impl Spinner {
    fn new(tty: bool, redirect_uri: &str) -> Self {
        Self {
            tty,
            frame: 0,
            last: None,
            target: redirect_uri.to_string(),
        }
    }

    fn event(&mut self, ev: Event) {
        match ev {
            Event::Tick { remaining } => {
                if !self.tty
                    || self
                        .last
                        .is_some_and(|l| l.elapsed() < Duration::from_millis(100))
                {
                    return;
                }
                self.last = Some(Instant::now());
                const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
                self.frame = (self.frame + 1) % FRAMES.len();
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2K{} Waiting for the login to come back to {} ({} left; Ctrl-C to cancel)",
                    FRAMES[self.frame],
                    self.target,
                    short_duration(Duration::from_secs(remaining.as_secs()))
                );
                let _ = err.flush();
            }
            Event::Ignored(why) => {
                self.clear();
                eprintln!("note: {why}");
            }
        }
    }

    fn clear(&mut self) {
        if self.tty && self.last.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.last = None;
        }
    }
}
