//! A mock of Figma's OAuth authorization server on 127.0.0.1 (port 0), with Figma's quirks on by
//! default: RFC 8414 metadata that advertises `authorization_response_iss_parameter_supported`
//! while the redirect carries no `iss`; dynamic registration with an allow-list of client names
//! (a plain-text 403 `Forbidden` for others), a switchable redirect URI rule (only
//! `http://127.0.0.1:<port>/callback`, or only the original script's `/mcp/oauth/callback`) and a client secret that is always issued and then required; an authorization endpoint
//! that redirects to the callback (the test plays the user), a token endpoint checking PKCE,
//! redirect URI and `resource`, refresh with rotation and reuse detection (reuse revokes the whole
//! grant); and a protected `/mcp` resource that behaves like Figma's MCP server (405 on GET,
//! `-32601` for the 2026-07-28 methods, a `whoami` tool). Failure modes are switchable; every
//! endpoint counts its hits. When the server is dropped at the end of a test that has not
//! failed otherwise, it fails the test if a handler panicked, if a request reached a path it does
//! not serve, or if an endpoint's hits differ from those the test declared
//! ([`MockServer::expect_hits`]).

use super::Out;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Fixed at start.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// The personal access token the server knows (`X-Figma-Token`), checked by `pat_rule`.
    pub pat: Option<String>,
    pub pat_rule: PatRule,
    pub allowed_client_names: Vec<String>,
    /// Which redirect URIs registration accepts.
    pub redirect_rule: RedirectRule,
}

/// What registration does with `X-Figma-Token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatRule {
    /// Figma as seen in 2026: the header changes nothing.
    Ignored,
    /// Without one is fine; a wrong one is a plain-text 403.
    Optional,
    /// Without one: 401; a wrong one: a plain-text 403.
    Required,
}

/// Which redirect URIs registration accepts (`invalid_redirect_uri` otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectRule {
    /// Only `http://127.0.0.1:<port>/callback` (the mid-2026 report).
    Callback,
    /// Only `http://127.0.0.1:<port>/mcp/oauth/callback` (the original script's).
    McpOauthCallback,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            pat: Some(crate::support::PAT.to_string()),
            pat_rule: PatRule::Ignored,
            allowed_client_names: vec!["Claude Code (figma)".into(), "Codex".into()],
            redirect_rule: RedirectRule::Callback,
        }
    }
}

/// What the mock MCP server's `whoami` tool does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whoami {
    /// Answers [`MOCK_ACCOUNT`] as JSON text.
    Answer,
    /// Answers this text content.
    Text(String),
    /// An older server: `-32601` (no such tool).
    Missing,
    /// The call is rate limited (HTTP 429).
    RateLimited,
}

/// The account the mock `whoami` names.
pub const MOCK_ACCOUNT_NAME: &str = "Mock User";
pub const MOCK_ACCOUNT_EMAIL: &str = "mock.user@example.com";

/// What an `iss` parameter on the authorization response looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Iss {
    Omit,
    Correct,
    Wrong,
}

/// Switchable behaviour (change with [`MockServer::set`]).
#[derive(Clone, Debug)]
pub struct Behavior {
    pub expires_in: Option<u64>,
    pub rotate_refresh_tokens: bool,
    /// Registration answers 403 with a plain-text `Forbidden` regardless of the request.
    pub register_forbidden: bool,
    /// Registration answers 400 `invalid_redirect_uri`.
    pub invalid_redirect_uri: bool,
    /// The user declines consent: the authorization endpoint redirects with `error=access_denied`.
    pub deny_consent: bool,
    pub iss: Iss,
    /// Metadata advertises `authorization_response_iss_parameter_supported` (Figma does, and
    /// then omits `iss`).
    pub advertise_iss: bool,
    /// Metadata lists only `plain`.
    pub no_s256: bool,
    /// Metadata names another issuer.
    pub wrong_issuer: bool,
    /// Metadata's token endpoint lives on another host.
    pub foreign_token_endpoint: bool,
    /// Refresh always answers `invalid_grant`.
    pub refresh_invalid_grant: bool,
    /// The token endpoint answers this status (e.g. 503) with an error body.
    pub token_status: Option<u16>,
    /// Every response is delayed by this much (a slow server).
    pub delay: Duration,
    /// Refuse token requests without `client_secret`.
    pub require_client_secret: bool,
    /// Registration answers `token_endpoint_auth_method: client_secret_basic`, and the token
    /// endpoint then accepts the secret only as HTTP Basic.
    pub basic_auth: bool,
    /// `/mcp` answers this status whatever the token (401 with `WWW-Authenticate`, 429 with
    /// `Retry-After`, 403, 5xx).
    pub mcp_status: Option<u16>,
    /// Error answers quote every secret the request carried (a hostile or careless server):
    /// token errors the refresh token, code and client secret, registration errors the PAT, MCP
    /// 401s the bearer token. figma-auth must redact them.
    pub echo_secrets: bool,
    /// Error answers are plain-text pages quoting the raw request: the form body (secrets
    /// form-encoded), the `Authorization` header (Basic or Bearer) and `X-Figma-Token`, and the
    /// form body again with lower-case percent-encoding.
    pub echo_encoded: bool,
    pub whoami: Whoami,
    /// Successful token responses carry this access token instead of the issued one (a hostile
    /// server; the issued token stays valid at the server).
    pub access_token_override: Option<String>,
    /// Registration answers this client id.
    pub client_id_override: Option<String>,
    /// Error answers of the token endpoint carry this `error_description`.
    pub error_description: Option<String>,
    /// Token responses send their body one byte per 200 ms (a trickling server).
    pub trickle: bool,
    /// The metadata names the issuer (and its endpoints) on this host instead of 127.0.0.1
    /// (resolved to 127.0.0.1 through `FIGMA_AUTH_TEST_HOSTS`).
    pub issuer_host: Option<String>,
    /// The metadata's token endpoint is on this host.
    pub token_endpoint_host: Option<String>,
}

