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

use std::fmt;
use std::path::{Path, PathBuf};

use crate::edit::{
    self, Auth, EditError, EditOutcome, EntrySpec, EntryState, Field, HeaderChange, HeaderValue,
    Inspection, Scalar, SecretHeader, Syntax,
};
use crate::paths::Env;
use crate::secret::AccessToken;

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

/// How the token reaches the client (`--mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// `Authorization: Bearer <token>` written into the config file; `refresh` rewrites it.
    Inline,
    /// The client runs a command that prints the header (Claude `headersHelper`, Codex
    /// `http_headers_helper`); no token in the file, which is written once.
    Helper,
    /// The header refers to a token file the client reads (opencode `{file:…}`); `refresh`
    /// keeps the token file current, the config is written once.
    File,
    /// The header refers to an environment variable in the client's own syntax (Codex:
    /// `bearer_token_env_var`); the config is written once.
    Env,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Inline, Mode::Helper, Mode::File, Mode::Env];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Inline => "inline",
            Mode::Helper => "helper",
            Mode::File => "file",
            Mode::Env => "env",
        }
    }

    /// `inline`, `helper`, `file` or `env` (as `--mode` takes it); the error lists them.
    pub fn parse(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| format!("unknown mode `{s}`; choose from: inline, helper, file, env"))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::parse(s)
    }
}

/// The default variable of [`Mode::Env`].
pub const DEFAULT_ENV_VAR: &str = "FIGMA_TOKEN";

/// What a mode needs to say what to write: each mode reads only its own field.
#[derive(Debug, Clone, Copy)]
pub struct AuthContext<'a> {
    /// [`Mode::Inline`]: the access token (already validated).
    pub token: Option<&'a AccessToken>,
    /// [`Mode::Helper`]: the command line the client runs through a shell, already quoted
    /// (e.g. `'/abs/path/figma-auth' header --json --profile default`).
    pub helper_command: Option<&'a str>,
    /// [`Mode::File`]: the absolute path of the token file.
    pub token_file: Option<&'a Path>,
    /// [`Mode::Env`]: the variable's name (default [`DEFAULT_ENV_VAR`]).
    pub env_var: &'a str,
}

impl Default for AuthContext<'_> {
    fn default() -> Self {
        Self {
            token: None,
            helper_command: None,
            token_file: None,
            env_var: DEFAULT_ENV_VAR,
        }
    }
}

/// Why a mode cannot be used. Messages hold no token (a path or variable name is not echoed
/// either; the caller knows them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    #[error(
        "{client} does not support --mode {mode}; its modes: {}",
        list(supported)
    )]
    Unsupported {
        client: &'static str,
        mode: Mode,
        supported: &'static [Mode],
    },
    #[error("--mode {mode} needs {what} (internal: the caller did not supply it)")]
    Missing { mode: Mode, what: &'static str },
    #[error("--mode {mode}: {what} {why}")]
    Invalid {
        mode: Mode,
        what: &'static str,
        why: &'static str,
    },
}

