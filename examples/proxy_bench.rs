//! The latency and memory benchmark of `figma-auth proxy` (run by `bench/proxy.sh`).
//!
//! A stand-in MCP server on 127.0.0.1 answers JSON-RPC over HTTP/1.1 with kept-alive
//! connections. The same `tools/call` request is sent, alternately, (a) straight to the
//! stand-in over one kept-alive connection by a minimal HTTP client, and (b) through a real
//! `figma-auth proxy` process (a line on its stdin, the answer read from its stdout), which
//! keeps its own connection alive. Both are timed from the first byte written to the last byte
//! of the answer read; the report gives the median and p99 of each and the difference, which is
//! what the proxy adds. The proxy's RSS is read from /proc after every 1,000 requests.
//!
//! Usage: proxy_bench FIGMA_AUTH_BINARY [REQUESTS=10000] [RESULT_BYTES=200]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "figu_BENCH_ACCESS_TOKEN_0123456789";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: proxy_bench FIGMA_AUTH_BINARY [REQUESTS] [RESULT_BYTES]");
        std::process::exit(2);
    }
    let bin = &args[1];
    let n: usize = args.get(2).map_or(10_000, |s| s.parse().expect("REQUESTS"));
    let result_bytes: usize = args
        .get(3)
        .map_or(200, |s| s.parse().expect("RESULT_BYTES"));

    let port = start_server(result_bytes);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let home = tempfile::tempdir().unwrap();
    write_store(home.path());

    let mut proxy = Command::new(bin)
        .args(["proxy", "--mcp-url", &url])
        .env_clear()
        .env("HOME", home.path().join("home"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its start-up line would land in the middle of the report.
        .stderr(Stdio::null())
        .spawn()
        .expect("start figma-auth proxy");
    let pid = proxy.id();
    let mut via = ViaProxy {
        stdin: proxy.stdin.take().unwrap(),
        stdout: BufReader::new(proxy.stdout.take().unwrap()),
    };
    let mut line = String::new();
    let mut via_proxy = |msg: &str, line: &mut String| via.send(msg, line);
    via_proxy(
        r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#,
        &mut line,
    );
    let session = {
        // The direct client opens its own session like any client.
        let mut c = Direct::connect(port);
        let (_, sid) = c.post(
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench-direct","version":"1"}}}"#,
            None,
        );
        sid.expect("a session id")
    };
    let mut direct = Direct::connect(port);
    let request = |id: usize| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"get_design_context","arguments":{{"nodeId":"1:2","clientLanguages":"typescript","clientFrameworks":"react"}}}}}}"#
        )
    };

    // Warm-up (connections, caches, allocator).
    for i in 1..=500 {
        via_proxy(&request(i), &mut line);
        direct.post(&request(i), Some(&session));
    }
    let rss_start = rss_kb(pid);
    let mut d_times = Vec::with_capacity(n);
    let mut p_times = Vec::with_capacity(n);
    let mut rss = Vec::new();
    for i in 0..n {
        let id = 1000 + i;
        // Alternate the order so that neither side always runs on a warmer machine.
        if i % 2 == 0 {
            d_times.push(direct.timed(&request(id), &session));
            p_times.push(via_proxy(&request(id), &mut line));
        } else {
            p_times.push(via_proxy(&request(id), &mut line));
            d_times.push(direct.timed(&request(id), &session));
        }
        if (i + 1) % 1000 == 0 {
            rss.push((i + 1, rss_kb(pid)));
        }
    }
    let peak = peak_kb(pid);
    drop(via);
    let status = proxy.wait().unwrap();
    assert!(status.success(), "the proxy exited with {status}");

    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let pct = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    let (d50, d99) = (pct(&mut d_times, 0.5), pct(&mut d_times, 0.99));
    let (p50, p99) = (pct(&mut p_times, 0.5), pct(&mut p_times, 0.99));
    println!("{n} requests each way, tools/call with a {result_bytes}-byte result, alternating\n");
    println!("| path | median µs | p99 µs |\n|---|---:|---:|");
    println!(
        "| direct (one kept-alive connection) | {:.0} | {:.0} |",
        us(d50),
        us(d99)
    );
    println!(
        "| through figma-auth proxy | {:.0} | {:.0} |",
        us(p50),
        us(p99)
    );
    println!(
        "| **added by the proxy** | **{:.0}** | **{:.0}** |",
        us(p50) - us(d50),
        us(p99) - us(d99)
    );
    println!(
        "\nproxy RSS: {:.1} MB after warm-up; {}; peak (VmHWM) {:.1} MB",
        rss_start as f64 / 1024.0,
        rss.iter()
            .map(|(k, r)| format!("{:.1} MB after {k}", *r as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", "),
        peak as f64 / 1024.0
    );
}

