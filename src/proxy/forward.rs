//! One client message's trip to the MCP server and back: the POST with the current token and
//! session, a new token after a 401, a new session after a 404, the answer delivered (a JSON body
//! as one line; an event stream is read in [`super::stream`]); every failure answers the message
//! with a JSON-RPC error.

use super::jsonrpc::{self, error_response, server_lines, Kind, Message};
use super::session::{session_header, Session};
use super::sse::Parser;
use super::stream::Pumped;
use super::token::{Bearer, Tokens};
use super::transport::{media_type, Fail, Upstream, MAX_MESSAGE};
use super::Options;
use crate::app::Context;
use reqwest::Response;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// How much of an error body is read for the message.
const ERROR_BODY: usize = 16 * 1024;

/// A message is POSTed with the current token and the session headers; 202 is answered with
/// nothing. A 401 makes the token be replaced and the message sent once more; a 404 on a session
/// starts a new session (replaying the client's `initialize` and `notifications/initialized`) and
/// sends the message once more. A stream that breaks before the answer is resumed with
/// `Last-Event-ID`. So the client never waits for an answer that will not come.
pub(super) struct Proxy {
    pub up: Upstream,
    pub tokens: Tokens,
    pub session: Session,
    /// The writer's queue; taken at shutdown so the writer can finish.
    out: Mutex<Option<mpsc::Sender<Vec<u8>>>>,
    /// The session generation whose server stream is open, and its task.
    pub(super) listening: Mutex<Option<(u64, AbortHandle)>>,
}

/// Why one POST did not end in an answer.
enum SendError {
    Fail(Fail),
    /// 404 on this session generation: it expired.
    SessionGone(u64),
}

impl From<Fail> for SendError {
    fn from(f: Fail) -> Self {
        SendError::Fail(f)
    }
}

impl From<super::token::TokenFailure> for SendError {
    fn from(f: super::token::TokenFailure) -> Self {
        SendError::Fail(f.into())
    }
}

impl Proxy {
    pub(super) fn new(
        ctx: Context,
        opts: &Options,
        out: mpsc::Sender<Vec<u8>>,
    ) -> Result<Self, crate::error::Error> {
        let up = Upstream::new(opts.url.clone(), opts.timeout, ctx.flags())
            .map_err(|e| crate::error::Error::from(crate::oauth::OAuthError::Client(e)))?;
        Ok(Self {
            up,
            tokens: Tokens::new(ctx),
            session: Session::default(),
            out: Mutex::new(Some(out)),
            listening: Mutex::new(None),
        })
    }

    /// Queues one line for stdout.
    pub(super) async fn emit(&self, line: Vec<u8>) {
        let tx = self.out.lock().expect("output").clone();
        if let Some(tx) = tx {
            let _ = tx.send(line).await;
        }
    }

    /// No more output: the writer finishes what is queued and ends.
    pub(super) fn close_output(&self) {
        self.out.lock().expect("output").take();
    }

    /// Forwards `msg` and writes what comes back; a request that fails is answered with a
    /// JSON-RPC error saying why and what to do. Returns true when it went through.
    pub(super) async fn handle(self: &Arc<Self>, msg: Message) -> bool {
        match self.exchange(&msg).await {
            Ok(()) => true,
            Err(f) => {
                let label = msg.label();
                if f.message().contains(&label) {
                    self.tokens.log(f.message());
                } else {
                    self.tokens.log(&format!("{label}: {}", f.message()));
                }
                if let (Some(id), false) = (&msg.id, msg.internal) {
                    self.emit(error_response(
                        id,
                        f.rpc_code(),
                        f.message(),
                        Some(f.data()),
                    ))
                    .await;
                }
                false
            }
        }
    }

