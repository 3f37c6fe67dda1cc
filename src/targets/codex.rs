//! Codex CLI: TOML, `$CODEX_HOME/config.toml` (default `~/.codex/config.toml`) and project
//! `.codex/config.toml` files from the git root down to the cwd (trusted projects only), deep-merged
//! with the project over the user file. Entry `[mcp_servers.<name>]` with `url`, `http_headers`.

use std::path::PathBuf;

use super::{dirs_root_to_cwd, file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct Codex;

const ID: &str = "codex";

/// `$CODEX_HOME`, else `~/.codex`.
pub fn codex_home(env: &Env) -> PathBuf {
    match env.var("CODEX_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => env.home.join(".codex"),
    }
}

fn cfg(path: PathBuf, scope: Scope) -> ConfigFile {
    file(ID, path, scope, Syntax::Toml, Shape::Codex)
}

impl Target for Codex {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "Codex CLI"
    }
    fn detected(&self, env: &Env) -> bool {
        codex_home(env).is_dir()
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        match scope {
            Scope::User => vec![cfg(codex_home(env).join("config.toml"), Scope::User)],
            Scope::Project => dirs_root_to_cwd(env)
                .into_iter()
                .map(|d| cfg(d.join(".codex").join("config.toml"), Scope::Project))
                .collect(),
            Scope::Local => Vec::new(),
        }
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        match scope {
            Scope::User => Some(cfg(codex_home(env).join("config.toml"), Scope::User)),
            Scope::Project => Some(cfg(
                env.project_dir().join(".codex").join("config.toml"),
                Scope::Project,
            )),
            Scope::Local => None,
        }
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::CODEX
    }
    fn reload_hint(&self) -> &'static str {
        "restart Codex (project files load only in trusted projects)"
    }
}
