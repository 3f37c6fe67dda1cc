//! Who owns which entry: `refresh` and `logout` touch only the entries their profile recorded
//! (two profiles on two servers side by side, an unmanaged headerless entry left alone), setup
//! adopts and takes over explicitly, `logout` and a scheduled `refresh --write` cannot interleave
//! into "removed" plus a live token, and `status`/`doctor` tell the truth about each file (one
//! line per real file, `expired`/`stale`/`current`, login required, exit codes).

use crate::support::mock::{MockConfig, MockServer};
use crate::support::*;
use std::fs;
use std::process::Stdio;

fn token_of(env: &TestEnv, profile: &str) -> String {
    env.store(profile).unwrap()["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

fn status_json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

/// The config of `path` in a `status --json` report.
fn config<'a>(v: &'a serde_json::Value, suffix: &str) -> &'a serde_json::Value {
    v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} not listed: {v:#}"))
}

/// Claude Code's own OAuth entry (`claude mcp add --transport http figma …`) and an opencode
/// entry without credentials: nobody's, and headerless.
const CLAUDE_OAUTH: &str =
    "{\n  \"mcpServers\": {\n    \"figma\": {\n      \"type\": \"http\",\n      \"url\": \"https://mcp.figma.com/mcp\"\n    }\n  }\n}\n";
const OPENCODE_BARE: &str =
    "{\n  \"mcp\": {\n    \"figma\": {\n      \"type\": \"remote\",\n      \"url\": \"https://mcp.figma.com/mcp\"\n    }\n  }\n}\n";

