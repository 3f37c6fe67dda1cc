//! `figma-auth proxy --check`: one `initialize` round trip through the proxy's own code with the
//! profile's token, then the session is closed; exit 0 accepted, 3 log in, 4 try later, 1
//! otherwise.

use super::forward::Proxy;
use super::jsonrpc::{Kind, Message};
use super::transport::Fail;
use super::{runtime, Options};
use crate::app::Context;
use crate::error::{exit, Error};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// What the check found.
#[derive(Debug)]
struct Found {
    server: Option<String>,
    protocol: Option<String>,
    session: bool,
    millis: u128,
}

/// The token is refreshed first when it expires soon, as the proxy would; `--json` prints the
/// result as one object.
pub(crate) fn check(ctx: &Context, opts: &Options, as_json: bool) -> Result<u8, Error> {
    let rt = runtime()?;
    let result = rt.block_on(run(ctx.clone(), opts.clone()))?;
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    let url = crate::oauth::display_url(&opts.url);
    let code = match &result {
        Ok(_) => exit::OK,
        Err(f) => f.exit_code(),
    };
    if as_json {
        let mut v = json!({
            "ok": result.is_ok(),
            "profile": ctx.profile(),
            "mcp_url": url,
        });
        match &result {
            Ok(f) => {
                v["server"] = json!(f.server);
                v["protocol_version"] = json!(f.protocol);
                v["session"] = json!(f.session);
                v["elapsed_ms"] = json!(f.millis as u64);
            }
            Err(f) => {
                v["kind"] = f.data()["kind"].clone();
                v["message"] = json!(f.message());
                if let Some(s) = f.data().get("http_status") {
                    v["http_status"] = s.clone();
                }
            }
        }
        let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
        text.push('\n');
        ctx.ui.out(&text)?;
    } else {
        match &result {
            Ok(f) => {
                let mut details = Vec::new();
                if let Some(s) = &f.server {
                    details.push(format!("server {s}"));
                }
                if let Some(p) = &f.protocol {
                    details.push(format!("protocol {p}"));
                }
                details.push(format!("{} ms", f.millis));
                ctx.ui.out(&format!(
                    "ok: the MCP server at {url} accepted the token of profile {} ({})\n",
                    ctx.profile(),
                    details.join(", ")
                ))?;
            }
            Err(f) => ctx.ui.error(f.message()),
        }
    }
    Ok(code)
}

async fn run(ctx: Context, opts: Options) -> Result<Result<Found, Fail>, Error> {
    let (tx, mut rx) = mpsc::channel(16);
    let proxy = Arc::new(Proxy::new(ctx, &opts, tx)?);
    let body = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": opts.protocol_ceiling,
            "capabilities": {},
            "clientInfo": {"name": "figma-auth proxy --check", "version": env!("CARGO_PKG_VERSION")},
        },
    });
    let msg = Message {
        body: serde_json::to_vec(&body).expect("serialisable"),
        kind: Kind::Request,
        id: Some(Value::from(1)),
        method: Some("initialize".into()),
        internal: false,
    };
    proxy.session.client_initialize(&msg.body);
    let started = Instant::now();
    let r = proxy.exchange(&msg).await;
    let millis = started.elapsed().as_millis();
    let session = proxy.session.snapshot().id.is_some();
    proxy.close_session().await;
    proxy.tokens.finish();
    proxy.close_output();
    let mut answer = None;
    while let Ok(line) = rx.try_recv() {
        let v: Value = serde_json::from_slice(&line).unwrap_or(Value::Null);
        if v.get("id") == Some(&Value::from(1)) {
            answer = Some(v);
        }
    }
    Ok(r.and_then(|()| {
        let v = answer.unwrap_or(Value::Null);
        if let Some(e) = v.get("error") {
            let text = e.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(Fail::refused(format!(
                "the MCP server at {} answered initialize with an error: {}",
                proxy.up.shown,
                crate::oauth::sanitize(text, &[], 200)
            )));
        }
        let result = v.get("result").cloned().unwrap_or(Value::Null);
        let clean = |s: &str| crate::oauth::sanitize(s, &[], 100);
        let server = result.get("serverInfo").and_then(|i| {
            let name = i.get("name")?.as_str()?;
            Some(match i.get("version").and_then(Value::as_str) {
                Some(ver) => clean(&format!("{name} {ver}")),
                None => clean(name),
            })
        });
        Ok(Found {
            server,
            protocol: result
                .get("protocolVersion")
                .and_then(Value::as_str)
                .map(clean),
            session,
            millis,
        })
    }))
}
