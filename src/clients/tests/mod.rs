//! The client table: ids and aliases, the variables and target lists it resolves, precedence
//! per client, and the vocabulary the entries are written in; the files, detection and modes
//! per client are in the submodules.

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

mod detection;
mod files;
mod modes;
mod new_clients;

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
