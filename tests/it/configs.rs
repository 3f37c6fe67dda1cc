//! Config patching end to end: `setup`, `refresh [--write]`, `logout --write` and `status`
//! against the mock server, with client config files in the temp HOME.

use crate::support::*;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// The lines of `before` that do not mention an old token all appear, in order, in `after`.
fn keeps_every_other_line(before: &str, after: &str) {
    let mut rest = after.lines();
    for line in before
        .lines()
        .filter(|l| !l.contains("figu_FIXTURE_OLD_TOKEN"))
    {
        assert!(
            rest.any(|l| l == line),
            "line {line:?} was lost or moved:\n{after}"
        );
    }
}

#[test]
fn setup_opencode_keeps_comments_and_refresh_then_changes_nothing() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("config/opencode/opencode.jsonc");
    let before = fixture("opencode/real-06-commented/before.jsonc");
    write(&cfg, &before);

    let out = env.run_in(&project, &["setup", "--target", "opencode", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    // The existing entry was not figma-auth's: adopted, explicitly.
    assert!(out.stdout.contains("adopted"), "{out:?}");
    assert!(
        out.stdout
            .contains("managed by profile default from now on"),
        "{out:?}"
    );
    assert!(out.stdout.contains("opencode.jsonc"), "{out:?}");
    assert!(out.stderr.contains("restart opencode"), "{out:?}");
    let after = fs::read_to_string(&cfg).unwrap();
    keeps_every_other_line(&String::from_utf8(before).unwrap(), &after);
    assert!(
        after.contains(&format!(
            "\"Authorization\": \"{}\", // old token",
            env.bearer()
        )),
        "{after}"
    );

    // Already current: nothing written, mtime unchanged, no token request.
    let t0 = mtime(&cfg);
    let token_hits = env.server.hits("token");
    std::thread::sleep(Duration::from_millis(20));
    let out = env.run_in(&project, &["refresh", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("current"), "{out:?}");
    assert_eq!(mtime(&cfg), t0);
    assert_eq!(fs::read_to_string(&cfg).unwrap(), after);
    assert_eq!(env.server.hits("token"), token_hits);
}

#[test]
fn setup_logs_in_first_when_nothing_is_stored() {
    let env = TestEnv::new();
    let project = env.path("home/project");
    fs::create_dir_all(&project).unwrap();
    let out = env
        .cmd(&[
            "setup",
            "--target",
            "opencode",
            "--write",
            "--port",
            "0",
            "--timeout",
            "90s",
        ])
        .cwd(&project)
        .run_with(|| {
            follow(&env.browser_url()).expect("the redirect reaches the listener");
        });
    assert_eq!(out.code, 0, "{out:?}");
    let cfg = env.path("config/opencode/opencode.jsonc");
    let text = fs::read_to_string(&cfg).unwrap();
    assert!(
        text.starts_with("{\n  \"$schema\": \"https://opencode.ai/config.json\""),
        "{text}"
    );
    assert!(text.contains("\"type\": \"remote\""), "{text}");
    assert!(text.contains("\"oauth\": false"), "{text}");
    assert!(text.contains(&env.bearer()), "{text}");
    assert_eq!(file_mode(&cfg), 0o600);
}

#[cfg(unix)]
#[test]
fn claude_json_refresh_force_rotates_in_place_and_preview_masks() {
    use std::os::unix::fs::PermissionsExt;
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    let before = claude_json_with_history(300, OLD);
    write(&cfg, &before);
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o600)).unwrap();

    let out = env.run_in(&project, &["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let first = env.bearer();
    let after = fs::read_to_string(&cfg).unwrap();
    assert_eq!(after, before.replace(&format!("Bearer {OLD}"), &first));
    assert_eq!(file_mode(&cfg), 0o600);
    serde_json::from_str::<serde_json::Value>(&after).unwrap();

    // Preview: a masked diff naming the file; nothing written.
    let out = env.run_in(&project, &["refresh", "--force", "--target", "claude"]);
    assert_eq!(out.code, 0, "{out:?}");
    let second = env.bearer();
    assert_ne!(first, second);
    assert!(out.stdout.contains("--- a/~/.claude.json"), "{out:?}");
    assert!(
        out.stdout
            .contains("-        \"Authorization\": \"Bearer mock_…"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("+        \"Authorization\": \"Bearer mock_…"),
        "{out:?}"
    );
    assert!(out.stdout.contains("would update"), "{out:?}");
    assert!(out.stderr.contains("refresh --write"), "{out:?}");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), after);

    // --write --force: rotated in the file, every other byte kept.
    let out = env.run_in(&project, &["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    let third = env.bearer();
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        before.replace(&format!("Bearer {OLD}"), &third)
    );
    assert!(out.stderr.contains("/mcp"), "reload hint: {out:?}");
    assert!(!env.path("home/.claude.json.lock").exists());
    // The original was backed up once, privately.
    let backups: Vec<_> = fs::read_dir(env.path("state/figma-auth/backups"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(fs::read_to_string(backups[0].path()).unwrap(), before);
    assert_eq!(file_mode(&backups[0].path()), 0o600);
}

/// A Cursor file indented with tabs, another server first: `setup` replaces the token and
/// nothing else (`fixtures/cursor/tabs-other-server-setup`), and says how Cursor reloads it.
#[test]
fn setup_keeps_cursors_tabs_and_other_servers() {
    let (env, project) = TestEnv::logged_in();
    let outs =
        crate::bad_input::through_binary(&env, &project, &["cursor/tabs-other-server-setup"]);
    assert!(outs[0].stderr.contains("Reload Window"), "{:?}", outs[0]);
}

#[test]
fn setup_without_write_or_tty_only_previews() {
    const CURSOR: &str = "home/.cursor/mcp.json";
    let before = "{\n  \"mcpServers\": {}\n}\n";
    let t = Test::new().logged_in().project().file(CURSOR, before);
    t.run(&["setup", "--target", "cursor"])
        .success()
        .stdout_has("+++ b/~/.cursor/mcp.json")
        .stdout_has("would update")
        .stderr_has("--write")
        .file_is(CURSOR, before);
    t.run(&["setup", "--target", "cursor", "--dry-run"])
        .success()
        .stderr_has("Dry run")
        .file_is(CURSOR, before);
    // --show-secrets unmasks the preview.
    t.cmd(&["setup", "--target", "cursor", "--show-secrets"])
        .shows_secrets()
        .run()
        .stdout_has(&t.bearer())
        .file_is(CURSOR, before);
}

#[test]
fn a_tracked_project_file_is_refused_unless_allowed() {
    let (env, _) = TestEnv::logged_in();
    let repo = env.path("home/repo");
    fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| env.git(&repo, args);
    git(&["init", "-q"]);
    let mcp = repo.join(".mcp.json");
    let before = "{\n  \"mcpServers\": {}\n}\n";
    write(&mcp, before);
    git(&["add", ".mcp.json"]);

    let out = env.run_in(
        &repo,
        &[
            "setup", "--target", "claude", "--scope", "project", "--write",
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("refused") && out.stdout.contains("git tracks"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&mcp).unwrap(), before);

    let out = env.run_in(
        &repo,
        &[
            "setup",
            "--target",
            "claude",
            "--scope",
            "project",
            "--write",
            "--allow-tracked",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&mcp).unwrap().contains(&env.bearer()));
}

#[test]
fn other_url_entry_is_left_alone_unless_forced() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    let before = "{\n  \"mcpServers\": {\n    \"figma\": {\n      \"url\": \"http://127.0.0.1:3845/mcp\"\n    }\n  }\n}\n";
    write(&cfg, before);
    let out = env.run_in(&project, &["setup", "--target", "cursor", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("127.0.0.1:3845"), "{out:?}");
    assert!(out.stdout.contains("--force"), "{out:?}");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), before);

    let out = env.run_in(
        &project,
        &["setup", "--target", "cursor", "--write", "--force"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let text = fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("\"url\": \"https://mcp.figma.com/mcp\""),
        "{text}"
    );
    assert!(text.contains(&env.bearer()), "{text}");
}

#[test]
fn logout_write_removes_only_our_header() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, "{\n  \"mcpServers\": {}\n}\n");
    assert_eq!(
        env.run_in(&project, &["setup", "--target", "cursor", "--write"])
            .code,
        0
    );
    let configured = fs::read_to_string(&cfg).unwrap();
    assert!(configured.contains("Authorization"));

    // Without --write: previewed, not written (the tokens are forgotten all the same).
    let out = env.run_in(&project, &["logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("would remove"), "{out:?}");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), configured);

    let out = env.run_in(&project, &["logout", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("removed"), "{out:?}");
    let text = fs::read_to_string(&cfg).unwrap();
    assert!(!text.contains("Authorization"), "{text}");
    assert!(
        text.contains("\"url\": \"https://mcp.figma.com/mcp\""),
        "{text}"
    );
}

#[test]
fn status_lists_configs_and_which_one_is_used() {
    let (env, project) = TestEnv::logged_in();
    // opencode: a global entry with the current token, a project file with a stale one that wins.
    write(&env.path("config/opencode/opencode.json"), "{}\n");
    assert_eq!(
        env.run_in(&project, &["setup", "--target", "opencode", "--write"])
            .code,
        0
    );
    write(
        &project.join("opencode.json"),
        format!("{{\n  \"mcp\": {{\n    \"figma\": {{\n      \"type\": \"remote\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}\n    }}\n  }}\n}}\n"),
    );
    write(&env.path("home/.claude.json"), "{\n  \"x\": 1,\n  \"mcpServers\": {\n    \"figma\": {\"type\": \"http\", \"url\": \"http://127.0.0.1:3845/mcp\"}\n  }\n}");
    write(&env.path("home/.cursor/mcp.json"), "{ broken");

    let out = env.run_in(&project, &["status", "--json"]);
    // The unreadable Cursor file needs action.
    assert_eq!(out.code, 1, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let configs = v["configs"].as_array().unwrap();
    let find = |suffix: &str| {
        configs
            .iter()
            .find(|c| c["path"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} missing: {configs:?}"))
    };
    let global = find("opencode/opencode.json");
    assert_eq!(global["state"], "current");
    assert_eq!(global["managed"], true);
    assert_eq!(global["in_use"], false);
    // The project file (nobody set it up) wins the merge.
    let proj = find("project/opencode.json");
    assert_eq!(proj["state"], "unmanaged");
    assert_eq!(proj["managed"], false);
    assert_eq!(proj["detail"], "not managed by this profile");
    assert_eq!(proj["in_use"], true);
    assert_eq!(find(".claude.json")["state"], "other-url");
    let broken = find("mcp.json");
    assert_eq!(broken["state"], "unreadable");
    assert_eq!(broken["needs_action"], true);
    for c in configs {
        let state = c["state"].as_str().unwrap();
        assert!(
            state.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
            "not kebab-case: {state}"
        );
    }

    let out = env.run_in(&project, &["status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("Client configs:"), "{out:?}");
    assert!(out.stdout.contains("unmanaged, in use"), "{out:?}");
    assert!(
        out.stdout.contains("A config file cannot be read"),
        "{out:?}"
    );

    // refresh --write updates only what this profile set up: the unmanaged project entry keeps
    // its token, and a broken file is not ours to judge or touch.
    let out = env.run_in(&project, &["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(project.join("opencode.json"))
        .unwrap()
        .contains(&format!("Bearer {OLD}")));
    assert!(
        fs::read_to_string(env.path("config/opencode/opencode.json"))
            .unwrap()
            .contains(&env.bearer())
    );
    assert_eq!(
        fs::read_to_string(env.path("home/.cursor/mcp.json")).unwrap(),
        "{ broken"
    );
    assert!(!out.stdout.contains("mcp.json"), "{out:?}");
    assert!(!out.stdout.contains("project/opencode.json"), "{out:?}");
}

#[test]
fn recorded_local_scope_is_refreshed_from_any_directory() {
    let t = Test::new()
        .logged_in()
        .project()
        .file("home/.claude.json", "{\n  \"projects\": {}\n}");
    t.run(&["setup", "--target", "claude", "--scope", "local", "--write"])
        .success();
    let key = fs::canonicalize(t.path("home/project"))
        .unwrap()
        .display()
        .to_string();
    let header = |v: &serde_json::Value| {
        v["projects"][&key]["mcpServers"]["figma"]["headers"]["Authorization"].clone()
    };
    assert_eq!(header(&json_of(&t.path("home/.claude.json"))), t.bearer());
    // From the home directory (as cron runs it), the recorded project entry is still refreshed.
    let t = t.cwd("home");
    t.run(&["refresh", "--write", "--force"]).success();
    let v = json_of(&t.path("home/.claude.json"));
    assert_eq!(header(&v), t.bearer());
    assert!(v.get("mcpServers").is_none(), "user scope untouched: {v}");
}

#[cfg(unix)]
#[test]
fn symlinked_config_is_written_through_the_link() {
    let (env, project) = TestEnv::logged_in();
    let real = env.path("home/dotfiles/mcp.json");
    write(&real, "{\n  \"mcpServers\": {}\n}\n");
    fs::create_dir_all(env.path("home/.cursor")).unwrap();
    std::os::unix::fs::symlink("../dotfiles/mcp.json", env.path("home/.cursor/mcp.json")).unwrap();
    let out = env.run_in(&project, &["setup", "--target", "cursor", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::symlink_metadata(env.path("home/.cursor/mcp.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(&real).unwrap().contains(&env.bearer()));
}

#[test]
fn a_held_claude_lock_means_busy_and_no_write() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    let before = claude_json_with_history(2, OLD);
    write(&cfg, &before);
    env.manage("claude", "user", &cfg);
    fs::create_dir(env.path("home/.claude.json.lock")).unwrap();
    // The lock is fresh (Claude Code takes over locks older than 10 s); wait 1 s for it.
    let mut env = env;
    env.set_var("FIGMA_AUTH_CLIENT_LOCK_TIMEOUT", Some("1s"));
    let out = env.run_in(&project, &["refresh", "--write", "--target", "claude"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stdout.contains("locked by another process"), "{out:?}");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), before);
}

/// A writer imitating Claude Code (read-modify-write of `~/.claude.json` under the lock
/// directory) runs alongside repeated `refresh --write --force`: neither loses an update.
#[test]
fn claude_writer_and_refresh_lose_no_update() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    write(
        &cfg,
        claude_json_with_history(50, OLD).replacen("\"numStartups\": 3", "\"numStartups\": 0", 1),
    );
    env.manage("claude", "user", &cfg);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = claude_writer(&env, &cfg, &stop, 20);
    for _ in 0..6 {
        let out = env.run_in(
            &project,
            &["refresh", "--write", "--force", "--target", "claude"],
        );
        assert_eq!(out.code, 0, "{out:?}");
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&cfg).unwrap()).unwrap();
        assert_eq!(
            v["mcpServers"]["figma"]["headers"]["Authorization"],
            env.bearer(),
            "our update survived"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let writes = writer.join().unwrap();
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&cfg).unwrap()).unwrap();
    assert_eq!(
        v["numStartups"].as_u64().unwrap(),
        writes,
        "no writer update was lost"
    );
    assert_eq!(
        v["mcpServers"]["figma"]["headers"]["Authorization"],
        env.bearer()
    );
}

#[test]
fn json_output_of_setup_and_refresh_says_what_changed_per_file() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, "{\n  \"mcpServers\": {}\n}\n");
    let out = env.run_in(&project, &["setup", "--target", "cursor", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["write"], false);
    assert_eq!(v["files"][0]["client"], "cursor");
    assert_eq!(v["files"][0]["result"], "would-update");
    assert!(
        v["files"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("Bearer mock_…"),
        "{v}"
    );
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        "{\n  \"mcpServers\": {}\n}\n"
    );

    let out = env.run_in(
        &project,
        &["setup", "--target", "cursor", "--json", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["write"], true);
    assert_eq!(v["files"][0]["result"], "updated");
    assert_eq!(v["reload"][0], "cursor");

    let out = env.run_in(&project, &["refresh", "--write", "--force", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["token"]["refreshed"], true);
    assert!(v["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["files"][0]["path"], cfg.display().to_string());
    assert_eq!(v["files"][0]["result"], "updated");
    assert!(fs::read_to_string(&cfg).unwrap().contains(&env.bearer()));
}

#[test]
fn helper_mode_keeps_the_token_out_of_claude_json() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    write(&cfg, format!("{{\n  \"mcpServers\": {{\n    \"figma\": {{\n      \"type\": \"http\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {{\n        \"Authorization\": \"Bearer {OLD}\"\n      }}\n    }}\n  }}\n}}"));
    let out = env.run_in(
        &project,
        &["setup", "--target", "claude", "--mode", "helper", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let text = fs::read_to_string(&cfg).unwrap();
    assert!(!text.contains("Bearer"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let helper = v["mcpServers"]["figma"]["headersHelper"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(helper.ends_with(" header --json"), "{helper}");

    // The helper command, run through a shell as Claude Code does, prints the header.
    let hermetic = env.command::<&str>(&[]);
    let o = std::process::Command::new("sh")
        .args(["-c", &helper])
        .env_clear()
        .envs(
            hermetic
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed["Authorization"], env.bearer());

    // A refresh never touches the file; status calls it current.
    let t0 = mtime(&cfg);
    let out = env.run_in(&project, &["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("current") && out.stdout.contains("helper mode"),
        "{out:?}"
    );
    assert_eq!(mtime(&cfg), t0);
    let out = env.run_in(&project, &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["configs"][0]["state"], "current", "{v}");

    // Switching back to inline puts the token in and removes the helper.
    let out = env.run_in(
        &project,
        &["setup", "--target", "claude", "--mode", "inline", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&cfg).unwrap()).unwrap();
    assert!(
        v["mcpServers"]["figma"].get("headersHelper").is_none(),
        "{v}"
    );
    assert_eq!(
        v["mcpServers"]["figma"]["headers"]["Authorization"],
        env.bearer()
    );
}

#[cfg(unix)]
#[test]
fn file_mode_points_opencode_at_a_private_token_file_kept_current() {
    let (env, project) = TestEnv::logged_in();
    let out = env.run_in(
        &project,
        &["setup", "--target", "opencode", "--mode", "file", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let cfg = env.path("config/opencode/opencode.jsonc");
    let text = fs::read_to_string(&cfg).unwrap();
    let token_file = env.path("config/figma-auth/tokens/default.token");
    assert!(
        text.contains(&format!(
            "\"Authorization\": \"Bearer {{file:{}}}\"",
            token_file.display()
        )),
        "{text}"
    );
    assert!(!text.contains(&env.stored_access_token()), "{text}");
    assert_eq!(
        fs::read_to_string(&token_file).unwrap(),
        env.stored_access_token()
    );
    assert_eq!(file_mode(&token_file), 0o600);

    let t0 = mtime(&cfg);
    let out = env.run_in(&project, &["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mtime(&cfg), t0, "the config is written once");
    assert_eq!(
        fs::read_to_string(&token_file).unwrap(),
        env.stored_access_token()
    );
}

#[test]
fn env_mode_writes_the_clients_variable_syntax_and_unsupported_modes_are_refused() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.cursor/mcp.json");
    write(&cfg, "{\n  \"mcpServers\": {}\n}\n");
    let out = env.run_in(
        &project,
        &["setup", "--target", "cursor", "--mode", "env", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&cfg).unwrap()).unwrap();
    assert_eq!(
        v["mcpServers"]["figma"]["headers"]["Authorization"],
        "Bearer ${env:FIGMA_TOKEN}"
    );
    let out = env.run_in(
        &project,
        &["setup", "--target", "zed", "--mode", "env", "--write"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("Zed does not support --mode env"),
        "{out:?}"
    );
    assert!(out.stderr.contains("inline"), "{out:?}");
}

/// Issue "every major MCP client": one setup writes Codex, Gemini CLI, VS Code, Windsurf and Zed
/// files in their own shapes, TOML and JSONC comments kept, no trailing comma in Gemini's file.
#[test]
fn setup_writes_codex_gemini_vscode_windsurf_and_zed_in_their_shapes() {
    let (env, project) = TestEnv::logged_in();
    let codex = env.path("home/.codex/config.toml");
    write(&codex, fixture("codex/real-03-commented/before.toml"));
    let gemini = env.path("home/.gemini/settings.json");
    let vscode = env.path("config/Code/User/mcp.json");
    let zed = env.path("config/zed/settings.json");
    let shaped = [
        (&gemini, "gemini/line-and-block-comments-new-entry"),
        (&vscode, "vscode/comment-and-trailing-comma-new-entry"),
        (&zed, "zed/comments-and-trailing-comma-new-entry"),
    ];
    for (path, case) in shaped {
        write(path, fixture(&format!("{case}/before.json")));
    }
    let out = env.run_in(
        &project,
        &[
            "setup", "--target", "codex", "--target", "gemini", "--target", "vscode", "--target",
            "windsurf", "--target", "zed", "--write",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let b = env.bearer();
    // Each as its fixture says, byte for byte (the walker checks the same edits in-process).
    for (path, case) in shaped {
        let after = String::from_utf8(fixture(&format!("{case}/after.json"))).unwrap();
        assert_eq!(
            read(path),
            after.replace("Bearer figu_FIXTURE_NEW_TOKEN", &b),
            "{case}"
        );
    }

    let text = fs::read_to_string(&codex).unwrap();
    assert!(
        text.contains("# Figma remote MCP server with a static token"),
        "{text}"
    );
    assert!(
        text.contains("url = \"https://mcp.figma.com/mcp\"  # streamable HTTP"),
        "{text}"
    );
    assert!(
        text.contains(&format!("http_headers = {{ \"Authorization\" = \"{b}\" }}")),
        "{text}"
    );
    assert!(!text.contains("\nheaders"), "{text}");
    assert!(text.contains("# Trusted projects"), "{text}");

    let text = fs::read_to_string(&gemini).unwrap();
    assert!(
        text.starts_with("// Gemini settings\n{\n  /* theme */"),
        "{text}"
    );
    assert!(
        text.contains("\"httpUrl\": \"https://mcp.figma.com/mcp\""),
        "{text}"
    );
    assert!(text.contains(&b), "{text}");
    let no_comments: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let compact: String = no_comments.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        !compact.contains(",}") && !compact.contains(",]"),
        "trailing comma in {text}"
    );

    let text = fs::read_to_string(&vscode).unwrap();
    assert!(text.contains("// my servers"), "{text}");
    let v: serde_json::Value = {
        let stripped: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        json5_like(&stripped)
    };
    assert_eq!(v["servers"]["figma"]["type"], "http");
    assert_eq!(v["servers"]["figma"]["headers"]["Authorization"], b);

    let windsurf = env.path("home/.codeium/windsurf/mcp_config.json");
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&windsurf).unwrap()).unwrap();
    assert_eq!(
        v["mcpServers"]["figma"]["serverUrl"],
        "https://mcp.figma.com/mcp"
    );
    assert_eq!(v["mcpServers"]["figma"]["headers"]["Authorization"], b);
    assert_eq!(file_mode(&windsurf), 0o600);

    let text = fs::read_to_string(&zed).unwrap();
    assert!(text.contains("\"vim_mode\": true, // yes"), "{text}");
    assert!(text.contains("\"context_servers\""), "{text}");
    assert!(text.contains(&b), "{text}");
}

/// Parses JSON that may have trailing commas (VS Code's JSONC) by dropping them.
fn json5_like(text: &str) -> serde_json::Value {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(*c);
    }
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn logout_removes_the_token_file_of_file_mode() {
    let (env, project) = TestEnv::logged_in();
    assert_eq!(
        env.run_in(
            &project,
            &["setup", "--target", "opencode", "--mode", "file", "--write"]
        )
        .code,
        0
    );
    let token_file = env.path("config/figma-auth/tokens/default.token");
    assert!(token_file.exists());
    let out = env.run_in(&project, &["logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!token_file.exists(), "{out:?}");
    assert!(out.stderr.contains("Removed the token file"), "{out:?}");
}

/// Security case 14: an empty JSON config (what a crash mid-write leaves) is refused with
/// its path and position, never filled in; a missing one is created.
#[test]
fn an_empty_json_config_is_refused_not_filled_in() {
    let (env, project) = TestEnv::logged_in();
    let cfg = env.path("home/.claude.json");
    write(&cfg, "  \n");
    let out = env.run_in(&project, &["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains(".claude.json: line 1, column 1: the file is empty"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), "  \n");
    fs::remove_file(&cfg).unwrap();
    let out = env.run_in(&project, &["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&cfg).unwrap().contains(&env.bearer()));
}

/// Concurrency: N processes run `refresh --write --force` against the rotating mock
/// while a writer imitating Claude Code rewrites `~/.claude.json` under its lock. Every process
/// ends 0 (or 5, busy, with a clear message), no update of either side is lost, the config ends
/// with the token the store holds, and the store is valid.
#[test]
fn concurrent_refresh_writes_and_a_claude_writer_lose_nothing() {
    let (mut env, project) = TestEnv::logged_in();
    env.set_var("FIGMA_AUTH_CLIENT_LOCK_TIMEOUT", Some("60s"));
    let cfg = env.path("home/.claude.json");
    write(
        &cfg,
        claude_json_with_history(50, OLD).replacen("\"numStartups\": 3", "\"numStartups\": 0", 1),
    );
    env.manage("claude", "user", &cfg);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = claude_writer(&env, &cfg, &stop, 10);
    for _round in 0..2 {
        let outs = env
            .cmd(&["refresh", "--write", "--force", "--target", "claude"])
            .cwd(&project)
            .race(4);
        for out in outs {
            assert!(
                out.code == 0 || (out.code == 5 && out.stderr.contains("again")),
                "{out:?}"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let writes = writer.join().unwrap();
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&cfg).unwrap()).unwrap();
    assert_eq!(
        v["numStartups"].as_u64().unwrap(),
        writes,
        "a writer update was lost"
    );
    assert_eq!(
        v["mcpServers"]["figma"]["headers"]["Authorization"],
        env.bearer(),
        "the config holds the token the store holds"
    );
    assert!(env.server.access_token_works(&env.stored_access_token()));
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
    assert_eq!(env.server.revoked_grants(), 0);
}

/// A writer imitating Claude Code: under the `~/.claude.json.lock` directory it reads the file,
/// increments `numStartups` and replaces the file, until `stop` is set and it has written at
/// least `min` times. The thread returns how many updates it made. While it runs, the runs of
/// the binary do not check what they created (the writer creates files too).
fn claude_writer(
    env: &TestEnv,
    cfg: &Path,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    min: u64,
) -> std::thread::JoinHandle<u64> {
    let lock = env.path("home/.claude.json.lock");
    let (cfg, stop) = (cfg.to_path_buf(), stop.clone());
    let other = env.another_program();
    std::thread::spawn(move || {
        let _other = other;
        let mut done = 0u64;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) || done < min {
            if fs::create_dir(&lock).is_err() {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            }
            let mut v: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&cfg).unwrap()).unwrap();
            let n = v["numStartups"].as_u64().unwrap();
            v["numStartups"] = (n + 1).into();
            let tmp = cfg.with_extension("writer-tmp");
            fs::write(&tmp, serde_json::to_string_pretty(&v).unwrap()).unwrap();
            fs::rename(&tmp, &cfg).unwrap();
            fs::remove_dir(&lock).unwrap();
            done += 1;
            std::thread::sleep(Duration::from_millis(3));
        }
        done
    })
}

/// Continue and Goose: found by their config directories, written in YAML with the comments and
/// the rest of the file kept, listed by `status` and `doctor`, left alone by a refresh with
/// nothing to do; env mode gives Goose its `env_keys` and Continue its `secrets` reference.
#[test]
fn continue_and_goose_are_detected_written_in_yaml_and_listed() {
    let (env, project) = TestEnv::logged_in();
    let cont = env.path("home/.continue/config.yaml");
    let cont_before = "# my Continue config\nname: Local config\nversion: 1.0.0\nschema: v1\n\nmodels:\n  - name: fake   # a model\n    provider: openai\n    model: fake-model\n\nmcpServers:\n  - name: other\n    command: npx\n";
    write(&cont, cont_before);
    let goose = env.path("config/goose/config.yaml");
    let goose_before = "GOOSE_PROVIDER: openai\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n    name: developer\n    timeout: 300\n    bundled: true\nGOOSE_MODEL: gpt-4o\n";
    write(&goose, goose_before);
    // No --target: the detected clients, and only them.
    let out = env.run_in(&project, &["setup", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!env.path("home/.cursor").exists(), "{out:?}");
    let b = env.bearer();
    let text = fs::read_to_string(&cont).unwrap();
    assert_eq!(
        text,
        format!("{cont_before}  - name: figma\n    type: streamable-http\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      headers:\n        Authorization: {b}\n"),
    );
    let text = fs::read_to_string(&goose).unwrap();
    assert!(text.starts_with("GOOSE_PROVIDER: openai\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n    name: developer\n    timeout: 300\n    bundled: true\n  figma:\n    enabled: true\n    type: streamable_http\n    name: figma\n    description: ''\n    uri: https://mcp.figma.com/mcp\n    headers:\n"), "{text}");
    assert!(
        text.contains(&format!("      Authorization: {b}\n")),
        "{text}"
    );
    assert!(
        text.ends_with("    timeout: 300\nGOOSE_MODEL: gpt-4o\n"),
        "{text}"
    );
    for f in [&cont, &goose] {
        assert_eq!(file_mode(f), 0o600);
    }

    let out = env.run_in(&project, &["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    for name in ["Continue", "Goose"] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name));
        assert!(line.is_some_and(|l| l.contains("current")), "{out:?}");
    }
    let out = env.run_in(&project, &["doctor"]);
    assert!(
        out.stdout
            .contains("config.yaml (Continue, user scope): current token"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("config.yaml (Goose, user scope): current token"),
        "{out:?}"
    );
    let before = (fs::read(&cont).unwrap(), fs::read(&goose).unwrap());
    let out = env.run_in(&project, &["refresh", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        before,
        (fs::read(&cont).unwrap(), fs::read(&goose).unwrap())
    );

    // Env mode: no token in either file.
    let out = env.run_in(
        &project,
        &[
            "setup",
            "--target",
            "continue,goose",
            "--mode",
            "env",
            "--write",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let text = fs::read_to_string(&cont).unwrap();
    assert!(
        text.contains("Authorization: Bearer ${{ secrets.FIGMA_TOKEN }}\n"),
        "{text}"
    );
    let text = fs::read_to_string(&goose).unwrap();
    assert!(
        text.contains("Authorization: Bearer ${FIGMA_TOKEN}\n"),
        "{text}"
    );
    assert!(text.contains("env_keys:\n"), "{text}");
    assert!(text.contains("- FIGMA_TOKEN\n"), "{text}");
    for f in [&cont, &goose] {
        assert!(
            !fs::read_to_string(f).unwrap().contains(&b),
            "{}",
            f.display()
        );
    }
    let out = env.run_in(&project, &["status"]);
    assert!(
        out.stdout
            .lines()
            .filter(|l| l.contains("config.yaml"))
            .all(|l| l.contains("current")),
        "{out:?}"
    );
}
