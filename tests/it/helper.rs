//! `header` (helper mode) and `env`: the header or export line of the current token, served from
//! the store without network when fresh, refreshed once under the lock when due, and one-line
//! failures with distinct exit codes when it cannot be had.

use crate::support::*;
use std::process::Stdio;

fn bearer_of(out: &Out) -> String {
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("header --json is JSON");
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 1, "{out:?}");
    obj["Authorization"]
        .as_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .expect("a Bearer value")
        .to_string()
}

#[test]
fn header_of_a_fresh_token_makes_no_request_and_takes_no_lock() {
    let env = TestEnv::new();
    env.login();
    let at = env.stored_access_token();
    let hits = env.server.total_hits();
    // Another figma-auth holds the lock: a fresh token is still served at once.
    let _lock = env.hold_store_lock("default");
    let out = env.run(&["header", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(bearer_of(&out), at);
    assert_eq!(
        out.stdout,
        format!("{{\"Authorization\":\"Bearer {at}\"}}\n")
    );
    assert!(out.stderr.is_empty(), "{out:?}");
    let out = env.run(&["header"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("Authorization: Bearer {at}\n"));
    assert_eq!(env.server.total_hits(), hits, "no network access");
    assert!(!env.path("browser/url").exists());
}

#[test]
fn header_refreshes_a_token_about_to_expire_once() {
    let env = TestEnv::new();
    env.login();
    let old = env.stored_access_token();
    env.expire_in(60);
    let out = env.run(&["header", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let new = bearer_of(&out);
    assert_ne!(new, old);
    assert_eq!(new, env.stored_access_token());
    assert!(env.server.access_token_works(&new));
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    let out = env.run(&["header", "--json"]);
    assert_eq!(bearer_of(&out), new);
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    // --min-valid moves the threshold.
    let out = env.run(&["header", "--min-valid", "2h"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.server.hits("token:refresh_token"), 2);
}

#[test]
fn header_without_a_login_exits_3_with_one_line_and_no_browser() {
    let env = TestEnv::new();
    let out = env.run(&["header", "--json"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("not logged in"), "{out:?}");
    assert!(
        out.stderr.trim_end().ends_with("run `figma-auth login`"),
        "{out:?}"
    );
    assert_eq!(env.server.total_hits(), 0);
    assert!(!env.path("browser/url").exists(), "no browser was started");

    // Profiles show in the fix.
    let out = env.run(&["--profile", "work", "header"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("figma-auth login --profile work"),
        "{out:?}"
    );
}

#[test]
fn header_failure_modes_have_distinct_exit_codes() {
    let mut env = TestEnv::new();
    env.login();
    // Rejected refresh token and an expired access token: log in again.
    env.set_expires_at("2000-01-01T00:00:00Z");
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = env.run(&["header", "--json"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("invalid_grant"), "{out:?}");
    assert!(out.stderr.contains("figma-auth setup"), "{out:?}");
    assert!(
        env.store("default").unwrap()["token"].is_object(),
        "nothing deleted"
    );

    // The server is down and the token has expired: temporary.
    env.server.set(|b| {
        b.refresh_invalid_grant = false;
        b.token_status = Some(503);
    });
    let out = env.run(&["header", "--json"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("503"), "{out:?}");

    // Down, but the token still works for two minutes: served, with a one-line warning.
    env.expire_in(120);
    let out = env.run(&["header", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(bearer_of(&out), env.stored_access_token());
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("warning"), "{out:?}");

    // Another figma-auth holds the store while the token is expired: busy.
    env.server.set(|b| b.token_status = None);
    env.set_expires_at("2000-01-01T00:00:00Z");
    let lock = env.hold_store_lock("default");
    env.set_var("FIGMA_AUTH_LOCK_TIMEOUT", Some("200ms"));
    let out = env.run(&["header"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("locked"), "{out:?}");
    drop(lock);
    let out = env.run(&["header"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn env_prints_an_export_line_per_shell() {
    let env = TestEnv::new();
    env.login();
    let at = env.stored_access_token();
    let out = env.run(&["env"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("export FIGMA_TOKEN='{at}'\n"));
    let out = env.run(&["env", "--shell", "fish", "--var", "FIGMA_MCP_TOKEN"]);
    assert_eq!(out.stdout, format!("set -gx FIGMA_MCP_TOKEN '{at}'\n"));
    let out = env.run(&["env", "--shell", "powershell"]);
    assert_eq!(out.stdout, format!("$env:FIGMA_TOKEN = '{at}'\n"));
    let out = env.run(&["env", "--shell", "zsh"]);
    assert_eq!(out.stdout, format!("export FIGMA_TOKEN='{at}'\n"));
    for bad in ["1X", "A-B", "A B", ""] {
        let out = env.run(&["env", "--var", bad]);
        assert_eq!(out.code, 2, "{out:?}");
    }
    let out = env.run(&["env", "--shell", "csh"]);
    assert_eq!(out.code, 2, "{out:?}");

    // `eval "$(figma-auth env)"` in a real shell sets the variable.
    let mut sh = std::process::Command::new("sh");
    let c = env.command::<&str>(&[]);
    sh.env_clear();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    let script = format!("eval \"$('{BIN}' env)\" && printf %s \"$FIGMA_TOKEN\"");
    let o = sh
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert_eq!(String::from_utf8(o.stdout).unwrap(), at);
}

#[test]
fn env_refreshes_a_due_token_and_needs_a_login() {
    let env = TestEnv::new();
    let out = env.run(&["env"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("figma-auth login"), "{out:?}");
    env.login();
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run(&["env"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.server.hits("token:refresh_token"), 1);
    assert_eq!(
        out.stdout,
        format!("export FIGMA_TOKEN='{}'\n", env.stored_access_token())
    );
}
