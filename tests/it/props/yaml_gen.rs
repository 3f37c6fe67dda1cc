//! Generated Continue and Goose `config.yaml` files: 2- or 4-space indentation, `- ` items at or
//! inside their key's column (and `-   ` items), comments everywhere, CRLF, BOM, no final
//! newline, other entries and top-level members in every scalar style, flow collections, block
//! scalars, anchors and aliases outside our entry, empty containers (`[]`, `{}`, nothing), and
//! our entry in every state the editor distinguishes. `render` returns the text and the byte
//! range an edit may touch; `expected_refresh` the outcome a refresh must have.

use std::ops::Range;

use proptest::prelude::*;

use figma_auth::clients::{self, ConfigFile, Scope};
use figma_auth::edit::oracle::{env, Kind};

pub const OLD: &str = "figu_PROP_OLD_TOKEN";
const URL: &str = "https://mcp.figma.com/mcp";

/// How the Authorization value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    Plain,
    Single,
    Double,
}

/// The headers part of a remote entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Headers {
    /// No `requestOptions` / `headers` at all.
    None,
    /// Continue: `requestOptions` with another member and no `headers`.
    ParentOnly,
    /// `headers: {}`.
    EmptyFlow,
    /// Another header, no Authorization.
    Other,
    /// `Authorization: Bearer OLD` (key in lower case with `lower`), another header too with
    /// `other`, a trailing comment with `comment`.
    Token {
        quote: Quote,
        lower: bool,
        other: bool,
        comment: bool,
    },
    /// `Authorization: Bearer ${FIGMA_TOKEN}` (Goose) / `${{ secrets.FIGMA_TOKEN }}`; with
    /// `listed`, Goose's `env_keys` names the variable.
    Reference { listed: bool },
    /// Flow style: `requestOptions: {headers: {Authorization: "Bearer OLD"}}` (Continue) or
    /// `headers: {Authorization: …}` (Goose).
    FlowToken,
}

#[derive(Debug, Clone)]
pub enum Entry {
    Remote {
        /// Named `figma` (else `Figma Remote`, found by its URL).
        named: bool,
        /// Our URL (else another one: a conflict when named).
        ours: bool,
        slash: bool,
        headers: Headers,
        /// Continue `apiKey`.
        api_key: bool,
        /// Goose: `type` and `description` missing.
        missing_required: bool,
        disabled: bool,
        /// A comment line inside the entry.
        comment: bool,
        /// A last member holding a block scalar.
        block_last: bool,
        /// Written in the other order: URL last, name after the first member.
        shuffled: bool,
    },
    /// Our local (stdio) entry running `figma-auth proxy`.
    Local { flow_args: bool },
}

#[derive(Debug, Clone)]
pub enum Container {
    /// No `mcpServers` / `extensions` key.
    Absent,
    /// `key:`, `key: []` / `{}`, `key: ~`.
    Empty(u8),
    /// Other entries before and after ours.
    With { before: Vec<u8>, after: Vec<u8> },
}

/// The YAML client a document is generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yaml {
    Continue,
    Goose,
}

impl Yaml {
    /// Its user file in the client table.
    pub fn file(self) -> ConfigFile {
        let id = match self {
            Yaml::Continue => "continue",
            Yaml::Goose => "goose",
        };
        let client = clients::by_id(id).unwrap();
        client.default_file(&env(), Scope::User).unwrap()
    }
}

#[derive(Debug, Clone)]
pub struct YamlDoc {
    pub client: Yaml,
    pub unit: usize,
    /// Columns from a key to its items' `-` (0 or `unit`), and from `-` to the content (2 or 4).
    pub seq_indent: usize,
    pub seq_pad: usize,
    pub crlf: bool,
    pub bom: bool,
    pub final_newline: bool,
    pub lead_comment: bool,
    pub top_before: Vec<u8>,
    pub top_after: Vec<u8>,
    pub container: Container,
    pub entry: Option<Entry>,
    pub trailing_comment: bool,
}

pub struct Rendered {
    pub text: String,
    /// The bytes an edit may change (BOM included in the offsets).
    pub region: Range<usize>,
}

fn quote(s: &str, q: Quote) -> String {
    match q {
        Quote::Plain => s.to_string(),
        Quote::Single => format!("'{}'", s.replace('\'', "''")),
        Quote::Double => format!("\"{s}\""),
    }
}

