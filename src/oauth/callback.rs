//! The loopback listener that receives the authorization response. It binds 127.0.0.1 only,
//! serves only the callback path (404 elsewhere), rejects requests whose `Host` is not the
//! loopback address, ignores callbacks with a missing or wrong `state` (400, keeps waiting), ends
//! on the first callback with the right `state` (code, or `error=` with its escaped description),
//! validates `iss` (RFC 9207), and stops at the timeout. Pages carry `Cache-Control: no-store`,
//! `Referrer-Policy: no-referrer` and no script. The final redirect URL can also be pasted (SSH
//! sessions; the caller reads the terminal); such lines go through the same checks.

use super::{constant_time_eq, sanitize, CallbackError};
use crate::secret::{AuthCode, State};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::time::{Duration, Instant};

/// What a valid callback must carry.
pub struct Expected {
    pub state: State,
    /// The issuer from the metadata; a callback's `iss` must equal it.
    pub issuer: String,
    /// The metadata promised `iss` on every response (RFC 9207).
    pub iss_required: bool,
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
pub struct Listener {
    server: tiny_http::Server,
    port: u16,
    path: String,
}

impl Listener {
    /// Binds `127.0.0.1:port` (`0` = any free port). `path` is the callback path (`/…`).
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
        let server =
            tiny_http::Server::from_listener(tcp, None).map_err(|e| CallbackError::Bind {
                addr: addr.to_string(),
                source: std::io::Error::other(e.to_string()),
            })?;
        Ok(Self {
            server,
            port,
            path: path.to_string(),
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/PATH`, the redirect URI to register and send.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.path)
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
        let deadline = Instant::now() + timeout;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(CallbackError::Timeout {
                    redirect_uri: self.redirect_uri(),
                    waited: timeout,
                });
            }
            match on_event(Event::Tick {
                remaining: deadline - now,
            }) {
                Reply::Continue => {}
                Reply::Cancel => return Err(CallbackError::Cancelled),
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
                        Verdict::Done(result) => return result,
                    },
                },
            }
            // Short enough that typed keys show at once under the spinner.
            let wait = (deadline - Instant::now().min(deadline)).min(Duration::from_millis(40));
            let request = match self.server.recv_timeout(wait) {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(e) => {
                    return Err(CallbackError::Listen {
                        addr: format!("127.0.0.1:{}", self.port),
                        source: e,
                    })
                }
            };
            if let Some(result) = self.handle(request, expected, on_event) {
                return result;
            }
        }
    }

    /// Answers one request; `Some` ends the wait.
    fn handle(
        &self,
        request: tiny_http::Request,
        expected: &Expected,
        on_event: &mut dyn FnMut(Event) -> Reply,
    ) -> Option<Result<AuthCode, CallbackError>> {
        let (path, query) = match request.url().split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (request.url().to_string(), String::new()),
        };
        let host_ok = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| {
                let v = h.value.as_str().to_ascii_lowercase();
                v == format!("127.0.0.1:{}", self.port) || v == format!("localhost:{}", self.port)
            })
            .unwrap_or(false);
        if !host_ok {
            respond(
                request,
                400,
                page(
                    "Bad request",
                    "This listener only answers requests addressed to 127.0.0.1.",
                ),
            );
            on_event(Event::Ignored(
                "ignored a request with a foreign Host header".to_string(),
            ));
            return None;
        }
        if path != self.path {
            respond(request, 404, page("Not found", "Nothing here."));
            return None;
        }
        // Only a browser's GET completes the login (not a HEAD from a link prefetcher).
        if request.method() != &tiny_http::Method::Get {
            respond(
                request,
                405,
                page("Method not allowed", "Only GET is served here."),
            );
            return None;
        }
        match evaluate(&query, expected) {
            Verdict::Ignore(why) => {
                respond(
                    request,
                    400,
                    page(
                        "Request ignored",
                        "This request does not belong to the login in progress and was ignored. \
                         Finish the login in the tab that figma-auth opened.",
                    ),
                );
                on_event(Event::Ignored(format!("ignored a callback: {why}")));
                None
            }
            Verdict::Done(Ok(code)) => {
                respond(
                    request,
                    200,
                    page(
                        "Logged in",
                        "figma-auth received the authorization. You can close this tab and return to the terminal.",
                    ),
                );
                Some(Ok(code))
            }
            Verdict::Done(Err(e)) => {
                let text = format!(
                    "The login was not completed: {e}. Return to the terminal for details."
                );
                respond(request, 400, page("Login failed", &text));
                Some(Err(e))
            }
        }
    }
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
    match iss {
        Some(i) if i.trim_end_matches('/') != expected.issuer => {
            return Verdict::Done(Err(CallbackError::IssuerMismatch {
                expected: expected.issuer.clone(),
                found: sanitize(&i, &[], 200),
            }))
        }
        None if expected.iss_required => return Verdict::Done(Err(CallbackError::MissingIss)),
        _ => {}
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

fn respond(request: tiny_http::Request, status: u16, body: String) {
    let mut response = tiny_http::Response::from_string(body).with_status_code(status);
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
    ] {
        response.add_header(
            tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("static header"),
        );
    }
    // A browser that went away is no reason to fail the login.
    let _ = request.respond(response);
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
            iss_required: false,
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
        let mut e = exp();
        e.iss_required = true;
        assert!(matches!(
            evaluate("code=c&state=S1", &e),
            Verdict::Done(Err(CallbackError::MissingIss))
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
}
