//! `figma-auth proxy`: a local MCP server on stdio that forwards every message to the remote MCP
//! server over Streamable HTTP with the profile's current token, so a client never holds a token or
//! needs a restart.

mod check;
pub(crate) mod entry;
mod forward;
pub(crate) mod jsonrpc;
pub(crate) mod session;
pub(crate) mod sse;
pub(crate) mod stdio;
mod stream;
pub(crate) mod token;
pub(crate) mod transport;

pub(crate) use check::check;

use crate::app::Context;
use crate::error::{exit, Error};
use crate::oauth::Url;
use forward::Proxy;
use jsonrpc::{code, error_response, Message};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use stdio::Input;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinSet;

/// The newest protocol version known to work with Figma's server (it accepts `2026-07-28` in
/// `initialize` but then answers that version's new methods with -32601).
pub(crate) const KNOWN_GOOD_PROTOCOL: &str = "2025-11-25";

/// Messages in flight at once; more wait (and so does the reading of stdin).
const MAX_IN_FLIGHT: usize = 256;
/// Lines queued for stdout.
const OUTPUT_QUEUE: usize = 256;

#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The MCP endpoint.
    pub url: Url,
    /// Waiting for the server to start answering, and between the events of a streamed answer.
    pub timeout: Duration,
    /// An `initialize` offering a newer protocol version is offered as this one.
    pub protocol_ceiling: String,
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io("cannot start the proxy's event loop".into(), e))
}

/// Serves stdin/stdout until stdin ends (exit 0) or stdout is closed.
///
/// Shape: one thread reads stdin ([`stdio`]), one thread writes stdout (the only writer, so every
/// line is one whole message), and a single-threaded tokio runtime in between runs one task per
/// message ([`forward`]) over kept-alive HTTP connections ([`transport`]). The session with the
/// server ([`session`]) and the token ([`token`]) are shared by the tasks. `initialize` and
/// `notifications/initialized` go through in order (everything after them needs the session); every
/// other message is sent at once, so a slow tool call holds up nothing. A bounded number of
/// messages is in flight at a time and every buffer has a limit, so memory stays flat however long
/// the session runs.
///
/// The runtime is async rather than a thread per request because the latency added to each request
/// is then one hand-over between threads on each side (stdin to the runtime, the runtime to stdout)
/// instead of four, with no thread started per request; reqwest's blocking client would itself hand
/// every request to a runtime thread and back.
pub(crate) fn serve(ctx: &Context, opts: &Options) -> Result<u8, Error> {
    let rt = runtime()?;
    let code = rt.block_on(serve_async(ctx.clone(), opts.clone()))?;
    // A DNS lookup in flight must not hold the exit.
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(code)
}

async fn serve_async(ctx: Context, opts: Options) -> Result<u8, Error> {
    let (out_tx, out_rx) = mpsc::channel(OUTPUT_QUEUE);
    let closed = Arc::new(Notify::new());
    let writer = stdio::spawn_writer(std::io::stdout(), out_rx, closed.clone());
    let (in_tx, mut input) = mpsc::channel(64);
    stdio::spawn_reader(std::io::stdin(), transport::MAX_MESSAGE, in_tx);
    let proxy = Arc::new(Proxy::new(ctx.clone(), &opts, out_tx)?);
    proxy.tokens.log(&format!(
        "forwarding to {} with the token of profile {}",
        proxy.up.shown,
        ctx.profile()
    ));
    if let Some(w) = proxy.tokens.describe() {
        proxy.tokens.log(&w);
    }
    let mut d = Dispatcher {
        proxy: proxy.clone(),
        ceiling: opts.protocol_ceiling.clone(),
        limit: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        tasks: JoinSet::new(),
        in_flight: HashMap::new(),
    };
    loop {
        tokio::select! {
            biased;
            _ = closed.notified() => break,
            Some(done) = d.tasks.join_next_with_id(), if !d.tasks.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => e.id(),
                };
                d.in_flight.retain(|_, t| t.0 != id);
            }
            next = input.recv() => match next {
                None | Some(Input::Eof) => break,
                Some(Input::Failed(e)) => {
                    proxy.tokens.log(&format!("cannot read stdin: {e}"));
                    break;
                }
                Some(Input::TooLarge(n)) => {
                    proxy.tokens.log(&format!("skipped a message of {} MiB (the limit is {} MiB)", n >> 20, transport::MAX_MESSAGE >> 20));
                    proxy.emit(error_response(&Value::Null, code::INVALID_REQUEST, "message too large; skipped", None)).await;
                }
                Some(Input::Line(line)) => d.dispatch(line).await,
            },
        }
    }
    // The client is gone or leaving: what is in flight cannot be answered usefully.
    d.tasks.shutdown().await;
    proxy.stop_listening();
    proxy.close_session().await;
    proxy.tokens.finish();
    proxy.close_output();
    drop(d);
    drop(proxy);
    // The writer ends once the last queued line is out; a client that stopped reading stdout
    // does not keep the process alive.
    let wrote = tokio::task::spawn_blocking(move || writer.join());
    let _ = tokio::time::timeout(Duration::from_secs(5), wrote).await;
    Ok(exit::OK)
}

struct Dispatcher {
    proxy: Arc<Proxy>,
    ceiling: String,
    limit: Arc<Semaphore>,
    tasks: JoinSet<()>,
    /// Requests in flight by id (JSON text), for `notifications/cancelled`.
    in_flight: HashMap<String, (tokio::task::Id, tokio::task::AbortHandle)>,
}

impl Dispatcher {
    async fn dispatch(&mut self, line: Vec<u8>) {
        let msgs = match jsonrpc::parse_client(&line) {
            Ok(m) => m,
            Err(reply) => {
                self.proxy.tokens.log(
                    "the client sent a line that is not a JSON-RPC message; answered with an error",
                );
                self.proxy.emit(reply).await;
                return;
            }
        };
        for msg in msgs {
            self.one(msg).await;
        }
    }

    async fn one(&mut self, mut msg: Message) {
        if msg.is_initialize() {
            if let Some((body, offered)) = jsonrpc::cap_protocol_version(&msg.body, &self.ceiling) {
                self.proxy.tokens.log(&format!(
                    "the client offers MCP protocol {offered}; offering {} (Figma's server fails on newer versions; --protocol-version changes this)",
                    self.ceiling
                ));
                msg.body = body;
            }
            self.proxy.session.client_initialize(&msg.body);
            // In order: everything after it needs the session it opens.
            self.proxy.handle(msg).await;
            return;
        }
        if msg.is_method("notifications/initialized") {
            self.proxy.session.client_initialized(&msg.body);
            if self.proxy.handle(msg).await {
                self.proxy.start_listening();
            }
            return;
        }
        let cancels = msg
            .is_method("notifications/cancelled")
            .then(|| jsonrpc::cancelled_request(&msg.body))
            .flatten();
        let key = msg.id.as_ref().map(Value::to_string);
        let Ok(permit) = self.limit.clone().acquire_owned().await else {
            return;
        };
        let p = self.proxy.clone();
        let handle = self.tasks.spawn(async move {
            let _permit = permit;
            p.handle(msg).await;
        });
        if let Some(k) = key {
            self.in_flight.insert(k, (handle.id(), handle.clone()));
        }
        if let Some(id) = cancels {
            // The server is told (above); the proxy stops waiting for the answer.
            if let Some((_, h)) = self.in_flight.remove(&id.to_string()) {
                h.abort();
            }
        }
    }
}
