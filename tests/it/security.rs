//! The OAuth attack cases of the security checklist (items 20–28), each asserting whether the token endpoint
//! was reached.

use crate::support::mock::Iss;
use crate::support::*;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Starts a login and returns (process, the real callback URL with code and state).
fn start(env: &TestEnv, extra: &[&str]) -> (Running, String) {
    let mut args = vec!["login", "--port", "0", "--timeout", "90s"];
    args.extend_from_slice(extra);
    let run = env.spawn_closed_stdin(&args);
    let url = env.browser_url();
    (run, authorize(&url))
}

fn base_of(callback: &str) -> String {
    callback.split('?').next().unwrap().to_string()
}

// 20, 21, 25
#[test]
fn forged_callbacks_are_ignored_and_the_listener_keeps_waiting() {
    let env = TestEnv::new();
    let (run, callback) = start(&env, &[]);
    let base = base_of(&callback);
    let forged = [
        with_param(&callback, "state", None),
        with_param(&callback, "state", Some("forged")),
        format!("{base}?error=access_denied&error_description=forged"),
        format!("{base}?error=access_denied&state=forged"),
        format!("{callback}&state=again"),
    ];
    for f in &forged {
        let p = get(f);
        assert_eq!(p.status, 400, "{f}: {p:?}");
        assert_eq!(p.headers["cache-control"], "no-store");
    }
    // Only the callback path is served; a foreign Host is refused.
    let port = url::Url::parse(&callback).unwrap().port().unwrap();
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/favicon.ico")).status,
        404
    );
    assert_eq!(
        get_with_host(&callback, Some(&format!("evil.example:{port}"))).status,
        400
    );
    assert_eq!(env.server.hits("token"), 0);

    let page = get(&callback);
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(!page.headers.contains_key("location"));
    assert!(!page.body.to_lowercase().contains("<script"), "{page:?}");
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("state does not match"), "{out:?}");
    assert!(out.stderr.contains("no state parameter"), "{out:?}");
    // 21: a duplicate of the valid callback cannot start another exchange.
    assert!(
        TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(5)
        )
        .is_err()
            || get(&callback).status != 200
    );
    assert_eq!(env.server.hits("token"), 1);
}

// 25
#[test]
fn the_listener_binds_127_0_0_1_only() {
    let env = TestEnv::new();
    let (run, callback) = start(&env, &[]);
    let port = url::Url::parse(&callback).unwrap().port().unwrap();
    let other = SocketAddr::from(([127, 0, 0, 2], port));
    assert!(
        TcpStream::connect_timeout(&other, Duration::from_secs(5)).is_err(),
        "reachable on 127.0.0.2"
    );
    assert_eq!(get(&callback).status, 200);
    assert_eq!(run.finish().code, 0);
}

// 22
#[test]
fn metadata_without_s256_is_refused_before_anything_is_sent() {
    let env = TestEnv::new();
    env.server.set(|b| b.no_s256 = true);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("S256"), "{out:?}");
    assert_eq!(env.server.hits("register"), 0);
    assert_eq!(env.server.hits("token"), 0);
}

// 23
#[test]
fn wrong_issuer_and_foreign_endpoints_are_refused() {
    let env = TestEnv::new();
    env.server.set(|b| b.wrong_issuer = true);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("names the issuer \"https://evil.example\""),
        "{out:?}"
    );
    env.server.set(|b| {
        b.wrong_issuer = false;
        b.foreign_token_endpoint = true;
    });
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("unsafe token_endpoint"), "{out:?}");
    assert_eq!(env.server.hits("register"), 0);
    assert_eq!(env.server.hits("token"), 0);
}

// 23
#[test]
fn a_wrong_iss_on_the_callback_is_refused() {
    let env = TestEnv::new();
    env.server.set(|b| b.iss = Iss::Wrong);
    let (run, callback) = start(&env, &[]);
    assert_eq!(get(&callback).status, 400);
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("RFC 9207"), "{out:?}");
    assert!(
        out.stderr
            .contains("names the issuer \"https://evil.example\""),
        "{out:?}"
    );
    assert_eq!(
        env.server.hits("token"),
        0,
        "the token endpoint is never reached"
    );
    assert!(env.store("default").unwrap().get("token").is_none());
}

