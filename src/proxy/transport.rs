//! Streamable HTTP towards the MCP server: the kept-alive client (no redirects, no overall timeout
//! that would cut a stream), the three requests, bounded reads under timeouts, and [`Fail`].

use super::jsonrpc::code;
use super::session::Snapshot;
use super::token::Bearer;
use crate::error::exit;
use crate::oauth::{display_url, sanitize, Url};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Client, Response};
use std::time::Duration;

/// The biggest message accepted in either direction (a tool result with images can be large).
pub(crate) const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// How long a TCP/TLS connection may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fail {
    /// A login is needed; the message names `figma-auth login`.
    Login(String),
    /// Nothing to fix: network, timeout, 5xx, 429. Retry later.
    Temporary {
        message: String,
        status: Option<u16>,
    },
    /// The server refused, or answered something unusable.
    Refused {
        message: String,
        status: Option<u16>,
    },
}

impl Fail {
    pub(crate) fn message(&self) -> &str {
        match self {
            Fail::Login(m) => m,
            Fail::Temporary { message, .. } | Fail::Refused { message, .. } => message,
        }
    }

    pub(crate) fn rpc_code(&self) -> i64 {
        match self {
            Fail::Login(_) => code::LOGIN_REQUIRED,
            Fail::Temporary { .. } => code::UNAVAILABLE,
            Fail::Refused { .. } => code::REFUSED,
        }
    }

    /// The exit code of `proxy --check` (the project's 1/3/4).
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Fail::Login(_) => exit::LOGIN_REQUIRED,
            Fail::Temporary { .. } => exit::TEMPORARY,
            Fail::Refused { .. } => exit::ERROR,
        }
    }

    /// `kind` and `http_status`, the `data` of the JSON-RPC error.
    pub(crate) fn data(&self) -> serde_json::Value {
        let (kind, status) = match self {
            Fail::Login(_) => ("login-required", None),
            Fail::Temporary { status, .. } => ("temporary", *status),
            Fail::Refused { status, .. } => ("refused", *status),
        };
        let mut d = serde_json::json!({"source": "figma-auth proxy", "kind": kind});
        if let Some(s) = status {
            d["http_status"] = s.into();
        }
        d
    }

    pub(crate) fn temporary(message: String) -> Self {
        Fail::Temporary {
            message,
            status: None,
        }
    }

    pub(crate) fn refused(message: String) -> Self {
        Fail::Refused {
            message,
            status: None,
        }
    }
}

impl From<super::token::TokenFailure> for Fail {
    fn from(f: super::token::TokenFailure) -> Self {
        use super::token::TokenFailure as T;
        match f {
            T::Login(m) => Fail::Login(m),
            T::Temporary(m) => Fail::temporary(m),
            T::Failed(m) => Fail::refused(m),
        }
    }
}

/// The MCP server's endpoint and the client that talks to it.
///
/// The requests POST a message, GET the server's stream and DELETE the session, with the headers
/// the specification asks for; each timeout says what was waited for.
pub(crate) struct Upstream {
    http: Client,
    pub url: Url,
    /// Shown in messages (no query).
    pub shown: String,
    /// Waiting for an answer to start, and between the chunks of a streamed answer.
    pub timeout: Duration,
    /// ` --profile NAME` for the commands messages suggest.
    pub flags: String,
}

impl Upstream {
    pub(crate) fn new(url: Url, timeout: Duration, flags: String) -> Result<Self, reqwest::Error> {
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(16)
            .user_agent(concat!("figma-auth/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            shown: display_url(&url),
            url,
            timeout,
            flags,
        })
    }

