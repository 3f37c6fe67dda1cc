//! The loopback listener that receives the authorization response (127.0.0.1 only, the callback
//! path and a one-time start link, `state` and `iss` checked), or takes a pasted redirect URL
//! through the same checks.

mod serve;
#[cfg(test)]
mod tests;

use super::{constant_time_eq, sanitize, CallbackError};
use crate::secret::{AuthCode, State};
pub use serve::MAX_CONNECTIONS;
use serve::{accept_loop, Incoming, Response};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a valid callback must carry.
pub(crate) struct Expected {
    pub state: State,
    /// The issuer from the metadata; a callback's `iss`, when present, must equal it.
    ///
    /// A callback *without* `iss` is accepted even when the metadata advertises
    /// `authorization_response_iss_parameter_supported` (Figma advertises it and never sends
    /// it). RFC 9207 protects a client that talks to several authorization servers from a
    /// mix-up: a response from one server delivered to a flow started with another. figma-auth
    /// talks to exactly one authorization server per login, and this login's fresh `state` is
    /// bound to it, so a response that carries this `state` was issued for this server's
    /// authorization request; a present but different `iss` is still refused before any token
    /// request.
    pub issuer: String,
}

/// Things the waiting loop reports to the user interface.
#[derive(Debug)]
pub(crate) enum Event {
    /// Called every poll interval with the time left (drive a spinner with it); the answer may
    /// carry a pasted line or cancel the wait.
    Tick { remaining: Duration },
    /// A request or pasted line was ignored; the text says why (no secrets).
    Ignored(String),
}

/// The user interface's answer to an [`Event`].
#[derive(Debug)]
pub(crate) enum Reply {
    Continue,
    /// A line the user entered (checked like a callback's query).
    Pasted(String),
    /// Stop waiting (Ctrl-C).
    Cancel,
}

/// A bound callback listener.
///
/// It rejects requests whose `Host` is not the loopback address, ignores callbacks with a missing
/// or wrong `state` (400, keeps waiting), ends on the first callback with the right `state` (code,
/// or `error=` with its escaped description), checks `iss` when the server sends one, and stops at
/// the timeout. Pages carry `Cache-Control: no-store`, `Referrer-Policy: no-referrer` and no
/// script.
///
/// **The start link.** The browser is not given the authorization URL (its `state` and PKCE
/// challenge would sit in the browser's command line, which every local user can read in
/// `/proc/<pid>/cmdline`) but `http://127.0.0.1:PORT/start/<random>`, answered once with a 302 to
/// the authorization URL. A second fetch of it means someone else read the link: the login is
/// aborted loudly rather than raced.
///
/// **Hostile clients.** Connections are served by short-lived workers with a total deadline for the
/// request head, a size limit on it, write timeouts and `Connection: close`; at most
/// [`MAX_CONNECTIONS`] are open at once (the oldest is dropped for a new one, so idle connections
/// cannot exhaust file descriptors or lock the browser out); accept errors are transient. The
/// waiting loop itself never performs network I/O, so nothing a client does holds it past the
/// timeout.
pub(crate) struct Listener {
    tcp: TcpListener,
    port: u16,
    path: String,
    /// The start link's path (`/start/<random>`) and where it redirects.
    start: Option<(String, String)>,
}