/// Top-level members that are not ours.
fn top_member(i: u8, unit: usize, seq: &str) -> String {
    let p = " ".repeat(unit);
    match i % 9 {
        0 => "name: My config # with a comment\n".into(),
        1 => "version: '1.0.0'\n".into(),
        2 => format!("models:\n{seq}- name: fake\n{seq}  provider: openai\n{seq}  apiKey: \"x: y # not a comment\"\n"),
        3 => "base: &base {a: 1, b: [2, 3]}\ncopy: *base\n".into(),
        4 => format!("notes: |\n{p}first line\n{p}  indented: not a key\n\n{p}last\n"),
        5 => "GOOSE_MODEL: \"gpt-4o\"\n".into(),
        6 => format!("context:\n{p}# a comment at the member's column\n{p}provider: code\n"),
        7 => "emoji: \"🎨 é\"\n".into(),
        _ => format!("folded: >-\n{p}one\n{p}two\n"),
    }
}

/// Another entry of the container (never ours).
fn other_entry(client: Yaml, i: u8, col: usize, d: &YamlDoc) -> String {
    let p = " ".repeat(col);
    let u = " ".repeat(d.unit);
    let seq = " ".repeat(d.seq_indent);
    match client {
        Yaml::Continue => {
            let dash = format!("{p}-{}", " ".repeat(d.seq_pad - 1));
            let c = " ".repeat(col + d.seq_pad);
            match i % 4 {
                0 => format!("{dash}name: other{i}\n{c}command: npx\n{c}args: [\"-y\", other-mcp]\n"),
                1 => format!("{dash}name: remote{i}\n{c}url: https://mcp.example.com/mcp  # theirs\n{c}requestOptions:\n{c}{u}headers:\n{c}{u}{u}Authorization: Bearer theirs\n"),
                2 => format!("{p}# a comment before an entry\n{dash}name: local{i}\n{c}command: /bin/x\n{c}args:\n{c}{seq}-{}a\n", " ".repeat(d.seq_pad - 1)),
                _ => format!("{dash}{{name: flow{i}, url: 'https://mcp.example.com/other'}}\n"),
            }
        }
        Yaml::Goose => {
            let c = format!("{p}{u}");
            match i % 4 {
                0 => format!("{p}developer{i}:\n{c}bundled: true\n{c}enabled: true\n{c}name: developer\n{c}timeout: 300\n{c}type: builtin\n"),
                1 => format!("{p}other{i}:\n{c}args:\n{c}{seq}-{}-y\n{c}cmd: npx\n{c}description: ''\n{c}enabled: true\n{c}env_keys: []\n{c}envs: {{}}\n{c}name: other\n{c}type: stdio\n", " ".repeat(d.seq_pad - 1)),
                2 => format!("{p}# disabled for now\n{p}remote{i}:\n{c}enabled: false\n{c}type: streamable_http\n{c}name: remote\n{c}uri: https://mcp.example.com/mcp\n{c}headers: {{Authorization: Bearer theirs}}\n"),
                _ => format!("{p}flow{i}: {{enabled: true, type: builtin, name: flow}}\n"),
            }
        }
    }
}

