//! Which figma-auth binary the configs and schedules figma-auth writes should run
//! ([`for_configs`]), and whether a binary an existing entry names can still run ([`unusable`]).
//! Helper mode, proxy mode and `schedule install` all take the path from [`for_configs`].

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// Why the running binary cannot be named in a config or a schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    #[error("cannot find the path of the figma-auth binary")]
    Unknown,
    /// It runs from a package runner's cache (`npx`, `bunx`, `pnpm dlx`, `yarn dlx`), which is
    /// deleted without notice.
    #[error(
        "figma-auth is running from {runner}'s temporary cache ({}), which {runner} may delete at \
         any time: a config or schedule naming it would stop working",
        .path.display()
    )]
    Ephemeral {
        runner: &'static str,
        path: PathBuf,
        /// An installed `figma-auth` found on PATH, outside the cache.
        installed: Option<PathBuf>,
    },
    #[error("the figma-auth binary {} {why}", .path.display())]
    Unusable { path: PathBuf, why: &'static str },
}

impl BinaryError {
    /// The next step: install figma-auth (or use the installed one) and run the command again.
    pub fn hint(&self) -> Option<String> {
        match self {
            BinaryError::Ephemeral {
                runner, installed, ..
            } => Some(match installed {
                Some(p) => format!(
                    "run the same command with the installed figma-auth ({}) instead of {runner}",
                    p.display()
                ),
                None => format!(
                    "install figma-auth (`{}`, or another method in the README), then run the \
                     same command with `figma-auth` instead of `{runner} figma-auth`",
                    install_command(runner)
                ),
            }),
            BinaryError::Unusable { .. } | BinaryError::Unknown => Some(
                "install figma-auth somewhere permanent (e.g. `cargo install figma-auth` or \
                 `npm install -g figma-auth`) and run the command from there"
                    .to_string(),
            ),
        }
    }
}

/// The absolute path configs and schedules name to run figma-auth, given the path of the running
/// binary (`running`, [`crate::app::current_exe`]) and the PATH (`search_path`):
/// - the binary's canonical path (symlinks resolved): the file that actually runs. When the
///   npm launcher started it, that is the native binary inside the platform package
///   (`node_modules/@figma-auth/<platform>/bin/figma-auth`), never the launcher;
/// - except that a symlink on PATH or the path it was started by which resolves to that very
///   file is kept (Homebrew's `/opt/homebrew/bin/figma-auth`, which an upgrade re-points, while
///   the versioned file it points at is removed by `brew cleanup`);
/// - refused when the binary lives in a package runner's cache (`npx`, `bunx`, `pnpm dlx`,
///   `yarn dlx`): those are ephemeral.
pub(crate) fn for_configs(
    running: Option<&Path>,
    search_path: Option<&OsStr>,
) -> Result<PathBuf, BinaryError> {
    let running = running.ok_or(BinaryError::Unknown)?;
    if !running.is_absolute() {
        return Err(BinaryError::Unusable {
            path: running.to_path_buf(),
            why: "is not an absolute path",
        });
    }
    let real = canonical(running).map_err(|_| BinaryError::Unusable {
        path: running.to_path_buf(),
        why: "no longer exists (it was removed or replaced while it ran); run the command again",
    })?;
    for p in [running, real.as_path()] {
        if let Some(runner) = runner_cache(p) {
            return Err(BinaryError::Ephemeral {
                runner,
                path: p.to_path_buf(),
                installed: installed_elsewhere(running, search_path),
            });
        }
    }
    if let Some(why) = unusable(&real) {
        return Err(BinaryError::Unusable { path: real, why });
    }
    let name = running.file_name().unwrap_or(OsStr::new("figma-auth"));
    let on_path = search_path
        .into_iter()
        .flat_map(std::env::split_paths)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name));
    let chosen = std::iter::once(running.to_path_buf())
        .chain(on_path)
        .find(|alias| {
            *alias != real
                && runner_cache(alias).is_none()
                && canonical(alias).is_ok_and(|c| c == real)
        })
        .unwrap_or(real);
    if chosen
        .to_str()
        .is_none_or(|s| s.chars().any(char::is_control))
    {
        return Err(BinaryError::Unusable {
            path: chosen,
            why: "has a path that is not valid UTF-8 or holds a control character, which a \
                  config cannot name",
        });
    }
    Ok(chosen)
}

