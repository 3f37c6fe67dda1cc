//! JSON-RPC 2.0 as the proxy needs it: the kind of a client line, which request a server message
//! answers, server messages as stdio lines (never a token in them), the proxy's own errors and the
//! protocol-version cap of `initialize`.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

/// The error codes of the answers the proxy writes itself (JSON-RPC reserves -32000 to -32099
/// for implementation-defined server errors).
pub(crate) mod code {
    pub(crate) const PARSE_ERROR: i64 = -32700;
    pub(crate) const INVALID_REQUEST: i64 = -32600;
    /// No usable login: the message names the `figma-auth login` command to run.
    pub(crate) const LOGIN_REQUIRED: i64 = -32001;
    /// The MCP server or the network failed for now (timeout, 5xx, 429): retry later.
    pub(crate) const UNAVAILABLE: i64 = -32002;
    /// The MCP server refused or answered something unusable (redirect, 403, 404, bad body).
    pub(crate) const REFUSED: i64 = -32003;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Request,
    Notification,
    Response,
}

/// One message from the client, as it will be POSTed.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub body: Vec<u8>,
    pub kind: Kind,
    /// The id of a request.
    pub id: Option<Value>,
    pub method: Option<String>,
    /// Sent by the proxy itself (a replayed `initialize`): nothing of its answer reaches the
    /// client.
    pub internal: bool,
}

impl Message {
    pub(crate) fn is_initialize(&self) -> bool {
        self.kind == Kind::Request && self.method.as_deref() == Some("initialize")
    }

    pub(crate) fn is_method(&self, name: &str) -> bool {
        self.method.as_deref() == Some(name)
    }

    /// `tools/call (id 7)`, for messages to the user.
    pub(crate) fn label(&self) -> String {
        match (&self.method, &self.id) {
            (Some(m), Some(id)) => format!("{m} (id {id})"),
            (Some(m), None) => m.clone(),
            (None, Some(id)) => format!("the response (id {id})"),
            (None, None) => "a message".to_string(),
        }
    }
}

#[derive(Deserialize)]
struct ClientPeek {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<String>,
}

/// What a client line holds: messages to forward, or the error to answer it with.
pub(crate) fn parse_client(line: &[u8]) -> Result<Vec<Message>, Vec<u8>> {
    let first = line.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'[') {
        // A batch (no longer part of MCP since 2025-06-18): forward its messages one by one.
        let items: Vec<Value> = serde_json::from_slice(line).map_err(|_| parse_error())?;
        if items.is_empty() {
            return Err(error_response(
                &Value::Null,
                code::INVALID_REQUEST,
                "empty batch",
                None,
            ));
        }
        return items
            .into_iter()
            .map(|v| {
                let body = serde_json::to_vec(&v).expect("a Value serialises");
                one(body)
            })
            .collect();
    }
    one(line.to_vec()).map(|m| vec![m])
}

fn one(body: Vec<u8>) -> Result<Message, Vec<u8>> {
    let peek: ClientPeek = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) if e.is_data() => {
            return Err(error_response(
                &Value::Null,
                code::INVALID_REQUEST,
                "not a JSON-RPC message (expected an object)",
                None,
            ))
        }
        Err(_) => return Err(parse_error()),
    };
    let kind = match (&peek.method, &peek.id) {
        (Some(_), Some(_)) => Kind::Request,
        (Some(_), None) => Kind::Notification,
        (None, _) => Kind::Response,
    };
    Ok(Message {
        body,
        kind,
        id: if kind == Kind::Request { peek.id } else { None },
        method: peek.method,
        internal: false,
    })
}

fn parse_error() -> Vec<u8> {
    error_response(&Value::Null, code::PARSE_ERROR, "Parse error", None)
}

/// A JSON-RPC error response, as one line.
pub(crate) fn error_response(id: &Value, code: i64, message: &str, data: Option<Value>) -> Vec<u8> {
    let mut error = serde_json::json!({"code": code, "message": message});
    if let Some(d) = data {
        error["data"] = d;
    }
    let mut line =
        serde_json::to_vec(&serde_json::json!({"jsonrpc": "2.0", "id": id, "error": error}))
            .expect("a Value serialises");
    line.push(b'\n');
    line
}

