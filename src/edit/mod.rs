//! Format-preserving edits of MCP client config files: text in, text out, no file I/O.
//! JSON/JSONC goes through a fast span scanner (replacing a header is a byte splice) and, when
//! something must be created, the jsonc-parser CST; TOML goes through toml_edit.

mod json;
/// The invariants every edit keeps, checked against independent parsers (property tests, fuzz).
#[cfg(feature = "testing")]
pub mod oracle;
mod scan;
mod surrogates;
mod token;
mod toml;

use std::fmt;
use std::ops::Range;

pub use token::{validate_token, TokenError};

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
}

impl Syntax {
    pub fn is_json(self) -> bool {
        !matches!(self, Syntax::Toml)
    }
}

/// A scalar value written into a new entry or added as a required field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    Str(String),
    Bool(bool),
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
    /// Why a comment or trailing comma is refused in a strict syntax: the client's reason, as
    /// the refusal says it ([`STRICT_WHY`] when the client's table entry gives none).
    pub strict_why: &'static str,
}

/// The reason of a strictness refusal when no client gives its own.
pub const STRICT_WHY: &str = "the client does not accept it in this file; remove it and retry";

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

/// A header value that carries a secret (`Bearer <token>`): redacted `Debug`, no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHeader(String);

impl SecretHeader {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// `Bearer <token>`.
    pub fn bearer(token: &crate::secret::AccessToken) -> Self {
        Self(format!("Bearer {}", token.expose()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token part of a `Bearer …` value, if it is one.
    pub fn bearer_token(&self) -> Option<&str> {
        let v = self.0.trim_start();
        let (scheme, rest) = v.split_at(v.find(' ')?);
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    }

    pub fn masked(&self) -> String {
        match self.bearer_token() {
            Some(t) => format!("Bearer {}", crate::secret::mask(t)),
            None => crate::secret::mask(&self.0),
        }
    }
}

impl fmt::Debug for SecretHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHeader([redacted])")
    }
}

/// The Authorization value our entry should hold.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// `Bearer <token>`: a secret (redacted `Debug`).
    Token(SecretHeader),
    /// A value the client resolves when it connects (`Bearer {file:/abs/path}`,
    /// `Bearer ${FIGMA_TOKEN}`): not a secret, never validated as a token.
    Reference(String),
}

impl HeaderValue {
    /// The value to write (a secret for [`HeaderValue::Token`]).
    pub fn expose(&self) -> &str {
        match self {
            HeaderValue::Token(h) => h.expose(),
            HeaderValue::Reference(r) => r,
        }
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderValue::Token(h) => f.debug_tuple("Token").field(h).finish(),
            HeaderValue::Reference(r) => f.debug_tuple("Reference").field(r).finish(),
        }
    }
}

/// What to do with an entry whose credentials come from elsewhere (an
/// [`EntrySpec::auth_alternatives`] key, or an Authorization value that is a reference such as
/// `Bearer ${FIGMA_TOKEN}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnIndirect {
    /// Leave it alone ([`Edit::Indirect`]): a refresh never undoes an indirection.
    Leave,
    /// Make it hold exactly what is desired, removing every other mechanism (an explicit mode).
    Replace,
}

/// What our entry should hold: the one description of a wanted change — a refresh (set the
/// token), a logout (remove our header) or an explicit mode (exactly this header and field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The Authorization value; `None`: no Authorization header (ours is removed, and the
    /// headers object with it when nothing else is left in it).
    pub header: Option<HeaderValue>,
    /// A string member of the entry that supplies the credentials (`headersHelper`,
    /// `http_headers_helper`, `bearer_token_env_var`); must be one of
    /// [`EntrySpec::auth_alternatives`]. Not a secret.
    pub field: Option<(String, String)>,
    pub indirect: OnIndirect,
    /// Create what is missing (container, entry, required fields); false for a removal, which
    /// creates nothing.
    pub create: bool,
}