/// Why `path` cannot run as a program: it does not exist, is not a file, or has no execute bit.
/// `None`: it can run.
pub(crate) fn unusable(path: &Path) -> Option<&'static str> {
    match std::fs::metadata(path) {
        Err(_) => Some("does not exist"),
        Ok(m) if !m.is_file() => Some("is not a file"),
        Ok(m) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if m.permissions().mode() & 0o111 == 0 {
                    return Some("is not executable");
                }
            }
            let _ = m;
            None
        }
    }
}

/// The package runner whose cache holds `path`: npm's `_npx` directory (`npx`, `npm exec`),
/// bun's `bunx-<uid>-<package>` directories, pnpm's `dlx` cache, yarn's `dlx-<pid>` directories.
pub(crate) fn runner_cache(path: &Path) -> Option<&'static str> {
    let parts: Vec<&OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let part = part.to_string_lossy();
        let before = i
            .checked_sub(1)
            .map(|j| parts[j].to_string_lossy())
            .unwrap_or_default();
        if part == "_npx" {
            return Some("npx");
        }
        if part.starts_with("bunx-") {
            return Some("bunx");
        }
        if part == "dlx" && before.contains("pnpm") {
            return Some("pnpm dlx");
        }
        if part.starts_with("dlx-") {
            return Some(if before.starts_with("xfs-") {
                "yarn dlx"
            } else {
                "pnpm dlx"
            });
        }
    }
    None
}

/// A note for a binary that works now but may move: the native binary inside an npm package
/// (an upgrade under pnpm, whose paths carry the version, or a reinstall elsewhere moves it).
pub(crate) fn note(path: &Path) -> Option<String> {
    path.components()
        .any(|c| c.as_os_str() == "node_modules")
        .then(|| {
            format!(
                "{} is the native binary inside the npm package; if an upgrade moves it, \
                 `figma-auth doctor` names what still points here and `figma-auth setup` (or \
                 `figma-auth schedule install`) rewrites it",
                path.display()
            )
        })
}

/// The program a helper command runs: its first shell word (single quotes understood), when
/// it is an absolute path.
pub(crate) fn helper_program(cmd: &str) -> Option<PathBuf> {
    let cmd = cmd.trim_start();
    let word = if let Some(rest) = cmd.strip_prefix('\'') {
        rest.split('\'').next()?
    } else {
        cmd.split_whitespace().next()?
    };
    (!word.is_empty()).then(|| PathBuf::from(word))
}

/// The command figma-auth suggests for installing itself with `runner`'s package manager.
fn install_command(runner: &str) -> &'static str {
    match runner {
        "bunx" => "bun add -g figma-auth",
        "pnpm dlx" => "pnpm add -g figma-auth",
        _ => "npm install -g figma-auth",
    }
}

/// An executable `figma-auth` on PATH outside every package runner's cache.
fn installed_elsewhere(running: &Path, search_path: Option<&OsStr>) -> Option<PathBuf> {
    let name = running.file_name()?;
    std::env::split_paths(search_path?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|p| {
            runner_cache(p).is_none()
                && canonical(p).is_ok_and(|c| runner_cache(&c).is_none())
                && unusable(p).is_none()
        })
}

#[cfg(not(windows))]
fn canonical(p: &Path) -> std::io::Result<PathBuf> {
    std::fs::canonicalize(p)
}

