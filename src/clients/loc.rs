//! Where a client's files are, as data ([`Loc`]), and the one resolution of a location against
//! an [`Env`] ([`Loc::paths`]).

use std::path::{Path, PathBuf};

use super::{Client, Scope};
use crate::paths::Env;

/// A place where a client keeps a config file (or, for detection, a directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// `~/<rel>`.
    Home(&'static str),
    /// `$XDG_CONFIG_HOME/<rel>` (default `~/.config`).
    XdgConfig(&'static str),
    /// `$VAR/<rel>` when the variable is set, else `otherwise` (`CODEX_HOME`,
    /// `CLAUDE_CONFIG_DIR`).
    Var {
        var: &'static str,
        rel: &'static str,
        otherwise: &'static Loc,
    },
    /// The file `$VAR` names, when the variable is set (`OPENCODE_CONFIG`).
    VarFile(&'static str),
    /// `<project dir>/<rel>`: the git root when the cwd is in a repository, else the cwd.
    Project(&'static str),
    /// `<cwd>/<rel>` only (a client that does not look above the working directory).
    Cwd(&'static str),
    /// For each directory from the git root (or the cwd outside a repository) down to the cwd,
    /// outermost first: `<dir>/<rel>` for each of the names, in the order given.
    EachDir(&'static [&'static str]),
    /// The per-OS application directory: `~/Library/Application Support/<rel>` on macOS,
    /// `%APPDATA%\<rel>` on Windows, `$XDG_CONFIG_HOME/<rel>` elsewhere.
    AppDir(&'static str),
    /// `~/Library/Application Support/<rel>`, on macOS only.
    MacAppSupport(&'static str),
    /// The first of these that exists (a client that reads only that one), else the first.
    FirstExisting(&'static [Loc]),
}

impl Loc {
    /// The paths this location stands for in `env` (none, one, or one per directory).
    pub fn paths(&self, env: &Env) -> Vec<PathBuf> {
        match *self {
            Loc::Home(rel) => vec![join(&env.home, rel)],
            Loc::XdgConfig(rel) => vec![join(&env.xdg_config_home, rel)],
            Loc::Var {
                var,
                rel,
                otherwise,
            } => match env.var(var) {
                Some(d) => vec![join(Path::new(d), rel)],
                None => otherwise.paths(env),
            },
            Loc::VarFile(var) => env.var(var).map(PathBuf::from).into_iter().collect(),
            Loc::Project(rel) => vec![join(&env.project_dir(), rel)],
            Loc::Cwd(rel) => vec![join(&real_cwd(env), rel)],
            Loc::EachDir(names) => dirs_root_to_cwd(env)
                .iter()
                .flat_map(|d| names.iter().map(move |n| join(d, n)))
                .collect(),
            Loc::AppDir(rel) => vec![join(&app_dir(env), rel)],
            Loc::MacAppSupport(rel) if cfg!(target_os = "macos") => {
                vec![join(
                    &env.home.join("Library").join("Application Support"),
                    rel,
                )]
            }
            Loc::MacAppSupport(_) => Vec::new(),
            Loc::FirstExisting(locs) => {
                let all: Vec<PathBuf> = locs.iter().flat_map(|l| l.paths(env)).collect();
                let found = all.iter().find(|p| p.exists()).or(all.first());
                found.cloned().into_iter().collect()
            }
        }
    }

    /// The environment variables this location reads.
    pub fn vars(&self) -> Vec<&'static str> {
        match *self {
            Loc::Var { var, otherwise, .. } => {
                let mut v = vec![var];
                v.extend(otherwise.vars());
                v
            }
            Loc::VarFile(var) => vec![var],
            Loc::FirstExisting(locs) => locs.iter().flat_map(Loc::vars).collect(),
            _ => Vec::new(),
        }
    }
}

/// What shows that a client is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detect {
    /// A directory at this location.
    Dir(Loc),
    /// Anything at this location (a config file).
    Exists(Loc),
    /// Any candidate file of the scope exists (opencode's project files).
    AnyFile(Scope),
    /// A program of this name on the `PATH` (`copilot`, `qwen`): installed, never run yet.
    Binary(&'static str),
}

impl Detect {
    pub(super) fn holds(&self, client: &'static Client, env: &Env) -> bool {
        match self {
            Detect::Dir(loc) => loc.paths(env).iter().any(|p| p.is_dir()),
            Detect::Exists(loc) => loc.paths(env).iter().any(|p| p.exists()),
            Detect::AnyFile(scope) => client.files(env, *scope).iter().any(|f| f.exists()),
            Detect::Binary(name) => env.search_path.as_ref().is_some_and(|p| on_path(name, p)),
        }
    }
}

/// An executable file `name` in one of the absolute directories of `path` (a relative entry
/// would depend on the working directory; it is skipped). On Windows, `name.exe` or `name.cmd`
/// (npm's launchers) as well.
fn on_path(name: &str, path: &std::ffi::OsStr) -> bool {
    let names: Vec<String> = if cfg!(windows) {
        ["", ".exe", ".cmd"]
            .iter()
            .map(|ext| format!("{name}{ext}"))
            .collect()
    } else {
        vec![name.to_string()]
    };
    std::env::split_paths(path)
        .filter(|d| d.is_absolute())
        .any(|d| names.iter().any(|n| is_executable(&d.join(n))))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// `base/rel`, where an empty `rel` is `base` itself.
fn join(base: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    }
}

fn app_dir(env: &Env) -> PathBuf {
    if cfg!(target_os = "macos") {
        return env.home.join("Library").join("Application Support");
    }
    if cfg!(windows)
        && let Some(appdata) = env.var("APPDATA")
    {
        return PathBuf::from(appdata);
    }
    env.xdg_config_home.clone()
}

/// The cwd with symlinks resolved (falls back to the cwd as given).
fn real_cwd(env: &Env) -> PathBuf {
    std::fs::canonicalize(&env.cwd).unwrap_or_else(|_| env.cwd.clone())
}

/// Directories from the git root (or the cwd when not in a repository) down to the cwd,
/// outermost first.
fn dirs_root_to_cwd(env: &Env) -> Vec<PathBuf> {
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
