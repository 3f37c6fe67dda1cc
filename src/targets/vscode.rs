//! VS Code: JSONC `mcp.json` in the user profile (per-OS location) and `.vscode/mcp.json` in the
//! workspace; top-level `servers`, entry `type: "http"`, `url`, `headers`.

use std::path::PathBuf;

use super::{file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct VsCode;

const ID: &str = "vscode";

/// The user-profile directory: `~/.config/Code/User` (Linux, honouring XDG_CONFIG_HOME),
/// `~/Library/Application Support/Code/User` (macOS), `%APPDATA%\Code\User` (Windows).
pub fn user_dir(env: &Env) -> PathBuf {
    if cfg!(target_os = "macos") {
        return env
            .home
            .join("Library")
            .join("Application Support")
            .join("Code")
            .join("User");
    }
    if cfg!(windows) {
        if let Some(appdata) = env.var("APPDATA") {
            return PathBuf::from(appdata).join("Code").join("User");
        }
    }
    env.xdg_config_home.join("Code").join("User")
}

impl Target for VsCode {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "VS Code"
    }
    fn detected(&self, env: &Env) -> bool {
        user_dir(env).is_dir()
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        self.default_file(env, scope).into_iter().collect()
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        let path = match scope {
            Scope::User => user_dir(env).join("mcp.json"),
            Scope::Project => env.project_dir().join(".vscode").join("mcp.json"),
            Scope::Local => return None,
        };
        Some(file(ID, path, scope, Syntax::Jsonc, Shape::VsCode))
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::ENV_ONLY
    }
    fn reload_hint(&self) -> &'static str {
        "restart the server from the MCP view in VS Code (or reload the window)"
    }
}
