//! `figma-auth login`: the authorization-code flow with PKCE in the browser (or a pasted redirect
//! URL), the tokens stored under the profile's lock, then the configs this profile manages.

use super::Context;
use crate::cli::LoginArgs;
use crate::error::{exit, Error};
use crate::oauth::callback::{Event, Expected, Listener, Reply};
use crate::oauth::{
    self, browser, discovery, pkce::Pkce, registration, token, CallbackError, OAuthError,
    PatSource, PatTrial, RefusalKind, KNOWN_CALLBACK_PATHS,
};
use crate::secret::Pat;
use crate::store::{ClientRecord, TokenRecord};
use crate::time::{short_duration, Timestamp};
use std::time::{Duration, Instant};

/// The longest figma-auth waits for the MCP server's `whoami` after a login.
const WHOAMI_DEADLINE: Duration = Duration::from_secs(10);

/// `figma-auth login`: the login, then the configs this profile manages, which hold the old
/// token now ([`update_configs`]).
pub fn run(ctx: &Context, args: &LoginArgs) -> Result<u8, Error> {
    let code = perform(ctx, args, true)?;
    update_configs(ctx)?;
    Ok(code)
}

/// The login itself, for `login` and `setup` (which updates the configs itself): ends with one
/// `✓ Logged in` line, and with `report` also the token's expiry and the store's path.
///
/// Discovery, client registration (reused when it matches; the redirect URI shape the server
/// accepts found by itself; a personal access token when one is given or asked for), a one-time
/// start link for the browser (or the printed URL), the loopback callback, the code exchange, the
/// result stored under the profile's lock, and the account the MCP server names.
pub fn perform(ctx: &Context, args: &LoginArgs, report: bool) -> Result<u8, Error> {
    ctx.warn_permissions();
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
    {
        if let Some(i) = paths.iter().position(|p| *p == prior_path) {
            let p = paths.remove(i);
            paths.insert(0, p);
        }
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
    if args.port == 0 {
        if let Some((port, _)) = prior.and_then(|c| redirect_parts(&c.redirect_uri)) {
            if let Ok(l) = Listener::bind(port, path) {
                return Ok(l);
            }
        }
    }
    Ok(Listener::bind(args.port, path)?)
}

/// Registers a client, trying each redirect URI path in turn while the server answers
/// `invalid_redirect_uri`; stores the registration that worked. Returns its path and record.
#[allow(clippy::too_many_arguments)]
fn register_client(
    ctx: &Context,
    http: &oauth::http::Http,
    meta: &discovery::Metadata,
    args: &LoginArgs,
    listener: &Listener,
    paths: &[String],
    pat: &mut PatState,
    now: Timestamp,
) -> Result<(String, ClientRecord), Error> {
    let mut refused: Vec<String> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let uri = listener.redirect_uri_for(path);
        match register_at(ctx, http, meta, &args.client_name, &uri, pat).map_err(unbox) {
            Ok(reg) => {
                let record = ClientRecord {
                    auth_server: meta.issuer.clone(),
                    registration_endpoint: meta.registration_endpoint.to_string(),
                    client_id: reg.client_id,
                    client_secret: reg.client_secret,
                    client_name: args.client_name.clone(),
                    redirect_uri: uri,
                    registered_at: now,
                    client_id_issued_at: reg.client_id_issued_at,
                    client_secret_expires_at: reg.client_secret_expires_at,
                    token_endpoint_auth_method: reg.token_endpoint_auth_method,
                };
                save_registration(ctx, &record)?;
                return Ok((path.clone(), record));
            }
            Err(Err(OAuthError::RegistrationRefused(r)))
                if r.kind == RefusalKind::InvalidRedirectUri && i + 1 < paths.len() =>
            {
                ctx.ui.line(format_args!(
                    "The authorization server does not accept the redirect URI {uri}; registering {} instead.",
                    listener.redirect_uri_for(&paths[i + 1])
                ));
                refused.push(uri);
            }
            Err(Err(mut e)) => {
                if let OAuthError::RegistrationRefused(r) = &mut e {
                    r.explicit_path.clone_from(&args.callback_path);
                    r.refused_uris = refused;
                }
                return Err(e.into());
            }
            Err(Ok(other)) => return Err(other),
        }
    }
    unreachable!("at least one callback path is tried")
}