// 23: Figma advertises `iss` and never sends it: the callback is accepted (one authorization
// server per login, and a `state` bound to it: no mix-up is possible).
#[test]
fn a_missing_iss_is_accepted_even_when_the_server_advertises_it() {
    let env = TestEnv::new();
    env.server.set(|b| {
        b.iss = Iss::Omit;
        b.advertise_iss = true;
    });
    env.login();
    assert_eq!(env.server.hits("token:authorization_code"), 1);
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

// 26
#[test]
fn no_callback_times_out_and_releases_the_port() {
    let env = TestEnv::new();
    let port = free_port();
    let p = port.to_string();
    let out = env.run(&["login", "--port", &p, "--timeout", "1s", "--no-browser"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("no login callback arrived"), "{out:?}");
    assert!(out.stderr.contains("--timeout"), "{out:?}");
    assert_eq!(env.server.hits("token"), 0);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free again");
}

// 26
#[test]
fn a_port_in_use_is_a_clear_error() {
    let env = TestEnv::new();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = env.run(&["login", "--port", &port]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{out:?}"
    );
    assert!(out.stderr.contains("--port"), "{out:?}");
    assert_eq!(env.server.hits("register"), 0);
    assert_eq!(env.server.hits("token"), 0);
    assert!(!env.path("browser/url").exists(), "no browser tab opened");
}

// 27
#[test]
fn the_browser_gets_the_url_as_one_argument_without_a_shell() {
    let mut env = TestEnv::new();
    // A $BROWSER with an extra argument and %s: split on whitespace, never run by a shell.
    let script = env.path("fake-browser");
    env.set_var("BROWSER", Some(&format!("{} %s", script.display())));
    // The URL is printed too, at once (normally only when the browser has not come back).
    env.set_var("FIGMA_AUTH_SHOW_URL_AFTER", Some("0s"));
    let mut run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "90s"]);
    let printed = run.printed_url();
    let url = env.browser_url();
    assert_eq!(
        std::fs::read_to_string(env.path("browser/argc")).unwrap(),
        "1"
    );
    // The browser's argv holds the one-time start link, which leads to the printed URL.
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/start/"),
        "{url}"
    );
    let real = resolve_start(&url);
    assert_eq!(real, printed);
    assert!(real.contains('&'));
    assert_eq!(get(&authorize(&real)).status, 200);
    assert_eq!(run.finish().code, 0);
}

// 27: no opener at all (no $BROWSER, no display) → the URL is printed.
#[test]
fn without_any_browser_the_url_is_printed() {
    let mut env = TestEnv::new();
    env.set_var("BROWSER", None);
    let mut run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "90s"]);
    let url = run.printed_url();
    assert!(
        run.seen
            .iter()
            .any(|l| l.contains("Could not open a browser")),
        "{:?}",
        run.seen
    );
    assert_eq!(follow(&url).unwrap().status, 200);
    assert_eq!(run.finish().code, 0);
}

// 28
#[test]
fn a_seeded_canary_never_appears_in_output() {
    let env = TestEnv::new();
    env.login();
    const CANARY_AT: &str = "figu_CANARY_ACCESS_0123456789";
    const CANARY_RT: &str = "figr_CANARY_REFRESH_TOKEN_0123456789";
    const CANARY_CS: &str = "CANARY_CLIENT_SECRET_0123456789";
    env.edit_store(|v| {
        v["token"]["access_token"] = CANARY_AT.into();
        v["token"]["refresh_token"] = CANARY_RT.into();
        v["client"]["client_secret"] = CANARY_CS.into();
    });
    let check = |out: &Out| {
        for c in [CANARY_AT, CANARY_RT, CANARY_CS, "CANARY"] {
            assert!(
                !out.stdout.contains(c) && !out.stderr.contains(c),
                "{c}: {out:?}"
            );
        }
    };
    for args in [
        vec!["status"],
        vec!["status", "--json"],
        vec!["refresh"],
        vec!["refresh", "--force"],
        vec!["refresh", "--bogus"],
        vec!["logout", "--all"],
    ] {
        check(&env.run(&args));
    }
    let reqs = env.server.token_requests();
    assert_eq!(
        reqs.last().unwrap()["refresh_token"],
        CANARY_RT,
        "the canary reached the server"
    );
}
