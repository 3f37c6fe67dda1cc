//! `figma-auth proxy` driven over stdin/stdout like an MCP client drives a local server, against
//! the stand-in MCP server (`support/mcp_server.rs`) that accepts only the tokens the mock
//! authorization server issued. Every run's stdout and stderr go through the leak check.

use crate::support::mcp_server::McpServer;
use crate::support::{free_port, Out, TestEnv, WAIT};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A test env with the stand-in MCP server behind the mock authorization server; logins are
/// made for the stand-in's URL.
fn stand_in() -> (TestEnv, McpServer) {
    let mut env = TestEnv::new();
    let mcp = McpServer::start(env.server.token_check());
    env.set_var("FIGMA_MCP_URL", Some(&mcp.url()));
    (env, mcp)
}

fn logged_in_with_stand_in() -> (TestEnv, McpServer) {
    let (env, mcp) = stand_in();
    env.login();
    // The login asked the stand-in which account this is; the tests count the proxy's requests.
    mcp.forget_requests();
    (env, mcp)
}

/// Waits until `n` proxies have asked for the server's event stream. Each asks once per session,
/// in the background after `initialize` (a GET with its token): a test that then changes which
/// tokens the server accepts must not race that request.
fn streams_asked(mcp: &McpServer, n: usize) {
    mcp.wait_for("the proxies' server-stream requests", |s| {
        s.iter().filter(|r| r.http == "GET").count() >= n
    });
}

/// A running `figma-auth proxy`.
struct Proxy {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Receiver<String>,
    stderr: Arc<Mutex<Vec<String>>>,
    /// Every stdout line so far.
    lines: Vec<String>,
    /// Messages read but not asked for yet.
    buffered: Vec<Value>,
    next_id: i64,
}

impl Proxy {
    fn start(env: &TestEnv, mcp: &McpServer, args: &[&str]) -> Proxy {
        let url = mcp.url();
        let mut all = vec!["proxy", "--mcp-url", url.as_str()];
        all.extend_from_slice(args);
        let mut child = env
            .command(&all)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn figma-auth proxy");
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let e2 = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(pipe).lines().map_while(Result::ok) {
                e2.lock().unwrap().push(l);
            }
        });
        Proxy {
            stdin: child.stdin.take(),
            child,
            out: rx,
            stderr,
            lines: Vec::new(),
            buffered: Vec::new(),
            next_id: 0,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, v: &Value) {
        self.send_raw(&v.to_string());
    }

    /// Sends a request; returns its id.
    fn send_request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = json!(self.next_id);
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// The next line from stdout, which must be one complete JSON-RPC message.
    fn read_line(&mut self) -> Value {
        match self.out.recv_timeout(WAIT) {
            Ok(l) => {
                let v: Value = serde_json::from_str(&l).unwrap_or_else(|e| {
                    panic!(
                        "stdout line is not one JSON message ({e}): {l:?}\nstderr:\n{}",
                        self.stderr()
                    )
                });
                assert_eq!(v["jsonrpc"], "2.0", "{l}");
                self.lines.push(l);
                v
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "no message from the proxy; stdout so far: {:#?}\nstderr:\n{}",
                self.lines,
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "the proxy closed stdout; stdout so far: {:#?}\nstderr:\n{}",
                self.lines,
                self.stderr()
            ),
        }
    }

    /// The first message satisfying `pred` (others are kept for later).
    fn recv_matching(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.buffered.iter().position(&pred) {
            return self.buffered.remove(i);
        }
        loop {
            let v = self.read_line();
            if pred(&v) {
                return v;
            }
            self.buffered.push(v);
        }
    }

    fn response(&mut self, id: &Value) -> Value {
        let id = id.clone();
        self.recv_matching(move |v| {
            v["id"] == id && (v.get("result").is_some() || v.get("error").is_some())
        })
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(&id)
    }

    fn call(&mut self, tool: &str, args: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": args}))
    }

    fn initialize_with(&mut self, version: &str) -> Value {
        let r = self.request(
            "initialize",
            json!({"protocolVersion": version, "capabilities": {},
                   "clientInfo": {"name": "proxy-test", "version": "1.0"}}),
        );
        assert!(r.get("result").is_some(), "{r}\nstderr:\n{}", self.stderr());
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        // The proxy sends `notifications/initialized` before anything after it: once the ping
        // is answered, the server has it.
        let ping = self.request("ping", json!({}));
        assert_eq!(ping["result"], json!({}), "{ping}");
        r
    }

    fn initialize(&mut self) -> Value {
        self.initialize_with("2025-11-25")
    }

    /// Closes stdin, waits for the exit, and checks the whole run for leaked secrets. Returns
    /// the output and the messages nobody asked for.
    fn finish(mut self, env: &TestEnv) -> (Out, Vec<Value>) {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "the proxy did not exit after stdin closed; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(l) = self.out.recv_timeout(Duration::from_secs(10)) {
            let v: Value = serde_json::from_str(&l).expect("one JSON message per line");
            self.lines.push(l);
            self.buffered.push(v);
        }
        // The stderr thread ends with the pipe.
        let t0 = Instant::now();
        while Arc::strong_count(&self.stderr) > 1 && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = Out::new(
            status,
            self.lines.iter().map(|l| format!("{l}\n")).collect(),
            self.stderr(),
        );
        env.assert_no_leak(&out, false);
        (out, std::mem::take(&mut self.buffered))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text_of(r: &Value) -> &str {
    r["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {r}"))
}