/// An OAuth error out of its box (`Err`), or any other error (`Ok`).
fn unbox(e: Error) -> Result<Error, OAuthError> {
    match e {
        Error::OAuth(o) => Err(*o),
        other => Ok(other),
    }
}

/// A refusal by Figma's gate (the allow-list, or the token): 401 or 403.
fn gate_refusal(e: &OAuthError) -> Option<u16> {
    match e {
        OAuthError::RegistrationRefused(r)
            if matches!(r.kind, RefusalKind::Forbidden | RefusalKind::Unauthorized) =>
        {
            Some(r.status)
        }
        _ => None,
    }
}

/// Registers at one redirect URI, with the personal access token when there is one. What the
/// server refused is found out rather than guessed: a refusal with the token is tried once more
/// without it (success: the token was the problem, and is not needed); a refusal without one makes
/// a terminal user be asked once for a token, and the registration is tried again with it.
fn register_at(
    ctx: &Context,
    http: &oauth::http::Http,
    meta: &discovery::Metadata,
    client_name: &str,
    uri: &str,
    pat: &mut PatState,
) -> Result<registration::Registered, Error> {
    let attempt = |p: Option<(&Pat, PatSource)>| {
        registration::register(
            http,
            &meta.registration_endpoint,
            &registration::Request {
                client_name,
                redirect_uri: uri,
                pat: p,
            },
        )
    };
    if let Some((value, source)) = pat.value.take() {
        let with = attempt(Some((&value, source)));
        let Some(status) = with.as_ref().err().and_then(gate_refusal) else {
            pat.value = Some((value, source));
            return Ok(with?);
        };
        let with = with.unwrap_err();
        return match attempt(None) {
            Ok(reg) => {
                ctx.ui.warning(format_args!(
                    "the authorization server rejected the personal access token (HTTP {status}); figma-auth registered without it, which works."
                ));
                Ok(reg)
            }
            Err(without) => match gate_refusal(&without) {
                Some(without_status) => Err(with_pat_trial(
                    with,
                    PatTrial::SentAndWithout {
                        source,
                        without: without_status,
                    },
                )
                .into()),
                None => Err(without.into()),
            },
        };
    }
    let first = attempt(None);
    let Some(status) = first.as_ref().err().and_then(gate_refusal) else {
        return Ok(first?);
    };
    let first = first.unwrap_err();
    if !pat.can_ask() {
        let asked = pat.asked;
        return Err(with_pat_trial(first, PatTrial::None { asked }).into());
    }
    match pat.ask(ctx, client_name, status, &first)? {
        None => Err(with_pat_trial(first, PatTrial::None { asked: true }).into()),
        Some(value) => match attempt(Some((&value, PatSource::Prompt))) {
            Err(e) if gate_refusal(&e).is_some() => Err(with_pat_trial(
                e,
                PatTrial::SentAndWithout {
                    source: PatSource::Prompt,
                    without: status,
                },
            )
            .into()),
            other => Ok(other?),
        },
    }
}

fn with_pat_trial(mut e: OAuthError, trial: PatTrial) -> OAuthError {
    if let OAuthError::RegistrationRefused(r) = &mut e {
        r.pat = trial;
    }
    e
}

/// The personal access token of this login: from `--pat-stdin`, `FIGMA_PERSONAL_ACCESS_TOKEN`, or
/// (only after a refusal, once) the hidden prompt.
struct PatState {
    value: Option<(Pat, PatSource)>,
    /// A terminal user can be asked (stdin and stderr are terminals; not with `--pat-stdin`).
    can_prompt: bool,
    asked: bool,
}

