//! Logging in against Figma's real authorization server, as the mock's Figma profile imitates it:
//! `iss` advertised and never sent, a client secret always issued and then required, a plain-text
//! 403 for names off the allow-list, and either redirect URI rule (only `/callback`, or only the
//! original script's `/mcp/oauth/callback`). Flag-free logins succeed under both rules, the
//! registration that worked is reused without a failing request, and the MCP server (which breaks
//! on 2026-07-28) names the account.

use crate::support::mock::{Iss, MockConfig, RedirectRule, Whoami};
use crate::support::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Flag-free logins listen on the default port 19876: one at a time.
static DEFAULT_PORT: Mutex<()> = Mutex::new(());

/// The default port, for one test: one at a time in this process, and among the test runs on
/// this machine (other checkouts run the same tests) through a lock file in the temp dir.
struct DefaultPort {
    _here: std::sync::MutexGuard<'static, ()>,
    _machine: std::fs::File,
}

fn default_port() -> DefaultPort {
    let here = DEFAULT_PORT.lock().unwrap_or_else(|e| e.into_inner());
    let machine = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("figma-auth-tests-port-19876.lock"))
        .unwrap();
    machine.lock().unwrap();
    DefaultPort {
        _here: here,
        _machine: machine,
    }
}

fn figma(rule: RedirectRule) -> Test {
    let mut t = Test::with_config(MockConfig {
        redirect_rule: rule,
        ..MockConfig::default()
    });
    t.following_browser();
    let mcp = format!("{}/mcp", t.server.url());
    t.env("FIGMA_MCP_URL", Some(&mcp))
}

/// Waits until 19876 can be bound (another test binary may hold it for a moment).
fn wait_for_default_port() {
    let start = Instant::now();
    while std::net::TcpListener::bind(("127.0.0.1", 19876)).is_err() {
        assert!(start.elapsed() < WAIT, "port 19876 stays busy");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `FIGMA_PERSONAL_ACCESS_TOKEN=… BROWSER=<follows the URL> figma-auth login --auth-server
/// http://127.0.0.1:PORT </dev/null`, and nothing else.
fn flag_free_login(env: &mut TestEnv) -> Out {
    env.set_var("FIGMA_AUTH_SERVER", None);
    let url = env.server.url().to_string();
    wait_for_default_port();
    env.run(&["login", "--auth-server", &url])
}

fn assert_logged_in(env: &TestEnv, out: &Out) {
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.server.access_token_works(&env.stored_access_token()));
    assert!(
        out.stderr.contains(&format!(
            "Logged in as {MOCK} (profile default)",
            MOCK = "Mock User (mock.user@example.com)"
        )),
        "{out:?}"
    );
    // The browser was given the one-time start link, not the authorization URL.
    let followed = std::fs::read_to_string(env.path("browser/followed")).unwrap();
    assert!(followed.contains("/start/"), "{followed}");
    assert!(!followed.contains("state="), "{followed}");
    assert!(!followed.contains("code_challenge"), "{followed}");
    assert_eq!(
        std::fs::read_to_string(env.path("browser/status")).unwrap(),
        "200"
    );
}

#[test]
fn flag_free_login_under_the_callback_rule_and_a_second_one_registers_nothing() {
    let _port = default_port();
    let mut env = figma(RedirectRule::Callback);
    let out = flag_free_login(&mut env);
    assert_logged_in(&env, &out);
    assert_eq!(env.server.hits("register"), 1);
    assert!(
        !out.stderr.contains("does not accept the redirect URI"),
        "{out:?}"
    );
    let v = env.store("default").unwrap();
    assert_eq!(
        v["client"]["redirect_uri"],
        "http://127.0.0.1:19876/callback"
    );
    // The secret Figma always issues was sent to the token endpoint.
    assert!(env.server.token_requests()[0].contains_key("client_secret"));

    let out = flag_free_login(&mut env);
    assert_logged_in(&env, &out);
    assert_eq!(
        env.server.hits("register"),
        1,
        "no registration request at all"
    );
    assert_eq!(env.server.hits("token:authorization_code"), 2);
}

#[test]
fn flag_free_login_under_the_original_scripts_rule_and_a_second_one_registers_nothing() {
    let _port = default_port();
    let mut env = figma(RedirectRule::McpOauthCallback);
    let out = flag_free_login(&mut env);
    assert_logged_in(&env, &out);
    // /callback first (the 2026 rule), then the other shape, said in one line.
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("redirect URI"))
        .collect();
    assert_eq!(
        said,
        ["The authorization server does not accept the redirect URI http://127.0.0.1:19876/callback; registering http://127.0.0.1:19876/mcp/oauth/callback instead."],
        "{out:?}"
    );
    assert_eq!(env.server.hits("register"), 2);
    let v = env.store("default").unwrap();
    assert_eq!(
        v["client"]["redirect_uri"],
        "http://127.0.0.1:19876/mcp/oauth/callback"
    );

    let out = flag_free_login(&mut env);
    assert_logged_in(&env, &out);
    assert_eq!(
        env.server.hits("register"),
        2,
        "no registration request at all"
    );
    assert!(!out.stderr.contains("does not accept"), "{out:?}");
}

