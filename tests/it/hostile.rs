//! Round 2 of the security cases where the authorization server, the MCP server or a local
//! program is the attacker (security checklist cases 31, 32, 34, 38, 39, 40, 44 and the "same site" part
//! of 46). Each test goes through the real binary and fails when its protection is removed.

use crate::support::mock::Whoami;
use crate::support::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn port_of(url: &str) -> u16 {
    url::Url::parse(url).unwrap().port().unwrap()
}

/// Waits for `child` to exit, at most `limit`; kills it and fails otherwise.
fn wait_or_kill(mut run: Running, limit: Duration) -> Out {
    let start = Instant::now();
    loop {
        if run.child.try_wait().unwrap().is_some() {
            return run.finish();
        }
        if start.elapsed() > limit {
            let _ = run.child.kill();
            let out = run.finish();
            panic!("figma-auth did not end: {out:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// 31: the browser's argv holds a one-time loopback link, not `state` or the PKCE challenge; the
// link works once, and a second fetch ends the login loudly before any token request.
#[test]
fn case_31_the_browser_gets_a_single_use_start_link() {
    let env = TestEnv::new();
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "90s"]);
    let link = env.browser_url();
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    for secret_part in ["state", "code_challenge", "client_id", "oauth"] {
        assert!(!link.contains(secret_part), "{link}");
    }
    let benv = std::fs::read_to_string(env.path("browser/env")).unwrap();
    assert!(!benv.contains("code_challenge"), "{benv}");
    // Another user read the link first: they get the redirect, the victim's fetch is refused …
    let first = get(&link);
    assert_eq!(first.status, 302, "{first:?}");
    assert!(first.headers["location"].contains("code_challenge="));
    let second = get(&link);
    assert_eq!(second.status, 400, "{second:?}");
    assert!(second.body.contains("already used"), "{second:?}");
    // … and the login stops, loudly, whoever completes the authorization.
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("was opened a second time; another program on this machine may have read it"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("authorize"), 0);
    assert_eq!(env.server.hits("token"), 0);
}

// 32: a server that trickles its answer cannot hold a refresh (and the store lock) past the
// timeout; huge durations are refused when parsed instead of panicking later.
#[test]
fn case_32_every_request_has_a_total_deadline_and_durations_are_capped() {
    let mut env = TestEnv::new();
    let mcp = format!("{}/mcp", env.server.url());
    env.set_var("FIGMA_MCP_URL", Some(&mcp));
    env.login();
    env.set_var("FIGMA_AUTH_HTTP_TIMEOUT", Some("2s"));
    // ~200 bytes at 5 bytes a second: 40 s if only each read were bounded.
    env.server.set(|b| b.trickle = true);
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("(timed out)"), "{out:?}");
    assert!(
        out.stderr.contains("no complete answer within 2s"),
        "{out:?}"
    );
    // The store lock was released: a helper gets the (still valid) token at once.
    env.server.set(|b| b.trickle = false);
    assert_eq!(env.run(&["header"]).code, 0);
    // doctor --online has the same deadline.
    env.server.set(|b| b.trickle = true);
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stdout.contains("(timed out)"), "{out:?}");

    env.server.set(|b| b.trickle = false);
    for args in [
        vec!["login", "--timeout", "18446744073709551615s", "--port", "0"],
        vec!["refresh", "--min-valid", "18446744073709551615s"],
    ] {
        // Without the cap the login would wait (practically) forever: bound the test instead.
        let out = wait_or_kill(env.spawn_closed_stdin(&args), WAIT);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("too long"), "{out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
    }
    for var in [
        "FIGMA_AUTH_HTTP_TIMEOUT",
        "FIGMA_AUTH_LOCK_TIMEOUT",
        "FIGMA_AUTH_CLIENT_LOCK_TIMEOUT",
    ] {
        let mut e2 = TestEnv::new();
        e2.set_var(var, Some("18446744073709551615s"));
        let out = e2.run(&["status"]);
        assert_eq!(out.code, 2, "{var}: {out:?}");
        assert!(
            out.stderr.contains(var) && out.stderr.contains("too long"),
            "{out:?}"
        );
    }
}

