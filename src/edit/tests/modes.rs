//! Switching an entry between auth modes (inline header, helper, environment variable): the
//! members of the old mode go, every other member and comment stays.

use super::*;

#[test]
fn switching_modes_in_compact_and_commented_entries() {
    let spec = claude_helper_spec();
    let cases = [
        (
            Syntax::StrictJson,
            format!("{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}}"),
        ),
        (
            Syntax::Jsonc,
            format!("{{\n  \"mcpServers\": {{\n    \"figma\": {{\n      \"type\": \"http\", // t\n      \"url\": \"https://mcp.figma.com/mcp\",\n      /* h */ \"headers\": {{ \"Authorization\": \"Bearer {OLD}\", }}, // after\n    }},\n  }},\n}}\n"),
        ),
        (
            Syntax::JsoncNoTrailingCommas,
            format!("{{\n  \"mcpServers\": {{\n    \"figma\": {{\n      \"headers\": {{\n        // ours\n        \"Authorization\": \"Bearer {OLD}\"\n      }},\n      \"type\": \"http\",\n      \"url\": \"https://mcp.figma.com/mcp\"\n    }}\n  }}\n}}"),
        ),
    ];
    for (syntax, text) in cases {
        let auth = helper_auth("fa header --json");
        let c = changed(apply(Some(&text), syntax, &spec, &auth).unwrap());
        assert!(c.notes.contains(&Note::RemovedHeader), "{:?}", c.notes);
        assert!(c.notes.contains(&Note::SetField("headersHelper".into())));
        let out = c.materialize(Some(&text));
        assert!(!out.contains(OLD), "{out}");
        assert!(!out.contains("\"headers\""), "{out}");
        let i = inspect(Some(&out), syntax, &spec).unwrap();
        assert!(i.entry().unwrap().holds(&auth), "{out}");
        assert_eq!(
            apply(Some(&out), syntax, &spec, &auth).unwrap(),
            Edit::Unchanged
        );
        // Back to inline: the helper goes, the header comes back.
        let inline = Desired::exactly(
            Some(HeaderValue::Token(SecretHeader::new(format!(
                "Bearer {NEW}"
            )))),
            None,
        );
        let back = changed(apply(Some(&out), syntax, &spec, &inline).unwrap());
        let back = back.materialize(Some(&out));
        assert!(!back.contains("headersHelper"), "{back}");
        let i = inspect(Some(&back), syntax, &spec).unwrap();
        assert!(i.entry().unwrap().holds(&inline), "{back}");
        // A refresh of the inline file is a splice again.
        let r = changed(apply(Some(&back), syntax, &spec, &set(OLD)).unwrap());
        assert!(r.is_splice());
    }
}

#[test]
fn switching_keeps_other_headers_and_members() {
    let spec = claude_helper_spec();
    let text = format!("{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"timeout\": 5, \"headers\": {{\"X-Team\": \"d\", \"authorization\": \"Bearer {OLD}\"}}}}}}}}");
    let auth = helper_auth("h");
    let out = changed(apply(Some(&text), Syntax::StrictJson, &spec, &auth).unwrap())
        .materialize(Some(&text));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["mcpServers"]["figma"],
        serde_json::json!({"type": "http", "url": "https://mcp.figma.com/mcp", "timeout": 5,
            "headers": {"X-Team": "d"}, "headersHelper": "h"})
    );
}

#[test]
fn refresh_leaves_references_and_helpers_alone() {
    let spec = claude_helper_spec();
    for value in [
        "Bearer ${FIGMA_TOKEN}",
        "Bearer $FIGMA_TOKEN",
        "Bearer ${env:FIGMA_TOKEN}",
        "Bearer {env:FIGMA_TOKEN}",
        "Bearer {file:~/.t}",
        "Bearer ${input:figma}",
    ] {
        assert!(is_reference(value), "{value}");
        let text = format!("{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"{value}\"}}}}}}}}");
        assert!(
            matches!(
                apply(Some(&text), Syntax::StrictJson, &spec, &set(NEW)).unwrap(),
                Edit::Indirect(_)
            ),
            "{value}"
        );
        let i = inspect(Some(&text), Syntax::StrictJson, &spec).unwrap();
        assert_eq!(i.entry().unwrap().authorization_reference(), Some(value));
        assert!(i.entry().unwrap().is_indirect());
    }
    assert!(!is_reference(&format!("Bearer {OLD}")));
    assert!(!is_reference("Bearer $1"));
}

#[test]
fn apply_auth_refuses_a_field_the_client_does_not_have() {
    let e = apply(None, Syntax::StrictJson, &claude_spec(), &helper_auth("x")).unwrap_err();
    assert_eq!(e.kind(), "internal");
}

#[test]
fn the_untouched_check_lets_only_a_switch_touch_credentials_fields() {
    let spec = claude_helper_spec();
    let before = "{\"mcpServers\": {\"figma\": {\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {\"Authorization\": \"Bearer t\"}}}}";
    let after = "{\"mcpServers\": {\"figma\": {\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headersHelper\": \"h\"}}}";
    let check = |switch| {
        json::check_untouched(
            before,
            after,
            Syntax::StrictJson,
            &spec,
            "figma",
            false,
            switch,
        )
    };
    assert!(check(true).is_ok());
    assert!(check(false).is_err());
    // A switch still may not touch anything else.
    let bad = after.replace("\"type\": \"http\", ", "");
    assert!(json::check_untouched(
        before,
        &bad,
        Syntax::StrictJson,
        &spec,
        "figma",
        false,
        true
    )
    .is_err());
}

#[test]
fn toml_switch_removes_an_emptied_headers_table_only() {
    let mut spec = codex_spec();
    spec.auth_alternatives = vec!["bearer_token_env_var".into(), "http_headers_helper".into()];
    let env = Desired::exactly(
        None,
        Some(("bearer_token_env_var".into(), "FIGMA_TOKEN".into())),
    );
    let text = format!("[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\nhttp_headers_helper = \"x\"\n\n[mcp_servers.figma.http_headers]\nAuthorization = \"Bearer {OLD}\"\n");
    let c = changed(apply(Some(&text), Syntax::Toml, &spec, &env).unwrap());
    assert_eq!(
        c.notes,
        vec![
            Note::RemovedField("http_headers_helper".into()),
            Note::SetField("bearer_token_env_var".into()),
            Note::RemovedHeader
        ]
    );
    let out = c.materialize(Some(&text));
    assert_eq!(
        out,
        "[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\nbearer_token_env_var = \"FIGMA_TOKEN\"\n"
    );
    // A wrong-typed field is replaced by a string (Codex would refuse to start otherwise).
    let text =
        "[mcp_servers.figma]\nurl = \"https://mcp.figma.com/mcp\"\nbearer_token_env_var = 3\n";
    let out =
        changed(apply(Some(text), Syntax::Toml, &spec, &env).unwrap()).materialize(Some(text));
    assert!(
        out.contains("bearer_token_env_var = \"FIGMA_TOKEN\""),
        "{out}"
    );
}
