//! `status`, `token`, `logout` and the global options, logged in and out.

use crate::support::*;

#[test]
fn logged_out_status_and_token_say_login_required() {
    let env = TestEnv::new();
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.code, 3, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["logged_in"], false);
    assert!(v["expires_at"].is_null());
    assert_eq!(v["state"], "not-logged-in");
    assert_eq!(v["next_step"], "figma-auth setup");

    let out = env.run(&["status"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stdout.contains("Not logged in: run `figma-auth setup`"),
        "{out:?}"
    );

    let out = env.run(&["token"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("not logged in"), "{out:?}");
    assert!(
        out.stderr.contains("hint: run `figma-auth login`"),
        "{out:?}"
    );

    let out = env.run(&["refresh"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(env.server.hits("token"), 0);
}

#[test]
fn logout_forgets_tokens_and_all_forgets_the_client() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = env.store("default").unwrap();
    assert!(v.get("token").is_none());
    assert!(v.get("client").is_some());
    let out = env.run(&["token"]);
    assert_eq!(out.code, 3, "{out:?}");
    let out = env.run(&["status"]);
    assert_eq!(out.code, 3, "{out:?}");
    let out = env.run(&["logout", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.store("default").is_none());
    let out = env.run(&["logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("nothing to forget"), "{out:?}");
}

#[test]
fn profiles_are_independent_and_options_work_anywhere() {
    let mut env = TestEnv::new();
    env.login_with(&["--profile", "work", "login", "--port", "0"]);
    assert!(env.store("work").is_some());
    assert!(env.store("default").is_none());
    let out = env.run(&["status", "--profile", "work", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run(&["status"]);
    assert_eq!(out.code, 3, "{out:?}");
    env.set_var("FIGMA_AUTH_PROFILE", Some("work"));
    let out = env.run(&["token"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run(&["--profile", "x/../y", "status"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn a_missing_login_hints_the_login_command_of_that_profile() {
    let env = TestEnv::new();
    let out = env.run(&["token", "--profile", "work"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("figma-auth login --profile work"),
        "{out:?}"
    );
}

#[test]
fn an_expired_access_token_with_a_refresh_token_needs_no_action_without_configs() {
    let env = TestEnv::new();
    env.login();
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["state"], "expired");
    assert_eq!(v["logged_in"], true);
    assert_eq!(v["access_token_valid"], false);
    assert_eq!(v["expires_at"], "2000-01-01T00:00:00Z");
    assert!(v["next_step"].is_null(), "{v}");
    let out = env.run(&["status"]);
    assert!(
        out.stdout.contains("expired 2000-01-01T00:00:00Z (9")
            && out
                .stdout
                .contains("the next `refresh` or `token` renews it"),
        "{out:?}"
    );
}

#[test]
fn loose_permissions_are_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    env.login();
    std::fs::set_permissions(
        env.store_path("default"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = env.run(&["status"]);
    assert!(
        out.stdout.contains("accessible by other users (mode 0644)"),
        "{out:?}"
    );
    let out = env.run(&["refresh"]);
    assert!(out.stderr.contains("warning:"), "{out:?}");
    // A rewrite makes it private again.
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(file_mode(&env.store_path("default")), 0o600);
}

#[test]
fn a_damaged_store_is_reported_without_its_content() {
    let env = TestEnv::new();
    env.login();
    let text = std::fs::read_to_string(env.store_path("default")).unwrap();
    std::fs::write(env.store_path("default"), &text[..text.len() / 2]).unwrap();
    let out = env.run(&["token"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("is damaged"), "{out:?}");
    assert!(out.stderr.contains("move"), "{out:?}");
}

#[test]
fn umask_does_not_loosen_or_break_the_store() {
    // The store is created 0700/0600 whatever the umask (here a permissive one), and so is
    // every level of a configuration directory that does not exist yet.
    let mut env = TestEnv::new();
    let xdg = env.path("fresh/a/b");
    env.set_var("XDG_CONFIG_HOME", Some(xdg.to_str().unwrap()));
    let out = env
        .cmd(&["login", "--port", "0", "--timeout", "90s"])
        .umask0()
        .run_with(|| {
            let page = follow(&env.browser_url()).unwrap();
            assert_eq!(page.status, 200);
        });
    out.success();
    let store = xdg.join("figma-auth/credentials/default.json");
    assert_eq!(file_mode(&store), 0o600);
    for d in [
        "fresh",
        "fresh/a",
        "fresh/a/b",
        "fresh/a/b/figma-auth",
        "fresh/a/b/figma-auth/credentials",
    ] {
        assert_eq!(file_mode(&env.path(d)), 0o700, "{d}");
    }
}

#[test]
fn help_lists_the_commands_and_flags_and_an_unknown_command_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.run(&["--help"]);
    assert_eq!(out.code, 0);
    for w in [
        "login",
        "status",
        "refresh",
        "token",
        "logout",
        "--auth-server",
        "--profile",
        "Exit codes",
    ] {
        assert!(out.stdout.contains(w), "{w}: {out:?}");
    }
    let out = env.run(&["login", "--help"]);
    for w in [
        "--port",
        "--callback-path",
        "--client-name",
        "--no-browser",
        "--timeout",
        "--reregister",
        "--no-resource",
    ] {
        assert!(out.stdout.contains(w), "{w}: {out:?}");
    }
    let out = env.run(&["frobnicate"]);
    assert_eq!(out.code, 2);
}

#[test]
fn logout_all_removes_a_damaged_store() {
    let env = TestEnv::new();
    env.login();
    std::fs::write(env.store_path("default"), "{").unwrap();
    let out = env.run(&["logout"]);
    assert_eq!(out.code, 1, "{out:?}");
    let out = env.run(&["logout", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.store("default").is_none());
}

#[test]
fn an_explicit_other_auth_server_does_not_use_the_stored_login() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&[
        "refresh",
        "--force",
        "--auth-server",
        "https://api.figma.com",
    ]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("the stored login is for the authorization server http://127.0.0.1:"),
        "{out:?}"
    );
    assert_eq!(env.server.hits("token:refresh_token"), 0);
}

#[test]
fn a_pat_with_spaces_is_refused_before_registration() {
    let mut env = TestEnv::new();
    env.set_var("FIGMA_PERSONAL_ACCESS_TOKEN", Some("figd_a b"));
    let out = env.run(&["login", "--port", "0"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(env.server.hits("register"), 0);
}
