//! What figma-auth asks the MCP server itself (Streamable HTTP, JSON-RPC over POST): an
//! `initialize` with the access token, to tell whether the server accepts it (`doctor --online`),
//! and then — when it does — one `tools/call` of `whoami`, to learn the Figma account the token
//! belongs to (`login`, `setup`, `doctor --online`). Everything offers protocol
//! [`PROTOCOL_VERSION`] `2025-11-25`: Figma's server accepts `2026-07-28` in `initialize` and then
//! fails that version's new methods (`-32601`). A `GET` (the optional server-to-client stream)
//! answering 405 is normal and never an error. No redirect is followed (the token must not travel
//! to another URL); every request has a total deadline; the session the server may open is closed
//! with a DELETE. Every answer is classified, and server text is sanitised (the token redacted in
//! every encoding) before it can reach a message.

use crate::oauth::http::{execute, Http, Raw};
use crate::oauth::{display_url, Url};
use crate::redact::{self, Redactor};
use crate::secret::AccessToken;
use crate::store::Account;
use std::time::Duration;

/// The protocol version offered in `initialize` and sent in `MCP-Protocol-Version`.
pub(crate) const PROTOCOL_VERSION: &str = "2025-11-25";

/// Bodies larger than this are cut (an `initialize` result is a few hundred bytes).
const MAX_BODY: u64 = 64 * 1024;

/// What the MCP server said to `initialize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Probe {
    /// 2xx: the token is accepted.
    Accepted {
        status: u16,
        /// `serverInfo.name` and `.version` of the result, when readable.
        server: Option<String>,
        /// The protocol version the server chose.
        protocol: Option<String>,
        /// The account `whoami` named (`None` when the call was not possible: quota, older
        /// server, an answer figma-auth cannot read).
        account: Option<Account>,
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

/// The JSON-RPC body of `initialize`.
pub(crate) fn initialize_body() -> serde_json::Value {
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

/// One Streamable HTTP conversation with the MCP server.
struct Conversation<'a> {
    http: &'a Http,
    url: &'a Url,
    token: &'a AccessToken,
    session: Option<String>,
    /// The version agreed in `initialize` (sent in `MCP-Protocol-Version` afterwards).
    protocol: String,
}

impl Conversation<'_> {
    fn post(&self, body: &serde_json::Value) -> Result<Raw, crate::oauth::http::TransportError> {
        let mut rb = self
            .http
            .post(self.url.clone())
            .bearer_auth(self.token.expose())
            .header(
                reqwest::header::ACCEPT,
                "application/json, text/event-stream",
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("MCP-Protocol-Version", self.protocol.as_str())
            .body(body.to_string());
        if let Some(id) = &self.session {
            rb = rb.header("Mcp-Session-Id", id.as_str());
        }
        execute(self.http, rb, MAX_BODY)
    }

    /// `notifications/initialized`, then one `tools/call` of `whoami`; `None` on any failure.
    fn whoami(&self) -> Option<Account> {
        let _ = self.post(&serde_json::json!({
            "jsonrpc": "2.0", "method": "notifications/initialized"
        }));
        let raw = self
            .post(&serde_json::json!({
                "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "whoami", "arguments": {}}
            }))
            .ok()?;
        if !(200..300).contains(&raw.status) {
            return None;
        }
        let result = result_of(&String::from_utf8_lossy(&raw.body))?;
        if result.get("isError").and_then(|v| v.as_bool()) == Some(true) {
            return None;
        }
        account_of(&result, &Redactor::new(&[self.token.expose()]))
    }

    /// Closes the session the server opened (best effort).
    fn close(&self) {
        if let Some(id) = &self.session {
            let rb = self
                .http
                .delete(self.url.clone())
                .bearer_auth(self.token.expose())
                .header("Mcp-Session-Id", id.as_str())
                .header("MCP-Protocol-Version", self.protocol.as_str());
            let _ = execute(&self.http.at_most(Duration::from_secs(5)), rb, 1024);
        }
    }
}

/// POSTs `initialize` to `url` with `token`; when the token is accepted, asks `whoami` once;
/// closes the session the server opened.
pub(crate) fn probe(http: &Http, url: &Url, token: &AccessToken) -> Probe {
    let redactor = Redactor::new(&[token.expose()]);
    let clean = |s: &str| redact::sanitize_with(s, &redactor, 200);
    let mut conv = Conversation {
        http,
        url,
        token,
        session: None,
        protocol: PROTOCOL_VERSION.to_string(),
    };
    let raw = match conv.post(&initialize_body()) {
        Ok(r) => r,
        Err(e) => {
            return Probe::Network {
                timed_out: e.is_timeout(),
                reason: clean(&crate::error::chain(&e)),
            }
        }
    };
    let status = raw.status;
    conv.session = raw.header("mcp-session-id").map(|s| clean(&s));
    let location = raw.header("location");
    let www_authenticate = raw.header("www-authenticate");
    let retry_after = raw
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = String::from_utf8_lossy(&raw.body).into_owned();
    let excerpt = redact::excerpt(&body, &redactor);
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
            // Later requests carry the agreed version; an unreadable answer keeps ours.
            if let Some(p) = protocol.as_deref().filter(|p| p.len() <= 20) {
                conv.protocol = p.to_string();
            }
            let account = conv.whoami();
            Probe::Accepted {
                status,
                server,
                protocol,
                account,
            }
        }
        401 => Probe::Unauthorized {
            detail: www_authenticate
                .as_deref()
                .and_then(bearer_error)
                .map(|d| clean(&d)),
        },
        403 => Probe::Forbidden { detail: excerpt },
        429 => Probe::RateLimited { retry_after },
        300..=399 => Probe::Redirected {
            status,
            location: location
                .map(|l| crate::oauth::display_url_str(&l))
                .unwrap_or_else(|| "(no Location header)".to_string()),
        },
        500..=599 => Probe::ServerError {
            status,
            detail: excerpt,
        },
        _ => Probe::Unexpected {
            status,
            detail: excerpt,
        },
    };
    conv.close();
    probe
}

