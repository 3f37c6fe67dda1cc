//! Modes per client: what each mode writes, and which mode an entry is in.

use super::*;

#[test]
fn modes_per_client() {
    let table: Vec<(&str, Vec<&str>)> = all()
        .iter()
        .map(|t| (t.id, t.modes().iter().map(|m| m.as_str()).collect()))
        .collect();
    assert_eq!(
        table,
        [
            ("opencode", vec!["inline", "file", "env"]),
            ("claude", vec!["inline", "helper", "env"]),
            ("cursor", vec!["inline", "env"]),
            ("codex", vec!["inline", "helper", "env"]),
            ("gemini", vec!["inline", "env"]),
            ("vscode", vec!["inline", "env"]),
            ("windsurf", vec!["inline", "env"]),
            ("zed", vec!["inline"]),
            ("continue", vec!["inline", "env"]),
            ("goose", vec!["inline", "env"]),
            ("copilot", vec!["inline", "env"]),
            ("qwen", vec!["inline", "env"]),
            ("crush", vec!["inline", "helper", "env"]),
            ("antigravity", vec!["inline"]),
            ("cline", vec!["inline"]),
            ("kilo", vec!["inline", "file", "env"]),
            ("auggie", vec!["inline"]),
        ]
    );
    for m in Mode::ALL {
        assert_eq!(Mode::parse(m.as_str()), Ok(m));
        assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
    }
    assert!(Mode::parse("token")
        .unwrap_err()
        .contains("inline, helper, file, env"));
    let e = by_id("zed").unwrap().check_mode(Mode::Env).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Zed does not support --mode env; its modes: inline"
    );
    assert!(by_id("claude").unwrap().check_mode(Mode::Helper).is_ok());
}

fn shape_of(id: &str) -> &'static Client {
    by_id(id).unwrap()
}

#[test]
fn auth_per_client_and_mode() {
    let token = AccessToken::new("figu_FIXTURE_NEW_TOKEN");
    let ctx = AuthContext {
        token: Some(&token),
        helper_command: Some("'/opt/fa/figma-auth' header --json --profile default"),
        token_command: Some("'/opt/fa/figma-auth' token --profile default"),
        token_file: Some(Path::new("/home/u/.local/state/figma-auth/default.token")),
        ..AuthContext::default()
    };
    let reference = |r: &str| Desired::exactly(Some(HeaderValue::Reference(r.into())), None);
    let field = |k: &str, v: &str| Desired::exactly(None, Some((k.into(), v.into())));
    let cases = [
        (
            "opencode",
            Mode::File,
            reference("Bearer {file:/home/u/.local/state/figma-auth/default.token}"),
        ),
        ("opencode", Mode::Env, reference("Bearer {env:FIGMA_TOKEN}")),
        ("claude", Mode::Env, reference("Bearer ${FIGMA_TOKEN}")),
        (
            "claude",
            Mode::Helper,
            field(
                "headersHelper",
                "'/opt/fa/figma-auth' header --json --profile default",
            ),
        ),
        ("cursor", Mode::Env, reference("Bearer ${env:FIGMA_TOKEN}")),
        ("vscode", Mode::Env, reference("Bearer ${env:FIGMA_TOKEN}")),
        (
            "windsurf",
            Mode::Env,
            reference("Bearer ${env:FIGMA_TOKEN}"),
        ),
        ("gemini", Mode::Env, reference("Bearer ${FIGMA_TOKEN}")),
        (
            "codex",
            Mode::Env,
            field("bearer_token_env_var", "FIGMA_TOKEN"),
        ),
        (
            "codex",
            Mode::Helper,
            field(
                "http_headers_helper",
                "'/opt/fa/figma-auth' header --json --profile default",
            ),
        ),
        ("copilot", Mode::Env, reference("Bearer ${FIGMA_TOKEN}")),
        ("qwen", Mode::Env, reference("Bearer ${FIGMA_TOKEN}")),
        ("crush", Mode::Env, reference("Bearer ${FIGMA_TOKEN}")),
        // Crush embeds the command's output: the command prints the token, not the header.
        (
            "crush",
            Mode::Helper,
            reference("Bearer $('/opt/fa/figma-auth' token --profile default)"),
        ),
    ];
    for (id, mode, want) in cases {
        assert_eq!(shape_of(id).auth(mode, &ctx).unwrap(), want, "{id} {mode}");
    }
    for t in all() {
        let inline = shape_of(t.id).auth(Mode::Inline, &ctx).unwrap();
        assert_eq!(inline.token(), Some("figu_FIXTURE_NEW_TOKEN"));
        assert!(!format!("{inline:?}").contains("FIXTURE"));
        for m in Mode::ALL {
            let r = shape_of(t.id).auth(m, &ctx);
            assert_eq!(r.is_ok(), t.modes().contains(&m), "{} {m}", t.id);
        }
    }
    // Refusals name the problem, not the value.
    let claude = shape_of("claude");
    let opencode = shape_of("opencode");
    let bad_var = AuthContext {
        env_var: "1X",
        ..ctx
    };
    assert!(matches!(
        claude.auth(Mode::Env, &bad_var),
        Err(ModeError::Invalid { .. })
    ));
    let rel = AuthContext {
        token_file: Some(Path::new("tok")),
        ..ctx
    };
    assert!(matches!(
        opencode.auth(Mode::File, &rel),
        Err(ModeError::Invalid { .. })
    ));
    let brace = AuthContext {
        token_file: Some(Path::new("/a}b")),
        ..ctx
    };
    assert!(opencode.auth(Mode::File, &brace).is_err());
    let nl = AuthContext {
        helper_command: Some(r"a\nb"),
        ..ctx
    };
    assert!(claude.auth(Mode::Helper, &nl).is_ok());
    let nl = AuthContext {
        helper_command: Some("a\nb"),
        ..ctx
    };
    assert!(claude.auth(Mode::Helper, &nl).is_err());
    assert!(matches!(
        claude.auth(Mode::Inline, &AuthContext::default()),
        Err(ModeError::Missing { .. })
    ));
}

