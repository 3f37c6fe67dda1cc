//! `figma-auth refresh` and `token`: rotation, concurrency under the store lock, `invalid_grant`
//! (log in again, exit 3) versus temporary failures (exit 4), and never deleting tokens.

use crate::support::*;
use std::time::Duration;

#[test]
fn two_forced_refreshes_in_a_row_rotate_the_refresh_token() {
    let env = TestEnv::new();
    env.login();
    let (at0, rt0) = (env.stored_access_token(), env.stored_refresh_token());
    for _ in 0..2 {
        let out = env.run(&["refresh", "--force"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stderr.contains("Refreshed the access token"), "{out:?}");
    }
    assert_eq!(env.server.hits("token:refresh_token"), 2);
    let (at2, rt2) = (env.stored_access_token(), env.stored_refresh_token());
    assert_ne!(at0, at2);
    assert_ne!(rt0, rt2);
    assert!(env.server.refresh_token_is_current(&rt2));
    assert!(env.server.access_token_works(&at2));
    assert_eq!(env.server.revoked_grants(), 0);
    let r = env.server.token_requests();
    assert!(r[1].contains_key("client_secret"));
    assert_eq!(r[1]["resource"], "https://mcp.figma.com/mcp");
}

#[test]
fn refresh_skips_a_fresh_token_and_refreshes_a_due_one() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["refresh"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("still valid"), "{out:?}");
    assert_eq!(env.server.hits("token:refresh_token"), 0);
    // Within --min-valid: refreshed.
    let out = env.run(&["refresh", "--min-valid", "2h"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    // token refreshes an expired token first.
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run(&["token"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.server.hits("token:refresh_token"), 2);
    assert_eq!(out.stdout.trim(), env.stored_access_token());
    assert!(env.server.access_token_works(out.stdout.trim()));
}

#[test]
fn eight_parallel_forced_refreshes_all_succeed() {
    let env = TestEnv::new();
    env.login();
    for out in env.cmd(&["refresh", "--force"]).race(8) {
        out.success();
    }
    assert_eq!(env.server.hits("token:refresh_token"), 8);
    assert_eq!(
        env.server.revoked_grants(),
        0,
        "no refresh token was reused"
    );
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
    assert!(env.server.access_token_works(&env.stored_access_token()));
    // And the store still works afterwards.
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn parallel_refreshes_of_a_due_token_make_one_request() {
    let env = TestEnv::new();
    env.login();
    env.set_expires_at("2000-01-01T00:00:00Z");
    for out in env.cmd(&["refresh"]).race(4) {
        out.success();
    }
    assert_eq!(env.server.hits("token:refresh_token"), 1);
}

#[test]
fn invalid_grant_means_login_again_and_deletes_nothing() {
    let env = TestEnv::new();
    env.login();
    let before = std::fs::read(env.store_path("default")).unwrap();
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("invalid_grant"), "{out:?}");
    assert!(out.stderr.contains("run `figma-auth setup`"), "{out:?}");
    // Nothing deleted: the store only records that a login is required.
    assert_eq!(
        without_login_mark(&std::fs::read(env.store_path("default")).unwrap()),
        without_login_mark(&before),
        "tokens and registration untouched"
    );
    let mark = &env.store("default").unwrap()["login_required"];
    assert!(
        mark["reason"].as_str().unwrap().contains("invalid_grant"),
        "{mark}"
    );

    // token: an unexpired token is still printed, with a warning.
    env.set_expires_at(
        &humantime::format_rfc3339_seconds(std::time::SystemTime::now() + Duration::from_secs(120))
            .to_string(),
    );
    let out = env.run(&["token"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("warning: could not refresh"), "{out:?}");
    // Expired: exit 3.
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run(&["token"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn invalid_grant_while_the_store_holds_a_newer_token_reloads() {
    let env = TestEnv::new();
    env.login();
    let store = env.store_path("default");
    // Another client rotates the refresh token just before ours is processed, and saves its
    // result in the store; the server then answers our (old) token with invalid_grant.
    env.server.set_refresh_hook(Box::new(move |state, rt| {
        let Some((at, new_rt)) = state.rotate_out_of_band(rt) else {
            return false;
        };
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&store).unwrap()).unwrap();
        v["token"]["access_token"] = at.into();
        v["token"]["refresh_token"] = new_rt.into();
        v["token"]["expires_at"] = "2100-01-01T00:00:00Z".into();
        std::fs::write(&store, v.to_string()).unwrap();
        true
    }));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
    assert!(env.server.access_token_works(&env.stored_access_token()));
    assert_eq!(env.server.revoked_grants(), 0);
}

#[test]
fn no_new_refresh_token_keeps_the_old_one() {
    let env = TestEnv::new();
    env.login();
    env.server.set(|b| b.rotate_refresh_tokens = false);
    let rt = env.stored_refresh_token();
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.stored_refresh_token(), rt);
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn missing_expires_in_uses_the_documented_default() {
    let env = TestEnv::new();
    env.server.set(|b| b.expires_in = None);
    let out = env.login();
    assert!(out.stderr.contains("assuming 1h"), "{out:?}");
    let v = env.run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
    let left = v["expires_in_seconds"].as_i64().unwrap();
    assert!((3000..=3600).contains(&left), "{left}");
}

#[test]
fn http_503_and_429_from_the_token_endpoint_are_temporary_errors() {
    let env = TestEnv::new();
    env.login();
    env.server.set(|b| b.token_status = Some(503));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("HTTP 503"), "{out:?}");
    assert!(out.stderr.contains("usually temporary"), "{out:?}");
    env.server.set(|b| b.token_status = Some(429));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("rate limiting"), "{out:?}");
}

#[test]
fn a_slow_server_times_out_as_temporary() {
    let mut env = TestEnv::new();
    env.login();
    env.set_var("FIGMA_AUTH_HTTP_TIMEOUT", Some("1s"));
    env.server.set(|b| b.delay = Duration::from_secs(4));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("timed out"), "{out:?}");
    assert!(out.stderr.contains("/v1/oauth/token"), "{out:?}");
}

#[test]
fn a_dead_server_is_temporary_and_named() {
    let env = TestEnv::new();
    let port = free_port();
    let out = env.run(&[
        "login",
        "--auth-server",
        &format!("http://127.0.0.1:{port}"),
        "--port",
        "0",
    ]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "http://127.0.0.1:{port}/.well-known/oauth-authorization-server"
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("caused by"), "{out:?}");
}

#[test]
fn a_held_lock_makes_refresh_busy() {
    let mut env = TestEnv::new();
    env.login();
    let lock = std::fs::File::open(env.path("config/figma-auth/credentials/default.lock")).unwrap();
    lock.lock().unwrap();
    env.set_var("FIGMA_AUTH_LOCK_TIMEOUT", Some("300ms"));
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("locked"), "{out:?}");
    assert_eq!(env.server.hits("token:refresh_token"), 0);
}

#[test]
fn a_scheduled_refresh_prints_one_line_per_config_file_and_one_summary() {
    let env = TestEnv::new();
    env.login();
    // A project that is not HOME, so each user file is one file.
    let project = env.path("home/project");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    for (rel, text) in [
        ("config/opencode/opencode.jsonc", "{\n  // mine\n}\n"),
        ("home/.cursor/mcp.json", "{}\n"),
    ] {
        let p = env.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = env.run_in(
        &project,
        &["setup", "--target", "opencode,cursor", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    env.set_expires_at("2000-01-01T00:00:00Z");

    let out = env.run_in(&project, &["refresh", "--write", "--log"]);
    assert_eq!(out.code, 0, "{out:?}");
    let files: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(files.len(), 2, "one line per config file: {out:?}");
    assert!(files.iter().all(|l| l.starts_with("updated ")), "{out:?}");
    let summary: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(summary.len(), 1, "one summary line: {out:?}");
    assert!(
        summary[0].starts_with("token refreshed, expires in ")
            && summary[0].ends_with("; configs: 2 updated, 0 current, 0 pending"),
        "{out:?}"
    );
    let log = std::fs::read_to_string(env.path("state/figma-auth/refresh.log")).unwrap();
    assert!(log.trim_end().ends_with(summary[0]), "{log}");

    // Nothing due: still one line per file and one summary.
    let out = env.run_in(&project, &["refresh", "--write", "--log"]);
    assert_eq!(out.stdout.lines().count(), 2, "{out:?}");
    assert!(
        out.stdout.lines().all(|l| l.starts_with("current ")),
        "{out:?}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");

    // A failure is the one summary line.
    env.set_expires_at("2000-01-01T00:00:00Z");
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = env.run_in(&project, &["refresh", "--write", "--log"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{out:?}");
    assert!(lines[0].starts_with("error: "), "{out:?}");
}