/// The account of the token, when the MCP server accepts it and `whoami` answers; `None` in every
/// other case (offline, quota, an older server): a login never fails because of it.
pub(crate) fn whoami(http: &Http, url: &Url, token: &AccessToken) -> Option<Account> {
    match probe(http, url, token) {
        Probe::Accepted { account, .. } => account,
        _ => None,
    }
}

/// The account in a `whoami` result: `structuredContent`, or the first text content as JSON
/// (`handle`/`name`, `email`, `id`), or as plain text.
fn account_of(result: &serde_json::Value, redactor: &Redactor) -> Option<Account> {
    let clean = |s: &str| Some(redact::sanitize_with(s, redactor, 120)).filter(|s| !s.is_empty());
    let from_json = |v: &serde_json::Value| -> Option<Account> {
        let v = v.get("user").unwrap_or(v);
        let field = |names: &[&str]| {
            names.iter().find_map(|n| match v.get(*n)? {
                serde_json::Value::String(s) => clean(s),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let a = Account {
            name: field(&["handle", "name", "display_name", "displayName"]),
            email: field(&["email"]),
            id: field(&["id", "user_id", "userId"]),
        };
        (a.name.is_some() || a.email.is_some()).then_some(a)
    };
    if let Some(a) = result.get("structuredContent").and_then(from_json) {
        return Some(a);
    }
    let text = result
        .get("content")?
        .as_array()?
        .iter()
        .find_map(|c| c.get("text")?.as_str())?;
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
        && let Some(a) = from_json(&v)
    {
        return Some(a);
    }
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(Account {
        name: clean(line),
        email: None,
        id: None,
    })
}

/// `url` for messages (no query or credentials).
pub(crate) fn shown(url: &Url) -> String {
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
        let json = r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25"}}"#;
        assert_eq!(result_of(json).unwrap()["protocolVersion"], "2025-11-25");
        let sse = format!("event: message\ndata: {json}\n\n");
        assert_eq!(result_of(&sse).unwrap()["protocolVersion"], "2025-11-25");
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
    fn accounts_are_read_from_every_shape() {
        let r = Redactor::default();
        let text = |t: &str| serde_json::json!({"content": [{"type": "text", "text": t}]});
        let a = account_of(
            &text(r#"{"handle":"Ann","email":"ann@example.com","id":7}"#),
            &r,
        )
        .unwrap();
        assert_eq!(a.label(), "Ann (ann@example.com)");
        assert_eq!(a.id.as_deref(), Some("7"));
        let a = account_of(&text("Logged in as ann@example.com\nmore"), &r).unwrap();
        assert_eq!(a.label(), "Logged in as ann@example.com");
        let a = account_of(
            &serde_json::json!({"structuredContent": {"email": "b@example.com"}}),
            &r,
        )
        .unwrap();
        assert_eq!(a.label(), "b@example.com");
        let a = account_of(&text("evil\u{1b}[2J"), &r).unwrap();
        assert_eq!(a.label(), "evil\\u{1b}[2J");
        assert!(account_of(&serde_json::json!({}), &r).is_none());
    }

    #[test]
    fn the_initialize_body_is_json_rpc() {
        let b = initialize_body();
        assert_eq!(b["method"], "initialize");
        assert_eq!(b["params"]["protocolVersion"], PROTOCOL_VERSION);
    }
}