fn error_of(r: &Value) -> (i64, String) {
    let e = &r["error"];
    assert!(e.is_object(), "expected an error: {r}");
    (
        e["code"].as_i64().unwrap(),
        e["message"].as_str().unwrap().to_string(),
    )
}

/// Polls `cond` (generously) until it holds.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn initialize_list_and_call_with_json_and_sse_replies_then_eof_closes_the_session() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    let init = p.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "stand-in Figma MCP");
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    let tools = p.request("tools/list", json!({}));
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"echo"), "{tools}");
    assert_eq!(text_of(&p.call("echo", json!({"text": "json"}))), "json");
    // The same through server-sent events (a priming event, the answer split over chunks).
    mcp.set(|b| b.sse = true);
    assert_eq!(
        p.request("tools/list", json!({}))["result"],
        tools["result"]
    );
    assert_eq!(text_of(&p.call("echo", json!({"text": "sse"}))), "sse");

    // Figma's GET answer, 405: no server stream, and nothing said about it.
    mcp.wait_for("the GET", |s| s.iter().any(|r| r.http == "GET"));
    let (out, unasked) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(unasked.is_empty(), "{unasked:#?}");
    assert!(!out.stderr.contains("405"), "{}", out.stderr);
    assert!(!out.stderr.contains("event stream"), "{}", out.stderr);

    let seen = mcp.seen();
    let session = seen
        .iter()
        .find_map(|r| r.session.clone())
        .expect("a session id was used");
    for r in &seen {
        assert!(r.token_ok, "{r:?}");
        if r.http == "POST" {
            assert_eq!(
                r.accept.as_deref(),
                Some("application/json, text/event-stream")
            );
        }
        if r.rpc.as_deref() == Some("initialize") {
            assert_eq!(r.session, None);
            assert_eq!(r.protocol, None);
        } else {
            assert_eq!(r.session.as_deref(), Some(session.as_str()), "{r:?}");
            assert_eq!(r.protocol.as_deref(), Some("2025-11-25"), "{r:?}");
        }
    }
    assert_eq!(mcp.count("GET"), 1, "opened once");
    let deletes: Vec<_> = seen.iter().filter(|r| r.http == "DELETE").collect();
    assert_eq!(deletes.len(), 1, "{seen:#?}");
    assert_eq!(deletes[0].status, 200);
    // Stdin's end was the last thing: the DELETE came after every POST.
    assert_eq!(seen.last().unwrap().http, "DELETE");
}