impl Default for Behavior {
    fn default() -> Self {
        Self {
            expires_in: Some(3600),
            rotate_refresh_tokens: true,
            register_forbidden: false,
            invalid_redirect_uri: false,
            deny_consent: false,
            iss: Iss::Omit,
            advertise_iss: true,
            no_s256: false,
            wrong_issuer: false,
            foreign_token_endpoint: false,
            refresh_invalid_grant: false,
            token_status: None,
            delay: Duration::ZERO,
            require_client_secret: true,
            basic_auth: false,
            mcp_status: None,
            echo_secrets: false,
            echo_encoded: false,
            whoami: Whoami::Answer,
            access_token_override: None,
            client_id_override: None,
            error_description: None,
            trickle: false,
            issuer_host: None,
            token_endpoint_host: None,
        }
    }
}

struct Client {
    secret: String,
    redirect_uris: Vec<String>,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    resource: Option<String>,
    grant: usize,
    used: bool,
}

#[derive(Default)]
struct Grant {
    revoked: bool,
    current_refresh: String,
    resource: Option<String>,
    client_id: String,
}

/// Called with the presented refresh token before a refresh is processed; returns true to answer
/// `invalid_grant` without touching the grant (simulates a concurrent rotation elsewhere).
pub type RefreshHook = Box<dyn FnMut(&mut State, &str) -> bool + Send>;

/// The mock's state, visible to hooks.
#[derive(Default)]
pub struct State {
    /// The paths of requests for no endpoint the server serves.
    other_paths: Vec<String>,
    clients: HashMap<String, Client>,
    codes: HashMap<String, Code>,
    grants: Vec<Grant>,
    /// refresh token → grant
    refresh_tokens: HashMap<String, usize>,
    /// access token → (grant, expires)
    access_tokens: HashMap<String, (usize, Instant)>,
    hits: HashMap<String, usize>,
    counter: u64,
    /// Every secret value the server issued or received (for leak checks).
    pub secrets: Vec<String>,
    /// The form fields of the token requests, in order.
    pub token_requests: Vec<HashMap<String, String>>,
    /// `X-Figma-Token` headers seen at registration (None when absent).
    pub registration_pats: Vec<Option<String>>,
    /// Query strings of the authorization requests, parsed.
    pub authorize_requests: Vec<HashMap<String, String>>,
    /// Requests to `/mcp`, in order (no token in them).
    pub mcp_requests: Vec<McpRequest>,
    /// MCP session id → the protocol version agreed in its `initialize`.
    sessions: HashMap<String, String>,
    refresh_hook: Option<RefreshHook>,
}

/// A request to the mock MCP endpoint, as seen.
#[derive(Clone, Debug)]
pub struct McpRequest {
    pub method: String,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub protocol_version: Option<String>,
    pub session_id: Option<String>,
    /// The bearer token was the current access token of a live grant.
    pub token_ok: bool,
    pub body: String,
}

impl State {
    fn next(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let rand: u64 = getrandom::u64().expect("random");
        let v = format!("{prefix}{}_{rand:016x}", self.counter);
        self.secrets.push(v.clone());
        v
    }

    /// Makes the first grant of `client_id` accept these values, as if the server had issued
    /// them: `access` as a live access token, `refresh` as the grant's current refresh token
    /// (un-revoking the grant), `client_secret` as the client's secret.
    pub fn adopt(&mut self, client_id: &str, client_secret: &str, access: &str, refresh: &str) {
        let g = self
            .grants
            .iter()
            .position(|g| g.client_id == client_id)
            .expect("a grant of that client");
        self.clients.get_mut(client_id).expect("that client").secret = client_secret.to_string();
        self.access_tokens.insert(
            access.to_string(),
            (g, Instant::now() + Duration::from_secs(3600)),
        );
        self.refresh_tokens.insert(refresh.to_string(), g);
        self.grants[g].current_refresh = refresh.to_string();
        self.grants[g].revoked = false;
    }

