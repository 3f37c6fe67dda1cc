//! `setup` finishes the job: the scheduled refresh (`--schedule`, never with `--write` alone, the
//! expiry line otherwise, `--every` against the token's lifetime), a dry run that never logs in,
//! and a broken config found before the browser opens.

use crate::support::*;
use std::fs;

const CONFIG: &str = "{\n  // mine\n  \"theme\": \"dark\"\n}\n";

fn with_opencode(env: &TestEnv) -> std::path::PathBuf {
    let cfg = env.path("config/opencode/opencode.jsonc");
    fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    fs::write(&cfg, CONFIG).unwrap();
    cfg
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

#[test]
fn write_alone_installs_no_schedule_and_ends_with_the_expiry_line() {
    let mut env = TestEnv::new();
    env.use_fake_crontab();
    env.login();
    let cfg = with_opencode(&env);
    let out = env.run(&["setup", "--target", "opencode", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fs::read_to_string(&cfg).unwrap().contains("Bearer "));
    assert_eq!(env.crontab(), None, "--write alone installs no schedule");
    assert!(out.stderr.contains("✓ 1 file updated"), "{out:?}");
    let last = last_line(&out.stderr);
    assert!(
        last.starts_with("note: the token in the configs expires ")
            && last.ends_with("`figma-auth schedule install --write` keeps it fresh."),
        "{out:?}"
    );
}

#[test]
fn schedule_installs_the_refresh_and_then_no_expiry_line_is_printed() {
    let mut env = TestEnv::new();
    env.use_fake_crontab();
    env.login();
    with_opencode(&env);
    let out = env.run(&["setup", "--target", "opencode", "--write", "--schedule"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Scheduled refresh (profile default): every 30m with the crontab"),
        "the plan is shown: {out:?}"
    );
    let table = env.crontab().expect("installed");
    assert_eq!(
        table.lines().filter(|l| l.contains("figma-auth")).count(),
        1,
        "{table}"
    );
    assert!(
        out.stderr
            .contains("✓ Scheduled refresh installed: every 30m with the crontab"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("expires"), "{out:?}");

    // A later setup with a refreshed token finds the schedule: no offer, no expiry line.
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run(&["setup", "--target", "opencode", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("✓ 1 file updated"), "{out:?}");
    assert!(!out.stdout.contains("Scheduled refresh"), "{out:?}");
    assert!(!out.stderr.contains("expires"), "{out:?}");
}

#[test]
fn every_longer_than_half_the_token_lifetime_is_refused_before_anything_is_written() {
    let mut env = TestEnv::new();
    env.use_fake_crontab();
    env.login();
    let cfg = with_opencode(&env);
    let out = env.run(&[
        "setup",
        "--target",
        "opencode",
        "--write",
        "--schedule",
        "--every",
        "45m",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "invalid interval \"45m\": it is longer than half the access token's lifetime (1h)"
        ) && out.stderr.contains("use --every 30m or less"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), CONFIG);
    assert_eq!(env.crontab(), None);
    let out = env.run(&["schedule", "install", "--write", "--every", "2h"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("half the access token's lifetime"),
        "{out:?}"
    );
    assert_eq!(env.crontab(), None);
    let out = env.run(&["schedule", "install", "--write", "--every", "30m"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(env.crontab().is_some());
}

#[test]
fn a_dry_run_never_logs_in_and_shows_a_placeholder() {
    let env = TestEnv::new();
    let cfg = with_opencode(&env);
    let out = env.run(&["setup", "--target", "opencode", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.server.total_hits(), 0, "no request at all: {out:?}");
    assert!(!env.path("browser/url").exists(), "no browser was started");
    assert!(out.stderr.contains("A login is needed first"), "{out:?}");
    assert!(
        out.stdout
            .contains("\"Authorization\": \"Bearer figu_…irst\""),
        "{out:?}"
    );
    assert!(out.stdout.contains("would update"), "{out:?}");
    assert!(
        out.stderr.contains("Dry run: nothing was written."),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), CONFIG);
    assert!(env.store("default").is_none(), "nothing stored");
}

#[test]
fn a_broken_config_stops_setup_before_the_browser_opens() {
    let env = TestEnv::new();
    let cfg = env.path("config/opencode/opencode.jsonc");
    fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    fs::write(&cfg, "{\n  \"mcp\": {\n").unwrap();
    let out = env.run(&["setup", "--target", "opencode", "--port", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("1 of 1 config files cannot be updated, so setup stopped before logging in"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("opencode.jsonc"),
        "the file is named: {out:?}"
    );
    assert!(
        out.stderr.contains("then run `figma-auth setup` again"),
        "{out:?}"
    );
    assert_eq!(env.server.total_hits(), 0, "{out:?}");
    assert!(!env.path("browser/url").exists(), "no browser was started");
    assert_eq!(fs::read_to_string(&cfg).unwrap(), "{\n  \"mcp\": {\n");
}
