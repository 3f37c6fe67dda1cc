use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::edit::{Edit, HeaderValue, SecretHeader};
use crate::secret::AccessToken;

fn env_in(root: &Path, cwd: &str, vars: &[(&str, &str)]) -> Env {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Env::new(root.join("home"), root.join(cwd), vars)
}

fn rel(root: &Path, files: &[ConfigFile]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
        .collect()
}

#[test]
fn ids_are_unique_and_found() {
    let ids: Vec<&str> = all().iter().map(|t| t.id).collect();
    assert_eq!(
        ids,
        [
            "opencode",
            "claude",
            "cursor",
            "codex",
            "gemini",
            "vscode",
            "windsurf",
            "zed",
            "continue",
            "goose",
            "copilot",
            "qwen",
            "crush",
            "antigravity",
            "claude-desktop",
            "cline",
            "kilo",
            "auggie"
        ]
    );
    assert_eq!(ids, super::ids());
    assert_eq!(by_id("claudedesktop").unwrap().id, "claude-desktop");
    for id in ids {
        let t = by_id(id).unwrap();
        assert_eq!(t.id, id);
        assert!(!t.reload_hint.is_empty() && !t.name.is_empty());
        // Inline first for a client that takes a URL; proxy alone for one that does not.
        let first = if t.remote() {
            Mode::Inline
        } else {
            Mode::Proxy
        };
        assert_eq!(t.modes()[0], first, "{id}");
        assert_eq!(t.default_mode(), first, "{id}");
        assert!(!t.scopes().is_empty() && !t.detect.is_empty(), "{id}");
        // Every scope has a file to create, and a strict dialect says why it is strict, naming
        // the client.
        let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
        for scope in t.scopes() {
            assert!(t.default_file(&env, scope).is_some(), "{id} {scope:?}");
        }
        let strict = matches!(t.syntax, Syntax::StrictJson | Syntax::JsoncNoTrailingCommas);
        assert_eq!(t.strict_why.is_some(), strict, "{id}");
        if let Some(why) = t.strict_why {
            assert!(
                why.contains(t.name.split(' ').next().unwrap()),
                "{id}: {why}"
            );
        }
    }
    assert!(by_id("nope").is_none());
}

#[test]
fn the_variables_that_move_files_come_from_the_table() {
    assert_eq!(
        env_vars(),
        [
            "OPENCODE_CONFIG",
            "CLAUDE_CONFIG_DIR",
            "CODEX_HOME",
            "CONTINUE_GLOBAL_DIR",
            "GOOSE_PATH_ROOT",
            "COPILOT_HOME",
            "QWEN_HOME",
            "CRUSH_GLOBAL_CONFIG",
            "CRUSH_GLOBAL_DATA",
            "XDG_DATA_HOME",
            "CLINE_MCP_SETTINGS_PATH",
            "CLINE_DATA_DIR",
            "CLINE_DIR",
            "KILO_CONFIG"
        ]
    );
}

#[test]
fn target_lists_are_resolved_once_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/.cursor")).unwrap();
    let env = env_in(&root, "home", &[]);
    let ids = |names: &[&str]| {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        select(&names, &env).map(|cs| cs.iter().map(|c| c.id).collect::<Vec<_>>())
    };
    assert_eq!(ids(&[]).unwrap(), ["cursor"]);
    assert_eq!(
        ids(&["zed,cursor", "all", " zed "]).unwrap(),
        ["zed", "cursor"]
    );
    let e = ids(&["cursor", "nope"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown target `nope`; choose from: opencode, claude, cursor, codex, gemini, vscode, windsurf, zed, continue, goose, copilot, qwen, crush, antigravity, claude-desktop, cline, kilo, auggie, all"
    );
}

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

#[test]
fn aliases_name_the_same_client() {
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let ids = |names: &[&str]| {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        select(&names, &env).map(|cs| cs.iter().map(|c| c.id).collect::<Vec<_>>())
    };
    assert_eq!(ids(&["kilocode"]).unwrap(), ["kilo"]);
    assert_eq!(
        ids(&["kilo,kilo-code,augment"]).unwrap(),
        ["kilo", "auggie"]
    );
    assert_eq!(by_id("kilocode").unwrap().id, "kilo");
    let mut names: Vec<&str> = all()
        .iter()
        .flat_map(|c| std::iter::once(c.id).chain(c.aliases.iter().copied()))
        .collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "an alias names two clients");
    assert!(!names.contains(&"all"));
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

