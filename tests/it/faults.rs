//! Fault injection (security checklist case 1): a failure or a kill at each step of a config write and
//! of a credential-store update, through the real binary with `FIGMA_AUTH_FAULT` (see the
//! documentation of `src/fs/fault.rs`), plus a real full file system (a tiny tmpfs, as root) and a
//! read-only directory. After each fault the target is byte-identical to its old or its new
//! content, the process failed (or was killed by SIGABRT), the error names the path, and the
//! next run without the fault removes any leftover temp file and succeeds.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The error actions, with the text each puts into the message.
const ERRORS: [(&str, &str); 3] = [
    ("fail", "injected fault"),
    ("enospc", "No space left on device"),
    ("eio", "Input/output error"),
];

/// A logged-in environment with a Cursor config whose figma entry holds an old token, already
/// written once by figma-auth (so its backup exists and only the config write is under test).
fn cursor_env() -> (TestEnv, PathBuf, PathBuf) {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    fs::set_permissions(&cfg, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(&token(&env)));
    (env, project, cfg)
}

fn token(env: &TestEnv) -> String {
    env.stored_access_token()
}

const REFRESH_CURSOR: [&str; 5] = ["refresh", "--write", "--force", "--target", "cursor"];

/// The next run without a fault succeeds, writes the current token and leaves no temp file.
fn next_run_recovers(env: &TestEnv, project: &Path, cfg: &Path) {
    let out = env.run_in(project, &REFRESH_CURSOR);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("updated"), "{out:?}");
    assert_eq!(fs::read_to_string(cfg).unwrap(), cursor_json(&token(env)));
    assert_eq!(temps_of(cfg), Vec::<PathBuf>::new(), "leftover temp file");
    assert_eq!(all_temps(&env.path("")), Vec::<PathBuf>::new());
}

/// An error at `step` of the config write: exit 1, the file and its write are named, the file
/// is untouched, no temp file is left; the next run succeeds.
fn config_error_at(step: &str) {
    let (env, project, cfg) = cursor_env();
    for (action, text) in ERRORS {
        let before = fs::read(&cfg).unwrap();
        let fault = format!("{step}:{action}@mcp.json");
        let r = env.cmd(&REFRESH_CURSOR).cwd(&project).fault(&fault).run();
        let out = &r;
        assert_eq!(out.code, 1, "{fault}: {r:?}");
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or_else(|| panic!("{fault}: no error line: {r:?}"));
        assert!(
            line.contains("~/.cursor/mcp.json (Cursor, user scope)"),
            "{fault}: {line}"
        );
        let verb = match step {
            "write" => "cannot write the new content of",
            "fsync" => "cannot sync the new content of",
            _ => "cannot replace",
        };
        assert!(
            line.contains(&format!("{verb} {}: {text}", cfg.display())),
            "{fault}: {line}"
        );
        assert!(
            out.stderr
                .contains("error: 1 of 1 config files could not be updated"),
            "{fault}: {r:?}"
        );
        assert_eq!(fs::read(&cfg).unwrap(), before, "{fault}: the file changed");
        assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new(), "{fault}: temp left");
        next_run_recovers(&env, &project, &cfg);
    }
}

/// A kill at `step` of the config write: the file is old (or new after the rename), a temp
/// file is left behind for `left_temp`, and the next run removes it and succeeds.
fn config_abort_at(step: &str, renamed: bool) {
    let (env, project, cfg) = cursor_env();
    let before = fs::read(&cfg).unwrap();
    let fault = format!("{step}:abort@mcp.json");
    let r = env.cmd(&REFRESH_CURSOR).cwd(&project).fault(&fault).run();
    assert_eq!(r.signal, Some(SIGABRT), "{fault}: {r:?}");
    // The store was updated before the config write began.
    let new = cursor_json(&token(&env));
    assert_ne!(before, new.as_bytes());
    let after = fs::read(&cfg).unwrap();
    if renamed {
        assert_eq!(after, new.as_bytes(), "{fault}: not the new content");
        assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new(), "{fault}");
    } else {
        assert_eq!(after, before, "{fault}: not the old content");
        let temps = temps_of(&cfg);
        assert_eq!(
            temps.len(),
            1,
            "{fault}: the kill leaves its temp file: {temps:?}"
        );
        // Never readable by others, even half-written.
        assert_eq!(file_mode(&temps[0]), 0o600, "{fault}");
        let partial = fs::read(&temps[0]).unwrap();
        match step {
            "write" => assert!(partial.is_empty(), "{fault}"),
            _ => assert_eq!(partial, new.as_bytes(), "{fault}"),
        }
    }
    next_run_recovers(&env, &project, &cfg);
}

