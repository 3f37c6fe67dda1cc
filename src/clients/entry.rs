//! What our entry looks like in a client's file ([`EntryShape`], data), and the edit spec built
//! from it for one server ([`EntryShape::spec`]).

use super::mode::AuthSyntax;
use crate::edit::{EditError, EntrySpec, Field, Scalar, StdioField, StdioSpec, Syntax};

/// The entry name figma-auth writes unless told otherwise.
pub(crate) const DEFAULT_NAME: &str = "figma";

/// A fixed value of an entry or a new document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Str(&'static str),
    Bool(bool),
    /// An integer (Goose's `timeout: 300`).
    Int(i64),
    /// The entry's own name, as a string (Goose repeats it as `name:`).
    Name,
}

impl Value {
    fn scalar(self, name: &str) -> Scalar {
        match self {
            Value::Str(s) => Scalar::str(s),
            Value::Bool(b) => Scalar::Bool(b),
            Value::Int(i) => Scalar::Int(i),
            Value::Name => Scalar::str(name),
        }
    }
}

/// One member of a new entry, in the order it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// The URL, under the first of [`EntryShape::url_keys`].
    Url,
    /// The headers object holding `Authorization`.
    Headers,
    /// A fixed member (`"type": "http"`).
    Fixed(&'static str, Value),
}

/// Where a client keeps its servers and what our entry looks like there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryShape {
    /// Key path from the document root to the map of servers (`mcpServers`, `mcp_servers`,
    /// `mcp.servers`, ...).
    pub container: &'static [&'static str],
    /// For a local scope: the keys before the project key (`projects` in Claude's
    /// `projects["<dir>"].mcpServers`).
    pub local_prefix: &'static [&'static str],
    /// The container is a list whose items are identified by this member (Continue's
    /// `mcpServers: [{name: …}]`); `None`: a map keyed by the entry name.
    pub list_key: Option<&'static str>,
    /// Keys that may hold the URL; the first is the one written (`url`, `httpUrl`, `serverUrl`,
    /// `uri`).
    pub url_keys: &'static [&'static str],
    /// Keys from the entry to the object holding the headers (Continue's `requestOptions`);
    /// empty: the headers object is a member of the entry.
    pub headers_parent: &'static [&'static str],
    /// The key of the headers object (`headers`, Codex `http_headers`).
    pub headers_key: &'static str,
    /// A member of an existing entry that holds its URL and headers in its place (Cline's
    /// `transport`); new entries are written without it.
    pub body_key: Option<&'static str>,
    /// A list member that must name every variable the header refers to (Goose's `env_keys`).
    pub header_vars: Option<&'static str>,
    /// Members of a new entry, in order.
    pub template: &'static [Member],
    /// Members an existing entry must have (added when missing, never changed).
    pub required: &'static [(&'static str, Value)],
    /// Top-level members of a document created from nothing (opencode's `$schema`).
    pub new_file: &'static [(&'static str, Value)],
    /// Keys besides the modes' own that give the client its credentials instead of our header
    /// (Continue's `apiKey`): an entry holding one is left alone by a refresh.
    pub credential_keys: &'static [&'static str],
    /// YAML: how the client writes a local (stdio) server entry (the proxy's).
    pub stdio: Option<StdioShape>,
}

/// How a client writes a local (stdio) server entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdioShape {
    /// The key of the command (`command`, Goose `cmd`).
    pub command_key: &'static str,
    /// The key of the argument list; empty: the command key holds the whole command line as
    /// one array (opencode).
    pub args_key: &'static str,
    /// Members of a new local entry, in order.
    pub template: &'static [StdioMember],
}

/// One member of a new local entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdioMember {
    Command,
    Args,
    Fixed(&'static str, Value),
}