    /// A unique, non-secret value.
    fn next_plain(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    /// Rotates `refresh_token` as if another client had redeemed it: returns the new access and
    /// refresh tokens.
    pub fn rotate_out_of_band(&mut self, refresh_token: &str) -> Option<(String, String)> {
        let g = *self.refresh_tokens.get(refresh_token)?;
        if self.grants[g].current_refresh != refresh_token || self.grants[g].revoked {
            return None;
        }
        let at = self.next("mock_at_");
        let rt = self.next("mock_rt_");
        self.access_tokens
            .insert(at.clone(), (g, Instant::now() + Duration::from_secs(3600)));
        self.refresh_tokens.insert(rt.clone(), g);
        self.grants[g].current_refresh = rt.clone();
        Some((at, rt))
    }
}

struct Shared {
    config: MockConfig,
    behavior: Mutex<Behavior>,
    state: Mutex<State>,
    base: String,
    /// What the handlers that panicked said.
    panics: Mutex<Vec<String>>,
    /// Declared hits: endpoint → the number expected at the end.
    expected: Mutex<Vec<(String, usize)>>,
    /// Handlers still running (a panic is recorded before its handler counts as done).
    running: std::sync::atomic::AtomicUsize,
}

pub struct MockServer {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    pub fn start(config: MockConfig) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind mock"));
        let port = server.server_addr().to_ip().unwrap().port();
        let shared = Arc::new(Shared {
            config,
            behavior: Mutex::new(Behavior::default()),
            state: Mutex::new(State::default()),
            base: format!("http://127.0.0.1:{port}"),
            panics: Mutex::default(),
            expected: Mutex::default(),
            running: Default::default(),
        });
        let (s2, srv) = (shared.clone(), server.clone());
        let thread = std::thread::spawn(move || {
            while let Ok(req) = srv.recv() {
                let s3 = s2.clone();
                // A panicking handler drops the request (tiny_http answers 500) and is reported
                // when the server is dropped, which waits for the handlers still running.
                s3.running.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let r =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(&s3, req)));
                    if let Err(p) = r {
                        lock(&s3.panics).push(panic_text(&*p));
                    }
                    s3.running.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            shared,
            server,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (the issuer).
    pub fn url(&self) -> &str {
        &self.shared.base
    }

    pub fn set(&self, f: impl FnOnce(&mut Behavior)) {
        f(&mut lock(&self.shared.behavior));
    }

    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }

    /// Declares that `endpoint` (as [`MockServer::hits`] names them) is hit exactly `n` times
    /// by the end of the test; checked when the server is dropped.
    pub fn expect_hits(&self, endpoint: &str, n: usize) {
        lock(&self.shared.expected).push((endpoint.to_string(), n));
    }

    pub fn set_refresh_hook(&self, hook: RefreshHook) {
        self.with_state(|s| s.refresh_hook = Some(hook));
    }

    /// Hits of `endpoint`: "metadata", "register", "authorize", "token", "token:authorization_code",
    /// "token:refresh_token", "mcp", "other".
    pub fn hits(&self, endpoint: &str) -> usize {
        self.with_state(|s| s.hits.get(endpoint).copied().unwrap_or(0))
    }

    /// Requests of every endpoint together (a command that made none made no network access).
    pub fn total_hits(&self) -> usize {
        self.with_state(|s| {
            s.hits
                .iter()
                .filter(|(k, _)| !k.contains(':'))
                .map(|(_, v)| v)
                .sum()
        })
    }

    /// Everything secret the server issued or saw.
    pub fn secrets(&self) -> Vec<String> {
        self.with_state(|s| s.secrets.clone())
    }

    pub fn mcp_requests(&self) -> Vec<McpRequest> {
        self.with_state(|s| s.mcp_requests.clone())
    }

    pub fn token_requests(&self) -> Vec<HashMap<String, String>> {
        self.with_state(|s| s.token_requests.clone())
    }

    /// True when `access_token` would be accepted by the MCP server now.
    pub fn access_token_works(&self, access_token: &str) -> bool {
        self.with_state(|s| match s.access_tokens.get(access_token) {
            Some((g, exp)) => !s.grants[*g].revoked && *exp > Instant::now(),
            None => false,
        })
    }

    /// True when `refresh_token` is the current, unrevoked refresh token of its grant.
    pub fn refresh_token_is_current(&self, refresh_token: &str) -> bool {
        self.with_state(|s| match s.refresh_tokens.get(refresh_token) {
            Some(g) => !s.grants[*g].revoked && s.grants[*g].current_refresh == refresh_token,
            None => false,
        })
    }

    pub fn revoked_grants(&self) -> usize {
        self.with_state(|s| s.grants.iter().filter(|g| g.revoked).count())
    }

    /// The check that no secret this server issued or saw (nor the PAT) is in a run's output,
    /// usable after the borrow of the server ends (a spawned run keeps one).
    pub fn leak_check(&self) -> LeakCheck {
        LeakCheck(self.shared.clone())
    }

