//! Generated JSON/JSONC documents: arbitrary values around the container path, other servers,
//! our entry in any state, odd whitespace, comments and trailing commas where the syntax allows
//! them, unicode and every string escape, CRLF, a BOM. The renderer records the byte span of each
//! object on the path, so the tests know which bytes an edit may touch.

use std::ops::Range;

use figma_auth::edit::{Scalar, Syntax};
use proptest::collection::vec;
use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum J {
    Null,
    Bool(bool),
    Num(&'static str),
    Str(String),
    /// A string literal written as is: lone and paired surrogate escapes.
    Raw(&'static str),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn scalar(s: &Scalar) -> J {
    match s {
        Scalar::Str(v) => J::Str(v.clone()),
        Scalar::Bool(b) => J::Bool(*b),
        Scalar::Int(_) => J::Num("300"),
    }
}

const NUMS: &[&str] = &[
    "0",
    "-1",
    "42",
    "3.25",
    "-0.5",
    "1e10",
    "2.5E-3",
    "-7e+2",
    "18446744073709551615",
    "0.000001",
];

fn text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => proptest::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        1 => Just('\n'),
        1 => Just('\t'),
        1 => Just('\u{0}'),
        1 => Just('\u{1f}'),
        1 => Just('é'),
        1 => Just('€'),
        1 => Just('😀'),
        1 => Just('\u{2028}'),
        1 => Just('\u{feff}'),
        1 => Just(' '),
        1 => Just('{'),
        1 => Just('}'),
        1 => Just('$'),
        1 => Just(','),
        1 => Just('*'),
    ];
    vec(c, 0..8).prop_map(String::from_iter)
}

/// Keys, including ones that look like ours.
pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text(),
        1 => prop::sample::select(vec![
            "figma", "url", "headers", "Authorization", "mcpServers", "mcp", "servers",
            "context_servers", "projects", "type", "$schema", "a.b", "with space", "ü", "",
        ])
        .prop_map(String::from),
    ]
}

pub fn value() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        prop::sample::select(NUMS).prop_map(J::Num),
        text().prop_map(J::Str),
        prop::sample::select(
            &[
                "\"\\ud83d\"",
                "\"a\\udc00b\"",
                "\"\\ud83d\\ude00\"",
                "\"\\\\ud83d\"",
                "\"\\ufffd\\uDBFF\"",
            ][..]
        )
        .prop_map(J::Raw),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(J::Arr),
            vec((key(), inner), 0..4).prop_map(|m| J::Obj(dedupe(m))),
        ]
    })
}

pub fn dedupe(m: Vec<(String, J)>) -> Vec<(String, J)> {
    let mut out: Vec<(String, J)> = Vec::new();
    for (k, v) in m {
        if !out.iter().any(|(o, _)| *o == k) {
            out.push((k, v));
        }
    }
    out
}

#[derive(Clone, Debug)]
pub struct Style {
    pub gaps: Vec<&'static str>,
    pub trailing: Vec<bool>,
    pub crlf: bool,
    pub bom: bool,
    /// 0: minimal escapes; 1: non-ASCII as `\uXXXX`; 2: also `\/`.
    pub escape: u8,
    pub final_nl: bool,
}

const WS_GAPS: &[&str] = &[
    "", " ", "  ", "\n", "\n  ", "\n\t\t", "\t", "\n\n    ", " \n",
];
const COMMENT_GAPS: &[&str] = &[
    " // c ü\n",
    "/* c */",
    "/* multi\n line */ ",
    "\n// only\n",
    "/**/",
    " /* , } */ ",
    "\n  // \"quoted\" {\n  ",
];

