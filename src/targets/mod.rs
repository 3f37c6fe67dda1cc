//! The MCP clients figma-auth configures: where each keeps its config files for a scope, which
//! dialect they are written in and what our entry looks like there. Pure path logic over an
//! [`Env`] (plus existence checks); the edits themselves are in [`crate::edit`].

pub mod claude;
pub mod codex;
pub mod cursor;
pub mod gemini;
pub mod opencode;
pub mod vscode;
pub mod windsurf;
pub mod zed;

use std::path::{Path, PathBuf};

use crate::edit::{
    self, EditError, EditOutcome, EntrySpec, Field, HeaderChange, Inspection, Scalar, Syntax,
};
use crate::paths::Env;

/// Where a config file applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The user's own, all projects (`~/.claude.json` top level, `~/.cursor/mcp.json`, …).
    User,
    /// Shared with a project, usually checked into git (`.mcp.json`, `opencode.json`, …).
    Project,
    /// Private to the user but tied to one project (Claude's `projects["<dir>"]`).
    Local,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Project => "project",
            Scope::Local => "local",
        }
    }
}

/// How the token reaches the client. Only [`Mode::Inline`] exists today; the enum leaves room
/// for indirections (an environment variable, a headers helper command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `Authorization: Bearer <token>` written into the config file.
    Inline,
}

/// The server figma-auth manages in every file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Entry name (default `figma`).
    pub name: String,
    /// MCP URL (default `https://mcp.figma.com/mcp`).
    pub url: String,
    /// Take over an entry named `name` that points at another URL.
    pub force: bool,
}

pub const DEFAULT_NAME: &str = "figma";
pub const DEFAULT_URL: &str = "https://mcp.figma.com/mcp";

impl Default for Server {
    fn default() -> Self {
        Self {
            name: DEFAULT_NAME.into(),
            url: DEFAULT_URL.into(),
            force: false,
        }
    }
}

/// The shape of our entry in one kind of file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// opencode: `mcp.<name>` (V1) or `mcp.servers.<name>` (V2, detected from the text).
    Opencode,
    /// Claude Code: top-level `mcpServers`, or `projects["<dir>"].mcpServers` (local scope).
    Claude { project: Option<String> },
    /// Cursor: `mcpServers.<name>` with `url` and `headers`.
    Cursor,
    /// Codex: `[mcp_servers.<name>]` with `url` and `http_headers`.
    Codex,
    /// Gemini CLI: `mcpServers.<name>` with `httpUrl` and `headers`.
    Gemini,
    /// VS Code: top-level `servers.<name>` with `type: "http"`, `url`, `headers`.
    VsCode,
    /// Windsurf: `mcpServers.<name>` with `serverUrl` and `headers`.
    Windsurf,
    /// Zed: `context_servers.<name>` with `url` and `headers`.
    Zed,
}

fn s(v: &str) -> String {
    v.to_string()
}

fn str_field(k: &str, v: &str) -> Field {
    Field::Value(s(k), Scalar::str(v))
}

impl Shape {
    /// The edit spec for this shape. `text` is the file's current content (`None`: missing),
    /// used to pick between layouts (opencode V1/V2).
    pub fn spec(
        &self,
        syntax: Syntax,
        text: Option<&str>,
        server: &Server,
    ) -> Result<EntrySpec, EditError> {
        let mut spec = EntrySpec {
            container: vec![s("mcpServers")],
            name: server.name.clone(),
            url: server.url.clone(),
            url_keys: vec![s("url")],
            headers_key: s("headers"),
            template: vec![Field::Url, Field::Headers],
            required: vec![],
            new_file_members: vec![],
            auth_alternatives: vec![],
            force: server.force,
        };
        match self {
            Shape::Opencode => {
                spec.new_file_members = vec![(s("$schema"), Scalar::str(opencode::SCHEMA))];
                if opencode::is_v2(syntax, text)? {
                    spec.container = vec![s("mcp"), s("servers")];
                    spec.template = vec![str_field("type", "remote"), Field::Url, Field::Headers];
                    spec.required = vec![(s("type"), Scalar::str("remote"))];
                } else {
                    spec.container = vec![s("mcp")];
                    spec.template = vec![
                        str_field("type", "remote"),
                        Field::Url,
                        Field::Value(s("enabled"), Scalar::Bool(true)),
                        Field::Value(s("oauth"), Scalar::Bool(false)),
                        Field::Headers,
                    ];
                    spec.required = vec![
                        (s("type"), Scalar::str("remote")),
                        (s("oauth"), Scalar::Bool(false)),
                    ];
                }
            }
            Shape::Claude { project } => {
                if let Some(p) = project {
                    spec.container = vec![s("projects"), p.clone(), s("mcpServers")];
                }
                spec.template = vec![str_field("type", "http"), Field::Url, Field::Headers];
                spec.required = vec![(s("type"), Scalar::str("http"))];
                spec.auth_alternatives = vec![s("headersHelper")];
            }
            Shape::Cursor => {}
            Shape::Codex => {
                spec.container = vec![s("mcp_servers")];
                spec.headers_key = s("http_headers");
                spec.auth_alternatives = vec![s("bearer_token_env_var"), s("http_headers_helper")];
            }
            Shape::Gemini => {
                // `gemini mcp add -t http` writes `url` + `type: "http"`; both forms are ours.
                spec.url_keys = vec![s("httpUrl"), s("url")];
            }
            Shape::VsCode => {
                spec.container = vec![s("servers")];
                spec.template = vec![str_field("type", "http"), Field::Url, Field::Headers];
                spec.required = vec![(s("type"), Scalar::str("http"))];
            }
            Shape::Windsurf => {
                spec.url_keys = vec![s("serverUrl"), s("url")];
            }
            Shape::Zed => {
                spec.container = vec![s("context_servers")];
            }
        }
        Ok(spec)
    }
}