impl PatState {
    fn new(ctx: &Context, args: &LoginArgs) -> Result<Self, Error> {
        let can_prompt = !args.pat_stdin && ctx.ui.interactive();
        if args.pat_stdin {
            // Through the one stdin reader of the run; hidden on a terminal.
            let v = if ctx.ui.stdin_tty {
                ctx.ui.read_hidden("Personal access token (hidden): ")
            } else {
                ctx.ui.read_line()
            }
            .map_err(|_| cancelled())?
            .unwrap_or_default();
            let v = v.trim();
            if v.is_empty() {
                return Err(Error::Usage(
                    "--pat-stdin: stdin holds no personal access token (pipe it in, e.g. `figma-auth login --pat-stdin < token-file`)".to_string(),
                ));
            }
            return Ok(Self {
                value: Some((valid_pat(v)?, PatSource::Stdin)),
                can_prompt,
                asked: false,
            });
        }
        let value = match crate::secret::pat_from_env() {
            Some(v) if !v.trim().is_empty() => Some((valid_pat(v.trim())?, PatSource::Env)),
            _ => None,
        };
        Ok(Self {
            value,
            can_prompt,
            asked: false,
        })
    }

    fn can_ask(&self) -> bool {
        self.can_prompt && !self.asked
    }

    /// Asks once, after the server refused a registration without a token.
    fn ask(
        &mut self,
        ctx: &Context,
        client_name: &str,
        status: u16,
        refusal: &OAuthError,
    ) -> Result<Option<Pat>, Error> {
        self.asked = true;
        let said = match refusal {
            OAuthError::RegistrationRefused(r) if !r.detail.is_empty() => {
                format!(": {}", r.detail)
            }
            _ => String::new(),
        };
        ctx.ui.line(format_args!(
            "The authorization server refused to register the client name {client_name:?} without a personal access token (HTTP {status}{said})."
        ));
        ctx.ui.line(format_args!(
            "A Figma personal access token is optional, but may get the registration accepted. It is sent once, \
             to the registration endpoint, and never stored. Create one in Figma under Settings → Security → \
             Personal access tokens."
        ));
        let v = ctx
            .ui
            .read_hidden("Personal access token (hidden; press Enter to skip): ")
            .map_err(|_| cancelled())?
            .unwrap_or_default();
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        match valid_pat(v) {
            Ok(p) => Ok(Some(p)),
            Err(e) => {
                ctx.ui.warning(e);
                Ok(None)
            }
        }
    }
}

fn valid_pat(v: &str) -> Result<Pat, Error> {
    if v.len() <= 4096 && v.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(Pat::new(v))
    } else {
        Err(Error::Usage(
            "the personal access token contains spaces or characters other than printable ASCII; paste it again".to_string(),
        ))
    }
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
    let configs = ctx.configs();
    let update = |write| crate::apply::Update {
        clients: None,
        server_name: None,
        write,
        allow_tracked: false,
        keep_mode: false,
        show_secrets: false,
        color: crate::apply::Color::when(ctx.ui.out_color()),
    };
    let preview = configs.update_managed(&update(false))?;
    preview.print_all(&ctx.env, &mut ctx.ui.stdout());
    let pending = preview.files(crate::apply::Verdict::is_pending);
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
        ctx.ui.line(format_args!(
            "The {pending} config {files} above still {hold} the old token, which stops working when it expires: run `figma-auth refresh --write{}` to update them.",
            ctx.flags()
        ));
        return Ok(());
    }
    ctx.ui.line("");
    let written = configs.update_managed(&update(true))?;
    written.print_all(&ctx.env, &mut ctx.ui.stdout());
    ctx.ui
        .text(&crate::apply::reload_hints(&written.written_clients()));
    if let Some(e) = written.error(None) {
        ctx.ui.line(format_args!(
            "warning: {e}; fix them, then run `figma-auth refresh --write{}`",
            ctx.flags()
        ));
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
        ctx.ui.line(format_args!(
            "Waiting for the login (up to {}; Ctrl-C to cancel)…",
            short_duration(args.timeout)
        ));
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