impl YamlDoc {
    fn header_lines(&self, h: &Headers, col: usize) -> String {
        let p = " ".repeat(col);
        let u = " ".repeat(self.unit);
        let reference = match self.client {
            Yaml::Continue => "Bearer ${{ secrets.FIGMA_TOKEN }}",
            Yaml::Goose => "Bearer ${FIGMA_TOKEN}",
        };
        // The lines of the `headers` mapping's members, at `hc`.
        let members = |hc: &str| -> Option<String> {
            Some(match h {
                Headers::Other => format!("{hc}X-Client: figma-auth-tests\n"),
                Headers::Token {
                    quote: q,
                    lower,
                    other,
                    comment,
                } => {
                    let key = if *lower {
                        "authorization"
                    } else {
                        "Authorization"
                    };
                    let mut s = String::new();
                    if *other {
                        s.push_str(&format!("{hc}X-Client: 'a: b'\n"));
                    }
                    s.push_str(&format!(
                        "{hc}{key}: {}{}\n",
                        quote(&format!("Bearer {OLD}"), *q),
                        if *comment {
                            "   # managed by figma-auth"
                        } else {
                            ""
                        }
                    ));
                    s
                }
                Headers::Reference { .. } => {
                    format!("{hc}Authorization: {}\n", quote(reference, Quote::Single))
                }
                _ => return None,
            })
        };
        match (self.client, h) {
            (_, Headers::None) => String::new(),
            (Yaml::Continue, Headers::ParentOnly) => {
                format!("{p}requestOptions:\n{p}{u}timeout: 30\n")
            }
            (Yaml::Goose, Headers::ParentOnly) => String::new(),
            (Yaml::Continue, Headers::EmptyFlow) => {
                format!("{p}requestOptions:\n{p}{u}headers: {{}}\n")
            }
            (Yaml::Goose, Headers::EmptyFlow) => format!("{p}headers: {{}}\n"),
            (Yaml::Continue, Headers::FlowToken) => {
                format!("{p}requestOptions: {{headers: {{Authorization: \"Bearer {OLD}\"}}}}\n")
            }
            (Yaml::Goose, Headers::FlowToken) => {
                format!("{p}headers: {{Authorization: 'Bearer {OLD}'}}\n")
            }
            (Yaml::Continue, _) => format!(
                "{p}requestOptions:\n{p}{u}headers:\n{}",
                members(&format!("{p}{u}{u}")).unwrap_or_default()
            ),
            (Yaml::Goose, _) => {
                let mut s = format!(
                    "{p}headers:\n{}",
                    members(&format!("{p}{u}")).unwrap_or_default()
                );
                if matches!(h, Headers::Reference { listed: true }) {
                    s.push_str(&format!(
                        "{p}env_keys:\n{p}{}-{}FIGMA_TOKEN\n",
                        " ".repeat(self.seq_indent),
                        " ".repeat(self.seq_pad - 1)
                    ));
                }
                s
            }
        }
    }

    /// Our entry's lines; `col` is the column of a Goose key or of a Continue item's `-`.
    fn entry_lines(&self, e: &Entry, col: usize) -> String {
        let p = " ".repeat(col);
        let u = " ".repeat(self.unit);
        let seq = " ".repeat(self.seq_indent);
        let pad = " ".repeat(self.seq_pad - 1);
        let name = |named: bool| if named { "figma" } else { "Figma Remote" };
        match (self.client, e) {
            (Yaml::Continue, Entry::Local { flow_args }) => {
                let c = " ".repeat(col + self.seq_pad);
                let args = if *flow_args {
                    format!("{c}args: [proxy, --profile, default]\n")
                } else {
                    format!("{c}args:\n{c}{seq}-{pad}proxy\n{c}{seq}-{pad}--profile\n{c}{seq}-{pad}default\n")
                };
                format!(
                    "{p}-{pad}name: figma\n{c}command: /home/user/.local/bin/figma-auth\n{args}"
                )
            }
            (Yaml::Goose, Entry::Local { flow_args }) => {
                let c = format!("{p}{u}");
                let args = if *flow_args {
                    format!("{c}args: [proxy, --profile, default]\n")
                } else {
                    format!("{c}args:\n{c}{seq}-{pad}proxy\n{c}{seq}-{pad}--profile\n{c}{seq}-{pad}default\n")
                };
                format!("{p}figma:\n{args}{c}cmd: /home/user/.local/bin/figma-auth\n{c}description: ''\n{c}enabled: true\n{c}envs: {{}}\n{c}name: figma\n{c}timeout: 300\n{c}type: stdio\n")
            }
            (
                client,
                Entry::Remote {
                    named,
                    ours,
                    slash,
                    headers,
                    api_key,
                    missing_required,
                    disabled,
                    comment,
                    block_last,
                    shuffled,
                },
            ) => {
                let url = if *ours {
                    format!("{URL}{}", if *slash { "/" } else { "" })
                } else {
                    "http://127.0.0.1:3845/mcp".to_string()
                };
                let c = match client {
                    Yaml::Continue => " ".repeat(col + self.seq_pad),
                    Yaml::Goose => format!("{p}{u}"),
                };
                let mut members: Vec<String> = Vec::new();
                let url_key = match client {
                    Yaml::Continue => "url",
                    Yaml::Goose => "uri",
                };
                if client == Yaml::Goose {
                    members.push(format!("{c}enabled: {}\n", !disabled));
                    if !missing_required {
                        members.push(format!("{c}type: streamable_http\n"));
                    }
                    members.push(format!("{c}name: {}\n", name(*named)));
                    if !missing_required {
                        members.push(format!("{c}description: ''\n"));
                    }
                } else {
                    members.push(format!("{c}type: streamable-http\n"));
                }
                members.push(format!("{c}{url_key}: {url}\n"));
                if *comment {
                    members.push(format!("{c}# a comment inside our entry\n"));
                }
                let h = self.header_lines(headers, c.len());
                if !h.is_empty() {
                    members.push(h);
                }
                if *api_key && client == Yaml::Continue {
                    members.push(format!("{c}apiKey: {OLD}\n"));
                }
                if client == Yaml::Goose {
                    members.push(format!("{c}timeout: 300\n"));
                }
                if *block_last {
                    members.push(format!("{c}notes: |\n{c}{u}kept as is\n\n"));
                }
                if *shuffled {
                    let url_line = members.iter().position(|m| m.contains(url_key)).unwrap();
                    let url_member = members.remove(url_line);
                    members.push(url_member);
                }
                match client {
                    Yaml::Continue => {
                        // The item's first line carries the `-`: `name`, or after `shuffled` the
                        // first member (then `name` comes second).
                        let first = if *shuffled {
                            let m = members.remove(0);
                            members.insert(0, format!("{c}name: {}\n", name(*named)));
                            m
                        } else {
                            format!("{c}name: {}\n", name(*named))
                        };
                        let first = format!("{p}-{pad}{}", first.trim_start_matches(' '));
                        format!("{first}{}", members.concat())
                    }
                    Yaml::Goose => {
                        let key = if *named { "figma" } else { "figma-remote" };
                        format!("{p}{key}:\n{}", members.concat())
                    }
                }
            }
        }
    }

