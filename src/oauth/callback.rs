//! The loopback listener that receives the authorization response (127.0.0.1 only, the callback
//! path and a one-time start link, `state` and `iss` checked), or takes a pasted redirect URL
//! through the same checks.

use super::{constant_time_eq, sanitize, CallbackError};
use crate::secret::{AuthCode, State};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections served at once; a new one beyond this closes the oldest.
pub const MAX_CONNECTIONS: usize = 64;
/// Largest request head (request line and headers) read; larger requests get 431.
pub const MAX_HEAD: usize = 8 * 1024;
/// Time a client has to send its whole request head.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Time a response may take to be written.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a valid callback must carry.
pub struct Expected {
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
pub enum Event {
    /// Called every poll interval with the time left (drive a spinner with it); the answer may
    /// carry a pasted line or cancel the wait.
    Tick { remaining: Duration },
    /// A request or pasted line was ignored; the text says why (no secrets).
    Ignored(String),
}

/// The user interface's answer to an [`Event`].
#[derive(Debug)]
pub enum Reply {
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
pub struct Listener {
    tcp: TcpListener,
    port: u16,
    path: String,
    /// The start link's path (`/start/<random>`) and where it redirects.
    start: Option<(String, String)>,
}

impl Listener {
    /// Binds `127.0.0.1:port` (`0` = any free port). `path` is the callback path (`/…`); it can
    /// be changed with [`Listener::set_path`] until [`Listener::wait`].
    pub fn bind(port: u16, path: &str) -> Result<Self, CallbackError> {
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
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sets the callback path (the path of the redirect URI that was registered).
    pub fn set_path(&mut self, path: &str) {
        self.path = path.to_string();
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn redirect_uri_for(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// `http://127.0.0.1:PORT/PATH`, the redirect URI to register and send.
    pub fn redirect_uri(&self) -> String {
        self.redirect_uri_for(&self.path)
    }

    /// Makes the listener answer a fresh one-time link with a redirect to `authorization_url`,
    /// and returns the link (the only URL a browser process is given).
    pub fn start_url(&mut self, authorization_url: &str) -> String {
        let token = crate::oauth::pkce::new_state();
        let path = format!("/start/{}", token.expose());
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        self.start = Some((path, authorization_url.to_string()));
        url
    }

    /// Waits for the authorization response until `timeout`, from the listener or from lines the
    /// user pastes (handed over in [`Reply::Pasted`]). The listener is closed (the port released)
    /// when this returns.
    pub fn wait(
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

/// One request head read by a worker, waiting for the answer of the waiting loop.
struct Incoming {
    method: String,
    target: String,
    host: Option<String>,
    reply: Sender<Response>,
    written: Receiver<()>,
}

impl Incoming {
    fn respond(self, r: Response) {
        let _ = self.reply.send(r);
    }

    /// Responds and waits (briefly) until the page is written, so that the browser gets it
    /// before figma-auth moves on or exits.
    fn respond_and_wait(self, r: Response) {
        if self.reply.send(r).is_ok() {
            let _ = self.written.recv_timeout(WRITE_TIMEOUT);
        }
    }
}

/// A response of the listener.
struct Response {
    status: u16,
    body: String,
    location: Option<String>,
}

impl Response {
    fn page(status: u16, title: &str, text: &str) -> Self {
        Self {
            status,
            body: page(title, text),
            location: None,
        }
    }

    fn redirect(location: &str) -> Self {
        Self {
            status: 302,
            body: page("Redirecting", "Continue to Figma to log in."),
            location: Some(location.to_string()),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            302 => "Found",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Error",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (k, v) in [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Pragma", "no-cache"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            ("Connection", "close"),
        ] {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(l) = &self.location {
            head.push_str(&format!("Location: {l}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut out = head.into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

/// Open connections, oldest first: (id, a handle to shut it down).
type Registry = Arc<Mutex<VecDeque<(u64, TcpStream)>>>;

/// Accepts connections until `stop`, each served by a worker thread.
fn accept_loop(tcp: TcpListener, tx: Sender<Incoming>, stop: Arc<AtomicBool>) {
    if tcp.set_nonblocking(true).is_err() {
        return;
    }
    let registry: Registry = Arc::new(Mutex::new(VecDeque::new()));
    let ids = AtomicU64::new(0);
    while !stop.load(Ordering::SeqCst) {
        match tcp.accept() {
            Ok((stream, _)) => {
                let id = ids.fetch_add(1, Ordering::Relaxed);
                let Ok(handle) = stream.try_clone() else {
                    // Out of descriptors: drop this one, keep serving the others.
                    continue;
                };
                {
                    let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
                    while reg.len() >= MAX_CONNECTIONS {
                        if let Some((_, oldest)) = reg.pop_front() {
                            let _ = oldest.shutdown(Shutdown::Both);
                        }
                    }
                    reg.push_back((id, handle));
                }
                let (tx, registry2) = (tx.clone(), registry.clone());
                let spawned = std::thread::Builder::new()
                    .name("figma-auth-callback".into())
                    .spawn(move || {
                        serve(stream, &tx);
                        let mut reg = registry2.lock().unwrap_or_else(|e| e.into_inner());
                        reg.retain(|(i, _)| *i != id);
                    });
                if spawned.is_err() {
                    let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(pos) = reg.iter().position(|(i, _)| *i == id) {
                        if let Some((_, s)) = reg.remove(pos) {
                            let _ = s.shutdown(Shutdown::Both);
                        }
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            // EMFILE, ENFILE, ECONNABORTED, ...: transient, never the end of the login.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    // Ends every connection still open, so no worker outlives the wait by much.
    let reg = registry.lock().unwrap_or_else(|e| e.into_inner());
    for (_, s) in reg.iter() {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// Serves one connection: reads one request head (within [`HEAD_DEADLINE`], at most
/// [`MAX_HEAD`] bytes), hands it to the waiting loop, writes the answer, closes.
fn serve(mut stream: TcpStream, tx: &Sender<Incoming>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = find_head_end(&buf) {
            break i;
        }
        if buf.len() > MAX_HEAD {
            let r = Response::page(431, "Request too large", "The request is too large.");
            let _ = stream.write_all(&r.bytes());
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return;
    }
    let host = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_string());
    let (reply_tx, reply_rx) = mpsc::channel();
    let (written_tx, written_rx) = mpsc::channel();
    let incoming = Incoming {
        method: method.to_string(),
        target: target.to_string(),
        host,
        reply: reply_tx,
        written: written_rx,
    };
    if tx.send(incoming).is_err() {
        return;
    }
    // The waiting loop answers within a poll interval; it may also have ended.
    if let Ok(response) = reply_rx.recv_timeout(Duration::from_secs(30)) {
        let _ = stream.write_all(&response.bytes());
        let _ = stream.flush();
        let _ = written_tx.send(());
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// The offset just past the `\r\n\r\n` (or `\n\n`) ending a request head.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some(i + 4);
    }
    buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2)
}

/// The outcome of checking one authorization response.
pub enum Verdict {
    /// Not for this login attempt: answer 400 and keep waiting.
    Ignore(&'static str),
    /// The attempt is over.
    Done(Result<AuthCode, CallbackError>),
}

/// Checks the query string of an authorization response against `expected`.
pub fn evaluate(query: &str, expected: &Expected) -> Verdict {
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
    if let Some(i) = iss {
        if i.trim_end_matches('/') != expected.issuer {
            return Verdict::Done(Err(CallbackError::IssuerMismatch {
                expected: expected.issuer.clone(),
                found: sanitize(&i, &[], 200),
            }));
        }
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
pub fn pasted_query(line: &str) -> Option<String> {
    let line = line.trim();
    let line = line.split('#').next().unwrap_or("");
    let q = match line.split_once('?') {
        Some((_, q)) => q,
        None if line.contains("state=") || line.contains("code=") => line,
        None => return None,
    };
    Some(q.to_string())
}

/// A small static page; `text` is HTML-escaped.
fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>figma-auth: {t}</title></head>\n<body style=\"font-family:sans-serif;margin:3em\">\
         <h1>{t}</h1>\n<p>{x}</p></body></html>\n",
        t = html_escape(title),
        x = html_escape(text)
    )
}

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp() -> Expected {
        Expected {
            state: State::new("S1"),
            issuer: "http://127.0.0.1:9".into(),
        }
    }

    #[test]
    fn state_is_required_and_checked() {
        assert!(matches!(evaluate("code=c", &exp()), Verdict::Ignore(_)));
        assert!(matches!(
            evaluate("code=c&state=S2", &exp()),
            Verdict::Ignore(_)
        ));
        assert!(matches!(
            evaluate("error=access_denied", &exp()),
            Verdict::Ignore(_)
        ));
        assert!(matches!(
            evaluate("code=c&state=S1&state=S1", &exp()),
            Verdict::Ignore(_)
        ));
        match evaluate("code=c&state=S1", &exp()) {
            Verdict::Done(Ok(c)) => assert_eq!(c.expose(), "c"),
            _ => panic!(),
        }
    }

    #[test]
    fn errors_and_iss() {
        match evaluate(
            "error=access_denied&error_description=%3Cb%3Eno%1b&state=S1",
            &exp(),
        ) {
            Verdict::Done(Err(CallbackError::Denied { error, description })) => {
                assert_eq!(error, "access_denied");
                assert_eq!(description.unwrap(), "<b>no\\u{1b}");
            }
            _ => panic!(),
        }
        assert!(matches!(
            evaluate("code=c&state=S1&iss=http://evil", &exp()),
            Verdict::Done(Err(CallbackError::IssuerMismatch { .. }))
        ));
        assert!(matches!(
            evaluate("code=c&state=S1&iss=http%3A%2F%2F127.0.0.1%3A9", &exp()),
            Verdict::Done(Ok(_))
        ));
        // Figma advertises iss and never sends it: an absent iss is accepted.
        assert!(matches!(
            evaluate("code=c&state=S1", &exp()),
            Verdict::Done(Ok(_))
        ));
        assert!(matches!(
            evaluate("state=S1", &exp()),
            Verdict::Done(Err(CallbackError::MissingCode))
        ));
    }

    #[test]
    fn pasted_lines() {
        assert_eq!(
            pasted_query(" http://127.0.0.1:1/cb?code=a&state=b#x\n").unwrap(),
            "code=a&state=b"
        );
        assert_eq!(pasted_query("code=a&state=b").unwrap(), "code=a&state=b");
        assert!(pasted_query("hello").is_none());
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape("<script>&\"'"),
            "&lt;script&gt;&amp;&quot;&#39;"
        );
        assert!(!page("t", "<script>alert(1)</script>").contains("<script>"));
    }

    #[test]
    fn request_heads_end_at_the_blank_line() {
        assert_eq!(
            find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest"),
            Some(27)
        );
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }
}