#[test]
fn config_write_fault_at_write() {
    config_error_at("write");
    config_abort_at("write", false);
}

#[test]
fn config_write_fault_at_fsync() {
    config_error_at("fsync");
    config_abort_at("fsync", false);
}

#[test]
fn config_write_fault_at_rename() {
    config_error_at("rename");
    config_abort_at("rename", false);
}

/// After the rename the file is new; a directory-fsync error is ignored (as a real one is) and a
/// kill leaves the new content.
#[test]
fn config_write_fault_at_dirsync() {
    let (env, project, cfg) = cursor_env();
    for (action, _) in ERRORS {
        let fault = format!("dirsync:{action}@mcp.json");
        let r = env.cmd(&REFRESH_CURSOR).cwd(&project).fault(&fault).run();
        assert_eq!(r.code, 0, "{fault}: {r:?}");
        assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(&token(&env)));
    }
    config_abort_at("dirsync", true);
}

/// The backup copy (made before the first write of a file): a failure to make it, or a kill
/// while it is written, leaves the config untouched, and the next run makes the backup (of the
/// original bytes) and then writes.
#[test]
fn config_write_fault_at_backup() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    let original = cursor_json(OLD);
    write(&cfg, &original);
    env.manage("cursor", "user", &cfg);
    let backups = env.path("state/figma-auth/backups");
    let backup_of = |dir: &Path| -> Vec<PathBuf> {
        fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().ends_with("mcp.json.orig"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let faults: Vec<String> = ERRORS
        .iter()
        .map(|(a, _)| format!("backup:{a}@mcp.json"))
        .chain(
            ["write", "fsync", "rename"]
                .iter()
                .flat_map(|s| [format!("{s}:fail@*.orig"), format!("{s}:abort@*.orig")]),
        )
        .collect();
    for fault in &faults {
        let r = env.cmd(&REFRESH_CURSOR).cwd(&project).fault(fault).run();
        if fault.contains("abort") {
            assert_eq!(r.signal, Some(SIGABRT), "{fault}: {r:?}");
        } else {
            assert_eq!(r.code, 1, "{fault}: {r:?}");
            let line = r.stdout.lines().find(|l| l.starts_with("error")).unwrap();
            if fault.starts_with("backup") {
                assert!(
                    line.contains(&format!("cannot back up {}", cfg.display())),
                    "{fault}: {line}"
                );
            } else {
                assert!(line.contains(".orig"), "{fault}: {line}");
            }
        }
        assert_eq!(fs::read_to_string(&cfg).unwrap(), original, "{fault}");
        assert_eq!(backup_of(&backups), Vec::<PathBuf>::new(), "{fault}");

        // The next run cleans up, keeps the original as the backup, then writes.
        let out = env.run_in(&project, &REFRESH_CURSOR);
        assert_eq!(out.code, 0, "{fault}: {out:?}");
        assert!(out.stdout.contains("original saved as"), "{fault}: {out:?}");
        let b = backup_of(&backups);
        assert_eq!(b.len(), 1, "{fault}");
        assert_eq!(fs::read_to_string(&b[0]).unwrap(), original, "{fault}");
        assert_eq!(file_mode(&b[0]), 0o600);
        assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(&token(&env)));
        assert_eq!(all_temps(&env.path("")), Vec::<PathBuf>::new(), "{fault}");
        // Start over: the original again, no backup.
        fs::remove_file(&b[0]).unwrap();
        write(&cfg, &original);
    }
}

/// A logged-in environment and its store's bytes.
fn store_env() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    (env, home)
}