    pub fn render(&self) -> Rendered {
        let seq = " ".repeat(self.seq_indent);
        let mut text = String::new();
        let mut region: Option<Range<usize>> = None;
        if self.lead_comment {
            text.push_str("# Generated for the property tests\n\n");
        }
        let mut last_top = 0;
        // Each kind of top-level member once (keys are unique).
        let mut seen: Vec<u8> = Vec::new();
        let mut fresh = |i: u8| {
            let kind = i % 9;
            let new = !seen.contains(&kind);
            seen.push(kind);
            new
        };
        for &i in &self.top_before {
            if fresh(i) {
                last_top = text.len();
                text.push_str(&top_member(i, self.unit, &seq));
            }
        }
        let key = match self.client {
            Yaml::Continue => "mcpServers",
            Yaml::Goose => "extensions",
        };
        match &self.container {
            Container::Absent => {}
            Container::Empty(k) => {
                let start = text.len();
                let empty = match (k % 3, self.client) {
                    (0, _) => "",
                    (1, Yaml::Continue) => " []",
                    (1, Yaml::Goose) => " {}",
                    _ => " ~ # nothing yet",
                };
                text.push_str(&format!("{key}:{empty}\n"));
                region = Some(start..text.len());
            }
            Container::With { before, after } => {
                let start = text.len();
                text.push_str(&format!("{key}:   # the servers\n"));
                let col = match self.client {
                    Yaml::Continue => self.seq_indent,
                    Yaml::Goose => self.unit,
                };
                let mut used: Vec<u8> = Vec::new();
                for &i in before {
                    if !used.contains(&i) {
                        used.push(i);
                        text.push_str(&other_entry(self.client, i, col, self));
                    }
                }
                match &self.entry {
                    Some(e) => {
                        let es = text.len();
                        text.push_str(&self.entry_lines(e, col));
                        // An entry that is not found is left alone: a new one is appended.
                        let found = match e {
                            Entry::Local { .. } => true,
                            Entry::Remote { named, ours, .. } => *named || *ours,
                        };
                        if found {
                            region = Some(es..text.len());
                        }
                    }
                    None if before.is_empty() && after.is_empty() => {
                        // An entry of someone else keeps the container non-empty.
                        used.push(0);
                        text.push_str(&other_entry(self.client, 0, col, self));
                    }
                    None => {}
                }
                for &i in after {
                    let i = i.wrapping_add(1);
                    if !used.contains(&i) {
                        used.push(i);
                        text.push_str(&other_entry(self.client, i, col, self));
                    }
                }
                if region.is_none() {
                    region = Some(start..text.len());
                }
            }
        }
        for &i in &self.top_after {
            if !fresh(i.wrapping_add(3)) {
                continue;
            }
            if region.is_none() {
                last_top = text.len();
            }
            text.push_str(&top_member(i.wrapping_add(3), self.unit, &seq));
        }
        if self.trailing_comment {
            text.push_str("# the end\n");
        } else if !self.final_newline && (text.ends_with("last\n") || text.ends_with("two\n")) {
            // A block scalar at the very end without a line break is refused (a line added
            // after it would change its value): not a valid input of these tests.
            text.push_str("end: true\n");
        }
        let mut region = region.unwrap_or(last_top..text.len());
        // Lines inserted at the end of the region share the next line's indentation with it:
        // a byte comparison may see those spaces as changed.
        region.end += text[region.end..]
            .bytes()
            .take_while(|&b| b == b' ')
            .count();
        if !self.final_newline && text.ends_with('\n') {
            text.pop();
            region.end = region.end.min(text.len());
        }
        let mut text = if self.crlf {
            let shift = |pos: usize, t: &str| pos + t[..pos].matches('\n').count();
            region = shift(region.start, &text)..shift(region.end, &text);
            text.replace('\n', "\r\n")
        } else {
            text
        };
        if self.bom {
            text.insert(0, '\u{feff}');
            region = region.start + 3..region.end + 3;
        }
        Rendered { text, region }
    }

