//! Every case of the security and reliability promises (cases 1–29)
//! as a test named after it, through the real binary against the mock authorization server.
//! `docs/security-cases.md` maps each case to its tests (here, in `faults.rs`, and elsewhere),
//! and records which protections were removed on purpose to see these tests fail.
//!
//! The helpers at the top are shared with `faults.rs`.

use crate::support::*;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

/// The token an existing config holds before figma-auth touches it.
pub(crate) const OLD: &str = "figu_FIXTURE_OLD_TOKEN_0000";

/// One run of the binary: its output (leak-checked) and the signal that killed it, if any.
pub(crate) struct Ran {
    pub out: Out,
    pub signal: Option<i32>,
}

impl std::fmt::Debug for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "signal {:?}, {:?}", self.signal, self.out)
    }
}

/// SIGABRT.
pub(crate) const SIGABRT: i32 = 6;

/// Runs the binary in `cwd` with extra environment variables, stdin closed; checks that no
/// secret the mock issued appears in its output.
pub(crate) fn run_env(env: &TestEnv, cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Ran {
    use std::os::unix::process::ExitStatusExt;
    let mut c = env.command(args);
    c.current_dir(cwd).stdin(Stdio::null());
    for (k, v) in vars {
        c.env(k, v);
    }
    let o = c.output().expect("run figma-auth");
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    env.assert_no_leak(&out, prints_token(args));
    Ran {
        out,
        signal: o.status.signal(),
    }
}

/// Runs the binary in `cwd` (never the repository), stdin closed, leak-checked.
pub(crate) fn run_in(env: &TestEnv, cwd: &Path, args: &[&str]) -> Out {
    let r = run_env(env, cwd, args, &[]);
    assert_eq!(r.signal, None, "{r:?}");
    r.out
}

/// A logged-in environment and a project directory (a git work tree marker) to run in.
pub(crate) fn logged_in() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let project = env.path("home/project");
    fs::create_dir_all(project.join(".git")).unwrap();
    env.login();
    (env, project)
}

pub(crate) fn write(path: &Path, content: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

pub(crate) fn bearer(env: &TestEnv) -> String {
    format!("Bearer {}", env.stored_access_token())
}

/// Names of the temp files figma-auth writes beside `target` (`.<name>.figma-auth-tmp.*`).
pub(crate) fn temps_of(target: &Path) -> Vec<PathBuf> {
    let prefix = format!(
        ".{}.figma-auth-tmp.",
        target.file_name().unwrap().to_string_lossy()
    );
    let mut out: Vec<PathBuf> = fs::read_dir(target.parent().unwrap())
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Every temp file of figma-auth under `dir`, recursively.
pub(crate) fn all_temps(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if e.file_name().to_string_lossy().contains(".figma-auth-tmp.") {
                out.push(e.path());
            }
        }
    }
    out
}

/// A Cursor user config (strict JSON) whose figma entry holds `token`.
pub(crate) fn cursor_json(token: &str) -> String {
    format!(
        "{{\n  \"mcpServers\": {{\n    \"other\": {{\n      \"url\": \"https://example.com/mcp\"\n    }},\n    \"figma\": {{\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        \"Authorization\": \"Bearer {token}\"\n      }}\n    }}\n  }}\n}}\n"
    )
}

/// `~/.claude.json` with `n` projects and a user-scope figma entry holding `token`.
pub(crate) fn claude_json(n: usize, token: &str) -> String {
    let mut s = String::from("{\n  \"numStartups\": 3,\n  \"projects\": {\n");
    for i in 0..n {
        s.push_str(&format!(
            "    \"/home/user/p{i}\": {{\n      \"allowedTools\": [],\n      \"lastCost\": 0.10{i}\n    }}{}\n",
            if i + 1 < n { "," } else { "" }
        ));
    }
    s.push_str(&format!(
        "  }},\n  \"mcpServers\": {{\n    \"figma\": {{\n      \"type\": \"http\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        \"Authorization\": \"Bearer {token}\"\n      }}\n    }}\n  }}\n}}\n"
    ));
    s
}

/// True when the tests run as root (CI does): permissions do not stop root, mounts do.
pub(crate) fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(1) == 0
}

/// A mount made by a test, unmounted on drop (also when the test fails).
pub(crate) struct Mount {
    target: PathBuf,
}

impl Mount {
    fn run(args: &[&str]) -> Result<(), String> {
        let o = Command::new("mount")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "mount {args:?} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    }

    /// A tmpfs of `size` (e.g. `64k`) on `dir`, writable.
    pub fn tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
        fs::create_dir_all(dir).unwrap();
        let d = dir.to_str().unwrap();
        Self::run(&[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0755"),
            "tmpfs",
            d,
        ])?;
        Ok(Mount {
            target: dir.to_path_buf(),
        })
    }

    /// `src` bind-mounted on `dst` (an existing file or directory).
    pub fn bind(src: &Path, dst: &Path) -> Result<Mount, String> {
        Self::run(&["--bind", src.to_str().unwrap(), dst.to_str().unwrap()])?;
        Ok(Mount {
            target: dst.to_path_buf(),
        })
    }

    /// Makes the mount read-only.
    pub fn read_only(&self) -> Result<(), String> {
        Self::run(&["-o", "remount,ro", self.target.to_str().unwrap()])
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let t = self.target.to_str().unwrap();
        let ok = Command::new("umount")
            .arg(t)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").args(["-l", t]).status();
        }
    }
}

/// Fills the file system holding `dir` with a file until it is full; returns the file.
pub(crate) fn fill_up(dir: &Path) -> PathBuf {
    use std::io::Write;
    let p = dir.join("zz-filler");
    let mut f = fs::File::create(&p).unwrap();
    let chunk = vec![0u8; 1024];
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling {}: {e}", p.display()),
        }
    }
    // A write of a few more bytes must fail now.
    let err = f.write_all(&chunk).and_then(|()| f.sync_all()).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(28), "{err}");
    p
}

/// Makes `dir` not writable for figma-auth while the file `file` in it stays writable (so a
/// write in place would succeed): as root, a read-only tmpfs on `dir` with the file bind-mounted
/// from a writable place; otherwise mode 0555. Panics with a clear message when neither works.
pub(crate) struct ReadOnlyDir {
    _mounts: Vec<Mount>,
    dir: PathBuf,
    chmodded: bool,
}