    /// [`MockServer::access_token_works`] for another server standing in for the MCP server
    /// (`mcp_server.rs`), which accepts exactly the tokens this one issued and has not expired.
    pub fn token_check(&self) -> Arc<dyn Fn(&str) -> bool + Send + Sync> {
        let shared = self.shared.clone();
        Arc::new(move |t| {
            let s = lock(&shared.state);
            match s.access_tokens.get(t) {
                Some((g, exp)) => !s.grants[*g].revoked && *exp > Instant::now(),
                None => false,
            }
        })
    }
}

/// See [`MockServer::leak_check`].
pub struct LeakCheck(Arc<Shared>);

impl LeakCheck {
    /// No secret on stderr, none on stdout; with `token_on_stdout` (a command that prints it on
    /// purpose), stdout may hold one access token, once, on one line, when the run succeeded.
    pub fn assert_clean(&self, out: &Out, token_on_stdout: bool) {
        let (mut secrets, access): (Vec<String>, Vec<String>) = {
            let st = lock(&self.0.state);
            (
                st.secrets.clone(),
                st.access_tokens.keys().cloned().collect(),
            )
        };
        secrets.push(crate::support::PAT.to_string());
        for s in &secrets {
            assert!(
                !out.stderr.contains(s.as_str()),
                "secret {s} on stderr: {out:?}"
            );
            let n = out.stdout.matches(s.as_str()).count();
            let allowed = token_on_stdout && out.code == 0 && access.contains(s);
            assert!(
                n == 0 || (allowed && n == 1),
                "secret {s} on stdout: {out:?}"
            );
        }
        if token_on_stdout && out.code == 0 {
            assert!(
                out.stdout.ends_with('\n') && out.stdout.lines().count() == 1,
                "{out:?}"
            );
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.server.unblock();
        let joined = self.thread.take().map(|t| t.join());
        // The client may have its 500 before the handler's panic is recorded.
        let until = Instant::now() + Duration::from_secs(10);
        while self.shared.running.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        if !handlers_did_not_panic("the mock authorization server", joined, &self.shared.panics) {
            return;
        }
        let (hits, other_paths) = {
            let st = lock(&self.shared.state);
            (st.hits.clone(), st.other_paths.clone())
        };
        let got = |e: &str| hits.get(e).copied().unwrap_or(0);
        let mut wrong: Vec<String> = lock(&self.shared.expected)
            .iter()
            .filter(|(e, n)| got(e) != *n)
            .map(|(e, n)| format!("{e}: {} hits, {n} expected", got(e)))
            .collect();
        if got("other") > 0
            && !lock(&self.shared.expected)
                .iter()
                .any(|(e, _)| e == "other")
        {
            wrong.push(format!(
                "requests for paths it does not serve: {other_paths:?}"
            ));
        }
        assert!(
            wrong.is_empty(),
            "the mock authorization server: {}",
            wrong.join("; ")
        );
    }
}

/// On a server's drop: fails the test if its accept loop (`joined`) or a handler (`panics`)
/// panicked. When the test is failing already, only shows what the handlers said and returns
/// false (nothing more to check).
pub(crate) fn handlers_did_not_panic(
    server: &str,
    joined: Option<std::thread::Result<()>>,
    panics: &Mutex<Vec<String>>,
) -> bool {
    let panics = lock(panics).clone();
    if std::thread::panicking() {
        for p in &panics {
            eprintln!("{server}'s handler panicked: {p}");
        }
        return false;
    }
    if let Some(r) = joined {
        r.unwrap_or_else(|_| panic!("{server}'s accept loop panicked"));
    }
    assert!(
        panics.is_empty(),
        "{server}'s handler panicked: {panics:#?}"
    );
    true
}

/// The mutex's content, also after a panic while it was held (the panic is reported anyway).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The message of a panic payload.
pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
    location: Option<String>,
    headers: Vec<(&'static str, String)>,
}

fn json(status: u16, v: serde_json::Value) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body: v.to_string(),
        location: None,
        headers: Vec::new(),
    }
}

fn text(status: u16, t: &str) -> Reply {
    Reply {
        status,
        content_type: "text/plain",
        body: t.to_string(),
        location: None,
        headers: Vec::new(),
    }
}

fn oauth_error(status: u16, error: &str, desc: &str) -> Reply {
    json(
        status,
        serde_json::json!({"error": error, "error_description": desc}),
    )
}