#[test]
fn port_0_keeps_the_fallback_and_later_logins_start_with_the_shape_that_worked() {
    let mut env = figma(RedirectRule::McpOauthCallback);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("does not accept the redirect URI"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("register"), 2);
    // Another port (the first is held): the shape that worked is registered first, no failure.
    let held = std::net::TcpListener::bind((
        "127.0.0.1",
        url::Url::parse(
            env.store("default").unwrap()["client"]["redirect_uri"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
        .port()
        .unwrap(),
    ))
    .unwrap();
    let out = env.run(&["login", "--port", "0"]);
    drop(held);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("does not accept"), "{out:?}");
    assert_eq!(env.server.hits("register"), 3);
    env.set_var("BROWSER", None);
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

#[test]
fn setup_logs_in_under_either_rule_without_flags() {
    for rule in [RedirectRule::Callback, RedirectRule::McpOauthCallback] {
        let env = figma(rule);
        let out = env.run(&["setup", "--target", "opencode", "--write", "--port", "0"]);
        assert_eq!(out.code, 0, "{rule:?}: {out:?}");
        assert!(
            out.stderr.contains("Logged in as Mock User"),
            "{rule:?}: {out:?}"
        );
        let config = [
            "config/opencode/opencode.json",
            "config/opencode/opencode.jsonc",
        ]
        .iter()
        .find_map(|p| std::fs::read_to_string(env.path(p)).ok())
        .expect("setup created the opencode config");
        assert!(config.contains(&env.stored_access_token()), "{config}");
        // A second setup needs no login, and says whose token it writes.
        let out = env.run(&["setup", "--target", "opencode", "--write", "--port", "0"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stderr.contains("Logged in as Mock User"), "{out:?}");
        assert_eq!(env.server.hits("token:authorization_code"), 1);
    }
    // An explicit --callback-path holds inside setup too: no fallback.
    let env = figma(RedirectRule::McpOauthCallback);
    let out = env.run(&[
        "setup",
        "--target",
        "opencode",
        "--write",
        "--port",
        "0",
        "--callback-path",
        "/callback",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("--callback-path /callback asks for exactly that path"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("register"), 1);
}

#[test]
fn the_account_is_shown_and_stored_without_the_token() {
    let env = figma(RedirectRule::Callback);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = env.store("default").unwrap();
    assert_eq!(v["token"]["account"]["name"], "Mock User");
    assert_eq!(v["token"]["account"]["email"], "mock.user@example.com");
    let account = v["token"]["account"].to_string();
    assert!(!account.contains(&env.stored_access_token()), "{account}");
    assert_eq!(v["token"]["expires_in"], 3600);

    let out = env.run(&["status"]);
    assert!(
        out.stdout
            .contains("Logged in as:   Mock User (mock.user@example.com)"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("Lifetimes:      tokens last 1 hour; not refreshed yet"),
        "{out:?}"
    );
    let j: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(j["account"]["name"], "Mock User");
    assert_eq!(j["token_lifetime_seconds"], 3600);
    assert_eq!(j["refresh_token_rotates"], serde_json::Value::Null);

    // A refresh records whether the refresh token rotated.
    assert_eq!(env.run(&["refresh", "--force"]).code, 0);
    let out = env.run(&["status"]);
    assert!(
        out.stdout
            .contains("Lifetimes:      tokens last 1 hour; refresh tokens rotate"),
        "{out:?}"
    );
    env.server.set(|b| {
        b.rotate_refresh_tokens = false;
        b.expires_in = Some(86_400);
    });
    assert_eq!(env.run(&["refresh", "--force"]).code, 0);
    let out = env.run(&["doctor"]);
    assert!(
        out.stdout
            .contains("lifetimes: tokens last 1 day; refresh tokens do not rotate"),
        "{out:?}"
    );
    let j: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(j["token_lifetime_seconds"], 86_400);
    assert_eq!(j["refresh_token_rotates"], false);
    assert_eq!(j["account"]["name"], "Mock User", "kept across refreshes");
}

#[test]
fn no_account_and_no_complaint_when_whoami_is_not_possible() {
    for mode in [Whoami::Missing, Whoami::RateLimited] {
        let env = figma(RedirectRule::Callback);
        env.server.set(|b| b.whoami = mode.clone());
        let out = env.run(&["login", "--port", "0"]);
        assert_eq!(out.code, 0, "{mode:?}: {out:?}");
        assert!(
            out.stderr.contains("Logged in to Figma (profile default)"),
            "{mode:?}: {out:?}"
        );
        assert!(!out.stderr.contains("whoami"), "{mode:?}: {out:?}");
        assert!(env.store("default").unwrap()["token"]
            .get("account")
            .is_none());
    }
    // Offline (the default MCP URL is unreachable in the tests): silent too.
    let mut env = figma(RedirectRule::Callback);
    env.set_var("FIGMA_MCP_URL", None);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Logged in to Figma (profile default)"),
        "{out:?}"
    );
}

#[test]
fn doctor_online_against_a_server_that_breaks_on_2026_07_28_names_the_account() {
    let env = figma(RedirectRule::Callback);
    assert_eq!(env.run(&["login", "--port", "0"]).code, 0);
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("accepts the token")
            && out
                .stdout
                .contains("logged in as Mock User (mock.user@example.com)"),
        "{out:?}"
    );
    // Nothing figma-auth sent offered 2026-07-28 or called its methods.
    for r in env.server.mcp_requests() {
        assert!(!r.body.contains("2026-07-28"), "{r:?}");
        assert!(!r.body.contains("server/discover"), "{r:?}");
        if r.method == "POST" {
            assert_eq!(r.protocol_version.as_deref(), Some("2025-11-25"), "{r:?}");
        }
    }
    // The mock really breaks on 2026-07-28's methods and answers 405 to GET (like Figma's).
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let url = format!("{}/mcp", env.server.url());
    let token = env.stored_access_token();
    let init = client
        .post(&url)
        .bearer_auth(&token)
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2026-07-28","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}"#)
        .send()
        .unwrap();
    let session = init.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let discover: serde_json::Value = client
        .post(&url)
        .bearer_auth(&token)
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json")
        .header("Mcp-Session-Id", &session)
        .header("MCP-Protocol-Version", "2026-07-28")
        .body(r#"{"jsonrpc":"2.0","id":2,"method":"server/discover"}"#)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(discover["error"]["code"], -32601);
    let get = client.get(&url).bearer_auth(&token).send().unwrap();
    assert_eq!(get.status().as_u16(), 405);
}

#[test]
fn a_present_iss_naming_another_issuer_never_reaches_the_token_endpoint() {
    let env = figma(RedirectRule::Callback);
    env.server.set(|b| b.iss = Iss::Wrong);
    let out = env.run(&["login", "--port", "0", "--timeout", "90s"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("the login callback names the issuer \"https://evil.example\""),
        "{out:?}"
    );
    assert_eq!(env.server.hits("token"), 0);
    assert!(env.store("default").unwrap().get("token").is_none());
    // The correct iss is fine.
    env.server.set(|b| b.iss = Iss::Correct);
    assert_eq!(env.run(&["login", "--port", "0"]).code, 0);
}
