//! Format-preserving edits of MCP client config files: text in, text out, no file I/O.
//! JSON/JSONC goes through a fast span scanner (replacing a header is a byte splice) and, when
//! something must be created, the jsonc-parser CST; TOML goes through toml_edit; YAML through a
//! span editor over saphyr-parser's positions (`yaml`).

mod desired;
mod error;
mod json;
mod json_stdio;
/// The invariants every edit keeps, checked against independent parsers (property tests, fuzz).
#[cfg(feature = "testing")]
pub mod oracle;
mod scan;
mod stdio;
mod strict;
mod surrogates;
mod token;
mod toml;
mod yaml;

use std::fmt;
use std::ops::Range;

pub(crate) use desired::{verify_op, HeaderValue, Op};
pub use desired::{Desired, SecretHeader};
pub use error::{from_bytes, EditError};
pub(crate) use token::validate_token;

/// The dialect a config file is written in, with the strictness its client enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// Plain JSON (Claude Code's `~/.claude.json` and `.mcp.json`, Cursor, Windsurf): a comment or
    /// trailing comma already in the file is refused, and none is ever written.
    StrictJson,
    /// JSON with comments and trailing commas (opencode, VS Code, Zed).
    Jsonc,
    /// JSON with comments but no trailing commas (Gemini CLI, which fails on one).
    JsoncNoTrailingCommas,
    /// TOML (Codex CLI).
    Toml,
    /// YAML 1.2, one document (Continue, Goose).
    Yaml,
}

impl Syntax {
    pub fn is_json(self) -> bool {
        !matches!(self, Syntax::Toml | Syntax::Yaml)
    }
}

/// A scalar value written into a new entry or added as a required field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    Str(String),
    Bool(bool),
    /// An integer (Goose's `timeout: 300`).
    Int(i64),
}

impl Scalar {
    pub fn str(s: &str) -> Self {
        Scalar::Str(s.to_string())
    }
}

/// One member of the entry template, in the order a new entry lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The URL, under the first of [`EntrySpec::url_keys`].
    Url,
    /// The headers object ([`EntrySpec::headers_key`]) holding `Authorization`.
    Headers,
    /// A fixed member such as `"type": "http"`.
    Value(String, Scalar),
}

/// Where a client keeps its servers and what our entry looks like there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySpec {
    /// Key path from the document root to the object holding the servers, e.g. `["mcpServers"]`
    /// or `["projects", "/abs/project", "mcpServers"]`. Keys are opaque strings.
    pub container: Vec<String>,
    /// The server name to create or look for first (default `figma`).
    pub name: String,
    /// The MCP URL; entries are also found by URL (a trailing `/` is ignored) unless
    /// [`EntrySpec::by_url`] is off.
    pub url: String,
    /// Keys that may hold the URL in an entry; the first is the one written (`url`, `httpUrl`,
    /// `serverUrl`).
    pub url_keys: Vec<String>,
    /// The key of the headers object (`headers`, or `http_headers` for Codex).
    pub headers_key: String,
    /// A member of an entry that, when it is an object, holds the URL, the headers and the
    /// required members in the entry's place (the `transport` object of the entries Cline's own
    /// `cline mcp add` writes); such an entry is edited there. New entries are written flat.
    /// JSON only.
    pub body_key: Option<String>,
    /// Members of a new entry, in order.
    pub template: Vec<Field>,
    /// Members added to an existing entry only when missing (never changed when present).
    pub required: Vec<(String, Scalar)>,
    /// Top-level members written first when the document is created from nothing
    /// (opencode's `$schema`).
    pub new_file_members: Vec<(String, Scalar)>,
    /// Keys that make the client take its credentials from elsewhere (Codex
    /// `bearer_token_env_var`, Claude `headersHelper`): a header we write there would be ignored
    /// or overridden, so [`apply`] leaves such an entry alone ([`Edit::Indirect`]).
    pub auth_alternatives: Vec<String>,
    /// Take over an entry named [`EntrySpec::name`] whose URL points elsewhere.
    pub force: bool,
    /// Also find an entry under another name by its URL. Off for an entry a profile recorded:
    /// only the entry of that name is ever touched.
    pub by_url: bool,
    /// The container is a list whose items are identified by this member (Continue's
    /// `mcpServers: [{name: …}]`); `None`: a map keyed by the name. YAML only.
    pub list_key: Option<String>,
    /// Keys from the entry to the object holding [`EntrySpec::headers_key`] (Continue's
    /// `requestOptions`); empty: the headers object is a member of the entry. YAML only.
    pub headers_parent: Vec<String>,
    /// A list member that must name every variable the Authorization value refers to (Goose
    /// substitutes only the variables listed in `env_keys`): the editor keeps it in step with
    /// the header, and a variable missing from it counts as a missing required field. YAML only.
    pub header_vars: Option<String>,
    /// How the client writes a local (stdio) server, for [`apply_stdio`]; `None`: not supported.
    /// YAML only.
    pub stdio: Option<StdioSpec>,
    /// Why a comment or trailing comma is refused in a strict syntax: the client's reason, as
    /// the refusal says it ([`STRICT_WHY`] when the client's table entry gives none).
    pub strict_why: &'static str,
}