impl ReadOnlyDir {
    pub fn with_file(dir: &Path, file_name: &str, content: &[u8], outside: &Path) -> ReadOnlyDir {
        let file = dir.join(file_name);
        let made = if is_root() {
            let setup = || -> Result<Vec<Mount>, String> {
                let fs_mount = Mount::tmpfs(dir, "64k")?;
                fs::write(&file, b"placeholder").map_err(|e| e.to_string())?;
                write(outside, content);
                let file_mount = Mount::bind(outside, &file)?;
                fs_mount.read_only()?;
                // Unmount the file first, then the directory.
                Ok(vec![file_mount, fs_mount])
            };
            match setup() {
                Ok(m) => ReadOnlyDir {
                    _mounts: m,
                    dir: dir.to_path_buf(),
                    chmodded: false,
                },
                Err(e) => panic!(
                    "running as root, but cannot make {} read-only with a tmpfs mount ({e}); \
                     this test needs either a non-root user (chmod 0555) or CAP_SYS_ADMIN",
                    dir.display()
                ),
            }
        } else {
            write(&file, content);
            fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
            ReadOnlyDir {
                _mounts: Vec::new(),
                dir: dir.to_path_buf(),
                chmodded: true,
            }
        };
        // The directory really refuses new files, and the file itself is writable.
        let probe = dir.join(".probe");
        if fs::write(&probe, b"x").is_ok() {
            let _ = fs::remove_file(&probe);
            panic!(
                "could not make {} non-writable (neither a read-only mount nor mode 0555 stops this user)",
                dir.display()
            );
        }
        fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap_or_else(|e| panic!("{} should stay writable in place: {e}", file.display()));
        made
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.chmodded {
            let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o755));
        }
    }
}

/// Runs the binary with umask 0 (the most permissive), in `cwd`.
pub(crate) fn run_umask0(env: &TestEnv, cwd: &Path, args: &[&str]) -> Out {
    let mut c = env.command(args);
    c.current_dir(cwd).stdin(Stdio::null());
    with_umask0(&mut c);
    let o = c.output().unwrap();
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    env.assert_no_leak(&out, false);
    out
}

/// The `error` line figma-auth printed for a file.
pub(crate) fn error_line(out: &Out) -> &str {
    out.stdout
        .lines()
        .find(|l| l.starts_with("error") || l.starts_with("refused"))
        .unwrap_or_else(|| panic!("no error line: {out:?}"))
}

/// Every file under `dir` with its bytes (to prove nothing was written anywhere).
pub(crate) fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push((e.path(), fs::read(e.path()).unwrap()));
            } else {
                out.push((e.path(), Vec::new()));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// File writes (1–8)
// ---------------------------------------------------------------------------------------------

/// Case 2: A directory figma-auth cannot write is an error naming the file; the file is not touched,
/// even though it could be written in place.
#[test]
fn case_02_unwritable_directory_is_an_error_never_an_in_place_write() {
    let (env, project) = logged_in();
    let dir = env.path("home/.cursor");
    let before = cursor_json(OLD);
    let ro = ReadOnlyDir::with_file(
        &dir,
        "mcp.json",
        before.as_bytes(),
        &env.path("rw/mcp.json"),
    );
    let cfg = dir.join("mcp.json");
    env.manage("cursor", "user", &cfg);
    let cause = if ro.chmodded {
        "Permission denied"
    } else {
        "Read-only file system"
    };
    for args in [
        &["refresh", "--write", "--target", "cursor"][..],
        &["setup", "--write", "--target", "cursor"][..],
    ] {
        let out = run_in(&env, &project, args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        let line = error_line(&out);
        assert!(
            line.contains("~/.cursor/mcp.json (Cursor, user scope)"),
            "{line}"
        );
        assert!(
            line.contains(&format!(
                "cannot create a temporary file in {}: {cause}",
                dir.display()
            )),
            "{line}"
        );
        assert!(
            out.stderr
                .contains("error: 1 of 1 config files could not be updated"),
            "{out:?}"
        );
        assert_eq!(fs::read_to_string(&cfg).unwrap(), before, "{args:?}");
    }
    drop(ro);
}

/// Case 3: An existing file keeps its owner, and with `--keep-mode` its mode (by default a file
/// other users can read is made private when it receives a token: case 37); a file figma-auth
/// creates is 0600 even under umask 0.
#[test]
fn case_03_mode_and_owner_are_kept_and_new_files_are_0600() {
    let (env, project) = logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o640)).unwrap();
    let owned_by_other = [env.path("home"), env.path("home/.cursor"), cfg.clone()];
    if is_root() {
        // Root edits another user's file, in that user's HOME: the owner must stay that user.
        for p in &owned_by_other {
            std::os::unix::fs::chown(p, Some(4321), Some(4322)).unwrap();
        }
    }
    let (uid, gid) = {
        let m = fs::metadata(&cfg).unwrap();
        (m.uid(), m.gid())
    };
    let out = run_umask0(
        &env,
        &project,
        &["refresh", "--write", "--target", "cursor", "--keep-mode"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        cursor_json(&env.stored_access_token())
    );
    let m = fs::metadata(&cfg).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o640);
    assert_eq!((m.uid(), m.gid()), (uid, gid));
    if is_root() {
        for p in &owned_by_other {
            std::os::unix::fs::chown(p, Some(0), Some(0)).unwrap();
        }
    }

    // A new file (opencode's global config) holding a token: 0600, whatever the umask.
    fs::create_dir_all(env.path("config/opencode")).unwrap();
    let created = env.path("config/opencode/opencode.jsonc");
    let out = run_umask0(
        &env,
        &project,
        &["setup", "--write", "--target", "opencode"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&created)
        .unwrap()
        .contains(&bearer(&env)));
    assert_eq!(file_mode(&created), 0o600);
    // Its backup-less creation left no temp file.
    assert_eq!(all_temps(&env.path("")), Vec::<PathBuf>::new());
}

