//! `figma-auth login`: the happy path, registration reuse, the paths for SSH users, and every
//! refusal Figma is known for.

use crate::support::mock::{MockConfig, PatRule};
use crate::support::*;

#[test]
fn login_stores_tokens_and_registration_privately() {
    let env = TestEnv::new();
    let out = env.login();
    assert!(
        out.stderr.contains("Logged in to Figma (profile default)"),
        "{out:?}"
    );

    let v = env.store("default").unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["client"]["client_name"], "Claude Code (figma)");
    assert!(v["client"]["client_secret"]
        .as_str()
        .unwrap()
        .starts_with("mock_cs_"));
    assert!(v["client"]["redirect_uri"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert_eq!(v["token"]["token_type"], "Bearer");
    assert_eq!(v["token"]["resource"], "https://mcp.figma.com/mcp");
    assert!(v["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
    assert!(env.server.access_token_works(&env.stored_access_token()));

    // The PAT went to registration only, as X-Figma-Token.
    env.server.with_state(|s| {
        assert_eq!(s.registration_pats, vec![Some(PAT.to_string())]);
    });
    let reqs = env.server.token_requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r["grant_type"], "authorization_code");
    assert!(r.contains_key("client_secret"), "client_secret is sent");
    assert_eq!(r["resource"], "https://mcp.figma.com/mcp");
    assert!(r["code_verifier"].len() >= 43);

    let store = env.store_path("default");
    assert_eq!(file_mode(&store), 0o600);
    assert_eq!(file_mode(store.parent().unwrap()), 0o700);
    assert_eq!(file_mode(&env.path("config/figma-auth")), 0o700);
    let names: Vec<String> = std::fs::read_dir(store.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");

    // The browser got the URL as one argument, and not the PAT in its environment.
    assert_eq!(
        std::fs::read_to_string(env.path("browser/argc")).unwrap(),
        "1"
    );
    let benv = std::fs::read_to_string(env.path("browser/env")).unwrap();
    assert!(
        !benv.contains(PAT),
        "the PAT leaked into the browser's environment"
    );
}

#[test]
fn after_a_login_status_reports_it_and_token_prints_it_without_a_refresh() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["logged_in"], true);
    assert_eq!(v["has_refresh_token"], true);
    let exp = v["expires_at"].as_str().unwrap();
    let exp = humantime::parse_rfc3339(exp).unwrap();
    assert!(exp > std::time::SystemTime::now());
    assert_eq!(v["client_name"], "Claude Code (figma)");

    let out = env.run(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Logged in:      yes"), "{out:?}");
    assert!(out.stdout.contains("Refresh token:  held"), "{out:?}");

    let out = env.run(&["token"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{}\n", env.stored_access_token()));
    assert_eq!(
        env.server.hits("token:refresh_token"),
        0,
        "a fresh token is not refreshed"
    );
}

#[test]
fn registration_is_reused_when_server_and_redirect_uri_match() {
    let env = TestEnv::new();
    let port = free_port().to_string();
    env.login_with(&["login", "--port", &port, "--timeout", "90s"]);
    env.login_with(&["login", "--port", &port, "--timeout", "90s"]);
    assert_eq!(
        env.server.hits("register"),
        1,
        "second login reuses the client"
    );
    env.login_with(&["login", "--port", &port, "--timeout", "90s", "--reregister"]);
    assert_eq!(env.server.hits("register"), 2);
    // Another port: another redirect URI, another registration.
    let other = free_port().to_string();
    env.login_with(&["login", "--port", &other, "--timeout", "90s"]);
    assert_eq!(env.server.hits("register"), 3);
    // --port 0 takes the stored registration's port when it is free: no registration.
    env.login();
    assert_eq!(env.server.hits("register"), 3);
    let uri = env.store("default").unwrap()["client"]["redirect_uri"].clone();
    assert_eq!(uri, format!("http://127.0.0.1:{other}/callback"));
    // Each attempt used a fresh state and verifier.
    env.server.with_state(|s| {
        let states: std::collections::HashSet<_> = s
            .authorize_requests
            .iter()
            .map(|q| q["state"].clone())
            .collect();
        let challenges: std::collections::HashSet<_> = s
            .authorize_requests
            .iter()
            .map(|q| q["code_challenge"].clone())
            .collect();
        assert_eq!(states.len(), 5);
        assert_eq!(challenges.len(), 5);
    });
}

#[test]
fn no_resource_leaves_the_resource_parameter_out_of_every_request() {
    let env = TestEnv::new();
    env.login_with(&["login", "--port", "0", "--no-resource"]);
    let reqs = env.server.token_requests();
    assert!(!reqs[0].contains_key("resource"));
    env.server
        .with_state(|s| assert!(!s.authorize_requests[0].contains_key("resource")));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!env.server.token_requests()[1].contains_key("resource"));
}

#[test]
fn no_browser_prints_the_url_and_accepts_a_pasted_redirect() {
    let env = TestEnv::new();
    let mut run = env.spawn(&["login", "--port", "0", "--no-browser", "--timeout", "90s"]);
    let url = run.printed_url();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(
        !env.path("browser/url").exists(),
        "no browser with --no-browser"
    );
    let callback = authorize(&url);
    // A line that is not the URL, then a wrong state, then the real thing.
    run.paste("hello");
    run.paste(&with_param(&callback, "state", Some("forged")));
    run.paste(&callback);
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("ignored the pasted URL"), "{out:?}");
    assert_eq!(env.server.hits("token:authorization_code"), 1);
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

fn pat_required() -> TestEnv {
    TestEnv::with_config(MockConfig {
        pat_rule: PatRule::Required,
        ..MockConfig::default()
    })
}

#[test]
fn without_a_pat_no_header_is_sent_and_the_refusal_says_how_to_pass_one() {
    let mut env = pat_required();
    env.set_var("FIGMA_PERSONAL_ACCESS_TOKEN", None);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "the client name \"Claude Code (figma)\" was refused without a personal access token (HTTP 401"
        ),
        "{out:?}"
    );
    // A script is told both ways to pass one.
    assert!(
        out.stderr.contains("FIGMA_PERSONAL_ACCESS_TOKEN"),
        "{out:?}"
    );
    assert!(out.stderr.contains("--pat-stdin"), "{out:?}");
    env.server
        .with_state(|s| assert_eq!(s.registration_pats, vec![None]));
    assert_eq!(env.server.hits("token"), 0);
}

#[test]
fn a_pat_on_stdin_is_sent_and_a_rejected_one_is_named_as_such() {
    let mut env = pat_required();
    env.set_var("FIGMA_PERSONAL_ACCESS_TOKEN", None);
    env.following_browser();
    let mut c = env.command(&["login", "--port", "0", "--pat-stdin", "--timeout", "90s"]);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PAT}").unwrap();
    }
    let out: Out = child.wait_with_output().unwrap().into();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    env.server
        .with_state(|s| assert_eq!(s.registration_pats, vec![Some(PAT.to_string())]));

    // A wrong one: the server refuses it (403) and refuses registering without one (401).
    let env = pat_required();
    let out = env.run_with_stdin(
        &["login", "--port", "0", "--pat-stdin"],
        "figd_WRONG_PAT_0000000000000\n",
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "the personal access token was rejected, and registering without one is refused too"
        ),
        "{out:?}"
    );
    let hint = out.stderr.lines().find(|l| l.starts_with("hint:")).unwrap();
    assert!(hint.contains("--pat-stdin"), "{hint}");
    assert!(
        !hint.contains("FIGMA_PERSONAL_ACCESS_TOKEN"),
        "the token came from stdin, not the environment: {hint}"
    );
    assert!(!out.stderr.contains("figd_WRONG_PAT"), "{out:?}");
}

