//! The token endpoint: code exchange and refresh, form-encoded, with the client secret (a form
//! field, or HTTP Basic for `client_secret_basic`) and `resource` (RFC 8707); responses validated.

use super::http::{send, Http};
use super::{display_url, OAuthError, Url};
use crate::redact::Redactor;
use crate::secret::{AccessToken, AuthCode, ClientSecret, PkceVerifier, RefreshToken};
use std::time::Duration;

const WHAT: &str = "token endpoint";

/// Lifetime assumed when a token response carries no `expires_in`: one hour, short enough that a
/// token is refreshed before a typical server-side expiry.
pub(crate) const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(3600);

/// Longest lifetime believed; larger values are capped (a bogus value must not stop refreshes).
pub(crate) const MAX_EXPIRES_IN: Duration = Duration::from_secs(366 * 86_400);

/// The client credentials sent with every token request.
pub struct ClientAuth<'a> {
    pub client_id: &'a str,
    pub client_secret: Option<&'a ClientSecret>,
    /// Send the secret as HTTP Basic (`client_secret_basic`) instead of a form field.
    pub basic: bool,
}

/// A validated token response.
#[derive(Debug)]
pub struct TokenResponse {
    pub access_token: AccessToken,
    /// `None` when the server did not issue (or rotate) a refresh token.
    pub refresh_token: Option<RefreshToken>,
    pub token_type: String,
    pub expires_in: Duration,
    /// True when `expires_in` was absent and [`DEFAULT_EXPIRES_IN`] was assumed.
    pub expires_in_defaulted: bool,
    pub scope: Option<String>,
}

/// Exchanges an authorization code.
///
/// A response must hold an `access_token`, `token_type` Bearer (assumed when absent) and
/// `expires_in` > 0 (default [`DEFAULT_EXPIRES_IN`] when absent).
pub(crate) fn exchange_code(
    http: &Http,
    endpoint: &Url,
    client: &ClientAuth<'_>,
    code: &AuthCode,
    redirect_uri: &str,
    verifier: &PkceVerifier,
    resource: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.expose()),
    ];
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    let secrets = [code.expose(), verifier.expose()];
    post(http, endpoint, client, form, "authorization code", &secrets)
}

/// Redeems a refresh token.
pub(crate) fn refresh(
    http: &Http,
    endpoint: &Url,
    client: &ClientAuth<'_>,
    refresh_token: &RefreshToken,
    resource: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
    ];
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    post(
        http,
        endpoint,
        client,
        form,
        "refresh token",
        &[refresh_token.expose()],
    )
}

fn post<'a>(
    http: &Http,
    endpoint: &Url,
    client: &ClientAuth<'a>,
    mut form: Vec<(&'a str, &'a str)>,
    grant: &'static str,
    secrets: &[&'a str],
) -> Result<TokenResponse, OAuthError> {
    form.push(("client_id", client.client_id));
    let mut redactor = Redactor::new(secrets);
    let mut rb = http
        .post(endpoint.clone())
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(s) = client.client_secret {
        redactor.add_basic(client.client_id, s.expose());
        if client.basic {
            rb = rb.header(
                reqwest::header::AUTHORIZATION,
                basic_auth(client.client_id, s.expose()),
            );
        } else {
            form.push(("client_secret", s.expose()));
        }
    }
    let rb = rb.form(&form);
    let reply = send(http, rb, WHAT, endpoint, &redactor)?;
    let url = display_url(endpoint);
    if !reply.is_success() {
        let oauth = reply.oauth_error();
        if let Some((e, d)) = &oauth
            && e == "invalid_grant"
        {
            return Err(OAuthError::InvalidGrant {
                url,
                grant,
                description: d
                    .as_deref()
                    .map(|d| crate::redact::sanitize_with(d, &redactor, 300)),
            });
        }
        return Err(OAuthError::TokenRefused {
            url,
            grant,
            status: reply.status,
            error: oauth.map(|(e, _)| crate::redact::sanitize_with(&e, &redactor, 80)),
            detail: reply.summary(&redactor),
        });
    }
    let m = reply.json_object().ok_or_else(|| OAuthError::BadResponse {
        what: WHAT,
        url: url.clone(),
        reason: "the body is not a JSON object".to_string(),
    })?;
    validate(&m).map_err(|r| OAuthError::BadTokenResponse {
        url,
        reason: r.reason,
        refresh_token: r.refresh_token,
    })
}

/// A token response figma-auth refused, and the well-formed refresh token it carried, if any
/// (on a server that rotates refresh tokens the old one is spent: this one must be kept).
#[derive(Debug)]
pub(crate) struct Rejected {
    pub reason: String,
    pub refresh_token: Option<RefreshToken>,
}

/// Checks a token from the server: RFC 6750 `b64token` characters (`A-Z a-z 0-9 - . _ ~ + /`,
/// trailing `=`), 8 to 4096 of them, exactly as sent. Such a value is inert in every config format
/// and shell quoting figma-auth writes (no `$`, `{`, quote or space a client could expand).
pub(crate) fn check_token(what: &str, value: &str) -> Result<(), String> {
    match crate::edit::validate_token(value) {
        Ok(t) if t.expose() == value => Ok(()),
        Ok(_) => Err(format!(
            "the {what} has leading or trailing spaces or a \"Bearer\" prefix"
        )),
        Err(e) => Err(format!(
            "the {what} is not a valid bearer token: {}",
            e.to_string().trim_start_matches("the token ")
        )),
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1), marked sensitive.
fn basic_auth(id: &str, secret: &str) -> reqwest::header::HeaderValue {
    use base64::Engine;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret));
    let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
    let mut v = reqwest::header::HeaderValue::from_str(&format!("Basic {b64}"))
        .expect("base64 is a valid header value");
    v.set_sensitive(true);
    v
}