/// Case 4: Symlinks: a chain of relative and absolute links is followed to the final file, which is
/// written, the links stay links, and a relative link is never resolved against the working
/// directory; loops and dangling links are errors and nothing is written.
#[test]
fn case_04_symlinks_are_followed_and_kept_loops_and_dangling_links_refused() {
    use std::os::unix::fs::symlink;
    let (env, _) = logged_in();
    let home = env.path("home");
    let real = home.join("real/cursor-mcp.json");
    write(&real, cursor_json(OLD));
    env.manage("cursor", "user", &home.join(".cursor/mcp.json"));
    fs::create_dir_all(home.join(".cursor")).unwrap();
    fs::create_dir_all(home.join("dotfiles")).unwrap();
    // ~/.cursor/mcp.json -> ../dotfiles/link (relative) -> /abs/real/cursor-mcp.json (absolute)
    symlink("../dotfiles/link", home.join(".cursor/mcp.json")).unwrap();
    symlink(&real, home.join("dotfiles/link")).unwrap();
    // Run from a directory where "../dotfiles/link" names a decoy.
    let cwd = home.join("project/sub");
    let decoy = home.join("project/dotfiles/link");
    write(&decoy, cursor_json(OLD));
    fs::create_dir_all(&cwd).unwrap();

    let out = run_in(&env, &cwd, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&real).unwrap(),
        cursor_json(&env.stored_access_token())
    );
    assert_eq!(
        fs::read_link(home.join(".cursor/mcp.json")).unwrap(),
        Path::new("../dotfiles/link")
    );
    assert_eq!(fs::read_link(home.join("dotfiles/link")).unwrap(), real);
    assert_eq!(fs::read_to_string(&decoy).unwrap(), cursor_json(OLD));
    assert_eq!(temps_of(&real), Vec::<PathBuf>::new());

    // A loop and a dangling link: errors, nothing written anywhere.
    for (name, make, expect) in [
        (
            "loop",
            &(|d: &Path| {
                symlink("a.json", d.join("mcp.json")).unwrap();
                symlink("mcp.json", d.join("a.json")).unwrap();
            }) as &dyn Fn(&Path),
            "is a symlink loop",
        ),
        (
            "dangling",
            &(|d: &Path| symlink("missing.json", d.join("mcp.json")).unwrap()) as &dyn Fn(&Path),
            "is a dangling symlink: its target",
        ),
    ] {
        let d = home.join(".cursor");
        fs::remove_file(d.join("mcp.json")).unwrap();
        let _ = fs::remove_file(d.join("a.json"));
        make(&d);
        let before = snapshot_tree(&home);
        for args in [
            &["setup", "--write", "--target", "cursor"][..],
            &["refresh", "--write", "--target", "cursor"][..],
        ] {
            let out = run_in(&env, &cwd, args);
            assert_eq!(snapshot_tree(&home), before, "{name}: {args:?}: {out:?}");
            if args[0] == "setup" {
                assert_eq!(out.code, 1, "{name}: {out:?}");
                assert!(out.stdout.contains(expect), "{name}: {out:?}");
            }
        }
        assert!(!d.join("missing.json").exists());
    }
}

/// Case 5: When every file already holds the current token, nothing is written: same bytes, same
/// inode, same mtime, no backup, no store write, no token request.
#[test]
fn case_05_nothing_changed_nothing_written() {
    let (env, project) = logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    let out = run_in(&env, &project, &["setup", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    let stamp = |p: &Path| {
        let m = fs::metadata(p).unwrap();
        (
            String::from_utf8(fs::read(p).unwrap()).unwrap(),
            m.ino(),
            m.modified().unwrap(),
            m.ctime_nsec(),
            m.ctime(),
        )
    };
    let cfg_before = stamp(&cfg);
    let store_before = stamp(&env.store_path("default"));
    let tree_before = snapshot_tree(&env.path(""));
    let hits = env.server.hits("token");
    std::thread::sleep(Duration::from_millis(30));

    let out = run_in(&env, &project, &["setup", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("Nothing to change: every config already holds the current token."),
        "{out:?}"
    );
    let out = run_in(&env, &project, &["refresh", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("current"), "{out:?}");
    assert!(!out.stdout.contains("updated"), "{out:?}");

    assert_eq!(stamp(&cfg), cfg_before, "the config was rewritten");
    assert_eq!(
        stamp(&env.store_path("default")),
        store_before,
        "the store was rewritten"
    );
    assert_eq!(snapshot_tree(&env.path("")), tree_before);
    assert_eq!(env.server.hits("token"), hits);
}

/// Case 6: What figma-auth commits parses with each client's own strictness: strict JSON (Claude
/// Code, Cursor), JSONC (opencode, from a file with comments and trailing commas), TOML (Codex).
#[test]
fn case_06_written_files_parse_with_the_clients_strictness() {
    let (env, project) = logged_in();
    write(
        &env.path("home/.claude.json"),
        "{\n  \"numStartups\": 1,\n  \"mcpServers\": {}\n}\n",
    );
    write(&env.path("home/.cursor/mcp.json"), "{}");
    write(
        &env.path("config/opencode/opencode.jsonc"),
        "// my config\n{\n  \"theme\": \"dark\", /* inline */\n  \"mcp\": {\n    \"other\": {\"type\": \"local\", \"command\": [\"x\"],},\n  },\n}\n",
    );
    write(
        &env.path("home/.codex/config.toml"),
        "# codex\nmodel = \"o3\"\n\n[mcp_servers.other]\nurl = \"https://example.com/mcp\"\n",
    );
    let out = run_in(
        &env,
        &project,
        &[
            "setup",
            "--write",
            "--target",
            "claude,cursor,opencode,codex",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let want = bearer(&env);
    for strict in ["home/.claude.json", "home/.cursor/mcp.json"] {
        let text = fs::read_to_string(env.path(strict)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{strict} is not strict JSON: {e}\n{text}"));
        assert_eq!(
            v["mcpServers"]["figma"]["headers"]["Authorization"], want,
            "{strict}"
        );
    }
    let text = fs::read_to_string(env.path("config/opencode/opencode.jsonc")).unwrap();
    jsonc_parser::parse_to_value(&text, &Default::default())
        .unwrap_or_else(|e| panic!("opencode.jsonc is not JSONC: {e}\n{text}"))
        .expect("a value");
    assert!(
        text.contains(&format!("\"Authorization\": \"{want}\"")),
        "{text}"
    );
    assert!(text.starts_with("// my config\n"), "{text}");
    let text = fs::read_to_string(env.path("home/.codex/config.toml")).unwrap();
    let doc: toml_edit::DocumentMut = text
        .parse()
        .unwrap_or_else(|e| panic!("config.toml is not TOML: {e}\n{text}"));
    assert_eq!(
        doc["mcp_servers"]["figma"]["http_headers"]["Authorization"].as_str(),
        Some(want.as_str()),
        "{text}"
    );
}

/// Sets the mtime of `p` (a file or directory) to `ago` in the past.
fn age(p: &Path, ago: Duration) {
    let t = SystemTime::now() - ago;
    fs::File::open(p)
        .unwrap()
        .set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

/// Case 7: `~/.claude.json` is written under Claude Code's own `~/.claude.json.lock` directory; a
/// fresh lock means "busy" and no write, a stale one (a dead holder) is taken over; a change by
/// another program between read and rename is re-planned on top of that change, and a file that
/// keeps changing ends in "busy" with the other program's writes intact.
#[test]
fn case_07_claude_json_lock_recheck_replan_and_busy() {
    let (mut env, project) = logged_in();
    let cfg = env.path("home/.claude.json");
    let lock = env.path("home/.claude.json.lock");
    let old = claude_json(3, OLD);
    write(&cfg, &old);
    env.manage("claude", "user", &cfg);
    let refresh = ["refresh", "--write", "--target", "claude"];
    let forced = ["refresh", "--write", "--force", "--target", "claude"];

    // Killed just before the rename: the lock directory is still there, so it was held during
    // the write; the file is untouched.
    let r = run_env(
        &env,
        &project,
        &refresh,
        &[("FIGMA_AUTH_FAULT", "rename:abort@.claude.json")],
    );
    assert_eq!(r.signal, Some(SIGABRT), "{r:?}");
    assert!(lock.is_dir(), "the lock was not held during the write");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), old);

    // A fresh lock (another program holds it): busy, exit 5, nothing written.
    env.set_var("FIGMA_AUTH_CLIENT_LOCK_TIMEOUT", Some("1s"));
    let out = run_in(&env, &project, &refresh);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stdout.contains(&format!(
            "is locked by another process (lock {})",
            lock.display()
        )),
        "{out:?}"
    );
    assert!(
        out.stderr.contains(
            "hint: another program is writing these files; run the same command again in a moment"
        ),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), old);

    // The holder died: once the lock is older than Claude Code's 10 s it is taken over (and
    // the dead run's temp file removed).
    age(&lock, Duration::from_secs(20));
    let out = run_in(&env, &project, &refresh);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        claude_json(3, &env.stored_access_token())
    );
    assert!(!lock.exists(), "the lock was not released");
    assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new());

    // Another program writes the file once between our read and our rename: the edit is
    // re-planned on its content, which is kept.
    let theirs = format!("{}\n", fs::read_to_string(&cfg).unwrap());
    let out = run_env(
        &env,
        &project,
        &forced,
        &[("FIGMA_AUTH_FAULT", "rename:touch@.claude.json#1")],
    )
    .out;
    assert_eq!(out.code, 0, "{out:?}");
    let mine = claude_json(3, &env.stored_access_token());
    assert_eq!(fs::read_to_string(&cfg).unwrap(), format!("{mine}\n"));
    assert_ne!(theirs, format!("{mine}\n"));

    // It keeps writing: after the bounded attempts, busy; every one of its writes survives.
    let before = fs::read_to_string(&cfg).unwrap();
    let out = run_env(
        &env,
        &project,
        &forced,
        &[("FIGMA_AUTH_FAULT", "rename:touch@.claude.json")],
    )
    .out;
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stdout.contains(
            "kept changing while figma-auth tried to update it (4 attempts); another program is writing it"
        ),
        "{out:?}"
    );
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        format!("{before}\n\n\n\n")
    );
    assert!(!lock.exists());
    assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new());
}