    fn headers(bearer: &Bearer, s: &Snapshot) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(6);
        h.insert(reqwest::header::AUTHORIZATION, bearer.header.clone());
        if let Some(id) = &s.id {
            h.insert("mcp-session-id", id.clone());
        }
        if let Some(p) = &s.protocol {
            h.insert("mcp-protocol-version", p.clone());
        }
        h
    }

    /// POSTs one JSON-RPC message; returns when the response headers are in.
    pub(crate) async fn post(
        &self,
        body: Vec<u8>,
        bearer: &Bearer,
        s: &Snapshot,
        what: &str,
    ) -> Result<Response, Fail> {
        let mut h = Self::headers(bearer, s);
        h.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let req = self.http.post(self.url.clone()).headers(h).body(body);
        self.send(req, what).await
    }

    /// Opens (or, with `last_event_id`, resumes) the server's event stream.
    pub(crate) async fn get(
        &self,
        bearer: &Bearer,
        s: &Snapshot,
        last_event_id: Option<&str>,
    ) -> Result<Response, Fail> {
        let mut h = Self::headers(bearer, s);
        h.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        if let Some(v) = last_event_id.and_then(|v| HeaderValue::from_str(v).ok()) {
            h.insert("last-event-id", v);
        }
        let req = self.http.get(self.url.clone()).headers(h);
        self.send(req, "the event stream").await
    }

    /// Ends the session (best effort, a few seconds at most).
    pub(crate) async fn delete(&self, bearer: &Bearer, s: &Snapshot) -> Result<u16, Fail> {
        let req = self
            .http
            .delete(self.url.clone())
            .headers(Self::headers(bearer, s));
        let r = tokio::time::timeout(Duration::from_secs(5), req.send())
            .await
            .map_err(|_| Fail::temporary("closing the session timed out".into()))?
            .map_err(|e| self.network(e, "closing the session"))?;
        Ok(r.status().as_u16())
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Response, Fail> {
        match tokio::time::timeout(self.timeout, req.send()).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(self.network(e, what)),
            Err(_) => Err(Fail::temporary(format!(
                "the MCP server at {} did not answer {what} within {} (set `figma-auth proxy --timeout` to wait longer)",
                self.shown,
                crate::time::short_duration(self.timeout)
            ))),
        }
    }

    fn network(&self, e: reqwest::Error, what: &str) -> Fail {
        let (connect, timed_out) = (e.is_connect(), e.is_timeout());
        let reason = crate::error::chain(&e.without_url());
        let message = if connect && timed_out {
            format!(
                "could not connect to the MCP server at {} within {} (sending {what}); check the network",
                self.shown,
                crate::time::short_duration(CONNECT_TIMEOUT)
            )
        } else if connect {
            format!(
                "could not connect to the MCP server at {} (sending {what}): {}",
                self.shown,
                sanitize(&reason, &[], 200)
            )
        } else {
            format!(
                "the connection to the MCP server at {} failed while sending {what}: {}",
                self.shown,
                sanitize(&reason, &[], 200)
            )
        };
        Fail::temporary(message)
    }

    /// The next chunk of a streamed body; `None` at its end. Waiting longer than `idle` for it
    /// is an error (`None`: wait as long as it takes, for the server's own stream).
    pub(crate) async fn chunk(
        &self,
        resp: &mut Response,
        what: &str,
        idle: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, ChunkError> {
        let next = match idle {
            Some(d) => tokio::time::timeout(d, resp.chunk()).await,
            None => Ok(resp.chunk().await),
        };
        match next {
            Ok(Ok(c)) => Ok(c.map(|b| b.to_vec())),
            Ok(Err(e)) => Err(ChunkError::Dropped(crate::error::chain(&e.without_url()))),
            Err(_) => Err(ChunkError::Idle(Fail::temporary(format!(
                "the MCP server at {} sent nothing more of its answer to {what} for {} (set `figma-auth proxy --timeout` to wait longer)",
                self.shown,
                crate::time::short_duration(idle.unwrap_or_default())
            )))),
        }
    }

    /// A whole (JSON) body, at most [`MAX_MESSAGE`] bytes.
    pub(crate) async fn body(&self, mut resp: Response, what: &str) -> Result<Vec<u8>, Fail> {
        let mut out = Vec::with_capacity(
            resp.content_length()
                .map_or(1024, |n| n.min(MAX_MESSAGE as u64) as usize),
        );
        loop {
            match self.chunk(&mut resp, what, Some(self.timeout)).await {
                Ok(Some(c)) => {
                    if out.len() + c.len() > MAX_MESSAGE {
                        return Err(Fail::refused(format!(
                            "the MCP server's answer to {what} is larger than {} MiB",
                            MAX_MESSAGE >> 20
                        )));
                    }
                    out.extend_from_slice(&c);
                }
                Ok(None) => return Ok(out),
                Err(ChunkError::Idle(f)) => return Err(f),
                Err(ChunkError::Dropped(reason)) => {
                    return Err(Fail::temporary(format!(
                        "the connection to the MCP server at {} broke while it answered {what}: {}",
                        self.shown,
                        sanitize(&reason, &[], 200)
                    )))
                }
            }
        }
    }

    /// The failure an unsuccessful HTTP status stands for (after the proxy's own handling of
    /// 401 and 404). `detail` is the start of the body.
    pub(crate) fn status_failure(
        &self,
        resp: &Response,
        detail: &str,
        what: &str,
        token: &str,
    ) -> Fail {
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| sanitize(v, &[token], 300))
        };
        let detail = sanitize(detail.lines().next().unwrap_or(""), &[token], 200);
        let colon = |d: &str| {
            if d.is_empty() {
                String::new()
            } else {
                format!(": {d}")
            }
        };
        let url = &self.shown;
        let flags = &self.flags;
        match status {
            401 => {
                let why = header("www-authenticate")
                    .as_deref()
                    .and_then(crate::mcp::bearer_error)
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                Fail::Login(format!(
                    "the MCP server at {url} rejected the access token even after a refresh{why}; run `figma-auth login{flags}` in a terminal, then retry"
                ))
            }
            403 => Fail::Refused {
                message: format!(
                    "the MCP server at {url} refused {what} (HTTP 403{}); the login works, but the Figma account, plan or seat may not allow it",
                    colon(&detail)
                ),
                status: Some(status),
            },
            429 => {
                let after = header("retry-after")
                    .map(|v| format!("; retry after {v} s"))
                    .unwrap_or_default();
                Fail::Temporary {
                    message: format!(
                        "the MCP server at {url} is rate limiting (HTTP 429): a quota of your Figma plan or seat, not a token problem{after}"
                    ),
                    status: Some(status),
                }
            }
            300..=399 => Fail::Refused {
                message: format!(
                    "the MCP server at {url} answered {what} with a redirect (HTTP {status}) to {}; figma-auth does not follow redirects (the token must not travel to another address): check --mcp-url",
                    header("location")
                        .map(|l| crate::oauth::display_url_str(&l))
                        .unwrap_or_else(|| "(no Location header)".into())
                ),
                status: Some(status),
            },
            500..=599 => Fail::Temporary {
                message: format!(
                    "the MCP server at {url} is unavailable (HTTP {status}{}); retry later",
                    colon(&detail)
                ),
                status: Some(status),
            },
            404 => Fail::Refused {
                message: format!(
                    "the MCP server at {url} answered 404 Not Found to {what}: check --mcp-url{}",
                    colon(&detail)
                ),
                status: Some(status),
            },
            _ => Fail::Refused {
                message: format!(
                    "the MCP server at {url} refused {what} (HTTP {status}{})",
                    colon(&detail)
                ),
                status: Some(status),
            },
        }
    }
}