#[test]
fn a_wrong_pat_is_reported() {
    let mut env = pat_required();
    env.set_var(
        "FIGMA_PERSONAL_ACCESS_TOKEN",
        Some("figd_WRONG_PAT_0000000000000"),
    );
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("the personal access token was rejected"),
        "{out:?}"
    );
    assert!(
        !out.stderr.contains("allow-list"),
        "the server refused the token, not the name: {out:?}"
    );
    let hint = out.stderr.lines().find(|l| l.starts_with("hint:")).unwrap();
    assert!(hint.contains("check FIGMA_PERSONAL_ACCESS_TOKEN"), "{hint}");
    assert!(!out.stderr.contains("figd_WRONG_PAT"), "{out:?}");
    assert!(
        !out.stderr.to_lowercase().contains("json"),
        "no parse error: {out:?}"
    );
    // The registration was tried once more without the token to tell which was refused.
    env.server.with_state(|s| {
        assert_eq!(
            s.registration_pats,
            vec![Some("figd_WRONG_PAT_0000000000000".to_string()), None]
        )
    });

    // Where a PAT is optional, a rejected one is dropped and the registration made without it.
    let mut env = TestEnv::with_config(MockConfig {
        pat_rule: PatRule::Optional,
        ..MockConfig::default()
    });
    env.set_var(
        "FIGMA_PERSONAL_ACCESS_TOKEN",
        Some("figd_WRONG_PAT_0000000000000"),
    );
    let out = env.login();
    assert!(
        out.stderr.contains(
            "warning: the authorization server rejected the personal access token (HTTP 403); figma-auth registered without it"
        ),
        "{out:?}"
    );
}

