//! Generated Codex `config.toml` files: top-level settings of every TOML value type (basic,
//! literal and escaped strings, unicode, integers in every base, floats including inf/nan,
//! dates, arrays, inline tables), comments, other tables and servers, our entry in any state
//! (inline or sub-table headers, dotted keys, an inline `mcp_servers`, credentials from
//! elsewhere), CRLF, a BOM, with or without a final newline. Each line knows whether it belongs
//! to our entry, so the tests can check that every other line survives an edit.

use proptest::collection::vec;
use proptest::prelude::*;

use figma_auth::edit::oracle::{Kind, NEW_TOKEN};

#[derive(Clone, Debug)]
pub enum TVal {
    Basic(String),
    Literal(String),
    Raw(&'static str),
    Arr(Vec<TVal>),
    Inline(Vec<(String, TVal)>),
}

const RAWS: &[&str] = &[
    "0",
    "-17",
    "1_000",
    "0x1F",
    "0o17",
    "0b101",
    "3.25",
    "-0.5",
    "6.02e23",
    "1e-3",
    "inf",
    "-inf",
    "nan",
    "true",
    "false",
    "1979-05-27T07:32:00Z",
    "1979-05-27",
    "07:32:00",
];

fn text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => proptest::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('\n'),
        1 => Just('\t'),
        1 => Just('é'),
        1 => Just('😀'),
        1 => Just('#'),
        1 => Just('='),
        1 => Just('['),
        1 => Just(' '),
        1 => Just('\u{7f}'),
    ];
    vec(c, 0..8).prop_map(String::from_iter)
}

fn basic(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{7f}' => out.push_str("\\u007F"),
            '😀' => out.push_str("\\U0001F600"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key: bare, or quoted with whatever is in it.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_][a-z0-9_-]{0,5}".prop_map(|k| k),
        1 => text().prop_map(|t| basic(&format!("q{t}"))),
    ]
}

fn value() -> impl Strategy<Value = TVal> {
    let leaf = prop_oneof![
        text().prop_map(TVal::Basic),
        "[a-zA-Z0-9 é\"\\\\#]{0,6}".prop_map(TVal::Literal),
        prop::sample::select(RAWS).prop_map(TVal::Raw),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(TVal::Arr),
            vec((key(), inner), 0..3).prop_map(|m| TVal::Inline(dedupe(m))),
        ]
    })
}

fn dedupe(m: Vec<(String, TVal)>) -> Vec<(String, TVal)> {
    let mut out: Vec<(String, TVal)> = Vec::new();
    for (k, v) in m {
        let name = key_name(&k);
        if !out.iter().any(|(o, _)| key_name(o) == name) {
            out.push((k, v));
        }
    }
    out
}

/// The key's name (quotes and escapes resolved) for duplicate detection.
fn key_name(k: &str) -> String {
    if k.starts_with('"') {
        toml::from_str::<toml::Table>(&format!("{k} = 1"))
            .ok()
            .and_then(|t| t.keys().next().cloned())
            .unwrap_or_else(|| k.to_string())
    } else {
        k.to_string()
    }
}

