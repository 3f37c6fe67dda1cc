//! opencode: JSONC everywhere, every global and project file deep-merged (last wins), entry
//! `mcp.<name>` (V1) or `mcp.servers.<name>` (V2). Also says which file's values opencode uses.

use super::{dirs_root_to_cwd, file, ConfigFile, Mode, Scope, Shape, Target};
use crate::edit::{self, EditError, Inspection, SecretHeader, Syntax};
use crate::paths::Env;

pub const SCHEMA: &str = "https://opencode.ai/config.json";

pub struct Opencode;

const ID: &str = "opencode";

fn cfg(path: std::path::PathBuf, scope: Scope) -> ConfigFile {
    file(ID, path, scope, Syntax::Jsonc, Shape::Opencode)
}

/// The V2 layout: `mcp.servers` is an object of servers (not a V1 server named `servers`).
pub fn is_v2(syntax: Syntax, text: Option<&str>) -> Result<bool, EditError> {
    let Some(text) = text else { return Ok(false) };
    Ok(
        edit::object_keys(text, syntax, &["mcp", "servers"])?.is_some_and(|keys| {
            !keys
                .iter()
                .any(|k| k == "type" || k == "url" || k == "command")
        }),
    )
}

impl Target for Opencode {
    fn id(&self) -> &'static str {
        ID
    }
    fn display_name(&self) -> &'static str {
        "opencode"
    }
    fn detected(&self, env: &Env) -> bool {
        env.xdg_config_home.join("opencode").is_dir()
            || self
                .files(env, Scope::Project)
                .iter()
                .any(ConfigFile::exists)
    }
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }
    /// User: global `config.json` < `opencode.json` < `opencode.jsonc`, then `$OPENCODE_CONFIG`.
    /// Project (git root down to the cwd): every `opencode.json`, then every `opencode.jsonc`,
    /// then `.opencode/opencode.json{,c}` per directory.
    fn files(&self, env: &Env, scope: Scope) -> Vec<ConfigFile> {
        match scope {
            Scope::User => {
                let dir = env.xdg_config_home.join("opencode");
                let mut v: Vec<ConfigFile> = ["config.json", "opencode.json", "opencode.jsonc"]
                    .iter()
                    .map(|n| cfg(dir.join(n), Scope::User))
                    .collect();
                if let Some(custom) = env.var("OPENCODE_CONFIG") {
                    v.push(cfg(custom.into(), Scope::User));
                }
                v
            }
            Scope::Project => {
                let dirs = dirs_root_to_cwd(env);
                let mut v = Vec::new();
                for name in ["opencode.json", "opencode.jsonc"] {
                    v.extend(dirs.iter().map(|d| cfg(d.join(name), Scope::Project)));
                }
                for d in &dirs {
                    for name in ["opencode.json", "opencode.jsonc"] {
                        v.push(cfg(d.join(".opencode").join(name), Scope::Project));
                    }
                }
                v
            }
            Scope::Local => Vec::new(),
        }
    }
    fn default_file(&self, env: &Env, scope: Scope) -> Option<ConfigFile> {
        match scope {
            // opencode itself creates and writes the global `opencode.jsonc`.
            Scope::User => Some(cfg(
                env.xdg_config_home.join("opencode").join("opencode.jsonc"),
                Scope::User,
            )),
            Scope::Project => Some(cfg(env.project_dir().join("opencode.json"), Scope::Project)),
            Scope::Local => None,
        }
    }
    fn modes(&self) -> &'static [Mode] {
        super::modes::OPENCODE
    }
    fn reload_hint(&self) -> &'static str {
        "restart opencode"
    }
}

/// What opencode ends up using for our entry after deep-merging every file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Effective {
    /// Index (into the slice given to [`effective`]) of the file whose URL wins, and the URL.
    pub url: Option<(usize, String)>,
    /// The file whose `Authorization` wins, and its value (secret).
    pub authorization: Option<(usize, SecretHeader)>,
    /// The file whose `enabled`/`disabled` wins, and whether the server ends up enabled.
    pub enabled: Option<(usize, bool)>,
}

impl Effective {
    /// opencode connects unless a winning `enabled: false` / `disabled: true` says otherwise.
    pub fn is_enabled(&self) -> bool {
        self.enabled.is_none_or(|(_, e)| e)
    }
}

/// Merges the inspections of all opencode files, given in load order (as from
/// `files(User)` followed by `files(Project)`; `None` for a missing or unreadable file), the way
/// opencode deep-merges them: per field, the last file that sets it wins. Only entries named
/// `name` merge (an entry found by URL under another name is a different server).
pub fn effective(states: &[Option<&Inspection>], name: &str) -> Effective {
    let mut out = Effective::default();
    for (i, st) in states.iter().enumerate() {
        let Some(e) = st.and_then(|s| s.entry()) else {
            continue;
        };
        if e.name != name {
            continue;
        }
        if let Some(u) = &e.url {
            out.url = Some((i, u.clone()));
        }
        if let Some(a) = &e.authorization {
            out.authorization = Some((i, a.clone()));
        }
        if let Some(en) = e.enabled {
            out.enabled = Some((i, en));
        }
        if let Some(d) = e.disabled {
            out.enabled = Some((i, !d));
        }
    }
    out
}