/// Windows: `canonicalize` returns `\\?\` verbatim paths, which clients do not expect; the path
/// is kept as given (it must exist).
#[cfg(windows)]
fn canonical(p: &Path) -> std::io::Result<PathBuf> {
    std::fs::metadata(p).map(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_runner_caches_are_recognised() {
        for (p, runner) in [
            (
                "/home/u/.npm/_npx/6a9b2c/node_modules/@figma-auth/linux-x64-gnu/bin/figma-auth",
                Some("npx"),
            ),
            (
                "/tmp/bunx-1000-figma-auth@latest/node_modules/@figma-auth/linux-x64-gnu/bin/figma-auth",
                Some("bunx"),
            ),
            (
                "/home/u/.cache/pnpm/dlx/abc123/node_modules/.pnpm/x/figma-auth",
                Some("pnpm dlx"),
            ),
            ("/tmp/dlx-4242/node_modules/figma-auth", Some("pnpm dlx")),
            ("/tmp/xfs-1a2b/dlx-4242/node_modules/figma-auth", Some("yarn dlx")),
            (
                "/usr/lib/node_modules/figma-auth/node_modules/@figma-auth/linux-x64-gnu/bin/figma-auth",
                None,
            ),
            ("/home/u/.cargo/bin/figma-auth", None),
            ("/home/u/npx/figma-auth", None),
        ] {
            assert_eq!(runner_cache(Path::new(p)), runner, "{p}");
        }
    }

    #[test]
    fn helper_programs_are_the_first_word() {
        assert_eq!(
            helper_program("'/a b/figma-auth' header --json"),
            Some(PathBuf::from("/a b/figma-auth"))
        );
        assert_eq!(
            helper_program("  /x/figma-auth header"),
            Some(PathBuf::from("/x/figma-auth"))
        );
        assert_eq!(helper_program("   "), None);
    }

    #[test]
    fn the_hint_names_the_runners_install_command() {
        let e = BinaryError::Ephemeral {
            runner: "bunx",
            path: "/tmp/bunx-1-figma-auth/x".into(),
            installed: None,
        };
        assert!(e.hint().unwrap().contains("bun add -g figma-auth"));
        let e = BinaryError::Ephemeral {
            runner: "npx",
            path: "/h/.npm/_npx/1/x".into(),
            installed: Some("/h/.cargo/bin/figma-auth".into()),
        };
        assert!(e.hint().unwrap().contains("/h/.cargo/bin/figma-auth"));
    }

    /// A file with mode `mode` at `dir/rel`, its directories created.
    #[cfg(unix)]
    fn file(dir: &Path, rel: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"\x7fELF").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[cfg(unix)]
    #[test]
    fn the_binary_named_is_the_real_file_or_a_link_on_path_to_it() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let real = file(&root, "Cellar/1.0/bin/figma-auth", 0o755);
        std::fs::create_dir_all(root.join("bin")).unwrap();
        let link = root.join("bin/figma-auth");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let other = file(&root, "other/figma-auth", 0o755);
        let path = |dirs: &[&Path]| std::env::join_paths(dirs).unwrap();

        // Started through the link or not, the link on PATH is named.
        let on_path = path(&[other.parent().unwrap(), link.parent().unwrap()]);
        assert_eq!(for_configs(Some(&real), Some(&on_path)), Ok(link.clone()));
        assert_eq!(for_configs(Some(&link), Some(&on_path)), Ok(link.clone()));
        // Off PATH the link is kept only as the path it was started by; else the real file.
        assert_eq!(for_configs(Some(&link), None), Ok(link.clone()));
        let elsewhere = path(&[other.parent().unwrap()]);
        assert_eq!(for_configs(Some(&real), Some(&elsewhere)), Ok(real.clone()));

        for (running, why) in [
            (PathBuf::from("figma-auth"), "is not an absolute path"),
            (root.join("gone/figma-auth"), "no longer exists"),
            (file(&root, "noexec/figma-auth", 0o644), "is not executable"),
        ] {
            match for_configs(Some(&running), None) {
                Err(BinaryError::Unusable { why: w, .. }) => assert!(w.starts_with(why), "{w}"),
                other => panic!("{}: {other:?}", running.display()),
            }
        }
        assert_eq!(for_configs(None, None), Err(BinaryError::Unknown));
    }

    #[cfg(unix)]
    #[test]
    fn a_binary_in_a_runners_cache_is_refused_naming_an_installed_one() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let npx = file(&root, ".npm/_npx/ab12/node_modules/.bin/figma-auth", 0o755);
        let err = for_configs(Some(&npx), None).unwrap_err();
        assert_eq!(
            err,
            BinaryError::Ephemeral {
                runner: "npx",
                path: npx.clone(),
                installed: None
            }
        );
        assert!(err.hint().unwrap().contains("npm install -g figma-auth"));
        // A link into the cache from elsewhere is refused too (its real file is in the cache).
        std::fs::create_dir_all(root.join("links")).unwrap();
        let link = root.join("links/figma-auth");
        std::os::unix::fs::symlink(&npx, &link).unwrap();
        assert!(matches!(
            for_configs(Some(&link), None),
            Err(BinaryError::Ephemeral { runner: "npx", .. })
        ));
        // An installed figma-auth on PATH, after npx's own bin directory, is the one to run.
        let installed = file(&root, "local/bin/figma-auth", 0o755);
        let search = std::env::join_paths([
            npx.parent().unwrap(),
            link.parent().unwrap(),
            installed.parent().unwrap(),
        ])
        .unwrap();
        match for_configs(Some(&npx), Some(&search)) {
            Err(BinaryError::Ephemeral { installed: i, .. }) => {
                assert_eq!(i, Some(installed))
            }
            other => panic!("{other:?}"),
        }
    }
}
