//! Cursor: strict JSON `mcp.json`, user (`~/.cursor/mcp.json`) and project
//! (`<project dir>/.cursor/mcp.json`), entry `mcpServers.<name>` with `url` and `headers`.

use super::{file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct Cursor;

const ID: &str = "cursor";

impl Target for Cursor {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "Cursor"
    }
    fn detected(&self, env: &Env) -> bool {
        env.home.join(".cursor").is_dir()
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        self.default_file(env, scope).into_iter().collect()
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        let dir = match scope {
            Scope::User => env.home.clone(),
            Scope::Project => env.project_dir(),
            Scope::Local => return None,
        };
        Some(file(
            ID,
            dir.join(".cursor").join("mcp.json"),
            scope,
            Syntax::StrictJson,
            Shape::Cursor,
        ))
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::ENV_ONLY
    }
    fn reload_hint(&self) -> &'static str {
        "reload the Cursor window (Developer: Reload Window)"
    }
}
