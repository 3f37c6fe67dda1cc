//! A stand-in for Figma's MCP server on 127.0.0.1 (port 0), speaking Streamable HTTP (MCP
//! 2025-11-25) over plain HTTP/1.1 with kept-alive connections, written by hand so that every
//! byte and every flush is under the test's control:
//! - POST: JSON or (switchable) SSE replies, 202 for notifications and responses, 406/415/400 for
//!   requests a real server refuses; `Mcp-Session-Id` from `initialize`, then required; an
//!   expired session answers 404; `MCP-Protocol-Version` must match the negotiated version.
//! - Tokens: only access tokens the mock authorization server issued and that have not expired
//!   (plus a server-side expiry the test can force); otherwise 401 with Figma's
//!   `WWW-Authenticate`.
//! - GET: 405 (Figma's answer) unless switched on, then a server stream the test pushes
//!   notifications into, resumable with `Last-Event-ID`.
//! - Figma's trap: `initialize` with 2026-07-28 is accepted, that version's new methods answer
//!   -32601.
//! - Tools: `echo`, `whoami`, `slow` and `stream` (held until the test releases their gate),
//!   `drop` (the stream closes before the answer; resuming delivers it) and `echo_token` (a
//!   careless server quoting the bearer token back).
//!
//! Every request is recorded (without its token). When the stand-in is dropped at the end of a
//! test that has not failed otherwise, it fails the test if a connection's handler panicked or
//! if the POSTs differ from those the test declared ([`McpServer::expect_posts`]).

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::mock::{handlers_did_not_panic, lock, panic_text};

pub type TokenCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

const SUPPORTED: [&str; 4] = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];
/// How long a gated tool waits for its release at most.
const GATE_WAIT: Duration = Duration::from_secs(120);

/// Switchable behaviour (change with [`McpServer::set`]).
#[derive(Clone, Debug, Default)]
pub struct Behavior {
    /// Answer requests with `text/event-stream` instead of `application/json`.
    pub sse: bool,
    /// GET opens a server stream (otherwise 405, as Figma).
    pub get_stream: bool,
    /// Every POST answers 307 to `/elsewhere`.
    pub redirect: bool,
    /// Every POST answers this status (429 with `Retry-After`, 5xx, 403).
    pub status: Option<u16>,
    /// Every token is refused (a server the login was not made for).
    pub reject_all: bool,
}

/// A request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub http: String,
    pub path: String,
    pub rpc: Option<String>,
    pub session: Option<String>,
    pub protocol: Option<String>,
    pub accept: Option<String>,
    pub last_event_id: Option<String>,
    pub token_ok: bool,
    pub status: u16,
    pub body: Value,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, String>,
    seen: Vec<Seen>,
    /// Tokens this server refuses from now on although the authorization server would not.
    rejected: HashSet<String>,
    /// Tokens accepted so far.
    accepted: HashSet<String>,
    released: HashSet<String>,
    /// Answers waiting for a `Last-Event-ID` resume: last event id → SSE bytes.
    resumable: HashMap<String, String>,
    pushes: VecDeque<Value>,
    /// Bumped to make the open server streams close.
    close_streams: u64,
    counter: u64,
}

/// A declared count, checked on drop: POSTs of this JSON-RPC method.
struct Expect(String, usize);

struct Shared {
    check: TokenCheck,
    /// What the handlers that panicked said.
    panics: Mutex<Vec<String>>,
    expected: Mutex<Vec<Expect>>,
    behavior: Mutex<Behavior>,
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    base: String,
}

pub struct McpServer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