impl Listener {
    /// Binds `127.0.0.1:port` (`0` = any free port). `path` is the callback path (`/…`); it can
    /// be changed with [`Listener::set_path`] until [`Listener::wait`].
    pub(crate) fn bind(port: u16, path: &str) -> Result<Self, CallbackError> {
        let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
        let tcp = TcpListener::bind(addr).map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => CallbackError::PortInUse { port },
            _ => CallbackError::Bind {
                addr: addr.to_string(),
                source: e,
            },
        })?;
        let port = tcp
            .local_addr()
            .map_err(|e| CallbackError::Bind {
                addr: addr.to_string(),
                source: e,
            })?
            .port();
        Ok(Self {
            tcp,
            port,
            path: path.to_string(),
            start: None,
        })
    }

    /// The port actually bound.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Sets the callback path (the path of the redirect URI that was registered).
    pub(crate) fn set_path(&mut self, path: &str) {
        self.path = path.to_string();
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub(crate) fn redirect_uri_for(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// `http://127.0.0.1:PORT/PATH`, the redirect URI to register and send.
    pub(crate) fn redirect_uri(&self) -> String {
        self.redirect_uri_for(&self.path)
    }

    /// Makes the listener answer a fresh one-time link with a redirect to `authorization_url`,
    /// and returns the link (the only URL a browser process is given).
    pub(crate) fn start_url(&mut self, authorization_url: &str) -> String {
        let token = crate::oauth::pkce::new_state();
        let path = format!("/start/{}", token.expose());
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        self.start = Some((path, authorization_url.to_string()));
        url
    }

    /// Waits for the authorization response until `timeout`, from the listener or from lines the
    /// user pastes (handed over in [`Reply::Pasted`]). The listener is closed (the port released)
    /// when this returns.
    pub(crate) fn wait(
        self,
        expected: &Expected,
        timeout: Duration,
        on_event: &mut dyn FnMut(Event) -> Reply,
    ) -> Result<AuthCode, CallbackError> {
        let start = Instant::now();
        let deadline = start
            .checked_add(timeout)
            .unwrap_or(start + Duration::from_secs(366 * 86_400));
        let (tx, rx) = mpsc::channel::<Incoming>();
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = stop.clone();
            let tcp = self.tcp.try_clone().map_err(|e| CallbackError::Listen {
                addr: format!("127.0.0.1:{}", self.port),
                source: e,
            })?;
            std::thread::spawn(move || accept_loop(tcp, tx, stop))
        };
        let mut session = Session {
            listener: &self,
            start_used: false,
        };
        let result = loop {
            let now = Instant::now();
            if now >= deadline {
                break Err(CallbackError::Timeout {
                    redirect_uri: self.redirect_uri(),
                    waited: timeout,
                });
            }
            match on_event(Event::Tick {
                remaining: deadline - now,
            }) {
                Reply::Continue => {}
                Reply::Cancel => break Err(CallbackError::Cancelled),
                Reply::Pasted(line) if line.trim().is_empty() => {}
                Reply::Pasted(line) => match pasted_query(&line) {
                    None => {
                        on_event(Event::Ignored(
                            "the pasted text is not the redirect URL; paste the whole address from the browser's address bar".to_string(),
                        ));
                    }
                    Some(q) => match evaluate(&q, expected) {
                        Verdict::Ignore(why) => {
                            on_event(Event::Ignored(format!("ignored the pasted URL: {why}")));
                        }
                        Verdict::Done(result) => break result,
                    },
                },
            }
            // Short enough that typed keys show at once under the spinner.
            let wait = (deadline - Instant::now().min(deadline)).min(Duration::from_millis(40));
            match rx.recv_timeout(wait) {
                Ok(incoming) => {
                    if let Some(result) = session.handle(incoming, expected, on_event) {
                        break result;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    break Err(CallbackError::Listen {
                        addr: format!("127.0.0.1:{}", self.port),
                        source: std::io::Error::other("the listener stopped"),
                    })
                }
            }
        };
        stop.store(true, Ordering::SeqCst);
        let _ = acceptor.join();
        drop(self);
        result
    }
}

/// The state of one wait.
struct Session<'a> {
    listener: &'a Listener,
    start_used: bool,
}