#[derive(Deserialize)]
struct ServerPeek {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<IgnoredAny>,
    #[serde(default)]
    result: Option<IgnoredAny>,
    #[serde(default)]
    error: Option<IgnoredAny>,
}

/// A server message ready for stdout.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// One line, ending with `\n`.
    pub bytes: Vec<u8>,
    /// The id, when the message is a response.
    pub answers: Option<Value>,
}

/// The body is not JSON (or not JSON-RPC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotJson;

/// Turns a server message (a JSON body or an event's data) into stdout lines: checked to be
/// JSON, one line each (a batch is split), and `secret` replaced if the server quoted it.
///
/// Messages are passed through as bytes: a line is parsed only far enough to classify it (the rest
/// is skipped, not built), and a server message is re-encoded only when it spans lines.
pub(crate) fn server_lines(body: &[u8], secret: &str) -> Result<Vec<Line>, NotJson> {
    let body = body.trim_ascii();
    if body.first() == Some(&b'[') {
        let items: Vec<Value> = serde_json::from_slice(body).map_err(|_| NotJson)?;
        return items
            .iter()
            .map(|v| {
                let bytes = serde_json::to_vec(v).expect("a Value serialises");
                server_line(&bytes, secret)
            })
            .collect();
    }
    server_line(body, secret).map(|l| vec![l])
}

fn server_line(body: &[u8], secret: &str) -> Result<Line, NotJson> {
    let peek: ServerPeek = serde_json::from_slice(body).map_err(|_| NotJson)?;
    let answers = if peek.method.is_none() && (peek.result.is_some() || peek.error.is_some()) {
        Some(peek.id.unwrap_or(Value::Null))
    } else {
        None
    };
    let mut bytes = Vec::with_capacity(body.len() + 1);
    bytes.extend_from_slice(body);
    // In valid JSON, CR and LF occur only as white space between tokens (inside strings they
    // must be escaped), so a space keeps the message and makes it one line.
    for b in bytes.iter_mut() {
        if *b == b'\n' || *b == b'\r' {
            *b = b' ';
        }
    }
    redact(&mut bytes, secret);
    bytes.push(b'\n');
    Ok(Line { bytes, answers })
}

/// Replaces every occurrence of `secret` in `bytes` (a token is made of characters that need no
/// escaping, so the JSON stays valid).
pub(crate) fn redact(bytes: &mut Vec<u8>, secret: &str) {
    if secret.len() < 8 || memchr::memmem::find(bytes, secret.as_bytes()).is_none() {
        return;
    }
    let finder = memchr::memmem::Finder::new(secret.as_bytes());
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = &bytes[..];
    while let Some(i) = finder.find(rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"[redacted]");
        rest = &rest[i + secret.len()..];
    }
    out.extend_from_slice(rest);
    *bytes = out;
}

/// True for `YYYY-MM-DD`, the shape of every MCP protocol version.
pub(crate) fn is_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Figma's trap: an `initialize` offering a protocol version newer than `ceiling` (or one that
/// is not a date) is offered as `ceiling`. Returns the rewritten body and the version the client
/// offered, or `None` when the body stays as it is.
pub(crate) fn cap_protocol_version(body: &[u8], ceiling: &str) -> Option<(Vec<u8>, String)> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let offered = v
        .get("params")?
        .get("protocolVersion")?
        .as_str()?
        .to_string();
    if is_version(&offered) && offered.as_str() <= ceiling {
        return None;
    }
    v["params"]["protocolVersion"] = Value::String(ceiling.to_string());
    Some((serde_json::to_vec(&v).expect("a Value serialises"), offered))
}

/// `result.protocolVersion` of an `initialize` response.
pub(crate) fn negotiated_version(line: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct R {
        result: Res,
    }
    #[derive(Deserialize)]
    struct Res {
        #[serde(rename = "protocolVersion")]
        protocol_version: String,
    }
    serde_json::from_slice::<R>(line)
        .ok()
        .map(|r| r.result.protocol_version)
}

