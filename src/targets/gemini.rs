//! Gemini CLI: JSON with comments where a trailing comma is fatal; `~/.gemini/settings.json` and
//! `<cwd>/.gemini/settings.json` (the project entry replaces the user one); entry
//! `mcpServers.<name>` with `httpUrl` (or `url` + `type: "http"`, as `gemini mcp add` writes).

use super::{file, real_cwd, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct Gemini;

const ID: &str = "gemini";

impl Target for Gemini {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "Gemini CLI"
    }
    fn detected(&self, env: &Env) -> bool {
        env.home.join(".gemini").is_dir()
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
            Scope::Project => real_cwd(env),
            Scope::Local => return None,
        };
        Some(file(
            ID,
            dir.join(".gemini").join("settings.json"),
            scope,
            Syntax::JsoncNoTrailingCommas,
            Shape::Gemini,
        ))
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::ENV_ONLY
    }
    fn reload_hint(&self) -> &'static str {
        "restart Gemini CLI (project servers load only in trusted folders)"
    }
}
