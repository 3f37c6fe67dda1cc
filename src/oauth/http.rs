//! HTTP for discovery, registration, the token endpoint and the MCP probe: no redirects followed, a
//! total deadline per request (body included), bounded bodies, and failures mapped to
//! [`OAuthError`].

use super::{display_url, OAuthError, Url};
use crate::redact::{self, Redactor};
use reqwest::blocking::{Client, RequestBuilder};
use std::io::Read;
use std::time::Duration;

/// Bodies larger than this are cut (metadata and token responses are a few hundred bytes).
const MAX_BODY: u64 = 256 * 1024;

/// The HTTP client and the total time one request may take.
#[derive(Debug, Clone)]
pub struct Http {
    client: Client,
    timeout: Duration,
}

impl std::ops::Deref for Http {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Http {
    /// The total deadline of each request made through [`execute`] with this client.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The same client with a shorter deadline (never a longer one).
    pub fn at_most(&self, limit: Duration) -> Http {
        Http {
            client: self.client.clone(),
            timeout: self.timeout.min(limit),
        }
    }
}

/// The HTTP client for every request: no redirects followed, `timeout` in total per request.
///
/// The deadline covers connection, headers and body together: a server that trickles its answer a
/// byte at a time cannot keep figma-auth (and the store lock it may hold) waiting past it.
/// Transport failures, redirects, 5xx and 429 are mapped to [`OAuthError`].
pub(crate) fn client(timeout: Duration) -> Result<Http, OAuthError> {
    let timeout = timeout.max(Duration::from_millis(1));
    let mut builder = Client::builder();
    for host in super::test_hosts() {
        builder = builder.resolve(&host, std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    let client = builder
        .redirect(reqwest::redirect::Policy::none())
        // [`execute`] enforces the total deadline; reqwest's own timeout, a little longer, only
        // ends the abandoned request thread.
        .timeout(timeout.saturating_add(Duration::from_secs(5)))
        .connect_timeout(timeout.min(Duration::from_secs(15)))
        .user_agent(concat!("figma-auth/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(OAuthError::Client)?;
    Ok(Http { client, timeout })
}

/// Why no response arrived.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("no complete answer within {}", crate::time::short_duration(*.0))]
    Deadline(Duration),
    #[error(transparent)]
    Request(reqwest::Error),
    #[error("reading the response failed: {0}")]
    Read(std::io::Error),
}

impl TransportError {
    pub fn is_timeout(&self) -> bool {
        match self {
            TransportError::Deadline(_) => true,
            TransportError::Request(e) => e.is_timeout(),
            TransportError::Read(e) => e.kind() == std::io::ErrorKind::TimedOut,
        }
    }
}

/// A complete response: status, headers and at most `max_body` bytes of body.
#[derive(Debug)]
pub(crate) struct Raw {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// Sends `req` and reads at most `max_body` bytes of the answer, all within `http`'s deadline.
/// The request runs on its own thread; when the deadline passes first, the caller gets
/// [`TransportError::Deadline`] at once and the thread is left to end by reqwest's own timeout.
pub(crate) fn execute(
    http: &Http,
    req: RequestBuilder,
    max_body: u64,
) -> Result<Raw, TransportError> {
    let timeout = http.timeout;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let req = req.timeout(timeout.saturating_add(Duration::from_secs(5)));
    let work = move || {
        let result = (|| {
            let resp = req
                .send()
                .map_err(|e| TransportError::Request(e.without_url()))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let mut body = Vec::new();
            resp.take(max_body)
                .read_to_end(&mut body)
                .map_err(TransportError::Read)?;
            Ok(Raw {
                status,
                headers,
                body,
            })
        })();
        let _ = tx.send(result);
    };
    if std::thread::Builder::new()
        .name("figma-auth-http".into())
        .spawn(work)
        .is_err()
    {
        return Err(TransportError::Read(std::io::Error::other(
            "cannot start a thread for the request",
        )));
    }
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        Err(_) => Err(TransportError::Deadline(timeout)),
    }
}

/// A response that was neither a transport error, a redirect, a 5xx nor a 429.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a JSON object, when it is one.
    pub(crate) fn json_object(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    /// `error` and `error_description` of an OAuth error body, when the body is one.
    pub(crate) fn oauth_error(&self) -> Option<(String, Option<String>)> {
        let m = self.json_object()?;
        let error = m.get("error")?.as_str()?.to_string();
        let desc = m
            .get("error_description")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        Some((error, desc))
    }

    /// A short, printable summary of an error body: `error: description` for OAuth errors, a
    /// short secret-free excerpt of the text otherwise ([`redact::excerpt`]). Every encoding of
    /// the `redactor`'s secrets is redacted.
    pub(crate) fn summary(&self, redactor: &Redactor) -> String {
        if let Some((e, d)) = self.oauth_error() {
            let text = match d {
                Some(d) if !d.is_empty() => format!("{e}: {d}"),
                _ => e,
            };
            return redact::sanitize_with(&text, redactor, 300);
        }
        redact::excerpt(&self.body, redactor)
    }
}

/// Sends a request and classifies the outcome. `what` names the endpoint in messages ("token
/// endpoint"); `url` is shown without its query string. Every encoding of the `redactor`'s
/// secrets is redacted from any server text quoted in an error.
pub(crate) fn send(
    http: &Http,
    req: RequestBuilder,
    what: &'static str,
    url: &Url,
    redactor: &Redactor,
) -> Result<Reply, OAuthError> {
    let shown = display_url(url);
    let raw = execute(http, req, MAX_BODY).map_err(|e| OAuthError::Network {
        what,
        url: shown.clone(),
        timed_out: e.is_timeout(),
        source: e,
    })?;
    let status = raw.status;
    let location = raw.header("location");
    let retry_after = raw
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = String::from_utf8_lossy(&raw.body).into_owned();
    let reply = Reply { status, body };
    if (300..400).contains(&status) {
        return Err(OAuthError::Redirected {
            what,
            url: shown,
            status,
            location: location
                .map(|l| super::display_url_str(&l))
                .unwrap_or_else(|| "(no Location header)".to_string()),
        });
    }
    if status >= 500 || status == 429 {
        return Err(OAuthError::Unavailable {
            what,
            url: shown,
            status,
            detail: reply.summary(redactor),
            retry_after,
        });
    }
    Ok(reply)
}