/// Cline, Kilo and Auggie are found only when installed: their config directory exists (for
/// Cline, the CLI's or the extension's).
#[test]
fn cline_kilo_and_auggie_are_detected_by_their_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let env = env_in(&root, "home", &[]);
    let detected = |env: &Env| -> Vec<&str> {
        all()
            .iter()
            .filter(|t| t.detected(env))
            .map(|t| t.id)
            .collect()
    };
    std::fs::create_dir_all(root.join("home")).unwrap();
    assert!(detected(&env).is_empty());
    // A file where a directory is expected is not an installation.
    std::fs::write(root.join("home/.augment"), "").unwrap();
    assert!(detected(&env).is_empty());
    std::fs::remove_file(root.join("home/.augment")).unwrap();
    for (made, id) in [
        (".cline", "cline"),
        (".config/kilo", "kilo"),
        (".augment", "auggie"),
    ] {
        std::fs::create_dir_all(root.join("home").join(made)).unwrap();
        assert_eq!(detected(&env), [id], "{made}");
        std::fs::remove_dir(root.join("home").join(made)).unwrap();
    }
    if cfg!(target_os = "linux") {
        std::fs::create_dir_all(
            root.join("home/.config/Code/User/globalStorage/saoudrizwan.claude-dev"),
        )
        .unwrap();
        assert_eq!(detected(&env), ["vscode", "cline"]);
    }
    let moved = env_in(
        &root,
        "home",
        &[("CLINE_DIR", root.join("cl").to_str().unwrap())],
    );
    std::fs::create_dir_all(root.join("cl")).unwrap();
    assert!(detected(&moved).contains(&"cline"));
}

#[test]
fn detection_looks_for_config_dirs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/.cursor")).unwrap();
    std::fs::create_dir_all(root.join("home/.codex")).unwrap();
    let env = env_in(&root, "home", &[]);
    let detected: Vec<&str> = all()
        .iter()
        .filter(|t| t.detected(&env))
        .map(|t| t.id)
        .collect();
    assert_eq!(detected, ["cursor", "codex"]);
}

#[test]
fn opencode_effective_entry_follows_the_last_file() {
    let t = by_id("opencode").unwrap();
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let file = &t.files(&env, Scope::User)[0];
    let server = Server::default();
    let global = "{\"mcp\": {\"figma\": {\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"enabled\": false, \"headers\": {\"Authorization\": \"Bearer figu_FIXTURE_NEW_TOKEN\"}}}}";
    let project = "{\"mcp\": {\"figma\": {\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {\"Authorization\": \"Bearer figu_FIXTURE_OLD_TOKEN\"}}}}";
    let a = file.inspect(Some(global), &server).unwrap();
    let b = file.inspect(Some(project), &server).unwrap();
    let eff = opencode::effective(&[Some(&a), None, Some(&b)], "figma");
    assert_eq!(eff.authorization.as_ref().map(|(i, _)| *i), Some(2));
    assert_eq!(
        eff.authorization.as_ref().unwrap().1,
        SecretHeader::new("Bearer figu_FIXTURE_OLD_TOKEN")
    );
    assert_eq!(eff.enabled, Some((0, false)));
    assert_eq!(eff.url.map(|(i, _)| i), Some(2));
}

#[test]
fn opencode_v2_layout_is_detected() {
    let t = by_id("opencode").unwrap();
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let file = &t.files(&env, Scope::User)[0];
    let server = Server::default();
    let v2 = "{\"mcp\": {\"servers\": {}}}";
    assert_eq!(
        file.spec(Some(v2), &server).unwrap().container,
        ["mcp", "servers"]
    );
    assert_eq!(file.spec(None, &server).unwrap().container, ["mcp"]);
    let v1_named_servers = "{\"mcp\": {\"servers\": {\"type\": \"remote\", \"url\": \"x\"}}}";
    assert_eq!(
        file.spec(Some(v1_named_servers), &server)
            .unwrap()
            .container,
        ["mcp"]
    );
    let out = file
        .apply(
            Some(v2),
            &server,
            &Desired::header(SecretHeader::new("Bearer figu_FIXTURE_NEW_TOKEN")),
        )
        .unwrap();
    assert!(out.changes(), "{out:?}");
}

/// Which file's entry a client uses: the highest scope, the last file within it; opencode and
/// Crush merge. (`tests/it/precedence.rs` pins what `status` and `doctor` make of it.)
#[test]
fn precedence_per_client() {
    for c in all() {
        let want = if ["opencode", "crush"].contains(&c.id) {
            Precedence::DeepMerge
        } else {
            Precedence::SCOPES
        };
        assert_eq!(c.precedence, want, "{}", c.id);
    }
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let codex = by_id("codex").unwrap();
    let server = Server::default();
    let entry = |t: &str| {
        format!("[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\nhttp_headers = {{ Authorization = \"Bearer {t}\" }}\n")
    };
    let user = &codex.files(&env, Scope::User)[0];
    let project = &codex.default_file(&env, Scope::Project).unwrap();
    let files = [user.clone(), project.clone(), project.clone()];
    let a = user.inspect(Some(&entry("a")), &server).unwrap();
    let none = user.inspect(Some(""), &server).unwrap();
    let states = [Some(&a), Some(&a), Some(&a)];
    // The project scope over the user's, and the last project file.
    assert_eq!(codex.precedence.winner(&files, &states, "figma"), Some(2));
    assert_eq!(
        codex.precedence.in_use(&files, &states),
        [false, false, true]
    );
    let states = [Some(&a), Some(&a), Some(&none)];
    assert_eq!(codex.precedence.winner(&files, &states, "figma"), Some(1));
    let states = [Some(&a), None, Some(&none)];
    assert_eq!(codex.precedence.winner(&files, &states, "figma"), Some(0));
    assert_eq!(codex.precedence.winner(&files, &states, "other"), None);
}

