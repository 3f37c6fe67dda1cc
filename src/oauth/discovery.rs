//! Authorization-server metadata (RFC 8414), checked: the issuer equals the base URL asked for,
//! every endpoint uses https (http only on loopback) on the issuer's site, and PKCE S256 is
//! offered.

use super::http::{send, Http, Reply};
use super::{check_transport, display_url, is_loopback_host, issuer_string, OAuthError, Url};
use crate::redact::Redactor;

const WHAT: &str = "authorization server metadata";

/// The parts of the metadata figma-auth uses, validated.
#[derive(Debug, Clone)]
pub(crate) struct Metadata {
    /// The issuer, without a trailing slash (`https://api.figma.com`).
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    /// From the metadata, or `ISSUER/v1/oauth/mcp/register` (Figma's) when it names none.
    pub registration_endpoint: Url,
}

/// The metadata URL for a base URL.
pub(crate) fn metadata_url(base: &Url) -> Url {
    let s = format!(
        "{}/.well-known/oauth-authorization-server",
        issuer_string(base)
    );
    Url::parse(&s).expect("a valid base URL stays valid with a path appended")
}

/// Fetches and validates the metadata of the authorization server at `base`.
pub(crate) fn discover(http: &Http, base: &Url) -> Result<Metadata, OAuthError> {
    let url = metadata_url(base);
    let reply = send(
        http,
        http.get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json"),
        WHAT,
        &url,
        &Redactor::default(),
    )?;
    parse_metadata(base, &url, &reply)
}

/// Validates a metadata reply (split out for unit tests).
pub(crate) fn parse_metadata(base: &Url, url: &Url, reply: &Reply) -> Result<Metadata, OAuthError> {
    let bad = |reason: String| OAuthError::BadResponse {
        what: WHAT,
        url: display_url(url),
        reason,
    };
    if !reply.is_success() {
        return Err(bad(format!(
            "HTTP {} ({}); is {} an OAuth authorization server?",
            reply.status,
            reply.summary(&Redactor::default()),
            issuer_string(base)
        )));
    }
    let m = reply
        .json_object()
        .ok_or_else(|| bad("the body is not a JSON object".to_string()))?;
    let expected = issuer_string(base);
    let found = m
        .get("issuer")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("no \"issuer\"".to_string()))?;
    if found.trim_end_matches('/') != expected {
        return Err(OAuthError::IssuerMismatch {
            url: display_url(url),
            expected,
            found: super::sanitize(found, &[], 200),
        });
    }
    let issuer_url = Url::parse(found).map_err(|e| bad(format!("issuer is not a URL: {e}")))?;

    let methods: Vec<String> = match m.get("code_challenge_methods_supported") {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if !methods.iter().any(|x| x == "S256") {
        return Err(OAuthError::NoS256 {
            methods: if methods.is_empty() {
                "none listed".to_string()
            } else {
                super::sanitize(&methods.join(", "), &[], 200)
            },
        });
    }

    let endpoint = |field: &'static str, required: bool| -> Result<Option<Url>, OAuthError> {
        let Some(v) = m.get(field).and_then(|v| v.as_str()) else {
            return if required {
                Err(bad(format!("no \"{field}\"")))
            } else {
                Ok(None)
            };
        };
        let u = Url::parse(v).map_err(|e| OAuthError::UnsafeEndpoint {
            field,
            endpoint: super::sanitize(v, &[], 200),
            reason: format!("not a URL: {e}"),
        })?;
        check_endpoint(&issuer_url, &u).map_err(|reason| OAuthError::UnsafeEndpoint {
            field,
            endpoint: display_url(&u),
            reason,
        })?;
        Ok(Some(u))
    };
    let authorization_endpoint = endpoint("authorization_endpoint", true)?.expect("required");
    let token_endpoint = endpoint("token_endpoint", true)?.expect("required");
    let registration_endpoint = match endpoint("registration_endpoint", false)? {
        Some(u) => u,
        None => Url::parse(&format!("{expected}/v1/oauth/mcp/register"))
            .map_err(|e| bad(format!("cannot build the registration endpoint: {e}")))?,
    };
    Ok(Metadata {
        issuer: expected,
        authorization_endpoint,
        token_endpoint,
        registration_endpoint,
    })
}

/// An endpoint must use https (http only on loopback), carry no credentials or fragment, and be on
/// the issuer's host or on another host of the same registrable domain (Figma's authorization
/// endpoint is `www.figma.com` for the issuer `api.figma.com`), as the Public Suffix List defines
/// it: `evil.co.uk` is not on the site of `api.example.co.uk`, nor `other.github.io` on that of
/// `me.github.io`. A loopback issuer's endpoints must be on the same loopback host.
pub(crate) fn check_endpoint(issuer: &Url, endpoint: &Url) -> Result<(), String> {
    check_transport(endpoint)?;
    if !endpoint.username().is_empty() || endpoint.password().is_some() {
        return Err("it contains credentials".to_string());
    }
    if endpoint.fragment().is_some() {
        return Err("it contains a fragment".to_string());
    }
    let (Some(ih), Some(eh)) = (issuer.host_str(), endpoint.host_str()) else {
        return Err("it has no host".to_string());
    };
    let (ih, eh) = (
        ih.trim_end_matches('.').to_ascii_lowercase(),
        eh.trim_end_matches('.').to_ascii_lowercase(),
    );
    if ih == eh {
        return Ok(());
    }
    if is_loopback_host(issuer) || is_loopback_host(endpoint) {
        return Err(format!("it is on {eh}, not on the issuer's host {ih}"));
    }
    match (site(&ih), site(&eh)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(format!("it is on {eh}, outside the issuer's site {ih}")),
    }
}