impl McpServer {
    /// Starts the stand-in; `check` says whether an access token is live (the mock's).
    pub fn start(check: TokenCheck) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stand-in");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            check,
            panics: Mutex::default(),
            expected: Mutex::default(),
            behavior: Mutex::new(Behavior::default()),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            base: format!("http://{addr}"),
        });
        let s2 = shared.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s2.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(c) = conn {
                    let s3 = s2.clone();
                    std::thread::spawn(move || {
                        // A second handle on the socket keeps it open until a panic is
                        // recorded: the client sees the connection end only after that, so the
                        // check on drop cannot miss it.
                        let keep = c.try_clone();
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            serve_connection(&s3, c)
                        }));
                        if let Err(p) = r {
                            lock(&s3.panics).push(panic_text(&*p));
                            s3.changed.notify_all();
                        }
                        drop(keep);
                    });
                }
            }
        });
        Self {
            shared,
            thread: Some(thread),
            addr,
        }
    }

    /// The MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> String {
        format!("{}/mcp", self.shared.base)
    }

    pub fn set(&self, f: impl FnOnce(&mut Behavior)) {
        f(&mut lock(&self.shared.behavior));
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let r = f(&mut lock(&self.shared.state));
        self.shared.changed.notify_all();
        r
    }

    /// Declares that `rpc` is POSTed exactly `n` times (after the last
    /// [`McpServer::forget_requests`]) by the end of the test; checked on drop.
    pub fn expect_posts(&self, rpc: &str, n: usize) {
        lock(&self.shared.expected).push(Expect(rpc.to_string(), n));
    }

    /// Forgets the requests seen so far (a login's `whoami` conversation, before the test's own).
    pub fn forget_requests(&self) {
        self.with(|s| s.seen.clear());
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.with(|s| s.seen.clone())
    }

    /// The POSTs of JSON-RPC method `rpc`.
    pub fn posts(&self, rpc: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|r| r.http == "POST" && r.rpc.as_deref() == Some(rpc))
            .collect()
    }

    pub fn count(&self, http: &str) -> usize {
        self.seen().iter().filter(|r| r.http == http).count()
    }

    /// Requests answered 401.
    pub fn unauthorized(&self) -> usize {
        self.seen().iter().filter(|r| r.status == 401).count()
    }

    /// Waits (generously) until `pred` holds for the requests seen.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&[Seen]) -> bool) {
        let deadline = Instant::now() + super::WAIT;
        let mut st = lock(&self.shared.state);
        while !pred(&st.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the stand-in never saw {what}: {:#?}",
                st.seen
            );
            st = self
                .shared
                .changed
                .wait_timeout(st, left.min(Duration::from_millis(200)))
                .unwrap()
                .0;
        }
    }

    /// Lets the gated tool calls named `gate` answer.
    pub fn release(&self, gate: &str) {
        self.with(|s| s.released.insert(gate.to_string()));
    }

    /// Ends every session: the next request of each answers 404.
    pub fn expire_sessions(&self) {
        self.with(|s| s.sessions.clear());
    }

    /// Server-side expiry: every token accepted so far is refused from now on.
    pub fn reject_current_tokens(&self) {
        self.with(|s| {
            let a: Vec<String> = s.accepted.drain().collect();
            s.rejected.extend(a);
        });
    }

    /// Sends `message` on the open server stream (GET).
    pub fn push(&self, message: Value) {
        self.with(|s| s.pushes.push_back(message));
    }

    /// Closes the open server streams (the client should resume them).
    pub fn close_streams(&self) {
        self.with(|s| s.close_streams += 1);
    }
}