#[test]
fn a_slow_call_holds_up_nothing_and_every_line_is_one_message() {
    for sse in [false, true] {
        let (env, mcp) = logged_in_with_stand_in();
        mcp.set(|b| b.sse = sse);
        let mut p = Proxy::start(&env, &mcp, &[]);
        p.initialize();
        let slow = p.send_request(
            "tools/call",
            json!({"name": "slow", "arguments": {"gate": "slow"}}),
        );
        mcp.wait_for("the slow call", |s| {
            s.iter().any(|r| r.body["params"]["name"] == "slow")
        });
        // Answered while the slow call is still held at the server.
        let list = p.request("tools/list", json!({}));
        assert!(list["result"]["tools"].is_array(), "{list}");
        // A burst of calls at once: every answer arrives whole, on its own line.
        let ids: Vec<Value> = (0..24)
            .map(|i| {
                p.send_request(
                    "tools/call",
                    json!({"name": "echo", "arguments": {"text": format!("burst {i} {}", "x".repeat(i * 300))}}),
                )
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            let r = p.response(id);
            assert!(text_of(&r).starts_with(&format!("burst {i} ")), "{r}");
        }
        mcp.release("slow");
        assert_eq!(text_of(&p.response(&slow)), "slow done");
        let (out, unasked) = p.finish(&env);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(unasked.is_empty(), "{unasked:#?}");
    }
}

#[test]
fn a_streamed_reply_is_passed_on_event_by_event() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    let id = p.send_request(
        "tools/call",
        json!({"name": "stream", "arguments": {"gate": "g"}, "_meta": {"progressToken": "p-1"}}),
    );
    // The server holds the rest of its stream until released: the progress notification must
    // reach the client before that.
    let progress = p.recv_matching(|v| v["method"] == "notifications/progress");
    assert_eq!(progress["params"]["progressToken"], "p-1");
    assert_eq!(progress["params"]["message"], "half way");
    mcp.release("g");
    assert_eq!(text_of(&p.response(&id)), "stream done");
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn a_token_expiring_mid_session_is_refreshed_once_and_the_client_never_notices() {
    let (env, mcp) = stand_in();
    // A short-lived first token; the refreshed one lives long.
    env.server.set(|b| b.expires_in = Some(3));
    env.login();
    env.server.set(|b| b.expires_in = Some(3600));
    let first = env.stored_access_token();
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    assert!(p.request("tools/list", json!({}))["result"].is_object());
    eventually("the first token expired", || {
        !env.server.access_token_works(&first)
    });
    assert_eq!(
        text_of(&p.call("echo", json!({"text": "after expiry"}))),
        "after expiry"
    );
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    assert!(mcp.unauthorized() <= 1, "{:#?}", mcp.seen());
    assert_ne!(env.stored_access_token(), first);
    assert_eq!(env.server.revoked_grants(), 0);
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("refreshed the access token"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_token_the_server_rejects_is_replaced_and_the_request_sent_again() {
    let (env, mcp) = logged_in_with_stand_in();
    // The call refused with the old token and the same call sent again with the new one; the
    // session stays.
    mcp.expect_posts("tools/call", 2);
    mcp.expect_posts("initialize", 1);
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    streams_asked(&mcp, 1);
    // The MCP server stops accepting the token although the store says it is valid.
    mcp.reject_current_tokens();
    assert_eq!(text_of(&p.call("echo", json!({"text": "again"}))), "again");
    assert_eq!(mcp.unauthorized(), 1);
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
    let (out, unasked) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(unasked.is_empty(), "{unasked:#?}");
}

#[test]
fn an_expired_session_is_renewed_with_the_clients_own_initialize() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    assert!(p.request("tools/list", json!({}))["result"].is_object());
    mcp.expire_sessions();
    assert!(p.request("tools/list", json!({}))["result"].is_object());
    let (out, unasked) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    // The replayed initialize's answer never reached the client.
    assert!(unasked.is_empty(), "{unasked:#?}");
    let inits = mcp.posts("initialize");
    assert_eq!(inits.len(), 2, "{inits:#?}");
    assert_eq!(inits[0].body, inits[1].body, "the client's own initialize");
    assert_eq!(inits[1].body["params"]["clientInfo"]["name"], "proxy-test");
    let initialized = mcp.posts("notifications/initialized");
    assert_eq!(initialized.len(), 2);
    let lists = mcp.posts("tools/list");
    assert_eq!(
        lists.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 404, 200]
    );
    assert_ne!(lists[1].session, lists[2].session);
    assert_eq!(lists[2].session, initialized[1].session);
    assert!(out.stderr.contains("session expired"), "{}", out.stderr);
}

#[test]
fn login_required_answers_every_request_and_the_proxy_recovers_after_login() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    streams_asked(&mcp, 1);
    // The token expires and the refresh token is refused: only a login helps.
    env.server.set(|b| b.refresh_invalid_grant = true);
    mcp.reject_current_tokens();
    env.expire_in(0);
    let ids: Vec<Value> = (0..3)
        .map(|_| p.send_request("tools/list", json!({})))
        .collect();
    for id in &ids {
        let (code, message) = error_of(&p.response(id));
        assert_eq!(code, -32001);
        assert!(
            message.contains("run `figma-auth login` in a terminal"),
            "{message}"
        );
        assert!(!message.contains("--profile"), "{message}");
    }
    // Until the store changes, no more token requests: the answer comes from memory.
    let token_requests = env.server.hits("token");
    let (code, _) = error_of(&p.call("echo", json!({"text": "still?"})));
    assert_eq!(code, -32001);
    assert_eq!(env.server.hits("token"), token_requests);

    // The user logs in; the same proxy process works again, nothing restarted.
    env.server.set(|b| b.refresh_invalid_grant = false);
    env.login();
    assert_eq!(text_of(&p.call("echo", json!({"text": "back"}))), "back");
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("figma-auth login"), "{}", out.stderr);
}