/// Values a b64token may hold that every encoding changes.
const CANARY_RT: &str = "figr_CANARY+/=~refresh_0123456789";
const CANARY_CS: &str = "CANARY+client/secret=~0123456789";

/// A login whose refresh token and client secret are the canaries above.
fn seeded_canaries(env: &TestEnv) {
    env.login();
    let client_id = env.store("default").unwrap()["client"]["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let access = env.stored_access_token();
    env.edit_store(|v| {
        v["token"]["refresh_token"] = CANARY_RT.into();
        v["client"]["client_secret"] = CANARY_CS.into();
    });
    env.server
        .with_state(|s| s.adopt(&client_id, CANARY_CS, &access, CANARY_RT));
}

/// Every form a server could echo `secret` in.
fn encodings(secret: &str) -> Vec<String> {
    use base64::Engine;
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let lower = crate::support::mock::lower_hex(&form);
    vec![
        secret.to_string(),
        form,
        lower,
        base64::engine::general_purpose::STANDARD.encode(secret),
        "CANARY".to_string(),
    ]
}

// 34: error pages that echo the request (form body, Basic header) are quoted only as a short
// excerpt, with every encoding of every secret redacted, on the terminal and in the run log.
#[test]
fn case_34_secrets_echoed_by_an_error_page_are_redacted_in_every_encoding() {
    let env = TestEnv::new();
    env.server.set(|b| b.basic_auth = true);
    seeded_canaries(&env);
    let client_id = env.store("default").unwrap()["client"]["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let basic = {
        use base64::Engine;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(&client_id),
            enc(CANARY_CS)
        ))
    };
    for status in [400, 503] {
        env.server.set(|b| {
            b.echo_encoded = true;
            b.token_status = Some(status);
        });
        let out = env.run(&["refresh", "--force", "--log"]);
        assert_ne!(out.code, 0, "{out:?}");
        let log = std::fs::read_to_string(env.path("state/figma-auth/refresh.log")).unwrap();
        for text in [&out.stderr, &out.stdout, &log] {
            for secret in [CANARY_RT, CANARY_CS] {
                for form in encodings(secret) {
                    assert!(!text.contains(&form), "{form} in {text}");
                }
            }
            assert!(!text.contains(&basic), "the Basic credentials in {text}");
        }
        // The status line is there, and the excerpt is short.
        assert!(out.stderr.contains(&format!("HTTP {status}")), "{out:?}");
        let first = out.stderr.lines().next().unwrap();
        assert!(first.chars().count() < 300, "{first}");
    }
}

fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).unwrap()
}

// 38: idle connections, a pipelining client that never reads and a request line without end do
// not stop the real callback, grow memory, or keep the login past its timeout.
/// `login` with at most `nofile` open files (`ulimit -n`), so that idle connections would
/// exhaust its descriptors quickly.
fn spawn_with_few_descriptors(env: &TestEnv, args: &[&str], nofile: u32) -> Running {
    let bin = env.command(args);
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\""))
        .arg(bin.get_program())
        .args(bin.get_args())
        .env_clear()
        .current_dir(bin.get_current_dir().unwrap());
    for (k, v) in bin.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    let mut run = env.spawn_command(c);
    drop(run.child.stdin.take());
    run
}

