//! The listener's HTTP side: worker threads that read one request head each (bounded in size,
//! time and number) and write the waiting loop's answer, and the small static pages.

use crate::markup;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections served at once; a new one beyond this closes the oldest.
pub const MAX_CONNECTIONS: usize = 64;
/// Largest request head (request line and headers) read; larger requests get 431.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// Time a client has to send its whole request head.
pub(super) const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Time a response may take to be written.
pub(super) const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One request head read by a worker, waiting for the answer of the waiting loop.
pub(super) struct Incoming {
    pub(super) method: String,
    pub(super) target: String,
    pub(super) host: Option<String>,
    reply: Sender<Response>,
    written: Receiver<()>,
}

impl Incoming {
    pub(super) fn respond(self, r: Response) {
        let _ = self.reply.send(r);
    }

    /// Responds and waits (briefly) until the page is written, so that the browser gets it
    /// before figma-auth moves on or exits.
    pub(super) fn respond_and_wait(self, r: Response) {
        if self.reply.send(r).is_ok() {
            let _ = self.written.recv_timeout(WRITE_TIMEOUT);
        }
    }
}

/// A response of the listener.
pub(super) struct Response {
    status: u16,
    body: String,
    location: Option<String>,
}

impl Response {
    pub(super) fn page(status: u16, title: &str, text: &str) -> Self {
        Self {
            status,
            body: page(title, text),
            location: None,
        }
    }

    pub(super) fn redirect(location: &str) -> Self {
        Self {
            status: 302,
            body: page("Redirecting", "Continue to Figma to log in."),
            location: Some(location.to_string()),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            302 => "Found",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Error",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (k, v) in [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Pragma", "no-cache"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            ("Connection", "close"),
        ] {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(l) = &self.location {
            head.push_str(&format!("Location: {l}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut out = head.into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

/// Open connections, oldest first: (id, a handle to shut it down).
type Registry = Arc<Mutex<VecDeque<(u64, TcpStream)>>>;

/// Accepts connections until `stop`, each served by a worker thread.
pub(super) fn accept_loop(tcp: TcpListener, tx: Sender<Incoming>, stop: Arc<AtomicBool>) {
    if tcp.set_nonblocking(true).is_err() {
        return;
    }
    let registry: Registry = Arc::new(Mutex::new(VecDeque::new()));
    let ids = AtomicU64::new(0);
    while !stop.load(Ordering::SeqCst) {
        match tcp.accept() {
            Ok((stream, _)) => {
                let id = ids.fetch_add(1, Ordering::Relaxed);
                let Ok(handle) = stream.try_clone() else {
                    // Out of descriptors: drop this one, keep serving the others.
                    continue;
                };
                {
                    let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
                    while reg.len() >= MAX_CONNECTIONS {
                        if let Some((_, oldest)) = reg.pop_front() {
                            let _ = oldest.shutdown(Shutdown::Both);
                        }
                    }
                    reg.push_back((id, handle));
                }
                let (tx, registry2) = (tx.clone(), registry.clone());
                let spawned = std::thread::Builder::new()
                    .name("figma-auth-callback".into())
                    .spawn(move || {
                        serve(stream, &tx);
                        let mut reg = registry2.lock().unwrap_or_else(|e| e.into_inner());
                        reg.retain(|(i, _)| *i != id);
                    });
                if spawned.is_err() {
                    let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(pos) = reg.iter().position(|(i, _)| *i == id)
                        && let Some((_, s)) = reg.remove(pos)
                    {
                        let _ = s.shutdown(Shutdown::Both);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            // EMFILE, ENFILE, ECONNABORTED, ...: transient, never the end of the login.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    // Ends every connection still open, so no worker outlives the wait by much.
    let reg = registry.lock().unwrap_or_else(|e| e.into_inner());
    for (_, s) in reg.iter() {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// Serves one connection: reads one request head (within [`HEAD_DEADLINE`], at most
/// [`MAX_HEAD`] bytes), hands it to the waiting loop, writes the answer, closes.
fn serve(mut stream: TcpStream, tx: &Sender<Incoming>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = find_head_end(&buf) {
            break i;
        }
        if buf.len() > MAX_HEAD {
            let r = Response::page(431, "Request too large", "The request is too large.");
            let _ = stream.write_all(&r.bytes());
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return;
    }
    let host = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_string());
    let (reply_tx, reply_rx) = mpsc::channel();
    let (written_tx, written_rx) = mpsc::channel();
    let incoming = Incoming {
        method: method.to_string(),
        target: target.to_string(),
        host,
        reply: reply_tx,
        written: written_rx,
    };
    if tx.send(incoming).is_err() {
        return;
    }
    // The waiting loop answers within a poll interval; it may also have ended.
    if let Ok(response) = reply_rx.recv_timeout(Duration::from_secs(30)) {
        let _ = stream.write_all(&response.bytes());
        let _ = stream.flush();
        let _ = written_tx.send(());
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// The offset just past the `\r\n\r\n` (or `\n\n`) ending a request head.
pub(super) fn find_head_end(buf: &[u8]) -> Option<usize> {
    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some(i + 4);
    }
    buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2)
}

/// A small static page; `text` is HTML-escaped.
pub(super) fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>figma-auth: {t}</title></head>\n<body style=\"font-family:sans-serif;margin:3em\">\
         <h1>{t}</h1>\n<p>{x}</p></body></html>\n",
        t = markup::escape(title),
        x = markup::escape(text)
    )
}
