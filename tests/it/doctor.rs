//! `doctor`: every planted problem named with the command that fixes it, the precedence of
//! clients' files, and `--online` against the mock MCP endpoint (200, 401, 403, 429, 5xx, network,
//! wrong URL), all through the binary. Doctor only reads: nothing is written.

use crate::support::*;
use std::fs;
use std::path::PathBuf;

/// A project directory (a git repository) to run in.
fn project(env: &TestEnv) -> PathBuf {
    let p = env.path("home/project");
    fs::create_dir_all(p.join(".git")).unwrap();
    p
}

/// Every PROBLEM and warning line ends with a command in backticks.
fn assert_fixes(out: &Out) {
    for l in out.stdout.lines() {
        if l.starts_with("  PROBLEM") || l.starts_with("  warning") {
            assert!(
                l.contains("; fix: ") && l.ends_with('`'),
                "no fix: {l}\n{out:?}"
            );
        }
    }
}

#[test]
fn doctor_without_a_login_says_log_in() {
    let env = TestEnv::new();
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_fixes(&out);
    out.line_with(&["PROBLEM", "not logged in", "run `figma-auth login`"]);
    assert!(out.stdout.ends_with("1 problem found.\n"), "{out:?}");
    let v = env.run(&["doctor", "--json"]).json();
    assert_eq!(v["healthy"], false);
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["problems"], 1);
    let p = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["level"] == "problem")
        .unwrap();
    assert_eq!(p["command"], "figma-auth login");
    assert!(
        !env.path("config/figma-auth").exists(),
        "doctor wrote nothing"
    );
}

#[test]
fn doctor_is_healthy_after_setup() {
    let env = TestEnv::new();
    let project = project(&env);
    env.login();
    let out = env.run_in(&project, &["setup", "--target", "opencode", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&["ok", "opencode.jsonc (opencode, user scope): current token"]);
    out.line_with(&["ok", "access token mock_", "valid until"]);
    out.line_with(&[
        "warning",
        "no scheduled refresh, and 1 config file holds the token inline",
        "run `figma-auth schedule install --write`",
    ]);
    assert!(
        out.stdout.ends_with("No problem found; 1 warning.\n"),
        "{out:?}"
    );
    let v = env.run_in(&project, &["doctor", "--json"]).json();
    assert_eq!(v["healthy"], true);
    assert_eq!(v["exit_code"], 0);
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["area"] == "configs" && c["level"] == "ok"));
    assert_eq!(env.server.hits("mcp"), 0, "offline by default");
}

