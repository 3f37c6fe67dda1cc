//! The clients added to the first eight: their files, detection (directories and programs on
//! the PATH), the files a client keeps its own state in, Crush's helper, and README and docs
//! covering every client.

use super::*;

#[test]
fn new_clients_files_in_load_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/repo/.git")).unwrap();
    std::fs::create_dir_all(root.join("home/repo/a")).unwrap();
    let env = env_in(&root, "home/repo/a", &[]);
    let one = |env: &Env, id: &str, scope| rel(&root, &by_id(id).unwrap().files(env, scope));
    assert_eq!(
        one(&env, "copilot", Scope::User),
        ["home/.copilot/mcp-config.json"]
    );
    // `.mcp.json` hides `.github/mcp.json`: only the first that exists is read (and created).
    assert_eq!(
        one(&env, "copilot", Scope::Project),
        ["home/repo/.mcp.json"]
    );
    std::fs::create_dir_all(root.join("home/repo/.github")).unwrap();
    std::fs::write(root.join("home/repo/.github/mcp.json"), "{}").unwrap();
    assert_eq!(
        one(&env, "copilot", Scope::Project),
        ["home/repo/.github/mcp.json"]
    );
    std::fs::write(root.join("home/repo/.mcp.json"), "{}").unwrap();
    assert_eq!(
        one(&env, "copilot", Scope::Project),
        ["home/repo/.mcp.json"]
    );
    assert_eq!(one(&env, "qwen", Scope::User), ["home/.qwen/settings.json"]);
    assert_eq!(
        one(&env, "qwen", Scope::Project),
        ["home/repo/a/.qwen/settings.json"]
    );
    assert_eq!(
        one(&env, "crush", Scope::User),
        [
            "home/.config/crush/crush.json",
            "home/.local/share/crush/crush.json"
        ]
    );
    assert_eq!(
        one(&env, "crush", Scope::Project),
        [
            "home/repo/crush.json",
            "home/repo/.crush.json",
            "home/repo/a/crush.json",
            "home/repo/a/.crush.json",
            "home/repo/a/.crush/crush.json"
        ]
    );
    assert_eq!(
        one(&env, "antigravity", Scope::User),
        ["home/.gemini/antigravity/mcp_config.json"]
    );
    assert!(one(&env, "antigravity", Scope::Project).is_empty());
    // The variables that move them.
    let p = |rel: &str| root.join(rel).display().to_string();
    let moved = env_in(
        &root,
        "home",
        &[
            ("COPILOT_HOME", &p("cp")),
            ("QWEN_HOME", &p("qw")),
            ("CRUSH_GLOBAL_CONFIG", &p("cc")),
            ("CRUSH_GLOBAL_DATA", &p("cd")),
        ],
    );
    assert_eq!(one(&moved, "copilot", Scope::User), ["cp/mcp-config.json"]);
    assert_eq!(one(&moved, "qwen", Scope::User), ["qw/settings.json"]);
    assert_eq!(
        one(&moved, "crush", Scope::User),
        ["cc/crush.json", "cd/crush.json"]
    );
    let xdg = env_in(
        &root,
        "home",
        &[("XDG_CONFIG_HOME", &p("xc")), ("XDG_DATA_HOME", &p("xd"))],
    );
    assert_eq!(
        one(&xdg, "crush", Scope::User),
        ["xc/crush/crush.json", "xd/crush/crush.json"]
    );
    // Copilot ignores XDG_CONFIG_HOME.
    assert_eq!(
        one(&xdg, "copilot", Scope::User),
        ["home/.copilot/mcp-config.json"]
    );
}

#[test]
fn a_new_entry_never_goes_into_a_file_the_client_keeps_its_state_in() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("home/.local/share/crush")).unwrap();
    std::fs::write(root.join("home/.local/share/crush/crush.json"), "{}").unwrap();
    let env = env_in(&root, "home", &[]);
    let crush = by_id("crush").unwrap();
    let files = crush.files(&env, Scope::User);
    assert!(!crush.is_state_file(&env, &files[0]));
    assert!(crush.is_state_file(&env, &files[1]));
    assert_eq!(
        rel(&root, &[crush.default_file(&env, Scope::User).unwrap()]),
        ["home/.config/crush/crush.json"]
    );
    assert!(!by_id("claude")
        .unwrap()
        .is_state_file(&env, &by_id("claude").unwrap().files(&env, Scope::User)[0]));
}