impl Desired {
    /// A refresh: our header holds `header` (the entry is created when missing); an entry whose
    /// credentials come from elsewhere is left alone.
    pub fn header(header: SecretHeader) -> Self {
        Desired {
            header: Some(HeaderValue::Token(header)),
            field: None,
            indirect: OnIndirect::Leave,
            create: true,
        }
    }

    /// A logout: only the `Authorization` key of our entry goes; nothing is created.
    pub fn removal() -> Self {
        Desired {
            header: None,
            field: None,
            indirect: OnIndirect::Leave,
            create: false,
        }
    }

    /// An explicit mode: exactly this header (or none) and this field (or none), every other
    /// credentials key removed.
    pub fn exactly(header: Option<HeaderValue>, field: Option<(String, String)>) -> Self {
        Desired {
            header,
            field,
            indirect: OnIndirect::Replace,
            create: true,
        }
    }

    /// Nothing is created, only our header removed.
    pub fn is_removal(&self) -> bool {
        !self.create
    }

    /// The bearer token this puts into a file, if any (masked in previews; refused for tracked
    /// files).
    pub fn token(&self) -> Option<&str> {
        match &self.header {
            Some(HeaderValue::Token(h)) => h.bearer_token(),
            _ => None,
        }
    }
}

/// The editor's view of a [`Desired`].
#[derive(Clone, Copy)]
pub(crate) struct Op<'a> {
    /// The Authorization value wanted; `None`: no Authorization header.
    pub header: Option<&'a str>,
    /// A credentials field to set.
    pub field: Option<(&'a str, &'a str)>,
    /// Create what is missing (container, entry, required fields); false for a removal.
    pub create: bool,
    /// Leave an entry whose credentials come from elsewhere alone (a refresh).
    pub refresh: bool,
    /// Remove every other credentials mechanism (an explicit mode).
    pub switch: bool,
}

impl<'a> Op<'a> {
    pub(crate) fn of(d: &'a Desired) -> Self {
        Op {
            header: d.header.as_ref().map(HeaderValue::expose),
            field: d.field.as_ref().map(|(k, v)| (k.as_str(), v.as_str())),
            create: d.create,
            refresh: d.create && d.indirect == OnIndirect::Leave,
            switch: d.indirect == OnIndirect::Replace,
        }
    }

    /// Whether `key` (an auth alternative present in the entry) must go.
    pub(crate) fn removes_field(&self, key: &str) -> bool {
        self.switch && self.field.is_none_or(|(k, _)| k != key)
    }
}

/// Checks an edited entry against the op: the header, the field, no other mechanism left
/// (switch), required fields present. `fields` are the auth alternatives present with their
/// string values. The message names what is wrong, never a value.
pub(crate) fn verify_op(
    op: Op<'_>,
    have: Option<&str>,
    fields: &[(&str, Option<&str>)],
    required_ok: bool,
) -> Result<(), String> {
    if !op.create {
        return match have {
            Some(_) => Err("the header is still present".into()),
            None => Ok(()),
        };
    }
    match (op.header, have) {
        (Some(want), Some(h)) if want == h => {}
        (Some(_), _) => return Err("the header does not hold the new value".into()),
        (None, Some(_)) => return Err("the header is still present".into()),
        (None, None) => {}
    }
    if let Some((k, v)) = op.field {
        if !fields.iter().any(|(fk, fv)| *fk == k && *fv == Some(v)) {
            return Err(format!("`{k}` does not hold the new value"));
        }
    }
    if let Some((k, _)) = fields.iter().find(|(k, _)| op.removes_field(k)) {
        return Err(format!("`{k}` is still present"));
    }
    if !required_ok {
        return Err("a required field is missing".into());
    }
    Ok(())
}