    /// [`Proxy::send_once`], and once more in a new session when the session expired.
    pub(super) async fn exchange(self: &Arc<Self>, msg: &Message) -> Result<(), Fail> {
        match self.send_once(msg).await {
            Ok(()) => Ok(()),
            Err(SendError::Fail(f)) => Err(f),
            Err(SendError::SessionGone(generation)) => {
                // In a task of its own: a cancelled request must not leave a half-made session.
                let me = self.clone();
                tokio::spawn(async move { me.restart_session(generation).await })
                    .await
                    .unwrap_or_else(|_| {
                        Err(Fail::refused("starting a new session failed".into()))
                    })?;
                match self.send_once(msg).await {
                    Ok(()) => Ok(()),
                    Err(SendError::Fail(f)) => Err(f),
                    Err(SendError::SessionGone(_)) => Err(Fail::refused(format!(
                        "the MCP server at {} ended the new session at once (HTTP 404 to {})",
                        self.up.shown,
                        msg.label()
                    ))),
                }
            }
        }
    }

    /// One POST of `msg` (and once more with a new token after a 401), its answer delivered.
    async fn send_once(self: &Arc<Self>, msg: &Message) -> Result<(), SendError> {
        let what = msg.label();
        let mut auth_retry = true;
        loop {
            let bearer = self.tokens.get().await?;
            let snap = self.session.snapshot();
            let resp = self
                .up
                .post(msg.body.clone(), &bearer, &snap, &what)
                .await?;
            match resp.status().as_u16() {
                401 if auth_retry => {
                    auth_retry = false;
                    drop(resp);
                    self.tokens.rejected(&bearer).await?;
                }
                404 if snap.id.is_some() && !msg.is_initialize() => {
                    return Err(SendError::SessionGone(snap.generation))
                }
                200..=299 => {
                    self.tokens.accepted(&bearer);
                    return Ok(self.deliver(msg, resp, &bearer).await?);
                }
                _ => return Ok(self.refusal(msg, resp, &bearer).await?),
            }
        }
    }

    /// A new session for the one of `generation`, unless another request made one already:
    /// the client's `initialize` and `notifications/initialized` again, their answers kept
    /// from the client (it has them already).
    async fn restart_session(self: &Arc<Self>, generation: u64) -> Result<(), Fail> {
        let _one = self.session.restart.lock().await;
        if self.session.generation() != generation {
            return Ok(());
        }
        let Some((init, initialized)) = self.session.replay() else {
            return Err(Fail::refused(
                "the MCP session expired (HTTP 404) and the client's initialize is not known, so it cannot be renewed; restart the figma server in the MCP client".into(),
            ));
        };
        self.tokens
            .log("the MCP session expired; starting a new one with the client's initialize");
        let mut msg = jsonrpc::parse_client(&init)
            .ok()
            .and_then(|mut m| m.pop())
            .ok_or_else(|| Fail::refused("the stored initialize is not readable".into()))?;
        msg.internal = true;
        self.send_once(&msg).await.map_err(|e| match e {
            SendError::Fail(f) => f,
            SendError::SessionGone(_) => Fail::refused("initialize answered 404".into()),
        })?;
        if self.session.generation() == generation {
            return Err(Fail::refused(format!(
                "the MCP server at {} did not accept the replayed initialize",
                self.up.shown
            )));
        }
        if let Some(body) = initialized {
            let note = Message {
                body,
                kind: Kind::Notification,
                id: None,
                method: Some("notifications/initialized".into()),
                internal: true,
            };
            self.send_once(&note).await.map_err(|e| match e {
                SendError::Fail(f) => f,
                SendError::SessionGone(_) => {
                    Fail::refused("the new session ended at once (HTTP 404)".into())
                }
            })?;
            self.start_listening();
        }
        Ok(())
    }

