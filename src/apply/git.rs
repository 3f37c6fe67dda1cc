//! What git says about a file, for the rule that keeps tokens out of tracked files
//! ([`super::plan::refusal`]). Fails closed: a file in a work tree git cannot answer for is
//! treated as tracked.

use std::path::{Path, PathBuf};

/// What git says about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tracking {
    /// No git work tree holds the file.
    Outside,
    Untracked,
    Tracked,
    /// The file is inside the work tree `work_tree`, but git could not answer (it is not
    /// installed, refuses the repository for "dubious ownership", is a stub that asks to install
    /// developer tools, ...): `reason` says what happened.
    Unknown {
        work_tree: PathBuf,
        reason: String,
    },
}

/// The work tree holding `dir`: the nearest directory, `dir` or above, with a `.git` that is a
/// repository (a directory with a `HEAD`) or a link to one (a `gitdir:` file: worktrees,
/// submodules). Found without running git, so that a git that cannot run cannot hide it.
fn work_tree_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            let git = d.join(".git");
            match std::fs::symlink_metadata(&git) {
                Ok(m) if m.is_dir() => git.join("HEAD").is_file(),
                Ok(m) if m.is_file() => {
                    m.len() < 4096
                        && crate::fs::read_snapshot(&git)
                            .ok()
                            .and_then(|s| s.bytes)
                            .is_some_and(|b| b.starts_with(b"gitdir:"))
                }
                Ok(_) => git.is_dir() && git.join("HEAD").is_file(),
                Err(_) => false,
            }
        })
        .map(Path::to_path_buf)
}

/// Whether git tracks `path`. A file inside a work tree for which git gives no clear answer is
/// [`Tracking::Unknown`] (callers treat it as tracked: a token must not reach a commit because
/// git could not be asked).
pub(super) fn tracking(path: &Path) -> Tracking {
    let real_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    let (Some(dir), Some(name)) = (real_dir, path.file_name()) else {
        return Tracking::Outside;
    };
    let Some(work_tree) = work_tree_of(&dir) else {
        return Tracking::Outside;
    };
    let unknown = |reason: String| Tracking::Unknown {
        work_tree: work_tree.clone(),
        reason,
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["ls-files", "--cached", "-z", "--"])
        .arg(name)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            unknown("git is not installed or not on PATH".into())
        }
        Err(e) => unknown(format!("cannot run git: {e}")),
        Ok(o) if o.status.success() => {
            if o.stdout.is_empty() {
                Tracking::Untracked
            } else {
                Tracking::Tracked
            }
        }
        Ok(o) => unknown(failure(&o)),
    }
}

/// The first line git printed on a failure (control characters removed, shortened), with the
/// fix for the common "dubious ownership" refusal.
fn failure(o: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&o.stderr);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut line: String = first
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if line.is_empty() {
        line = match o.status.code() {
            Some(c) => format!("git exited with status {c}"),
            None => "git was killed by a signal".into(),
        };
    } else {
        line = format!("git: {line}");
    }
    if text.contains("dubious ownership") {
        line.push_str(
            "; if you trust the repository: `git config --global --add safe.directory <its path>`",
        );
    }
    line
}
