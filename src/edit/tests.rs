use super::*;

mod big;
mod modes;
mod paths;
mod toml_editor;

const OLD: &str = "figu_FIXTURE_OLD_TOKEN";
const NEW: &str = "figu_FIXTURE_NEW_TOKEN";

fn claude_spec() -> EntrySpec {
    EntrySpec {
        container: vec!["mcpServers".into()],
        name: "figma".into(),
        url: "https://mcp.figma.com/mcp".into(),
        url_keys: vec!["url".into()],
        headers_key: "headers".into(),
        body_key: None,
        template: vec![
            Field::Value("type".into(), Scalar::str("http")),
            Field::Url,
            Field::Headers,
        ],
        required: vec![("type".into(), Scalar::str("http"))],
        new_file_members: vec![],
        auth_alternatives: vec![],
        force: false,
        by_url: true,
        strict_why: crate::clients::table::CLAUDE.strict_why.unwrap(),
        ..EntrySpec::default()
    }
}

#[test]
fn layouts_the_editors_do_not_implement_are_refused() {
    let text = entry_json("  ", "\n", OLD);
    for spec in [
        EntrySpec {
            list_key: Some("name".into()),
            ..claude_spec()
        },
        EntrySpec {
            headers_parent: vec!["requestOptions".into()],
            ..claude_spec()
        },
        EntrySpec {
            header_vars: Some("env_keys".into()),
            ..claude_spec()
        },
    ] {
        for syntax in [Syntax::StrictJson, Syntax::Toml] {
            assert!(matches!(
                apply(Some(&text), syntax, &spec, &set(NEW)),
                Err(EditError::Internal(_))
            ));
            assert!(matches!(
                inspect(Some(&text), syntax, &spec),
                Err(EditError::Internal(_))
            ));
        }
    }
}

fn helper_auth(cmd: &str) -> Desired {
    Desired::exactly(None, Some(("headersHelper".into(), cmd.into())))
}

fn claude_helper_spec() -> EntrySpec {
    EntrySpec {
        auth_alternatives: vec!["headersHelper".into()],
        ..claude_spec()
    }
}

/// Codex's entry: `[mcp_servers.figma]` with `url` and `http_headers`.
fn codex_spec() -> EntrySpec {
    let mut spec = claude_spec();
    spec.container = vec!["mcp_servers".into()];
    spec.headers_key = "http_headers".into();
    spec.template = vec![Field::Url, Field::Headers];
    spec.required = vec![];
    spec
}

fn set(t: &str) -> Desired {
    Desired::header(SecretHeader::new(format!("Bearer {t}")))
}

/// A change, as the tests read it.
struct Changed {
    edit: Edit,
    notes: Vec<Note>,
}

impl Changed {
    fn materialize(&self, original: Option<&str>) -> String {
        self.edit.materialize(original).expect("a change")
    }

    fn is_splice(&self) -> bool {
        self.edit.is_splice()
    }
}

fn changed(edit: Edit) -> Changed {
    assert!(edit.changes(), "expected a change, got {edit:?}");
    Changed {
        notes: edit.notes().to_vec(),
        edit,
    }
}

fn entry_json(indent: &str, nl: &str, token: &str) -> String {
    let i = |n: usize| indent.repeat(n);
    format!(
        "{{{nl}{}\"mcpServers\": {{{nl}{}\"figma\": {{{nl}{}\"type\": \"http\",{nl}{}\"url\": \"https://mcp.figma.com/mcp\",{nl}{}\"headers\": {{{nl}{}\"Authorization\": \"Bearer {token}\"{nl}{}}}{nl}{}}}{nl}{}}}{nl}}}",
        i(1), i(2), i(3), i(3), i(3), i(4), i(3), i(2), i(1)
    )
}

#[test]
fn debug_output_never_shows_secrets() {
    let input = entry_json("  ", "\n", OLD);
    let spec = claude_spec();
    let splice = apply(Some(&input), Syntax::StrictJson, &spec, &set(NEW)).unwrap();
    let rewrite = apply(None, Syntax::StrictJson, &spec, &set(NEW)).unwrap();
    let inspection = inspect(Some(&input), Syntax::StrictJson, &spec).unwrap();
    for out in [
        format!("{splice:?}"),
        format!("{rewrite:?}"),
        format!("{inspection:?}"),
        format!("{:?}", set(NEW)),
    ] {
        assert!(!out.contains("FIXTURE"), "{out}");
    }
}

