//! What the editors are asked to find and write: where a client keeps its servers and what our
//! entry looks like there ([`EntrySpec`]), with the layouts each editor supports.

use super::{EditError, StdioSpec, Syntax};

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

impl EntrySpec {
    /// Uses what only the YAML editor implements.
    fn yaml_only(&self) -> bool {
        self.list_key.is_some() || !self.headers_parent.is_empty() || self.header_vars.is_some()
    }
}

/// Refuses a layout the editors do not implement, rather than editing the file some other way.
pub(super) fn check_supported(syntax: Syntax, spec: &EntrySpec) -> Result<(), EditError> {
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
