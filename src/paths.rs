//! Where things live: the user's home, the XDG base directories, the working directory and the
//! environment variables MCP clients honour, captured once so that every lookup is a pure function
//! of an [`Env`] (tests build one by hand; the binary builds one from the process).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A snapshot of the environment that decides where files are.
#[derive(Debug, Clone)]
pub struct Env {
    pub home: PathBuf,
    pub cwd: PathBuf,
    /// `$XDG_CONFIG_HOME`, or the platform default (`~/.config` on Linux and macOS for clients
    /// that follow XDG; see [`Env::app_config_dir`] for figma-auth's own directory).
    pub xdg_config_home: PathBuf,
    /// `$XDG_STATE_HOME`, or `~/.local/state`.
    pub xdg_state_home: PathBuf,
    /// Environment variables that change where clients keep their files (`OPENCODE_CONFIG`,
    /// `CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `APPDATA`, ...). Only the names listed in
    /// [`TRACKED_VARS`] and [`crate::clients::env_vars`] are captured.
    pub vars: BTreeMap<String, String>,
    /// `$PATH`, where a client installed but never run is found
    /// ([`crate::clients::Detect::Binary`]); not among [`Env::vars`], which a scheduled refresh
    /// is given (it needs no PATH). `None` from [`Env::new`]: no program is found.
    pub search_path: Option<std::ffi::OsString>,
}

/// The operating system, deciding the default scheduler (a [`crate::app::Context`] field, so
/// tests can pick one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    MacOs,
    Linux,
    Other,
}

impl Os {
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(target_os = "linux") {
            Os::Linux
        } else {
            Os::Other
        }
    }
}

/// The environment variables [`Env::from_process`] captures besides those that move a client's
/// files ([`crate::clients::env_vars`]).
pub(crate) const TRACKED_VARS: &[&str] = &["APPDATA", "XDG_CONFIG_HOME", "XDG_STATE_HOME"];

impl Env {
    /// Reads HOME, the XDG variables and the tracked client variables from the process.
    pub fn from_process() -> Result<Self, String> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("USERPROFILE").map(PathBuf::from))
            .ok_or_else(|| "HOME is not set: cannot find the configuration files".to_string())?;
        let cwd = std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?;
        let mut vars = BTreeMap::new();
        for name in TRACKED_VARS
            .iter()
            .copied()
            .chain(crate::clients::env_vars())
        {
            if let Some(v) = std::env::var_os(name)
                && !v.is_empty()
            {
                vars.insert(name.to_string(), v.to_string_lossy().into_owned());
            }
        }
        let mut env = Self::new(home, cwd, vars);
        env.search_path = std::env::var_os("PATH");
        // Debug builds only (every `cargo test` build): the tests' runs keep the developer's
        // PATH for git and sh, and find clients only on `FIGMA_AUTH_TEST_SEARCH_PATH`, so that
        // a client installed on the machine running them changes nothing.
        #[cfg(debug_assertions)]
        if let Some(p) = std::env::var_os("FIGMA_AUTH_TEST_SEARCH_PATH") {
            env.search_path = Some(p);
        }
        env.search_path = env.search_path.filter(|p| !p.is_empty());
        Ok(env)
    }

    /// Builds an environment from explicit values (XDG dirs taken from `vars` when present).
    pub fn new(home: PathBuf, cwd: PathBuf, vars: BTreeMap<String, String>) -> Self {
        let abs = |v: Option<&String>| v.map(PathBuf::from).filter(|p| p.is_absolute());
        let xdg_config_home =
            abs(vars.get("XDG_CONFIG_HOME")).unwrap_or_else(|| home.join(".config"));
        let xdg_state_home =
            abs(vars.get("XDG_STATE_HOME")).unwrap_or_else(|| home.join(".local").join("state"));
        Self {
            home,
            cwd,
            xdg_config_home,
            xdg_state_home,
            vars,
            search_path: None,
        }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// figma-auth's configuration directory (the credential store lives here):
    /// `$XDG_CONFIG_HOME/figma-auth` when XDG_CONFIG_HOME is set, else `~/.config/figma-auth` on
    /// Linux, `~/Library/Application Support/figma-auth` on macOS, `%APPDATA%\figma-auth` on Windows.
    pub fn app_config_dir(&self) -> PathBuf {
        if self.vars.contains_key("XDG_CONFIG_HOME") {
            return self.xdg_config_home.join("figma-auth");
        }
        if cfg!(target_os = "macos") {
            return self
                .home
                .join("Library")
                .join("Application Support")
                .join("figma-auth");
        }
        if cfg!(windows)
            && let Some(appdata) = self.var("APPDATA")
        {
            return PathBuf::from(appdata).join("figma-auth");
        }
        self.xdg_config_home.join("figma-auth")
    }

    /// figma-auth's state directory (backups of edited configs, the scheduler log):
    /// `$XDG_STATE_HOME/figma-auth`, default `~/.local/state/figma-auth`.
    pub fn app_state_dir(&self) -> PathBuf {
        if cfg!(target_os = "macos") && !self.vars.contains_key("XDG_STATE_HOME") {
            return self.app_config_dir().join("state");
        }
        self.xdg_state_home.join("figma-auth")
    }

    /// The git work-tree root containing the working directory, if any (the nearest ancestor that
    /// has a `.git` entry), with symlinks resolved.
    pub fn git_root(&self) -> Option<PathBuf> {
        let start = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        find_git_root(&start)
    }

    /// The project directory: the git root when the cwd is in a repository, else the cwd
    /// (symlinks resolved).
    pub fn project_dir(&self) -> PathBuf {
        self.git_root().unwrap_or_else(|| {
            std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone())
        })
    }

    /// Replaces the home directory prefix of `path` with `~` for display.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.home) {
            Ok(rest) if !self.home.as_os_str().is_empty() => {
                if rest.as_os_str().is_empty() {
                    "~".to_string()
                } else {
                    format!("~/{}", rest.display())
                }
            }
            _ => path.display().to_string(),
        }
    }
}

