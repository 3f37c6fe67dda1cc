//! Windsurf: `~/.codeium/windsurf/mcp_config.json`, entry `mcpServers.<name>` with `serverUrl`
//! and `headers`. Windsurf's tolerance of comments is undocumented, so the file is treated as
//! strict JSON: nothing non-standard is written, and a file that already has some is refused.

use super::{file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::Syntax;
use crate::paths::Env;

pub struct Windsurf;

const ID: &str = "windsurf";

impl Target for Windsurf {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "Windsurf"
    }
    fn detected(&self, env: &Env) -> bool {
        env.home.join(".codeium").join("windsurf").is_dir()
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User]
    }
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        self.default_file(env, scope).into_iter().collect()
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        (scope == Scope::User).then(|| {
            file(
                ID,
                env.home
                    .join(".codeium")
                    .join("windsurf")
                    .join("mcp_config.json"),
                Scope::User,
                Syntax::StrictJson,
                Shape::Windsurf,
            )
        })
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::ENV_ONLY
    }
    fn reload_hint(&self) -> &'static str {
        "refresh the MCP servers in Windsurf's Cascade panel (or restart Windsurf)"
    }
}