fn list(modes: &[Mode]) -> String {
    modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks that `target` supports `mode` (for `setup` before any file is read).
pub fn check_mode(target: &dyn Target, mode: Mode) -> Result<(), ModeError> {
    if target.modes().contains(&mode) {
        Ok(())
    } else {
        Err(ModeError::Unsupported {
            client: target.display_name(),
            mode,
            supported: target.modes(),
        })
    }
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
    /// Found by its name only, never another entry with the same URL: the entries a profile
    /// recorded (`refresh`, `logout`, `login`; an update never adds a header to one) and the new
    /// entry `setup` creates. Otherwise (setup, status, doctor) an entry is also found by its URL.
    pub recorded: bool,
}

pub const DEFAULT_NAME: &str = "figma";
pub const DEFAULT_URL: &str = "https://mcp.figma.com/mcp";

impl Default for Server {
    fn default() -> Self {
        Self {
            name: DEFAULT_NAME.into(),
            url: DEFAULT_URL.into(),
            force: false,
            recorded: false,
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

/// Modes per client; [`Shape::modes`] and each [`Target::modes`] both use these.
pub(crate) mod modes {
    use super::Mode::{self, *};
    pub const OPENCODE: &[Mode] = &[Inline, File, Env];
    pub const CLAUDE: &[Mode] = &[Inline, Helper, Env];
    pub const CODEX: &[Mode] = &[Inline, Helper, Env];
    /// Cursor, Gemini CLI, VS Code, Windsurf: variable substitution in headers only.
    pub const ENV_ONLY: &[Mode] = &[Inline, Env];
    /// Zed documents no substitution.
    pub const INLINE_ONLY: &[Mode] = &[Inline];
}

fn valid_var(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Shape {
    /// The client (for messages).
    fn client(&self) -> &'static str {
        match self {
            Shape::Opencode => "opencode",
            Shape::Claude { .. } => "Claude Code",
            Shape::Cursor => "Cursor",
            Shape::Codex => "Codex CLI",
            Shape::Gemini => "Gemini CLI",
            Shape::VsCode => "VS Code",
            Shape::Windsurf => "Windsurf",
            Shape::Zed => "Zed",
        }
    }

    /// How the token can be delivered in this kind of file.
    pub fn modes(&self) -> &'static [Mode] {
        match self {
            Shape::Opencode => modes::OPENCODE,
            Shape::Claude { .. } => modes::CLAUDE,
            Shape::Codex => modes::CODEX,
            Shape::Cursor | Shape::Gemini | Shape::VsCode | Shape::Windsurf => modes::ENV_ONLY,
            Shape::Zed => modes::INLINE_ONLY,
        }
    }

    /// The entry key holding the helper command ([`Mode::Helper`]).
    pub fn helper_key(&self) -> Option<&'static str> {
        match self {
            Shape::Claude { .. } => Some("headersHelper"),
            Shape::Codex => Some("http_headers_helper"),
            _ => None,
        }
    }

    /// The entry key naming the token variable, for a client with one ([`Mode::Env`]).
    pub fn env_key(&self) -> Option<&'static str> {
        match self {
            Shape::Codex => Some("bearer_token_env_var"),
            _ => None,
        }
    }

    /// `Bearer <reference to the variable>` in the client's own syntax.
    fn env_reference(&self, var: &str) -> String {
        match self {
            Shape::Opencode => format!("Bearer {{env:{var}}}"),
            Shape::Claude { .. } | Shape::Gemini => format!("Bearer ${{{var}}}"),
            _ => format!("Bearer ${{env:{var}}}"),
        }
    }

    /// What our entry must carry in `mode`: the input of [`crate::edit::apply_auth`] and
    /// [`EntryState::holds`].
    pub fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Auth, ModeError> {
        if !self.modes().contains(&mode) {
            return Err(ModeError::Unsupported {
                client: self.client(),
                mode,
                supported: self.modes(),
            });
        }
        let missing = |what| ModeError::Missing { mode, what };
        let invalid = |what, why| ModeError::Invalid { mode, what, why };
        let reference = |r: String| Auth {
            header: Some(HeaderValue::Reference(r)),
            field: None,
        };
        match mode {
            Mode::Inline => {
                let token = ctx.token.ok_or_else(|| missing("a token"))?;
                Ok(Auth {
                    header: Some(HeaderValue::Token(SecretHeader::bearer(token))),
                    field: None,
                })
            }
            Mode::Helper => {
                let cmd = ctx
                    .helper_command
                    .ok_or_else(|| missing("a helper command"))?;
                if cmd.trim().is_empty() {
                    return Err(invalid("the helper command", "is empty"));
                }
                if cmd.chars().any(char::is_control) {
                    return Err(invalid(
                        "the helper command",
                        "contains a control character",
                    ));
                }
                let key = self.helper_key().ok_or_else(|| missing("a helper key"))?;
                Ok(Auth {
                    header: None,
                    field: Some((key.to_string(), cmd.to_string())),
                })
            }
            Mode::File => {
                let path = ctx.token_file.ok_or_else(|| missing("a token file"))?;
                if !path.is_absolute() {
                    return Err(invalid("the token file path", "is not absolute"));
                }
                let Some(p) = path.to_str() else {
                    return Err(invalid("the token file path", "is not valid UTF-8"));
                };
                if p.contains('}') || p.chars().any(char::is_control) {
                    return Err(invalid(
                        "the token file path",
                        "contains `}` or a control character, which the client cannot read",
                    ));
                }
                Ok(reference(format!("Bearer {{file:{p}}}")))
            }
            Mode::Env => {
                if !valid_var(ctx.env_var) {
                    return Err(invalid(
                        "the variable name",
                        "must be letters, digits and `_`, not starting with a digit",
                    ));
                }
                match self.env_key() {
                    Some(key) => Ok(Auth {
                        header: None,
                        field: Some((key.to_string(), ctx.env_var.to_string())),
                    }),
                    None => Ok(reference(self.env_reference(ctx.env_var))),
                }
            }
        }
    }

    /// The mode an entry is in now, judged from what it holds: a helper or variable field
    /// first (they override a static header), then the header — a `{file:…}` reference, any
    /// other reference (a variable), or a token. `None`: no credentials at all.
    pub fn mode_of(&self, entry: &EntryState) -> Option<Mode> {
        let has = |k: Option<&str>| k.is_some_and(|k| entry.other_auth.iter().any(|o| o == k));
        if has(self.helper_key()) {
            return Some(Mode::Helper);
        }
        if has(self.env_key()) {
            return Some(Mode::Env);
        }
        if let Some(r) = entry.authorization_reference() {
            return Some(if r.contains("{file:") {
                Mode::File
            } else {
                Mode::Env
            });
        }
        entry.authorization.as_ref().map(|_| Mode::Inline)
    }

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
            by_url: !server.recorded,
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

/// What identifies a config file (and, for Claude's local scope, the part of it): the client,
/// the file's real path (symlinks resolved, so a file reached as two scopes or through a link is
/// one file) and the project key of Claude's local scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    pub target: &'static str,
    pub real: PathBuf,
    pub project: Option<String>,
}

impl ConfigFile {
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Claude Code's local scope: the key of the project in `projects`.
    pub fn project(&self) -> Option<&str> {
        match &self.shape {
            Shape::Claude { project } => project.as_deref(),
            _ => None,
        }
    }

    /// The file's real path ([`crate::paths::real_path`]).
    pub fn real_path(&self) -> PathBuf {
        crate::paths::real_path(&self.path)
    }

    /// Its identity ([`FileKey`]).
    pub fn key(&self) -> FileKey {
        FileKey {
            target: self.target,
            real: self.real_path(),
            project: self.project().map(str::to_string),
        }
    }

    /// The edit spec for this file given its current text.
    pub fn spec(&self, text: Option<&str>, server: &Server) -> Result<EntrySpec, EditError> {
        self.shape.spec(self.syntax, text, server)
    }

    /// What the text says about our entry.
    pub fn inspect(&self, text: Option<&str>, server: &Server) -> Result<Inspection, EditError> {
        edit::inspect(text, self.syntax, &self.spec(text, server)?)
    }

    /// The edit that makes the text hold `change` (refresh, logout).
    pub fn apply(
        &self,
        text: Option<&str>,
        server: &Server,
        change: &HeaderChange,
    ) -> Result<EditOutcome, EditError> {
        edit::apply(text, self.syntax, &self.spec(text, server)?, change)
    }

    /// What our entry must carry in `mode` here ([`Shape::auth`]).
    pub fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Auth, ModeError> {
        self.shape.auth(mode, ctx)
    }

    /// The edit that makes the entry carry exactly `auth` (setup with a mode, mode switch).
    pub fn apply_auth(
        &self,
        text: Option<&str>,
        server: &Server,
        auth: &Auth,
    ) -> Result<EditOutcome, EditError> {
        edit::apply_auth(text, self.syntax, &self.spec(text, server)?, auth)
    }

    /// The mode the entry is in now ([`Shape::mode_of`]).
    pub fn mode_of(&self, entry: &EntryState) -> Option<Mode> {
        self.shape.mode_of(entry)
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
    /// How the token can be delivered to this client, [`Mode::Inline`] first.
    fn modes(&self) -> &'static [Mode];
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