/// The id of the request a `notifications/cancelled` cancels.
pub(crate) fn cancelled_request(body: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("params")?.get("requestId").cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_lines_are_classified() {
        let m = parse_client(br#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#).unwrap();
        assert_eq!(m[0].kind, Kind::Request);
        assert_eq!(m[0].id, Some(Value::from(3)));
        assert_eq!(m[0].label(), "tools/list (id 3)");
        let n = parse_client(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert_eq!(n[0].kind, Kind::Notification);
        let r = parse_client(br#"{"jsonrpc":"2.0","id":"s1","result":{}}"#).unwrap();
        assert_eq!(r[0].kind, Kind::Response);
        assert_eq!(r[0].id, None);
        let b = parse_client(
            br#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b"}]"#,
        )
        .unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].kind, Kind::Notification);
    }

    #[test]
    fn bad_client_lines_get_json_rpc_errors() {
        let e = parse_client(b"{not json").unwrap_err();
        let v: Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(v["error"]["code"], code::PARSE_ERROR);
        assert_eq!(v["id"], Value::Null);
        let e = parse_client(b"42").unwrap_err();
        let v: Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(v["error"]["code"], code::INVALID_REQUEST);
        assert!(parse_client(b"[]").is_err());
    }

    #[test]
    fn server_messages_become_single_lines() {
        let pretty =
            b"{\n  \"jsonrpc\": \"2.0\",\r\n  \"id\": 5,\n  \"result\": {\"text\": \"a\\nb\"}\n}\n";
        let lines = server_lines(pretty, "figu_secret_token_value").unwrap();
        assert_eq!(lines.len(), 1);
        let l = &lines[0].bytes;
        assert_eq!(l.iter().filter(|b| **b == b'\n').count(), 1);
        assert!(l.ends_with(b"\n"));
        let v: Value = serde_json::from_slice(l).unwrap();
        assert_eq!(v["result"]["text"], "a\nb");
        assert_eq!(lines[0].answers, Some(Value::from(5)));
        let note = server_lines(
            br#"{"jsonrpc":"2.0","method":"notifications/progress"}"#,
            "",
        )
        .unwrap();
        assert_eq!(note[0].answers, None);
        let batch = server_lines(
            br#"[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"error":{"code":1,"message":"x"}}]"#,
            "",
        )
        .unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch[1].answers, Some(Value::from(2)));
        assert_eq!(server_lines(b"<html>", ""), Err(NotJson));
        assert_eq!(server_lines(br#"{"id":1} trailing"#, ""), Err(NotJson));
    }

    #[test]
    fn a_quoted_token_is_redacted() {
        let t = "mock_at_1_0123456789abcdef";
        let body =
            format!(r#"{{"jsonrpc":"2.0","id":1,"result":{{"echo":"Bearer {t} and {t}"}}}}"#);
        let l = &server_lines(body.as_bytes(), t).unwrap()[0].bytes;
        let s = String::from_utf8(l.clone()).unwrap();
        assert!(!s.contains(t), "{s}");
        assert_eq!(s.matches("[redacted]").count(), 2);
        serde_json::from_str::<Value>(&s).unwrap();
    }

    #[test]
    fn newer_protocol_versions_are_capped() {
        let init = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2026-07-28","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#;
        let (body, offered) = cap_protocol_version(init, "2025-11-25").unwrap();
        assert_eq!(offered, "2026-07-28");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["params"]["protocolVersion"], "2025-11-25");
        assert_eq!(v["params"]["clientInfo"]["name"], "c");
        assert!(cap_protocol_version(init, "2026-07-28").is_none());
        let old = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}"#;
        assert!(cap_protocol_version(old, "2025-11-25").is_none());
        let odd = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"draft"}}"#;
        assert_eq!(cap_protocol_version(odd, "2025-11-25").unwrap().1, "draft");
        assert!(is_version("2025-11-25") && !is_version("2025-11-2x") && !is_version("2025-11"));
    }

    #[test]
    fn the_negotiated_version_is_read_from_the_result() {
        assert_eq!(
            negotiated_version(br#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{}}}"#)
                .as_deref(),
            Some("2025-11-25")
        );
        assert_eq!(
            negotiated_version(br#"{"jsonrpc":"2.0","id":0,"error":{}}"#),
            None
        );
    }
}
