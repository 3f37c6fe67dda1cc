//! Zed: JSONC `settings.json` (user: `$XDG_CONFIG_HOME/zed`, on macOS also
//! `~/Library/Application Support/Zed`; project: `.zed/settings.json`); entry
//! `context_servers.<name>` with `url` and `headers`, among the editor's other settings.

use std::path::PathBuf;

use super::{file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct Zed;

const ID: &str = "zed";

fn user_paths(env: &Env) -> Vec<PathBuf> {
    let mut v = vec![env.xdg_config_home.join("zed").join("settings.json")];
    if cfg!(target_os = "macos") {
        v.push(
            env.home
                .join("Library")
                .join("Application Support")
                .join("Zed")
                .join("settings.json"),
        );
    }
    v
}

fn cfg(path: PathBuf, scope: Scope) -> ConfigFile {
    file(ID, path, scope, Syntax::Jsonc, Shape::Zed)
}

impl Target for Zed {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "Zed"
    }
    fn detected(&self, env: &Env) -> bool {
        user_paths(env)
            .iter()
            .any(|p| p.parent().is_some_and(|d| d.is_dir()))
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }
    /// User scope lists both macOS locations (Zed reads the one that exists).
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        match scope {
            Scope::User => user_paths(env)
                .into_iter()
                .map(|p| cfg(p, Scope::User))
                .collect(),
            _ => self.default_file(env, scope).into_iter().collect(),
        }
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        match scope {
            Scope::User => Some(cfg(
                env.xdg_config_home.join("zed").join("settings.json"),
                Scope::User,
            )),
            Scope::Project => Some(cfg(
                env.project_dir().join(".zed").join("settings.json"),
                Scope::Project,
            )),
            Scope::Local => None,
        }
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::INLINE_ONLY
    }
    fn reload_hint(&self) -> &'static str {
        "Zed reloads settings.json on save; restart the context server from the Agent panel if needed"
    }
}