/// A local (stdio) server entry: the command the client starts (proxy mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stdio {
    pub command: String,
    pub args: Vec<String>,
}

impl Stdio {
    /// It runs `figma-auth proxy`: an entry holding it is ours whatever its path.
    pub fn is_proxy(&self) -> bool {
        let name = self
            .command
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .trim_end_matches(".exe");
        name == "figma-auth" && self.args.first().is_some_and(|a| a == "proxy")
    }
}

/// How a client writes a local server entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdioSpec {
    /// The key of the command (`command`, Goose `cmd`).
    pub command_key: String,
    /// The key of the argument list (`args`); empty: the command key holds the whole command
    /// line as one array (opencode).
    pub args_key: String,
    /// Members of a new local entry, in order. Fixed members are also set on an entry switched
    /// from the remote shape; the remote shape's own members (URL, headers, credentials fields,
    /// fixed members of [`EntrySpec::template`] not listed here) are removed.
    pub template: Vec<StdioField>,
}

/// One member of a local entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdioField {
    Command,
    Args,
    Value(String, Scalar),
}

impl EntrySpec {
    /// Uses what only the YAML editor implements.
    fn yaml_only(&self) -> bool {
        self.list_key.is_some() || !self.headers_parent.is_empty() || self.header_vars.is_some()
    }
}

/// Refuses a layout the editors do not implement, rather than editing the file some other way.
fn check_supported(syntax: Syntax, spec: &EntrySpec) -> Result<(), EditError> {
    if syntax != Syntax::Yaml && spec.yaml_only() {
        return Err(EditError::Internal(
            "this entry layout is supported in YAML files only".into(),
        ));
    }
    if !syntax.is_json() && spec.body_key.is_some() {
        return Err(EditError::Internal(
            "an entry body is supported in JSON files only".into(),
        ));
    }
    Ok(())
}

/// The reason of a strictness refusal when no client gives its own.
pub const STRICT_WHY: &str = "the client does not accept it in this file; remove it and retry";

/// An empty spec (no container, no name, no template), for building one field by field.
impl Default for EntrySpec {
    fn default() -> Self {
        EntrySpec {
            container: Vec::new(),
            name: String::new(),
            url: String::new(),
            url_keys: Vec::new(),
            headers_key: String::new(),
            body_key: None,
            template: Vec::new(),
            required: Vec::new(),
            new_file_members: Vec::new(),
            auth_alternatives: Vec::new(),
            force: false,
            by_url: false,
            list_key: None,
            headers_parent: Vec::new(),
            header_vars: None,
            stdio: None,
            strict_why: STRICT_WHY,
        }
    }
}

impl EntrySpec {
    /// `key` is the key of an entry's body ([`EntrySpec::body_key`]).
    pub(crate) fn is_body(&self, key: &str) -> bool {
        self.body_key.as_deref() == Some(key)
    }

    /// The key under which a new entry gets its URL.
    pub fn url_key(&self) -> &str {
        self.url_keys.first().map(String::as_str).unwrap_or("url")
    }

    pub(crate) fn url_matches(&self, other: &str) -> bool {
        normalize_url(&self.url) == normalize_url(other)
    }
}

