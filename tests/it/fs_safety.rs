//! File-system hardening (the security cases 35–37 and 41–46 of round 2), through the real
//! binary: git that cannot answer, directory modes under umask 000, ownership and permissions of
//! files that receive a token, root over another user's HOME, FIFOs and other special files,
//! the cost of duplicate-key checks, masking of neighbouring secrets in previews, hard links,
//! read-only configs and unusable server names.
//!
//! Cases that need another user run as root (CI does) with uid 65534 (`nobody`), through
//! `chown` and `setpriv`; run as a normal user they print why they skip and return.

use crate::support::*;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The second user of the tests that need one.
const NOBODY: u32 = 65534;

/// Why a test that needs a second user cannot run here (`None`: it can).
fn lacks_second_user() -> Option<&'static str> {
    if !is_root() {
        return Some("needs root to chown files to uid 65534 (CI runs as root)");
    }
    let ok = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!ok).then_some("setpriv cannot switch to uid 65534 on this machine")
}

macro_rules! needs_second_user {
    () => {
        if let Some(why) = lacks_second_user() {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
}

fn lchown(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Case 35: git that cannot answer fails closed
// ---------------------------------------------------------------------------------------------

/// Case 35: A project file inside a git work tree gets no token when git cannot say whether it
/// tracks it — git missing from PATH, a stub that only asks to install developer tools (macOS),
/// a repository git refuses for "dubious ownership" — and the refusal names the reason;
/// `--allow-tracked` overrides. A file git says is untracked, and a `.git` that is no
/// repository, are written as before.
#[test]
fn case_35_git_that_cannot_answer_is_treated_as_tracking_the_file() {
    let (env, _) = TestEnv::logged_in();
    let repo = env.path("home/repo");
    fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q"]);
    let cfg = repo.join(".cursor/mcp.json");
    let before = cursor_json(OLD);
    write(&cfg, &before);
    env.manage("cursor", "project", &cfg);
    let refresh = ["refresh", "--write", "--target", "cursor"];

    // git answers "untracked": written.
    let out = env
        .cmd(&refresh)
        .cwd(&repo)
        .envs(&[("GIT_CONFIG_NOSYSTEM", "1")])
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&cfg).unwrap().contains(&env.bearer()));
    write(&cfg, &before);

    let refused = |out: &Out, reason: &str| {
        assert_eq!(out.code, 1, "{out:?}");
        let line = out.error_line();
        assert!(line.starts_with("refused"), "{line}");
        assert!(line.contains("repo/.cursor/mcp.json"), "{line}");
        assert!(
            line.contains(&format!(
                "the file is in the git work tree {}, and git cannot tell whether it tracks it",
                repo.display()
            )),
            "{line}"
        );
        assert!(line.contains(reason), "{reason:?} not in {line}");
        assert!(line.contains("treats it as tracked"), "{line}");
        assert!(line.contains("figma-auth setup --mode env"), "{line}");
        assert!(line.contains("--allow-tracked"), "{line}");
        assert_eq!(fs::read_to_string(&cfg).unwrap(), before);
    };

    // git is not on PATH.
    let empty = env.path("emptybin");
    fs::create_dir_all(&empty).unwrap();
    let no_git = [("PATH", empty.to_str().unwrap())];
    for args in [
        &refresh[..],
        &[
            "setup", "--target", "cursor", "--scope", "project", "--write",
        ][..],
    ] {
        let out = env.cmd(args).cwd(&repo).envs(&no_git).run();
        refused(&out, "(git is not installed or not on PATH)");
    }

    // The macOS stub: /usr/bin/git exists, but only tells to install the developer tools.
    let stub = env.path("stubbin");
    write_exec(&stub.join("git"), "#!/bin/sh\necho 'xcrun: error: invalid active developer path (/Library/Developer/CommandLineTools), missing xcrun at: /Library/Developer/CommandLineTools/usr/bin/xcrun' >&2\nexit 1\n");
    let path = format!("{}:/usr/bin:/bin", stub.display());
    let out = env.cmd(&refresh).cwd(&repo).envs(&[("PATH", &path)]).run();
    refused(
        &out,
        "(git: xcrun: error: invalid active developer path (/Library/Developer/CommandLineTools)",
    );

    // The explicit opt-in writes anyway.
    let out = env
        .cmd(&[
            "refresh",
            "--write",
            "--target",
            "cursor",
            "--allow-tracked",
        ])
        .cwd(&repo)
        .envs(&no_git)
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&cfg).unwrap().contains(&env.bearer()));
    write(&cfg, &before);

    // A `.git` directory that is no repository (no HEAD) is no work tree: written.
    let plain = env.path("home/plain");
    fs::create_dir_all(plain.join(".git")).unwrap();
    let plain_cfg = plain.join(".cursor/mcp.json");
    write(&plain_cfg, &before);
    env.manage("cursor", "project", &plain_cfg);
    // (The repository's file, managed too, is still refused.)
    let out = env.cmd(&refresh).cwd(&plain).envs(&no_git).run();
    assert!(
        out.stdout
            .contains("\nupdated      ~/plain/.cursor/mcp.json (Cursor, project scope)"),
        "{out:?}"
    );
    assert!(fs::read_to_string(&plain_cfg)
        .unwrap()
        .contains(&env.bearer()));

    // "Dubious ownership": the repository belongs to another user, so git refuses to read it.
    if let Some(why) = lacks_second_user() {
        eprintln!("dubious-ownership part skipped: {why}");
        return;
    }
    let chown_r = |uid: u32| {
        let st = Command::new("chown")
            .args([
                "-R",
                &format!("{uid}:{uid}"),
                repo.join(".git").to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(st.success());
    };
    chown_r(NOBODY);
    let out = env
        .cmd(&refresh)
        .cwd(&repo)
        .envs(&[("GIT_CONFIG_NOSYSTEM", "1")])
        .run();
    refused(
        &out,
        "git: fatal: detected dubious ownership in repository at",
    );
    assert!(
        out.error_line()
            .contains("git config --global --add safe.directory"),
        "{out:?}"
    );
    chown_r(0);
}

// ---------------------------------------------------------------------------------------------
// Case 36: explicit directory modes
// ---------------------------------------------------------------------------------------------

const FAKE_SYSTEMCTL: &str = "#!/bin/sh\ncase \"$*\" in\n  *is-enabled*) echo disabled; exit 1 ;;\n  *is-active*) echo inactive; exit 3 ;;\nesac\nexit 0\n";

/// Case 36: Under umask 000 every directory figma-auth creates has its own explicit mode: client
/// config directories (user and project scope), the backup directory, Claude Code's lock
/// directory, and the systemd user unit directory are 0700, never 0777.
#[test]
fn case_36_directories_are_created_with_explicit_modes_under_umask_000() {
    let (env, project) = TestEnv::logged_in();
    let run0 = |args: &[&str]| {
        let r = env.cmd(args).cwd(&project).umask0().signal_ok().run();
        assert_eq!(r.signal, None, "{r:?}");
        assert_eq!(r.code, 0, "{args:?}: {:?}", r);
        r
    };

    // Client config directories that setup creates.
    run0(&["setup", "--write", "--target", "cursor"]);
    assert_eq!(mode(&env.path("home/.cursor")), 0o700);
    assert_eq!(mode(&env.path("home/.cursor/mcp.json")), 0o600);
    run0(&["setup", "--write", "--target", "opencode"]);
    assert_eq!(mode(&env.path("config/opencode")), 0o700);
    run0(&[
        "setup", "--write", "--target", "vscode", "--scope", "project",
    ]);
    assert_eq!(mode(&project.join(".vscode")), 0o700);

    // The backup directory, made by the first write of an existing file.
    fs::remove_dir_all(env.path("state")).unwrap();
    fs::create_dir_all(env.path("state")).unwrap();
    write(&env.path("home/.codex/config.toml"), format!(
        "[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\n\n[mcp_servers.figma.http_headers]\nAuthorization = \"Bearer {OLD}\"\n"
    ));
    env.manage("codex", "user", &env.path("home/.codex/config.toml"));
    run0(&["refresh", "--write", "--target", "codex"]);
    assert_eq!(mode(&env.path("state/figma-auth")), 0o700);
    assert_eq!(mode(&env.path("state/figma-auth/backups")), 0o700);

    // Claude Code's lock directory (left behind by a run killed while holding it).
    write(&env.path("home/.claude.json"), claude_json(1, OLD));
    env.manage("claude", "user", &env.path("home/.claude.json"));
    let r = env
        .cmd(&["refresh", "--write", "--target", "claude"])
        .cwd(&project)
        .umask0()
        .fault("rename:abort@.claude.json")
        .run();
    assert_eq!(r.signal, Some(SIGABRT), "{r:?}");
    assert_eq!(mode(&env.path("home/.claude.json.lock")), 0o700);
    fs::remove_dir(env.path("home/.claude.json.lock")).unwrap();

    // The systemd user unit directory (and ~/.config/systemd above it).
    let bin = env.path("fakebin");
    write_exec(&bin.join("systemctl"), FAKE_SYSTEMCTL);
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let r = env
        .cmd(&["schedule", "install", "--write", "--backend", "systemd"])
        .cwd(&project)
        .umask0()
        .env("PATH", path)
        .signal_ok()
        .run();
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(mode(&env.path("config/systemd")), 0o700);
    assert_eq!(mode(&env.path("config/systemd/user")), 0o700);
    for e in fs::read_dir(env.path("config/systemd/user")).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o644, "{}", p.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Case 37: tokens only into the user's own, private files
// ---------------------------------------------------------------------------------------------

/// Case 37 (mode): a file other users can read is made private (0600) when it receives a token,
/// and the preview, the write and `doctor` say so; `--keep-mode` keeps it, with a warning, and a
/// `setup --keep-mode` is remembered by later unattended refreshes.
#[test]
fn case_37_a_readable_file_is_made_private_when_it_receives_a_token() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    chmod(&cfg, 0o644);

    // doctor reports it.
    let out = env.run_in(&project, &["doctor"]);
    assert!(
        out.stdout.contains(
            "~/.cursor/mcp.json (Cursor, user scope): holds your token and other users can read it (mode 0644); fix: run `chmod 600 ~/.cursor/mcp.json`"
        ),
        "{out:?}"
    );

    // The preview says what will happen.
    let out = env.run_in(&project, &["refresh", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "would update ~/.cursor/mcp.json (Cursor, user scope)\n             mode 0644 → 0600: other users could read the token in it (--keep-mode keeps 0644)\n"
        ),
        "{out:?}"
    );
    assert_eq!(mode(&cfg), 0o644);
    let out = env.run_in(&project, &["refresh", "--target", "cursor", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["files"][0]["notes"][0],
        "mode 0644 → 0600: other users could read the token in it (--keep-mode keeps 0644)"
    );

    // The write tightens it and says so.
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("\n             mode 0644 → 0600: other users could read the token in it\n"),
        "{out:?}"
    );
    assert_eq!(mode(&cfg), 0o600);
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        cursor_json(&env.stored_access_token())
    );
    let out = env.run_in(&project, &["doctor"]);
    assert!(!out.stdout.contains("other users can read it"), "{out:?}");

    // --keep-mode: kept, with a warning; setup remembers it for the scheduled refreshes.
    let oc = env.path("config/opencode/opencode.json");
    write(
        &oc,
        format!("{{\n  \"mcp\": {{\n    \"figma\": {{\n      \"type\": \"remote\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}\n    }}\n  }}\n}}\n"),
    );
    chmod(&oc, 0o640);
    let out = env.run_in(
        &project,
        &["setup", "--write", "--target", "opencode", "--keep-mode"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "warning: mode 0640 lets other users read the token in it (kept: --keep-mode)"
        ),
        "{out:?}"
    );
    assert_eq!(mode(&oc), 0o640);
    let out = env.run_in(
        &env.path("home"),
        &[
            "refresh", "--write", "--force", "--target", "opencode", "--log",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&oc).unwrap().contains(&env.bearer()));
    assert_eq!(
        mode(&oc),
        0o640,
        "the recorded --keep-mode was not honoured"
    );
    let out = env.run_in(&project, &["doctor"]);
    assert!(
        out.stdout
            .contains("other users can read it (mode 0640, kept as `setup --keep-mode` asked)"),
        "{out:?}"
    );
    // Without the record, a refresh tightens it.
    let out = env.run_in(&project, &["setup", "--write", "--target", "opencode"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(
        &project,
        &["refresh", "--write", "--force", "--target", "opencode"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mode(&oc), 0o600);
}

/// Case 37 (owner): a file, or a directory, of another user is never given a token — the preview
/// and the write refuse it naming the owner, nothing is written, no copy of it is kept.
#[test]
fn case_37_files_and_directories_of_another_user_are_refused() {
    needs_second_user!();
    let (env, project) = TestEnv::logged_in();
    let dir = env.path("home/.cursor");
    let cfg = dir.join("mcp.json");
    let before = cursor_json(OLD);
    write(&cfg, &before);
    env.manage("cursor", "user", &cfg);
    chown(&cfg, NOBODY);
    let tree = snapshot_tree(env.path("home").as_path());
    for args in [
        &["refresh", "--target", "cursor"][..],
        &["refresh", "--write", "--target", "cursor"][..],
        &["setup", "--write", "--target", "cursor"][..],
    ] {
        let out = env.run_in(&project, args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        let line = out.error_line();
        assert!(
            line.contains(&format!(
                "{} belongs to nobody (uid 65534), not to you (root (uid 0)): figma-auth does not write into a file another user owns",
                cfg.display()
            )),
            "{line}"
        );
        assert_eq!(snapshot_tree(env.path("home").as_path()), tree, "{args:?}");
        assert!(!env.path("state/figma-auth/backups").exists());
    }
    // The directory of another user.
    chown(&cfg, 0);
    chown(&dir, NOBODY);
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.error_line().contains(&format!(
            "{} belongs to nobody (uid 65534), not to you (root (uid 0)): figma-auth does not write into a directory another user owns",
            dir.display()
        )),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), before);
    let out = env.run_in(&project, &["doctor"]);
    assert!(
        out.stdout.contains("figma-auth cannot update it:") && out.stdout.contains("sudo chown"),
        "{out:?}"
    );
    chown(&dir, 0);

    // The same as a normal user (uid 65534 working in its own HOME): a file root left there,
    // writable by everyone, is not replaced.
    let st = Command::new("chown")
        .args(["-R", "65534:65534", env.dir.path().to_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    chmod(env.dir.path(), 0o755);
    chown(&cfg, 0);
    chmod(&cfg, 0o666);
    let r = env
        .cmd(&["refresh", "--write", "--target", "cursor"])
        .cwd(&project)
        .run_as(NOBODY)
        .signal_ok()
        .run();
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.error_line().contains(&format!(
            "{} belongs to root (uid 0), not to you (nobody (uid 65534))",
            cfg.display()
        )),
        "{r:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), before);
    assert_eq!(fs::metadata(&cfg).unwrap().uid(), 0);

    // Removing our header is a write too (last: logout forgets the tokens).
    let r = env
        .cmd(&["logout", "--write", "--target", "cursor"])
        .cwd(&project)
        .run_as(NOBODY)
        .signal_ok()
        .run();
    assert!(r.error_line().contains("belongs to root (uid 0)"), "{r:?}");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), before);
}

/// Case 37 (recorded paths): the files `setup` recorded are checked again before every
/// scheduled write — a directory that became writable by other users (sticky or not, like
/// /tmp), or by a group that is not the user's, and a file replaced by another user's, are
/// refused; nothing is written.
#[test]
fn case_37_recorded_paths_are_revalidated_before_every_scheduled_write() {
    let (env, _) = TestEnv::logged_in();
    let shared = env.path("shared-checkout");
    fs::create_dir_all(&shared).unwrap();
    let cfg = shared.join(".cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    let out = env.run_in(
        &shared,
        &[
            "setup", "--write", "--target", "cursor", "--scope", "project",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let home = env.path("home");
    // The scheduled run: from HOME, through the record only.
    let scheduled = ["refresh", "--write", "--force", "--log"];
    let out = env.run_in(&home, &scheduled);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&cfg).unwrap().contains(&env.bearer()));

    for m in [0o1777, 0o777] {
        chmod(cfg.parent().unwrap(), m);
        let before = fs::read(&cfg).unwrap();
        let out = env.run_in(&home, &scheduled);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.error_line().contains(&format!(
                "{} is writable by other users (mode {m:04o}): a file in it could be replaced or read by them",
                cfg.parent().unwrap().display()
            )),
            "{out:?}"
        );
        assert_eq!(fs::read(&cfg).unwrap(), before);
    }
    chmod(cfg.parent().unwrap(), 0o700);
    let out = env.run_in(&home, &scheduled);
    assert_eq!(out.code, 0, "{out:?}");

    if let Some(why) = lacks_second_user() {
        eprintln!("group and replaced-file parts skipped: {why}");
        return;
    }
    // Writable by another group.
    std::os::unix::fs::chown(cfg.parent().unwrap(), None, Some(NOBODY)).unwrap();
    chmod(cfg.parent().unwrap(), 0o770);
    let out = env.run_in(&home, &scheduled);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.error_line()
            .contains("is writable by other users (mode 0770)"),
        "{out:?}"
    );
    std::os::unix::fs::chown(cfg.parent().unwrap(), None, Some(0)).unwrap();
    // Writable by the user's own group: fine.
    let out = env.run_in(&home, &scheduled);
    assert_eq!(out.code, 0, "{out:?}");
    chmod(cfg.parent().unwrap(), 0o700);

    // Another user replaced the file.
    let theirs = cursor_json("figu_SOMEONE_ELSES_TOKEN_99");
    fs::remove_file(&cfg).unwrap();
    write(&cfg, &theirs);
    chown(&cfg, NOBODY);
    let out = env.run_in(&home, &scheduled);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.error_line().contains("belongs to nobody (uid 65534)"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), theirs);
}