#[test]
fn doctor_names_every_planted_problem_with_its_fix() {
    let env = TestEnv::new();
    let project = project(&env);
    env.login();
    let out = env.run_in(&project, &["setup", "--target", "opencode", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let url = "https://mcp.figma.com/mcp";
    // A stale token in Cursor's config (set up earlier).
    write(
        &env.path("home/.cursor/mcp.json"),
        format!(
            "{{\"mcpServers\": {{\"figma\": {{\"url\": \"{url}\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}}\n"
        ),
    );
    env.manage("cursor", "user", &env.path("home/.cursor/mcp.json"));
    // A project opencode.json (nobody's) whose figma entry overrides the managed global one.
    write(
        &project.join("opencode.json"),
        format!(
            "{{\"mcp\": {{\"figma\": {{\"type\": \"remote\", \"url\": \"{url}\", \"oauth\": false, \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}}\n"
        ),
    );
    // A malformed config.
    write(
        &env.path("home/.codeium/windsurf/mcp_config.json"),
        "{\n  \"mcpServers\": {\n    \"figma\": \n",
    );
    // Loose store permissions, and an expired access token.
    env.set_expires_at("2000-01-01T00:00:00Z");
    let store = env.store_path("default");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&store, fs::Permissions::from_mode(0o644)).unwrap();
    let before = fs::read(&store).unwrap();

    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
        "PROBLEM",
        "default.json is accessible by other users (mode 0644)",
        "run `chmod 600 ",
    ]);
    out.line_with(&[
        "PROBLEM",
        "access token mock_",
        "expired 2000-01-01T00:00:00Z",
        "run `figma-auth refresh --write`",
    ]);
    out.line_with(&[
        "PROBLEM",
        ".cursor/mcp.json (Cursor, user scope): holds an old token",
        "run `figma-auth refresh --write --target cursor`",
    ]);
    out.line_with(&[
            "PROBLEM",
            "opencode uses the `figma` entry of ",
            "project/opencode.json (opencode, project scope), which overrides ",
            "config/opencode/opencode.jsonc (opencode, user scope)",
            "remove that entry, or adopt it, then run `figma-auth setup --target opencode --scope project --write`",
        ]);
    out.line_with(&[
            "info",
            "project/opencode.json (opencode, project scope): the `figma` entry is not managed by this profile",
        ]);
    out.line_with(&[
        "PROBLEM",
        "mcp_config.json (Windsurf, user scope) cannot be read",
        "line",
        "then run `figma-auth doctor`",
    ]);
    let v = env.run_in(&project, &["doctor", "--json"]).json();
    assert_eq!(v["exit_code"], 1);
    assert!(v["problems"].as_u64().unwrap() >= 5, "{v:#}");
    for c in v["checks"].as_array().unwrap() {
        if c["level"] == "problem" {
            assert!(c["command"].is_string(), "{c}");
            assert!(c["fix"].as_str().unwrap().ends_with('`'), "{c}");
        }
    }
    // Doctor only reads.
    assert_eq!(fs::read(&store).unwrap(), before);
    assert_eq!(file_mode(&store), 0o644);
    assert_eq!(env.server.hits("token"), 1, "no refresh");

    // Following the fixes makes it healthy again.
    fs::set_permissions(&store, fs::Permissions::from_mode(0o600)).unwrap();
    fs::remove_file(env.path("home/.codeium/windsurf/mcp_config.json")).unwrap();
    let out = env.run_in(&project, &["refresh", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    // The unmanaged project entry still overrides: refresh leaves it alone until it is adopted.
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    let out = env.run_in(
        &project,
        &[
            "setup", "--target", "opencode", "--scope", "project", "--write",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("adopted"), "{out:?}");
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn claude_precedence_and_indirect_entries() {
    let env = TestEnv::new();
    let project = project(&env);
    env.login();
    let out = env.run_in(&project, &["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    // A project .mcp.json naming figma with another server beats the user scope.
    write(
        &project.join(".mcp.json"),
        "{\"mcpServers\": {\"figma\": {\"type\": \"http\", \"url\": \"http://127.0.0.1:3845/mcp\"}}}\n",
    );
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
        "PROBLEM",
        "Claude Code uses the `figma` entry of ",
        ".mcp.json (Claude Code, project scope), which overrides ~/.claude.json",
        "--scope project --force --write`",
    ]);
    // A helper entry in the project scope: credentials come from `figma-auth header`.
    write(
        &project.join(".mcp.json"),
        "{\"mcpServers\": {\"figma\": {\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headersHelper\": \"figma-auth header --json\"}}}\n",
    );
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&[
        "ok",
        ".mcp.json",
        "credentials from the `headersHelper` command",
    ]);
    out.line_with(&["info", "Claude Code uses the entry of", ".mcp.json"]);
}

#[test]
fn references_and_the_token_file_are_checked() {
    let mut env = TestEnv::new();
    let project = project(&env);
    env.login();
    let cfg = env.path("config/opencode/opencode.json");
    write(
        &cfg,
        "{\"mcp\": {\"figma\": {\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"oauth\": false, \"headers\": {\"Authorization\": \"Bearer {env:FIGMA_TOKEN}\"}}}}\n",
    );
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
        "warning",
        "reads the token from {env:FIGMA_TOKEN}, but FIGMA_TOKEN is not set",
        "run `figma-auth env --var FIGMA_TOKEN`",
    ]);
    env.set_var("FIGMA_TOKEN", Some("whatever"));
    let out = env.run_in(&project, &["doctor"]);
    out.line_with(&["ok", "reads the token from {env:FIGMA_TOKEN}"]);

    let token_file = env.path("config/figma-auth/tokens/default.token");
    write(
        &cfg,
        format!(
            "{{\"mcp\": {{\"figma\": {{\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"oauth\": false, \"headers\": {{\"Authorization\": \"Bearer {{file:{}}}\"}}}}}}}}\n",
            token_file.display()
        ),
    );
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&["PROBLEM", "default.token}, which does not exist"]);
    // A token file holding an old token.
    write(&token_file, OLD);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&token_file, fs::Permissions::from_mode(0o600)).unwrap();
    let tokens_dir = token_file.parent().unwrap();
    fs::set_permissions(tokens_dir, fs::Permissions::from_mode(0o755)).unwrap();
    let out = env.run_in(&project, &["doctor"]);
    out.line_with(&[
        "PROBLEM",
        "tokens is accessible by other users (mode 0755)",
        "run `chmod 700 ",
    ]);
    fs::set_permissions(tokens_dir, fs::Permissions::from_mode(0o700)).unwrap();
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        "default.token holds another token",
        "run `figma-auth refresh --force`",
    ]);
    let out = env.run_in(&project, &["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&["ok", "default.token holds the current access token"]);
}

/// A logged-in environment whose MCP URL is the mock's `/mcp` (or `path`).
fn online_env(path: &str) -> TestEnv {
    let mut env = TestEnv::new();
    let url = format!("{}{path}", env.server.url());
    env.set_var("FIGMA_MCP_URL", Some(&url));
    env.login();
    env
}

#[test]
fn online_check_accepts_the_current_token() {
    let env = online_env("/mcp");
    // The login asked whoami already (and stored the account); look at doctor's requests only.
    let before = env.server.mcp_requests().len();
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&[
            "ok",
            "/mcp accepts the token (initialize: HTTP 200, mock-figma-mcp 1.0.0, protocol 2025-11-25); logged in as Mock User (mock.user@example.com)",
        ]);
    out.line_with(&["lifetimes: tokens last 1 hour; not refreshed yet"]);
    let reqs: Vec<_> = env.server.mcp_requests().split_off(before);
    let methods: Vec<String> = reqs
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
            format!("{} {}", r.method, body["method"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        methods,
        [
            "POST initialize",
            "POST notifications/initialized",
            "POST tools/call",
            "DELETE "
        ],
        "{reqs:?}"
    );
    let init = &reqs[0];
    assert!(init.token_ok);
    assert_eq!(
        init.accept.as_deref(),
        Some("application/json, text/event-stream")
    );
    assert_eq!(init.content_type.as_deref(), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&init.body).unwrap();
    assert_eq!(body["jsonrpc"], "2.0");
    // Figma's server accepts 2026-07-28 and then fails its methods: 2025-11-25 is offered, and
    // every request carries it.
    assert_eq!(body["params"]["protocolVersion"], "2025-11-25");
    for r in &reqs {
        assert_eq!(r.protocol_version.as_deref(), Some("2025-11-25"), "{r:?}");
    }
    for r in &reqs[1..] {
        assert!(r.session_id.is_some(), "{r:?}");
    }
    let call: serde_json::Value = serde_json::from_str(&reqs[2].body).unwrap();
    assert_eq!(call["params"]["name"], "whoami");
}

#[test]
fn online_check_reports_the_token_accepted_when_whoami_is_not_possible() {
    use crate::support::mock::Whoami;
    for mode in [Whoami::Missing, Whoami::RateLimited] {
        let env = online_env("/mcp");
        env.server.set(|b| b.whoami = mode.clone());
        let out = env.run(&["doctor", "--online"]);
        assert_eq!(out.code, 0, "{mode:?}: {out:?}");
        let l = out.line_with(&["ok", "/mcp accepts the token"]);
        assert!(!l.contains("logged in as"), "{l}");
    }
}

#[test]
fn online_check_explains_401_403_429_and_5xx() {
    let env = online_env("/mcp");
    env.server.set(|b| b.mcp_status = Some(401));
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
            "PROBLEM",
            "rejected the token (HTTP 401: invalid_token: The access token expired)",
            "run `figma-auth refresh --force`; if the server still rejects it, log in again, then run `figma-auth login`",
        ]);
    let v = env.run(&["doctor", "--online", "--json"]).json();
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["area"] == "server")
        .unwrap()
        .clone();
    assert_eq!(c["level"], "problem");
    assert_eq!(c["command"], "figma-auth login");

    env.server.set(|b| b.mcp_status = Some(403));
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&["PROBLEM", "refused access (HTTP 403", "seat"]);

    env.server.set(|b| b.mcp_status = Some(429));
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
        "warning",
        "rate limiting (HTTP 429): a Figma quota, not a problem with the token; retry after 30s",
    ]);
    assert!(out.stdout.contains("could not be checked"), "{out:?}");
    let v = env.run(&["doctor", "--online", "--json"]).json();
    assert_eq!(v["exit_code"], 4);
    assert_eq!(v["healthy"], true);

    env.server.set(|b| b.mcp_status = Some(503));
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 4, "{out:?}");
    out.line_with(&["warning", "server-side problem (HTTP 503"]);
    // The token was never the issue: nothing was refreshed.
    assert_eq!(env.server.hits("token:refresh_token"), 0);
}