pub fn style(syntax: Syntax) -> impl Strategy<Value = Style> {
    let gap: BoxedStrategy<&'static str> = if syntax == Syntax::StrictJson {
        prop::sample::select(WS_GAPS).boxed()
    } else {
        prop_oneof![
            3 => prop::sample::select(WS_GAPS),
            1 => prop::sample::select(COMMENT_GAPS),
        ]
        .boxed()
    };
    (
        vec(gap, 1..10),
        vec(any::<bool>(), 1..5),
        any::<bool>(),
        prop::bool::weighted(0.15),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(|(gaps, trailing, crlf, bom, escape, final_nl)| Style {
            gaps,
            trailing,
            crlf,
            bom,
            escape,
            final_nl,
        })
}

/// Our entry as generated.
#[derive(Clone, Debug)]
pub struct EntryGen {
    /// Named otherwise than `figma` (found by its URL, when the URL is ours).
    pub other_name: bool,
    /// 0: ours, 1: ours with a trailing `/`, 2: another URL, 3: no URL.
    pub url: u8,
    pub url_key: usize,
    /// Which required members are present.
    pub required: Vec<bool>,
    /// 0 absent, 1 `{}`, 2 old token, 3 the new token, 4 lowercase key + old token,
    /// 5 a reference, 6 another header + old token.
    pub headers: u8,
    /// An alternative credentials field present.
    pub alt: Option<usize>,
    pub extras: Vec<(String, J)>,
    pub order: Vec<u8>,
}

pub fn entry() -> impl Strategy<Value = EntryGen> {
    (
        prop::bool::weighted(0.15),
        prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        0usize..2,
        vec(prop::bool::weighted(0.8), 2),
        0u8..7,
        prop::option::weighted(0.2, 0usize..2),
        vec((key(), value()), 0..3),
        vec(any::<u8>(), 8),
    )
        .prop_map(
            |(other_name, url, url_key, required, headers, alt, extras, order)| EntryGen {
                other_name,
                url,
                url_key,
                required,
                headers,
                alt,
                extras,
                order,
            },
        )
}

/// Where the client keeps servers and what our entry looks like (from the real spec).
pub struct Shape<'a> {
    pub container: &'a [String],
    pub url_keys: &'a [String],
    pub headers_key: &'a str,
    pub required: &'a [(String, Scalar)],
    pub alternatives: &'a [String],
}

pub const OLD: &str = "Bearer figu_PROP_OLD_TOKEN";
pub const OURS: &str = "https://mcp.figma.com/mcp";

impl EntryGen {
    pub fn name(&self) -> &'static str {
        if self.other_name {
            "figma-by-url"
        } else {
            "figma"
        }
    }

    /// The entry is ours (its URL is ours).
    pub fn ours(&self) -> bool {
        self.url <= 1
    }

    pub fn build(&self, shape: &Shape<'_>) -> J {
        let reserved = |k: &str| {
            shape.url_keys.iter().any(|u| u == k)
                || k == shape.headers_key
                || shape.required.iter().any(|(r, _)| r == k)
                || shape.alternatives.iter().any(|a| a == k)
        };
        let mut m: Vec<(String, J)> = Vec::new();
        let url_key = &shape.url_keys[self.url_key % shape.url_keys.len()];
        match self.url {
            0 => m.push((url_key.clone(), J::Str(OURS.into()))),
            1 => m.push((url_key.clone(), J::Str(format!("{OURS}/")))),
            2 => m.push((url_key.clone(), J::Str("http://127.0.0.1:3845/mcp".into()))),
            _ => {}
        }
        for (i, (k, v)) in shape.required.iter().enumerate() {
            if self.required.get(i).copied().unwrap_or(true) {
                m.push((k.clone(), scalar(v)));
            }
        }
        let auth = |k: &str, v: &str| (k.to_string(), J::Str(v.to_string()));
        let headers = match self.headers {
            0 => None,
            1 => Some(vec![]),
            2 => Some(vec![auth("Authorization", OLD)]),
            3 => Some(vec![auth(
                "Authorization",
                &format!("Bearer {}", figma_auth::edit::oracle::NEW_TOKEN),
            )]),
            4 => Some(vec![auth("authorization", OLD)]),
            5 => Some(vec![auth("Authorization", "Bearer ${FIGMA_TOKEN}")]),
            _ => Some(vec![auth("X-Team", "d\"é"), auth("Authorization", OLD)]),
        };
        if let Some(h) = headers {
            m.push((shape.headers_key.to_string(), J::Obj(h)));
        }
        if let (Some(i), false) = (self.alt, shape.alternatives.is_empty()) {
            let k = &shape.alternatives[i % shape.alternatives.len()];
            m.push((k.clone(), J::Str("FIGMA_TOKEN".into())));
        }
        for (k, v) in &self.extras {
            if !reserved(k) && !m.iter().any(|(o, _)| o == k) {
                m.push((k.clone(), v.clone()));
            }
        }
        // Shuffle by the generated weights.
        let mut keyed: Vec<(u8, (String, J))> = m
            .into_iter()
            .enumerate()
            .map(|(i, kv)| (self.order[i % self.order.len()], kv))
            .collect();
        keyed.sort_by_key(|(w, _)| *w);
        J::Obj(keyed.into_iter().map(|(_, kv)| kv).collect())
    }
}