fn normalize_url(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// The header name we write.
pub const AUTHORIZATION: &str = "Authorization";

/// An Authorization value that refers to something the client resolves instead of holding a
/// token: `${VAR}`, `$VAR`, `{env:VAR}`, `${env:VAR}`, `${input:id}`, `{file:path}`, a command
/// substitution `$(command)`. (A `$` or a `{` can never be part of a bearer token.)
pub fn is_reference(value: &str) -> bool {
    let b = value.as_bytes();
    value.contains("{env:")
        || value.contains("{file:")
        || b.windows(2).any(|w| {
            w[0] == b'$' && (matches!(w[1], b'{' | b'(' | b'_') || w[1].is_ascii_alphabetic())
        })
}

/// What a file says about our server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// No entry named [`EntrySpec::name`] and none with our URL (the container may be missing too).
    Missing,
    /// Our entry: named [`EntrySpec::name`] with our URL, or another name with our URL.
    Found(EntryState),
    /// An entry named [`EntrySpec::name`] whose URL is not ours (or which has no URL), and no
    /// other entry with our URL. Left alone unless [`EntrySpec::force`].
    Conflict(EntryState),
}

impl Inspection {
    pub fn entry(&self) -> Option<&EntryState> {
        match self {
            Inspection::Missing => None,
            Inspection::Found(e) | Inspection::Conflict(e) => Some(e),
        }
    }
}

/// An entry as found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryState {
    /// Its name in the container (may differ from [`EntrySpec::name`] when found by URL).
    pub name: String,
    /// 1-based line of the entry's key.
    pub line: usize,
    /// The URL it holds, if any (under any of [`EntrySpec::url_keys`]).
    pub url: Option<String>,
    /// `enabled` when present as a boolean (opencode V1).
    pub enabled: Option<bool>,
    /// `disabled` when present as a boolean (opencode V2 and others).
    pub disabled: Option<bool>,
    /// The spelling of the Authorization header key found (`Authorization`, `authorization`…).
    pub authorization_key: Option<String>,
    /// The current Authorization value, raw: treat it as a secret.
    pub authorization: Option<SecretHeader>,
    /// Required fields ([`EntrySpec::required`]) that are missing.
    pub missing_required: Vec<String>,
    /// Keys of [`EntrySpec::auth_alternatives`] present in the entry.
    pub other_auth: Vec<String>,
    /// The same keys with their values (`None` when not a string): a helper command, a
    /// variable name. Not secrets.
    pub auth_fields: Vec<(String, Option<String>)>,
    /// The command and arguments of a local (stdio) entry (`command` and `args`, or opencode's
    /// one `command` array); `None` when the entry has no command of strings.
    pub stdio: Option<Stdio>,
    /// Members of the stdio template ([`StdioSpec::template`]) missing or holding another value.
    pub stdio_mismatch: Vec<String>,
}

impl EntryState {
    /// `enabled: false` or `disabled: true`.
    pub fn is_disabled(&self) -> bool {
        self.enabled == Some(false) || self.disabled == Some(true)
    }

    /// The Authorization value refers to a variable or file instead of holding a token
    /// (`${VAR}`, `{env:VAR}`, `${env:VAR}`, `${input:id}`, `{file:path}`).
    pub fn authorization_is_reference(&self) -> bool {
        self.authorization_reference().is_some()
    }

    /// The Authorization value when it is a reference ([`is_reference`]); not a secret.
    pub fn authorization_reference(&self) -> Option<&str> {
        self.authorization
            .as_ref()
            .map(SecretHeader::expose)
            .filter(|v| is_reference(v))
    }