fn handle(shared: &Shared, mut req: tiny_http::Request) {
    let behavior = lock(&shared.behavior).clone();
    if !behavior.delay.is_zero() {
        std::thread::sleep(behavior.delay);
    }
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
    let header = |name: &'static str| {
        req.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    let pat = header("X-Figma-Token");
    let basic = header("Authorization")
        .and_then(|a| a.strip_prefix("Basic ").map(str::to_string))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let dec = |x: &str| {
                parse_form(&format!("v={x}"))
                    .remove("v")
                    .unwrap_or_default()
            };
            Some((dec(id), dec(secret)))
        });
    let method = req.method().clone();
    let bearer =
        header("Authorization").and_then(|a| a.strip_prefix("Bearer ").map(str::to_string));
    let echoed: Vec<String> = {
        let form = parse_form(&body);
        ["refresh_token", "client_secret", "code"]
            .iter()
            .filter_map(|k| form.get(*k).cloned())
            .chain(pat.clone())
            .chain(bearer.clone())
            .chain(basic.as_ref().map(|(_, s)| s.clone()))
            .collect()
    };
    let mut reply = {
        let mut st = lock(&shared.state);
        let key = match path {
            "/.well-known/oauth-authorization-server" => "metadata",
            "/v1/oauth/mcp/register" => "register",
            "/oauth/mcp" => "authorize",
            "/v1/oauth/token" => "token",
            "/mcp" => "mcp",
            _ => "other",
        };
        *st.hits.entry(key.to_string()).or_default() += 1;
        if key == "other" {
            st.other_paths.push(path.to_string());
        }
        match (key, &method) {
            ("metadata", tiny_http::Method::Get) => metadata(shared, &behavior),
            ("register", tiny_http::Method::Post) => {
                register(shared, &behavior, &mut st, pat, &body)
            }
            ("authorize", tiny_http::Method::Get) => authorize(shared, &behavior, &mut st, query),
            ("token", tiny_http::Method::Post) => {
                let form = parse_form(&body);
                if let Some(g) = form.get("grant_type") {
                    *st.hits.entry(format!("token:{g}")).or_default() += 1;
                }
                st.token_requests.push(form.clone());
                for k in ["code", "refresh_token", "client_secret", "code_verifier"] {
                    if let Some(v) = form.get(k) {
                        st.secrets.push(v.clone());
                    }
                }
                token(&behavior, &mut st, &form, basic)
            }
            ("mcp", m) => {
                let bearer = header("Authorization")
                    .and_then(|a| a.strip_prefix("Bearer ").map(str::to_string));
                if let Some(t) = &bearer {
                    st.secrets.push(t.clone());
                }
                let ok = bearer
                    .and_then(|t| st.access_tokens.get(&t).copied())
                    .is_some_and(|(g, exp)| !st.grants[g].revoked && exp > Instant::now());
                let request = McpRequest {
                    method: m.to_string(),
                    accept: header("Accept"),
                    content_type: header("Content-Type"),
                    protocol_version: header("MCP-Protocol-Version"),
                    session_id: header("Mcp-Session-Id"),
                    token_ok: ok,
                    body: body.clone(),
                };
                st.mcp_requests.push(request.clone());
                mcp(&behavior, &mut st, &request)
            }
            _ => text(404, "Not found"),
        }
    };
    if behavior.echo_secrets && reply.status >= 400 && !echoed.is_empty() {
        let quoted = echoed.join(" ");
        if reply.content_type == "application/json" {
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&reply.body) {
                v["error_description"] = format!("rejected {quoted}").into();
                reply.body = v.to_string();
            }
        } else {
            reply.body = format!("{} (you sent {quoted})", reply.body);
        }
        for (k, v) in &mut reply.headers {
            if *k == "WWW-Authenticate" {
                *v = format!(
                    "Bearer error=\"invalid_token\", error_description=\"token {quoted} expired\""
                );
            }
        }
    }
    if behavior.echo_encoded && reply.status >= 400 {
        let lower = lower_hex;
        reply.content_type = "text/html";
        reply.body = format!(
            "<html><body><p>Error {}: you sent {body} with {} and {}; also {}</p></body></html>",
            reply.status,
            header("Authorization").unwrap_or_default(),
            header("X-Figma-Token").unwrap_or_default(),
            lower(&body)
        );
        reply.headers.clear();
    }
    if behavior.trickle && (path == "/v1/oauth/token" || path == "/mcp") {
        // The status line and headers at once, then the body one byte per 200 ms.
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            reply.status,
            reply.content_type,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut w = req.into_writer();
        if w.write_all(head.as_bytes())
            .and_then(|_| w.flush())
            .is_err()
        {
            return;
        }
        for b in reply.body.bytes() {
            std::thread::sleep(Duration::from_millis(200));
            if w.write_all(&[b]).and_then(|_| w.flush()).is_err() {
                return;
            }
        }
        return;
    }
    let mut resp = tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
    resp.add_header(tiny_http::Header::from_bytes("Content-Type", reply.content_type).unwrap());
    for (k, v) in &reply.headers {
        resp.add_header(tiny_http::Header::from_bytes(*k, v.as_bytes()).unwrap());
    }
    if let Some(l) = reply.location {
        resp.add_header(tiny_http::Header::from_bytes("Location", l.as_bytes()).unwrap());
    }
    let _ = req.respond(resp);
}