/// A stream ended badly.
#[derive(Debug)]
pub(crate) enum ChunkError {
    /// Nothing arrived within the timeout.
    Idle(Fail),
    /// The connection broke (the reason, not yet sanitised).
    Dropped(String),
}

/// The media type of a response, lower-case, without parameters.
pub(crate) fn media_type(resp: &Response) -> String {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figmas_www_authenticate_is_read() {
        let figma = r#"Bearer resource_metadata="https://mcp.figma.com/.well-known/oauth-protected-resource", scope="mcp:connect", error="invalid_token", error_description="The access token expired""#;
        assert_eq!(
            crate::mcp::bearer_error(figma).as_deref(),
            Some("invalid_token: The access token expired")
        );
    }

    #[test]
    fn failures_map_to_codes_and_exit_codes() {
        let l = Fail::Login("x".into());
        assert_eq!((l.rpc_code(), l.exit_code()), (code::LOGIN_REQUIRED, 3));
        let t = Fail::temporary("x".into());
        assert_eq!((t.rpc_code(), t.exit_code()), (code::UNAVAILABLE, 4));
        let r = Fail::Refused {
            message: "x".into(),
            status: Some(403),
        };
        assert_eq!((r.rpc_code(), r.exit_code()), (code::REFUSED, 1));
        assert_eq!(r.data()["http_status"], 403);
        assert_eq!(r.data()["kind"], "refused");
    }
}