/// `path` with every symlink resolved: what identifies a file however it is reached (as two
/// scopes, e.g. `~/.cursor/mcp.json` when the project is the home directory, or through a link).
/// For a file that does not exist yet, its directory is resolved; when that fails too, the path
/// as given.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// The nearest ancestor of `start` (inclusive) that contains `.git`.
pub(crate) fn find_git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_vars_override_defaults() {
        let mut vars = BTreeMap::new();
        vars.insert("XDG_CONFIG_HOME".into(), "/x/config".into());
        vars.insert("XDG_STATE_HOME".into(), "/x/state".into());
        let env = Env::new("/home/u".into(), "/tmp".into(), vars);
        assert_eq!(env.app_config_dir(), PathBuf::from("/x/config/figma-auth"));
        assert_eq!(env.xdg_state_home, PathBuf::from("/x/state"));
    }

    #[test]
    fn relative_xdg_values_are_ignored() {
        let mut vars = BTreeMap::new();
        vars.insert("XDG_CONFIG_HOME".into(), "relative".into());
        let env = Env::new("/home/u".into(), "/tmp".into(), vars);
        assert_eq!(env.xdg_config_home, PathBuf::from("/home/u/.config"));
    }

    #[test]
    fn git_root_is_found_from_a_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        std::fs::create_dir_all(root.join("repo/a/b")).unwrap();
        let env = Env::new(root.clone(), root.join("repo/a/b"), BTreeMap::new());
        assert_eq!(env.git_root(), Some(root.join("repo")));
        assert_eq!(env.project_dir(), root.join("repo"));
        assert_eq!(env.display(&root.join("repo")), "~/repo");
    }

    #[cfg(unix)]
    #[test]
    fn real_path_resolves_links_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::write(root.join("real/f.json"), "{}").unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        assert_eq!(
            real_path(&root.join("link/f.json")),
            root.join("real/f.json")
        );
        // Not created yet: the directory is resolved.
        assert_eq!(
            real_path(&root.join("link/new.json")),
            root.join("real/new.json")
        );
        assert_eq!(
            real_path(Path::new("/nonexistent-dir/x")),
            PathBuf::from("/nonexistent-dir/x")
        );
    }
}