mod modes;
mod new_clients;

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

/// The table's vocabulary expresses the entries of the clients to come: a list of items keyed
/// by `name` with the headers under `requestOptions` (Continue), `uri` and an `env_keys` list
/// (Goose), `serverUrl` (Antigravity), a `${{ secrets.VAR }}` reference, a `$(command)` helper
/// in the header (Crush), a lock directory (Cline).
#[test]
fn the_vocabulary_expresses_the_clients_to_come() {
    static CONTINUE: Client = Client {
        id: "continue",
        name: "Continue",
        reload_hint: "run cn again",
        detect: &[Detect::Dir(Loc::Home(".continue"))],
        files: &[(Scope::User, Loc::Home(".continue/config.yaml"))],
        entry: EntryShape {
            list_key: Some("name"),
            headers_parent: &["requestOptions"],
            template: &[
                Member::Fixed("type", Value::Str("streamable-http")),
                Member::Url,
                Member::Headers,
            ],
            ..EntryShape::MCP_SERVERS
        },
        auth: AuthSyntax {
            env: Some(Ref::Header {
                before: "${{ secrets.",
                after: " }}",
            }),
            ..AuthSyntax::INLINE
        },
        ..table::CURSOR
    };
    static GOOSE_ENTRY: EntryShape = EntryShape {
        container: &["extensions"],
        url_keys: &["uri"],
        header_vars: Some("env_keys"),
        ..EntryShape::MCP_SERVERS
    };
    static CRUSH: Client = Client {
        id: "crush",
        name: "Crush",
        auth: AuthSyntax {
            helper: Some(Ref::Header {
                before: "$(",
                after: ")",
            }),
            ..AuthSyntax::INLINE
        },
        lock: ClientLock::LockDir,
        ..table::CURSOR
    };
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let server = Server::default();
    let file = CONTINUE.default_file(&env, Scope::User).unwrap();
    assert_eq!(file.path, Path::new("/h/.continue/config.yaml"));
    let spec = file.spec(None, &server).unwrap();
    assert_eq!(spec.list_key.as_deref(), Some("name"));
    assert_eq!(spec.headers_parent, ["requestOptions"]);
    let ctx = AuthContext {
        token_command: Some("figma-auth token"),
        ..AuthContext::default()
    };
    assert_eq!(
        CONTINUE.auth(Mode::Env, &ctx).unwrap().header,
        Some(HeaderValue::Reference(
            "Bearer ${{ secrets.FIGMA_TOKEN }}".into()
        ))
    );
    let goose = GOOSE_ENTRY.spec(&server, &AuthSyntax::INLINE, None);
    assert_eq!(
        (goose.url_key(), goose.header_vars.as_deref()),
        ("uri", Some("env_keys"))
    );
    assert_eq!(CRUSH.modes(), [Mode::Inline, Mode::Helper, Mode::Proxy]);
    assert_eq!(
        CRUSH.auth(Mode::Helper, &ctx).unwrap().header,
        Some(HeaderValue::Reference("Bearer $(figma-auth token)".into()))
    );
    let crush = CRUSH.default_file(&env, Scope::User).unwrap();
    assert_eq!(crush.lock(&env), ClientLock::LockDir);
}

/// Continue and Goose: found only when their config directory exists; their files move with
/// `CONTINUE_GLOBAL_DIR` and `GOOSE_PATH_ROOT`.
#[test]
fn yaml_clients_are_found_where_their_variables_say() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/p")).unwrap();
    let env = env_in(&root, "home/p", &[]);
    let (cont, goose) = (by_id("continue").unwrap(), by_id("goose").unwrap());
    assert!(!cont.detected(&env) && !goose.detected(&env));
    assert_eq!(
        rel(&root, &cont.files(&env, Scope::User)),
        ["home/.continue/config.yaml"]
    );
    assert_eq!(
        rel(&root, &cont.files(&env, Scope::Project)),
        ["home/p/.continue/mcpServers/figma.yaml"]
    );
    assert_eq!(
        rel(&root, &goose.files(&env, Scope::User)),
        ["home/.config/goose/config.yaml"]
    );
    assert_eq!(goose.scopes(), [Scope::User]);
    std::fs::create_dir_all(root.join("home/.continue")).unwrap();
    std::fs::create_dir_all(root.join("home/.config/goose")).unwrap();
    assert!(cont.detected(&env) && goose.detected(&env));
    let moved = env_in(
        &root,
        "home/p",
        &[
            ("CONTINUE_GLOBAL_DIR", root.join("c").to_str().unwrap()),
            ("GOOSE_PATH_ROOT", root.join("g").to_str().unwrap()),
        ],
    );
    assert_eq!(
        rel(&root, &cont.files(&moved, Scope::User)),
        ["c/config.yaml"]
    );
    assert_eq!(
        rel(&root, &goose.files(&moved, Scope::User)),
        ["g/config/config.yaml"]
    );
    // The directories the variables name do not exist: not installed there.
    assert!(!cont.detected(&moved) && !goose.detected(&moved));
}