/// After a refresh whose result could not be saved: exit 3 with a clear message, the store
/// byte-identical, and the refresh token that was used is spent (the mock rotates and revokes
/// reused tokens, as OAuth 2.1 asks): the next refresh reports "log in again" without deleting
/// anything, and a login repairs it.
fn not_saved(env: &TestEnv, home: &Path, r: &Out, before: &[u8], fault: &str, cause: Option<&str>) {
    let store = env.store_path("default");
    let out = &r;
    if let Some(cause) = cause {
        assert_eq!(out.code, 3, "{fault}: {r:?}");
        assert!(
            out.stderr.contains(
                "error: the token was refreshed but could not be saved, so it was not used"
            ),
            "{fault}: {r:?}"
        );
        assert!(
            out.stderr.contains(&format!(
                "caused by: cannot write the credential store {}",
                store.display()
            )),
            "{fault}: {r:?}"
        );
        assert!(out.stderr.contains(&store.display().to_string()), "{fault}");
        assert!(out.stderr.contains(cause), "{fault}: {r:?}");
        assert!(out.stderr.contains("figma-auth login"), "{fault}: {r:?}");
        assert_eq!(temps_of(&store), Vec::<PathBuf>::new(), "{fault}");
    } else {
        assert_eq!(r.signal, Some(SIGABRT), "{fault}: {r:?}");
    }
    assert_eq!(
        fs::read(&store).unwrap(),
        before,
        "{fault}: the store changed"
    );
    // The refresh request was made: its new refresh token is lost.
    let refreshes = env.server.hits("token:refresh_token");
    let out = env.run_in(home, &["refresh", "--force"]);
    assert_eq!(out.code, 3, "{fault}: {out:?}");
    assert!(out.stderr.contains("invalid_grant"), "{fault}: {out:?}");
    assert!(
        out.stderr.contains("run `figma-auth setup`"),
        "{fault}: {out:?}"
    );
    assert_eq!(env.server.hits("token:refresh_token"), refreshes + 1);
    // Nothing deleted or changed: the store only says that a login is required now.
    assert_eq!(
        without_login_mark(&fs::read(&store).unwrap()),
        without_login_mark(before),
        "{fault}: deleted or changed"
    );
    assert!(env.store("default").unwrap()["login_required"].is_object());
    assert_eq!(
        temps_of(&store),
        Vec::<PathBuf>::new(),
        "{fault}: temp left"
    );
    env.login();
    let out = env.run_in(home, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{fault}: {out:?}");
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

fn store_fault_at(step: &str) {
    let (env, home) = store_env();
    for (action, text) in ERRORS
        .iter()
        .map(|(a, t)| (*a, Some(*t)))
        .chain([("abort", None)])
    {
        let store = env.store_path("default");
        let before = fs::read(&store).unwrap();
        let fault = format!("{step}:{action}@default.json");
        let refreshes = env.server.hits("token:refresh_token");
        let r = env
            .cmd(&["refresh", "--force"])
            .cwd(&home)
            .fault(&fault)
            .run();
        assert_eq!(env.server.hits("token:refresh_token"), refreshes + 1);
        if action == "abort" {
            // The kill leaves a private temp file; for fsync and rename it holds the new tokens.
            let temps = temps_of(&store);
            assert_eq!(temps.len(), 1, "{fault}: {temps:?}");
            assert_eq!(file_mode(&temps[0]), 0o600);
        }
        not_saved(&env, &home, &r, &before, &fault, text);
    }
}

#[test]
fn store_update_fault_at_write() {
    store_fault_at("write");
}

#[test]
fn store_update_fault_at_fsync() {
    store_fault_at("fsync");
}

#[test]
fn store_update_fault_at_rename() {
    store_fault_at("rename");
}

/// Killed after the rename: the store holds the new tokens, and the next refresh works.
#[test]
fn store_update_fault_at_dirsync() {
    let (env, home) = store_env();
    let r = env
        .cmd(&["refresh", "--force"])
        .cwd(&home)
        .fault("dirsync:abort@default.json")
        .run();
    assert_eq!(r.signal, Some(SIGABRT), "{r:?}");
    let rt = env.stored_refresh_token();
    assert!(env.server.refresh_token_is_current(&rt));
    assert!(env.server.access_token_works(&env.stored_access_token()));
    let out = env.run_in(&home, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_ne!(env.stored_refresh_token(), rt);
    assert_eq!(temps_of(&env.store_path("default")), Vec::<PathBuf>::new());
}

/// With a server that does not rotate refresh tokens, a lost save costs nothing: the next run
/// refreshes with the same refresh token.
#[test]
fn store_update_fault_without_rotation_recovers_on_the_next_run() {
    let (env, home) = store_env();
    env.server.set(|b| b.rotate_refresh_tokens = false);
    let r = env
        .cmd(&["refresh", "--force"])
        .cwd(&home)
        .fault("rename:abort@default.json")
        .run();
    assert_eq!(r.signal, Some(SIGABRT), "{r:?}");
    assert_eq!(temps_of(&env.store_path("default")).len(), 1);
    let out = env.run_in(&home, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(temps_of(&env.store_path("default")), Vec::<PathBuf>::new());
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

/// A real full file system under the config (root only: a 64 KiB tmpfs).
#[test]
fn config_write_on_a_full_file_system() {
    if !is_root() {
        eprintln!("config_write_on_a_full_file_system: needs root for a tmpfs mount; the ENOSPC hook tests cover the rest");
        return;
    }
    let (env, project) = TestEnv::logged_in();
    let dir = env.path("home/.cursor");
    let _mount = Mount::tmpfs(&dir, "64k").expect("mount a tmpfs as root");
    let cfg = dir.join("mcp.json");
    // Large enough that its copy cannot fit once the file system is full.
    let padding = format!("\"{}\"", "p".repeat(12_000));
    let old = cursor_json(OLD).replace(
        "\"url\": \"https://example.com/mcp\"",
        &format!("\"url\": \"https://example.com/mcp\", \"note\": {padding}"),
    );
    write(&cfg, &old);
    env.manage("cursor", "user", &cfg);
    // The backup lives elsewhere; make it now, so that only the config write hits the full disk.
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    let written = env.bearer();
    let before = fs::read(&cfg).unwrap();
    assert!(String::from_utf8_lossy(&before).contains(&written));
    let filler = fill_up(&dir);

    let out = env.run_in(&project, &REFRESH_CURSOR);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains(&format!(
            "cannot write the new content of {}: No space left on device",
            cfg.display()
        )),
        "{out:?}"
    );
    assert_eq!(fs::read(&cfg).unwrap(), before);
    assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new());

    fs::remove_file(filler).unwrap();
    let out = env.run_in(&project, &REFRESH_CURSOR);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        String::from_utf8(before)
            .unwrap()
            .replace(&written, &env.bearer())
    );
    assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new());
}

/// Refuses to redeem the refresh token when the store cannot be written: exit 1, no refresh
/// request, the store and its refresh token intact, the path named.
fn refused_before_refreshing(
    env: &TestEnv,
    r: &Out,
    before: &[u8],
    cause: &str,
    hint: &str,
    refreshes: usize,
) {
    let store = env.store_path("default");
    let out = &r;
    assert_eq!(out.code, 1, "{r:?}");
    assert!(out.stderr.contains(cause), "{r:?}");
    assert!(
        out.stderr
            .contains(&store.parent().unwrap().display().to_string()),
        "the path is named: {r:?}"
    );
    assert!(out.stderr.contains(&format!("hint: {hint}")), "{r:?}");
    assert_eq!(env.server.hits("token:refresh_token"), refreshes, "{r:?}");
    assert_eq!(fs::read(&store).unwrap(), before);
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
}

/// Copies the store directory's files onto a tiny tmpfs mounted in its place (root only).
fn store_on_tmpfs(env: &TestEnv) -> (PathBuf, Mount) {
    let dir = env.store_path("default").parent().unwrap().to_path_buf();
    let saved: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| (e.path(), fs::read(e.path()).unwrap()))
        .collect();
    let mount = Mount::tmpfs(&dir, "64k").expect("mount a tmpfs as root");
    fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    for (p, bytes) in &saved {
        fs::write(p, bytes).unwrap();
        fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }
    (dir, mount)
}