// ---------------------------------------------------------------------------------------------
// Case 45: root over another user's HOME
// ---------------------------------------------------------------------------------------------

/// Case 45: Run as root with HOME belonging to another user, figma-auth acts for that user: it
/// edits that user's own files (keeping them theirs, made private), gives the files and
/// directories it creates to them, and does not follow their symlinks into files they do not
/// own (root's, or a third user's).
#[test]
fn case_45_root_over_another_users_home_does_not_follow_their_links() {
    needs_second_user!();
    let (env, project) = TestEnv::logged_in();
    let home = env.path("home");
    chown(&home, NOBODY);
    chown(&project, NOBODY);
    let dir = home.join(".cursor");
    fs::create_dir_all(&dir).unwrap();
    chown(&dir, NOBODY);
    let cfg = dir.join("mcp.json");

    env.manage("cursor", "user", &cfg);
    // Their link to root's file, and to a third user's.
    let victims = env.path("victims");
    fs::create_dir_all(&victims).unwrap();
    for (name, owner) in [("root.json", 0), ("third.json", 4321)] {
        let victim = victims.join(name);
        write(&victim, cursor_json(OLD));
        chown(&victim, owner);
        let _ = fs::remove_file(&cfg);
        std::os::unix::fs::symlink(&victim, &cfg).unwrap();
        lchown(&cfg, NOBODY);
        let tree = snapshot_tree(&victims);
        for args in [
            &["refresh", "--target", "cursor"][..],
            &["refresh", "--write", "--target", "cursor"][..],
        ] {
            let out = env.run_in(&project, args);
            assert_eq!(out.code, 1, "{args:?}: {out:?}");
            let who = if owner == 0 {
                "root (uid 0)".to_string()
            } else {
                format!("uid {owner}")
            };
            assert!(
                out.error_line().contains(&format!(
                    "{} belongs to {who}, not to nobody (uid 65534), the owner of HOME whom figma-auth runs for as root",
                    victim.display()
                )),
                "{out:?}"
            );
            assert_eq!(snapshot_tree(&victims), tree);
        }
        assert!(
            !env.path("state/figma-auth/backups").exists(),
            "a copy of the victim was kept"
        );
    }

    // Their own file: edited, still theirs, made private.
    fs::remove_file(&cfg).unwrap();
    write(&cfg, cursor_json(OLD));
    chown(&cfg, NOBODY);
    chmod(&cfg, 0o644);
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        cursor_json(&env.stored_access_token())
    );
    let m = fs::metadata(&cfg).unwrap();
    assert_eq!((m.uid(), m.gid(), mode(&cfg)), (NOBODY, NOBODY, 0o600));

    // What setup creates for them is theirs.
    fs::remove_dir_all(&dir).unwrap();
    let out = env.run_in(&project, &["setup", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    for (p, want) in [(&dir, 0o700), (&cfg, 0o600)] {
        let m = fs::metadata(p).unwrap();
        assert_eq!(
            (m.uid(), m.gid(), mode(p)),
            (NOBODY, NOBODY, want),
            "{}",
            p.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Case 41: FIFOs and other special files
// ---------------------------------------------------------------------------------------------

/// Case 41: A FIFO, a character device (a link to /dev/zero), a socket or a directory at a
/// config path (or at the token file's path) is refused without blocking by every command that
/// reads it — `status`, `doctor`, `refresh` (which holds the store lock) and `setup` — and the
/// message says what the file is. A regression hangs: the run is killed and the test fails.
#[test]
fn case_41_special_files_at_config_paths_are_refused_without_blocking() {
    let (env, project) = TestEnv::logged_in();
    let fifo = env.path("home/.cursor/mcp.json");
    fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let zero = env.path("home/.codex/config.toml");
    fs::create_dir_all(zero.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let sock = env.path("config/opencode/opencode.json");
    fs::create_dir_all(sock.parent().unwrap()).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let dir = env.path("home/.gemini/settings.json");
    fs::create_dir_all(&dir).unwrap();
    for (target, p) in [
        ("cursor", &fifo),
        ("codex", &zero),
        ("opencode", &sock),
        ("gemini", &dir),
    ] {
        env.manage(target, "user", p);
    }
    let token_file = env.path("config/figma-auth/tokens/default.token");
    fs::create_dir_all(token_file.parent().unwrap()).unwrap();
    let st = Command::new("mkfifo").arg(&token_file).status().unwrap();
    assert!(st.success());

    let kinds = [
        (&fifo, "a FIFO (named pipe)"),
        (&env.path("home/.codex/config.toml"), "a character device"),
        (&sock, "a socket"),
        (&dir, "a directory"),
    ];
    for args in [
        &["status"][..],
        &["doctor"][..],
        &["refresh"][..],
        &["refresh", "--write", "--force"][..],
        &["setup", "--write", "--target", "cursor"][..],
    ] {
        let r = env.cmd(args).cwd(&project).signal_ok().run();
        assert_eq!(r.signal, None, "{args:?}: {r:?}");
        let all = format!("{}{}", r.stdout, r.stderr);
        for (p, kind) in &kinds {
            if args[0] == "setup" && !p.ends_with(".cursor/mcp.json") {
                continue;
            }
            let real = if p.ends_with("config.toml") {
                PathBuf::from("/dev/zero")
            } else {
                p.to_path_buf()
            };
            assert!(
                all.contains(&format!("{} is {kind}, not a regular file", real.display())),
                "{args:?}: {kind} not reported: {r:?}"
            );
        }
        if args[0] == "doctor" {
            assert!(
                all.contains(&format!(
                    "{} is a FIFO (named pipe), not a regular file",
                    token_file.display()
                )),
                "{r:?}"
            );
        }
    }
    // The store lock was released by every run: a token can be read right away.
    let out = env.run_in(&project, &["token"]);
    assert_eq!(out.code, 0, "{out:?}");
}

// ---------------------------------------------------------------------------------------------
// Case 42: nothing a config contains makes figma-auth quadratic
// ---------------------------------------------------------------------------------------------

/// The key comparisons a run made (debug builds count them with `FIGMA_AUTH_COUNTERS=1`).
fn key_comparisons(out: &Out) -> u64 {
    counter(out, "key-comparisons")
}

/// Case 42: The duplicate-key checks cost one comparison per member: an entry with 20,000
/// members beside 20,000 other entries and a headers object of 5,000 members is checked with
/// a number of key comparisons linear in the members (counted by the binary, not timed; the
/// quadratic check made 200 million for such an entry). A duplicate is still found, naming both
/// lines. Bounds: nesting deeper than the parsers allow and files over 1 GiB are errors, never a
/// crash or a huge allocation.
#[test]
fn case_42_duplicate_key_checks_are_linear_and_inputs_are_bounded() {
    let (env, project) = TestEnv::logged_in();
    const N: usize = 20_000;
    let members: String = (0..N).map(|i| format!("      \"k{i}\": {i},\n")).collect();
    let headers: String = (0..N / 4)
        .map(|i| format!("        \"H{i}\": \"v\",\n"))
        .collect();
    let others: String = (0..N)
        .map(|i| {
            format!(
                "    \"s{i}\": {{\"type\": \"remote\", \"url\": \"https://example.com/{i}\"}},\n"
            )
        })
        .collect();
    let text = format!(
        "{{\n  \"mcp\": {{\n{others}    \"figma\": {{\n{members}      \"type\": \"remote\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n{headers}        \"Authorization\": \"Bearer {OLD}\"\n      }}\n    }}\n  }}\n}}\n"
    );
    let total = (N + N + N / 4) as u64;
    let oc = env.path("config/opencode/opencode.json");
    write(&oc, &text);
    env.manage("opencode", "user", &oc);
    env.manage("cursor", "user", &env.path("home/.cursor/mcp.json"));
    let counters = [("FIGMA_AUTH_COUNTERS", "1")];
    let out = env.cmd(&["status"]).cwd(&project).envs(&counters).run();
    assert!(
        out.stdout.contains("/config/opencode/opencode.json"),
        "{out:?}"
    );
    assert!(out.stdout.contains("stale"), "{out:?}");
    let n = key_comparisons(&out);
    assert!(n <= 4 * total, "{n} key comparisons for {total} members");
    let out = env
        .cmd(&["refresh", "--write", "--target", "opencode"])
        .cwd(&project)
        .envs(&counters)
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(key_comparisons(&out) <= 8 * total, "{out:?}");
    assert!(fs::read_to_string(&oc).unwrap().contains(&env.bearer()));

    // A duplicate member of the entry, far apart: still found, both lines named.
    let dup = text.replace(
        "\"k19999\": 19999,\n",
        "\"k19999\": 19999,\n      \"k7\": 0,\n",
    );
    write(&oc, &dup);
    let out = env
        .cmd(&["refresh", "--write", "--force", "--target", "opencode"])
        .cwd(&project)
        .envs(&counters)
        .run();
    assert_eq!(out.code, 1, "{out:?}");
    let (first, second) = (N + 4 + 7, N + 4 + N);
    assert!(
        out.stdout.contains(&format!(
            "line {second}, column 7: duplicate key `mcp.figma.k7` (also on line {first})"
        )),
        "{out:?}"
    );
    assert!(key_comparisons(&out) <= 8 * total, "{out:?}");

    // The syntax tree reformats a one-line object at a cost that grows with the square of its
    // members: bounded, with the fix in the message (the preview and status still read it).
    let wide: String = (0..3000).map(|i| format!("\"k{i}\": {i}, ")).collect();
    write(
        &oc,
        format!("{{\"mcp\": {{\"figma\": {{{wide}\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}}\n"),
    );
    let out = env.run_in(&project, &["refresh", "--write", "--target", "opencode"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("line 1, column 19: `mcp.figma` is written on one line with 3003 members; figma-auth reformats a one-line object only up to 2000 members"),
        "{out:?}"
    );

    // Nesting 100,000 deep: an answer for every file, no stack overflow — the JSONC and TOML
    // parsers refuse it with a position, strict JSON is read without recursion.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    write(&oc, format!("{{\"mcp\": {{}}, \"x\": {deep}}}"));
    write(
        &env.path("home/.cursor/mcp.json"),
        format!("{{\"mcpServers\": {{\"figma\": {{\"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}, \"x\": {deep}}}"),
    );
    write(
        &env.path("home/.codex/config.toml"),
        format!("[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\nx = {deep}\n"),
    );
    let r = env.cmd(&["status"]).cwd(&project).signal_ok().run();
    assert_eq!(r.signal, None, "{r:?}");
    assert!(
        r.stdout
            .contains("opencode.json: line 1, column 528: maximum nesting depth exceeded"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("config.toml: line 3, column 85: cannot recurse further"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("~/.cursor/mcp.json") && l.contains("stale")),
        "{r:?}"
    );
    let r = env
        .cmd(&["refresh", "--write", "--target", "cursor"])
        .cwd(&project)
        .signal_ok()
        .run();
    assert_eq!((r.signal, r.code), (None, 0), "{r:?}");

    // Size: a (sparse) file over 1 GiB is not read.
    let big = env.path("home/.cursor/mcp.json");
    let f = fs::File::create(&big).unwrap();
    f.set_len((1 << 30) + 1).unwrap();
    drop(f);
    let out = env.run_in(&project, &["status"]);
    assert!(
        out.stdout.contains(
            "is too large (1073741825 bytes; figma-auth reads files up to 1073741824 bytes)"
        ),
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Case 43: previews mask neighbouring secrets
// ---------------------------------------------------------------------------------------------

const NEIGHBOURS: [&str; 7] = [
    "figd_NEIGHBOUR_PAT_0123456789",
    "ghp_NEIGHBOURGITHUBTOKEN01234567",
    "dXNlcjpOZWlnaGJvdXJQYXNzd29yZA==",
    "tenant-private-value-4242",
    "sk-proj-NEIGHBOURAPIKEY0123456789",
    "plain-header-value-7777",
    "AbCdEfGh0123456789IjKlMnOpQrStUvWx",
];

/// Case 43: Diff context masks every header and environment value and anything token-shaped,
/// not only `Bearer …` and the token being changed: a PAT in an `X-Figma-Token` header beside
/// ours, a `token ghp_…` or `Basic …` value, a header of another entry, an environment
/// variable of a stdio server, a key in a comment — in text previews, `--json` diffs, `setup`,
/// `refresh` and `logout`, for JSON, JSONC and TOML. `--show-secrets` shows them.
#[test]
fn case_43_previews_mask_neighbouring_secrets() {
    let (env, project) = TestEnv::logged_in();
    let [pat, ghp, basic, tenant, sk, plain, random] = NEIGHBOURS;
    write(
        &env.path("home/.cursor/mcp.json"),
        format!(
            "{{\n  \"mcpServers\": {{\n    \"github\": {{\n      \"url\": \"https://api.githubcopilot.com/mcp/\",\n      \"headers\": {{\n        \"Authorization\": \"token {ghp}\"\n      }}\n    }},\n    \"figma\": {{\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        \"X-Figma-Token\": \"{pat}\",\n        \"X-Tenant\": \"{tenant}\",\n        \"Authorization\": \"Bearer {OLD}\",\n        \"Proxy-Authorization\": \"Basic {basic}\",\n        \"Org\": \"{plain}\"\n      }}\n    }},\n    \"search\": {{\n      \"command\": \"npx\",\n      \"env\": {{\"OPENAI_API_KEY\": \"{sk}\"}}\n    }}\n  }}\n}}\n"
        ),
    );
    write(
        &env.path("config/opencode/opencode.jsonc"),
        format!(
            "{{\n  \"mcp\": {{\n    \"figma\": {{\n      \"type\": \"remote\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        // the old key was {random}\n        \"Authorization\": \"Bearer {OLD}\",\n        \"X-Org\": \"{plain}\"\n      }}\n    }}\n  }}\n}}\n"
        ),
    );
    write(
        &env.path("home/.codex/config.toml"),
        format!(
            "[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\n\n[mcp_servers.figma.http_headers]\nX-Figma-Token = \"{pat}\"\nAuthorization = \"Bearer {OLD}\"\nX-Tenant = \"{tenant}\"\n\n[mcp_servers.search.env]\nAPI_KEY = \"{sk}\"\n"
        ),
    );
    env.manage("cursor", "user", &env.path("home/.cursor/mcp.json"));
    env.manage(
        "opencode",
        "user",
        &env.path("config/opencode/opencode.jsonc"),
    );
    env.manage("codex", "user", &env.path("home/.codex/config.toml"));
    let leaks = |out: &Out, what: &[&str]| {
        for s in NEIGHBOURS.iter().chain([&OLD]) {
            assert!(
                !out.stdout.contains(s) && !out.stderr.contains(s),
                "{what:?} shows {s}: {out:?}"
            );
        }
    };
    for args in [
        &["refresh"][..],
        &["refresh", "--force", "--json"][..],
        &["setup", "--target", "cursor,opencode,codex", "--dry-run"][..],
        &["setup", "--target", "cursor,opencode,codex", "--json"][..],
    ] {
        let out = env.run_in(&project, args);
        assert!(out.code == 0, "{args:?}: {out:?}");
        assert!(
            out.stdout.contains("Bearer figu_…"),
            "{args:?}: no diff: {out:?}"
        );
        leaks(&out, args);
        if !args.contains(&"--json") {
            assert!(
                out.stdout.contains(" \"X-Figma-Token\": \"figd_…6789\","),
                "{out:?}"
            );
            assert!(
                out.stdout.contains(" X-Figma-Token = \"figd_…6789\""),
                "{out:?}"
            );
            assert!(
                out.stdout
                    .contains(" \"Proxy-Authorization\": \"Basic …ZA==\""),
                "{out:?}"
            );
            assert!(out.stdout.contains(" \"Org\": \"…7777\""), "{out:?}");
            assert!(out.stdout.contains(" // the old key was …UvWx"), "{out:?}");
        }
    }
    // Another entry's header and a stdio server's environment, in the context of a change
    // right beside them.
    write(
        &env.path("home/.cursor/mcp.json"),
        format!(
            "{{\n  \"mcpServers\": {{\n    \"github\": {{\n      \"headers\": {{\"Authorization\": \"token {ghp}\"}}\n    }},\n    \"search\": {{\"command\": \"npx\", \"env\": {{\"OPENAI_API_KEY\": \"{sk}\"}}}}\n  }}\n}}\n"
        ),
    );
    let out = env.run_in(&project, &["setup", "--target", "cursor", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("\"Authorization\": \"token ghp_…4567\""),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("\"OPENAI_API_KEY\": \"…6789\""),
        "{out:?}"
    );
    leaks(&out, &["setup"]);

    // The explicit opt-out.
    let o = env
        .command(&["setup", "--target", "cursor", "--dry-run", "--show-secrets"])
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(ghp) && text.contains(sk), "{text}");

    // logout's preview (last: it forgets the tokens).
    let out = env.run_in(&project, &["logout"]);
    assert!(
        out.stdout.contains("X-Figma-Token = \"figd_…6789\""),
        "{out:?}"
    );
    leaks(&out, &["logout"]);
}

// ---------------------------------------------------------------------------------------------
// Case 46: hard links, read-only configs, unusable server names
// ---------------------------------------------------------------------------------------------

/// Case 46: A config with more than one hard link is written (the atomic rename replaces this
/// name only) and the preview and the write say so; a read-only config (0444) in a writable
/// directory is refused with the fix, and `doctor` reports it; an empty or otherwise unusable
/// `--server-name` is a usage error.
#[test]
fn case_46_hard_links_read_only_configs_and_unusable_server_names() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, cursor_json(OLD));
    env.manage("cursor", "user", &cfg);
    chmod(&cfg, 0o600);
    let other = env.path("home/mcp-link.json");
    fs::hard_link(&cfg, &other).unwrap();
    let note = "note: the file has 2 hard links; the write replaces this name only, the other 1 keeps the old content";
    let out = env.run_in(&project, &["refresh", "--target", "cursor"]);
    assert!(
        out.stdout.contains(&format!("             {note}\n")),
        "{out:?}"
    );
    let out = env.run_in(&project, &["refresh", "--write", "--target", "cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(note), "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        cursor_json(&env.stored_access_token())
    );
    assert_eq!(fs::read_to_string(&other).unwrap(), cursor_json(OLD));
    assert_eq!(fs::metadata(&cfg).unwrap().nlink(), 1);
    fs::remove_file(&other).unwrap();

    // Read-only.
    write(&cfg, cursor_json(OLD));
    chmod(&cfg, 0o444);
    for args in [
        &["refresh", "--target", "cursor"][..],
        &["refresh", "--write", "--target", "cursor"][..],
        &["setup", "--write", "--target", "cursor"][..],
    ] {
        let out = env.run_in(&project, args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        assert!(
            out.error_line().contains(&format!(
                "{} is read-only (mode 0444); figma-auth does not replace a read-only file — make it writable (`chmod u+w`) to let figma-auth update it",
                cfg.display()
            )),
            "{out:?}"
        );
        assert_eq!(fs::read_to_string(&cfg).unwrap(), cursor_json(OLD));
        assert_eq!(mode(&cfg), 0o444);
    }
    let out = env.run_in(&project, &["doctor"]);
    assert!(
        out.stdout.contains("run `chmod u+w ~/.cursor/mcp.json`"),
        "{out:?}"
    );

    // Server names.
    for (name, why) in [
        ("", "the name is empty"),
        (" ", "' ' is not allowed in a server name"),
        ("figma work", "' ' is not allowed"),
        ("fig\tma", "'\\t' is not allowed"),
        ("figma.remote", "'.' is not allowed"),
        ("figma/x", "'/' is not allowed"),
        (&"f".repeat(65), "use at most 64"),
    ] {
        for cmd in ["setup", "refresh", "logout"] {
            let out = env.run_in(
                &project,
                &[cmd, "--target", "cursor", "--server-name", name],
            );
            assert_eq!(out.code, 2, "{cmd} {name:?}: {out:?}");
            assert!(out.stderr.contains(why), "{cmd} {name:?}: {out:?}");
        }
    }
    chmod(&cfg, 0o600);
    let out = env.run_in(
        &project,
        &[
            "setup",
            "--target",
            "cursor",
            "--server-name",
            "figma-work_2",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
}