#[test]
fn mode_of_reads_what_a_file_holds() {
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let server = Server::default();
    let claude = &by_id("claude").unwrap().files(&env, Scope::User)[0];
    let codex = &by_id("codex").unwrap().files(&env, Scope::User)[0];
    let opencode = &by_id("opencode").unwrap().files(&env, Scope::User)[0];
    let mode = |f: &ConfigFile, text: &str| {
        let i = f.inspect(Some(text), &server).unwrap();
        f.mode_of(i.entry().unwrap())
    };
    let entry = |extra: &str| {
        format!("{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\"{extra}}}}}}}")
    };
    assert_eq!(mode(claude, &entry("")), None);
    assert_eq!(
        mode(
            claude,
            &entry(", \"headers\": {\"Authorization\": \"Bearer figu_FIXTURE_OLD\"}")
        ),
        Some(Mode::Inline)
    );
    assert_eq!(
        mode(
            claude,
            &entry(", \"headers\": {\"Authorization\": \"Bearer ${FIGMA_TOKEN}\"}")
        ),
        Some(Mode::Env)
    );
    assert_eq!(
        mode(
            claude,
            &entry(", \"headersHelper\": \"x\", \"headers\": {\"Authorization\": \"Bearer t\"}")
        ),
        Some(Mode::Helper)
    );
    let oc = "{\"mcp\": {\"figma\": {\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {\"Authorization\": \"Bearer {file:/t}\"}}}}";
    assert_eq!(mode(opencode, oc), Some(Mode::File));
    assert_eq!(
        mode(opencode, &oc.replace("{file:/t}", "{env:FIGMA_TOKEN}")),
        Some(Mode::Env)
    );
    let cx = "[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\n";
    assert_eq!(mode(codex, cx), None);
    assert_eq!(
        mode(
            codex,
            &format!("{cx}bearer_token_env_var = \"FIGMA_TOKEN\"\n")
        ),
        Some(Mode::Env)
    );
    assert_eq!(
        mode(codex, &format!("{cx}http_headers_helper = \"x\"\n")),
        Some(Mode::Helper)
    );
}

#[test]
fn status_can_tell_a_current_helper_file_from_a_stale_one() {
    let env = Env::new(PathBuf::from("/h"), PathBuf::from("/h/p"), BTreeMap::new());
    let server = Server::default();
    let claude = &by_id("claude").unwrap().files(&env, Scope::User)[0];
    let ctx = AuthContext {
        helper_command: Some("/bin/figma-auth header --json"),
        ..AuthContext::default()
    };
    let auth = claude.auth(Mode::Helper, &ctx).unwrap();
    let text = claude
        .apply(None, &server, &auth)
        .unwrap()
        .materialize(None)
        .unwrap();
    assert!(!text.contains("Authorization"), "{text}");
    let state = claude.inspect(Some(&text), &server).unwrap();
    assert!(state.entry().unwrap().holds(&auth));
    assert_eq!(claude.mode_of(state.entry().unwrap()), Some(Mode::Helper));
    let moved = AuthContext {
        helper_command: Some("/usr/local/bin/figma-auth header --json"),
        ..AuthContext::default()
    };
    let moved = claude.auth(Mode::Helper, &moved).unwrap();
    assert!(!state.entry().unwrap().holds(&moved));
    // A refresh of an inline token leaves the helper entry alone.
    let refresh = Desired::header(SecretHeader::new("Bearer figu_FIXTURE_NEW_TOKEN"));
    assert!(matches!(
        claude.apply(Some(&text), &server, &refresh).unwrap(),
        Edit::Indirect(_)
    ));
}