/// One candidate config file of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The client ([`Target::id`]).
    pub target: &'static str,
    pub path: PathBuf,
    pub scope: Scope,
    pub syntax: Syntax,
    pub shape: Shape,
}

impl ConfigFile {
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// The edit spec for this file given its current text.
    pub fn spec(&self, text: Option<&str>, server: &Server) -> Result<EntrySpec, EditError> {
        self.shape.spec(self.syntax, text, server)
    }

    /// What the text says about our entry.
    pub fn inspect(&self, text: Option<&str>, server: &Server) -> Result<Inspection, EditError> {
        edit::inspect(text, self.syntax, &self.spec(text, server)?)
    }

    /// The edit that makes the text hold `change`.
    pub fn apply(
        &self,
        text: Option<&str>,
        server: &Server,
        change: &HeaderChange,
    ) -> Result<EditOutcome, EditError> {
        edit::apply(text, self.syntax, &self.spec(text, server)?, change)
    }
}

/// An MCP client.
pub trait Target: Sync {
    /// Stable id used on the command line: `opencode`, `claude`, `cursor`, `codex`, `gemini`,
    /// `vscode`, `windsurf`, `zed`.
    fn id(&self) -> &'static str;
    fn display_name(&self) -> &'static str;
    /// The client looks installed (its config directory or file exists).
    fn detected(&self, env: &Env) -> bool;
    /// Scopes the client supports, the default first.
    fn scopes(&self) -> &'static [Scope];
    /// Candidate files for a scope, existing or not, in load order: **the last one wins** when
    /// several hold the entry (for clients that read only one file, a single element).
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile>;
    /// The file to create in `scope` when none of [`Target::files`] exists.
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile>;
    /// What the user must do for the client to pick up a change.
    fn reload_hint(&self) -> &'static str;
    /// How the token can be delivered to this client.
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Inline]
    }
}

/// Every supported client.
pub fn all() -> &'static [&'static dyn Target] {
    &[
        &opencode::Opencode,
        &claude::Claude,
        &cursor::Cursor,
        &codex::Codex,
        &gemini::Gemini,
        &vscode::VsCode,
        &windsurf::Windsurf,
        &zed::Zed,
    ]
}

/// The client with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Target> {
    all().iter().copied().find(|t| t.id() == id)
}

pub(crate) fn file(
    target: &'static str,
    path: PathBuf,
    scope: Scope,
    syntax: Syntax,
    shape: Shape,
) -> ConfigFile {
    ConfigFile {
        target,
        path,
        scope,
        syntax,
        shape,
    }
}

/// The cwd with symlinks resolved (falls back to the cwd as given).
pub(crate) fn real_cwd(env: &Env) -> PathBuf {
    std::fs::canonicalize(&env.cwd).unwrap_or_else(|_| env.cwd.clone())
}

/// Directories from the git root (or the cwd when not in a repository) down to the cwd,
/// outermost first.
pub(crate) fn dirs_root_to_cwd(env: &Env) -> Vec<PathBuf> {
    let cwd = real_cwd(env);
    let Some(root) = env.git_root() else {
        return vec![cwd];
    };
    let mut dirs: Vec<PathBuf> = cwd
        .ancestors()
        .take_while(|d| d.starts_with(&root))
        .map(Path::to_path_buf)
        .collect();
    dirs.reverse();
    if dirs.is_empty() {
        dirs.push(cwd);
    }
    dirs
}

#[cfg(test)]
mod tests;
