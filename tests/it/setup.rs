//! `setup` finishes the job: the scheduled refresh (`--schedule`, never with `--write` alone, the
//! expiry line otherwise, `--every` against the token's lifetime), a dry run that never logs in,
//! and a broken config found before the browser opens.

use crate::support::*;

const OPENCODE: &str = "config/opencode/opencode.jsonc";
const CONFIG: &str = "{\n  // mine\n  \"theme\": \"dark\"\n}\n";

/// Logged in, a fake crontab, and an opencode config without the server.
fn with_opencode() -> Test {
    Test::new()
        .fake_crontab()
        .logged_in()
        .file(OPENCODE, CONFIG)
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

#[test]
fn write_alone_installs_no_schedule_and_ends_with_the_expiry_line() {
    let t = with_opencode();
    let out = t.run(&["setup", "--target", "opencode", "--write"]);
    out.success()
        .file_has(OPENCODE, "Bearer ")
        .stderr_has("✓ 1 file updated");
    assert_eq!(t.crontab(), None, "--write alone installs no schedule");
    let last = last_line(&out.stderr);
    assert!(
        last.starts_with("note: the token in the configs expires ")
            && last.ends_with("`figma-auth schedule install --write` keeps it fresh."),
        "{out:?}"
    );
}

#[test]
fn schedule_installs_the_refresh_and_then_no_expiry_line_is_printed() {
    let t = with_opencode();
    t.run(&["setup", "--target", "opencode", "--write", "--schedule"])
        .success()
        .stdout_has("Scheduled refresh (profile default): every 30m with the crontab")
        .stderr_has("✓ Scheduled refresh installed: every 30m with the crontab")
        .stderr_lacks("expires");
    let table = t.crontab().expect("installed");
    assert_eq!(
        table.lines().filter(|l| l.contains("figma-auth")).count(),
        1,
        "{table}"
    );

    // A later setup with a refreshed token finds the schedule: no offer, no expiry line.
    t.set_expires_at("2000-01-01T00:00:00Z");
    t.run(&["setup", "--target", "opencode", "--write"])
        .success()
        .stderr_has("✓ 1 file updated")
        .stdout_lacks("Scheduled refresh")
        .stderr_lacks("expires");
}

#[test]
fn every_longer_than_half_the_token_lifetime_is_refused_before_anything_is_written() {
    let t = with_opencode();
    t.run(&[
        "setup",
        "--target",
        "opencode",
        "--write",
        "--schedule",
        "--every",
        "45m",
    ])
    .status(1)
    .stderr_has("invalid interval \"45m\": it is longer than half the access token's lifetime (1h)")
    .stderr_has("use --every 30m or less")
    .file_is(OPENCODE, CONFIG);
    assert_eq!(t.crontab(), None);
    t.run(&["schedule", "install", "--write", "--every", "2h"])
        .status(1)
        .stderr_has("half the access token's lifetime");
    assert_eq!(t.crontab(), None);
    t.run(&["schedule", "install", "--write", "--every", "30m"])
        .success();
    assert!(t.crontab().is_some());
}

#[test]
fn a_dry_run_never_logs_in_and_shows_a_placeholder() {
    let t = Test::new().file(OPENCODE, CONFIG);
    t.run(&["setup", "--target", "opencode", "--dry-run"])
        .success()
        .stderr_has("A login is needed first")
        .stdout_has("\"Authorization\": \"Bearer figu_…irst\"")
        .stdout_has("would update")
        .stderr_has("Dry run: nothing was written.")
        .file_is(OPENCODE, CONFIG)
        .no_file("browser/url");
    assert_eq!(t.server.total_hits(), 0, "no request at all");
    assert!(t.store("default").is_none(), "nothing stored");
}

#[test]
fn a_broken_config_stops_setup_before_the_browser_opens() {
    let t = Test::new().file(OPENCODE, "{\n  \"mcp\": {\n");
    t.run(&["setup", "--target", "opencode", "--port", "0"])
        .status(1)
        .stderr_has("1 of 1 config files cannot be updated, so setup stopped before logging in")
        .stdout_has("opencode.jsonc")
        .stderr_has("then run `figma-auth setup` again")
        .no_file("browser/url")
        .file_is(OPENCODE, "{\n  \"mcp\": {\n");
    assert_eq!(t.server.total_hits(), 0);
}
