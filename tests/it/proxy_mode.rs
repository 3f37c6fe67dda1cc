//! Proxy mode: `setup --mode proxy` gives every client a local (stdio) entry that starts this
//! binary's `proxy` for the profile (no token in any file), switches URL entries over and back,
//! `refresh` leaves such entries alone, and `status` / `doctor` report them as `proxy`, check the
//! program and (doctor --online) one `initialize` round trip through it. Claude Desktop takes
//! proxy mode only.

use crate::support::mcp_server::McpServer;
use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;

/// Every client's user file in the test's HOME (Linux locations).
const FILES: &[(&str, &str)] = &[
    ("opencode", "config/opencode/opencode.jsonc"),
    ("claude", "home/.claude.json"),
    ("cursor", "home/.cursor/mcp.json"),
    ("codex", "home/.codex/config.toml"),
    ("gemini", "home/.gemini/settings.json"),
    ("vscode", "config/Code/User/mcp.json"),
    ("windsurf", "home/.codeium/windsurf/mcp_config.json"),
    ("zed", "config/zed/settings.json"),
    ("claude-desktop", "config/Claude/claude_desktop_config.json"),
];

fn targets() -> String {
    FILES.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(",")
}

fn stand_in() -> (TestEnv, McpServer) {
    let mut env = TestEnv::new();
    let mcp = McpServer::start(env.server.token_check());
    env.set_var("FIGMA_MCP_URL", Some(&mcp.url()));
    env.login();
    mcp.forget_requests();
    (env, mcp)
}

/// The command line a client would start, read from its file with a parser of its own.
fn argv_in(client: &str, text: &str) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let syntax = figma_auth::clients::by_id(client).unwrap().syntax;
    let v = figma_auth::edit::oracle::parse_client(syntax, text, false).unwrap();
    let container = match client {
        "opencode" => "mcp",
        "codex" => "mcp_servers",
        "vscode" => "servers",
        "zed" => "context_servers",
        _ => "mcpServers",
    };
    let e = &v[container]["figma"];
    assert!(
        e.get("url").is_none() && e.get("headers").is_none(),
        "{text}"
    );
    match client {
        "opencode" => {
            assert_eq!(e["type"], "local", "{text}");
            strings(&e["command"])
        }
        _ => {
            if matches!(client, "claude" | "vscode") {
                assert_eq!(e["type"], "stdio", "{text}");
            }
            let mut argv = vec![e["command"].as_str().unwrap().to_string()];
            argv.extend(strings(&e["args"]));
            argv
        }
    }
}

