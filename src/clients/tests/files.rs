//! Where each client's files are, per scope and in load order: opencode's merge order,
//! Claude's project scopes, the other clients', Cline's, Kilo's and Auggie's, and locations that
//! use a variable with a fallback or the first file that exists.

use super::*;

#[test]
fn opencode_files_follow_the_merge_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/repo/.git")).unwrap();
    std::fs::create_dir_all(root.join("home/repo/sub")).unwrap();
    let env = env_in(
        &root,
        "home/repo/sub",
        &[(
            "OPENCODE_CONFIG",
            root.join("custom.json").to_str().unwrap(),
        )],
    );
    let t = by_id("opencode").unwrap();
    assert_eq!(
        rel(&root, &t.files(&env, Scope::User)),
        [
            "home/.config/opencode/config.json",
            "home/.config/opencode/opencode.json",
            "home/.config/opencode/opencode.jsonc",
            "custom.json",
        ]
    );
    assert_eq!(
        rel(&root, &t.files(&env, Scope::Project)),
        [
            "home/repo/opencode.json",
            "home/repo/sub/opencode.json",
            "home/repo/opencode.jsonc",
            "home/repo/sub/opencode.jsonc",
            "home/repo/.opencode/opencode.json",
            "home/repo/.opencode/opencode.jsonc",
            "home/repo/sub/.opencode/opencode.json",
            "home/repo/sub/.opencode/opencode.jsonc",
        ]
    );
    assert_eq!(
        rel(&root, &[t.default_file(&env, Scope::Project).unwrap()]),
        ["home/repo/opencode.json"]
    );
    assert!(t.files(&env, Scope::Local).is_empty());
}

#[test]
fn claude_scopes_use_the_project_dir() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/repo/.git")).unwrap();
    std::fs::create_dir_all(root.join("home/repo/a")).unwrap();
    let env = env_in(&root, "home/repo/a", &[]);
    let t = by_id("claude").unwrap();
    let local = t.files(&env, Scope::Local);
    assert_eq!(rel(&root, &local), ["home/.claude.json"]);
    let key = root.join("home/repo").display().to_string();
    assert_eq!(local[0].project.as_deref(), Some(key.as_str()));
    assert_eq!(local[0].scope, Scope::Local);
    let spec = local[0].spec(None, &Server::default()).unwrap();
    assert_eq!(spec.container, ["projects", key.as_str(), "mcpServers"]);
    assert_eq!(
        rel(&root, &t.files(&env, Scope::Project)),
        ["home/repo/.mcp.json"]
    );
    let moved = env_in(
        &root,
        "home/repo/a",
        &[("CLAUDE_CONFIG_DIR", root.join("cfg").to_str().unwrap())],
    );
    assert_eq!(
        rel(&root, &t.files(&moved, Scope::User)),
        ["cfg/.claude.json"]
    );
}

#[test]
fn other_clients_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/repo/.git")).unwrap();
    std::fs::create_dir_all(root.join("home/repo/a")).unwrap();
    let env = env_in(&root, "home/repo/a", &[]);
    let one = |id: &str, scope| rel(&root, &by_id(id).unwrap().files(&env, scope));
    assert_eq!(one("cursor", Scope::User), ["home/.cursor/mcp.json"]);
    assert_eq!(
        one("cursor", Scope::Project),
        ["home/repo/.cursor/mcp.json"]
    );
    assert_eq!(one("codex", Scope::User), ["home/.codex/config.toml"]);
    assert_eq!(
        one("codex", Scope::Project),
        [
            "home/repo/.codex/config.toml",
            "home/repo/a/.codex/config.toml"
        ]
    );
    assert_eq!(one("gemini", Scope::User), ["home/.gemini/settings.json"]);
    assert_eq!(
        one("gemini", Scope::Project),
        ["home/repo/a/.gemini/settings.json"]
    );
    assert_eq!(
        one("vscode", Scope::Project),
        ["home/repo/.vscode/mcp.json"]
    );
    assert_eq!(
        one("windsurf", Scope::User),
        ["home/.codeium/windsurf/mcp_config.json"]
    );
    assert!(one("windsurf", Scope::Project).is_empty());
    assert_eq!(one("zed", Scope::Project), ["home/repo/.zed/settings.json"]);
    if cfg!(target_os = "linux") {
        assert_eq!(
            one("vscode", Scope::User),
            ["home/.config/Code/User/mcp.json"]
        );
        assert_eq!(one("zed", Scope::User), ["home/.config/zed/settings.json"]);
    }
    let codex_home = env_in(
        &root,
        "home",
        &[("CODEX_HOME", root.join("cx").to_str().unwrap())],
    );
    assert_eq!(
        rel(
            &root,
            &by_id("codex").unwrap().files(&codex_home, Scope::User)
        ),
        ["cx/config.toml"]
    );
}