#[test]
fn a_refused_client_name_is_reported() {
    let env = TestEnv::new();
    let out = env.run(&["login", "--port", "0", "--client-name", "opencode"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "the client name \"opencode\" was refused, with and without the personal access token"
        ),
        "{out:?}"
    );
    assert!(out.stderr.contains("Forbidden"), "{out:?}");
    assert!(
        out.stderr.contains("--client-name \"Claude Code\""),
        "{out:?}"
    );
    assert_eq!(env.server.hits("token"), 0);
    // The hint never suggests the name that was just refused.
    let out = env.run(&["login", "--port", "0", "--client-name", "Claude Code"]);
    assert_eq!(out.code, 1, "{out:?}");
    let hint = out.stderr.lines().find(|l| l.starts_with("hint:")).unwrap();
    assert!(!hint.contains("\"Claude Code\""), "{hint}");
    assert!(hint.contains("--client-name \"Codex\""), "{hint}");
    // Another allowed name works.
    env.login_with(&["login", "--port", "0", "--client-name", "Codex"]);
}

#[test]
fn plain_text_403_is_a_message_not_a_parse_error() {
    let env = TestEnv::new();
    env.server.set(|b| b.register_forbidden = true);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("HTTP 403, server said: Forbidden"),
        "{out:?}"
    );
    assert!(out.stderr.contains("hint:"), "{out:?}");
}

#[test]
fn an_explicit_callback_path_means_exactly_that_path() {
    let env = TestEnv::new();
    let out = env.run(&["login", "--port", "0", "--callback-path", "/other"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("redirect URI http://127.0.0.1:"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("/other is not accepted for the client name \"Claude Code (figma)\" (--callback-path /other asks for exactly that path)"),
        "{out:?}"
    );
    let hint = out.stderr.lines().find(|l| l.starts_with("hint:")).unwrap();
    assert!(hint.contains("omit --callback-path"), "{hint}");
    // No fallback: one registration request, no token request.
    assert_eq!(env.server.hits("register"), 1);
    assert_eq!(env.server.hits("token"), 0);
    // Even a known shape is not swapped for the other one when asked for explicitly.
    let out = env.run(&[
        "login",
        "--port",
        "0",
        "--callback-path",
        "/mcp/oauth/callback",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stderr.contains("registering"), "{out:?}");
    assert_eq!(env.server.hits("register"), 2);
    // The accepted shape works.
    env.login_with(&["login", "--port", "0", "--callback-path", "/callback"]);
}

#[test]
fn denied_consent_fails_cleanly_with_the_escaped_description() {
    let env = TestEnv::new();
    env.server.set(|b| b.deny_consent = true);
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "90s"]);
    let page = follow(&env.browser_url()).unwrap();
    assert_eq!(page.status, 400);
    assert!(page.body.contains("&lt;b&gt;denied&lt;/b&gt;"), "{page:?}");
    assert!(!page.body.contains("<b>denied"), "{page:?}");
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("access_denied"), "{out:?}");
    assert!(out.stderr.contains("choose Allow"), "{out:?}");
    assert_eq!(env.server.hits("token"), 0);
    assert!(env.store("default").unwrap().get("token").is_none());
}

#[test]
fn a_client_name_with_spaces_and_timeout_option_parse() {
    let env = TestEnv::new();
    let out = env.run(&["login", "--timeout", "soon"]);
    assert_eq!(out.code, 2, "{out:?}");
    let out = env.run(&["login", "--auth-server", "http://example.com"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("loopback"), "{out:?}");
}

#[test]
fn a_server_that_registers_client_secret_basic_gets_http_basic() {
    let env = TestEnv::new();
    env.server.set(|b| b.basic_auth = true);
    env.login();
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env
        .server
        .token_requests()
        .iter()
        .all(|r| !r.contains_key("client_secret")));
    assert!(env.server.access_token_works(&env.stored_access_token()));
}