impl Session<'_> {
    /// Answers one request; `Some` ends the wait.
    fn handle(
        &mut self,
        incoming: Incoming,
        expected: &Expected,
        on_event: &mut dyn FnMut(Event) -> Reply,
    ) -> Option<Result<AuthCode, CallbackError>> {
        let port = self.listener.port;
        let (path, query) = match incoming.target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (incoming.target.clone(), String::new()),
        };
        let host_ok = incoming.host.as_deref().is_some_and(|h| {
            let v = h.to_ascii_lowercase();
            v == format!("127.0.0.1:{port}") || v == format!("localhost:{port}")
        });
        if !host_ok {
            incoming.respond(Response::page(
                400,
                "Bad request",
                "This listener only answers requests addressed to 127.0.0.1.",
            ));
            on_event(Event::Ignored(
                "ignored a request with a foreign Host header".to_string(),
            ));
            return None;
        }
        let is_start = self
            .listener
            .start
            .as_ref()
            .is_some_and(|(start_path, _)| constant_time_eq(&path, start_path));
        if !is_start && path != self.listener.path {
            incoming.respond(Response::page(404, "Not found", "Nothing here."));
            return None;
        }
        // Only a browser's GET is served (not a HEAD from a link prefetcher).
        if incoming.method != "GET" {
            incoming.respond(Response::page(
                405,
                "Method not allowed",
                "Only GET is served here.",
            ));
            return None;
        }
        if let Some((_, location)) = self.listener.start.as_ref().filter(|_| is_start) {
            if !self.start_used {
                self.start_used = true;
                incoming.respond(Response::redirect(location));
                return None;
            }
            let url = format!("http://127.0.0.1:{port}/start/…");
            incoming.respond_and_wait(Response::page(
                400,
                "Login stopped",
                "This one-time login link was already used, so the login was stopped. \
                 Return to the terminal.",
            ));
            return Some(Err(CallbackError::StartUrlReused { url }));
        }
        match evaluate(&query, expected) {
            Verdict::Ignore(why) => {
                incoming.respond(Response::page(
                    400,
                    "Request ignored",
                    "This request does not belong to the login in progress and was ignored. \
                     Finish the login in the tab that figma-auth opened.",
                ));
                on_event(Event::Ignored(format!("ignored a callback: {why}")));
                None
            }
            Verdict::Done(Ok(code)) => {
                incoming.respond_and_wait(Response::page(
                    200,
                    "Logged in",
                    "figma-auth received the authorization. You can close this tab and return to the terminal.",
                ));
                Some(Ok(code))
            }
            Verdict::Done(Err(e)) => {
                let text = format!(
                    "The login was not completed: {e}. Return to the terminal for details."
                );
                incoming.respond_and_wait(Response::page(400, "Login failed", &text));
                Some(Err(e))
            }
        }
    }
}

/// The outcome of checking one authorization response.
pub(crate) enum Verdict {
    /// Not for this login attempt: answer 400 and keep waiting.
    Ignore(&'static str),
    /// The attempt is over.
    Done(Result<AuthCode, CallbackError>),
}

/// Checks the query string of an authorization response against `expected`.
pub(crate) fn evaluate(query: &str, expected: &Expected) -> Verdict {
    let mut state = None;
    let mut code = None;
    let mut error = None;
    let mut description = None;
    let mut iss = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match k.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
            "iss" => &mut iss,
            _ => continue,
        };
        if slot.is_some() {
            return Verdict::Ignore("a parameter appears twice");
        }
        *slot = Some(v.into_owned());
    }
    match &state {
        None => return Verdict::Ignore("it has no state parameter"),
        Some(s) if !constant_time_eq(s, expected.state.expose()) => {
            return Verdict::Ignore("its state does not match this login attempt")
        }
        Some(_) => {}
    }
    // A present `iss` must name this login's issuer; an absent one is accepted (see
    // [`Expected::issuer`] for why that is safe here).
    if let Some(i) = iss
        && i.trim_end_matches('/') != expected.issuer
    {
        return Verdict::Done(Err(CallbackError::IssuerMismatch {
            expected: expected.issuer.clone(),
            found: sanitize(&i, &[], 200),
        }));
    }
    if let Some(e) = error {
        return Verdict::Done(Err(CallbackError::Denied {
            error: sanitize(&e, &[], 80),
            description: description.map(|d| sanitize(&d, &[], 300)),
        }));
    }
    match code.filter(|c| !c.is_empty()) {
        Some(c) => Verdict::Done(Ok(AuthCode::new(c))),
        None => Verdict::Done(Err(CallbackError::MissingCode)),
    }
}

/// The query string of a pasted redirect URL (or of a pasted bare query), if the line looks like
/// one.
pub(crate) fn pasted_query(line: &str) -> Option<String> {
    let line = line.trim();
    let line = line.split('#').next().unwrap_or("");
    let q = match line.split_once('?') {
        Some((_, q)) => q,
        None if line.contains("state=") || line.contains("code=") => line,
        None => return None,
    };
    Some(q.to_string())
}