#[test]
fn error_messages_never_show_values() {
    let spec = claude_spec();
    let bad = [
        format!("{{\"mcpServers\": {{\"figma\": {{\"headers\": {{\"Authorization\": \"Bearer {OLD}\" \"x\": 1}}}}}}}}"),
        format!("{{\"mcpServers\": {{\"figma\": {{\"headers\": {{\"Authorization\": \"Bearer {OLD}\\q\"}}}}}}}}"),
        format!("{{\"mcpServers\": {{\"figma\": {{\"headers\": {{\"Authorization\": [\"Bearer {OLD}\"]}}}}}}}}"),
        format!("{{\"mcpServers\": {{\"figma\": {{\"headers\": {{\"Authorization\": \"Bearer {OLD}\", \"Authorization\": \"x\"}}}}}}}}"),
        format!("{{\"mcpServers\": {{\"figma\": {{\"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}} // c"),
        format!("{{\"mcpServers\": {{\"figma\": \"Bearer {OLD}\"}}}}"),
    ];
    for (i, text) in bad.iter().enumerate() {
        for syntax in [Syntax::StrictJson, Syntax::Jsonc] {
            if let Err(e) = apply(Some(text), syntax, &spec, &set(NEW)) {
                let msg = e.to_string();
                assert!(!msg.contains("FIXTURE"), "{i}: {msg}");
                assert!(e.line().is_some(), "{i}: {msg}");
            } else {
                assert!(i == 4 && syntax == Syntax::Jsonc, "input {i} should fail");
            }
        }
    }
}

#[test]
fn duplicate_keys_name_both_lines() {
    let text = "{\n  \"mcpServers\": {\n    \"figma\": {\"url\": \"https://mcp.figma.com/mcp\"},\n    \"figma\": {\"url\": \"https://mcp.figma.com/mcp\"}\n  }\n}";
    let err = inspect(Some(text), Syntax::StrictJson, &claude_spec()).unwrap_err();
    assert_eq!(
        err,
        EditError::DuplicateKey {
            path: "mcpServers.figma".into(),
            first_line: 3,
            line: 4,
            column: 5,
        }
    );
    assert!(err.to_string().contains("also on line 3"), "{err}");
}