#[test]
fn detection_finds_a_client_by_its_program_on_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(root.join("home")).unwrap();
    let program = |name: &str, mode: u32| {
        let p = bin.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
    };
    program("qwen", 0o755);
    program("crush", 0o755);
    // Not executable: not a program.
    program("copilot", 0o644);
    // A directory of that name is not one either.
    std::fs::create_dir_all(bin.join("codex")).unwrap();
    let mut env = env_in(&root, "home", &[]);
    let detected = |env: &Env| -> Vec<&str> {
        all()
            .iter()
            .filter(|t| t.detected(env))
            .map(|t| t.id)
            .collect()
    };
    assert!(detected(&env).is_empty());
    let path = std::env::join_paths([PathBuf::from("relative/bin"), bin.clone()]).unwrap();
    env.search_path = Some(path);
    if cfg!(unix) {
        assert_eq!(detected(&env), ["qwen", "crush"]);
    }
    // A relative PATH entry is never searched (it depends on the working directory), even one
    // that leads to the programs from here.
    let cwd = std::env::current_dir().unwrap();
    let up: PathBuf = cwd.components().skip(1).map(|_| "..").collect();
    let relative = up.join(bin.strip_prefix("/").unwrap());
    assert!(relative.join("qwen").is_file());
    env.search_path = Some(relative.into_os_string());
    assert!(detected(&env).is_empty());
}

#[test]
fn detection_of_the_new_clients_by_their_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for d in [
        "home/.copilot",
        "home/.qwen",
        "home/.local/share/crush",
        "home/.gemini/antigravity",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let env = env_in(&root, "home", &[]);
    let detected: Vec<&str> = all()
        .iter()
        .filter(|t| t.detected(&env))
        .map(|t| t.id)
        .collect();
    // `~/.gemini` is Gemini CLI's directory too.
    assert_eq!(
        detected,
        ["gemini", "copilot", "qwen", "crush", "antigravity"]
    );
}

#[test]
fn crush_helper_mode_is_a_command_in_the_header() {
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let server = Server::default();
    let crush = &by_id("crush").unwrap().files(&env, Scope::User)[0];
    let ctx = AuthContext {
        helper_command: Some("/bin/figma-auth header --json"),
        token_command: Some("'/opt/My Tools/figma-auth' token"),
        ..AuthContext::default()
    };
    let auth = crush.auth(Mode::Helper, &ctx).unwrap();
    let text = crush
        .apply(Some("{}\n"), &server, &auth)
        .unwrap()
        .materialize(Some("{}\n"))
        .unwrap();
    assert!(
        text.contains(r#""Authorization": "Bearer $('/opt/My Tools/figma-auth' token)""#),
        "{text}"
    );
    assert!(text.contains(r#""type": "http""#), "{text}");
    let state = crush.inspect(Some(&text), &server).unwrap();
    let e = state.entry().unwrap();
    assert!(e.holds(&auth));
    assert_eq!(crush.mode_of(e), Some(Mode::Helper));
    let env_auth = crush.auth(Mode::Env, &ctx).unwrap();
    assert!(!e.holds(&env_auth));
    // A refresh leaves a command substitution alone: it is not a token.
    let refresh = Desired::header(SecretHeader::new("Bearer figu_FIXTURE_NEW_TOKEN"));
    assert!(matches!(
        crush.apply(Some(&text), &server, &refresh).unwrap(),
        Edit::Indirect(_)
    ));
    // Crush finds the end of `$(…)` by counting brackets, quotes or not.
    let brackets = AuthContext {
        token_command: Some("'/opt/fa (x86)/figma-auth' token"),
        ..ctx
    };
    assert!(matches!(
        crush.auth(Mode::Helper, &brackets),
        Err(ModeError::Invalid { .. })
    ));
    // Without a token command, the mode cannot be written.
    let none = AuthContext {
        helper_command: Some("/bin/figma-auth header --json"),
        ..AuthContext::default()
    };
    assert!(matches!(
        crush.auth(Mode::Helper, &none),
        Err(ModeError::Missing { .. })
    ));
}

/// The rows of the first Markdown table after `heading` in `text`, as trimmed cells.
fn table_after(text: &str, heading: &str) -> Vec<Vec<String>> {
    let start = text.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    text[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn readme_and_docs_cover_every_client_and_its_modes() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let docs = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/clients.md"));
    let clients = table_after(readme, "## Supported clients");
    let modes = table_after(readme, "### Keeping the token out of config files");
    // The modes table's columns, by the mode in each header cell.
    let columns: Vec<Option<Mode>> = modes[0]
        .iter()
        .map(|h| Mode::parse(h.split('`').nth(1).unwrap_or("")).ok())
        .collect();
    assert!(columns.iter().flatten().count() >= 4, "{:?}", modes[0]);
    for t in all() {
        let id = format!("(`{}`)", t.id);
        assert!(
            clients.iter().any(|r| r[0].contains(&id)),
            "README's supported clients lack {}",
            t.id
        );
        assert!(docs.contains(&id), "docs/clients.md lacks {}", t.id);
        let row = modes
            .iter()
            .find(|r| r[0] == t.name)
            .unwrap_or_else(|| panic!("README's modes table lacks {}", t.name));
        for (cell, mode) in row.iter().zip(&columns) {
            if let Some(m) = mode {
                assert_eq!(
                    cell.starts_with('✓'),
                    t.modes().contains(m),
                    "README's modes table: {} {m}",
                    t.name
                );
            }
        }
    }
}