/// The registrable domain of a host name by the Public Suffix List (`api.figma.com` →
/// `figma.com`, `api.example.co.uk` → `example.co.uk`); `None` for IP addresses, public
/// suffixes themselves and names the list cannot place.
pub(crate) fn site(host: &str) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    let domain = psl::domain_str(host)?;
    // A name under no listed suffix gets the list's default rule `*`; still require two labels.
    domain.contains('.').then(|| domain.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: serde_json::Value) -> Reply {
        Reply {
            status: 200,
            body: body.to_string(),
        }
    }

    fn figma() -> serde_json::Value {
        serde_json::json!({
            "issuer": "https://api.figma.com",
            "authorization_endpoint": "https://www.figma.com/oauth/mcp",
            "token_endpoint": "https://api.figma.com/v1/oauth/token",
            "registration_endpoint": "https://api.figma.com/v1/oauth/mcp/register",
            "code_challenge_methods_supported": ["S256"],
        })
    }

    fn parse(body: serde_json::Value) -> Result<Metadata, OAuthError> {
        let base = Url::parse("https://api.figma.com").unwrap();
        parse_metadata(&base, &metadata_url(&base), &reply(body))
    }

    #[test]
    fn figma_metadata_is_accepted() {
        let m = parse(figma()).unwrap();
        assert_eq!(m.issuer, "https://api.figma.com");
        assert_eq!(m.authorization_endpoint.host_str(), Some("www.figma.com"));
    }

    #[test]
    fn missing_registration_endpoint_falls_back_to_figmas() {
        let mut b = figma();
        b.as_object_mut().unwrap().remove("registration_endpoint");
        let m = parse(b).unwrap();
        assert_eq!(
            m.registration_endpoint.as_str(),
            "https://api.figma.com/v1/oauth/mcp/register"
        );
    }

    #[test]
    fn wrong_issuer_is_refused() {
        let mut b = figma();
        b["issuer"] = "https://evil.example".into();
        assert!(matches!(parse(b), Err(OAuthError::IssuerMismatch { .. })));
    }

    #[test]
    fn no_s256_is_refused() {
        let mut b = figma();
        b["code_challenge_methods_supported"] = serde_json::json!(["plain"]);
        assert!(matches!(parse(b), Err(OAuthError::NoS256 { .. })));
        let mut b = figma();
        b.as_object_mut()
            .unwrap()
            .remove("code_challenge_methods_supported");
        assert!(matches!(parse(b), Err(OAuthError::NoS256 { .. })));
    }

    #[test]
    fn unsafe_endpoints_are_refused() {
        for (field, value) in [
            ("token_endpoint", "http://api.figma.com/v1/oauth/token"),
            ("token_endpoint", "https://evil.example/token"),
            (
                "authorization_endpoint",
                "https://figma.com.evil.example/oauth",
            ),
            ("registration_endpoint", "https://user:pw@api.figma.com/r"),
        ] {
            let mut b = figma();
            b[field] = value.into();
            assert!(
                matches!(parse(b), Err(OAuthError::UnsafeEndpoint { .. })),
                "{field} {value}"
            );
        }
    }

    #[test]
    fn sites_follow_the_public_suffix_list() {
        let ok = |i: &str, e: &str| {
            check_endpoint(&Url::parse(i).unwrap(), &Url::parse(e).unwrap()).is_ok()
        };
        assert!(ok(
            "https://api.figma.com",
            "https://www.figma.com/oauth/mcp"
        ));
        assert!(ok(
            "https://api.example.co.uk",
            "https://login.example.co.uk/a"
        ));
        assert!(!ok("https://api.example.co.uk", "https://evil.co.uk/token"));
        assert!(!ok("https://me.github.io", "https://other.github.io/token"));
        assert!(!ok(
            "https://api.figma.com",
            "https://figma.com.evil.example/t"
        ));
        assert!(!ok("https://a.example.com", "https://93.184.216.34/t"));
        assert_eq!(site("api.example.co.uk").as_deref(), Some("example.co.uk"));
        assert_eq!(site("co.uk"), None);
    }

    #[test]
    fn loopback_issuer_needs_loopback_endpoints() {
        let iss = Url::parse("http://127.0.0.1:8080").unwrap();
        assert!(check_endpoint(&iss, &Url::parse("http://127.0.0.1:8080/token").unwrap()).is_ok());
        assert!(check_endpoint(&iss, &Url::parse("http://localhost:8080/token").unwrap()).is_err());
        assert!(check_endpoint(&iss, &Url::parse("https://example.com/token").unwrap()).is_err());
    }
}