fn render_value(v: &TVal) -> String {
    match v {
        TVal::Basic(s) => basic(s),
        TVal::Literal(s) => format!("'{s}'"),
        TVal::Raw(r) => r.to_string(),
        TVal::Arr(a) => format!(
            "[{}]",
            a.iter().map(render_value).collect::<Vec<_>>().join(", ")
        ),
        TVal::Inline(m) => {
            if m.is_empty() {
                "{}".into()
            } else {
                format!(
                    "{{ {} }}",
                    m.iter()
                        .map(|(k, v)| format!("{k} = {}", render_value(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct TEntry {
    pub other_name: bool,
    /// 0 ours, 1 ours with `/`, 2 another URL, 3 none.
    pub url: u8,
    /// 0 absent, 1 `{}`, 2 inline old, 3 inline new, 4 sub-table lowercase old, 5 sub-table with
    /// another header + old, 6 dotted key old, 7 a `${VAR}` reference.
    pub headers: u8,
    /// 0 `bearer_token_env_var`, 1 `http_headers_helper`.
    pub alt: Option<u8>,
    pub extras: Vec<(String, TVal)>,
}

#[derive(Clone, Debug)]
pub struct TomlDoc {
    pub top: Vec<(String, TVal)>,
    pub tables: Vec<(String, Vec<(String, TVal)>)>,
    pub others: Vec<(String, Vec<(String, TVal)>)>,
    pub entry: Option<TEntry>,
    pub entry_pos: usize,
    pub inline_container: bool,
    pub mcp_header: bool,
    pub comments: Vec<Option<&'static str>>,
    pub crlf: bool,
    pub bom: bool,
    pub final_nl: bool,
}

const COMMENTS: &[&str] = &["# c", "# ü — note", "#", "# [not.a.table]", "# key = \"v\""];

pub fn doc() -> impl Strategy<Value = TomlDoc> {
    let entry = (
        prop::bool::weighted(0.15),
        prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        0u8..8,
        prop::option::weighted(0.2, 0u8..2),
        vec((key(), value()), 0..3),
    )
        .prop_map(|(other_name, url, headers, alt, extras)| TEntry {
            other_name,
            url,
            headers,
            alt,
            extras: dedupe(extras),
        });
    (
        vec((key(), value()), 0..4),
        vec(("tbl-[a-z]{1,4}", vec((key(), value()), 0..3)), 0..3),
        vec(("srv-[a-z]{1,4}", vec((key(), value()), 0..2)), 0..3),
        prop::option::weighted(0.85, entry),
        any::<usize>(),
        (
            prop::bool::weighted(0.1),
            any::<bool>(),
            vec(
                prop::option::weighted(0.3, prop::sample::select(COMMENTS)),
                1..8,
            ),
            any::<bool>(),
            prop::bool::weighted(0.15),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(top, tables, others, entry, entry_pos, (ic, mh, comments, crlf, bom, nl))| {
                let mut seen: Vec<String> = Vec::new();
                let mut uniq = |n: String| {
                    let ok = !seen.contains(&n);
                    seen.push(n);
                    ok
                };
                TomlDoc {
                    top: dedupe(top)
                        .into_iter()
                        .filter(|(k, _)| {
                            k != "mcp_servers"
                                && k != "projects"
                                && !k.starts_with("tbl-")
                                && !k.starts_with("srv-")
                        })
                        .collect(),
                    tables: tables
                        .into_iter()
                        .filter(|(n, _)| uniq(n.clone()))
                        .map(|(n, kv)| (n, dedupe(kv)))
                        .collect(),
                    others: others
                        .into_iter()
                        .filter(|(n, _)| uniq(n.clone()))
                        .map(|(n, kv)| (n, dedupe(kv)))
                        .collect(),
                    entry,
                    entry_pos,
                    inline_container: ic,
                    mcp_header: mh,
                    comments,
                    crlf,
                    bom,
                    final_nl: nl,
                }
            },
        )
}

pub struct Rendered {
    pub text: String,
    /// Each line and whether it belongs to our entry (may change).
    pub lines: Vec<(String, bool)>,
}

use super::json_gen::{OLD, OURS};

impl TEntry {
    fn name(&self) -> &'static str {
        if self.other_name {
            "figma-by-url"
        } else {
            "figma"
        }
    }

    fn ours(&self) -> bool {
        self.url <= 1
    }

    /// Members as `key = value` strings, and the sub-table lines for the headers.
    fn members(&self) -> (Vec<String>, Vec<String>) {
        let mut m = Vec::new();
        let mut sub = Vec::new();
        match self.url {
            0 => m.push(format!("url = {}", basic(OURS))),
            1 => m.push(format!("url = {}", basic(&format!("{OURS}/")))),
            2 => m.push(format!("url = {}", basic("http://127.0.0.1:3845/mcp"))),
            _ => {}
        }
        if let Some(a) = self.alt {
            m.push(if a == 0 {
                "bearer_token_env_var = \"FIGMA_TOKEN\"".into()
            } else {
                "http_headers_helper = \"figma-auth header --json\"".into()
            });
        }
        let new = format!("Bearer {NEW_TOKEN}");
        match self.headers {
            0 => {}
            1 => m.push("http_headers = {}".into()),
            2 => m.push(format!(
                "http_headers = {{ \"Authorization\" = {} }}",
                basic(OLD)
            )),
            3 => m.push(format!(
                "http_headers = {{ Authorization = {} }}",
                basic(&new)
            )),
            4 => sub.push(format!("authorization = {}  # rotated", basic(OLD))),
            5 => {
                sub.push("X-Team = \"d\\\"é\"".into());
                sub.push(format!("Authorization = {}", basic(OLD)));
            }
            6 => m.push(format!("http_headers.Authorization = {}", basic(OLD))),
            _ => m.push(format!(
                "http_headers = {{ Authorization = {} }}",
                basic("Bearer ${FIGMA_TOKEN}")
            )),
        }
        let reserved = [
            "url",
            "http_headers",
            "bearer_token_env_var",
            "http_headers_helper",
        ];
        for (k, v) in &self.extras {
            if !reserved.contains(&key_name(k).as_str()) {
                m.push(format!("{k} = {}", render_value(v)));
            }
        }
        (m, sub)
    }

    fn inline(&self) -> String {
        let (m, sub) = self.members();
        let mut parts = m;
        if !sub.is_empty() {
            parts.push(format!(
                "http_headers = {{ {} }}",
                sub.iter()
                    .map(|l| l.split("  #").next().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        format!("{{ {} }}", parts.join(", "))
    }
}

impl TomlDoc {
    pub fn expected_refresh(&self) -> Kind {
        let Some(e) = &self.entry else {
            return Kind::Rewrite;
        };
        if !e.ours() {
            return if e.other_name {
                Kind::Rewrite
            } else {
                Kind::Conflict
            };
        }
        if e.alt.is_some() || e.headers == 7 {
            return Kind::Indirect;
        }
        if e.headers == 3 {
            return Kind::Unchanged;
        }
        Kind::Rewrite
    }

    pub fn render(&self) -> Rendered {
        let mut lines: Vec<(String, bool)> = Vec::new();
        let mut ci = 0;
        let mut comment = |lines: &mut Vec<(String, bool)>, entry: bool| {
            if let Some(c) = self.comments[ci % self.comments.len()] {
                lines.push((c.to_string(), entry));
            }
            ci += 1;
        };
        comment(&mut lines, false);
        for (k, v) in &self.top {
            lines.push((format!("{k} = {}", render_value(v)), false));
            comment(&mut lines, false);
        }
        let other_kv = |kv: &[(String, TVal)]| -> Vec<String> {
            kv.iter()
                .filter(|(k, _)| key_name(k) != "url")
                .map(|(k, v)| format!("{k} = {}", render_value(v)))
                .collect()
        };
        if self.inline_container {
            let mut servers: Vec<String> = self
                .others
                .iter()
                .map(|(n, kv)| {
                    let mut m = vec![format!("url = {}", basic("https://example.com/mcp"))];
                    m.extend(other_kv(kv));
                    format!("{n} = {{ {} }}", m.join(", "))
                })
                .collect();
            if let Some(e) = &self.entry {
                let at = self.entry_pos % (servers.len() + 1);
                servers.insert(at, format!("{} = {}", e.name(), e.inline()));
            }
            lines.push((format!("mcp_servers = {{ {} }}", servers.join(", ")), true));
        }
        for (n, kv) in &self.tables {
            lines.push((String::new(), false));
            lines.push((format!("[{n}]"), false));
            for l in other_kv(kv) {
                lines.push((l, false));
            }
        }
        if !self.inline_container {
            if self.mcp_header {
                lines.push((String::new(), false));
                lines.push(("[mcp_servers]".into(), false));
            }
            let mut blocks: Vec<(Vec<String>, bool)> = self
                .others
                .iter()
                .map(|(n, kv)| {
                    let mut b = vec![
                        String::new(),
                        format!("[mcp_servers.{n}]"),
                        format!("url = {}", basic("https://example.com/mcp")),
                    ];
                    b.extend(other_kv(kv));
                    (b, false)
                })
                .collect();
            if let Some(e) = &self.entry {
                let (m, sub) = e.members();
                let mut b = vec![String::new(), format!("[mcp_servers.{}]", e.name())];
                b.extend(m);
                if !sub.is_empty() {
                    b.push(String::new());
                    b.push(format!("[mcp_servers.{}.http_headers]", e.name()));
                    b.extend(sub);
                }
                let at = self.entry_pos % (blocks.len() + 1);
                blocks.insert(at, (b, e.ours()));
            }
            for (b, ours) in blocks {
                for l in b {
                    lines.push((l, ours));
                }
            }
        }
        lines.push((String::new(), false));
        comment(&mut lines, false);
        lines.push(("[projects.\"/home/user/project\"]".into(), false));
        lines.push(("trust_level = \"trusted\"".into(), false));
        let nl = if self.crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if self.bom {
            text.push('\u{feff}');
        }
        text.push_str(
            &lines
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join(nl),
        );
        if self.final_nl {
            text.push_str(nl);
        }
        Rendered { text, lines }
    }
}

/// Every line of the input that is not our entry's is in the output, in order.
pub fn lines_kept(r: &Rendered, out: &str) -> Result<(), String> {
    let out = out.strip_prefix('\u{feff}').unwrap_or(out);
    let mut got = out.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    for (line, entry) in &r.lines {
        if *entry || line.is_empty() {
            continue;
        }
        if !got.any(|g| g == line) {
            return Err(format!("line lost or moved: {line:?}"));
        }
    }
    Ok(())
}