/// A real full file system under the credential store (root only): caught before the refresh
/// token is redeemed; once there is room again, the refresh works without a new login.
#[test]
fn store_update_on_a_full_file_system() {
    if !is_root() {
        eprintln!("store_update_on_a_full_file_system: needs root for a tmpfs mount; the ENOSPC hook tests cover the rest");
        return;
    }
    let (env, home) = store_env();
    let (dir, _mount) = store_on_tmpfs(&env);
    let before = fs::read(env.store_path("default")).unwrap();
    let filler = fill_up(&dir);
    let refreshes = env.server.hits("token:refresh_token");
    let r = env
        .cmd(&["refresh", "--force"])
        .cwd(&home)
        .signal_ok()
        .run();
    refused_before_refreshing(
        &env,
        &r,
        &before,
        "No space left on device",
        &format!("free some space on the disk holding {}", dir.display()),
        refreshes,
    );
    assert_eq!(temps_of(&env.store_path("default")), Vec::<PathBuf>::new());

    fs::remove_file(filler).unwrap();
    let out = env.run_in(&home, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

/// A read-only store directory: the refresh token is not redeemed, the store is intact, the
/// message names the directory; after the permissions are fixed the refresh works.
#[test]
fn store_update_in_a_read_only_directory() {
    let (env, home) = store_env();
    let before = fs::read(env.store_path("default")).unwrap();
    let refreshes = env.server.hits("token:refresh_token");
    let dir = env.store_path("default").parent().unwrap().to_path_buf();
    {
        let _ro = if is_root() {
            let (_, mount) = store_on_tmpfs(&env);
            mount.read_only().expect("remount read-only");
            RoStore::Mount(mount)
        } else {
            fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
            RoStore::Mode(dir.clone())
        };
        assert!(
            fs::write(dir.join("probe"), "x").is_err(),
            "could not make {} read-only",
            dir.display()
        );
        let r = env
            .cmd(&["refresh", "--force"])
            .cwd(&home)
            .signal_ok()
            .run();
        // Root meets the read-only mount already at the lock file; a user at the save check.
        let cause = if is_root() {
            "Read-only file system"
        } else {
            "Permission denied"
        };
        refused_before_refreshing(
            &env,
            &r,
            &before,
            cause,
            "check the permissions of the figma-auth configuration directory",
            refreshes,
        );
    }
    let out = env.run_in(&home, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.server.access_token_works(&env.stored_access_token()));
}

/// Undoes a read-only store directory on drop.
enum RoStore {
    Mount(#[allow(dead_code)] Mount),
    Mode(PathBuf),
}

impl Drop for RoStore {
    fn drop(&mut self) {
        if let RoStore::Mode(dir) = self {
            let _ = fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700));
        }
    }
}

/// Projects in a `~/.claude.json` of about 4.3 MB: over the size from which the unchanged bytes
/// are copied into the temp file while the file is validated (`apply::write::PREFETCH_MIN`, 4 MiB).
const LARGE: usize = 57_000;

const REFRESH_CLAUDE: [&str; 5] = ["refresh", "--write", "--force", "--target", "claude"];

/// The splices a run wrote from a copy made while it validated (debug builds count them with
/// `FIGMA_AUTH_COUNTERS=1`).
fn prefetched(out: &Out) -> u64 {
    counter(out, "prefetched-splices")
}

/// The next run without a fault writes the current token through the prefetched copy and leaves
/// no temp file.
fn large_next_run_recovers(env: &TestEnv, project: &Path, cfg: &Path) {
    let r = env
        .cmd(&REFRESH_CLAUDE)
        .cwd(project)
        .env("FIGMA_AUTH_COUNTERS", "1")
        .run();
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(prefetched(&r), 1, "{r:?}");
    assert!(fs::read_to_string(cfg).unwrap() == claude_json(LARGE, &token(env)));
    assert_eq!(temps_of(cfg), Vec::<PathBuf>::new(), "leftover temp file");
}

/// A heavy `~/.claude.json` is copied into the temp file while it is validated, and keeps every
/// guarantee of a write: a failure or a kill at each step (the backup of the first write
/// included) leaves the old or the new bytes; a killed run's temp file is 0600 and holds a copy
/// of the old bytes (made before the new ones are written) or exactly the new ones; the next run
/// removes it; another program's write between read and rename is re-planned.
#[test]
fn large_claude_json_fault_at_each_step() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    write(&cfg, claude_json(LARGE, OLD));
    assert!(fs::metadata(&cfg).unwrap().len() > 4 << 20);
    env.manage("claude", "user", &cfg);
    fs::set_permissions(&cfg, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    for step in ["backup", "write", "fsync", "rename", "dirsync"] {
        let before = fs::read(&cfg).unwrap();
        let fault = format!("{step}:abort@.claude.json");
        let r = env.cmd(&REFRESH_CLAUDE).cwd(&project).fault(&fault).run();
        assert_eq!(r.signal, Some(SIGABRT), "{fault}: {r:?}");
        // Killed while holding Claude's lock: the lock is left (taken over once 10 s old, as
        // case 7 shows); removed here so that the next run need not wait.
        let lock = env.path("home/.claude.json.lock");
        assert!(lock.is_dir(), "{fault}: the lock was not held");
        fs::remove_dir(&lock).unwrap();
        let new = claude_json(LARGE, &token(&env));
        let after = fs::read(&cfg).unwrap();
        let temps = temps_of(&cfg);
        if step == "dirsync" {
            assert!(after == new.as_bytes(), "{fault}: not the new content");
            assert_eq!(temps, Vec::<PathBuf>::new(), "{fault}");
        } else {
            assert!(after == before, "{fault}: not the old content");
            assert!(temps.len() <= 1, "{fault}: {temps:?}");
            for t in &temps {
                assert_eq!(file_mode(t), 0o600, "{fault}");
                let partial = fs::read(t).unwrap();
                match step {
                    "fsync" | "rename" => assert!(partial == new.as_bytes(), "{fault}"),
                    _ => assert!(
                        before.starts_with(&partial),
                        "{fault}: not a copy of the old bytes"
                    ),
                }
            }
            if step != "backup" {
                assert_eq!(temps.len(), 1, "{fault}: the kill leaves its temp file");
            }
        }
        large_next_run_recovers(&env, &project, &cfg);
    }

    // One error action a step (each step words its errors as for small files: above).
    for step in ["write", "fsync", "rename"] {
        for (action, text) in &ERRORS[1..2] {
            let before = fs::read(&cfg).unwrap();
            let fault = format!("{step}:{action}@.claude.json");
            let r = env.cmd(&REFRESH_CLAUDE).cwd(&project).fault(&fault).run();
            assert_eq!(r.code, 1, "{fault}: {r:?}");
            let line = r
                .stdout
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or_else(|| panic!("{fault}: no error line: {r:?}"));
            assert!(
                line.contains(&format!("{}: {text}", cfg.display())),
                "{fault}: {line}"
            );
            assert!(
                fs::read(&cfg).unwrap() == before,
                "{fault}: the file changed"
            );
            assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new(), "{fault}: temp left");
        }
        large_next_run_recovers(&env, &project, &cfg);
    }

    // Another program writes the file between our read and our rename: re-planned on its
    // bytes, which are kept; written through a new prefetched copy.
    let r = env
        .cmd(&REFRESH_CLAUDE)
        .cwd(&project)
        .env("FIGMA_AUTH_FAULT", "rename:touch@.claude.json#1")
        .env("FIGMA_AUTH_COUNTERS", "1")
        .run();
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(prefetched(&r), 1, "{r:?}");
    let mine = claude_json(LARGE, &token(&env));
    assert!(fs::read_to_string(&cfg).unwrap() == format!("{mine}\n"));
    assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new());

    // A file that already holds the token is not copied: nothing is written.
    let mtime = fs::metadata(&cfg).unwrap().modified().unwrap();
    let r = env
        .cmd(&["refresh", "--write", "--target", "claude"])
        .cwd(&project)
        .env("FIGMA_AUTH_COUNTERS", "1")
        .run();
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(prefetched(&r), 0, "{r:?}");
    assert_eq!(fs::metadata(&cfg).unwrap().modified().unwrap(), mtime);
    assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new());
}