#[test]
fn online_check_network_errors_are_temporary_and_wrong_urls_are_named() {
    let dead = format!("http://127.0.0.1:{}/mcp", free_port());
    let mut env = TestEnv::new();
    env.set_var("FIGMA_MCP_URL", Some(&dead));
    env.login();
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
        "warning",
        "could not reach http://127.0.0.1:",
        "check the network connection",
    ]);

    let env = online_env("/not-mcp");
    // The login's `whoami` and doctor's check: both reach a path the server does not serve.
    env.server.expect_hits("other", 2);
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&["PROBLEM", "answered HTTP 404", "is it an MCP server URL?"]);
}

#[test]
fn online_check_sends_the_token_only_where_it_belongs() {
    let env = online_env("/mcp");
    let elsewhere = format!("{}/elsewhere", env.server.url());
    let out = env.run(&["doctor", "--online", "--mcp-url", &elsewhere]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        "not checked: the token was issued for",
        "is not sent elsewhere",
    ]);
    assert_eq!(env.server.hits("other"), 0);
    // The login itself talked to /mcp (whoami); doctor did not.
    let after_login = env.server.hits("mcp");
    assert_eq!(after_login, 4, "initialize, initialized, whoami, DELETE");
    // An expired token is not sent either.
    env.set_expires_at("2000-01-01T00:00:00Z");
    let out = env.run(&["doctor", "--online"]);
    out.line_with(&["info", "not checked: the access token has expired"]);
    assert_eq!(env.server.hits("mcp"), after_login);
}

