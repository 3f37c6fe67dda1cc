//! Everything figma-auth knows about each MCP client, as data ([`Client`], one entry per client
//! in [`table`]) resolved against an [`Env`] by one function; code only where data cannot say it
//! ([`opencode`]). Adding a client is an entry in [`table::CLIENTS`] plus its fixtures.

mod entry;
mod loc;
mod mode;
pub(crate) mod opencode;
mod precedence;
pub(crate) mod table;

use std::path::{Path, PathBuf};

use crate::edit::{
    self, Desired, Edit, EditError, EntrySpec, EntryState, Inspection, Stdio, Syntax,
};
use crate::paths::Env;

pub use entry::Server;
pub(crate) use entry::{EntryShape, Layout, Member, StdioMember, StdioShape, Value, DEFAULT_NAME};
pub(crate) use loc::{Detect, Loc};
pub use mode::{AuthContext, Mode};
pub(crate) use mode::{AuthSyntax, ModeError, Ref, DEFAULT_ENV_VAR};
pub(crate) use precedence::Precedence;

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

    /// `user`, `project` or `local` (as a record stores it).
    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::User, Scope::Project, Scope::Local]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The lock the client itself takes before it writes its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientLock {
    None,
    /// A `<file>.lock` directory (proper-lockfile), as Claude Code takes on `~/.claude.json`.
    LockDir,
    /// A `<file>.lock` directory holding an owner file, renamed into place, as Cline takes on its
    /// MCP settings file.
    OwnedDir,
    /// An advisory `flock` on this file beside the config, as Copilot CLI takes on
    /// `.mcp-writer.lock` (even to read its `mcp-config.json`).
    Flock(&'static str),
}

/// Everything figma-auth knows about one MCP client. Adding a client is adding one entry to
/// [`table::CLIENTS`] (plus its fixtures).
#[derive(Debug)]
pub struct Client {
    /// The `--target` name: `opencode`, `claude`, `cursor`, ...
    pub id: &'static str,
    /// Other names `--target` takes for it (`kilocode`, `claudedesktop`); records keep the id.
    pub aliases: &'static [&'static str],
    /// For messages: `Claude Code`, `Codex CLI`, ...
    pub name: &'static str,
    /// What the user must do for a running client to pick up a change.
    pub reload_hint: &'static str,
    /// The client looks installed when any of these exists.
    pub detect: &'static [Detect],
    /// Its config files: per scope, in the order the client loads them (the scopes in the order
    /// `setup` offers them, the default first).
    pub files: &'static [(Scope, Loc)],
    /// Where `setup` creates a file of a scope when none exists; a scope not listed: its first
    /// candidate in [`Client::files`].
    pub create_in: &'static [(Scope, Loc)],
    /// Files among [`Client::files`] where the client keeps its own state (Crush's data
    /// `crush.json`): kept current when they hold our entry, never chosen for a new one.
    pub state_files: &'static [Loc],
    /// The dialect, with the strictness the client enforces.
    pub syntax: Syntax,
    /// Why a comment or trailing comma is refused in a strict file (the refusal's reason);
    /// `None` for a lenient syntax.
    pub strict_why: Option<&'static str>,
    /// What our entry looks like.
    pub entry: EntryShape,
    /// A second layout chosen from the file's text (opencode's `mcp.servers`).
    pub layout: Option<Layout>,
    /// How the token can be delivered besides inline, and the keys and references each mode
    /// writes: the client's modes are exactly what this says.
    pub auth: AuthSyntax,
    /// The lock the client takes on its user file.
    pub lock: ClientLock,
    /// Which file's entry the client uses when several hold it.
    pub precedence: Precedence,
    /// Scopes where only these modes keep working, and why (Qwen Code asks again for approval
    /// of a project server whenever its header changes, a variable's value included).
    pub scope_modes: &'static [(Scope, &'static [Mode], &'static str)],
}

/// Every supported client.
pub fn all() -> &'static [&'static Client] {
    table::CLIENTS
}

/// The client with this id.
pub fn by_id(id: &str) -> Option<&'static Client> {
    all()
        .iter()
        .copied()
        .find(|c| c.id == id || c.aliases.contains(&id))
}

/// The ids of every supported client.
pub(crate) fn ids() -> Vec<&'static str> {
    all().iter().map(|c| c.id).collect()
}