/// The MCP endpoint (Streamable HTTP), like Figma's: `initialize` with the current access token
/// answers a JSON-RPC result (the offered version when it knows it, `2026-07-28` included) and
/// opens a session; later requests need the session and its version in `MCP-Protocol-Version`;
/// the 2026-07-28 methods (`server/discover`, `subscriptions/listen`) answer `-32601`; `whoami`
/// names [`MOCK_ACCOUNT_NAME`]; GET answers 405; DELETE closes the session.
fn mcp(b: &Behavior, st: &mut State, r: &McpRequest) -> Reply {
    if let Some(status) = b.mcp_status {
        let mut reply = text(status, "mock MCP failure mode");
        match status {
            401 => reply.headers.push((
                "WWW-Authenticate",
                "Bearer error=\"invalid_token\", error_description=\"The access token expired\""
                    .to_string(),
            )),
            429 => reply.headers.push(("Retry-After", "30".to_string())),
            _ => {}
        }
        return reply;
    }
    if !r.token_ok {
        let mut reply = text(401, "Unauthorized");
        reply.headers.push((
            "WWW-Authenticate",
            "Bearer resource_metadata=\"https://mcp.figma.com/.well-known/oauth-protected-resource\", scope=\"mcp:connect\", error=\"invalid_token\"".to_string(),
        ));
        return reply;
    }
    let rpc_error = |id: &serde_json::Value, code: i64, message: &str| {
        json(
            200,
            serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
        )
    };
    match r.method.as_str() {
        "POST" => {
            let accept = r.accept.clone().unwrap_or_default();
            if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
                return text(406, "Not Acceptable");
            }
            if r.content_type.as_deref() != Some("application/json") {
                return text(415, "Unsupported Media Type");
            }
            let v: serde_json::Value = match serde_json::from_str(&r.body) {
                Ok(v) => v,
                Err(_) => return text(400, "Parse error"),
            };
            if v["jsonrpc"] != "2.0" {
                return text(400, "not JSON-RPC 2.0");
            }
            let id = v["id"].clone();
            let method = v["method"].as_str().unwrap_or("");
            if method == "initialize" {
                let offered = v["params"]["protocolVersion"].as_str().unwrap_or("");
                let chosen = if ["2025-06-18", "2025-11-25", "2026-07-28"].contains(&offered) {
                    offered.to_string()
                } else {
                    "2025-11-25".to_string()
                };
                let session = st.next_plain("session_");
                st.sessions.insert(session.clone(), chosen.clone());
                let mut reply = json(
                    200,
                    serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {
                        "protocolVersion": chosen,
                        "capabilities": {"tools": {}},
                        "serverInfo": {"name": "mock-figma-mcp", "version": "1.0.0"}}}),
                );
                reply.headers.push(("Mcp-Session-Id", session));
                return reply;
            }
            let Some(version) = r.session_id.as_ref().and_then(|s| st.sessions.get(s)) else {
                return text(400, "Bad Request: no valid session ID provided");
            };
            if r.protocol_version.as_deref() != Some(version.as_str()) {
                return text(400, "Bad Request: unsupported MCP-Protocol-Version");
            }
            match method {
                "notifications/initialized" => Reply {
                    status: 202,
                    content_type: "text/plain",
                    body: String::new(),
                    location: None,
                    headers: Vec::new(),
                },
                "server/discover" | "subscriptions/listen" => {
                    rpc_error(&id, -32601, "Method not found")
                }
                "tools/list" => json(
                    200,
                    serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {"tools": [
                        {"name": "whoami", "description": "Returns the authenticated user",
                         "inputSchema": {"type": "object"}}]}}),
                ),
                "tools/call" if v["params"]["name"] == "whoami" => match &b.whoami {
                    Whoami::Answer => {
                        let t = serde_json::json!({"handle": MOCK_ACCOUNT_NAME,
                            "email": MOCK_ACCOUNT_EMAIL, "id": "1234567890"})
                        .to_string();
                        tool_text(&id, &t)
                    }
                    Whoami::Text(t) => tool_text(&id, t),
                    Whoami::Missing => rpc_error(&id, -32601, "Tool not found: whoami"),
                    Whoami::RateLimited => {
                        let mut reply = text(429, "Too Many Requests");
                        reply.headers.push(("Retry-After", "60".to_string()));
                        reply
                    }
                },
                _ => rpc_error(&id, -32601, "Method not found"),
            }
        }
        "DELETE" if r.session_id.is_some() => {
            if let Some(s) = &r.session_id {
                st.sessions.remove(s);
            }
            text(200, "")
        }
        // Figma's server offers no server-to-client stream: GET answers 405.
        _ => text(405, "Method Not Allowed"),
    }
}

fn tool_text(id: &serde_json::Value, t: &str) -> Reply {
    json(
        200,
        serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {
            "content": [{"type": "text", "text": t}], "isError": false}}),
    )
}

