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
            ("opencode", vec!["inline", "file", "env", "proxy"]),
            ("claude", vec!["inline", "helper", "env", "proxy"]),
            ("cursor", vec!["inline", "env", "proxy"]),
            ("codex", vec!["inline", "helper", "env", "proxy"]),
            ("gemini", vec!["inline", "env", "proxy"]),
            ("vscode", vec!["inline", "env", "proxy"]),
            ("windsurf", vec!["inline", "env", "proxy"]),
            ("zed", vec!["inline", "proxy"]),
            ("continue", vec!["inline", "env", "proxy"]),
            ("goose", vec!["inline", "env", "proxy"]),
            ("copilot", vec!["inline", "env", "proxy"]),
            ("qwen", vec!["inline", "env", "proxy"]),
            ("crush", vec!["inline", "helper", "env", "proxy"]),
            ("antigravity", vec!["inline", "proxy"]),
            ("claude-desktop", vec!["proxy"]),
            ("cline", vec!["inline", "proxy"]),
            ("kilo", vec!["inline", "file", "env", "proxy"]),
            ("auggie", vec!["inline", "proxy"]),
        ]
    );
    for m in Mode::ALL {
        assert_eq!(Mode::parse(m.as_str()), Ok(m));
        assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
    }
    assert!(Mode::parse("token")
        .unwrap_err()
        .contains("inline, helper, file, env, proxy"));
    let e = by_id("zed").unwrap().check_mode(Mode::Env).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Zed does not support --mode env; its modes: inline, proxy"
    );
    let e = by_id("claude-desktop")
        .unwrap()
        .check_mode(Mode::Inline)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Claude Desktop starts only local (stdio) servers, so figma-auth serves it through its \
         proxy: use --mode proxy (not --mode inline)"
    );
    assert!(by_id("claude").unwrap().check_mode(Mode::Helper).is_ok());
}

fn shape_of(id: &str) -> &'static Client {
    by_id(id).unwrap()
}

#[test]
fn auth_per_client_and_mode() {
    let token = AccessToken::new("figu_FIXTURE_NEW_TOKEN");
    let proxy: Vec<String> = ["/opt/fa/figma-auth", "proxy", "--profile", "default"]
        .map(String::from)
        .to_vec();
    let ctx = AuthContext {
        token: Some(&token),
        helper_command: Some("'/opt/fa/figma-auth' header --json --profile default"),
        token_command: Some("'/opt/fa/figma-auth' token --profile default"),
        token_file: Some(Path::new("/home/u/.local/state/figma-auth/default.token")),
        proxy_command: Some(&proxy),
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
        if t.modes().contains(&Mode::Proxy) {
            assert_eq!(
                t.auth(Mode::Proxy, &ctx).unwrap(),
                Desired::stdio(crate::edit::Stdio::from_argv(&proxy).unwrap()),
                "{}",
                t.id
            );
        }
        if !t.remote() {
            continue;
        }
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
    let relative = ["figma-auth".to_string(), "proxy".to_string()];
    let relative = AuthContext {
        proxy_command: Some(&relative),
        ..ctx
    };
    assert!(matches!(
        claude.auth(Mode::Proxy, &relative),
        Err(ModeError::Invalid { .. })
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