    /// The string value of the credentials field `key`, when present.
    pub fn auth_field(&self, key: &str) -> Option<&str> {
        self.auth_fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// The credentials come from elsewhere than a static token we could refresh: an
    /// alternative key, or a reference value.
    pub fn is_indirect(&self) -> bool {
        !self.other_auth.is_empty() || self.authorization_is_reference() || self.is_stdio()
    }

    /// A local (stdio) entry: a command and no URL (proxy mode).
    pub fn is_stdio(&self) -> bool {
        self.url.is_none() && self.stdio.is_some()
    }

    /// The entry already carries exactly `auth` (and its required fields): what `status`
    /// calls current, and what an explicit mode leaves [`Edit::Unchanged`].
    pub fn holds(&self, auth: &Desired) -> bool {
        if let Some(argv) = &auth.stdio {
            return self.is_stdio()
                && self.stdio.as_ref() == Some(argv)
                && self.authorization.is_none()
                && self.other_auth.is_empty()
                && self.stdio_mismatch.is_empty();
        }
        if self.is_stdio() {
            return false;
        }
        let header = match (&auth.header, &self.authorization) {
            (Some(want), Some(have)) => want.expose() == have.expose(),
            (None, None) => true,
            _ => false,
        };
        let field = auth
            .field
            .as_ref()
            .is_none_or(|(k, v)| self.auth_field(k) == Some(v.as_str()));
        let others = self
            .other_auth
            .iter()
            .any(|k| auth.field.as_ref().is_none_or(|(f, _)| f != k));
        header && field && !others && self.missing_required.is_empty()
    }
}

/// What the editor produced for one file's text.
#[derive(Clone, PartialEq, Eq)]
pub enum Edit {
    /// The file already says what we want (or there is nothing to remove).
    Unchanged,
    /// Not changed: an entry named [`EntrySpec::name`] points at another URL; use `force`.
    Conflict(EntryState),
    /// Not changed: the entry takes its credentials from elsewhere
    /// ([`EntryState::other_auth`]); a static header would not be used.
    Indirect(EntryState),
    /// Replace `range` of the original bytes (BOM included) with `replacement`, the new literal
    /// already escaped (secret); every other byte is untouched.
    Splice {
        range: Range<usize>,
        replacement: String,
        notes: Vec<Note>,
    },
    /// The whole new text (secret): the file is created, or members were inserted or removed.
    Rewrite { text: String, notes: Vec<Note> },
}

impl Edit {
    /// The file must change.
    pub fn changes(&self) -> bool {
        matches!(self, Edit::Splice { .. } | Edit::Rewrite { .. })
    }

    pub fn is_splice(&self) -> bool {
        matches!(self, Edit::Splice { .. })
    }

    /// What was done, in order, for messages and previews.
    pub fn notes(&self) -> &[Note] {
        match self {
            Edit::Splice { notes, .. } | Edit::Rewrite { notes, .. } => notes,
            _ => &[],
        }
    }

    /// The full new text (contains the secret), given the original text (`None` for a missing
    /// file); `None` when nothing changes.
    pub fn materialize(&self, original: Option<&str>) -> Option<String> {
        match self {
            Edit::Splice {
                range, replacement, ..
            } => {
                let original = original.unwrap_or("");
                let mut out = String::with_capacity(original.len() + replacement.len());
                out.push_str(&original[..range.start]);
                out.push_str(replacement);
                out.push_str(&original[range.end..]);
                Some(out)
            }
            Edit::Rewrite { text, .. } => Some(text.clone()),
            _ => None,
        }
    }
}

impl fmt::Debug for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::Unchanged => f.write_str("Unchanged"),
            Edit::Conflict(e) => f.debug_tuple("Conflict").field(e).finish(),
            Edit::Indirect(e) => f.debug_tuple("Indirect").field(e).finish(),
            Edit::Splice { range, notes, .. } => f
                .debug_struct("Splice")
                .field("range", range)
                .field("replacement", &"[redacted]")
                .field("notes", notes)
                .finish(),
            Edit::Rewrite { text, notes } => f
                .debug_struct("Rewrite")
                .field("text", &format_args!("[{} bytes, redacted]", text.len()))
                .field("notes", notes)
                .finish(),
        }
    }
}

/// One step of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    CreatedDocument,
    CreatedContainer(String),
    CreatedEntry(String),
    AddedField(String),
    SetUrl,
    AddedHeader,
    ReplacedHeader,
    RemovedHeader,
    /// A credentials field (`headersHelper`, `bearer_token_env_var`…) was added or changed.
    SetField(String),
    /// A credentials field of another mechanism was removed (mode switch).
    RemovedField(String),
    /// A one-line object was expanded onto several lines to receive a member.
    Reformatted,
}

/// Reads what `text` (`None`: the file does not exist) says about our entry.
pub fn inspect(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
) -> Result<Inspection, EditError> {
    check_supported(syntax, spec)?;
    match syntax {
        Syntax::Toml => toml::inspect(text, spec),
        Syntax::Yaml => yaml::inspect(text, spec),
        _ => json::inspect(text, syntax, spec),
    }
}