/// Validates a successful token response body. A well-formed `refresh_token` is returned with
/// the rejection when something else is wrong.
pub(crate) fn validate(
    m: &serde_json::Map<String, serde_json::Value>,
) -> Result<TokenResponse, Rejected> {
    let refresh_token = match m.get("refresh_token") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.is_empty() => None,
        Some(serde_json::Value::String(s)) => match check_token("refresh token", s) {
            Ok(()) => Some(RefreshToken::new(s.as_str())),
            Err(reason) => {
                return Err(Rejected {
                    reason,
                    refresh_token: None,
                })
            }
        },
        Some(_) => {
            return Err(Rejected {
                reason: "refresh_token is not a string".to_string(),
                refresh_token: None,
            })
        }
    };
    match validate_rest(m) {
        Ok((access_token, token_type, expires_in, expires_in_defaulted, scope)) => {
            Ok(TokenResponse {
                access_token,
                refresh_token,
                token_type,
                expires_in,
                expires_in_defaulted,
                scope,
            })
        }
        Err(reason) => Err(Rejected {
            reason,
            refresh_token,
        }),
    }
}

type Rest = (AccessToken, String, Duration, bool, Option<String>);

fn validate_rest(m: &serde_json::Map<String, serde_json::Value>) -> Result<Rest, String> {
    let access_token = m
        .get("access_token")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or("no \"access_token\"")?;
    check_token("access token", access_token)?;
    let token_type = match m.get("token_type") {
        None | Some(serde_json::Value::Null) => "Bearer".to_string(),
        Some(serde_json::Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {
            "Bearer".to_string()
        }
        Some(other) => {
            return Err(format!(
                "token_type is {}, not Bearer",
                super::sanitize(&other.to_string(), &[access_token], 40)
            ))
        }
    };
    let (expires_in, expires_in_defaulted) = match m.get("expires_in") {
        None | Some(serde_json::Value::Null) => (DEFAULT_EXPIRES_IN, true),
        Some(v) => {
            let secs = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
                .ok_or("expires_in is not a number")?;
            if secs.is_nan() || secs < 1.0 {
                return Err(format!(
                    "expires_in is {secs}, not a positive number of seconds"
                ));
            }
            (Duration::from_secs(secs as u64).min(MAX_EXPIRES_IN), false)
        }
    };
    let scope = m
        .get("scope")
        .and_then(|v| v.as_str())
        .map(|s| super::sanitize(s, &[], 200));
    Ok((
        AccessToken::new(access_token),
        token_type,
        expires_in,
        expires_in_defaulted,
        scope,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(j: serde_json::Value) -> Result<TokenResponse, String> {
        validate(j.as_object().unwrap()).map_err(|r| r.reason)
    }

    #[test]
    fn valid_response() {
        let t = v(json!({"access_token":"at_aaaaaa","token_type":"bearer","expires_in":7200,"refresh_token":"rt_rrrrrr","scope":"mcp:connect"})).unwrap();
        assert_eq!(t.access_token.expose(), "at_aaaaaa");
        assert_eq!(t.refresh_token.unwrap().expose(), "rt_rrrrrr");
        assert_eq!(t.expires_in, Duration::from_secs(7200));
        assert!(!t.expires_in_defaulted);
        assert_eq!(t.token_type, "Bearer");
    }

    #[test]
    fn defaults_and_rejections() {
        let t = v(json!({"access_token":"at_aaaaaa"})).unwrap();
        assert_eq!(t.expires_in, DEFAULT_EXPIRES_IN);
        assert!(t.expires_in_defaulted);
        assert!(t.refresh_token.is_none());
        assert_eq!(
            v(json!({"access_token":"at_aaaaaa","expires_in":"60"}))
                .unwrap()
                .expires_in
                .as_secs(),
            60
        );
        assert!(v(json!({"token_type":"Bearer"})).is_err());
        assert!(v(json!({"access_token":""})).is_err());
        assert!(v(json!({"access_token":"at_aaaaaa","token_type":"mac"})).is_err());
        assert!(v(json!({"access_token":"at_aaaaaa","expires_in":0})).is_err());
        assert!(v(json!({"access_token":"at_aaaaaa","expires_in":-5})).is_err());
        assert!(v(json!({"access_token":"at_aaaaaa","expires_in":"soon"})).is_err());
        assert_eq!(
            v(json!({"access_token":"at_aaaaaa","expires_in":1e12}))
                .unwrap()
                .expires_in,
            MAX_EXPIRES_IN
        );
    }

    #[test]
    fn tokens_must_be_b64tokens() {
        for bad in [
            "figu_a${GITHUB_TOKEN}b",
            "figu_\u{2018}quote\u{2019}s",
            "short",
            " figu_padded_token",
            "figu_has space",
        ] {
            assert!(v(json!({ "access_token": bad })).is_err(), "{bad}");
            assert!(
                v(json!({"access_token":"at_aaaaaa","refresh_token": bad})).is_err(),
                "{bad}"
            );
        }
        assert!(v(json!({"access_token": "a".repeat(4097)})).is_err());
        assert!(v(json!({"access_token": "abc.DEF-123~+/=="})).is_ok());
    }

    #[test]
    fn a_good_refresh_token_survives_a_rejected_response() {
        let r = validate(
            json!({"access_token":"bad token!","refresh_token":"rt_new_000000"})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(r.refresh_token.unwrap().expose(), "rt_new_000000");
        let r = validate(
            json!({"refresh_token":"rt_new_000000"})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert!(r.refresh_token.is_some());
    }
}
