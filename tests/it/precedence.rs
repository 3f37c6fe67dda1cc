//! Which file's entry each client uses when several of its files hold one, pinned case by case:
//! `status` (the config marked `in_use`) and `doctor` (the check that says which entry the client
//! uses) must both name the file the client itself uses.

use crate::support::TestEnv;
use std::fs;
use std::path::{Path, PathBuf};

const OLD: &str = "figu_FIXTURE_OLD_TOKEN";
const URL: &str = "https://mcp.figma.com/mcp";
const DESKTOP: &str = "http://127.0.0.1:3845/mcp";

fn write(path: &Path, content: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A logged-in environment with a git repository `home/project` and the cwd `cwd` inside it.
fn logged_in(cwd: &str) -> (TestEnv, PathBuf, PathBuf) {
    let env = TestEnv::new();
    let project = env.path("home/project");
    fs::create_dir_all(project.join(".git")).unwrap();
    let cwd = project.join(cwd);
    fs::create_dir_all(&cwd).unwrap();
    env.login();
    (env, project, cwd)
}

fn json_entry(url: &str, token: Option<&str>) -> String {
    match token {
        Some(t) => format!(
            "{{\"type\": \"http\", \"url\": \"{url}\", \"headers\": {{\"Authorization\": \"Bearer {t}\"}}}}"
        ),
        None => format!("{{\"type\": \"http\", \"url\": \"{url}\"}}"),
    }
}

fn mcp_servers(entry: &str) -> String {
    format!("{{\n  \"mcpServers\": {{\"figma\": {entry}}}\n}}\n")
}

fn codex(token: &str) -> String {
    format!("[mcp_servers.figma]\nurl = \"{URL}\"\nhttp_headers = {{ Authorization = \"Bearer {token}\" }}\n")
}

/// The file a client uses: its path and, for Claude's local scope, its project key.
#[derive(Debug, PartialEq, Eq)]
struct Used {
    path: PathBuf,
    local: bool,
}

/// The one element of the array `key` in the JSON `args` prints that matches `pred`.
fn the_one(
    env: &TestEnv,
    cwd: &Path,
    args: &[&str],
    key: &str,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let out = env.run_in(cwd, args);
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    let found: Vec<&serde_json::Value> = v[key]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| pred(c))
        .collect();
    assert_eq!(found.len(), 1, "{args:?}: {:#}", v[key]);
    found[0].clone()
}

/// What `status --json` marks in use for `client` (exactly one file).
fn status_in_use(env: &TestEnv, cwd: &Path, client: &str) -> Used {
    let c = the_one(env, cwd, &["status", "--json"], "configs", |c| {
        c["client"] == client && c["in_use"] == true
    });
    Used {
        path: PathBuf::from(c["path"].as_str().unwrap()),
        local: c["scope"] == "local",
    }
}