/// Case 8: The first write of a file keeps a private copy of the original the user can restore;
/// later writes keep that first copy; a file figma-auth creates has none.
#[test]
fn case_08_the_original_is_backed_up_before_the_first_write() {
    let (env, project) = logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    let original = cursor_json(OLD).replace("\n", "\r\n");
    write(&cfg, &original);
    env.manage("cursor", "user", &cfg);
    let out = run_in(
        &env,
        &project,
        &["refresh", "--write", "--target", "cursor"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let backups = env.path("state/figma-auth/backups");
    let list = || -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(&backups)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    let saved = list();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let backup = &saved[0];
    assert_eq!(fs::read_to_string(backup).unwrap(), original);
    assert_eq!(file_mode(backup), 0o600);
    assert_eq!(file_mode(&backups), 0o700);
    assert!(
        out.stdout.contains(&format!(
            "(original saved as ~/{})",
            backup
                .strip_prefix(env.path("home"))
                .unwrap_or(backup)
                .display()
        )) || out
            .stdout
            .contains(&format!("(original saved as {})", backup.display())),
        "{out:?}"
    );

    // A second write keeps the first copy.
    let out = run_in(
        &env,
        &project,
        &["refresh", "--write", "--force", "--target", "cursor"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("original saved"), "{out:?}");
    assert_eq!(list(), saved);
    assert_eq!(fs::read_to_string(backup).unwrap(), original);
    // Restoring is a copy.
    fs::copy(backup, &cfg).unwrap();
    assert_eq!(fs::read_to_string(&cfg).unwrap(), original);

    // A file figma-auth creates has no original to keep.
    fs::create_dir_all(env.path("config/opencode")).unwrap();
    let out = run_in(
        &env,
        &project,
        &["setup", "--write", "--target", "opencode"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.path("config/opencode/opencode.jsonc").exists());
    assert_eq!(list(), saved);
}

// ---------------------------------------------------------------------------------------------
// Concurrency and the token store (9–13)
// ---------------------------------------------------------------------------------------------

/// Case 10: A refresh started while another figma-auth holds the profile's lock waits for it, then
/// re-reads the store, finds the token the other one saved, and makes no request of its own.
#[test]
fn case_10_a_waiting_refresh_rereads_the_store_and_makes_no_request() {
    let env = TestEnv::new();
    env.login();
    env.set_expires_at("2000-01-01T00:00:00Z");
    let home = env.path("home");
    let held = env.hold_store_lock("default");
    let mut child = env
        .command(&["refresh"])
        .current_dir(&home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Without the lock the due token would be refreshed at once; with it the child waits.
    let deadline = std::time::Instant::now() + Duration::from_millis(1500);
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("refresh did not wait for the store lock (exit {status})");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        env.server.hits("token"),
        1,
        "only the login's code exchange"
    );
    // Meanwhile the lock holder refreshed and saved (as another figma-auth would).
    let rt = env.stored_refresh_token();
    let (at, new_rt) = env
        .server
        .with_state(|s| s.rotate_out_of_band(&rt))
        .unwrap();
    let mut v = env.store("default").unwrap();
    v["token"]["access_token"] = at.clone().into();
    v["token"]["refresh_token"] = new_rt.clone().into();
    v["token"]["expires_at"] = "2100-01-01T00:00:00Z".into();
    fs::write(env.store_path("default"), v.to_string()).unwrap();
    drop(held);

    let o = child.wait_with_output().unwrap();
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("The access token is still valid"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("token:refresh_token"), 0);
    assert_eq!(env.stored_access_token(), at);
    assert_eq!(env.stored_refresh_token(), new_rt);
    assert!(env.server.refresh_token_is_current(&new_rt));
}

/// Case 12: The rotated refresh token is saved before the new access token goes anywhere: when the
/// save fails, no config receives the new access token and `token` prints nothing.
#[test]
fn case_12_the_new_access_token_is_used_only_after_it_is_saved() {
    let (env, project) = logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    let fault = [("FIGMA_AUTH_FAULT", "rename:fail@default.json")];
    let r = run_env(
        &env,
        &project,
        &["refresh", "--write", "--force", "--target", "cursor"],
        &fault,
    );
    assert_eq!(r.out.code, 3, "{r:?}");
    assert!(
        r.out
            .stderr
            .contains("the token was refreshed but could not be saved, so it was not used"),
        "{r:?}"
    );
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(OLD));
    assert!(!r.out.stdout.contains("updated"), "{r:?}");
    // Every access token the server issued but figma-auth did not save stays unused.
    let issued: Vec<String> = env
        .server
        .secrets()
        .into_iter()
        .filter(|s| s.starts_with("mock_at_"))
        .collect();
    let unsaved = issued.last().unwrap().clone();
    assert_ne!(unsaved, env.stored_access_token());
    assert!(!fs::read_to_string(&cfg).unwrap().contains(&unsaved));

    // `token` with an expired token: the refresh is not saved, so nothing is printed.
    env.login();
    env.set_expires_at("2000-01-01T00:00:00Z");
    let r = run_env(&env, &project, &["token"], &fault);
    assert_eq!(r.out.code, 3, "{r:?}");
    assert_eq!(r.out.stdout, "", "{r:?}");

    // On success the config holds exactly the saved token.
    env.login();
    let out = run_in(
        &env,
        &project,
        &["refresh", "--write", "--force", "--target", "cursor"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        cursor_json(&env.stored_access_token())
    );
}

/// Case 13: A scheduled run (cron, launchd: no terminal, no DISPLAY or BROWSER, PATH=/usr/bin:/bin,
/// HOME only) uses the store the interactive login wrote, never prompts or opens a browser, and
/// exits 3 when a login is needed.
#[test]
fn case_13_unattended_runs_share_the_store_and_never_prompt() {
    let mut env = TestEnv::new();
    // The interactive login without XDG variables: the store goes to ~/.config/figma-auth.
    env.set_var("XDG_CONFIG_HOME", None);
    env.set_var("XDG_STATE_HOME", None);
    env.login();
    let home = env.path("home");
    let store = home.join(".config/figma-auth/credentials/default.json");
    assert!(store.is_file());
    let cfg = home.join(".cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&store).unwrap()).unwrap();
    v["configs"] = serde_json::json!([{"target": "cursor", "scope": "user", "path": cfg, "server_name": "figma"}]);
    fs::write(&store, v.to_string()).unwrap();
    let server = env.server.url().to_string();
    let cron = |args: &[&str]| -> Out {
        let o = Command::new(BIN)
            .args(args)
            .args(["--auth-server", &server])
            .env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/bin:/bin")
            .env("SHELL", "/bin/sh")
            .env("LOGNAME", "nobody")
            .current_dir(&home)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let out = Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        env.assert_no_leak(&out, prints_token(args));
        out
    };
    let out = cron(&["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&store).unwrap()).unwrap();
    let at = v["token"]["access_token"].as_str().unwrap().to_string();
    assert!(env.server.access_token_works(&at));
    assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(&at));

    // The grant is gone: "log in again" is exit 3, with no prompt and no browser.
    env.server.set(|b| b.refresh_invalid_grant = true);
    let started = std::time::Instant::now();
    let out = cron(&["refresh", "--write", "--force"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("run `figma-auth setup`"), "{out:?}");
    let out = cron(&["token"]);
    assert_eq!(out.code, 0, "an unexpired token is still served: {out:?}");
    let out = cron(&["--profile", "other", "token"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "something waited"
    );
    assert!(!env.path("browser/url").exists(), "a browser was started");
    assert_eq!(
        env.server.hits("authorize"),
        1,
        "only the interactive login"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input (14–19)
// ---------------------------------------------------------------------------------------------

/// Runs `setup --write` and `refresh --write` for `target` on a bad file: both exit 1, name the
/// file and `expect` (line and column), and leave every file byte-identical. (`refresh` updates
/// only files that mention our server: one that does not is left alone without a word.)
fn refused(
    env: &TestEnv,
    project: &Path,
    target: &str,
    rel: &str,
    content: &[u8],
    expect: &[&str],
) {
    let p = env.path(rel);
    write(&p, content);
    let ours = content.windows(5).any(|w| w == b"figma");
    if ours {
        // Set up earlier (and damaged since): refresh reads it.
        env.manage(target, "user", &p);
    }
    let tree = snapshot_tree(&env.path("home"));
    for cmd in ["setup", "refresh"] {
        let out = run_in(env, project, &[cmd, "--write", "--target", target]);
        assert_eq!(fs::read(&p).unwrap(), content, "{target} {cmd}");
        assert_eq!(snapshot_tree(&env.path("home")), tree, "{target} {cmd}");
        if cmd == "refresh" && !ours {
            assert_eq!(out.code, 0, "{target} {cmd} {expect:?}: {out:?}");
            assert_eq!(out.stdout, "", "{target} {cmd}: {out:?}");
            continue;
        }
        assert_eq!(out.code, 1, "{target} {cmd} {expect:?}: {out:?}");
        let line = error_line(&out);
        let name = p.file_name().unwrap().to_string_lossy();
        assert!(line.contains(&*name), "{target} {cmd}: {line}");
        for e in expect {
            assert!(line.contains(e), "{target} {cmd}: want {e:?} in {line}");
        }
        assert_eq!(fs::read(&p).unwrap(), content, "{target} {cmd}");
        assert_eq!(snapshot_tree(&env.path("home")), tree, "{target} {cmd}");
        assert_eq!(all_temps(&env.path("")), Vec::<PathBuf>::new());
    }
    fs::remove_file(&p).unwrap();
}

/// Case 14: Malformed, truncated, empty-ish and NUL-filled JSON, JSONC and TOML: an error with the
/// file, line and column, and nothing written.
#[test]
fn case_14_malformed_files_are_refused_with_file_line_and_column() {
    let (env, project) = logged_in();
    let full = cursor_json(OLD);
    let cases: Vec<(&str, &str, Vec<u8>, Vec<&str>)> = vec![
        (
            "cursor",
            "home/.cursor/mcp.json",
            b"{\n  \"mcpServers\": {\n    \"figma\": ,\n  }\n}\n".to_vec(),
            vec!["line 3, column"],
        ),
        (
            "cursor",
            "home/.cursor/mcp.json",
            full.as_bytes()[..full.find("Bearer").unwrap() + 8].to_vec(),
            vec!["line 9, column", "unterminated string"],
        ),
        (
            "claude",
            "home/.claude.json",
            vec![0u8; 64],
            vec!["line 1, column 1"],
        ),
        (
            "claude",
            "home/.claude.json",
            b"{\"mcpServers\": {\"figma\": {\"url\": \"https://mcp.figma.com/mcp\"}}}\n\0\0\0\0".to_vec(),
            vec!["line 2, column 1"],
        ),
        (
            "opencode",
            "config/opencode/opencode.jsonc",
            b"// figma\n{\n  \"mcp\": {\n    \"figma\": {\"url\": \"https://mcp.figma.com/mcp\"\n  }\n".to_vec(),
            vec!["line"],
        ),
        (
            "codex",
            "home/.codex/config.toml",
            b"[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\nhttp_headers = { Authorization = \n".to_vec(),
            vec!["line 3, column"],
        ),
        (
            "codex",
            "home/.codex/config.toml",
            b"[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\n\0\0\0\0\n".to_vec(),
            vec!["line 3, column"],
        ),
    ];
    for (target, rel, content, expect) in &cases {
        refused(&env, &project, target, rel, content, expect);
    }
}

/// Case 15: Duplicate keys on the edited path (clients take the last one) are an error naming both
/// lines; nothing is written.
#[test]
fn case_15_duplicate_keys_are_refused_naming_both_lines() {
    let (env, project) = logged_in();
    let entry = format!(
        "{{\"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}"
    );
    refused(
        &env,
        &project,
        "claude",
        "home/.claude.json",
        format!("{{\n  \"mcpServers\": {{}},\n  \"x\": 1,\n  \"mcpServers\": {{\"figma\": {entry}}}\n}}\n").as_bytes(),
        &["line 4", "duplicate key `mcpServers` (also on line 2)"],
    );
    refused(
        &env,
        &project,
        "cursor",
        "home/.cursor/mcp.json",
        format!(
            "{{\n  \"mcpServers\": {{\n    \"figma\": {entry},\n    \"figma\": {entry}\n  }}\n}}\n"
        )
        .as_bytes(),
        &[
            "line 4",
            "duplicate key `mcpServers.figma` (also on line 3)",
        ],
    );
    refused(
        &env,
        &project,
        "opencode",
        "config/opencode/opencode.jsonc",
        format!("{{\n  // first\n  \"mcp\": {{\"figma\": {entry}}},\n  \"mcp\": {{\"figma\": {entry}}}\n}}\n").as_bytes(),
        &["line 4", "duplicate key `mcp` (also on line 3)"],
    );
    refused(
        &env,
        &project,
        "cursor",
        "home/.cursor/mcp.json",
        format!("{{\n  \"mcpServers\": {{\n    \"figma\": {{\"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\n      \"Authorization\": \"Bearer {OLD}\",\n      \"Authorization\": \"Bearer {OLD}\"}}}}\n  }}\n}}\n").as_bytes(),
        &["line 5", "(also on line 4)"],
    );
}

/// Case 16: Strict-JSON files (`~/.claude.json`, Cursor's `mcp.json`): a comment or trailing comma
/// already there is refused with the reason, and figma-auth never writes one.
#[test]
fn case_16_comments_and_trailing_commas_in_strict_json_are_refused_never_written() {
    let (env, project) = logged_in();
    let entry = format!(
        "{{\"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}"
    );
    for (target, rel) in [
        ("claude", "home/.claude.json"),
        ("cursor", "home/.cursor/mcp.json"),
    ] {
        refused(
            &env,
            &project,
            target,
            rel,
            format!("{{\n  // my servers\n  \"mcpServers\": {{\"figma\": {entry}}}\n}}\n")
                .as_bytes(),
            &["line 2, column 3: a comment is not allowed here: this file must be plain JSON"],
        );
        refused(
            &env,
            &project,
            target,
            rel,
            format!("{{\n  \"mcpServers\": {{\"figma\": {entry}}},\n}}\n").as_bytes(),
            &["line 2", "a trailing comma is not allowed here"],
        );
        refused(
            &env,
            &project,
            target,
            rel,
            format!("{{\n  \"mcpServers\": {{\"figma\": {entry}}} /* c */\n}}\n").as_bytes(),
            &["line 2", "a comment is not allowed here"],
        );
    }
    // The same file is fine for a JSONC client, and its comment is kept.
    let cfg = env.path("config/opencode/opencode.json");
    write(
        &cfg,
        format!("{{\n  // my servers\n  \"mcp\": {{\"figma\": {entry},}},\n}}\n"),
    );
    let out = run_in(
        &env,
        &project,
        &["refresh", "--write", "--target", "opencode"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&cfg).unwrap().contains("// my servers"));

    // Created and edited strict files contain no comment or trailing comma.
    write(
        &env.path("home/.claude.json"),
        "{\n  \"numStartups\": 1\n}\n",
    );
    let out = run_in(
        &env,
        &project,
        &["setup", "--write", "--target", "claude,cursor"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    for rel in ["home/.claude.json", "home/.cursor/mcp.json"] {
        let text = fs::read_to_string(env.path(rel)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{rel}: {e}\n{text}"));
        assert!(!text.contains("//") || text.contains("https://"), "{text}");
        assert!(!text.contains("/*"), "{text}");
    }
}

/// Case 17: A BOM, CRLF line ends, tabs and a missing final newline are kept; a file that is not
/// UTF-8 is refused with the position of the first bad byte.
#[test]
fn case_17_bom_crlf_tabs_and_no_final_newline_are_kept_non_utf8_refused() {
    let (env, project) = logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    let before = format!(
        "\u{feff}{{\r\n\t\"mcpServers\": {{\r\n\t\t\"figma\": {{\r\n\t\t\t\"url\": \"https://mcp.figma.com/mcp\",\r\n\t\t\t\"headers\": {{\r\n\t\t\t\t\"Authorization\": \"Bearer {OLD}\"\r\n\t\t\t}}\r\n\t\t}}\r\n\t}}\r\n}}"
    );
    write(&cfg, &before);
    env.manage("cursor", "user", &cfg);
    let out = run_in(
        &env,
        &project,
        &["refresh", "--write", "--target", "cursor"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        before.replace(&format!("Bearer {OLD}"), &bearer(&env))
    );

    // An entry created in such a file follows its style.
    let claude = env.path("home/.claude.json");
    write(&claude, "\u{feff}{\r\n\t\"numStartups\": 1\r\n}");
    let out = run_in(&env, &project, &["setup", "--write", "--target", "claude"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = fs::read_to_string(&claude).unwrap();
    assert!(
        text.starts_with("\u{feff}{\r\n\t\"numStartups\": 1,\r\n\t\""),
        "{text:?}"
    );
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "a bare LF: {text:?}"
    );
    assert!(text.ends_with("\r\n}"), "{text:?}");
    assert!(!text.contains("  \""), "spaces instead of tabs: {text:?}");
    assert!(text.contains(&bearer(&env)), "{text:?}");

    // Not UTF-8 (Latin-1 é on line 3): refused with line, column and byte offset.
    let latin1 = b"{\n  \"mcpServers\": {\n    \"caf\xe9\": {\"url\": \"https://mcp.figma.com/mcp\"}\n  }\n}\n".to_vec();
    refused(
        &env,
        &project,
        "cursor",
        "home/.cursor/mcp.json",
        &latin1,
        &["not valid UTF-8", "offset 28"],
    );
}

/// Case 18: Wrong types on the edited path (`mcpServers` an array, `headers` null, the entry a
/// string): an error naming the key path and the types, nothing written.
#[test]
fn case_18_wrong_types_are_refused() {
    let (env, project) = logged_in();
    refused(
        &env,
        &project,
        "cursor",
        "home/.cursor/mcp.json",
        b"{\n  \"mcpServers\": [\n    {\"url\": \"https://mcp.figma.com/mcp\"}\n  ]\n}\n",
        &["line 2", "`mcpServers` is an array, expected an object"],
    );
    refused(
        &env,
        &project,
        "claude",
        "home/.claude.json",
        b"{\n  \"mcpServers\": {\n    \"figma\": {\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": null\n    }\n  }\n}\n",
        &["line 5", "`mcpServers.figma.headers` is null, expected an object"],
    );
    refused(
        &env,
        &project,
        "claude",
        "home/.claude.json",
        b"{\n  \"mcpServers\": {\n    \"figma\": \"https://mcp.figma.com/mcp\"\n  }\n}\n",
        &[
            "line 3",
            "`mcpServers.figma` is a string, expected an object",
        ],
    );
    refused(
        &env,
        &project,
        "codex",
        "home/.codex/config.toml",
        b"mcp_servers = \"figma https://mcp.figma.com/mcp\"\n",
        &["line 1", "`mcp_servers` is a string, expected a table"],
    );
}

/// Case 19: Bytes outside the edited span stay identical: number spellings, escapes, key order,
/// blank lines, odd spacing — on a token replacement (a splice) and on an entry creation.
#[test]
fn case_19_bytes_outside_the_edit_are_identical() {
    let (env, project) = logged_in();
    let cfg = env.path("home/.claude.json");
    let odd = "{\n\n  \"z\":1.0e+10 ,\"a\" : -0.50,\n  \"esc\": \"\\u00e9\\/\\\"\\t\",\n\n\n  \"big\": 12345678901234567890123,\n  \"mcpServers\" :{ \"figma\":{\"url\":\"https://mcp.figma.com/mcp\",\"headers\":{\"Authorization\":\"Bearer OLDTOKEN\"},\"type\":\"http\"} } ,\n  \"\u{1F600}\": [ 1,2 ,3 ]\n}   \n";
    let before = odd.replace("OLDTOKEN", OLD);
    write(&cfg, &before);
    env.manage("claude", "user", &cfg);
    let out = run_in(
        &env,
        &project,
        &["refresh", "--write", "--target", "claude"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        before.replace(&format!("Bearer {OLD}"), &bearer(&env))
    );

    // Creating the entry: the new text is the old with one insertion, nothing else changed.
    let cursor = env.path("home/.cursor/mcp.json");
    let before = "{\n\n  \"z\":1.0e+10 ,\"esc\": \"\\u00e9\\/\",\n  \"mcpServers\": {\n    \"other\" : {\"url\":\"https://example.com/mcp\"}\n  }\n}\n";
    write(&cursor, before);
    let out = run_in(&env, &project, &["setup", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    let after = fs::read_to_string(&cursor).unwrap();
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    assert!(
        prefix + suffix >= before.len(),
        "more than one insertion:\n{before}\n---\n{after}"
    );
    assert!(after.contains(&bearer(&env)), "{after}");
}

// ---------------------------------------------------------------------------------------------
// OAuth attacks (20–27); most are in security.rs and login.rs (see docs/security-cases.md)
// ---------------------------------------------------------------------------------------------

/// Case 20: A forged `?error=` callback without `state` cannot end the login: it gets a 400 page,
/// the listener keeps waiting until its own timeout, and no token request is made.
#[test]
fn case_20_a_forged_error_without_state_does_not_end_the_login() {
    let env = TestEnv::new();
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "6s"]);
    let callback = authorize(&env.browser_url());
    let base = callback.split('?').next().unwrap().to_string();
    for forged in [
        format!("{base}?error=access_denied&error_description=forged"),
        format!("{base}?error=server_error"),
        with_param(&callback, "state", Some("forged")),
    ] {
        let page = get(&forged);
        assert_eq!(page.status, 400, "{forged}: {page:?}");
    }
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("no login callback arrived"), "{out:?}");
    assert!(
        !out.stderr
            .contains("the authorization server ended the login"),
        "the forged error ended the login: {out:?}"
    );
    assert_eq!(env.server.hits("token"), 0);
    assert!(env
        .store("default")
        .is_none_or(|v| v.get("token").is_none()));
}

/// Case 24: `error=access_denied` with the right state: a clean failure with the description
/// escaped on the page, and the listener closed (its port free again).
#[test]
fn case_24_denied_consent_fails_cleanly_and_closes_the_listener() {
    let env = TestEnv::new();
    env.server.set(|b| b.deny_consent = true);
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "90s"]);
    let callback = authorize(&env.browser_url());
    let port = url::Url::parse(&callback).unwrap().port().unwrap();
    let page = get(&callback);
    assert_eq!(page.status, 400, "{page:?}");
    assert!(page.body.contains("&lt;b&gt;denied&lt;/b&gt;"), "{page:?}");
    assert!(!page.body.contains("<b>"), "{page:?}");
    assert_eq!(page.headers["cache-control"], "no-store");
    let out = run.finish();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("the authorization server ended the login with access_denied"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("token"), 0);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the listener's port is free again");
}

// ---------------------------------------------------------------------------------------------
// Leakage (28, 29)
// ---------------------------------------------------------------------------------------------

/// Case 28: With a canary access token in the store and another in a config, previews, dry runs,
/// JSON output and errors show tokens only masked (`figu_…6789`), and no temp file stays.
#[test]
fn case_28_diffs_and_dry_runs_show_tokens_masked() {
    let (env, project) = logged_in();
    const CANARY: &str = "figu_CANARY_ACCESS_0123456789";
    let mut v = env.store("default").unwrap();
    v["token"]["access_token"] = CANARY.into();
    v["token"]["expires_at"] = "2100-01-01T00:00:00Z".into();
    fs::write(env.store_path("default"), v.to_string()).unwrap();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    let claude = env.path("home/.claude.json");
    write(&claude, "{\n  \"numStartups\": 1\n}\n");
    let before = snapshot_tree(&env.path("home"));

    let runs: Vec<Vec<&str>> = vec![
        vec!["setup", "--target", "cursor,claude"],
        vec!["setup", "--target", "cursor,claude", "--dry-run"],
        vec!["setup", "--target", "cursor,claude", "--json"],
        vec!["refresh", "--target", "cursor"],
        vec!["refresh", "--target", "cursor", "--json"],
        vec!["status"],
        vec!["status", "--json"],
        // Last: it forgets the tokens (the file change is only previewed).
        vec!["logout", "--target", "cursor"],
    ];
    let mut masked_seen = 0;
    for args in &runs {
        let out = run_in(&env, &project, args);
        for secret in [CANARY, "CANARY_ACCESS", OLD, "FIXTURE_OLD"] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{args:?} shows {secret}: {out:?}"
            );
        }
        if out.stdout.contains("@@ ") {
            // A diff: the old token's line and the new one's, both masked.
            masked_seen += 1;
            assert!(
                out.stdout.contains("Bearer figu_…0000"),
                "{args:?}: {out:?}"
            );
            if args[0] != "logout" {
                assert!(
                    out.stdout.contains("Bearer figu_…6789"),
                    "{args:?}: {out:?}"
                );
            }
        }
        assert_eq!(snapshot_tree(&env.path("home")), before, "{args:?} wrote");
    }
    assert_eq!(masked_seen, 6, "every preview shows a diff");
    assert_eq!(all_temps(&env.path("")), Vec::<PathBuf>::new());

    // --show-secrets is the one way to see them (the store is gone now: the config's token).
    let out = env
        .command(&["logout", "--target", "cursor", "--show-secrets"])
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(OLD));
}

/// Runs git in `repo` with a hermetic configuration.
pub(crate) fn git(env: &TestEnv, repo: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("HOME", env.path("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git is installed");
    assert!(st.success(), "git {args:?}");
}

/// Case 29: A project config that git tracks (`.mcp.json`, `.cursor/mcp.json`, `opencode.json`) is
/// not given a token — neither by `setup` nor by a later `refresh --write` — unless the user
/// passes `--allow-tracked`; the refusal suggests the client's indirection mode.
#[test]
fn case_29_tracked_project_configs_are_refused_without_opt_in() {
    let (env, _) = logged_in();
    let repo = env.path("home/repo");
    fs::create_dir_all(&repo).unwrap();
    git(&env, &repo, &["init", "-q"]);
    let entry = |key: &str| {
        format!(
            "{{\n  \"{key}\": {{\n    \"figma\": {{\n      \"type\": \"{}\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}\n    }}\n  }}\n}}\n",
            if key == "mcp" { "remote" } else { "http" }
        )
    };
    let files = [
        ("claude", ".mcp.json", entry("mcpServers"), "--mode helper"),
        (
            "cursor",
            ".cursor/mcp.json",
            entry("mcpServers"),
            "--mode env",
        ),
        ("opencode", "opencode.json", entry("mcp"), "--mode file"),
    ];
    for (target, rel, content, _) in &files {
        write(&repo.join(rel), content);
        git(&env, &repo, &["add", rel]);
        env.manage(target, "project", &repo.join(rel));
    }
    for (target, rel, content, mode) in &files {
        for args in [
            vec!["setup", "--target", target, "--scope", "project", "--write"],
            vec!["refresh", "--target", target, "--write"],
        ] {
            let out = run_in(&env, &repo, &args);
            assert_eq!(out.code, 1, "{args:?}: {out:?}");
            let line = error_line(&out);
            assert!(line.starts_with("refused"), "{line}");
            assert!(line.contains(rel), "{line}");
            assert!(
                line.contains("git tracks this file, and it would hold your token"),
                "{line}"
            );
            assert!(
                line.contains(&format!("figma-auth setup {mode}")),
                "no indirection suggested: {line}"
            );
            assert!(line.contains("--allow-tracked"), "{line}");
            assert_eq!(&fs::read_to_string(repo.join(rel)).unwrap(), content);
        }
        let out = run_in(
            &env,
            &repo,
            &["refresh", "--target", target, "--write", "--allow-tracked"],
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert!(fs::read_to_string(repo.join(rel))
            .unwrap()
            .contains(&bearer(&env)));
    }
}