impl Drop for McpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        let _ = TcpStream::connect(self.addr);
        let joined = self.thread.take().map(|t| t.join());
        if !handlers_did_not_panic("the stand-in MCP server", joined, &self.shared.panics) {
            return;
        }
        let seen = lock(&self.shared.state).seen.clone();
        let wrong: Vec<String> = lock(&self.shared.expected)
            .iter()
            .filter_map(|Expect(rpc, n)| {
                let got = seen
                    .iter()
                    .filter(|r| r.http == "POST" && r.rpc.as_deref() == Some(rpc))
                    .count();
                (got != *n).then(|| format!("POST {rpc}: {got} seen, {n} expected"))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "the stand-in MCP server: {}",
            wrong.join("; ")
        );
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

/// `f` again after each read timeout (they only let the thread notice a stop).
fn retrying<T>(shared: &Shared, mut f: impl FnMut() -> std::io::Result<T>) -> Option<T> {
    loop {
        match f() {
            Ok(v) => return Some(v),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                if shared.stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
}

fn read_request(r: &mut BufReader<TcpStream>, shared: &Shared) -> Option<Request> {
    let mut line = String::new();
    if retrying(shared, || r.read_line(&mut line))? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if retrying(shared, || r.read_line(&mut h))? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let mut got = 0;
    while got < len {
        let n = retrying(shared, || r.read(&mut body[got..]))?;
        if n == 0 {
            return None;
        }
        got += n;
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = stream.set_nodelay(true);
    let mut out = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    while let Some(req) = read_request(&mut r, shared) {
        if !handle(shared, &req, &mut out) {
            return;
        }
    }
}

/// What to send back.
enum Answer {
    Fixed {
        status: u16,
        content_type: &'static str,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// A tool answered over SSE: events written and flushed one by one.
    Stream(StreamPlan),
    /// The server stream of a GET.
    Listen { resume: Option<String> },
}

enum StreamPlan {
    /// Just the answer.
    Answer(Value),
    /// A progress notification, then (once `gate` is released) the answer.
    Progress { gate: String, answer: Value },
    /// A priming event (id `last`), then the connection ends without the answer, which a GET
    /// with `Last-Event-ID: last` replays.
    Drop { last: String },
    /// The answer after `gate` is released.
    Held { gate: String, answer: Value },
}

fn fixed(status: u16, body: Value) -> Answer {
    Answer::Fixed {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string(),
    }
}

fn plain(status: u16, text: &str) -> Answer {
    Answer::Fixed {
        status,
        content_type: "text/plain",
        headers: Vec::new(),
        body: text.to_string(),
    }
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn result(id: &Value, r: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": r})
}

/// Handles one request; false when the connection must end.
fn handle(shared: &Shared, req: &Request, out: &mut TcpStream) -> bool {
    let behavior = lock(&shared.behavior).clone();
    let bearer = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer ").map(str::to_string));
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let answer = {
        let mut st = lock(&shared.state);
        let token_ok = !behavior.reject_all
            && bearer
                .as_deref()
                .is_some_and(|t| (shared.check)(t) && !st.rejected.contains(t));
        let answer = if !token_ok {
            Answer::Fixed {
                status: 401,
                content_type: "text/plain",
                headers: vec![(
                    "WWW-Authenticate".to_string(),
                    format!(
                        "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource\", scope=\"mcp:connect\", error=\"invalid_token\", error_description=\"The access token is invalid or expired\"",
                        shared.base
                    ),
                )],
                body: "Unauthorized".to_string(),
            }
        } else {
            st.accepted.insert(bearer.clone().unwrap());
            route(shared, &behavior, &mut st, req, &body)
        };
        let status = match &answer {
            Answer::Fixed { status, .. } => *status,
            _ => 200,
        };
        st.seen.push(Seen {
            http: req.method.clone(),
            path: req.path.clone(),
            rpc: body
                .get("method")
                .and_then(Value::as_str)
                .map(str::to_string),
            session: req.header("mcp-session-id"),
            protocol: req.header("mcp-protocol-version"),
            accept: req.header("accept"),
            last_event_id: req.header("last-event-id"),
            token_ok,
            status,
            body: body.clone(),
        });
        answer
    };
    shared.changed.notify_all();
    match answer {
        Answer::Fixed {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\n",
                reason(status)
            );
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            out.write_all(head.as_bytes())
                .and_then(|_| out.write_all(body.as_bytes()))
                .and_then(|_| out.flush())
                .is_ok()
        }
        Answer::Stream(plan) => stream(shared, out, plan, &body),
        Answer::Listen { resume } => listen(shared, out, resume),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn route(shared: &Shared, b: &Behavior, st: &mut State, req: &Request, body: &Value) -> Answer {
    if req.path != "/mcp" {
        return plain(404, "Not Found");
    }
    match req.method.as_str() {
        "POST" => post(shared, b, st, req, body),
        "GET" => {
            if !b.get_stream {
                return plain(405, "Method Not Allowed");
            }
            if !session_ok(st, req) {
                return plain(404, "Session not found");
            }
            if !req
                .header("accept")
                .is_some_and(|a| a.contains("text/event-stream"))
            {
                return plain(406, "Not Acceptable");
            }
            Answer::Listen {
                resume: req.header("last-event-id"),
            }
        }
        "DELETE" => match req.header("mcp-session-id") {
            Some(id) if st.sessions.remove(&id).is_some() => plain(200, ""),
            _ => plain(404, "Session not found"),
        },
        _ => plain(405, "Method Not Allowed"),
    }
}

fn session_ok(st: &State, req: &Request) -> bool {
    req.header("mcp-session-id")
        .is_some_and(|id| st.sessions.contains_key(&id))
}

fn post(shared: &Shared, b: &Behavior, st: &mut State, req: &Request, v: &Value) -> Answer {
    if b.redirect {
        return Answer::Fixed {
            status: 307,
            content_type: "text/plain",
            headers: vec![(
                "Location".into(),
                format!("{}/elsewhere?code=shh", shared.base),
            )],
            body: String::new(),
        };
    }
    if let Some(status) = b.status {
        let mut headers = Vec::new();
        if status == 429 {
            headers.push(("Retry-After".to_string(), "30".to_string()));
        }
        return Answer::Fixed {
            status,
            content_type: "text/plain",
            headers,
            body: format!("stand-in failure {status}"),
        };
    }
    let accept = req.header("accept").unwrap_or_default();
    if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
        return plain(406, "Not Acceptable");
    }
    if req.header("content-type").as_deref() != Some("application/json") {
        return plain(415, "Unsupported Media Type");
    }
    if v.is_null() {
        return fixed(400, rpc_error(&Value::Null, -32700, "Parse error"));
    }
    let method = v.get("method").and_then(Value::as_str).unwrap_or("");
    let id = v.get("id").cloned();
    if method == "initialize" {
        let asked = v["params"]["protocolVersion"].as_str().unwrap_or("");
        let version = if SUPPORTED.contains(&asked) {
            asked
        } else {
            "2025-11-25"
        };
        st.counter += 1;
        let session = format!(
            "stand-in-session-{}-{:08x}",
            st.counter,
            getrandom::u32().expect("random")
        );
        st.sessions.insert(session.clone(), version.to_string());
        let answer = result(
            id.as_ref().unwrap_or(&Value::Null),
            json!({
                "protocolVersion": version,
                "capabilities": {"tools": {"listChanged": true}},
                "serverInfo": {"name": "stand-in Figma MCP", "version": "9.9.9"},
                "instructions": "a stand-in",
            }),
        );
        return Answer::Fixed {
            status: 200,
            content_type: "application/json",
            headers: vec![("Mcp-Session-Id".into(), session)],
            body: answer.to_string(),
        };
    }
    let Some(session) = req.header("mcp-session-id") else {
        return fixed(
            400,
            rpc_error(&Value::Null, -32600, "Mcp-Session-Id required"),
        );
    };
    let Some(version) = st.sessions.get(&session).cloned() else {
        return plain(404, "Session not found");
    };
    if req.header("mcp-protocol-version").as_deref() != Some(version.as_str()) {
        return fixed(
            400,
            rpc_error(
                &Value::Null,
                -32600,
                "missing or wrong MCP-Protocol-Version",
            ),
        );
    }
    let Some(id) = id else {
        // A notification or a response.
        return Answer::Fixed {
            status: 202,
            content_type: "text/plain",
            headers: Vec::new(),
            body: String::new(),
        };
    };
    let answer = |r: Value| {
        if b.sse {
            Answer::Stream(StreamPlan::Answer(result(&id, r)))
        } else {
            fixed(200, result(&id, r))
        }
    };
    match method {
        "ping" => answer(json!({})),
        "tools/list" => answer(json!({"tools": [
            {"name": "echo", "description": "echoes text", "inputSchema": {"type": "object"}},
            {"name": "whoami", "description": "the account", "inputSchema": {"type": "object"}},
            {"name": "slow", "description": "answers when released", "inputSchema": {"type": "object"}},
            {"name": "stream", "description": "progress, then the answer", "inputSchema": {"type": "object"}},
        ]})),
        "server/discover" | "subscriptions/listen" => {
            // Figma's trap: 2026-07-28 accepted at initialize, its new methods missing.
            fixed(200, rpc_error(&id, -32601, "Method not found"))
        }
        "tools/call" => {
            let args = &v["params"]["arguments"];
            let text = |t: &str| json!({"content": [{"type": "text", "text": t}]});
            match v["params"]["name"].as_str().unwrap_or("") {
                "echo" => answer(text(args["text"].as_str().unwrap_or(""))),
                "whoami" => {
                    answer(json!({"content": [{"type": "text", "text": "stand-in@example.com"}]}))
                }
                "echo_token" => {
                    let t = req.header("authorization").unwrap_or_default();
                    answer(text(&format!("you sent {t}")))
                }
                "slow" => Answer::Stream(StreamPlan::Held {
                    gate: args["gate"].as_str().unwrap_or("slow").to_string(),
                    answer: result(&id, text("slow done")),
                }),
                "stream" => Answer::Stream(StreamPlan::Progress {
                    gate: args["gate"].as_str().unwrap_or("stream").to_string(),
                    answer: result(&id, text("stream done")),
                }),
                "drop" => {
                    st.counter += 1;
                    let last = format!("drop-{}-1", st.counter);
                    let event = format!(
                        "id: drop-{}-2\ndata: {}\n\n",
                        st.counter,
                        result(&id, text("dropped, then resumed"))
                    );
                    st.resumable.insert(last.clone(), event);
                    Answer::Stream(StreamPlan::Drop { last })
                }
                _ => fixed(200, rpc_error(&id, -32602, "Unknown tool")),
            }
        }
        _ => fixed(200, rpc_error(&id, -32601, "Method not found")),
    }
}

fn sse_head(out: &mut TcpStream) -> std::io::Result<()> {
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n",
    )?;
    out.flush()
}

fn json_head(out: &mut TcpStream, len: usize) -> std::io::Result<()> {
    out.write_all(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
        .as_bytes(),
    )
}

fn chunk(out: &mut TcpStream, data: &str) -> std::io::Result<()> {
    out.write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes())?;
    out.flush()
}

fn end_chunks(out: &mut TcpStream) -> std::io::Result<()> {
    out.write_all(b"0\r\n\r\n")?;
    out.flush()
}

fn event(message: &Value) -> String {
    format!("event: message\ndata: {message}\n\n")
}

/// Waits until `gate` is released (or the server stops).
fn wait_gate(shared: &Shared, gate: &str) {
    let deadline = Instant::now() + GATE_WAIT;
    let mut st = lock(&shared.state);
    while !st.released.contains(gate) && Instant::now() < deadline {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        st = shared
            .changed
            .wait_timeout(st, Duration::from_millis(100))
            .unwrap()
            .0;
    }
}

fn stream(shared: &Shared, out: &mut TcpStream, plan: StreamPlan, request: &Value) -> bool {
    let sse = lock(&shared.behavior).sse;
    let r = (|| -> std::io::Result<bool> {
        match plan {
            StreamPlan::Answer(a) => {
                sse_head(out)?;
                // A priming event first, as the specification suggests, then the answer split
                // over two chunks.
                chunk(out, "id: prime-0\ndata:\n\n")?;
                let e = event(&a);
                let (x, y) = e.split_at(e.len() / 2);
                chunk(out, x)?;
                chunk(out, y)?;
                end_chunks(out)?;
                Ok(true)
            }
            StreamPlan::Held { gate, answer } => {
                wait_gate(shared, &gate);
                if sse {
                    sse_head(out)?;
                    chunk(out, &event(&answer))?;
                    end_chunks(out)?;
                } else {
                    let body = answer.to_string();
                    json_head(out, body.len())?;
                    out.write_all(body.as_bytes())?;
                    out.flush()?;
                }
                Ok(true)
            }
            StreamPlan::Progress { gate, answer } => {
                sse_head(out)?;
                let token = request["params"]["_meta"]["progressToken"].clone();
                let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress",
                    "params": {"progressToken": token, "progress": 1, "total": 2, "message": "half way"}});
                chunk(out, &event(&progress))?;
                wait_gate(shared, &gate);
                chunk(out, &event(&answer))?;
                end_chunks(out)?;
                Ok(true)
            }
            StreamPlan::Drop { last } => {
                sse_head(out)?;
                chunk(out, &format!("id: {last}\nretry: 50\ndata:\n\n"))?;
                end_chunks(out)?;
                // The connection ends, the stream does not.
                Ok(false)
            }
        }
    })();
    r.unwrap_or(false)
}

/// The server stream of a GET: a replay for `Last-Event-ID` of a dropped answer, or the
/// pushed notifications until the test closes the stream.
fn listen(shared: &Shared, out: &mut TcpStream, resume: Option<String>) -> bool {
    let replay = resume
        .as_ref()
        .and_then(|id| lock(&shared.state).resumable.remove(id));
    let r = (|| -> std::io::Result<bool> {
        sse_head(out)?;
        if let Some(e) = replay {
            chunk(out, &e)?;
            end_chunks(out)?;
            return Ok(true);
        }
        let generation = lock(&shared.state).close_streams;
        loop {
            let next = {
                let mut st = lock(&shared.state);
                loop {
                    if shared.stop.load(Ordering::SeqCst) || st.close_streams != generation {
                        break None;
                    }
                    if let Some(m) = st.pushes.pop_front() {
                        st.counter += 1;
                        break Some((st.counter, m));
                    }
                    st = shared
                        .changed
                        .wait_timeout(st, Duration::from_millis(100))
                        .unwrap()
                        .0;
                }
            };
            match next {
                Some((n, m)) => chunk(out, &format!("id: get-{n}\ndata: {m}\n\n"))?,
                None => {
                    end_chunks(out)?;
                    return Ok(false);
                }
            }
        }
    })();
    r.unwrap_or(false)
}