fn metadata(shared: &Shared, b: &Behavior) -> Reply {
    let on = |host: &Option<String>| match host {
        Some(h) => shared.base.replace("127.0.0.1", h),
        None => shared.base.clone(),
    };
    let base = &on(&b.issuer_host);
    let issuer = if b.wrong_issuer {
        "https://evil.example".to_string()
    } else {
        base.clone()
    };
    let token_endpoint = if b.foreign_token_endpoint {
        "http://localhost:1/v1/oauth/token".to_string()
    } else {
        format!(
            "{}/v1/oauth/token",
            on(&b.token_endpoint_host.clone().or(b.issuer_host.clone()))
        )
    };
    json(
        200,
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{base}/oauth/mcp"),
            "token_endpoint": token_endpoint,
            "registration_endpoint": format!("{base}/v1/oauth/mcp/register"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": if b.no_s256 { vec!["plain"] } else { vec!["S256"] },
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "authorization_response_iss_parameter_supported": b.advertise_iss,
            "scopes_supported": ["mcp:connect"],
        }),
    )
}

fn register(
    shared: &Shared,
    b: &Behavior,
    st: &mut State,
    pat: Option<String>,
    body: &str,
) -> Reply {
    st.registration_pats.push(pat.clone());
    if let Some(p) = &pat {
        st.secrets.push(p.clone());
    }
    if b.register_forbidden {
        return text(403, "Forbidden");
    }
    let known = shared.config.pat.as_deref();
    match (shared.config.pat_rule, pat.as_deref()) {
        (PatRule::Ignored, _) => {}
        (PatRule::Required, None) => return text(401, "Unauthorized"),
        (PatRule::Optional, None) => {}
        (_, Some(p)) if Some(p) != known => return text(403, "Forbidden"),
        (_, Some(_)) => {}
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return oauth_error(400, "invalid_client_metadata", "body is not JSON");
    };
    let name = v["client_name"].as_str().unwrap_or("");
    if !shared.config.allowed_client_names.iter().any(|n| n == name) {
        return text(403, "Forbidden");
    }
    let uris: Vec<String> = v["redirect_uris"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let uri_ok = |u: &str| {
        u.strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(port, p)| {
                let path = format!("/{p}");
                port.parse::<u16>().is_ok()
                    && match shared.config.redirect_rule {
                        RedirectRule::Callback => path == "/callback",
                        RedirectRule::McpOauthCallback => path == "/mcp/oauth/callback",
                    }
            })
    };
    if b.invalid_redirect_uri || uris.is_empty() || !uris.iter().all(|u| uri_ok(u)) {
        return oauth_error(400, "invalid_redirect_uri", "redirect_uri not allowed");
    }
    if v["grant_types"] != serde_json::json!(["authorization_code", "refresh_token"])
        || v["response_types"] != serde_json::json!(["code"])
        || v["token_endpoint_auth_method"] != "none"
    {
        return oauth_error(400, "invalid_client_metadata", "unexpected metadata");
    }
    let id = st.next("client_");
    st.secrets.pop(); // the client id is not a secret
    let id = b.client_id_override.clone().unwrap_or(id);
    let secret = st.next("mock_cs_");
    st.clients.insert(
        id.clone(),
        Client {
            secret: secret.clone(),
            redirect_uris: uris,
        },
    );
    let mut reply = serde_json::json!({"client_id": id, "client_secret": secret,
        "client_id_issued_at": 1_700_000_000u64, "client_secret_expires_at": 0, "client_name": name});
    if b.basic_auth {
        reply["token_endpoint_auth_method"] = "client_secret_basic".into();
    }
    json(201, reply)
}

fn authorize(shared: &Shared, b: &Behavior, st: &mut State, query: &str) -> Reply {
    let q = parse_form(query);
    st.authorize_requests.push(q.clone());
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let client_id = get("client_id");
    let redirect_uri = get("redirect_uri");
    let Some(client) = st.clients.get(&client_id) else {
        return text(400, "unknown client");
    };
    if !client.redirect_uris.contains(&redirect_uri) {
        return text(400, "redirect_uri not registered");
    }
    if get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").len() != 43
        || get("scope") != "mcp:connect"
    {
        return text(400, "bad authorization request");
    }
    let state = get("state");
    let iss = match b.iss {
        Iss::Omit => String::new(),
        Iss::Correct => format!("&iss={}", enc(&shared.base)),
        Iss::Wrong => format!("&iss={}", enc("https://evil.example")),
    };
    let state_part = if q.contains_key("state") {
        format!("&state={}", enc(&state))
    } else {
        String::new()
    };
    let location = if b.deny_consent {
        format!(
            "{redirect_uri}?error=access_denied&error_description={}{state_part}{iss}",
            enc("The user <b>denied</b> access")
        )
    } else {
        let code = st.next("mock_code_");
        st.grants.push(Grant {
            client_id: client_id.clone(),
            resource: q.get("resource").cloned(),
            ..Default::default()
        });
        let grant = st.grants.len() - 1;
        st.codes.insert(
            code.clone(),
            Code {
                client_id,
                redirect_uri: redirect_uri.clone(),
                challenge: get("code_challenge"),
                resource: q.get("resource").cloned(),
                grant,
                used: false,
            },
        );
        format!("{redirect_uri}?code={}{state_part}{iss}", enc(&code))
    };
    Reply {
        status: 302,
        content_type: "text/plain",
        body: String::new(),
        location: Some(location),
        headers: Vec::new(),
    }
}