/// A whole generated document.
#[derive(Clone, Debug)]
pub struct DocGen {
    /// `Some`: a blank document (0 empty, 1 whitespace, 2 comment only).
    pub blank: Option<u8>,
    /// How many container levels exist (clamped to the path length).
    pub levels: usize,
    /// Random members per level (root first), the path key filtered out.
    pub extras: Vec<Vec<(String, J)>>,
    /// Where the path member goes among the extras, per level.
    pub positions: Vec<usize>,
    pub others: Vec<(String, J)>,
    pub entry: Option<EntryGen>,
    pub style: Style,
}

pub fn doc(syntax: Syntax) -> impl Strategy<Value = DocGen> {
    (
        prop::option::weighted(0.05, 0u8..3),
        0usize..5,
        vec(vec((key(), value()), 0..3), 4),
        vec(any::<usize>(), 4),
        vec(("[a-z]{1,6}", value()), 0..3),
        prop::option::weighted(0.8, entry()),
        style(syntax),
    )
        .prop_map(
            |(blank, levels, extras, positions, others, entry, style)| DocGen {
                blank,
                levels,
                extras,
                positions,
                others: others
                    .into_iter()
                    .map(|(k, v)| (format!("srv-{k}"), v))
                    .collect(),
                entry,
                style,
            },
        )
}

/// The rendered text and the spans of the objects along the path, root first.
pub struct Rendered {
    pub text: String,
    pub spans: Vec<Range<usize>>,
}

impl DocGen {
    /// The document as a value, and the path to track (the container, plus the entry when it
    /// is ours).
    pub fn tree(&self, shape: &Shape<'_>) -> (Option<J>, Vec<String>) {
        if self.blank.is_some() {
            return (None, vec![]);
        }
        let depth = shape.container.len();
        // How many container keys exist; the object at that level is the innermost one.
        let levels = self.levels.min(depth);
        let extras = |d: usize| -> Vec<(String, J)> {
            let mut m = dedupe(self.extras[d % self.extras.len()].clone());
            if let Some(key) = shape.container.get(d) {
                m.retain(|(k, _)| k != key);
            }
            m
        };
        let mut cur = if levels == depth {
            let mut servers: Vec<(String, J)> = self
                .others
                .iter()
                .map(|(k, v)| {
                    let mut m = match v {
                        J::Obj(m) => m.clone(),
                        other => vec![("x".to_string(), other.clone())],
                    };
                    m.retain(|(k, _)| !shape.url_keys.iter().any(|u| u == k) && k != "url");
                    m.insert(0, ("url".into(), J::Str("https://example.com/mcp".into())));
                    (k.clone(), J::Obj(m))
                })
                .collect();
            if let Some(e) = &self.entry {
                let at = self.positions[0] % (servers.len() + 1);
                servers.insert(at, (e.name().to_string(), e.build(shape)));
            }
            J::Obj(servers)
        } else {
            J::Obj(extras(levels))
        };
        for d in (0..levels).rev() {
            let mut m = extras(d);
            let at = self.positions[(d + 1) % self.positions.len()] % (m.len() + 1);
            m.insert(at, (shape.container[d].clone(), cur));
            cur = J::Obj(m);
        }
        let mut path = shape.container[..levels].to_vec();
        if levels == depth
            && let Some(e) = self.entry.as_ref().filter(|e| e.ours())
        {
            path.push(e.name().to_string());
        }
        (Some(cur), path)
    }