impl StdioShape {
    /// `command` and `args`, nothing else (Cursor, Codex, Gemini CLI, Windsurf, Zed, ...).
    pub const COMMAND_ARGS: StdioShape = StdioShape {
        command_key: "command",
        args_key: "args",
        template: &[StdioMember::Command, StdioMember::Args],
    };
}

impl EntryShape {
    /// `mcpServers.<name>` with `url` and `headers`: the shape most clients share.
    pub const MCP_SERVERS: EntryShape = EntryShape {
        container: &["mcpServers"],
        local_prefix: &[],
        list_key: None,
        url_keys: &["url"],
        headers_parent: &[],
        headers_key: "headers",
        body_key: None,
        header_vars: None,
        template: &[Member::Url, Member::Headers],
        required: &[],
        new_file: &[],
        credential_keys: &[],
        stdio: None,
    };

    /// The edit spec of this shape for `server` (`project`: the local scope's project key).
    pub fn spec(&self, server: &Server, auth: &AuthSyntax, project: Option<&str>) -> EntrySpec {
        let s = |v: &&str| v.to_string();
        let mut container: Vec<String> = Vec::new();
        if let Some(p) = project {
            container.extend(self.local_prefix.iter().map(s));
            container.push(p.to_string());
        }
        container.extend(self.container.iter().map(s));
        let name = server.name.as_str();
        let mut auth_alternatives: Vec<String> =
            auth.keys().into_iter().map(String::from).collect();
        auth_alternatives.extend(self.credential_keys.iter().map(s));
        EntrySpec {
            container,
            name: server.name.clone(),
            url: server.url.clone(),
            url_keys: self.url_keys.iter().map(s).collect(),
            headers_key: self.headers_key.to_string(),
            body_key: self.body_key.map(String::from),
            template: self
                .template
                .iter()
                .map(|m| match m {
                    Member::Url => Field::Url,
                    Member::Headers => Field::Headers,
                    Member::Fixed(k, v) => Field::Value(k.to_string(), v.scalar(name)),
                })
                .collect(),
            required: self
                .required
                .iter()
                .map(|(k, v)| (k.to_string(), v.scalar(name)))
                .collect(),
            new_file_members: self
                .new_file
                .iter()
                .map(|(k, v)| (k.to_string(), v.scalar(name)))
                .collect(),
            auth_alternatives,
            force: server.force,
            by_url: !server.recorded,
            list_key: self.list_key.map(String::from),
            headers_parent: self.headers_parent.iter().map(s).collect(),
            header_vars: self.header_vars.map(String::from),
            stdio: self.stdio.map(|st| StdioSpec {
                command_key: st.command_key.to_string(),
                args_key: st.args_key.to_string(),
                template: st
                    .template
                    .iter()
                    .map(|m| match m {
                        StdioMember::Command => StdioField::Command,
                        StdioMember::Args => StdioField::Args,
                        StdioMember::Fixed(k, v) => {
                            StdioField::Value(k.to_string(), v.scalar(name))
                        }
                    })
                    .collect(),
            }),
            strict_why: crate::edit::STRICT_WHY,
        }
    }
}

/// A second layout of a client's file, used when `applies` says the text is written in it.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub shape: EntryShape,
    pub applies: fn(Syntax, Option<&str>) -> Result<bool, EditError>,
}

/// The server figma-auth manages in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Entry name (default `figma`).
    pub name: String,
    /// MCP URL (default `https://mcp.figma.com/mcp`).
    pub url: String,
    /// Take over an entry named `name` that points at another URL.
    pub force: bool,
    /// Found by its name only, never another entry with the same URL: the entries a profile
    /// recorded (`refresh`, `logout`, `login`; an update never adds a header to one) and the new
    /// entry `setup` creates. Otherwise (setup, status, doctor) an entry is also found by its URL.
    pub recorded: bool,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            name: DEFAULT_NAME.into(),
            url: crate::oauth::DEFAULT_MCP_URL.into(),
            force: false,
            recorded: false,
        }
    }
}
