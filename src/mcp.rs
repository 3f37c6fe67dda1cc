//! The one MCP request figma-auth makes itself: an `initialize` JSON-RPC POST (Streamable HTTP)
//! to the MCP server with the access token, used by `doctor --online` to tell whether the server
//! accepts the token. No redirect is followed (the token must not travel to another URL); the
//! session the server may open is closed again with a DELETE. Every answer is classified, and
//! server text is sanitised (the token redacted) before it can reach a message.

use crate::oauth::{display_url, sanitize, Url};
use crate::secret::AccessToken;
use reqwest::blocking::Client;
use std::io::Read;
use std::time::Duration;

/// The protocol version sent in `initialize`.
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// Bodies larger than this are cut (an `initialize` result is a few hundred bytes).
const MAX_BODY: u64 = 64 * 1024;

/// What the MCP server said to `initialize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// 2xx: the token is accepted.
    Accepted {
        status: u16,
        /// `serverInfo.name` and `.version` of the result, when readable.
        server: Option<String>,
        /// The protocol version the server chose.
        protocol: Option<String>,
    },
    /// 401: the token is not accepted (expired, revoked, issued for another resource).
    Unauthorized {
        /// The `error` and `error_description` of `WWW-Authenticate`, sanitised.
        detail: Option<String>,
    },
    /// 403: authenticated, but not allowed (plan, seat or scope).
    Forbidden { detail: String },
    /// 429: a rate limit or quota, not a token problem.
    RateLimited { retry_after: Option<Duration> },
    /// 5xx.
    ServerError { status: u16, detail: String },
    /// 3xx: not followed.
    Redirected { status: u16, location: String },
    /// Any other status (404 and 405 usually mean a wrong URL).
    Unexpected { status: u16, detail: String },
    /// No answer: DNS, connection, TLS or timeout.
    Network { timed_out: bool, reason: String },
}

impl Probe {
    /// A temporary condition (retry later), not something to fix.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Probe::RateLimited { .. } | Probe::ServerError { .. } | Probe::Network { .. }
        )
    }
}

/// The JSON-RPC body of `initialize`.
pub fn initialize_body() -> serde_json::Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "figma-auth", "version": env!("CARGO_PKG_VERSION")},
        },
    })
}

/// POSTs `initialize` to `url` with `token`, and closes the session the server opened.
pub fn probe(http: &Client, url: &Url, token: &AccessToken) -> Probe {
    let secrets = [token.expose()];
    let clean = |s: &str| sanitize(s, &secrets, 200);
    let resp = http
        .post(url.clone())
        .bearer_auth(token.expose())
        .header(
            reqwest::header::ACCEPT,
            "application/json, text/event-stream",
        )
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("MCP-Protocol-Version", PROTOCOL_VERSION)
        .body(initialize_body().to_string())
        .send();
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            return Probe::Network {
                timed_out: e.is_timeout(),
                reason: clean(&crate::error::chain(&e.without_url())),
            }
        }
    };
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let session = header("mcp-session-id");
    let location = header("location");
    let www_authenticate = header("www-authenticate");
    let retry_after = header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut bytes = Vec::new();
    let _ = resp.take(MAX_BODY).read_to_end(&mut bytes);
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let first_line = clean(body.trim().lines().next().unwrap_or(""));
    let probe = match status {
        200..=299 => {
            let result = result_of(&body);
            let server = result.as_ref().and_then(|r| {
                let info = r.get("serverInfo")?;
                let name = info.get("name")?.as_str()?;
                Some(match info.get("version").and_then(|v| v.as_str()) {
                    Some(v) => clean(&format!("{name} {v}")),
                    None => clean(name),
                })
            });
            let protocol = result
                .as_ref()
                .and_then(|r| r.get("protocolVersion")?.as_str().map(clean));
            Probe::Accepted {
                status,
                server,
                protocol,
            }
        }
        401 => Probe::Unauthorized {
            detail: www_authenticate
                .as_deref()
                .and_then(bearer_error)
                .map(|d| clean(&d)),
        },
        403 => Probe::Forbidden { detail: first_line },
        429 => Probe::RateLimited { retry_after },
        300..=399 => Probe::Redirected {
            status,
            location: location
                .map(|l| crate::oauth::display_url_str(&l))
                .unwrap_or_else(|| "(no Location header)".to_string()),
        },
        500..=599 => Probe::ServerError {
            status,
            detail: first_line,
        },
        _ => Probe::Unexpected {
            status,
            detail: first_line,
        },
    };
    if let Some(id) = session {
        // Best effort: a server that keeps sessions gets this one back.
        let _ = http
            .delete(url.clone())
            .bearer_auth(token.expose())
            .header("Mcp-Session-Id", id)
            .header("MCP-Protocol-Version", PROTOCOL_VERSION)
            .timeout(Duration::from_secs(5))
            .send();
    }
    probe
}

/// `url` for messages (no query or credentials).
pub fn shown(url: &Url) -> String {
    display_url(url)
}

/// The `result` of a JSON-RPC response sent as JSON or as server-sent events.
fn result_of(body: &str) -> Option<serde_json::Value> {
    let parse = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| v.get("result").cloned())
    };
    parse(body).or_else(|| {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .find_map(|d| parse(d.trim()))
    })
}

/// `error="…", error_description="…"` of a `WWW-Authenticate: Bearer …` header.
pub(crate) fn bearer_error(header: &str) -> Option<String> {
    let param = |name: &str| {
        let start = header.find(&format!("{name}=\""))? + name.len() + 2;
        let end = header[start..].find('"')? + start;
        Some(header[start..end].to_string())
    };
    match (param("error"), param("error_description")) {
        (Some(e), Some(d)) => Some(format!("{e}: {d}")),
        (Some(e), None) => Some(e),
        (None, Some(d)) => Some(d),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_read_from_json_and_sse() {
        let json = r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18"}}"#;
        assert_eq!(result_of(json).unwrap()["protocolVersion"], "2025-06-18");
        let sse = format!("event: message\ndata: {json}\n\n");
        assert_eq!(result_of(&sse).unwrap()["protocolVersion"], "2025-06-18");
        assert!(result_of("nonsense").is_none());
    }

    #[test]
    fn bearer_errors_are_extracted() {
        assert_eq!(
            bearer_error(r#"Bearer realm="x", error="invalid_token", error_description="expired""#)
                .as_deref(),
            Some("invalid_token: expired")
        );
        assert_eq!(bearer_error("Bearer realm=\"x\""), None);
    }

    #[test]
    fn the_initialize_body_is_json_rpc() {
        let b = initialize_body();
        assert_eq!(b["method"], "initialize");
        assert_eq!(b["params"]["protocolVersion"], PROTOCOL_VERSION);
    }
}