/// The environment variables that move a client's files (captured by [`Env::from_process`]).
pub(crate) fn env_vars() -> Vec<&'static str> {
    let mut out = Vec::new();
    for c in all() {
        for (_, loc) in c.files.iter().chain(c.create_in) {
            for v in loc.vars() {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Why a `--target` list cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown target `{name}`; choose from: {}, all", ids().join(", "))]
pub(crate) struct UnknownClient {
    pub name: String,
}

/// The clients named on the command line (`--target`, repeatable and comma-separated; `all` =
/// every detected client), or every detected client when none is named. Each client once.
pub(crate) fn select(names: &[String], env: &Env) -> Result<Vec<&'static Client>, UnknownClient> {
    let detected = || all().iter().copied().filter(|c| c.detected(env));
    if names.is_empty() {
        return Ok(detected().collect());
    }
    let mut out: Vec<&'static Client> = Vec::new();
    let mut add = |c: &'static Client| {
        if !out.iter().any(|o| o.id == c.id) {
            out.push(c);
        }
    };
    for part in names
        .iter()
        .flat_map(|n| n.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if part == "all" {
            detected().for_each(&mut add);
            continue;
        }
        add(by_id(part).ok_or_else(|| UnknownClient { name: part.into() })?);
    }
    Ok(out)
}

impl Client {
    /// The client looks installed (its config directory or file exists).
    pub fn detected(&'static self, env: &Env) -> bool {
        self.detect.iter().any(|d| d.holds(self, env))
    }

    /// Scopes the client supports, the default first.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut out = Vec::new();
        for (s, _) in self.files {
            if !out.contains(s) {
                out.push(*s);
            }
        }
        out
    }

    /// Candidate files of a scope, existing or not, in load order ([`Client::precedence`] says
    /// which one's entry is used when several hold it).
    pub fn files(&'static self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        self.files
            .iter()
            .filter(|(s, _)| *s == scope)
            .flat_map(|(_, loc)| loc.paths(env))
            .map(|p| ConfigFile::new(self, scope, p, self.project_of(env, scope)))
            .collect()
    }

    /// The file `setup` creates in `scope` when none of [`Client::files`] exists.
    pub fn default_file(&'static self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        let listed = self.create_in.iter().find(|(s, _)| *s == scope);
        let path = match listed {
            Some((_, loc)) => loc.paths(env).into_iter().next(),
            None => self.files(env, scope).into_iter().next().map(|f| f.path),
        }?;
        Some(ConfigFile::new(
            self,
            scope,
            path,
            self.project_of(env, scope),
        ))
    }

    /// Whether an entry in `scope` keeps working in `mode` ([`Client::scope_modes`]); the
    /// error says why not, and which modes do.
    pub fn check_scope_mode(&self, scope: Scope, mode: Mode) -> Result<(), String> {
        match self.scope_modes.iter().find(|(s, _, _)| *s == scope) {
            Some((_, modes, why)) if !modes.contains(&mode) => {
                let instead = if modes.is_empty() {
                    "use the user scope".to_string()
                } else {
                    let names: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
                    format!(
                        "use --mode {}, or the user scope",
                        names.join(" or --mode ")
                    )
                };
                Err(format!(
                    "{} in the {} scope cannot use {mode} mode: {why}; {instead}",
                    self.name,
                    scope.as_str()
                ))
            }
            _ => Ok(()),
        }
    }

    /// One of [`Client::state_files`].
    pub fn is_state_file(&self, env: &Env, file: &ConfigFile) -> bool {
        self.state_files
            .iter()
            .flat_map(|l| l.paths(env))
            .any(|p| p == file.path)
    }

    /// Every existing config file in any scope, in load order, each real file once (a file
    /// reached as two scopes, e.g. when the project is the home directory, or through a
    /// symlink, keeps the first scope: user before project).
    pub fn existing_files(&'static self, env: &Env) -> Vec<ConfigFile> {
        let mut out: Vec<ConfigFile> = Vec::new();
        for scope in self.scopes() {
            for f in self.files(env, scope) {
                if f.exists() && !out.iter().any(|g| g.key() == f.key()) {
                    out.push(f);
                }
            }
        }
        out
    }

    /// The key under which the client keeps a local scope's entries: the project directory
    /// (the git root, else the cwd, symlinks resolved).
    pub fn project_key(env: &Env) -> String {
        env.project_dir().to_string_lossy().into_owned()
    }
}