    /// A 2xx answer: nothing (202), one JSON message, or an event stream.
    async fn deliver(
        self: &Arc<Self>,
        msg: &Message,
        resp: Response,
        bearer: &Bearer,
    ) -> Result<(), Fail> {
        let what = msg.label();
        let session_id = if msg.is_initialize() {
            resp.headers()
                .get("mcp-session-id")
                .and_then(session_header)
        } else {
            None
        };
        if resp.status().as_u16() == 202 {
            return Ok(());
        }
        match media_type(&resp).as_str() {
            "text/event-stream" => {
                let mut resp = resp;
                let mut parser = Parser::new(MAX_MESSAGE);
                let timeout = Some(self.up.timeout);
                let end = self
                    .pump(&mut resp, &mut parser, Some(msg), bearer, &session_id, timeout)
                    .await?;
                drop(resp);
                match end {
                    Pumped::Answered => Ok(()),
                    _ if msg.kind != Kind::Request => Ok(()),
                    _ if parser.last_id().is_some() => {
                        self.resume(msg, parser, &session_id).await
                    }
                    _ => Err(Fail::temporary(format!(
                        "the MCP server at {} closed its stream before answering {what}; retry",
                        self.up.shown
                    ))),
                }
            }
            "application/json" => {
                let body = self.up.body(resp, &what).await?;
                if msg.kind != Kind::Request && body.trim_ascii().is_empty() {
                    return Ok(());
                }
                let lines = server_lines(&body, bearer.token.expose()).map_err(|_| {
                    Fail::refused(format!(
                        "the MCP server at {} answered {what} with a body that is not JSON-RPC",
                        self.up.shown
                    ))
                })?;
                let mut answered = false;
                for line in lines {
                    answered |= self.on_line(Some(msg), line, &session_id).await;
                }
                if msg.kind == Kind::Request && !answered {
                    return Err(Fail::refused(format!(
                        "the MCP server at {} answered {what} without a response to it",
                        self.up.shown
                    )));
                }
                Ok(())
            }
            _ if msg.kind != Kind::Request => Ok(()),
            other => Err(Fail::refused(format!(
                "the MCP server at {} answered {what} with content type {:?} (expected application/json or text/event-stream)",
                self.up.shown,
                if other.is_empty() { "none" } else { other }
            ))),
        }
    }

    /// A non-2xx answer that the proxy does not handle itself. A JSON-RPC error answering the
    /// request is passed on as it is; anything else becomes the proxy's own error.
    async fn refusal(&self, msg: &Message, resp: Response, bearer: &Bearer) -> Result<(), Fail> {
        let what = msg.label();
        let status = resp.status().as_u16();
        if (400..500).contains(&status) && status != 401 && status != 429 {
            let mut resp = resp;
            let body = self.error_body(&mut resp, &what).await;
            if let Ok(lines) = server_lines(&body, bearer.token.expose())
                && let [line] = lines.as_slice()
                && msg.id.is_some()
                && line.answers == msg.id
            {
                if !msg.internal {
                    self.emit(line.bytes.clone()).await;
                }
                return Ok(());
            }
            let detail = rpc_error_message(&body).unwrap_or_else(|| text_of(&body));
            return Err(self
                .up
                .status_failure(&resp, &detail, &what, bearer.token.expose()));
        }
        Err(self.refusal_of(resp, &what, bearer).await)
    }

    pub(super) async fn refusal_of(&self, mut resp: Response, what: &str, bearer: &Bearer) -> Fail {
        let body = self.error_body(&mut resp, what).await;
        let detail = rpc_error_message(&body).unwrap_or_else(|| text_of(&body));
        self.up
            .status_failure(&resp, &detail, what, bearer.token.expose())
    }

    /// The start of an error body (a few KiB at most).
    async fn error_body(&self, resp: &mut Response, what: &str) -> Vec<u8> {
        let mut body = Vec::new();
        while body.len() < ERROR_BODY {
            match self
                .up
                .chunk(resp, what, Some(Duration::from_secs(5)))
                .await
            {
                Ok(Some(c)) => body.extend_from_slice(&c[..c.len().min(ERROR_BODY - body.len())]),
                _ => break,
            }
        }
        body
    }

    /// Ends the session at the server (DELETE), if there is one.
    pub(super) async fn close_session(&self) {
        let Some(snap) = self.session.take_for_close() else {
            return;
        };
        let bearer = match tokio::time::timeout(Duration::from_secs(5), self.tokens.get()).await {
            Ok(Ok(b)) => b,
            _ => return,
        };
        let _ = self.up.delete(&bearer, &snap).await;
    }
}

/// `error.message` of a JSON-RPC error body.
fn rpc_error_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("error")?.get("message")?.as_str().map(str::to_string)
}

fn text_of(body: &[u8]) -> String {
    String::from_utf8_lossy(body).trim().to_string()
}