#[test]
fn case_38_the_callback_listener_survives_hostile_local_clients() {
    let env = TestEnv::new();
    let run = spawn_with_few_descriptors(&env, &["login", "--port", "0", "--timeout", "90s"], 1024);
    let link = env.browser_url();
    let port = port_of(&link);
    let host = format!("Host: 127.0.0.1:{port}\r\n");
    // 600 idle connections: with the common limit of 1024 descriptors, enough to exhaust a listener
    // that keeps every connection (and a duplicate of each) open.
    let idle: Vec<TcpStream> = (0..600).map(|_| connect(port)).collect();
    // A client that pipelines thousands of requests and never reads an answer.
    let mut pipeliner = connect(port);
    let one = format!("GET /favicon.ico HTTP/1.1\r\n{host}\r\n");
    let burst = one.repeat(20_000);
    // Write timeouts are hang guards ([`WAIT`]): on a loaded machine the listener may take a
    // while to read and close, and only a listener that stopped reading would stall us this long.
    pipeliner.set_write_timeout(Some(WAIT)).unwrap();
    let _ = pipeliner.write_all(burst.as_bytes());
    // A request line that never ends: the listener must stop reading it (431 or a closed
    // connection) long before 64 MiB.
    let mut endless = connect(port);
    endless.set_write_timeout(Some(WAIT)).unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let _ = endless.write_all(b"GET /");
    let mut sent = 0usize;
    let mut ended = None;
    while sent < 64 * 1024 * 1024 {
        match endless.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) => {
                ended = Some(e.kind());
                break;
            }
        }
    }
    // The listener closed the connection (431, then reset): the write did not merely stall.
    assert!(
        matches!(
            ended,
            Some(
                std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            )
        ),
        "the listener kept the endless request open: {ended:?} after {sent} bytes"
    );
    assert!(
        sent < 64 * 1024 * 1024,
        "the listener kept reading a request line without end"
    );

    // The real browser still gets through, and the login completes.
    let page = follow(&link).unwrap();
    assert_eq!(page.status, 200, "{page:?}");
    let out = wait_or_kill(run, WAIT);
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    drop(idle);
    drop(pipeliner);

    // Out of descriptors (a tiny limit this time): accept errors are transient, the login goes on
    // and completes once the connections are gone.
    let run = spawn_with_few_descriptors(&env, &["login", "--port", "0", "--timeout", "90s"], 40);
    let link = env.browser_url();
    let port = port_of(&link);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let flood: Vec<TcpStream> = (0..200)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok())
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    drop(flood);
    let page = follow(&link).unwrap();
    assert_eq!(page.status, 200, "{page:?}");
    let out = wait_or_kill(run, WAIT);
    assert_eq!(out.code, 0, "{out:?}");

    // A pipelining client that never reads does not hold the login past --timeout (long enough
    // for the client to connect on a loaded machine before the listener closes).
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "15s"]);
    let link = env.browser_url();
    let port = port_of(&link);
    let mut p = connect(port);
    p.set_write_timeout(Some(WAIT)).unwrap();
    let one = format!("GET /x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let _ = p.write_all(one.repeat(20_000).as_bytes());
    let out = wait_or_kill(run, WAIT);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("no login callback arrived"), "{out:?}");
    // The port is free again.
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is released");
    let mut rest = Vec::new();
    let _ = p.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = p.read_to_end(&mut rest);
}

// 38: at most `MAX_CONNECTIONS` connections are served at once; one more closes the oldest, and
// only it, so idle connections can neither exhaust the descriptors nor keep the browser waiting.
#[test]
fn case_38_one_connection_beyond_the_limit_closes_the_oldest_and_only_it() {
    use figma_auth::oauth::callback::MAX_CONNECTIONS;
    let env = TestEnv::new();
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "90s"]);
    let link = env.browser_url();
    let port = port_of(&link);
    // As many idle connections as the limit, oldest first.
    let mut idle: Vec<TcpStream> = (0..MAX_CONNECTIONS).map(|_| connect(port)).collect();
    // One more, with a request: the listener accepts in order, so its answer means every idle
    // connection was accepted before it, and room was made for it before it was served.
    let mut probe = connect(port);
    probe.set_read_timeout(Some(WAIT)).unwrap();
    probe
        .write_all(format!("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    probe.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404 "), "{answer}");
    // The others are still open (their head deadline, 10 s, is far off): nothing to read yet.
    let mut byte = [0u8; 1];
    for (i, c) in idle.iter_mut().enumerate().skip(1) {
        c.set_nonblocking(true).unwrap();
        let r = c.read(&mut byte);
        assert!(
            matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "idle connection {i} of {MAX_CONNECTIONS} was closed: {r:?}"
        );
    }
    // The oldest was closed when the probe arrived, before the probe was answered (the grace
    // is for the delivery of its end, already sent; without the eviction it would stay open
    // until its head deadline).
    idle[0]
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let r = idle[0].read(&mut byte);
    assert!(
        matches!(r, Ok(0))
            || matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "the oldest connection is still open after one beyond the limit: {r:?}"
    );
    // And the browser still gets through.
    let page = follow(&link).unwrap();
    assert_eq!(page.status, 200, "{page:?}");
    let out = wait_or_kill(run, WAIT);
    assert_eq!(out.code, 0, "{out:?}");
    drop(idle);
}