/// A heavy `~/.claude.json` reached through a relative symlink, 0640 with `--keep-mode`, and
/// (as root) another user's: written through the copy made while it was validated, the link
/// stays a link, the mode and the owner are kept, the bytes outside the token are identical.
#[test]
fn large_claude_json_through_a_symlink_keeps_its_mode_and_owner() {
    use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
    let (env, project) = TestEnv::logged_in();
    let home = env.path("home");
    let real = home.join("dotfiles/claude.json");
    write(&real, claude_json(LARGE, OLD));
    symlink("dotfiles/claude.json", home.join(".claude.json")).unwrap();
    env.manage("claude", "user", &home.join(".claude.json"));
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let owned_by_other = [home.clone(), home.join("dotfiles"), real.clone()];
    if is_root() {
        for p in &owned_by_other {
            std::os::unix::fs::chown(p, Some(4321), Some(4322)).unwrap();
        }
    }
    let (uid, gid) = {
        let m = fs::metadata(&real).unwrap();
        (m.uid(), m.gid())
    };
    let r = env
        .cmd(&[&REFRESH_CLAUDE[..], &["--keep-mode"]].concat())
        .cwd(&project)
        .env("FIGMA_AUTH_COUNTERS", "1")
        .run();
    let m = fs::metadata(&real).unwrap();
    if is_root() {
        for p in &owned_by_other {
            std::os::unix::fs::chown(p, Some(0), Some(0)).unwrap();
        }
    }
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(prefetched(&r), 1, "{r:?}");
    assert!(fs::read_to_string(&real).unwrap() == claude_json(LARGE, &token(&env)));
    assert_eq!(
        fs::read_link(home.join(".claude.json")).unwrap(),
        Path::new("dotfiles/claude.json")
    );
    assert_eq!(m.permissions().mode() & 0o7777, 0o640);
    assert_eq!((m.uid(), m.gid()), (uid, gid));
    assert_eq!(temps_of(&real), Vec::<PathBuf>::new());
}