#[test]
fn the_schedule_is_checked_through_the_schedule_module() {
    let mut env = TestEnv::new();
    let project = project(&env);
    env.login();
    assert_eq!(
        env.run_in(&project, &["setup", "--target", "cursor", "--write"])
            .code,
        0
    );
    // A PATH with a fake crontab and no systemd user manager.
    env.use_fake_crontab();

    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&[
        "warning",
        "no scheduled refresh",
        "run `figma-auth schedule install --write`",
    ]);

    assert_eq!(
        env.run_in(&project, &["schedule", "install", "--write"])
            .code,
        0
    );
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&["ok", "`figma-auth refresh --write` is scheduled: crontab at crontab, every 30m, no run logged yet"]);
    assert!(out.stdout.ends_with("No problem found.\n"), "{out:?}");

    // A scheduled run that failed is a problem.
    env.server.set(|b| b.refresh_invalid_grant = true);
    let out = env.run_in(&project, &["refresh", "--write", "--force", "--log"]);
    assert_eq!(out.code, 3, "{out:?}");
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_fixes(&out);
    out.line_with(&[
        "PROBLEM",
        "the last scheduled run failed (exit 3)",
        "run `figma-auth refresh --write`",
    ]);
}

#[test]
fn helper_and_file_modes_set_up_by_setup_are_checked() {
    let env = TestEnv::new();
    let project = project(&env);
    env.login();
    let out = env.run_in(
        &project,
        &["setup", "--target", "claude", "--mode", "helper", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(
        &project,
        &["setup", "--target", "opencode", "--mode", "file", "--write"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.line_with(&["ok", ".claude.json (Claude Code, user scope): credentials from the `headersHelper` command (helper mode)"]);
    out.line_with(&[
        "ok",
        "opencode.jsonc (opencode, user scope): reads the token from {file:",
    ]);
    out.line_with(&["ok", "default.token holds the current access token"]);
    // No config holds the token inline: no schedule is needed.
    out.line_with(&[
        "info",
        "no scheduled refresh (no config holds the token inline)",
    ]);

    // The helper binary disappeared (an upgrade moved it).
    let claude = env.path("home/.claude.json");
    let text = fs::read_to_string(&claude).unwrap();
    fs::write(&claude, text.replace(BIN, "/nonexistent/figma-auth")).unwrap();
    let out = env.run_in(&project, &["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        "the `figma` entry's `headersHelper` command runs /nonexistent/figma-auth, which does not exist",
        "run `figma-auth setup --target claude --scope user --write`",
    ]);
}