#[test]
fn strictness_errors_say_why() {
    let e = apply(
        Some("{\n  // x\n}"),
        Syntax::StrictJson,
        &claude_spec(),
        &set(NEW),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        EditError::Strictness {
            line: 2,
            column: 3,
            what: "a comment",
            ..
        }
    ));
    assert!(e.to_string().contains("Claude Code discards"), "{e}");
    let gemini = EntrySpec {
        strict_why: crate::clients::table::GEMINI.strict_why.unwrap(),
        stdio: None,
        ..claude_spec()
    };
    let e = apply(
        Some("{\"a\": [1,]}"),
        Syntax::JsoncNoTrailingCommas,
        &gemini,
        &set(NEW),
    )
    .unwrap_err();
    assert!(e.to_string().contains("Gemini"), "{e}");
    // JSON5 leniency is off in JSONC files too.
    for bad in [
        "{a: 1}",
        "{\"a\": 0x10}",
        "{\"a\": 'x'}",
        "{\"a\": 1 \"b\": 2}",
        "{\"a\": +1}",
        "{\"a\": .5}",
        "{\"a\": NaN}",
    ] {
        assert!(
            apply(Some(bad), Syntax::Jsonc, &claude_spec(), &set(NEW)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn from_bytes_reports_the_offset_of_invalid_utf8() {
    let bytes = b"{\n  \"a\": \"caf\xe9\"\n}";
    let e = from_bytes(bytes).unwrap_err();
    assert_eq!(
        e,
        EditError::NotUtf8 {
            offset: 13,
            line: 2,
            column: 12
        }
    );
    assert_eq!(from_bytes("{}".as_bytes()).unwrap(), "{}");
}

#[test]
fn inspect_reports_the_entry() {
    let spec = claude_spec();
    let text = format!(
        "{{\"mcpServers\": {{\"other\": {{\"url\": \"https://mcp.figma.com/mcp/\", \"disabled\": true, \"headers\": {{\"AUTHORIZATION\": \"Bearer {OLD}\"}}}}}}}}"
    );
    let Inspection::Found(e) = inspect(Some(&text), Syntax::StrictJson, &spec).unwrap() else {
        panic!()
    };
    assert_eq!(e.name, "other");
    assert_eq!(e.url.as_deref(), Some("https://mcp.figma.com/mcp/"));
    assert!(e.is_disabled());
    assert_eq!(e.authorization_key.as_deref(), Some("AUTHORIZATION"));
    assert_eq!(e.authorization.as_ref().unwrap().bearer_token(), Some(OLD));
    assert_eq!(e.missing_required, vec!["type".to_string()]);
    assert!(!e.authorization_is_reference());

    let desktop = "{\"mcpServers\": {\"figma\": {\"url\": \"http://127.0.0.1:3845/mcp\"}}}";
    assert!(matches!(
        inspect(Some(desktop), Syntax::StrictJson, &spec).unwrap(),
        Inspection::Conflict(EntryState { ref url, .. }) if url.as_deref() == Some("http://127.0.0.1:3845/mcp")
    ));
    assert_eq!(
        inspect(None, Syntax::StrictJson, &spec).unwrap(),
        Inspection::Missing
    );
    assert_eq!(
        inspect(Some(""), Syntax::StrictJson, &spec).unwrap(),
        Inspection::Missing
    );
    assert_eq!(
        inspect(Some("{\"mcpServers\": {}}"), Syntax::StrictJson, &spec).unwrap(),
        Inspection::Missing
    );
}

#[test]
fn without_by_url_only_the_named_entry_is_found_and_touched() {
    let spec = EntrySpec {
        by_url: false,
        ..claude_spec()
    };
    // Another entry with our URL is someone else's: not found, not edited.
    let text = format!(
        "{{\"mcpServers\": {{\"other\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}}}}}"
    );
    assert_eq!(
        inspect(Some(&text), Syntax::StrictJson, &spec).unwrap(),
        Inspection::Missing
    );
    // An edit would create an entry of our name beside it (the command layer refuses to create
    // one in an update), never rewrite the other entry's token.
    let c = changed(apply(Some(&text), Syntax::StrictJson, &spec, &set(NEW)).unwrap());
    assert!(
        c.notes.contains(&Note::CreatedEntry("figma".into())),
        "{:?}",
        c.notes
    );
    assert!(c.materialize(Some(&text)).contains(OLD));
    let toml = format!(
        "[mcp_servers.other]\nurl = \"https://mcp.figma.com/mcp\"\nhttp_headers = {{ Authorization = \"Bearer {OLD}\" }}\n"
    );
    let toml_spec = EntrySpec {
        container: vec!["mcp_servers".into()],
        headers_key: "http_headers".into(),
        ..spec.clone()
    };
    assert_eq!(
        inspect(Some(&toml), Syntax::Toml, &toml_spec).unwrap(),
        Inspection::Missing
    );
    // The named entry is still found (and a same-named entry elsewhere is a conflict).
    let named = text.replace("\"other\"", "\"figma\"");
    assert!(matches!(
        inspect(Some(&named), Syntax::StrictJson, &spec).unwrap(),
        Inspection::Found(EntryState { ref name, .. }) if name == "figma"
    ));
}

#[test]
fn keys_with_dots_and_slashes_are_opaque() {
    let mut spec = claude_spec();
    spec.container = vec!["projects".into(), "/a.b/c d".into(), "mcpServers".into()];
    let text = "{\"projects\": {\"/a.b\": {}, \"/a.b/c d\": {\"x\": 1}}}";
    let c = changed(apply(Some(text), Syntax::StrictJson, &spec, &set(NEW)).unwrap());
    let out = c.materialize(Some(text));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["projects"]["/a.b/c d"]["mcpServers"]["figma"]["headers"]["Authorization"],
        format!("Bearer {NEW}")
    );
    assert_eq!(v["projects"]["/a.b"], serde_json::json!({}));
}

#[test]
fn notes_describe_the_change() {
    let spec = claude_spec();
    let c = changed(apply(None, Syntax::StrictJson, &spec, &set(NEW)).unwrap());
    assert_eq!(
        c.notes,
        vec![
            Note::CreatedDocument,
            Note::CreatedContainer("mcpServers".into()),
            Note::CreatedEntry("figma".into())
        ]
    );
    let one_line = "{\"mcpServers\": {\"other\": {\"url\": \"https://x\"}}}";
    let c = changed(apply(Some(one_line), Syntax::StrictJson, &spec, &set(NEW)).unwrap());
    assert!(c.notes.contains(&Note::Reformatted), "{:?}", c.notes);
}

#[test]
fn object_keys_probes_a_path() {
    let text = "{\"mcp\": {\"servers\": {\"a\": {}, \"b\": {}}}}";
    assert_eq!(
        object_keys(text, Syntax::Jsonc, &["mcp", "servers"]).unwrap(),
        Some(vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(object_keys(text, Syntax::Jsonc, &["nope"]).unwrap(), None);
    assert_eq!(
        object_keys(
            "[mcp_servers.a]\n[mcp_servers.b]\n",
            Syntax::Toml,
            &["mcp_servers"]
        )
        .unwrap(),
        Some(vec!["a".to_string(), "b".to_string()])
    );
}

#[test]
fn the_untouched_check_catches_collateral_changes() {
    let spec = claude_spec();
    let before = "{\"a\": 1, \"mcpServers\": {\"other\": {\"url\": \"x\"}, \"figma\": {\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"timeout\": 5, \"headers\": {\"X\": \"1\"}}}}";
    let good = "{\"a\": 1, \"mcpServers\": {\"other\": {\"url\": \"x\"}, \"figma\": {\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"timeout\": 5, \"headers\": {\"X\": \"1\", \"Authorization\": \"Bearer t\"}}}}";
    let check = |after: &str| {
        json::check_untouched(
            before,
            after,
            Syntax::StrictJson,
            &spec,
            "figma",
            false,
            false,
        )
    };
    assert!(check(good).is_ok());
    for bad in [
        good.replace("\"a\": 1", "\"a\": 1.0"),
        good.replace("\"url\": \"x\"", "\"url\": \"y\""),
        good.replace("\"timeout\": 5", "\"timeout\": 6"),
        good.replace("\"timeout\": 5, ", ""),
        good.replace("\"X\": \"1\", ", ""),
        good.replace("https://mcp.figma.com/mcp", "https://elsewhere"),
        good.replace(
            "\"type\": \"http\", ",
            "\"type\": \"http\", \"extra\": true, ",
        ),
    ] {
        assert!(matches!(check(&bad), Err(EditError::Internal(_))), "{bad}");
    }
}

/// Found by the property tests: jsonc-parser accepts a raw control character inside a string,
/// which JSON.parse (Gemini CLI) and the clients' JSONC parsers refuse.
#[test]
fn raw_control_characters_in_strings_are_refused_in_every_json_dialect() {
    for syntax in [
        Syntax::StrictJson,
        Syntax::Jsonc,
        Syntax::JsoncNoTrailingCommas,
    ] {
        for text in ["{\"\0context_servers\": {}}", "{\n  \"a\": \"x\ty\"\n}"] {
            let e = apply(Some(text), syntax, &claude_spec(), &set(NEW)).unwrap_err();
            assert_eq!(e.kind(), "syntax", "{syntax:?} {text:?}: {e}");
        }
        // Escaped, or in a comment, they are fine.
        let ok = if syntax == Syntax::StrictJson {
            "{\"a\": \"x\\ty\\u0000\"}"
        } else {
            "{\"a\": \"x\\ty\"} // tab\there\n/* \0 */"
        };
        assert!(
            apply(Some(ok), syntax, &claude_spec(), &set(NEW)).is_ok(),
            "{syntax:?}"
        );
    }
}

/// Found by the property tests: in a CRLF file whose only line breaks are inside comments, the
/// CST wrote the new entry with LF.
#[test]
fn crlf_is_kept_when_every_line_break_is_in_a_comment() {
    let text = "/* multi\r\n line */ {/* multi\r\n line */ }";
    for syntax in [Syntax::Jsonc, Syntax::JsoncNoTrailingCommas] {
        let out = changed(apply(Some(text), syntax, &claude_spec(), &set(NEW)).unwrap())
            .materialize(Some(text));
        assert_eq!(
            out.matches("\r\n").count(),
            out.matches('\n').count(),
            "{out:?}"
        );
        assert!(out.starts_with("/* multi\r\n line */ {"), "{out:?}");
    }
}

/// Found by the fuzzer: the untouched check compared other headers by their `Debug` text, which
/// for an object value follows hash order, and refused a correct edit.
#[test]
fn the_untouched_check_compares_nested_header_values_as_values() {
    let spec = claude_spec();
    let nested: String = (0..12)
        .map(|i| format!("\"k{i}\": {i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let before = format!("{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"X\": {{{nested}}}}}}}}}}}");
    for _ in 0..20 {
        let c = changed(apply(Some(&before), Syntax::StrictJson, &spec, &set(NEW)).unwrap());
        assert!(c.materialize(Some(&before)).contains(NEW));
    }
}

/// Found by the fuzzer: JSON.parse accepts a lone surrogate escape (Claude Code writes one when
/// a history entry cuts an emoji in half); jsonc-parser does not. The engine masks them.
#[test]
fn lone_surrogate_escapes_survive_every_edit() {
    let spec = claude_helper_spec();
    let text = "{\n  \"note\": \"half \\ud83d\",\n  \"mcpServers\": {\n    \"other\": {\"url\": \"x\\ude00\", \"pair\": \"\\ud83d\\ude00\"}\n  }\n}\n";
    for syntax in [
        Syntax::StrictJson,
        Syntax::Jsonc,
        Syntax::JsoncNoTrailingCommas,
    ] {
        let out =
            changed(apply(Some(text), syntax, &spec, &set(NEW)).unwrap()).materialize(Some(text));
        for kept in ["\"half \\ud83d\"", "\"x\\ude00\"", "\"\\ud83d\\ude00\""] {
            assert!(out.contains(kept), "{syntax:?}: {out}");
        }
        let out2 = changed(apply(Some(&out), syntax, &spec, &helper_auth("h")).unwrap())
            .materialize(Some(&out));
        assert!(out2.contains("\"x\\ude00\""), "{out2}");
        assert_eq!(round_trip(text, syntax).unwrap(), text);
        assert!(inspect(Some(text), syntax, &spec).is_ok());
    }
}
