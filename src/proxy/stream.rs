//! The event streams of the proxy: one read message by message until its answer ([`Proxy::pump`]),
//! resumed from its last event id when it breaks, and the server's own GET stream outside any
//! request ([`Proxy::start_listening`]).

use super::forward::Proxy;
use super::jsonrpc::{self, server_lines, Line, Message};
use super::sse::Parser;
use super::token::Bearer;
use super::transport::{media_type, ChunkError, Fail, MAX_MESSAGE};
use reqwest::header::HeaderValue;
use reqwest::Response;
use std::sync::Arc;
use std::time::Duration;

/// How often a broken stream is resumed before the request fails.
const MAX_RESUMES: u32 = 5;
/// How often in a row the server's own stream may fail before the proxy stops asking.
const MAX_LISTEN_FAILURES: u32 = 5;

/// How reading an event stream ended.
pub(super) enum Pumped {
    /// The awaited answer was written.
    Answered,
    /// The server closed the stream.
    Ended,
    /// The connection broke.
    Dropped,
}

impl Proxy {
    /// A server message for the client. Returns true when it is the answer to `msg`. The answer
    /// to `initialize` starts the session first, so the client's next message goes into it.
    pub(super) async fn on_line(
        &self,
        msg: Option<&Message>,
        line: Line,
        session_id: &Option<HeaderValue>,
    ) -> bool {
        let answered = msg.is_some_and(|m| m.id.is_some() && line.answers == m.id);
        if answered
            && msg.is_some_and(Message::is_initialize)
            && let Some(version) = jsonrpc::negotiated_version(&line.bytes)
        {
            self.session.started(session_id.clone(), Some(&version));
        }
        if !msg.is_some_and(|m| m.internal) {
            self.emit(line.bytes).await;
        }
        answered
    }

    /// Reads an event stream, writing each message as its event completes, until the answer to
    /// `msg` (when given) or the end. `idle`: how long to wait for the next chunk.
    pub(super) async fn pump(
        &self,
        resp: &mut Response,
        parser: &mut Parser,
        msg: Option<&Message>,
        bearer: &Bearer,
        session_id: &Option<HeaderValue>,
        idle: Option<Duration>,
    ) -> Result<Pumped, Fail> {
        let what = msg.map_or_else(|| "the event stream".to_string(), Message::label);
        let mut events = Vec::new();
        loop {
            let chunk = match self.up.chunk(resp, &what, idle).await {
                Ok(Some(c)) => c,
                Ok(None) => return Ok(Pumped::Ended),
                Err(ChunkError::Idle(f)) => return Err(f),
                Err(ChunkError::Dropped(_)) => return Ok(Pumped::Dropped),
            };
            parser.feed(&chunk, &mut |e| events.push(e)).map_err(|e| {
                Fail::refused(format!(
                    "the MCP server at {} sent an event larger than {} MiB in {what}",
                    self.up.shown,
                    e.limit >> 20
                ))
            })?;
            let mut answered = false;
            for ev in events.drain(..) {
                if !ev.is_message() || ev.data.trim_ascii().is_empty() {
                    continue;
                }
                match server_lines(&ev.data, bearer.token.expose()) {
                    Ok(lines) => {
                        for line in lines {
                            answered |= self.on_line(msg, line, session_id).await;
                        }
                    }
                    Err(_) => self.tokens.log(&format!(
                        "the MCP server sent an event that is not JSON-RPC in {what}; skipped"
                    )),
                }
            }
            if answered {
                return Ok(Pumped::Answered);
            }
        }
    }