    pub fn render(&self, syntax: Syntax, shape: &Shape<'_>) -> Rendered {
        let (root, path) = self.tree(shape);
        let mut r = Renderer {
            style: &self.style,
            syntax,
            out: String::new(),
            gi: 0,
            ti: 0,
            spans: Vec::new(),
        };
        if self.style.bom {
            r.out.push('\u{feff}');
        }
        let Some(root) = root else {
            match self.blank {
                Some(1) => r
                    .out
                    .push_str(if self.style.crlf { "  \r\n\t" } else { " \n\t" }),
                Some(2) if syntax != Syntax::StrictJson => r.out.push_str("// nothing yet\n"),
                _ => {}
            }
            return Rendered {
                text: r.out,
                spans: vec![],
            };
        };
        r.gap();
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        r.value(&root, Some(&path), 0);
        r.gap();
        if self.style.final_nl {
            r.out.push_str(if self.style.crlf { "\r\n" } else { "\n" });
        }
        let mut spans = r.spans;
        spans.sort_by_key(|(d, _)| *d);
        Rendered {
            text: r.out,
            spans: spans.into_iter().map(|(_, s)| s).collect(),
        }
    }
}

struct Renderer<'s> {
    style: &'s Style,
    syntax: Syntax,
    out: String,
    gi: usize,
    ti: usize,
    spans: Vec<(usize, Range<usize>)>,
}

impl Renderer<'_> {
    fn gap(&mut self) {
        let g = self.style.gaps[self.gi % self.style.gaps.len()];
        self.gi += 1;
        if self.style.crlf {
            self.out.push_str(&g.replace('\n', "\r\n"));
        } else {
            self.out.push_str(g);
        }
    }

    fn trailing(&mut self) -> bool {
        let t = self.style.trailing[self.ti % self.style.trailing.len()];
        self.ti += 1;
        t && self.syntax == Syntax::Jsonc
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => self.out.push_str(&format!("\\u{:04x}", c as u32)),
                '/' if self.style.escape == 2 => self.out.push_str("\\/"),
                c if !c.is_ascii() && self.style.escape >= 1 => {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        self.out.push_str(&format!("\\u{u:04X}"));
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// `path`: the keys still to follow when this value is on the path.
    fn value(&mut self, j: &J, path: Option<&[&str]>, depth: usize) {
        match j {
            J::Null => self.out.push_str("null"),
            J::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => self.out.push_str(n),
            J::Str(s) => self.string(s),
            J::Raw(r) => self.out.push_str(r),
            J::Arr(a) => {
                self.out.push('[');
                for (i, v) in a.iter().enumerate() {
                    self.gap();
                    self.value(v, None, depth + 1);
                    self.gap();
                    if i + 1 < a.len() || self.trailing() {
                        self.out.push(',');
                    }
                }
                if a.is_empty() {
                    self.gap();
                }
                self.out.push(']');
            }
            J::Obj(m) => {
                let start = self.out.len();
                self.out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    self.gap();
                    self.string(k);
                    self.gap();
                    self.out.push(':');
                    self.gap();
                    let sub = path
                        .and_then(|p| p.split_first())
                        .filter(|(h, _)| **h == k.as_str())
                        .map(|(_, rest)| rest);
                    self.value(v, sub, depth + 1);
                    self.gap();
                    if i + 1 < m.len() || self.trailing() {
                        self.out.push(',');
                    }
                }
                self.gap();
                self.out.push('}');
                if path.is_some() {
                    self.spans.push((depth, start..self.out.len()));
                }
            }
        }
    }
}
