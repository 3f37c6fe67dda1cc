//! The OAuth 2.1 client: discovery (RFC 8414), dynamic registration (RFC 7591, with Figma's PAT
//! header), PKCE (S256 only), the loopback callback, the browser and the token endpoint. Nothing
//! here touches the credential store.

pub(crate) mod browser;
pub mod callback;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod http;
pub(crate) mod pkce;
pub(crate) mod registration;
pub(crate) mod token;

pub(crate) use error::{CallbackError, ErrorClass, OAuthError, PatSource, PatTrial, RefusalKind};
pub use url::Url;

/// Figma's authorization server, the default for `--auth-server`.
pub(crate) const DEFAULT_AUTH_SERVER: &str = "https://api.figma.com";
/// Figma's remote MCP server, the default for `--mcp-url` and the RFC 8707 `resource`.
pub(crate) const DEFAULT_MCP_URL: &str = "https://mcp.figma.com/mcp";
/// The only scope Figma's MCP server knows.
pub(crate) const SCOPE: &str = "mcp:connect";

/// The redirect URI paths Figma is known to accept, in the order a login tries them: a mid-2026
/// report says Figma accepts only `http://127.0.0.1:<port>/callback`, and every approved client
/// seen in 2026 registers that shape; opencode 1.x and hand-written login scripts registered
/// `/mcp/oauth/callback`, which may still be the rule for some names. When registration answers
/// `invalid_redirect_uri` for the first, the second is registered; the shape that worked is
/// stored with the registration and tried first next time.
pub(crate) const KNOWN_CALLBACK_PATHS: [&str; 2] = ["/callback", "/mcp/oauth/callback"];

/// The parameters of one authorization request (step 4 of the flow).
pub(crate) struct AuthorizationRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a crate::secret::State,
    pub code_challenge: &'a str,
    pub resource: Option<&'a str>,
}

/// The authorization URL: `response_type=code`, `client_id`, `redirect_uri`, `scope`, `state`,
/// `code_challenge`, `code_challenge_method=S256`, and `resource` unless disabled.
pub(crate) fn authorization_url(endpoint: &Url, req: &AuthorizationRequest<'_>) -> Url {
    let mut u = endpoint.clone();
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", req.client_id)
            .append_pair("redirect_uri", req.redirect_uri)
            .append_pair("scope", SCOPE)
            .append_pair("state", req.state.expose())
            .append_pair("code_challenge", req.code_challenge)
            .append_pair("code_challenge_method", pkce::METHOD);
        if let Some(r) = req.resource {
            q.append_pair("resource", r);
        }
    }
    u
}

/// True for the hosts allowed to use plain `http://`: 127.0.0.1, ::1 and localhost.
pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        None => false,
    }
}

/// Debug builds only (every `cargo test` build; release builds compile this to an empty list):
/// the host names listed in `FIGMA_AUTH_TEST_HOSTS` (comma-separated) resolve to 127.0.0.1 and
/// may use plain http, so that the tests can run an authorization server under real domain names
/// (the same-site rule of endpoints applies to them as to any domain).
pub(crate) fn test_hosts() -> Vec<String> {
    #[cfg(debug_assertions)]
    {
        std::env::var("FIGMA_AUTH_TEST_HOSTS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
    #[cfg(not(debug_assertions))]
    {
        Vec::new()
    }
}

fn is_test_host(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|h| test_hosts().iter().any(|t| t.eq_ignore_ascii_case(h)))
}

/// Checks the scheme rule every URL figma-auth sends credentials to must follow: `https`, or
/// `http` on a loopback host. Returns the reason when the URL is refused.
pub(crate) fn check_transport(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(url) || is_test_host(url) => Ok(()),
        "http" => Err(
            "plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost)".to_string(),
        ),
        other => Err(format!("unsupported scheme {other:?} (use https)")),
    }
}

/// Parses and checks a server base URL (`--auth-server`, `--mcp-url`): absolute, https or loopback
/// http, no credentials, query or fragment.
pub(crate) fn parse_server_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if url.host().is_none() {
        return Err("the URL has no host".to_string());
    }
    check_transport(&url)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not contain a user name or password".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the URL must not contain a query string or fragment".to_string());
    }
    Ok(url)
}

/// The issuer form of a base URL: without a trailing slash (`https://api.figma.com`).
pub(crate) fn issuer_string(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// A URL safe to show in messages: no user info, query string or fragment (they can carry the
/// authorization code, `state` or tokens).
pub(crate) fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    let _ = u.set_username("");
    u.to_string()
}

/// Like [`display_url`] for a string that may not parse: everything from the first `?` or `#` is
/// dropped.
pub(crate) fn display_url_str(s: &str) -> String {
    match Url::parse(s) {
        Ok(u) => display_url(&u),
        Err(_) => {
            let end = s.find(['?', '#']).unwrap_or(s.len());
            sanitize(&s[..end], &[], 200)
        }
    }
}

pub(crate) use crate::redact::sanitize;

/// Constant-time string comparison (for `state`).
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_rules() {
        assert!(parse_server_url("https://api.figma.com").is_ok());
        assert!(parse_server_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_server_url("http://[::1]:8080").is_ok());
        assert!(parse_server_url("http://localhost:8080/x").is_ok());
        assert!(parse_server_url("http://api.figma.com").is_err());
        assert!(parse_server_url("http://127.0.0.2").is_err());
        assert!(parse_server_url("ftp://x.com").is_err());
        assert!(parse_server_url("https://u:p@x.com").is_err());
        assert!(parse_server_url("https://x.com/?a=b").is_err());
        assert!(parse_server_url("api.figma.com").is_err());
    }

    #[test]
    fn urls_are_shown_without_query() {
        let u = Url::parse("http://127.0.0.1:1/cb?code=SECRET&state=S#frag").unwrap();
        assert_eq!(display_url(&u), "http://127.0.0.1:1/cb");
        assert_eq!(display_url_str("nonsense?code=SECRET"), "nonsense");
        assert_eq!(
            issuer_string(&Url::parse("https://api.figma.com").unwrap()),
            "https://api.figma.com"
        );
    }

    #[test]
    fn authorization_url_has_every_parameter() {
        let state = crate::secret::State::new("st");
        let u = authorization_url(
            &Url::parse("https://www.figma.com/oauth/mcp").unwrap(),
            &AuthorizationRequest {
                client_id: "cid",
                redirect_uri: "http://127.0.0.1:19876/mcp/oauth/callback",
                state: &state,
                code_challenge: "ch",
                resource: Some(DEFAULT_MCP_URL),
            },
        );
        assert_eq!(
            u.as_str(),
            "https://www.figma.com/oauth/mcp?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A19876%2Fmcp%2Foauth%2Fcallback&scope=mcp%3Aconnect&state=st&code_challenge=ch&code_challenge_method=S256&resource=https%3A%2F%2Fmcp.figma.com%2Fmcp"
        );
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