/// The file `doctor --json` says `client_name` uses (the one check that names it).
fn doctor_in_use(env: &TestEnv, cwd: &Path, client_name: &str) -> (Used, String) {
    let c = the_one(env, cwd, &["doctor", "--json"], "checks", |c| {
        c["area"] == "configs"
            && c["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(&format!("{client_name} uses the ")))
    });
    let message = c["message"].as_str().unwrap().to_string();
    let local = message
        .split(" (")
        .nth(1)
        .is_some_and(|scope| scope.contains("local scope"));
    (
        Used {
            path: PathBuf::from(c["path"].as_str().unwrap()),
            local,
        },
        message,
    )
}

/// Both commands name `expected` for the client (paths compared with symlinks resolved).
fn both_name(env: &TestEnv, cwd: &Path, client: &str, client_name: &str, expected: Used) {
    let real = |u: Used| Used {
        path: u.path.canonicalize().unwrap_or(u.path),
        local: u.local,
    };
    let expected = real(expected);
    assert_eq!(
        real(status_in_use(env, cwd, client)),
        expected,
        "status, {client}"
    );
    let (doctor, message) = doctor_in_use(env, cwd, client_name);
    assert_eq!(real(doctor), expected, "doctor, {client}: {message}");
}

/// Codex reads the project files from the git root down to the cwd: the nearest one's entry
/// wins over the root's and the user's.
#[test]
fn codex_uses_the_project_file_nearest_the_cwd() {
    let (env, project, cwd) = logged_in("sub");
    let token = env.stored_access_token();
    write(&env.path("home/.codex/config.toml"), codex(OLD));
    write(&project.join(".codex/config.toml"), codex(OLD));
    let nearest = cwd.join(".codex/config.toml");
    write(&nearest, codex(&token));
    let expected = || Used {
        path: nearest.clone(),
        local: false,
    };
    both_name(&env, &cwd, "codex", "Codex CLI", expected());

    // With an old token in the nearest file and the current one at the root, the nearest still
    // wins: doctor says it overrides the good one.
    write(&nearest, codex(OLD));
    write(&project.join(".codex/config.toml"), codex(&token));
    both_name(&env, &cwd, "codex", "Codex CLI", expected());
    let (_, message) = doctor_in_use(&env, &cwd, "Codex CLI");
    assert!(message.contains("which overrides"), "{message}");
}

/// Claude Code takes a project `.mcp.json` over `~/.claude.json`: a `figma` entry there that
/// points at Figma's desktop server is the one used, even when the user entry is good.
#[test]
fn claude_uses_a_project_entry_pointing_at_the_desktop_server() {
    let (env, project, cwd) = logged_in("");
    let out = env.run_in(&cwd, &["setup", "--target", "claude", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mcp = project.join(".mcp.json");
    write(&mcp, mcp_servers(&json_entry(DESKTOP, None)));
    both_name(
        &env,
        &cwd,
        "claude",
        "Claude Code",
        Used {
            path: mcp,
            local: false,
        },
    );
    let (_, message) = doctor_in_use(&env, &cwd, "Claude Code");
    assert!(
        message.contains("which overrides ~/.claude.json"),
        "{message}"
    );
}

/// Claude Code's local scope (`projects["<dir>"]` in `~/.claude.json`) wins over the project and
/// the user scope.
#[test]
fn claude_uses_the_local_scope_over_project_and_user() {
    let (env, project, cwd) = logged_in("");
    let token = env.stored_access_token();
    let key =
        serde_json::to_string(&project.canonicalize().unwrap().display().to_string()).unwrap();
    let entry = json_entry(URL, Some(&token));
    write(
        &env.path("home/.claude.json"),
        format!(
            "{{\n  \"mcpServers\": {{\"figma\": {entry}}},\n  \"projects\": {{{key}: {{\"mcpServers\": {{\"figma\": {entry}}}}}}}\n}}\n"
        ),
    );
    write(
        &project.join(".mcp.json"),
        mcp_servers(&json_entry(URL, Some(OLD))),
    );
    both_name(
        &env,
        &cwd,
        "claude",
        "Claude Code",
        Used {
            path: env.path("home/.claude.json"),
            local: true,
        },
    );
}

/// Gemini CLI's project file in the cwd replaces the user entry.
#[test]
fn gemini_uses_the_cwd_project_file() {
    let (env, _project, cwd) = logged_in("");
    let token = env.stored_access_token();
    let entry = |t: &str| {
        format!("{{\n  \"mcpServers\": {{\"figma\": {{\"httpUrl\": \"{URL}\", \"headers\": {{\"Authorization\": \"Bearer {t}\"}}}}}}\n}}\n")
    };
    write(&env.path("home/.gemini/settings.json"), entry(OLD));
    let project_file = cwd.join(".gemini/settings.json");
    write(&project_file, entry(&token));
    both_name(
        &env,
        &cwd,
        "gemini",
        "Gemini CLI",
        Used {
            path: project_file,
            local: false,
        },
    );
}

/// opencode deep-merges its files field by field: the file that supplies the Authorization
/// header is the one in use — the global one when the project entry sets only the URL, the
/// project one when it sets a header of its own.
#[test]
fn opencode_uses_the_file_whose_header_survives_the_merge() {
    let (env, project, cwd) = logged_in("");
    let global = env.path("config/opencode/opencode.jsonc");
    write(&global, "{}\n");
    let out = env.run_in(&cwd, &["setup", "--target", "opencode", "--write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let project_file = project.join("opencode.json");
    write(
        &project_file,
        format!("{{\"mcp\": {{\"figma\": {{\"type\": \"remote\", \"url\": \"{URL}\"}}}}}}\n"),
    );
    both_name(
        &env,
        &cwd,
        "opencode",
        "opencode",
        Used {
            path: global.clone(),
            local: false,
        },
    );

    write(
        &project_file,
        format!("{{\"mcp\": {{\"figma\": {{\"type\": \"remote\", \"url\": \"{URL}\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}}\n"),
    );
    both_name(
        &env,
        &cwd,
        "opencode",
        "opencode",
        Used {
            path: project_file,
            local: false,
        },
    );
}

/// Cursor, VS Code and Zed: the project's file at the git root (not the cwd below it) wins over
/// the user's file, each in its own container.
#[test]
fn the_project_file_at_the_git_root_wins_for_cursor_vscode_and_zed() {
    let (env, project, cwd) = logged_in("sub/deeper");
    let token = env.stored_access_token();
    let in_container = |container: &str, entry: &str| {
        format!("{{\n  \"{container}\": {{\"figma\": {entry}}}\n}}\n")
    };
    let cases = [
        (
            "cursor",
            "Cursor",
            "mcpServers",
            env.path("home/.cursor/mcp.json"),
            project.join(".cursor/mcp.json"),
        ),
        (
            "vscode",
            "VS Code",
            "servers",
            env.path("config/Code/User/mcp.json"),
            project.join(".vscode/mcp.json"),
        ),
        (
            "zed",
            "Zed",
            "context_servers",
            env.path("config/zed/settings.json"),
            project.join(".zed/settings.json"),
        ),
    ];
    for (_, _, container, user, project_file) in &cases {
        write(user, in_container(container, &json_entry(URL, Some(OLD))));
        write(
            project_file,
            in_container(container, &json_entry(URL, Some(&token))),
        );
    }
    for (client, name, _, _, project_file) in cases {
        both_name(
            &env,
            &cwd,
            client,
            name,
            Used {
                path: project_file,
                local: false,
            },
        );
    }
}

/// Qwen Code reads its project file in the cwd only (not at the git root): the cwd's entry
/// replaces the user's, and a file at the git root above it is not read.
#[test]
fn qwen_uses_the_cwd_project_file_not_the_git_roots() {
    let (env, project, cwd) = logged_in("sub");
    let token = env.stored_access_token();
    let entry = |t: &str| {
        format!("{{\n  \"mcpServers\": {{\"figma\": {{\"httpUrl\": \"{URL}\", \"headers\": {{\"Authorization\": \"Bearer {t}\"}}}}}}\n}}\n")
    };
    let user = env.path("home/.qwen/settings.json");
    write(&user, entry(OLD));
    write(&project.join(".qwen/settings.json"), entry(OLD));
    let in_cwd = cwd.join(".qwen/settings.json");
    write(&in_cwd, entry(&token));
    both_name(
        &env,
        &cwd,
        "qwen",
        "Qwen Code",
        Used {
            path: in_cwd,
            local: false,
        },
    );
    // Without the cwd's file, the user's is in use: the git root's is not Qwen's (one file of
    // Qwen's holds an entry, so only `status` has something to say).
    fs::remove_file(cwd.join(".qwen/settings.json")).unwrap();
    assert_eq!(
        status_in_use(&env, &cwd, "qwen"),
        Used {
            path: user,
            local: false,
        }
    );
}

/// Copilot CLI's project file is the git root's `.mcp.json`, else its `.github/mcp.json`; it
/// wins over the user's `~/.copilot/mcp-config.json`.
#[test]
fn copilot_uses_the_first_project_file_that_exists() {
    let (env, project, cwd) = logged_in("sub");
    let token = env.stored_access_token();
    write(
        &env.path("home/.copilot/mcp-config.json"),
        mcp_servers(&json_entry(URL, Some(OLD))),
    );
    let github = project.join(".github/mcp.json");
    write(&github, mcp_servers(&json_entry(URL, Some(&token))));
    both_name(
        &env,
        &cwd,
        "copilot",
        "Copilot CLI",
        Used {
            path: github.clone(),
            local: false,
        },
    );
    let root = project.join(".mcp.json");
    write(&root, mcp_servers(&json_entry(URL, Some(&token))));
    both_name(
        &env,
        &cwd,
        "copilot",
        "Copilot CLI",
        Used {
            path: root,
            local: false,
        },
    );
}