#[test]
fn without_a_login_the_message_names_the_profile_and_a_login_is_picked_up() {
    let (env, mcp) = stand_in();
    let mut p = Proxy::start(&env, &mcp, &["--profile", "work"]);
    let r = p.request(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}),
    );
    let (code, message) = error_of(&r);
    assert_eq!(code, -32001);
    assert!(
        message.contains("run `figma-auth login --profile work`"),
        "{message}"
    );
    assert_eq!(r["error"]["data"]["kind"], "login-required");
    let check = env.run(&["proxy", "--check", "--profile", "work"]);
    assert_eq!(check.code, 3, "{check:?}");
    assert!(
        check.stderr.contains("figma-auth login --profile work"),
        "{check:?}"
    );

    env.login_with(&[
        "login",
        "--profile",
        "work",
        "--port",
        "0",
        "--timeout",
        "90s",
    ]);
    p.initialize();
    assert_eq!(
        text_of(&p.call("whoami", json!({}))),
        "stand-in@example.com"
    );
    let check = env.run(&["proxy", "--check", "--profile", "work"]);
    assert_eq!(check.code, 0, "{check:?}");
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("not logged in (profile work)"),
        "{}",
        out.stderr
    );
}

#[test]
fn figmas_protocol_trap_offers_the_version_that_works() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    let init = p.initialize_with("2026-07-28");
    // The server's answer, unchanged.
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    let offered = &mcp.posts("initialize")[0].body["params"]["protocolVersion"];
    assert_eq!(offered, "2025-11-25");
    assert!(p.request("tools/list", json!({}))["result"].is_object());
    assert_eq!(
        mcp.posts("tools/list")[0].protocol.as_deref(),
        Some("2025-11-25")
    );
    let (out, _) = p.finish(&env);
    assert!(
        out.stderr
            .contains("the client offers MCP protocol 2026-07-28; offering 2025-11-25"),
        "{}",
        out.stderr
    );

    // --protocol-version lets it through, and the trap is what the server then does.
    let mcp2 = McpServer::start(env.server.token_check());
    let mut p = Proxy::start(&env, &mcp2, &["--protocol-version", "2026-07-28"]);
    let init = p.initialize_with("2026-07-28");
    assert_eq!(init["result"]["protocolVersion"], "2026-07-28");
    let (code, message) = error_of(&p.request("server/discover", json!({})));
    assert_eq!((code, message.as_str()), (-32601, "Method not found"));
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn eight_proxies_on_one_profile_make_one_token_request_per_expiry() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut proxies: Vec<Proxy> = (0..8).map(|_| Proxy::start(&env, &mcp, &[])).collect();
    for p in &mut proxies {
        p.initialize();
    }
    streams_asked(&mcp, proxies.len());
    let ask_all = |proxies: &mut Vec<Proxy>| {
        let ids: Vec<Value> = proxies
            .iter_mut()
            .map(|p| p.send_request("tools/list", json!({})))
            .collect();
        for (p, id) in proxies.iter_mut().zip(&ids) {
            let r = p.response(id);
            assert!(r["result"]["tools"].is_array(), "{r}\n{}", p.stderr());
        }
    };
    // The token expires (the store says so, and the server agrees).
    mcp.reject_current_tokens();
    env.expire_in(0);
    ask_all(&mut proxies);
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    assert_eq!(mcp.unauthorized(), 0, "the expiry was seen before sending");

    // The server rejects the token while the store still calls it valid: eight 401s, one
    // refresh.
    mcp.reject_current_tokens();
    ask_all(&mut proxies);
    assert_eq!(env.server.hits("token:refresh_token"), 2);
    assert_eq!(mcp.unauthorized(), 8);
    assert_eq!(
        env.server.revoked_grants(),
        0,
        "no refresh token was spent twice"
    );
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
    for p in proxies {
        let (out, _) = p.finish(&env);
        assert_eq!(out.code, 0, "{out:?}");
    }
}

