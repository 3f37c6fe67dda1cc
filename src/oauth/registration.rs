//! Dynamic client registration (RFC 7591) as Figma accepts it: the JSON body of its approved
//! clients, the personal access token as `X-Figma-Token` when given, and refusals (a plain-text
//! 403, `invalid_redirect_uri`, …) turned into messages.

use super::http::{send, Http};
use super::{display_url, OAuthError, PatSource, PatTrial, RefusalKind, Url};
use crate::redact::Redactor;
use crate::secret::{ClientSecret, Pat};
use crate::time::Timestamp;

const WHAT: &str = "client registration endpoint";

/// What figma-auth asks to register.
pub(crate) struct Request<'a> {
    pub client_name: &'a str,
    pub redirect_uri: &'a str,
    pub pat: Option<(&'a Pat, PatSource)>,
}

/// What the server registered.
#[derive(Debug, Clone)]
pub(crate) struct Registered {
    pub client_id: String,
    pub client_secret: Option<ClientSecret>,
    pub client_id_issued_at: Option<Timestamp>,
    /// `None` when the secret does not expire (absent or `0`).
    pub client_secret_expires_at: Option<Timestamp>,
    /// The method the server registered, when its response names one (it may override `none`).
    pub token_endpoint_auth_method: Option<String>,
}

/// The registration body Figma accepts (what its approved clients send).
pub(crate) fn body(req: &Request<'_>) -> serde_json::Value {
    serde_json::json!({
        "client_name": req.client_name,
        "redirect_uris": [req.redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    })
}

/// Registers a client at `endpoint`.
pub(crate) fn register(
    http: &Http,
    endpoint: &Url,
    req: &Request<'_>,
) -> Result<Registered, OAuthError> {
    let mut rb = http
        .post(endpoint.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .json(&body(req));
    if let Some((pat, _)) = req.pat {
        let mut value = reqwest::header::HeaderValue::from_str(pat.expose()).map_err(|_| {
            OAuthError::BadResponse {
                what: WHAT,
                url: display_url(endpoint),
                reason:
                    "the personal access token contains characters not allowed in an HTTP header"
                        .to_string(),
            }
        })?;
        value.set_sensitive(true);
        rb = rb.header("X-Figma-Token", value);
    }
    let secrets: Vec<&str> = req.pat.map(|(p, _)| p.expose()).into_iter().collect();
    let redactor = Redactor::new(&secrets);
    let reply = send(http, rb, WHAT, endpoint, &redactor)?;
    let url = display_url(endpoint);
    if !reply.is_success() {
        let kind = match (reply.status, reply.oauth_error()) {
            (_, Some((e, _))) if e == "invalid_redirect_uri" => RefusalKind::InvalidRedirectUri,
            (401, _) => RefusalKind::Unauthorized,
            (403, _) => RefusalKind::Forbidden,
            (_, Some((e, _))) => RefusalKind::Other(super::sanitize(&e, &secrets, 80)),
            (s, None) => RefusalKind::Other(format!("HTTP {s}")),
        };
        return Err(OAuthError::RegistrationRefused(Box::new(
            super::error::Refusal {
                url,
                status: reply.status,
                client_name: req.client_name.to_string(),
                redirect_uri: req.redirect_uri.to_string(),
                kind,
                detail: reply.summary(&redactor),
                pat: match req.pat {
                    Some((_, source)) => PatTrial::Sent(source),
                    None => PatTrial::None { asked: false },
                },
                explicit_path: None,
                refused_uris: Vec::new(),
            },
        )));
    }
    let bad = |reason: &str| OAuthError::BadResponse {
        what: WHAT,
        url: url.clone(),
        reason: reason.to_string(),
    };
    let m = reply
        .json_object()
        .ok_or_else(|| bad("the body is not a JSON object"))?;
    let client_id = m
        .get("client_id")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("no \"client_id\""))?
        .to_string();
    // The client id is printed by `status` and `doctor` and sent in URLs: printable ASCII only.
    if client_id.len() > 256 || !client_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "the client_id is not 1 to 256 printable ASCII characters without spaces",
        ));
    }
    let client_secret = m
        .get("client_secret")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(ClientSecret::new);
    if client_secret
        .as_ref()
        .is_some_and(|s| s.expose().len() > 4096 || s.expose().chars().any(char::is_control))
    {
        return Err(bad(
            "the client_secret is longer than 4096 characters or has control characters",
        ));
    }
    let time = |field: &str| {
        m.get(field)
            .and_then(|v| v.as_u64())
            .filter(|n| *n > 0)
            .map(Timestamp::from_unix)
    };
    Ok(Registered {
        client_id,
        client_secret,
        client_id_issued_at: time("client_id_issued_at"),
        client_secret_expires_at: time("client_secret_expires_at"),
        token_endpoint_auth_method: m
            .get("token_endpoint_auth_method")
            .and_then(|v| v.as_str())
            .map(|s| super::sanitize(s, &[], 60)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_the_original_script() {
        let b = body(&Request {
            client_name: "Claude Code (figma)",
            redirect_uri: "http://127.0.0.1:19876/mcp/oauth/callback",
            pat: None,
        });
        assert_eq!(
            b,
            serde_json::json!({"client_name": "Claude Code (figma)",
                "redirect_uris": ["http://127.0.0.1:19876/mcp/oauth/callback"],
                "grant_types": ["authorization_code","refresh_token"], "response_types": ["code"],
                "token_endpoint_auth_method": "none"})
        );
    }
}