    pub fn expected_refresh(&self) -> Kind {
        let entry = match (&self.container, &self.entry) {
            (Container::With { .. }, Some(e)) => e,
            _ => return Kind::Rewrite,
        };
        match entry {
            Entry::Local { .. } => Kind::Indirect,
            Entry::Remote {
                named,
                ours,
                headers,
                api_key,
                missing_required,
                ..
            } => {
                if !ours {
                    return if *named {
                        Kind::Conflict
                    } else {
                        Kind::Rewrite
                    };
                }
                if *api_key && self.client == Yaml::Continue {
                    return Kind::Indirect;
                }
                match headers {
                    Headers::Reference { .. } => Kind::Indirect,
                    Headers::Token { .. } | Headers::FlowToken
                        if !(self.client == Yaml::Goose && *missing_required) =>
                    {
                        Kind::Splice
                    }
                    _ => Kind::Rewrite,
                }
            }
        }
    }
}

fn headers() -> impl Strategy<Value = Headers> {
    let q = prop_oneof![Just(Quote::Plain), Just(Quote::Single), Just(Quote::Double)];
    prop_oneof![
        1 => Just(Headers::None),
        1 => Just(Headers::ParentOnly),
        1 => Just(Headers::EmptyFlow),
        1 => Just(Headers::Other),
        4 => (q, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(quote, lower, other, comment)| {
            Headers::Token { quote, lower, other, comment }
        }),
        1 => any::<bool>().prop_map(|listed| Headers::Reference { listed }),
        1 => Just(Headers::FlowToken),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        6 => (
            (any::<bool>(), prop::bool::weighted(0.85), any::<bool>()),
            headers(),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.15),
            (any::<bool>(), prop::bool::weighted(0.2), prop::bool::weighted(0.2)),
        )
            .prop_map(
                |((named, ours, slash), headers, api_key, missing_required, disabled, (comment, block_last, shuffled))| {
                    Entry::Remote {
                        named,
                        ours,
                        slash,
                        headers,
                        api_key,
                        missing_required,
                        disabled,
                        comment,
                        block_last,
                        shuffled,
                    }
                }
            ),
        1 => any::<bool>().prop_map(|flow_args| Entry::Local { flow_args }),
    ]
}

pub fn doc() -> impl Strategy<Value = YamlDoc> {
    let container = prop_oneof![
        1 => Just(Container::Absent),
        1 => (0u8..3).prop_map(Container::Empty),
        5 => (
            prop::collection::vec(any::<u8>(), 0..3),
            prop::collection::vec(any::<u8>(), 0..3)
        )
            .prop_map(|(before, after)| Container::With { before, after }),
    ];
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.8),
        ),
        (any::<bool>(), any::<bool>()),
        prop::collection::vec(any::<u8>(), 0..3),
        prop::collection::vec(any::<u8>(), 0..3),
        container,
        prop::option::weighted(0.85, entry()),
    )
        .prop_map(
            |(
                (goose, four, zero, wide),
                (crlf, bom, final_newline),
                (lead, trailing),
                top_before,
                top_after,
                container,
                entry,
            )| {
                let unit = if four { 4 } else { 2 };
                YamlDoc {
                    client: if goose { Yaml::Goose } else { Yaml::Continue },
                    unit,
                    seq_indent: if zero { 0 } else { unit },
                    seq_pad: if wide { 4 } else { 2 },
                    crlf,
                    bom,
                    final_newline,
                    lead_comment: lead,
                    top_before,
                    top_after,
                    container,
                    entry,
                    trailing_comment: trailing,
                }
            },
        )
}
