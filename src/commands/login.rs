//! `figma-auth login`: the whole authorization-code flow with PKCE — discovery, client
//! registration (reused when it matches; the redirect URI shape that the server accepts found by
//! itself; a personal access token when one is given or asked for), a one-time start link for the
//! browser (or the printed URL), the loopback callback (or a pasted redirect URL), the code
//! exchange, the result stored under the profile's lock, and the account the MCP server names.

use super::Context;
use crate::cli::LoginArgs;
use crate::error::{exit, Error};
use crate::oauth::callback::{self, Event, Expected, Listener};
use crate::oauth::{
    self, browser, discovery, pkce::Pkce, registration, token, OAuthError, PatSource, PatTrial,
    RefusalKind, KNOWN_CALLBACK_PATHS,
};
use crate::secret::Pat;
use crate::store::{ClientRecord, TokenRecord};
use crate::time::{short_duration, Timestamp};
use std::io::Write;
use std::time::{Duration, Instant};

/// The longest figma-auth waits for the MCP server's `whoami` after a login.
const WHOAMI_DEADLINE: Duration = Duration::from_secs(10);

pub fn run(ctx: &Context, args: &LoginArgs) -> Result<u8, Error> {
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
    let mut record = TokenRecord {
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
        expires_in: (!tokens.expires_in_defaulted).then_some(tokens.expires_in.as_secs()),
        refresh_rotated: None,
        account: None,
    };
    {
        let lock = ctx.lock()?;
        let mut data = lock.load()?.unwrap_or_default();
        data.client = Some(client);
        data.token = Some(record.clone());
        lock.save(&data)?;
        super::token_file::after_save(ctx, &record);
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
    eprintln!(
        "{who} (profile {}). The access token expires {} ({}){}.",
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
        match register_at(http, meta, &args.client_name, &uri, pat) {
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
            Err(OAuthError::RegistrationRefused(r))
                if r.kind == RefusalKind::InvalidRedirectUri && i + 1 < paths.len() =>
            {
                eprintln!(
                    "The authorization server does not accept the redirect URI {uri}; registering {} instead.",
                    listener.redirect_uri_for(&paths[i + 1])
                );
                refused.push(uri);
            }
            Err(mut e) => {
                if let OAuthError::RegistrationRefused(r) = &mut e {
                    r.explicit_path.clone_from(&args.callback_path);
                    r.refused_uris = refused;
                }
                return Err(e.into());
            }
        }
    }
    unreachable!("at least one callback path is tried")
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
    http: &oauth::http::Http,
    meta: &discovery::Metadata,
    client_name: &str,
    uri: &str,
    pat: &mut PatState,
) -> Result<registration::Registered, OAuthError> {
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
            return with;
        };
        let with = with.unwrap_err();
        return match attempt(None) {
            Ok(reg) => {
                eprintln!(
                    "warning: the authorization server rejected the personal access token (HTTP {status}); figma-auth registered without it, which works."
                );
                Ok(reg)
            }
            Err(without) => match gate_refusal(&without) {
                Some(without_status) => Err(with_pat_trial(
                    with,
                    PatTrial::SentAndWithout {
                        source,
                        without: without_status,
                    },
                )),
                None => Err(without),
            },
        };
    }
    let first = attempt(None);
    let Some(status) = first.as_ref().err().and_then(gate_refusal) else {
        return first;
    };
    let first = first.unwrap_err();
    if !pat.can_ask() {
        let asked = pat.asked;
        return Err(with_pat_trial(first, PatTrial::None { asked }));
    }
    match pat.ask(client_name, status, &first) {
        None => Err(with_pat_trial(first, PatTrial::None { asked: true })),
        Some(value) => match attempt(Some((&value, PatSource::Prompt))) {
            Err(e) if gate_refusal(&e).is_some() => Err(with_pat_trial(
                e,
                PatTrial::SentAndWithout {
                    source: PatSource::Prompt,
                    without: status,
                },
            )),
            other => other,
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
        let can_prompt = !args.pat_stdin && ctx.stdin_tty && ctx.stderr_tty;
        if args.pat_stdin {
            let v = if ctx.stdin_tty {
                read_hidden("Personal access token (hidden): ")?
            } else {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| {
                    Error::Io("cannot read the personal access token from stdin".into(), e)
                })?;
                line
            };
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
    fn ask(&mut self, client_name: &str, status: u16, refusal: &OAuthError) -> Option<Pat> {
        self.asked = true;
        let said = match refusal {
            OAuthError::RegistrationRefused(r) if !r.detail.is_empty() => {
                format!(": {}", r.detail)
            }
            _ => String::new(),
        };
        eprintln!(
            "The authorization server refused to register the client name {client_name:?} without a personal access token (HTTP {status}{said})."
        );
        eprintln!(
            "A Figma personal access token is optional, but may get the registration accepted. It is sent once, \
             to the registration endpoint, and never stored. Create one in Figma under Settings → Security → \
             Personal access tokens."
        );
        let v = read_hidden("Personal access token (hidden; press Enter to skip): ").ok()?;
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match valid_pat(v) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("{e}");
                None
            }
        }
    }
}

/// Reads a secret from the terminal without echo.
fn read_hidden(prompt: &str) -> Result<String, Error> {
    rpassword::prompt_password(prompt).map_err(|e| {
        Error::Io(
            "cannot read the personal access token from the terminal".into(),
            e,
        )
    })
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