/// The client side of the proxy's stdio.
struct ViaProxy {
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl ViaProxy {
    /// One message written, its answer read; returns the time between the two.
    fn send(&mut self, msg: &str, line: &mut String) -> Duration {
        let t = Instant::now();
        self.stdin.write_all(msg.as_bytes()).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
        line.clear();
        self.stdout.read_line(line).unwrap();
        let d = t.elapsed();
        assert!(line.contains("\"result\""), "the proxy answered: {line}");
        d
    }
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rss_kb(pid: u32) -> u64 {
    status_kb(pid, "VmRSS:")
}

fn peak_kb(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:")
}

/// A store holding a login whose access token is valid for a day (no refresh during the run).
fn write_store(root: &std::path::Path) {
    for d in ["home", "state", "config/figma-auth/credentials"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for d in ["config/figma-auth", "config/figma-auth/credentials"] {
        private(&root.join(d), 0o700);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts = |secs: u64| {
        humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + Duration::from_secs(secs))
            .to_string()
    };
    let store = serde_json::json!({
        "version": 1,
        "token": {
            "access_token": TOKEN,
            "token_type": "Bearer",
            "expires_at": ts(now + 86_400),
            "obtained_at": ts(now),
            "auth_server": "https://api.figma.com",
            "token_endpoint": "https://api.figma.com/v1/oauth/token",
            "client_id": "bench",
        }
    });
    let path = root.join("config/figma-auth/credentials/default.json");
    std::fs::write(&path, serde_json::to_string_pretty(&store).unwrap()).unwrap();
    private(&path, 0o600);
}

/// The modes figma-auth expects of its store (it warns about looser ones).
fn private(path: &std::path::Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = (path, mode);
}

/// A minimal HTTP/1.1 client on one kept-alive connection.
struct Direct {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Direct {
    fn connect(port: u16) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        Direct {
            w: s.try_clone().unwrap(),
            r: BufReader::new(s),
        }
    }

    fn timed(&mut self, body: &str, session: &str) -> Duration {
        let t = Instant::now();
        let (answer, _) = self.post(body, Some(session));
        let d = t.elapsed();
        assert!(answer.contains("\"result\""), "{answer}");
        d
    }

    /// POSTs `body`; returns the answer and the session id header, if any.
    fn post(&mut self, body: &str, session: Option<&str>) -> (String, Option<String>) {
        let mut req = format!(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(s) = session {
            req.push_str(&format!(
                "Mcp-Session-Id: {s}\r\nMCP-Protocol-Version: 2025-11-25\r\n"
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.w.write_all(req.as_bytes()).unwrap();
        let head = read_head(&mut self.r).expect("an answer");
        let mut answer = vec![0; head.len];
        self.r.read_exact(&mut answer).unwrap();
        (String::from_utf8(answer).unwrap(), head.session)
    }
}

struct Head {
    method: String,
    len: usize,
    session: Option<String>,
    auth_ok: bool,
}

fn read_head(r: &mut BufReader<TcpStream>) -> Option<Head> {
    let mut first = String::new();
    if r.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut head = Head {
        method: first.split_whitespace().next()?.to_string(),
        len: 0,
        session: None,
        auth_ok: false,
    };
    loop {
        let mut l = String::new();
        r.read_line(&mut l).ok()?;
        let l = l.trim_end();
        if l.is_empty() {
            return Some(head);
        }
        let (k, v) = l.split_once(':')?;
        let v = v.trim();
        match k.to_ascii_lowercase().as_str() {
            "content-length" => head.len = v.parse().ok()?,
            "mcp-session-id" => head.session = Some(v.to_string()),
            "authorization" => head.auth_ok = v == format!("Bearer {TOKEN}"),
            _ => {}
        }
    }
}

/// The stand-in: initialize opens a session, tools/call answers `result_bytes` of text,
/// notifications get 202, GET 405, DELETE 200. Thread per connection, connections kept alive.
fn start_server(result_bytes: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in l.incoming().map_while(Result::ok) {
            std::thread::spawn(move || serve(c, result_bytes));
        }
    });
    port
}

fn serve(c: TcpStream, result_bytes: usize) {
    c.set_nodelay(true).unwrap();
    let mut w = c.try_clone().unwrap();
    let mut r = BufReader::new(c);
    let text = "x".repeat(result_bytes);
    while let Some(head) = read_head(&mut r) {
        let mut body = vec![0; head.len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let (status, extra, answer) = if !head.auth_ok {
            (401, String::new(), String::new())
        } else if head.method == "GET" {
            (405, String::new(), String::new())
        } else if head.method == "DELETE" {
            (200, String::new(), String::new())
        } else if v["method"] == "initialize" {
            let a = serde_json::json!({"jsonrpc": "2.0", "id": v["id"], "result": {
                "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "bench stand-in", "version": "1"}}});
            (
                200,
                "Mcp-Session-Id: bench-session\r\n".to_string(),
                a.to_string(),
            )
        } else if v.get("id").is_none() {
            (202, String::new(), String::new())
        } else {
            let a = serde_json::json!({"jsonrpc": "2.0", "id": v["id"], "result": {
                "content": [{"type": "text", "text": text}]}});
            (200, String::new(), a.to_string())
        };
        let resp = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n{answer}",
            answer.len()
        );
        if w.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}