/// A heavy `~/.claude.json` that does not parse — in the half of `projects` validated on the
/// second thread, in the first half, or after it — is never written, although its bytes were
/// being copied into a temp file meanwhile: exit 1 naming the file and the line, the file
/// byte-identical and untouched, no temp file left.
#[test]
fn an_invalid_large_claude_json_is_never_written() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    env.manage("claude", "user", &cfg);
    let good = claude_json(LARGE, OLD);
    let member = |i: usize| good.find(&format!("\"/home/user/p{i}\"")).unwrap();
    for (what, at, from, to) in [
        ("second half", member(LARGE * 3 / 4), "0.10", "0.10x"),
        ("first half", member(LARGE / 4), "0.10", "01.10"),
        (
            "a raw tab in a key",
            member(LARGE / 2 + 7),
            "/home",
            "\t/home",
        ),
        (
            "after projects",
            good.find("\"mcpServers\"").unwrap(),
            "\"figma\"",
            "'figma'",
        ),
    ] {
        let k = at + good[at..].find(from).unwrap();
        let bad = format!("{}{to}{}", &good[..k], &good[k + from.len()..]);
        write(&cfg, &bad);
        fs::set_permissions(&cfg, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let mtime = fs::metadata(&cfg).unwrap().modified().unwrap();
        let r = env
            .cmd(&REFRESH_CLAUDE)
            .cwd(&project)
            .env("FIGMA_AUTH_COUNTERS", "1")
            .run();
        assert_eq!(r.code, 1, "{what}: {r:?}");
        let line = bad[..k].matches('\n').count() + 1;
        let error = r
            .stdout
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or_else(|| panic!("{what}: no error line: {r:?}"));
        assert!(
            error.contains("~/.claude.json") && error.contains(&format!("line {line}, column")),
            "{what}: {error}"
        );
        assert_eq!(prefetched(&r), 0, "{what}");
        assert!(fs::read(&cfg).unwrap() == bad.as_bytes(), "{what}: changed");
        assert_eq!(fs::metadata(&cfg).unwrap().modified().unwrap(), mtime);
        assert_eq!(temps_of(&cfg), Vec::<PathBuf>::new(), "{what}: temp left");
    }
}