#[test]
fn setup_mode_proxy_configures_every_client_without_a_token() {
    let (env, mcp) = stand_in();
    // Claude Code holds an inline entry already: it is switched over.
    env.run(&["setup", "--target", "claude", "--write"])
        .success();
    let claude = env.path("home/.claude.json");
    assert!(std::fs::read_to_string(&claude)
        .unwrap()
        .contains(&env.stored_access_token()));

    let out = env.run(&[
        "setup",
        "--target",
        &targets(),
        "--mode",
        "proxy",
        "--write",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let want: Vec<String> = vec![
        BIN.to_string(),
        "proxy".into(),
        "--profile".into(),
        "default".into(),
        "--auth-server".into(),
        env.server.url().trim_end_matches('/').to_string(),
        "--mcp-url".into(),
        mcp.url(),
    ];
    for (client, rel) in FILES {
        let p = env.path(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{client}: {e}"));
        env.assert_no_secret_in_file(&p);
        assert!(!text.contains("Bearer"), "{client}: {text}");
        assert_eq!(argv_in(client, &text), want, "{client}: {text}");
    }

    // Nothing to refresh in them: a forced refresh changes no file.
    let before: Vec<Vec<u8>> = FILES
        .iter()
        .map(|(_, rel)| std::fs::read(env.path(rel)).unwrap())
        .collect();
    let out = env.run(&["refresh", "--force", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    for ((client, rel), b) in FILES.iter().zip(&before) {
        assert_eq!(&std::fs::read(env.path(rel)).unwrap(), b, "{client}");
    }
    // Setting up again changes nothing either.
    let out = env.run(&[
        "setup",
        "--target",
        &targets(),
        "--mode",
        "proxy",
        "--write",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    for ((client, rel), b) in FILES.iter().zip(&before) {
        assert_eq!(&std::fs::read(env.path(rel)).unwrap(), b, "{client}");
    }

    // status: every entry is `proxy`, nothing needs action.
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    let configs: Vec<&Value> = v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] != "no-entry")
        .collect();
    assert_eq!(configs.len(), FILES.len(), "{v:#}");
    for c in configs {
        assert_eq!(c["state"], "proxy", "{c}");
        assert_eq!(c["in_use"], true, "{c}");
        assert_eq!(c["managed"], true, "{c}");
        assert!(c.get("needs_action").is_none(), "{c}");
        assert!(
            c["detail"]
                .as_str()
                .unwrap()
                .contains(" proxy --profile default"),
            "{c}"
        );
    }
    let out = env.run(&["status"]);
    out.line_with(&["Claude Desktop", "proxy"]);

    // doctor: the program is there; --online runs one round trip through it per command line.
    let out = env.run(&["doctor"]);
    out.line_with(&[
        "claude_desktop_config.json",
        "proxy mode, the client starts",
    ]);
    assert!(!out.stdout.contains("PROBLEM"), "{out:?}");
    assert_eq!(mcp.posts("initialize").len(), 0);
    let out = env.run(&["doctor", "--online"]);
    assert!(!out.stdout.contains("PROBLEM"), "{out:?}");
    out.line_with(&[
        ".claude.json",
        "proxy mode",
        "--check` answered: ok: the MCP server",
    ]);
    // One `--check` for the nine files (one command line), plus doctor's own online check.
    assert_eq!(mcp.posts("initialize").len(), 2, "{:?}", mcp.seen());

    // Back to a URL entry on an explicit --mode inline.
    let out = env.run(&["setup", "--target", "claude", "--mode", "inline", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: Value = serde_json::from_slice(&std::fs::read(&claude).unwrap()).unwrap();
    let e = &v["mcpServers"]["figma"];
    assert_eq!(e["type"], "http");
    assert_eq!(e["url"], mcp.url());
    assert_eq!(
        e["headers"]["Authorization"],
        format!("Bearer {}", env.stored_access_token())
    );
    assert!(e.get("command").is_none() && e.get("args").is_none(), "{e}");
}

#[test]
fn claude_desktop_takes_proxy_mode_only() {
    let (env, _mcp) = stand_in();
    let out = env.run(&["setup", "--target", "claude-desktop", "--mode", "inline"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("use --mode proxy"), "{out:?}");
    assert!(!env.path("config/Claude").exists());
    // Without --mode it gets proxy mode, under its alias too.
    let out = env.run(&["setup", "--target", "claudedesktop", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let p = env.path("config/Claude/claude_desktop_config.json");
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(argv_in("claude-desktop", &text)[..2], [BIN, "proxy"]);
    env.assert_no_secret_in_file(&p);
    // Asked for a mode it lacks along with other clients, it gets its own.
    let out = env.run(&[
        "setup",
        "--target",
        "claude-desktop,cursor",
        "--mode",
        "env",
        "--write",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("use --mode proxy"), "{out:?}");
}

#[test]
fn a_proxy_entry_whose_binary_is_gone_needs_action() {
    let (env, _mcp) = stand_in();
    let p: PathBuf = env.path("home/.cursor/mcp.json");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(
        &p,
        format!(
            r#"{{"mcpServers": {{"figma": {{"command": "/opt/gone/figma-auth", "args": ["proxy", "--profile", "default", "--mcp-url", "{}"]}}}}}}"#,
            _mcp.url()
        ),
    )
    .unwrap();
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let c = &out.json()["configs"][0];
    assert_eq!(c["state"], "proxy", "{c}");
    assert_eq!(c["needs_action"], true, "{c}");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("/opt/gone/figma-auth, which does not exist"),
        "{c}"
    );
    assert!(
        c["fix"].as_str().unwrap().ends_with("--mode proxy --write"),
        "{c}"
    );
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        "proxy mode, but the entry runs /opt/gone/figma-auth, which does not exist",
        "--mode proxy",
    ]);
    // setup points it at this binary.
    let out = env.run(&["setup", "--target", "cursor", "--mode", "proxy", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(argv_in("cursor", &text)[0], BIN);
    assert_eq!(env.run(&["status"]).code, 0);
}

#[test]
fn doctor_online_reports_a_proxy_that_needs_a_login() {
    let (env, mcp) = stand_in();
    env.run(&["setup", "--target", "gemini", "--mode", "proxy", "--write"])
        .success();
    env.run(&["logout"]).success();
    let out = env.run(&["doctor", "--online"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        "settings.json",
        "proxy mode, but the proxy needs a login",
        "figma-auth login --profile default",
    ]);
    assert_eq!(mcp.posts("initialize").len(), 0);
}

/// A dry run before any login in proxy mode says a login comes first, without promising a
/// placeholder token: a proxy entry holds none.
#[test]
fn a_proxy_dry_run_without_a_login_promises_no_placeholder_token() {
    let t = Test::new();
    let out = t.run(&[
        "setup",
        "--dry-run",
        "--target",
        "cursor",
        "--mode",
        "proxy",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    out.stderr_has("A login is needed first; a dry run does not log in (`figma-auth setup")
        .stderr_has("logs in, then writes these changes).");
    out.stdout_lacks("placeholder").stderr_lacks("placeholder");
    out.line_with(&["+", "\"proxy\""]);
}