    /// The stream of `msg` broke before its answer: GET it again from the last event id.
    pub(super) async fn resume(
        self: &Arc<Self>,
        msg: &Message,
        mut parser: Parser,
        session_id: &Option<HeaderValue>,
    ) -> Result<(), Fail> {
        let what = msg.label();
        let mut auth_retry = true;
        for attempt in 0..MAX_RESUMES {
            tokio::time::sleep(reconnect_delay(&parser, attempt)).await;
            let bearer = self.tokens.get().await?;
            let snap = self.session.snapshot();
            let mut resp = match self.up.get(&bearer, &snap, parser.last_id()).await {
                Ok(r) => r,
                Err(Fail::Temporary { .. }) => continue,
                Err(f) => return Err(f),
            };
            match resp.status().as_u16() {
                200 if media_type(&resp) == "text/event-stream" => {
                    let timeout = Some(self.up.timeout);
                    match self
                        .pump(&mut resp, &mut parser, Some(msg), &bearer, session_id, timeout)
                        .await?
                    {
                        Pumped::Answered => return Ok(()),
                        Pumped::Ended | Pumped::Dropped => continue,
                    }
                }
                401 if auth_retry => {
                    auth_retry = false;
                    self.tokens.rejected(&bearer).await?;
                }
                404 => {
                    return Err(Fail::temporary(format!(
                        "the MCP session ended before the server answered {what}; retry"
                    )))
                }
                405 => {
                    return Err(Fail::temporary(format!(
                        "the MCP server at {} closed the stream of {what} before answering and does not offer resuming it; retry",
                        self.up.shown
                    )))
                }
                _ => return Err(self.refusal_of(resp, &what, &bearer).await),
            }
        }
        Err(Fail::temporary(format!(
            "the stream of {what} from the MCP server at {} broke {MAX_RESUMES} times; retry",
            self.up.shown
        )))
    }

    /// Opens the server's own event stream for the current session, once per session.
    pub(super) fn start_listening(self: &Arc<Self>) {
        let generation = self.session.generation();
        let mut l = self.listening.lock().expect("listener");
        if l.as_ref().is_some_and(|(g, _)| *g == generation) {
            return;
        }
        if let Some((_, old)) = l.take() {
            old.abort();
        }
        let me = self.clone();
        let task = tokio::spawn(async move { me.listen(generation).await });
        *l = Some((generation, task.abort_handle()));
    }

    pub(super) fn stop_listening(&self) {
        if let Some((_, h)) = self.listening.lock().expect("listener").take() {
            h.abort();
        }
    }

    /// The optional GET stream: server requests and notifications outside any request. 405
    /// (Figma's answer) means the server has none, which is normal and not reported. A stream
    /// that ends or breaks is resumed from its last event id.
    async fn listen(self: Arc<Self>, generation: u64) {
        let mut parser = Parser::new(MAX_MESSAGE);
        let mut failures = 0u32;
        let mut auth_retry = true;
        while self.session.generation() == generation {
            let bearer = match self.tokens.get().await {
                Ok(b) => b,
                Err(_) => {
                    // Waits for a login; requests report it.
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            let snap = self.session.snapshot();
            let mut resp = match self.up.get(&bearer, &snap, parser.last_id()).await {
                Ok(r) => r,
                Err(f) => {
                    failures += 1;
                    if failures >= MAX_LISTEN_FAILURES {
                        self.tokens.log(&format!("the server's event stream is not available: {}; server notifications outside requests are not received", f.message()));
                        return;
                    }
                    tokio::time::sleep(reconnect_delay(&parser, failures)).await;
                    continue;
                }
            };
            match resp.status().as_u16() {
                405 => return,
                404 => return,
                401 if auth_retry => {
                    auth_retry = false;
                    let _ = self.tokens.rejected(&bearer).await;
                }
                200 if media_type(&resp) == "text/event-stream" => {
                    auth_retry = true;
                    let before = parser.last_id().map(str::to_string);
                    let r = self
                        .pump(&mut resp, &mut parser, None, &bearer, &None, None)
                        .await;
                    drop(resp);
                    let progressed = parser.last_id().map(str::to_string) != before;
                    if r.is_err() || !progressed {
                        failures += 1;
                    } else {
                        failures = 0;
                    }
                    if failures >= MAX_LISTEN_FAILURES {
                        self.tokens.log("the server's event stream keeps ending; server notifications outside requests are no longer received");
                        return;
                    }
                    tokio::time::sleep(reconnect_delay(&parser, failures)).await;
                }
                status => {
                    self.tokens.log(&format!(
                        "the server's event stream is not available (HTTP {status}); server notifications outside requests are not received"
                    ));
                    return;
                }
            }
        }
    }
}

/// The wait before reconnecting a stream: the server's `retry`, else 0.5 s doubling to 8 s.
fn reconnect_delay(parser: &Parser, attempt: u32) -> Duration {
    match parser.retry_ms() {
        Some(ms) => Duration::from_millis(ms.min(30_000)),
        None => Duration::from_millis(500u64 << attempt.min(4)),
    }
}