fn token(
    b: &Behavior,
    st: &mut State,
    form: &HashMap<String, String>,
    basic: Option<(String, String)>,
) -> Reply {
    let reply = token_reply(b, st, form, basic);
    match &b.error_description {
        Some(d) if reply.status >= 400 && reply.content_type == "application/json" => {
            let mut v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            v["error_description"] = d.as_str().into();
            json(reply.status, v)
        }
        _ => reply,
    }
}

fn token_reply(
    b: &Behavior,
    st: &mut State,
    form: &HashMap<String, String>,
    basic: Option<(String, String)>,
) -> Reply {
    if let Some(status) = b.token_status {
        return oauth_error(status, "temporarily_unavailable", "try again later");
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let client_id = match &basic {
        Some((id, _)) => id.clone(),
        None => get("client_id"),
    };
    let Some(client) = st.clients.get(&client_id) else {
        return oauth_error(401, "invalid_client", "unknown client");
    };
    if b.basic_auth && (basic.is_none() || form.contains_key("client_secret")) {
        return oauth_error(401, "invalid_client", "use client_secret_basic");
    }
    let presented = basic
        .map(|(_, s)| s)
        .or_else(|| form.get("client_secret").cloned());
    match presented {
        None if b.require_client_secret => {
            return oauth_error(400, "invalid_request", "Client secret is required")
        }
        Some(s) if s != client.secret => {
            return oauth_error(401, "invalid_client", "wrong client secret")
        }
        _ => {}
    }
    let grant = match get("grant_type").as_str() {
        "authorization_code" => {
            let code_value = get("code");
            let Some(code) = st.codes.get_mut(&code_value) else {
                return oauth_error(400, "invalid_grant", "unknown code");
            };
            if code.used {
                let g = code.grant;
                st.grants[g].revoked = true;
                return oauth_error(400, "invalid_grant", "code already used");
            }
            code.used = true;
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
            if code.client_id != client_id
                || code.redirect_uri != get("redirect_uri")
                || code.challenge != challenge
                || code.resource != form.get("resource").cloned()
            {
                return oauth_error(
                    400,
                    "invalid_grant",
                    "PKCE, redirect_uri or resource mismatch",
                );
            }
            code.grant
        }
        "refresh_token" => {
            let rt = get("refresh_token");
            if let Some(mut hook) = st.refresh_hook.take() {
                let refuse = hook(st, &rt);
                st.refresh_hook = Some(hook);
                if refuse {
                    return oauth_error(400, "invalid_grant", "refresh token already used");
                }
            }
            if b.refresh_invalid_grant {
                return oauth_error(400, "invalid_grant", "refresh token expired");
            }
            let Some(&g) = st.refresh_tokens.get(&rt) else {
                return oauth_error(400, "invalid_grant", "unknown refresh token");
            };
            let grant = &mut st.grants[g];
            if grant.revoked {
                return oauth_error(400, "invalid_grant", "grant revoked");
            }
            if grant.current_refresh != rt {
                // Reuse of a rotated refresh token: revoke the whole grant.
                grant.revoked = true;
                return oauth_error(
                    400,
                    "invalid_grant",
                    "refresh token reuse detected; grant revoked",
                );
            }
            if grant.client_id != client_id || grant.resource != form.get("resource").cloned() {
                return oauth_error(400, "invalid_grant", "client or resource mismatch");
            }
            g
        }
        _ => return oauth_error(400, "unsupported_grant_type", "unsupported"),
    };
    let at = st.next("mock_at_");
    let lifetime = Duration::from_secs(b.expires_in.unwrap_or(3600));
    st.access_tokens
        .insert(at.clone(), (grant, Instant::now() + lifetime));
    if let Some(o) = &b.access_token_override {
        st.secrets.push(o.clone());
    }
    let shown = b.access_token_override.clone().unwrap_or(at);
    let mut body =
        serde_json::json!({"access_token": shown, "token_type": "Bearer", "scope": "mcp:connect"});
    if let Some(e) = b.expires_in {
        body["expires_in"] = e.into();
    }
    let first = st.grants[grant].current_refresh.is_empty();
    if first || b.rotate_refresh_tokens {
        let rt = st.next("mock_rt_");
        st.refresh_tokens.insert(rt.clone(), grant);
        st.grants[grant].current_refresh = rt.clone();
        body["refresh_token"] = rt.into();
    }
    json(200, body)
}

/// `t` with the two hex digits after every `%` lower-cased (how some servers percent-encode).
pub fn lower_hex(t: &str) -> String {
    let mut out = String::new();
    let mut hex = 0;
    for c in t.chars() {
        if c == '%' {
            hex = 2;
            out.push(c);
        } else if hex > 0 {
            hex -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_form(s: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
