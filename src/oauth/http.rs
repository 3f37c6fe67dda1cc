//! HTTP plumbing shared by discovery, registration and the token endpoint: a client that never
//! follows redirects, bounded response bodies, and the mapping of transport failures, redirects,
//! 5xx and 429 to [`OAuthError`].

use super::{display_url, sanitize, OAuthError, Url};
use reqwest::blocking::{Client, RequestBuilder};
use std::io::Read;
use std::time::Duration;

/// Bodies larger than this are cut (metadata and token responses are a few hundred bytes).
const MAX_BODY: u64 = 256 * 1024;

/// The HTTP client for every OAuth request: no redirects followed, a total timeout per request.
pub fn client(timeout: Duration) -> Result<Client, OAuthError> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(15)))
        .user_agent(concat!("figma-auth/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(OAuthError::Client)
}

/// A response that was neither a transport error, a redirect, a 5xx nor a 429.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a JSON object, when it is one.
    pub fn json_object(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    /// `error` and `error_description` of an OAuth error body, when the body is one.
    pub fn oauth_error(&self) -> Option<(String, Option<String>)> {
        let m = self.json_object()?;
        let error = m.get("error")?.as_str()?.to_string();
        let desc = m
            .get("error_description")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        Some((error, desc))
    }

    /// A short, printable summary of an error body: `error: description` for OAuth errors, the
    /// first line of text otherwise. `secrets` are redacted from it.
    pub fn summary(&self, secrets: &[&str]) -> String {
        if let Some((e, d)) = self.oauth_error() {
            let text = match d {
                Some(d) if !d.is_empty() => format!("{e}: {d}"),
                _ => e,
            };
            return sanitize(&text, secrets, 300);
        }
        let first = self.body.trim().lines().next().unwrap_or("");
        sanitize(first, secrets, 200)
    }
}

/// Sends a request and classifies the outcome. `what` names the endpoint in messages ("token
/// endpoint"); `url` is shown without its query string. `secrets` are redacted from any server
/// text quoted in an error.
pub fn send(
    req: RequestBuilder,
    what: &'static str,
    url: &Url,
    secrets: &[&str],
) -> Result<Reply, OAuthError> {
    let shown = display_url(url);
    let resp = req.send().map_err(|e| OAuthError::Network {
        what,
        url: shown.clone(),
        timed_out: e.is_timeout(),
        source: e.without_url(),
    })?;
    let status = resp.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    let location = header(reqwest::header::LOCATION);
    let retry_after = header(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut bytes = Vec::new();
    resp.take(MAX_BODY)
        .read_to_end(&mut bytes)
        .map_err(|e| OAuthError::BadResponse {
            what,
            url: shown.clone(),
            reason: format!("reading the response failed: {e}"),
        })?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let reply = Reply {
        status,
        content_type,
        body,
    };
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
            detail: reply.summary(secrets),
            retry_after,
        });
    }
    Ok(reply)
}
