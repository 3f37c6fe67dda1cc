//! Every case of the security and reliability promises (cases 1–29)
//! as a test named after it, through the real binary against the mock authorization server.
//! `docs/security-cases.md` maps each case to its tests (here, in `faults.rs`, and elsewhere),
//! and records which protections were removed on purpose to see these tests fail.
//!
//! Cases 14–19 (bad input) are in `bad_input.rs`, driven by fixtures.

use crate::support::*;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------------------------
// File writes (1–8)
// ---------------------------------------------------------------------------------------------

/// Case 2: A directory figma-auth cannot write is an error naming the file; the file is not touched,
/// even though it could be written in place.
#[test]
fn case_02_unwritable_directory_is_an_error_never_an_in_place_write() {
    let (env, project) = TestEnv::logged_in();
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
        let out = env.run_in(&project, args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        let line = out.error_line();
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
    let (env, project) = TestEnv::logged_in();
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
    let out = env
        .cmd(&["refresh", "--write", "--target", "cursor", "--keep-mode"])
        .cwd(&project)
        .umask0()
        .run();
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
    let out = env
        .cmd(&["setup", "--write", "--target", "opencode"])
        .cwd(&project)
        .umask0()
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&created)
        .unwrap()
        .contains(&env.bearer()));
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
    let (env, _) = TestEnv::logged_in();
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

    let out = env.run_in(&cwd, &["refresh", "--write", "--target", "cursor"]);
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
            let out = env.run_in(&cwd, args);
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
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    let out = env.run_in(&project, &["setup", "--write", "--target", "cursor"]);
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

    let out = env.run_in(&project, &["setup", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("Nothing to change: every config already holds the current token."),
        "{out:?}"
    );
    let out = env.run_in(&project, &["refresh", "--write"]);
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
    let (env, project) = TestEnv::logged_in();
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
    let out = env.run_in(
        &project,
        &[
            "setup",
            "--write",
            "--target",
            "claude,cursor,opencode,codex",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let want = env.bearer();
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
    let (mut env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    let lock = env.path("home/.claude.json.lock");
    let old = claude_json(3, OLD);
    write(&cfg, &old);
    env.manage("claude", "user", &cfg);
    let refresh = ["refresh", "--write", "--target", "claude"];
    let forced = ["refresh", "--write", "--force", "--target", "claude"];

    // Killed just before the rename: the lock directory is still there, so it was held during
    // the write; the file is untouched.
    let r = env
        .cmd(&refresh)
        .cwd(&project)
        .fault("rename:abort@.claude.json")
        .run();
    assert_eq!(r.signal, Some(SIGABRT), "{r:?}");
    assert!(lock.is_dir(), "the lock was not held during the write");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), old);

    // A fresh lock (another program holds it): busy, exit 5, nothing written. (Fresh now,
    // however long the killed run took on a loaded machine: older than 10 s, it would be taken
    // over.)
    age(&lock, Duration::ZERO);
    env.set_var("FIGMA_AUTH_CLIENT_LOCK_TIMEOUT", Some("1s"));
    let out = env.run_in(&project, &refresh);
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
    let out = env.run_in(&project, &refresh);
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
    let out = env
        .cmd(&forced)
        .cwd(&project)
        .fault("rename:touch@.claude.json#1")
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    let mine = claude_json(3, &env.stored_access_token());
    assert_eq!(fs::read_to_string(&cfg).unwrap(), format!("{mine}\n"));
    assert_ne!(theirs, format!("{mine}\n"));

    // It keeps writing: after the bounded attempts, busy; every one of its writes survives.
    let before = fs::read_to_string(&cfg).unwrap();
    let out = env
        .cmd(&forced)
        .cwd(&project)
        .fault("rename:touch@.claude.json")
        .run();
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
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    let original = cursor_json(OLD).replace("\n", "\r\n");
    write(&cfg, &original);
    env.manage("cursor", "user", &cfg);
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
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
    let out = env.run_in(
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
    let out = env.run_in(&project, &["setup", "--write", "--target", "opencode"]);
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
    env.edit_store(|v| {
        v["token"]["access_token"] = at.clone().into();
        v["token"]["refresh_token"] = new_rt.clone().into();
        v["token"]["expires_at"] = "2100-01-01T00:00:00Z".into();
    });
    drop(held);

    let o = child.wait_with_output().unwrap();
    let out = Out::from(o);
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
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    let r = env
        .cmd(&["refresh", "--write", "--force", "--target", "cursor"])
        .cwd(&project)
        .fault("rename:fail@default.json")
        .run();
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("the token was refreshed but could not be saved, so it was not used"),
        "{r:?}"
    );
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(OLD));
    assert!(!r.stdout.contains("updated"), "{r:?}");
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
    let r = env
        .cmd(&["token"])
        .cwd(&project)
        .fault("rename:fail@default.json")
        .run();
    assert_eq!(r.code, 3, "{r:?}");
    assert_eq!(r.stdout, "", "{r:?}");

    // On success the config holds exactly the saved token.
    env.login();
    let out = env.run_in(
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
    // Each run ends on its own (no prompt, no wait for a browser): one still going after a
    // minute is killed and fails the test.
    let cron = |args: &[&str]| -> Out {
        let mut all = args.to_vec();
        all.extend(["--auth-server", &server]);
        let home = home.display().to_string();
        env.cmd(&all)
            .env_only(&[
                ("HOME", &home),
                ("PATH", "/usr/bin:/bin"),
                ("SHELL", "/bin/sh"),
                ("LOGNAME", "nobody"),
            ])
            .limit(Duration::from_secs(60))
            .run()
    };
    let out = cron(&["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&store).unwrap()).unwrap();
    let at = v["token"]["access_token"].as_str().unwrap().to_string();
    assert!(env.server.access_token_works(&at));
    assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(&at));

    // The grant is gone: "log in again" is exit 3, with no prompt and no browser.
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = cron(&["refresh", "--write", "--force"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("run `figma-auth setup`"), "{out:?}");
    let out = cron(&["token"]);
    assert_eq!(out.code, 0, "an unexpired token is still served: {out:?}");
    let out = cron(&["--profile", "other", "token"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(!env.path("browser/url").exists(), "a browser was started");
    assert_eq!(
        env.server.hits("authorize"),
        1,
        "only the interactive login"
    );
}

// ---------------------------------------------------------------------------------------------
// OAuth attacks (20–27); most are in security.rs and login.rs (see docs/security-cases.md)
// ---------------------------------------------------------------------------------------------

/// Case 20: A forged `?error=` callback without `state` cannot end the login: it gets a 400 page,
/// the listener keeps waiting until its own timeout, and no token request is made.
#[test]
fn case_20_a_forged_error_without_state_does_not_end_the_login() {
    let env = TestEnv::new();
    // The forged callbacks must all arrive before the timeout, also on a loaded machine.
    let run = env.spawn_closed_stdin(&["login", "--port", "0", "--timeout", "20s"]);
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
    let (env, project) = TestEnv::logged_in();
    const CANARY: &str = "figu_CANARY_ACCESS_0123456789";
    env.edit_store(|v| {
        v["token"]["access_token"] = CANARY.into();
        v["token"]["expires_at"] = "2100-01-01T00:00:00Z".into();
    });
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
        let out = env.run_in(&project, args);
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

/// Case 29: A project config that git tracks (`.mcp.json`, `.cursor/mcp.json`, `opencode.json`) is
/// not given a token — neither by `setup` nor by a later `refresh --write` — unless the user
/// passes `--allow-tracked`; the refusal suggests the client's indirection mode.
#[test]
fn case_29_tracked_project_configs_are_refused_without_opt_in() {
    let (env, _) = TestEnv::logged_in();
    let repo = env.path("home/repo");
    fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q"]);
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
        env.git(&repo, &["add", rel]);
        env.manage(target, "project", &repo.join(rel));
    }
    for (target, rel, content, mode) in &files {
        for args in [
            vec!["setup", "--target", target, "--scope", "project", "--write"],
            vec!["refresh", "--target", target, "--write"],
        ] {
            let out = env.run_in(&repo, &args);
            assert_eq!(out.code, 1, "{args:?}: {out:?}");
            let line = out.error_line();
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
        let out = env.run_in(
            &repo,
            &["refresh", "--target", target, "--write", "--allow-tracked"],
        );
        assert_eq!(out.code, 0, "{out:?}");
        let written = fs::read_to_string(repo.join(rel)).unwrap();
        assert!(written.contains(&env.bearer()));
        // Once the file holds the token, a refresh without the opt-in finds it current instead
        // of refusing it again (the scheduled refresh stays quiet), and writes nothing.
        let out = env.run_in(&repo, &["refresh", "--target", target, "--write"]);
        assert_eq!(out.code, 0, "{out:?}");
        out.stdout_lacks("refused").line_with(&["current", rel]);
        assert_eq!(fs::read_to_string(repo.join(rel)).unwrap(), written);
    }
}