impl Client {
    /// The project key of a file of `scope`: for a local scope kept inside a file shared by
    /// every project (Claude's `projects["<dir>"]`, [`EntryShape::local_prefix`]); a local scope
    /// that is a file of its own (Auggie's `.augment/settings.local.json`) has none.
    fn project_of(&self, env: &Env, scope: Scope) -> Option<String> {
        (scope == Scope::Local && !self.entry.local_prefix.is_empty())
            .then(|| Client::project_key(env))
    }
}

/// One config file of a client, resolved once: `path` as configured (for display and records),
/// `real` with every symlink resolved (for identity and I/O).
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub client: &'static Client,
    pub scope: Scope,
    pub path: PathBuf,
    pub real: PathBuf,
    /// The local scope's project key (Claude Code's `projects["<dir>"]`).
    pub project: Option<String>,
}

/// What identifies a config file (and, for a local scope, the part of it): the client, the
/// real path and the project key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey<'a> {
    pub client: &'static str,
    pub real: &'a Path,
    pub project: Option<&'a str>,
}

impl PartialEq for ConfigFile {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key() && self.scope == other.scope
    }
}

impl ConfigFile {
    pub fn new(
        client: &'static Client,
        scope: Scope,
        path: PathBuf,
        project: Option<String>,
    ) -> Self {
        ConfigFile {
            client,
            scope,
            real: crate::paths::real_path(&path),
            path,
            project,
        }
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    pub fn syntax(&self) -> Syntax {
        self.client.syntax
    }

    /// Its identity ([`FileKey`]).
    pub fn key(&self) -> FileKey<'_> {
        FileKey {
            client: self.client.id,
            real: &self.real,
            project: self.project.as_deref(),
        }
    }

    /// `~/.claude.json (Claude Code, user scope)`.
    pub fn describe(&self, env: &Env) -> String {
        let scope = match (&self.project, self.scope) {
            (Some(p), Scope::Local) => format!("local scope, project {p}"),
            (_, s) => format!("{} scope", s.as_str()),
        };
        format!(
            "{} ({}, {scope})",
            env.display(&self.path),
            self.client.name
        )
    }

    /// The lock the client takes on this file.
    pub fn lock(&self, env: &Env) -> ClientLock {
        let user = self.client.files(env, Scope::User);
        match self.client.lock {
            ClientLock::None => ClientLock::None,
            lock if user.iter().any(|u| u.real == self.real) => lock,
            _ => ClientLock::None,
        }
    }

    /// The edit spec for this file given its current text (`None`: missing).
    pub fn spec(&self, text: Option<&str>, server: &Server) -> Result<EntrySpec, EditError> {
        let shape = match &self.client.layout {
            Some(l) if (l.applies)(self.syntax(), text)? => &l.shape,
            _ => &self.client.entry,
        };
        let mut spec = shape.spec(server, &self.client.auth, self.project.as_deref());
        spec.strict_why = self.client.strict_why.unwrap_or(spec.strict_why);
        Ok(spec)
    }

    /// What the text says about our entry.
    pub fn inspect(&self, text: Option<&str>, server: &Server) -> Result<Inspection, EditError> {
        edit::inspect(text, self.syntax(), &self.spec(text, server)?)
    }

    /// The edit that makes the text hold `desired`.
    pub fn apply(
        &self,
        text: Option<&str>,
        server: &Server,
        desired: &Desired,
    ) -> Result<Edit, EditError> {
        edit::apply(text, self.syntax(), &self.spec(text, server)?, desired)
    }

    /// The edit that makes our entry the local server `stdio` (the proxy's): created, or our
    /// remote entry switched over. Only for clients whose [`EntryShape::stdio`] says how.
    pub fn apply_stdio(
        &self,
        text: Option<&str>,
        server: &Server,
        stdio: &Stdio,
    ) -> Result<Edit, EditError> {
        edit::apply_stdio(text, self.syntax(), &self.spec(text, server)?, stdio)
    }

    /// What our entry must carry in `mode` here ([`Client::auth`]).
    pub fn auth(&self, mode: Mode, ctx: &AuthContext<'_>) -> Result<Desired, ModeError> {
        self.client.auth(mode, ctx)
    }

    /// The mode the entry is in now ([`Client::mode_of`]).
    pub fn mode_of(&self, entry: &EntryState) -> Option<Mode> {
        self.client.mode_of(entry)
    }
}

#[cfg(test)]
mod tests;