#[test]
fn the_server_stream_is_resumed_with_last_event_id() {
    let (env, mcp) = logged_in_with_stand_in();
    mcp.set(|b| b.get_stream = true);
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    mcp.wait_for("the GET stream", |s| s.iter().any(|r| r.http == "GET"));
    mcp.push(json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}));
    p.recv_matching(|v| v["method"] == "notifications/tools/list_changed");
    mcp.close_streams();
    mcp.wait_for("a resumed GET", |s| {
        s.iter().any(|r| {
            r.http == "GET"
                && r.last_event_id
                    .as_deref()
                    .is_some_and(|l| l.starts_with("get-"))
        })
    });
    mcp.push(json!({"jsonrpc": "2.0", "method": "notifications/resources/list_changed"}));
    p.recv_matching(|v| v["method"] == "notifications/resources/list_changed");

    // A POST stream that ends before its answer is resumed the same way.
    let r = p.call("drop", json!({}));
    assert_eq!(text_of(&r), "dropped, then resumed");
    assert!(mcp.seen().iter().any(|r| r.http == "GET"
        && r.last_event_id
            .as_deref()
            .is_some_and(|l| l.starts_with("drop-"))));
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn server_failures_become_json_rpc_errors_that_say_what_happened() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();

    mcp.set(|b| b.status = Some(429));
    let r = p.call("whoami", json!({}));
    let (code, message) = error_of(&r);
    assert_eq!(code, -32002);
    assert!(
        message.contains("rate limiting") && message.contains("not a token problem"),
        "{message}"
    );
    assert_eq!(r["error"]["data"]["http_status"], 429);

    mcp.set(|b| b.status = Some(503));
    let (code, message) = error_of(&p.call("whoami", json!({})));
    assert_eq!(code, -32002);
    assert!(message.contains("unavailable (HTTP 503"), "{message}");

    mcp.set(|b| b.status = Some(403));
    let (code, message) = error_of(&p.call("whoami", json!({})));
    assert_eq!(code, -32003);
    assert!(message.contains("HTTP 403"), "{message}");

    mcp.set(|b| {
        b.status = None;
        b.redirect = true;
    });
    let (code, message) = error_of(&p.call("whoami", json!({})));
    assert_eq!(code, -32003);
    assert!(message.contains("does not follow redirects"), "{message}");
    assert!(
        !message.contains("shh"),
        "the query is not shown: {message}"
    );
    assert!(!mcp.seen().iter().any(|r| r.path.starts_with("/elsewhere")));

    // A stream that ends before the answer, where the server offers no resuming (405).
    mcp.set(|b| b.redirect = false);
    let (code, message) = error_of(&p.call("drop", json!({})));
    assert_eq!(code, -32002);
    assert!(message.contains("does not offer resuming"), "{message}");

    // A server that quotes the token back: the client never sees it.
    let r = p.call("echo_token", json!({}));
    assert!(text_of(&r).contains("Bearer [redacted]"), "{r}");

    // Lines that are not JSON-RPC get JSON-RPC errors; the proxy goes on.
    p.send_raw("{not json");
    let e = p.recv_matching(|v| v["error"]["code"] == -32700);
    assert_eq!(e["id"], Value::Null);
    assert_eq!(
        text_of(&p.call("echo", json!({"text": "still here"}))),
        "still here"
    );
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn check_makes_one_initialize_round_trip_and_exits_like_the_other_commands() {
    let (env, mcp) = logged_in_with_stand_in();
    let out = env.run(&["proxy", "--check"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(&format!(
            "ok: the MCP server at {} accepted the token of profile default (server stand-in Figma MCP 9.9.9, protocol 2025-11-25",
            mcp.url()
        )),
        "{out:?}"
    );
    assert_eq!(mcp.posts("initialize").len(), 1);
    assert_eq!(mcp.count("DELETE"), 1, "the session is closed again");

    let out = env.run(&["proxy", "--check", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["protocol_version"], "2025-11-25");
    assert_eq!(v["session"], true);

    mcp.set(|b| b.status = Some(403));
    let out = env.run(&["proxy", "--check", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (v["ok"].clone(), v["kind"].clone()),
        (json!(false), json!("refused"))
    );
    assert_eq!(v["http_status"], 403);

    let down = format!("http://127.0.0.1:{}/mcp", free_port());
    let out = env.run(&["proxy", "--check", "--mcp-url", &down]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains("could not connect to the MCP server"),
        "{out:?}"
    );

    // A token the server rejects, and a refresh token the authorization server refuses.
    mcp.set(|b| b.status = None);
    mcp.reject_current_tokens();
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = env.run(&["proxy", "--check"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("run `figma-auth login`"), "{out:?}");
}

#[test]
fn a_cancelled_request_gets_no_answer_and_timeouts_say_what_was_waited_for() {
    let (env, mcp) = logged_in_with_stand_in();
    // Long enough for the cancellation to arrive before it on a loaded machine.
    let mut p = Proxy::start(&env, &mcp, &["--timeout", "5s"]);
    p.initialize();
    // Cancelled by the client: the server is told, and its late answer is not passed on.
    let slow = p.send_request(
        "tools/call",
        json!({"name": "slow", "arguments": {"gate": "cancelled"}}),
    );
    mcp.wait_for("the slow call", |s| {
        s.iter()
            .any(|r| r.body["params"]["arguments"]["gate"] == "cancelled")
    });
    p.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": slow, "reason": "user"}}),
    );
    mcp.wait_for("the cancellation", |s| {
        s.iter()
            .any(|r| r.rpc.as_deref() == Some("notifications/cancelled") && r.status == 202)
    });
    mcp.release("cancelled");

    // No answer within --timeout: the error says what was waited for and how to wait longer.
    let (code, message) = error_of(&p.call("slow", json!({"gate": "never"})));
    assert_eq!(code, -32002);
    assert!(
        message.contains("did not answer tools/call (id")
            && message.contains("within 5s")
            && message.contains("--timeout"),
        "{message}"
    );
    // A streamed answer that stops for longer than --timeout.
    let id = p.send_request(
        "tools/call",
        json!({"name": "stream", "arguments": {"gate": "never-either"}}),
    );
    p.recv_matching(|v| v["method"] == "notifications/progress");
    let (code, message) = error_of(&p.response(&id));
    assert_eq!(code, -32002);
    assert!(
        message.contains("sent nothing more of its answer"),
        "{message}"
    );
    assert_eq!(text_of(&p.call("echo", json!({"text": "alive"}))), "alive");
    let (out, unasked) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !unasked.iter().any(|v| v["id"] == slow),
        "the cancelled request was answered: {unasked:#?}"
    );
}

#[test]
fn a_server_that_rejects_every_token_costs_one_refresh_not_one_per_request() {
    let (env, mcp) = logged_in_with_stand_in();
    let mut p = Proxy::start(&env, &mcp, &[]);
    p.initialize();
    mcp.set(|b| b.reject_all = true);
    for _ in 0..4 {
        let (code, message) = error_of(&p.call("whoami", json!({})));
        assert_eq!(code, -32001);
        assert!(message.contains("figma-auth login"), "{message}");
    }
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    // A new login is tried again.
    mcp.set(|b| b.reject_all = false);
    env.login();
    assert_eq!(
        text_of(&p.call("whoami", json!({}))),
        "stand-in@example.com"
    );
    let (out, _) = p.finish(&env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("--mcp-url is the server you logged in for"),
        "{}",
        out.stderr
    );
}

#[test]
fn on_a_terminal_the_proxy_says_what_it_is_for_and_works_line_by_line() {
    let (env, mcp) = logged_in_with_stand_in();
    let url = mcp.url();
    let mut t = env.pty(&["proxy", "--mcp-url", &url]);
    t.expect("reading MCP messages from this terminal");
    t.expect("figma-auth proxy --check");
    t.send(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"a person","version":"1"}}}"#);
    t.send("\r");
    t.expect("stand-in Figma MCP");
    // Ctrl-D: the end of input.
    t.send("\x04");
    assert!(t.wait_exit().success(), "{}", t.screen());
    assert_eq!(mcp.count("DELETE"), 1);
}