/// Security case 30: two profiles (one per Figma account, each on its own authorization
/// server) configure entries side by side, one of them in the same `~/.claude.json`; their
/// scheduled refreshes each keep their own entries current and never write into the other's;
/// `logout --yes` of one leaves the other's alone; entries nobody set up (Claude Code's own OAuth
/// entry, a bare opencode entry) are never given a header.
#[test]
fn two_profiles_refresh_only_their_own_entries_and_leave_headerless_ones_alone() {
    let env = TestEnv::new();
    let work_server = MockServer::start(MockConfig::default());
    let work = work_server.url().to_string();
    let home = env.path("home");
    let no_leak = |out: &Out| {
        env.assert_no_leak(out, false);
        for s in work_server.secrets() {
            assert!(
                !out.stdout.contains(&s) && !out.stderr.contains(&s),
                "secret {s}: {out:?}"
            );
        }
    };
    let run = |args: &[&str]| -> Out {
        let out = env.run_in(&home, args);
        no_leak(&out);
        out
    };
    env.login();
    let out = env.login_with(&[
        "--profile",
        "work",
        "--auth-server",
        &work,
        "login",
        "--port",
        "0",
    ]);
    no_leak(&out);

    // default: the `figma` entry of ~/.claude.json; work: its own `figma-work` entry in the
    // same file, and Cursor's.
    let claude = home.join(".claude.json");
    write(&claude, "{\n  \"numStartups\": 1\n}\n");
    let out = run(&["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let w = ["--profile", "work", "--auth-server", work.as_str()];
    let out = run(&[
        &w[..],
        &[
            "setup",
            "--target",
            "claude,cursor",
            "--server-name",
            "figma-work",
            "--write",
        ],
    ]
    .concat());
    assert_eq!(out.code, 0, "{out:?}");
    let cursor = home.join(".cursor/mcp.json");
    let check = |round: &str| {
        let v = json_of(&claude);
        let (d, wk) = (token_of(&env, "default"), token_of(&env, "work"));
        assert_ne!(d, wk);
        assert_eq!(
            v["mcpServers"]["figma"]["headers"]["Authorization"],
            format!("Bearer {d}"),
            "{round}: default's entry"
        );
        assert_eq!(
            v["mcpServers"]["figma-work"]["headers"]["Authorization"],
            format!("Bearer {wk}"),
            "{round}: work's entry"
        );
        assert_eq!(
            json_of(&cursor)["mcpServers"]["figma-work"]["headers"]["Authorization"],
            format!("Bearer {wk}"),
            "{round}: work's Cursor entry"
        );
        assert!(env.server.access_token_works(&d));
        assert!(work_server.access_token_works(&wk));
    };
    check("after setup");

    // Entries nobody set up, written after the setups (setup would adopt them, explicitly).
    let project = home.join("project");
    fs::create_dir_all(project.join(".git")).unwrap();
    let mcp_json = project.join(".mcp.json");
    write(&mcp_json, CLAUDE_OAUTH);
    let opencode = env.path("config/opencode/opencode.json");
    write(&opencode, OPENCODE_BARE);

    // Scheduled runs, as the scheduler starts them (from $HOME, one per profile, --log).
    for round in 0..2 {
        for args in [
            &["refresh", "--write", "--force", "--log"][..],
            &[&w[..], &["refresh", "--write", "--force", "--log"][..]].concat(),
        ] {
            let out = run(args);
            assert_eq!(out.code, 0, "{args:?}: {out:?}");
            assert!(!out.stdout.contains("opencode"), "{out:?}");
            check(&format!("round {round}, after {args:?}"));
        }
        // Also from the project, where Claude's project scope and opencode's files are found.
        let out = env.run_in(&project, &["refresh", "--write", "--force"]);
        no_leak(&out);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(fs::read_to_string(&mcp_json).unwrap(), CLAUDE_OAUTH);
        assert_eq!(fs::read_to_string(&opencode).unwrap(), OPENCODE_BARE);
        check(&format!("round {round}, from the project"));
    }

    // status tells who manages what.
    let out = env.run_in(&project, &["status", "--json"]);
    no_leak(&out);
    assert_eq!(out.code, 0, "{out:?}");
    let v = status_json(&out);
    let c = config(&v, "home/.claude.json");
    assert_eq!(c["managed"], true, "{c}");
    assert_eq!(c["state"], "current");
    let c = config(&v, ".cursor/mcp.json");
    assert_eq!(c["state"], "unmanaged", "{c}");
    assert_eq!(c["managed_by"], "work");
    let c = config(&v, "project/.mcp.json");
    assert_eq!(c["state"], "unmanaged", "{c}");
    assert_eq!(c["detail"], "not managed by this profile");
    assert_eq!(config(&v, "opencode/opencode.json")["state"], "unmanaged");
    let out = env.run_in(&project, &["doctor"]);
    no_leak(&out);
    assert!(
        out.stdout
            .contains("the `figma` entry is not managed by this profile"),
        "{out:?}"
    );
    assert!(out.stdout.contains("is managed by profile work"), "{out:?}");

    // default's entry deleted by hand: its refresh finds no `figma` entry, and never takes
    // work's entry (same URL, another name) instead.
    let mut v = json_of(&claude);
    v["mcpServers"].as_object_mut().unwrap().remove("figma");
    fs::write(&claude, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let out = run(&["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("the `figma` entry figma-auth set up is gone"),
        "{out:?}"
    );
    assert_eq!(
        json_of(&claude)["mcpServers"]["figma-work"]["headers"]["Authorization"],
        format!("Bearer {}", token_of(&env, "work"))
    );
    let out = run(&["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    check("after default's entry was set up again");

    // Logging out of work removes work's headers only.
    let out = run(&[&w[..], &["logout", "--yes"]].concat());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "removed      the Authorization header from ~/.claude.json (Claude Code, user scope)"
        ),
        "{out:?}"
    );
    let v = json_of(&claude);
    assert!(v["mcpServers"]["figma-work"]["headers"]
        .get("Authorization")
        .is_none());
    assert_eq!(
        v["mcpServers"]["figma"]["headers"]["Authorization"],
        format!("Bearer {}", token_of(&env, "default"))
    );
    assert!(json_of(&cursor)["mcpServers"]["figma-work"]["headers"]
        .get("Authorization")
        .is_none());
    assert_eq!(fs::read_to_string(&mcp_json).unwrap(), CLAUDE_OAUTH);
    assert_eq!(fs::read_to_string(&opencode).unwrap(), OPENCODE_BARE);
    assert!(env.store("work").unwrap().get("token").is_none());
}

/// `setup` adopts an entry nobody manages, saying so in the preview; an entry another profile
/// manages is left alone unless `--force` moves it; a recorded entry without a header is never
/// given one by `refresh`.
#[test]
fn setup_adopts_explicitly_and_refresh_never_adds_a_header() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    env.login_with(&["--profile", "work", "login", "--port", "0"]);
    let claude = home.join(".claude.json");
    write(&claude, CLAUDE_OAUTH);

    // Unmanaged: refresh leaves it alone.
    let out = env.run_in(&home, &["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fs::read_to_string(&claude).unwrap(), CLAUDE_OAUTH);
    let v = status_json(&env.run_in(&home, &["status", "--json"]));
    assert_eq!(config(&v, ".claude.json")["state"], "unmanaged");

    // The preview says it would be adopted; the write adopts it.
    let out = env.run_in(&home, &["setup", "--target", "claude"]);
    assert!(
        out.stdout.contains("would adopt  ~/.claude.json (Claude Code, user scope): the existing `figma` entry, managed by profile default from now on"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&claude).unwrap(), CLAUDE_OAUTH);
    let out = env.run_in(&home, &["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("adopted"), "{out:?}");
    let records = &env.store("default").unwrap()["configs"];
    assert_eq!(records[0]["server_name"], "figma", "{records}");

    // Another profile's setup leaves it alone; --force moves it.
    let out = env.run_in(
        &home,
        &[
            "--profile",
            "work",
            "setup",
            "--target",
            "claude",
            "--write",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("the `figma` entry is managed by profile default; left alone"),
        "{out:?}"
    );
    assert_eq!(
        json_of(&claude)["mcpServers"]["figma"]["headers"]["Authorization"],
        format!("Bearer {}", token_of(&env, "default"))
    );
    let out = env.run_in(
        &home,
        &[
            "--profile",
            "work",
            "setup",
            "--target",
            "claude",
            "--write",
            "--force",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("the `figma` entry moves from profile default to profile work"),
        "{out:?}"
    );
    assert!(env.store("default").unwrap().get("configs").is_none());
    let wk = token_of(&env, "work");
    let out = env.run_in(&home, &["refresh", "--write", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        json_of(&claude)["mcpServers"]["figma"]["headers"]["Authorization"],
        format!("Bearer {wk}"),
        "default no longer writes into it"
    );

    // A recorded entry whose header was removed by hand: refresh does not add it back.
    write(&claude, CLAUDE_OAUTH);
    let out = env.run_in(
        &home,
        &["--profile", "work", "refresh", "--write", "--force"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("has no Authorization header, and figma-auth adds one only when you run `figma-auth setup --target claude --scope user`"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&claude).unwrap(), CLAUDE_OAUTH);
    let out = env.run_in(&home, &["--profile", "work", "status", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = status_json(&out);
    let c = config(&v, ".claude.json");
    assert_eq!(c["state"], "no-token", "{c}");
    assert_eq!(
        c["fix"],
        "figma-auth setup --target claude --scope user --profile work"
    );
}

/// Security case 33: `logout --yes` racing a scheduled `refresh --write`: whichever order the
/// lock gives them, a logout that reports success leaves no token in any config and none in the
/// store (a slow token endpoint keeps the refresh in flight while the logout starts).
#[test]
fn logout_and_a_scheduled_refresh_never_leave_a_live_token_behind() {
    let env = TestEnv::new();
    let home = env.path("home");
    let cursor = home.join(".cursor/mcp.json");
    let claude = home.join(".claude.json");
    for trial in 0..6 {
        env.server.set(|b| b.delay = std::time::Duration::ZERO);
        env.login();
        write(&claude, "{\n  \"numStartups\": 1\n}\n");
        let out = env.run_in(&home, &["setup", "--target", "claude,cursor", "--write"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(fs::read_to_string(&cursor).unwrap().contains("Bearer "));
        // The refresh's token request takes a while; the logout starts meanwhile.
        env.server
            .set(|b| b.delay = std::time::Duration::from_millis(300 + 100 * trial));
        let spawn = |args: &[&str]| {
            env.command(args)
                .current_dir(&home)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let refresh = spawn(&["refresh", "--write", "--force", "--log"]);
        std::thread::sleep(std::time::Duration::from_millis(50 + 40 * trial));
        let logout = spawn(&["logout", "--yes"]);
        let logout: Out = logout.wait_with_output().unwrap().into();
        let refresh: Out = refresh.wait_with_output().unwrap().into();
        env.assert_no_leak(&logout, false);
        env.assert_no_leak(&refresh, false);
        assert_eq!(logout.code, 0, "trial {trial}: {logout:?}");
        // The refresh either finished first (its token was then removed) or found the tokens
        // gone (login required, nothing written).
        assert!(
            refresh.code == 0 || refresh.code == 3,
            "trial {trial}: {refresh:?}"
        );
        for f in [&cursor, &claude] {
            let text = fs::read_to_string(f).unwrap();
            assert!(
                !text.contains("Bearer "),
                "trial {trial}: {} still holds a token after a successful logout:\n{text}\nrefresh: {refresh:?}\nlogout: {logout:?}",
                f.display()
            );
        }
        assert!(env.store("default").unwrap().get("token").is_none());
    }
}

/// Run from `$HOME`, the project-scope files of Cursor and Codex are the user files: each is
/// listed once (with the scope the client gives it), and doctor never says a file overrides
/// itself. A file reached through a symlink is one file too.
#[test]
fn from_home_each_real_file_is_listed_once_and_never_overrides_itself() {
    let env = TestEnv::new();
    let home = env.path("home");
    // $HOME is a git work tree (dotfiles): the project root is $HOME.
    fs::create_dir_all(home.join(".git")).unwrap();
    env.login();
    write(
        &home.join(".cursor/mcp.json"),
        "{\n  \"mcpServers\": {}\n}\n",
    );
    write(&home.join(".codex/config.toml"), "# codex\n");
    let out = env.run_in(&home, &["setup", "--target", "cursor,codex", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let updated = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("updated"))
        .count();
    assert_eq!(updated, 2, "one line per file: {out:?}");
    assert!(out.stdout.contains("user scope"), "{out:?}");
    assert!(!out.stdout.contains("project scope"), "{out:?}");

    let out = env.run_in(&home, &["status", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = status_json(&out);
    let configs = v["configs"].as_array().unwrap();
    for suffix in [".cursor/mcp.json", ".codex/config.toml"] {
        let listed: Vec<_> = configs
            .iter()
            .filter(|c| c["path"].as_str().unwrap().ends_with(suffix))
            .collect();
        assert_eq!(listed.len(), 1, "{suffix}: {listed:?}");
        assert_eq!(listed[0]["scope"], "user");
        assert_eq!(listed[0]["state"], "current");
        assert_eq!(listed[0]["in_use"], true);
    }
    let out = env.run_in(&home, &["status"]);
    assert_eq!(
        out.stdout.matches("~/.cursor/mcp.json").count(),
        1,
        "{out:?}"
    );
    let out = env.run_in(&home, &["doctor"]);
    assert!(!out.stdout.contains("overrides"), "{out:?}");
    assert_eq!(
        out.stdout.matches("~/.codex/config.toml").count(),
        1,
        "{out:?}"
    );

    // A stale token: still one line per file, and no file overrides itself.
    let cfg = home.join(".cursor/mcp.json");
    let text = fs::read_to_string(&cfg)
        .unwrap()
        .replace(&token_of(&env, "default"), "figu_STALE_0000000000");
    fs::write(&cfg, text).unwrap();
    let out = env.run_in(&home, &["doctor"]);
    assert!(!out.stdout.contains("overrides"), "{out:?}");
    assert!(out.stdout.contains("holds an old token"), "{out:?}");

    // A symlink to the same file (dotfiles): one file, one job, one line.
    let real = home.join("dotfiles/cursor.json");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::rename(&cfg, &real).unwrap();
    std::os::unix::fs::symlink(&real, &cfg).unwrap();
    let out = env.run_in(&home, &["refresh", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.matches("(Cursor,").count(), 1, "{out:?}");
    assert!(fs::read_to_string(&real)
        .unwrap()
        .contains(&token_of(&env, "default")));
}

/// `status` compares each managed config with the stored token and with the clock, and exits
/// as gh does: 0 all good, 1 something needs action, 3 login required.
#[test]
fn status_says_expired_stale_and_login_required_with_gh_exit_codes() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    write(
        &home.join(".cursor/mcp.json"),
        "{\n  \"mcpServers\": {}\n}\n",
    );
    let out = env.run_in(&home, &["setup", "--target", "cursor", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(&home, &["status", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = status_json(&out);
    assert_eq!(v["state"], "logged-in");
    assert_eq!(config(&v, "mcp.json")["state"], "current");

    // The token in the config (the stored one) has expired.
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run_in(&home, &["status", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = status_json(&out);
    assert_eq!(v["state"], "expired");
    let c = config(&v, "mcp.json");
    assert_eq!(c["state"], "expired");
    assert_eq!(c["needs_action"], true);
    assert_eq!(c["fix"], "figma-auth refresh --write");
    assert_eq!(v["next_step"], "figma-auth refresh --write");
    let out = env.run_in(&home, &["status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("expired"), "{out:?}");
    assert!(
        out.stdout.contains(
            "Some configs hold an old or expired token: run `figma-auth refresh --write`"
        ),
        "{out:?}"
    );

    // After a refresh without --write the config is stale (it holds the previous token).
    let out = env.run_in(&home, &["refresh"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(&home, &["status", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(config(&status_json(&out), "mcp.json")["state"], "stale");
    let out = env.run_in(&home, &["refresh", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.run_in(&home, &["status"]).code, 0);

    // The server rejects the refresh token: login required, exit 3, `setup` as the fix.
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = env.run_in(&home, &["refresh", "--force"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("run `figma-auth setup`"), "{out:?}");
    let out = env.run_in(&home, &["status", "--json"]);
    assert_eq!(out.code, 3, "{out:?}");
    let v = status_json(&out);
    assert_eq!(v["state"], "login-required");
    assert_eq!(v["logged_in"], false);
    assert!(
        v["login_required"]
            .as_str()
            .unwrap()
            .contains("invalid_grant"),
        "{v}"
    );
    assert_eq!(v["next_step"], "figma-auth setup");
    let out = env.run_in(&home, &["status"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stdout.contains("Logged in:      no, login required (the server rejected the refresh token (invalid_grant)"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("A login is required: run `figma-auth setup`"),
        "{out:?}"
    );
    // A new login clears it.
    env.server.set(|b| b.refresh_invalid_grant = false);
    env.login();
    assert!(env
        .store("default")
        .unwrap()
        .get("login_required")
        .is_none());
}

/// `refresh --force` without `--write` renews the token and says the configs now need
/// `--write`; a re-login offers (off a terminal: names) the update of the configs holding the
/// old token.
#[test]
fn a_renewal_or_relogin_without_write_says_what_is_stale_and_how_to_update_it() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    write(
        &home.join(".cursor/mcp.json"),
        "{\n  \"mcpServers\": {}\n}\n",
    );
    assert_eq!(
        env.run_in(&home, &["setup", "--target", "cursor", "--write"])
            .code,
        0
    );
    let out = env.run_in(&home, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("would update"), "{out:?}");
    assert!(
        out.stderr.contains("The access token was renewed, but no config was written: the 1 file above still holds the previous token"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("run `figma-auth refresh --write`"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("Nothing was written"), "{out:?}");

    let out = env.login();
    assert!(out.stdout.contains("would update"), "{out:?}");
    assert!(
        out.stderr.contains("The 1 config file above still holds the old token, which stops working when it expires: run `figma-auth refresh --write` to update them"),
        "{out:?}"
    );
}

/// `logout` shows what it would change, and `--yes` (the same flag as `--write`) does it.
#[test]
fn logout_previews_the_removal_and_what_it_forgets() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    write(&home.join(".claude.json"), "{\n  \"numStartups\": 1\n}\n");
    assert_eq!(
        env.run_in(&home, &["setup", "--target", "claude", "--write"])
            .code,
        0
    );
    let before = fs::read_to_string(home.join(".claude.json")).unwrap();
    let out = env.run_in(&home, &["logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "would remove the Authorization header from ~/.claude.json (Claude Code, user scope)"
        ),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("would forget the tokens of profile default"),
        "{out:?}"
    );
    // Off a terminal without --yes: the tokens are forgotten (as before), the file is not.
    assert_eq!(
        fs::read_to_string(home.join(".claude.json")).unwrap(),
        before
    );
    assert!(
        out.stderr.contains("`figma-auth logout --yes` removes it"),
        "{out:?}"
    );
    env.login();
    let out = env.run_in(&home, &["logout", "--yes", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!fs::read_to_string(home.join(".claude.json"))
        .unwrap()
        .contains("Bearer"),);
    assert!(env.store("default").is_none());
}

/// `setup --mode helper` without `--target`: helper mode where the client has it, the best
/// available mode elsewhere, and one line saying which got what; a client named with
/// `--target` that lacks the mode is still a usage error.
#[test]
fn a_mode_without_target_applies_where_it_exists_and_the_best_mode_elsewhere() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    write(&home.join(".claude.json"), "{\n  \"numStartups\": 1\n}\n");
    write(
        &home.join(".cursor/mcp.json"),
        "{\n  \"mcpServers\": {}\n}\n",
    );
    let out = env.run_in(&home, &["setup", "--mode", "helper", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("Modes: helper for Claude Code; inline for Cursor (no helper mode)."),
        "{out:?}"
    );
    let claude = json_of(&home.join(".claude.json"));
    assert!(
        claude["mcpServers"]["figma"]["headersHelper"]
            .as_str()
            .unwrap()
            .ends_with(" header --json"),
        "{claude}"
    );
    let cursor = json_of(&home.join(".cursor/mcp.json"));
    assert_eq!(
        cursor["mcpServers"]["figma"]["headers"]["Authorization"],
        format!("Bearer {}", token_of(&env, "default"))
    );
    let modes: Vec<(String, String)> = env.store("default").unwrap()["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["target"].as_str().unwrap().to_string(),
                c["mode"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        modes.contains(&("claude".into(), "helper".into())),
        "{modes:?}"
    );
    assert!(
        modes.contains(&("cursor".into(), "inline".into())),
        "{modes:?}"
    );
    let out = env.run_in(&home, &["setup", "--target", "cursor", "--mode", "helper"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("Cursor does not support --mode helper"),
        "{out:?}"
    );
}

/// On a terminal, `logout` shows its plan and asks once: `n` changes nothing, `y` removes the
/// header and forgets the tokens; the process exits right after the answer.
#[test]
fn on_a_terminal_logout_asks_once_and_does_what_the_answer_says() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    let claude = home.join(".claude.json");
    write(&claude, "{\n  \"numStartups\": 1\n}\n");
    assert_eq!(
        env.run_in(&home, &["setup", "--target", "claude", "--write"])
            .code,
        0
    );
    let configured = fs::read_to_string(&claude).unwrap();
    let store = fs::read(env.store_path("default")).unwrap();
    const QUESTION: &str = "Log out of profile default and remove the token from 1 file? [y/N] ";

    let mut term = env.pty(&["logout"]);
    let shown = term.expect(QUESTION);
    assert!(
        shown.contains("would remove the Authorization header from ~/.claude.json"),
        "{shown}"
    );
    assert!(
        shown.contains("would forget the tokens of profile default"),
        "{shown}"
    );
    term.send("n\r");
    let out = term.out();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Nothing was changed."), "{out:?}");
    assert_eq!(fs::read_to_string(&claude).unwrap(), configured);
    assert_eq!(fs::read(env.store_path("default")).unwrap(), store);

    let mut term = env.pty(&["logout"]);
    term.expect(QUESTION);
    term.send("y\r");
    let out = term.out();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("removed      the Authorization header from ~/.claude.json"),
        "{out:?}"
    );
    assert!(!fs::read_to_string(&claude).unwrap().contains("Bearer"));
    assert!(env.store("default").unwrap().get("token").is_none());
    term.assert_terminal_restored();
}

/// On a terminal, a new login offers to update the configs holding the old token: `y` writes
/// the new token into them.
#[test]
fn on_a_terminal_a_relogin_updates_the_configs_after_one_yes() {
    let env = TestEnv::new();
    let home = env.path("home");
    env.login();
    let cursor = home.join(".cursor/mcp.json");
    write(&cursor, "{\n  \"mcpServers\": {}\n}\n");
    assert_eq!(
        env.run_in(&home, &["setup", "--target", "cursor", "--write"])
            .code,
        0
    );
    let old = token_of(&env, "default");
    let mut term = env.pty(&["login", "--port", "0"]);
    let page = follow(&env.browser_url()).expect("the callback reaches the listener");
    assert_eq!(page.status, 200, "{page:?}");
    let shown = term.expect("Update the 1 config file above with the new token? [y/N] ");
    assert!(shown.contains("would update"), "{shown}");
    term.send("y\r");
    let out = term.out();
    env.assert_no_leak(&out, false);
    assert_eq!(out.code, 0, "{out:?}");
    let new = token_of(&env, "default");
    assert_ne!(old, new);
    assert!(fs::read_to_string(&cursor)
        .unwrap()
        .contains(&format!("Bearer {new}")));
}