// 39: tokens from the server must be RFC 6750 b64tokens of 8–4096 characters before they are
// stored: `${…}` (expanded by clients) and PowerShell's quote characters never get in.
#[test]
fn case_39_malformed_tokens_from_the_server_are_never_stored() {
    for bad in [
        "figu_a${GITHUB_TOKEN}b",
        "figu_\u{2018}+calc+\u{2019}_x",
        "figu",
    ] {
        let mut env = TestEnv::new();
        env.following_browser();
        env.server
            .set(|b| b.access_token_override = Some(bad.to_string()));
        let out = env.run(&["login", "--port", "0"]);
        assert_eq!(out.code, 1, "{bad}: {out:?}");
        assert!(
            out.stderr.contains("is not a valid bearer token"),
            "{out:?}"
        );
        assert!(!out.stderr.contains(bad), "{out:?}");
        assert!(
            env.store("default").unwrap().get("token").is_none(),
            "{bad}"
        );
    }
    // On refresh too: the old token stays.
    let env = TestEnv::new();
    env.login();
    let old = env.stored_access_token();
    env.server
        .set(|b| b.access_token_override = Some("figu_a${GITHUB_TOKEN}b".into()));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(env.stored_access_token(), old);
}

/// PowerShell's reading of a single-quoted string: any of its five quote characters ends it
/// unless doubled.
fn powershell_string(s: &str) -> Option<(String, String)> {
    let q = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let mut chars = s.chars().peekable();
    if !chars.next().is_some_and(q) {
        return None;
    }
    let mut out = String::new();
    while let Some(c) = chars.next() {
        if q(c) {
            if chars.peek().copied().is_some_and(q) {
                out.push(c);
                chars.next();
            } else {
                return Some((out, chars.collect()));
            }
        } else {
            out.push(c);
        }
    }
    None
}

// 39: whatever the store holds, `env --shell powershell` quotes it against all five of
// PowerShell's single-quote characters.
#[test]
fn case_39_powershell_quoting_holds_for_every_quote_character() {
    let env = TestEnv::new();
    env.login();
    let nasty = "figu_\u{2019};calc;\u{2018}\u{201A}\u{201B}'x";
    env.edit_store(|v| {
        v["token"]["access_token"] = nasty.into();
    });
    let out = env.run(&["env", "--shell", "powershell"]);
    assert_eq!(out.code, 0, "{out:?}");
    let rest = out.stdout.strip_prefix("$env:FIGMA_TOKEN = ").unwrap();
    let (value, after) = powershell_string(rest).unwrap();
    assert_eq!(value, nasty);
    assert_eq!(after, "\n");
}

// 40: server text (client id, error descriptions, the account name) never reaches a terminal
// with control characters.
#[test]
fn case_40_server_text_is_shown_without_control_characters() {
    let no_controls = |out: &Out| {
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !text
                    .chars()
                    .any(|c| c == '\x1b' || c == '\u{202e}' || c == '\u{9b}'),
                "{out:?}"
            );
        }
    };
    // A client id with an escape sequence is refused at registration.
    let env = TestEnv::new();
    env.server
        .set(|b| b.client_id_override = Some("cid\x1b]0;owned\x07".into()));
    let out = env.run(&["login", "--port", "0", "--timeout", "10s"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("client_id is not"), "{out:?}");
    no_controls(&out);

    // Error descriptions from the token endpoint, and the account name from whoami.
    let mut env = TestEnv::new();
    let mcp = format!("{}/mcp", env.server.url());
    env.set_var("FIGMA_MCP_URL", Some(&mcp));
    env.server
        .set(|b| b.whoami = Whoami::Text("Eve\x1b[2J\u{202e}".into()));
    env.login();
    let out = env.run(&["status"]);
    no_controls(&out);
    assert!(
        out.stdout.contains("Logged in as:   Eve\\u{1b}[2J"),
        "{out:?}"
    );
    env.server.set(|b| {
        b.refresh_invalid_grant = true;
        b.error_description = Some("expired\x1b[2J\u{202e}gnp.exe".into());
    });
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 3, "{out:?}");
    no_controls(&out);
    assert!(
        out.stderr.contains("expired\\u{1b}[2J\\u{202e}gnp.exe"),
        "{out:?}"
    );
    env.server.set(|b| b.refresh_invalid_grant = false);

    // A client id stored by an older figma-auth: status and doctor escape it.
    env.edit_store(|v| {
        v["client"]["client_id"] = "cid\x1b[31mred\u{9b}".into();
        v["token"]["client_id"] = "cid\x1b[31mred\u{9b}".into();
        v["token"]["scope"] = "mcp:connect\x1b[0m".into();
    });
    for args in [vec!["status"], vec!["doctor"], vec!["doctor", "--online"]] {
        let out = env.run(&args);
        no_controls(&out);
        assert!(
            out.stdout.contains("cid\\u{1b}[31mred"),
            "{args:?}: {out:?}"
        );
    }
}

