//! Which clients are found (by their configuration directories and the variables that move
//! them), and the opencode layouts and entry read from a found file.

use super::*;

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