/// An Authorization value that refers to something the client resolves instead of holding a
/// token: `${VAR}`, `$VAR`, `{env:VAR}`, `${env:VAR}`, `${input:id}`, `{file:path}`. (A `$` or a
/// `{` can never be part of a bearer token.)
pub fn is_reference(value: &str) -> bool {
    let b = value.as_bytes();
    value.contains("{env:")
        || value.contains("{file:")
        || b.windows(2)
            .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic()))
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
        !self.other_auth.is_empty() || self.authorization_is_reference()
    }

    /// The entry already carries exactly `auth` (and its required fields): what `status`
    /// calls current, and what an explicit mode leaves [`Edit::Unchanged`].
    pub fn holds(&self, auth: &Desired) -> bool {
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

/// Why a file cannot be read or edited. Messages name lines, columns and key paths, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("line {line}, column {column}: not valid UTF-8 (byte offset {offset})")]
    NotUtf8 {
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("line {line}, column {column}: {what} is not allowed here: {why}")]
    Strictness {
        line: usize,
        column: usize,
        what: &'static str,
        why: &'static str,
    },
    #[error(
        "line {line}, column {column}: duplicate key `{path}` (also on line {first_line}); \
         clients use the last one — remove one of them"
    )]
    DuplicateKey {
        path: String,
        first_line: usize,
        line: usize,
        column: usize,
    },
    #[error("line {line}, column {column}: `{path}` is {found}, expected {expected}")]
    WrongType {
        path: String,
        found: &'static str,
        expected: &'static str,
        line: usize,
        column: usize,
    },
    #[error(
        "line {line}, column {column}: `{path}` is written on one line with {members} members; \
         figma-auth reformats a one-line object only up to {max} members (the syntax tree's \
         cost grows with the square of their number) — spread it over several lines and retry"
    )]
    TooLarge {
        path: String,
        members: usize,
        max: usize,
        line: usize,
        column: usize,
    },
    #[error("internal error: {0} (nothing was written; please report this)")]
    Internal(String),
}

impl EditError {
    /// The 1-based line the error points at, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            EditError::NotUtf8 { line, .. }
            | EditError::Syntax { line, .. }
            | EditError::Strictness { line, .. }
            | EditError::DuplicateKey { line, .. }
            | EditError::WrongType { line, .. }
            | EditError::TooLarge { line, .. } => Some(*line),
            EditError::Internal(_) => None,
        }
    }

    /// A short stable name of the variant (used by fixtures).
    pub fn kind(&self) -> &'static str {
        match self {
            EditError::NotUtf8 { .. } => "not-utf8",
            EditError::Syntax { .. } => "syntax",
            EditError::Strictness { .. } => "strictness",
            EditError::DuplicateKey { .. } => "duplicate-key",
            EditError::WrongType { .. } => "wrong-type",
            EditError::TooLarge { .. } => "too-large",
            EditError::Internal(_) => "internal",
        }
    }
}

/// Checks that `bytes` are UTF-8 and returns them as text; the error gives the byte offset of
/// the first invalid byte.
pub fn from_bytes(bytes: &[u8]) -> Result<&str, EditError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        // The prefix is valid UTF-8 by definition.
        let prefix = std::str::from_utf8(&bytes[..offset]).unwrap_or("");
        let (line, column) = line_col(prefix, offset);
        EditError::NotUtf8 {
            offset,
            line,
            column,
        }
    })
}

/// Reads what `text` (`None`: the file does not exist) says about our entry.
pub fn inspect(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
) -> Result<Inspection, EditError> {
    match syntax {
        Syntax::Toml => toml::inspect(text, spec),
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
    if let Some((k, _)) = &desired.field {
        if !spec.auth_alternatives.iter().any(|a| a == k) {
            return Err(EditError::Internal(format!(
                "`{k}` is not a credentials field of this client"
            )));
        }
    }
    match syntax {
        Syntax::Toml => toml::apply(text, spec, Op::of(desired)),
        _ => json::apply(text, syntax, spec, Op::of(desired)),
    }
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
        _ => json::object_keys(text, syntax, path),
    }
}

/// Parses and prints the text without an edit (the round-trip guarantee the fixtures test).
pub fn round_trip(text: &str, syntax: Syntax) -> Result<String, EditError> {
    match syntax {
        Syntax::Toml => toml::round_trip(text),
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