// 44: a refresh response that is refused (here: a malformed access token) but carries a
// well-formed new refresh token: the new refresh token is kept, so the next refresh works on a
// server that rotates (the old one is spent).
#[test]
fn case_44_a_rotated_refresh_token_is_kept_when_the_rest_is_rejected() {
    let env = TestEnv::new();
    env.login();
    let old_access = env.stored_access_token();
    let old_refresh = env.stored_refresh_token();
    env.server
        .set(|b| b.access_token_override = Some("not a token!".into()));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("the new refresh token it carried was kept"),
        "{out:?}"
    );
    let kept = env.stored_refresh_token();
    assert_ne!(kept, old_refresh);
    assert!(env.server.refresh_token_is_current(&kept));
    assert_eq!(
        env.stored_access_token(),
        old_access,
        "the old access token stays"
    );
    env.server.set(|b| b.access_token_override = None);
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.server.revoked_grants(), 0);
}

// 46 ("same site"): endpoints on another registrable domain are refused — by the Public Suffix
// List, not by the last two labels. The mock runs under real domain names (resolved to 127.0.0.1
// by the debug-only FIGMA_AUTH_TEST_HOSTS): issuer `api.example.co.uk`; a token endpoint on
// `evil.co.uk` shares the last two labels `co.uk` — a public suffix — and is refused before
// anything is sent; one on `login.example.co.uk` is the same site and accepted.
#[test]
fn case_46_endpoints_must_share_the_issuers_registrable_domain() {
    let mut env = TestEnv::new();
    let port = port_of(env.server.url());
    env.set_var(
        "FIGMA_AUTH_TEST_HOSTS",
        Some("api.example.co.uk,login.example.co.uk,evil.co.uk"),
    );
    let issuer = format!("http://api.example.co.uk:{port}");
    env.set_var("FIGMA_AUTH_SERVER", Some(&issuer));
    env.server.set(|b| {
        b.issuer_host = Some("api.example.co.uk".into());
        b.token_endpoint_host = Some("evil.co.uk".into());
    });
    let out = env.run(&["login", "--port", "0", "--no-browser", "--timeout", "2s"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("unsafe token_endpoint")
            && out
                .stderr
                .contains("it is on evil.co.uk, outside the issuer's site api.example.co.uk"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("metadata"), 1);
    assert_eq!(env.server.hits("register"), 0);
    // The same registrable domain is fine: the login registers and waits for the browser.
    env.server
        .set(|b| b.token_endpoint_host = Some("login.example.co.uk".into()));
    let out = env.run(&["login", "--port", "0", "--no-browser", "--timeout", "2s"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("no login callback arrived"), "{out:?}");
    assert_eq!(env.server.hits("register"), 1);
    // And the loopback rule stays strict: a foreign endpoint of a loopback issuer is refused.
    let env = TestEnv::new();
    env.server.set(|b| b.foreign_token_endpoint = true);
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("unsafe token_endpoint"), "{out:?}");
    assert_eq!(env.server.hits("register"), 0);
}