/// Cline's files: the old extension's file in VS Code's storage, then the one the CLI and the
/// extension share (moved by `CLINE_DIR`); Kilo's global and project files in load order;
/// Auggie's user, project and local files at the workspace root.
#[test]
fn cline_kilo_and_auggie_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/repo/.git")).unwrap();
    std::fs::create_dir_all(root.join("home/repo/a")).unwrap();
    let env = env_in(&root, "home/repo/a", &[]);
    let one = |env: &Env, id: &str, scope| rel(&root, &by_id(id).unwrap().files(env, scope));
    let cline = one(&env, "cline", Scope::User);
    assert_eq!(
        cline[1],
        "home/.cline/data/settings/cline_mcp_settings.json"
    );
    if cfg!(target_os = "linux") {
        assert_eq!(
            cline[0],
            "home/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"
        );
    }
    assert!(by_id("cline")
        .unwrap()
        .files(&env, Scope::Project)
        .is_empty());
    let cline_dir = env_in(
        &root,
        "home",
        &[("CLINE_DIR", root.join("cl").to_str().unwrap())],
    );
    assert_eq!(
        one(&cline_dir, "cline", Scope::User)[1],
        "cl/data/settings/cline_mcp_settings.json"
    );
    // As Cline resolves them: the file's own variable, then its data directory's, then its
    // directory's.
    let cline_vars = env_in(
        &root,
        "home",
        &[
            ("CLINE_DIR", root.join("cl").to_str().unwrap()),
            ("CLINE_DATA_DIR", root.join("data").to_str().unwrap()),
        ],
    );
    assert_eq!(
        one(&cline_vars, "cline", Scope::User)[1],
        "data/settings/cline_mcp_settings.json"
    );
    let cline_file = env_in(
        &root,
        "home",
        &[
            ("CLINE_DATA_DIR", root.join("data").to_str().unwrap()),
            (
                "CLINE_MCP_SETTINGS_PATH",
                root.join("mcp.json").to_str().unwrap(),
            ),
        ],
    );
    assert_eq!(one(&cline_file, "cline", Scope::User)[1], "mcp.json");
    assert_eq!(
        by_id("cline")
            .unwrap()
            .default_file(&env, Scope::User)
            .unwrap()
            .path,
        root.join("home/.cline/data/settings/cline_mcp_settings.json")
    );

    let kilo_config = env_in(
        &root,
        "home/repo/a",
        &[("KILO_CONFIG", root.join("k.json").to_str().unwrap())],
    );
    assert_eq!(
        one(&kilo_config, "kilo", Scope::User),
        [
            "home/.config/kilo/config.json",
            "home/.config/kilo/kilo.json",
            "home/.config/kilo/kilo.jsonc",
            "home/.config/kilo/opencode.json",
            "home/.config/kilo/opencode.jsonc",
            "k.json",
        ]
    );
    assert_eq!(
        one(&env, "kilo", Scope::Project),
        [
            "home/repo/kilo.json",
            "home/repo/kilo.jsonc",
            "home/repo/a/kilo.json",
            "home/repo/a/kilo.jsonc",
            "home/repo/opencode.json",
            "home/repo/opencode.jsonc",
            "home/repo/a/opencode.json",
            "home/repo/a/opencode.jsonc",
            "home/repo/.kilocode/kilo.jsonc",
            "home/repo/.kilocode/kilo.json",
            "home/repo/.kilo/kilo.jsonc",
            "home/repo/.kilo/kilo.json",
            "home/repo/a/.kilocode/kilo.jsonc",
            "home/repo/a/.kilocode/kilo.json",
            "home/repo/a/.kilo/kilo.jsonc",
            "home/repo/a/.kilo/kilo.json",
        ]
    );
    let kilo = by_id("kilo").unwrap();
    let created = |scope| {
        kilo.default_file(&env, scope)
            .unwrap()
            .path
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string()
    };
    assert_eq!(created(Scope::User), "home/.config/kilo/kilo.jsonc");
    assert_eq!(created(Scope::Project), "home/repo/.kilo/kilo.jsonc");

    assert_eq!(
        one(&env, "auggie", Scope::User),
        ["home/.augment/settings.json"]
    );
    assert_eq!(
        one(&env, "auggie", Scope::Project),
        ["home/repo/.augment/settings.json"]
    );
    let local = by_id("auggie").unwrap().files(&env, Scope::Local);
    assert_eq!(
        rel(&root, &local),
        ["home/repo/.augment/settings.local.json"]
    );
    // A file of its own: no project key, the servers at its top level.
    assert_eq!(local[0].project, None);
    let spec = local[0].spec(None, &Server::default()).unwrap();
    assert_eq!(spec.container, ["mcpServers"]);
    assert_eq!(
        local[0].describe(&env),
        format!(
            "{} (Auggie, local scope)",
            env.display(&root.join("home/repo/.augment/settings.local.json"))
        )
    );
}

/// Locations the clients to come need: a variable with a fallback location, and "the first of
/// these files that exists" (Copilot CLI reads `.github/mcp.json` only without a `.mcp.json`).
#[test]
fn locations_resolve_variables_and_first_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/repo/.git")).unwrap();
    const WORKSPACE: Loc =
        Loc::FirstExisting(&[Loc::Project(".mcp.json"), Loc::Project(".github/mcp.json")]);
    const USER: Loc = Loc::Var {
        var: "COPILOT_HOME",
        rel: "mcp-config.json",
        otherwise: &Loc::Home(".copilot/mcp-config.json"),
    };
    let env = env_in(&root, "home/repo", &[]);
    let paths = |loc: &Loc, env: &Env| {
        loc.paths(env)
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&WORKSPACE, &env), ["home/repo/.mcp.json"]);
    std::fs::create_dir_all(root.join("home/repo/.github")).unwrap();
    std::fs::write(root.join("home/repo/.github/mcp.json"), "{}").unwrap();
    assert_eq!(paths(&WORKSPACE, &env), ["home/repo/.github/mcp.json"]);
    std::fs::write(root.join("home/repo/.mcp.json"), "{}").unwrap();
    assert_eq!(paths(&WORKSPACE, &env), ["home/repo/.mcp.json"]);
    assert_eq!(paths(&USER, &env), ["home/.copilot/mcp-config.json"]);
    let moved = env_in(
        &root,
        "home/repo",
        &[("COPILOT_HOME", root.join("cp").to_str().unwrap())],
    );
    assert_eq!(paths(&USER, &moved), ["cp/mcp-config.json"]);
    assert_eq!(USER.vars(), ["COPILOT_HOME"]);
}
