//! Claude Code: strict JSON. User scope is `~/.claude.json`'s top-level `mcpServers`, local scope
//! its `projects["<project dir>"].mcpServers`, project scope `<project dir>/.mcp.json`.
//! Precedence local > project > user; entries are not merged.

use std::path::PathBuf;

use super::{file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct Claude;

const ID: &str = "claude";

/// `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`.
pub fn claude_json(env: &Env) -> PathBuf {
    match env.var("CLAUDE_CONFIG_DIR") {
        Some(dir) => PathBuf::from(dir).join(".claude.json"),
        None => env.home.join(".claude.json"),
    }
}

/// The key of the project in `~/.claude.json`'s `projects` map: the git root, else the cwd,
/// symlinks resolved.
pub fn project_key(env: &Env) -> String {
    env.project_dir().to_string_lossy().into_owned()
}

impl Target for Claude {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "Claude Code"
    }
    fn detected(&self, env: &Env) -> bool {
        claude_json(env).exists() || env.home.join(".claude").is_dir()
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Local, Scope::Project]
    }
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        self.default_file(env, scope).into_iter().collect()
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        let (path, shape) = match scope {
            Scope::User => (claude_json(env), Shape::Claude { project: None }),
            Scope::Local => (
                claude_json(env),
                Shape::Claude {
                    project: Some(project_key(env)),
                },
            ),
            Scope::Project => (
                env.project_dir().join(".mcp.json"),
                Shape::Claude { project: None },
            ),
        };
        Some(file(ID, path, scope, Syntax::StrictJson, shape))
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::CLAUDE
    }
    fn reload_hint(&self) -> &'static str {
        "run /mcp in Claude Code to reconnect (or restart it)"
    }
}
