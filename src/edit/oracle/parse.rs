//! The clients' parsers, as the oracle sees them: serde_json after stripping comments (and,
//! where the client allows them, trailing commas) with a small scanner of its own, the `toml`
//! crate (Codex's parser) for TOML, and serde_yaml (Goose's parser, libyaml) for YAML. Written
//! independently of the edit engine on purpose.

use serde_json::{Map, Value};

use crate::edit::Syntax;

/// Nothing but whitespace (and comments, where allowed).
pub(super) fn is_blank_doc(syntax: Syntax, text: &str) -> bool {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    match syntax {
        Syntax::Toml => body.trim().is_empty(),
        Syntax::Yaml => body
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')),
        _ => strip_comments(body, true)
            .map(|s| s.trim().is_empty())
            .unwrap_or(false),
    }
}

/// Parses `text` the way the client would (a leading BOM skipped), into a comparable value.
/// `blank_ok`: an empty (or comment-only) document reads as `{}` (a file we may create into).
pub fn parse_client(syntax: Syntax, text: &str, blank_ok: bool) -> Result<Value, String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    match syntax {
        Syntax::Toml => {
            let table: ::toml::Table = ::toml::from_str(body).map_err(|e| e.to_string())?;
            Ok(toml_to_json(::toml::Value::Table(table)))
        }
        Syntax::Yaml => {
            let v: serde_yaml::Value = serde_yaml::from_str(body).map_err(|e| e.to_string())?;
            match yaml_to_json(v) {
                v @ Value::Object(_) => Ok(v),
                // An empty document (blank, `---`, `~`) that the edit may fill.
                Value::Null => Ok(Value::Object(Map::new())),
                _ => Err("the top level is not a mapping".into()),
            }
        }
        _ => {
            let stripped = strip_comments(body, syntax == Syntax::Jsonc)?;
            if syntax == Syntax::StrictJson && stripped != body {
                return Err("a comment or trailing comma in a strict JSON file".into());
            }
            if blank_ok && stripped.trim().is_empty() {
                return Ok(Value::Object(Map::new()));
            }
            let v: Value =
                serde_json::from_str(&normalize_for_serde(&stripped)).map_err(|e| e.to_string())?;
            if !v.is_object() {
                return Err("the top level is not an object".into());
            }
            Ok(v)
        }
    }
}

/// serde_yaml's value as JSON, typed like `toml_to_json` (numbers as tagged strings, so that `1`
/// and `"1"` stay different; keys that are not strings tagged too).
fn yaml_to_json(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => Value::String(format!("num:{n}")),
        Y::String(s) => Value::String(s),
        Y::Sequence(s) => Value::Array(s.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => format!("key:{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let mut m = Map::new();
            m.insert(format!("!{}", t.tag), yaml_to_json(t.value));
            Value::Object(m)
        }
    }
}

fn toml_to_json(v: ::toml::Value) -> Value {
    match v {
        ::toml::Value::String(s) => Value::String(s),
        // Typed so that 1 and 1.0 stay different.
        ::toml::Value::Integer(i) => Value::String(format!("int:{i}")),
        ::toml::Value::Float(f) => Value::String(format!("float:{f:?}")),
        ::toml::Value::Boolean(b) => Value::Bool(b),
        ::toml::Value::Datetime(d) => Value::String(format!("datetime:{d}")),
        ::toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        ::toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Replaces comments with spaces and, with `trailing_ok`, removes trailing commas; without it a
/// trailing comma is an error (Gemini's strip-json-comments + JSON.parse). Strings are kept.
/// An unterminated comment or string is an error.
pub fn strip_comments(text: &str, trailing_ok: bool) -> Result<String, String> {
    let b = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut pending_comma: Option<usize> = None; // index in `out`
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err("unterminated string".into()),
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                pending_comma = None;
                out.extend_from_slice(&b[start..i.min(b.len())]);
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                out.push(b' ');
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").ok_or("unterminated comment")?;
                i += 2 + end + 2;
                out.push(b' ');
            }
            b',' => {
                pending_comma = Some(out.len());
                out.push(b',');
                i += 1;
            }
            b'}' | b']' => {
                if let Some(p) = pending_comma.take() {
                    if !trailing_ok {
                        return Err("trailing comma".into());
                    }
                    out[p] = b' ';
                }
                out.push(b[i]);
                i += 1;
            }
            c => {
                if !c.is_ascii_whitespace() {
                    pending_comma = None;
                }
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8".into())
}

/// What JSON.parse reads and serde_json refuses, made comparable on both sides (found by the
/// fuzzer): every lone surrogate escape (`"\ud800"`) becomes `\ufffd`, and every number beyond
/// f64 (`1e999`, Infinity for JSON.parse) a string.
pub(super) fn normalize_for_serde(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if !in_string {
            // A number beyond f64 (`1e999`): JSON.parse reads Infinity, serde_json refuses it;
            // both sides of a comparison get the same string instead (found by the fuzzer).
            if c == b'-' || c.is_ascii_digit() {
                let len = b[i..]
                    .iter()
                    .take_while(|&&d| {
                        d.is_ascii_digit() || matches!(d, b'-' | b'+' | b'.' | b'e' | b'E')
                    })
                    .count();
                let num = &text[i..i + len];
                if num.parse::<f64>().is_ok_and(f64::is_infinite) {
                    out.push_str(&format!("\"number:{num}\""));
                } else {
                    out.push_str(num);
                }
                i += len;
                continue;
            }
            in_string = c == b'"';
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[i..i + len]);
            i += len;
            continue;
        }
        match c {
            b'"' => {
                in_string = false;
                out.push('"');
                i += 1;
            }
            b'\\' if b.get(i + 1) == Some(&b'u') => {
                let unit = |at: usize| {
                    (text.get(at..at + 2) == Some("\\u"))
                        .then(|| text.get(at + 2..at + 6))
                        .flatten()
                        .and_then(|h| u16::from_str_radix(h, 16).ok())
                };
                match text.get(i + 2..i + 6).map(|h| u16::from_str_radix(h, 16)) {
                    // A pair stays as it is.
                    Some(Ok(0xD800..=0xDBFF))
                        if unit(i + 6).is_some_and(|w| (0xDC00..=0xDFFF).contains(&w)) =>
                    {
                        out.push_str(&text[i..i + 12]);
                        i += 12;
                    }
                    Some(Ok(0xD800..=0xDFFF)) => {
                        out.push_str("\\ufffd");
                        i += 6;
                    }
                    Some(Ok(_)) => {
                        out.push_str(&text[i..i + 6]);
                        i += 6;
                    }
                    _ => {
                        out.push_str("\\u");
                        i += 2;
                    }
                }
            }
            b'\\' => {
                out.push('\\');
                i += 1;
                if let Some(ch) = text[i..].chars().next() {
                    out.push(ch);
                    i += ch.len_utf8();
                }
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}