/// Computes the edit that makes our entry hold `desired`: a refresh sets the header (creating
/// the entry, headers object and container as needed) and leaves an entry whose credentials
/// come from elsewhere alone; a removal takes our header away and creates nothing; an explicit
/// mode sets the header and/or the field and removes every other
/// [`EntrySpec::auth_alternatives`] key. The result is verified by re-parsing it with the
/// syntax's strictness and reading the entry back.
pub fn apply(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    desired: &Desired,
) -> Result<Edit, EditError> {
    if let Some((k, _)) = &desired.field
        && !spec.auth_alternatives.iter().any(|a| a == k)
    {
        return Err(EditError::Internal(format!(
            "`{k}` is not a credentials field of this client"
        )));
    }
    check_supported(syntax, spec)?;
    match syntax {
        Syntax::Toml => toml::apply(text, spec, Op::of(desired)),
        Syntax::Yaml => match &desired.stdio {
            Some(stdio) if spec.stdio.is_some() => yaml::apply_stdio(text, spec, stdio),
            _ => yaml::apply(text, spec, Op::of(desired)),
        },
        _ => json::apply(text, syntax, spec, Op::of(desired)),
    }
}

/// Computes the edit that makes our entry the local server `stdio` (proxy mode): creates it,
/// switches our remote entry over (its URL, headers and credentials fields removed), or updates
/// the command and arguments of our local entry. An entry named [`EntrySpec::name`] that is not
/// ours is a [`Edit::Conflict`] unless [`EntrySpec::force`]. Verified like [`apply`].
pub fn apply_stdio(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    stdio: &Stdio,
) -> Result<Edit, EditError> {
    if spec.stdio.is_none() {
        return Err(EditError::Internal(
            "local server entries are not supported for this file".into(),
        ));
    }
    apply(text, syntax, spec, &Desired::stdio(stdio.clone()))
}

/// Keys of the object at `path` (JSON syntaxes only), `None` when the path does not lead to an
/// object. Used to detect layouts such as opencode's V2 `mcp.servers`.
pub fn object_keys(
    text: &str,
    syntax: Syntax,
    path: &[&str],
) -> Result<Option<Vec<String>>, EditError> {
    match syntax {
        Syntax::Toml => toml::table_keys(text, path),
        Syntax::Yaml => yaml::map_keys(text, path),
        _ => json::object_keys(text, syntax, path),
    }
}

/// Parses and prints the text without an edit (the round-trip guarantee the fixtures test).
pub fn round_trip(text: &str, syntax: Syntax) -> Result<String, EditError> {
    match syntax {
        Syntax::Toml => toml::round_trip(text),
        Syntax::Yaml => yaml::round_trip(text),
        _ => json::round_trip(text, syntax),
    }
}

/// 1-based line and column (in characters) of byte `pos` of `text`.
pub(crate) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let bytes = text.as_bytes();
    let before = &bytes[..pos];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map(|i| i + 1).unwrap_or(0);
    let column = text
        .get(line_start..pos)
        .map(|s| s.chars().count())
        .unwrap_or(pos - line_start)
        + 1;
    (line, column)
}

/// CRLF when every line feed of the input is preceded by a carriage return.
pub(crate) fn uses_crlf(body: &str) -> bool {
    let lf = memchr::memchr_iter(b'\n', body.as_bytes()).count();
    lf > 0 && body.matches("\r\n").count() == lf
}

const BOM: &str = "\u{feff}";

/// Splits a leading UTF-8 BOM off.
pub(crate) fn split_bom(text: &str) -> (&'static str, &str) {
    match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    }
}

/// Joins a key path for messages: `mcpServers.figma.headers`, quoting keys with dots or spaces.
pub(crate) fn display_path<S: AsRef<str>>(keys: &[S]) -> String {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        let k = k.as_ref();
        let plain = !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
        if i > 0 {
            out.push('.');
        }
        if plain {
            out.push_str(k);
        } else {
            out.push_str(&serde_json::to_string(k).unwrap_or_default());
        }
    }
    out
}

#[cfg(test)]
mod tests;
