use super::super::{
    apply, apply_stdio, inspect, Desired, Edit, EditError, EntrySpec, Field, HeaderValue,
    Inspection, Note, Scalar, SecretHeader, Stdio, StdioField, StdioSpec, Syntax,
};

const OLD: &str = "figu_FIXTURE_OLD_TOKEN";
const NEW: &str = "figu_FIXTURE_NEW_TOKEN";

fn continue_spec() -> EntrySpec {
    EntrySpec {
        container: vec!["mcpServers".into()],
        name: "figma".into(),
        url: "https://mcp.figma.com/mcp".into(),
        url_keys: vec!["url".into()],
        headers_key: "headers".into(),
        template: vec![
            Field::Value("type".into(), Scalar::str("streamable-http")),
            Field::Url,
            Field::Headers,
        ],
        auth_alternatives: vec!["apiKey".into()],
        by_url: true,
        list_key: Some("name".into()),
        headers_parent: vec!["requestOptions".into()],
        stdio: Some(StdioSpec {
            command_key: "command".into(),
            args_key: "args".into(),
            template: vec![StdioField::Command, StdioField::Args],
        }),
        ..EntrySpec::default()
    }
}

fn goose_spec() -> EntrySpec {
    let fixed = |k: &str, v: Scalar| Field::Value(k.into(), v);
    EntrySpec {
        container: vec!["extensions".into()],
        name: "figma".into(),
        url: "https://mcp.figma.com/mcp".into(),
        url_keys: vec!["uri".into()],
        headers_key: "headers".into(),
        template: vec![
            fixed("enabled", Scalar::Bool(true)),
            fixed("type", Scalar::str("streamable_http")),
            fixed("name", Scalar::str("figma")),
            fixed("description", Scalar::str("")),
            Field::Url,
            Field::Headers,
            fixed("timeout", Scalar::Int(300)),
        ],
        required: vec![
            ("enabled".into(), Scalar::Bool(true)),
            ("type".into(), Scalar::str("streamable_http")),
        ],
        by_url: true,
        header_vars: Some("env_keys".into()),
        stdio: Some(StdioSpec {
            command_key: "cmd".into(),
            args_key: "args".into(),
            template: vec![
                StdioField::Value("enabled".into(), Scalar::Bool(true)),
                StdioField::Value("type".into(), Scalar::str("stdio")),
                StdioField::Value("name".into(), Scalar::str("figma")),
                StdioField::Value("description".into(), Scalar::str("")),
                StdioField::Command,
                StdioField::Args,
                StdioField::Value("timeout".into(), Scalar::Int(300)),
            ],
        }),
        ..EntrySpec::default()
    }
}

fn set(t: &str) -> Desired {
    Desired::header(SecretHeader::new(format!("Bearer {t}")))
}

fn out(text: Option<&str>, spec: &EntrySpec, desired: &Desired) -> String {
    changed(apply(text, Syntax::Yaml, spec, desired))
        .materialize(text)
        .unwrap()
}

/// The edit, which must change the file.
fn changed(r: Result<Edit, EditError>) -> Edit {
    let e = r.unwrap();
    assert!(e.changes(), "{e:?}");
    e
}

fn proxy() -> Stdio {
    Stdio {
        command: "/usr/local/bin/figma-auth".into(),
        args: vec!["proxy".into(), "--profile".into(), "default".into()],
    }
}

#[test]
fn continue_refresh_is_a_splice_keeping_the_quotes() {
    let spec = continue_spec();
    for (before, after) in [
        (
            format!("\"Bearer {OLD}\"   # managed"),
            format!("\"Bearer {NEW}\"   # managed"),
        ),
        (format!("'Bearer {OLD}'"), format!("'Bearer {NEW}'")),
        (format!("Bearer {OLD} # c"), format!("Bearer {NEW} # c")),
    ] {
        let text = format!(
            "mcpServers:\n  # remote\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      headers:\n        Authorization: {before}\n  - name: other\n    command: x\n"
        );
        let c = changed(apply(Some(&text), Syntax::Yaml, &spec, &set(NEW)));
        assert!(c.is_splice(), "{c:?}");
        assert_eq!(
            c.materialize(Some(&text)).unwrap(),
            text.replace(&before, &after)
        );
    }
}

#[test]
fn continue_new_entry_follows_the_list_style() {
    let spec = continue_spec();
    let text = "name: x\nmodels:\n- name: m\n  provider: openai\nmcpServers:\n-   name: other\n    command: npx\n# tail\n";
    let o = out(Some(text), &spec, &set(NEW));
    eprintln!("{o}");
    assert_eq!(
        o,
        format!("name: x\nmodels:\n- name: m\n  provider: openai\nmcpServers:\n-   name: other\n    command: npx\n-   name: figma\n    type: streamable-http\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      headers:\n        Authorization: Bearer {NEW}\n# tail\n")
    );
    // A missing list is created at the end, in the file's sequence style.
    let text = "name: x\nmodels:\n  - name: m\n";
    assert_eq!(
        out(Some(text), &spec, &set(NEW)),
        format!("name: x\nmodels:\n  - name: m\nmcpServers:\n  - name: figma\n    type: streamable-http\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      headers:\n        Authorization: Bearer {NEW}\n")
    );
}

#[test]
fn empty_values_are_filled() {
    let spec = continue_spec();
    for text in [
        "mcpServers:\n",
        "mcpServers: []\n",
        "mcpServers: ~ # none\n",
    ] {
        let o = out(Some(text), &spec, &set(NEW));
        assert!(
            o.starts_with("mcpServers:") && o.contains("\n  - name: figma\n"),
            "{text:?} -> {o}"
        );
    }
    let o = out(Some("{}\n"), &goose_spec(), &set(NEW));
    assert!(
        o.starts_with("extensions:\n  figma:\n    enabled: true\n"),
        "{o}"
    );
}

#[test]
fn crlf_bom_and_no_final_newline_are_kept() {
    let spec = goose_spec();
    let text =
        "\u{feff}GOOSE_MODEL: x\r\nextensions:\r\n  dev:\r\n    enabled: true\r\n    type: builtin";
    let o = out(Some(text), &spec, &set(NEW));
    assert!(o.starts_with("\u{feff}GOOSE_MODEL: x\r\nextensions:\r\n  dev:\r\n"));
    assert!(!o.ends_with('\n'), "{o:?}");
    assert_eq!(o.matches('\n').count(), o.matches("\r\n").count(), "{o:?}");
    assert!(o.contains("\r\n  figma:\r\n    enabled: true\r\n    type: streamable_http\r\n    name: figma\r\n    description: ''\r\n    uri: https://mcp.figma.com/mcp\r\n    headers:\r\n      Authorization: Bearer figu_FIXTURE_NEW_TOKEN\r\n    timeout: 300"), "{o:?}");
}

#[test]
fn goose_env_mode_keeps_env_keys_in_step() {
    let spec = goose_spec();
    let text = format!("extensions:\n  figma:\n    enabled: true\n    type: streamable_http\n    name: figma\n    description: ''\n    uri: https://mcp.figma.com/mcp\n    headers:\n      Authorization: Bearer {OLD}\n    timeout: 300\n");
    let env = Desired::exactly(
        Some(HeaderValue::Reference("Bearer ${FIGMA_TOKEN}".into())),
        None,
    );
    let c = changed(apply(Some(&text), Syntax::Yaml, &spec, &env));
    let o = c.materialize(Some(&text)).unwrap();
    assert!(o.contains("Authorization: Bearer ${FIGMA_TOKEN}\n    timeout: 300\n    env_keys:\n    - FIGMA_TOKEN\n") || o.contains("env_keys:\n      - FIGMA_TOKEN"), "{o}");
    let Inspection::Found(e) = inspect(Some(&o), Syntax::Yaml, &spec).unwrap() else {
        panic!()
    };
    assert!(e.holds(&env), "{e:?}");
    // A refresh leaves it alone; the way back to inline removes the variable again.
    assert!(matches!(
        apply(Some(&o), Syntax::Yaml, &spec, &set(NEW)).unwrap(),
        Edit::Indirect(_)
    ));
    let inline = Desired::exactly(
        Some(HeaderValue::Token(SecretHeader::new(format!(
            "Bearer {NEW}"
        )))),
        None,
    );
    let c = changed(apply(Some(&o), Syntax::Yaml, &spec, &inline));
    assert_eq!(c.materialize(Some(&o)).unwrap(), text.replace(OLD, NEW));
    // The variable missing from env_keys: not current.
    let bare = text.replace(&format!("Bearer {OLD}"), "Bearer ${FIGMA_TOKEN}");
    let Inspection::Found(e) = inspect(Some(&bare), Syntax::Yaml, &spec).unwrap() else {
        panic!()
    };
    assert!(!e.holds(&env));
    assert_eq!(e.missing_required, vec!["env_keys".to_string()]);
    // A flow list gets the variable added in place.
    let flow = bare.replace("timeout: 300\n", "timeout: 300\n    env_keys: [OTHER]\n");
    let c = changed(apply(Some(&flow), Syntax::Yaml, &spec, &env));
    assert!(c
        .materialize(Some(&flow))
        .unwrap()
        .contains("env_keys: [OTHER, FIGMA_TOKEN]\n"));
}

#[test]
fn logout_removes_the_header_and_what_only_held_it() {
    let spec = continue_spec();
    let text = format!("mcpServers:\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      headers:\n        Authorization: Bearer {OLD}\n    other: 1\n");
    assert_eq!(
        out(Some(&text), &spec, &Desired::removal()),
        "mcpServers:\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    other: 1\n"
    );
    let text = format!("mcpServers:\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      timeout: 5\n      headers:\n        X-A: b\n        Authorization: Bearer {OLD}\n");
    assert_eq!(
        out(Some(&text), &spec, &Desired::removal()),
        "mcpServers:\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    requestOptions:\n      timeout: 5\n      headers:\n        X-A: b\n"
    );
}

#[test]
fn stdio_entries_are_created_switched_and_switched_back() {
    let spec = goose_spec();
    let text = format!("extensions:\n  figma:\n    enabled: true\n    type: streamable_http\n    name: figma\n    description: ''\n    uri: https://mcp.figma.com/mcp\n    headers:\n      Authorization: Bearer {OLD}\n    timeout: 300\n");
    let c = changed(apply_stdio(Some(&text), Syntax::Yaml, &spec, &proxy()));
    let local = c.materialize(Some(&text)).unwrap();
    assert_eq!(local, "extensions:\n  figma:\n    enabled: true\n    type: stdio\n    name: figma\n    description: ''\n    timeout: 300\n    cmd: /usr/local/bin/figma-auth\n    args:\n      - proxy\n      - --profile\n      - default\n");
    assert!(!local.contains(OLD));
    let Inspection::Found(e) = inspect(Some(&local), Syntax::Yaml, &spec).unwrap() else {
        panic!()
    };
    assert_eq!(e.stdio, Some(proxy()));
    assert!(matches!(
        apply(Some(&local), Syntax::Yaml, &spec, &set(NEW)).unwrap(),
        Edit::Indirect(_)
    ));
    assert_eq!(
        apply_stdio(Some(&local), Syntax::Yaml, &spec, &proxy()).unwrap(),
        Edit::Unchanged
    );
    let inline = Desired::exactly(
        Some(HeaderValue::Token(SecretHeader::new(format!(
            "Bearer {NEW}"
        )))),
        None,
    );
    let c = changed(apply(Some(&local), Syntax::Yaml, &spec, &inline));
    let back = c.materialize(Some(&local)).unwrap();
    assert!(
        back.contains("type: streamable_http")
            && back.contains("uri: https://mcp.figma.com/mcp")
            && !back.contains("cmd:"),
        "{back}"
    );
    // Continue: a new list item.
    let c = continue_spec();
    let ch = changed(apply_stdio(None, Syntax::Yaml, &c, &proxy()));
    assert_eq!(
        ch.materialize(None).unwrap(),
        "mcpServers:\n  - name: figma\n    command: /usr/local/bin/figma-auth\n    args:\n      - proxy\n      - --profile\n      - default\n"
    );
}

#[test]
fn refusals_name_the_line() {
    let spec = continue_spec();
    let cases: [(&str, &str, usize); 7] = [
        ("mcpServers:\n  - &a\n    name: figma\n    url: https://mcp.figma.com/mcp\n", "strictness", 2),
        ("base: &b {x: 1}\nmcpServers:\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    requestOptions: *b\n", "strictness", 5),
        ("a: 1\n---\nb: 2\n", "strictness", 2),
        ("a: 1\na: 2\n", "duplicate-key", 2),
        ("mcpServers:\n  - name: figma\n  - name: figma\n", "duplicate-key", 3),
        ("mcpServers:\n  figma: {}\n", "wrong-type", 2),
        ("mcpServers:\n\t- name: figma\n", "syntax", 2),
    ];
    for (text, kind, line) in cases {
        let e: EditError = apply(Some(text), Syntax::Yaml, &spec, &set(NEW)).unwrap_err();
        assert_eq!((e.kind(), e.line()), (kind, Some(line)), "{text:?}: {e}");
        assert_eq!(
            inspect(Some(text), Syntax::Yaml, &spec).map_err(|e| e.kind()),
            Err(kind),
            "{text:?}"
        );
    }
    // Adding to a non-empty flow mapping is refused; a value inside one is replaced.
    let flow = format!("mcpServers:\n  - name: figma\n    url: https://mcp.figma.com/mcp\n    requestOptions: {{headers: {{Authorization: \"Bearer {OLD}\"}}}}\n");
    let o = out(Some(&flow), &spec, &set(NEW));
    assert_eq!(o, flow.replace(OLD, NEW));
    let e = apply(
        Some(&flow.replace("Authorization", "X")),
        Syntax::Yaml,
        &spec,
        &set(NEW),
    )
    .unwrap_err();
    assert_eq!(e.kind(), "strictness", "{e}");
}

#[test]
fn a_forced_takeover_points_the_entry_at_our_url() {
    let mut spec = goose_spec();
    let text = "extensions:\n  figma:\n    enabled: true\n    type: streamable_http\n    uri: http://127.0.0.1:3845/mcp\n";
    assert!(matches!(
        apply(Some(text), Syntax::Yaml, &spec, &set(NEW)).unwrap(),
        Edit::Conflict(_)
    ));
    spec.force = true;
    let c = changed(apply(Some(text), Syntax::Yaml, &spec, &set(NEW)));
    assert!(c.notes().contains(&Note::SetUrl));
    assert_eq!(
        c.materialize(Some(text)).unwrap(),
        format!("extensions:\n  figma:\n    enabled: true\n    type: streamable_http\n    uri: https://mcp.figma.com/mcp\n    headers:\n      Authorization: Bearer {NEW}\n")
    );
}

/// Inputs the property tests failed on (each fixed in the editor): each is now refused with a
/// line, or edited and verified.
#[test]
fn property_test_findings() {
    let env = Desired::exactly(
        Some(HeaderValue::Reference("Bearer ${FIGMA_TOKEN}".into())),
        None,
    );
    let cases: &[(&str, bool, Option<&str>)] = &[
        // `: value` without a key: saphyr reads it, libyaml (Goose) refuses it.
        (":", false, Some("syntax")),
        // The same in a flow mapping (found by fuzz_yaml).
        ("a: { headers: {: \"Bearer x\" } }", false, Some("syntax")),
        // Anchor and tag names libyaml refuses.
        ("&# :", false, Some("syntax")),
        ("~ : !#u&@&&", false, Some("syntax")),
        // Trailing blank lines at the very end belong to the block scalar before them.
        ("notes: |\n  first line\n  ", true, Some("strictness")),
        ("notes: |\n  f", false, Some("strictness")),
        // An empty item (`-`) does not tell the item's indentation.
        ("mcpServers:   # the servers\n    -", false, None),
        // An empty value at the end of the text receives its value after a space.
        ("extensions:\n    figma:\n        args: [proxy, --profile, default]\n        cmd: /home/user/.local/bin/figma-auth\n        description: ''\n        enabled:", true, None),
        // Lines for an empty `headers:` come before the entry's next members.
        ("extensions:\n  figma:\n    enabled: true\n    name: figma\n    uri: https://mcp.figma.com/mcp\n    headers:", true, None),
    ];
    for (text, goose, err) in cases {
        let spec = if *goose {
            goose_spec()
        } else {
            continue_spec()
        };
        for r in [
            apply(Some(text), Syntax::Yaml, &spec, &set(NEW)),
            apply(Some(text), Syntax::Yaml, &spec, &env),
        ] {
            match (&r, err) {
                (Ok(Edit::Splice { .. } | Edit::Rewrite { .. } | Edit::Indirect(_)), None) => {}
                (Err(e), Some(kind)) => assert_eq!(e.kind(), *kind, "{text:?}: {e}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}

/// Inputs the fuzzer failed on (`fuzz/regressions/fuzz_yaml/`), as unit tests.
#[test]
fn fuzz_findings() {
    // A raw control character: the YAML spec and libyaml refuse it, saphyr-parser reads it.
    let e = apply(
        Some("models:\n  - name: fake\nm\u{1}\u{1}cpServers:\n"),
        Syntax::Yaml,
        &continue_spec(),
        &set(NEW),
    )
    .unwrap_err();
    assert_eq!((e.kind(), e.line()), ("syntax", Some(3)), "{e}");
    assert!(e.to_string().contains("U+0001"), "{e}");
    // Each refused with its line where saphyr-parser and libyaml disagree (or would after the
    // edit), or where the edit would read a key its tag hides.
    for (text, line) in [
        (
            "common: &opts\n  a:\n  - name: figma\n    requestOptions: *opts\n",
            4,
        ),
        ("!!str extensions:\n  figma:\n    enabled: true\n", 1),
        (
            "mcpServers:\n  - !!str name: figma\n    url: https://mcp.figma.com/mcp\n",
            2,
        ),
        ("a:\n  b: x\n  &a b: y\n", 3),
        ("args: [proxy, |x]\n", 1),
        ("env_keys: [extensions:]\n", 1),
        ("env_keys: [!]\n", 1),
        ("&aa{}:\n", 1),
        ("a: [*x[]]\n", 1),
        ("a: {b: !}\n", 1),
        ("\n... \n", 2),
        ("mcpServers:\r  - name: figma\r\n", 1),
        ("a: b\u{2028}c\n", 1),
        ("a: b\u{85}c\n", 1),
        ("a: 1\n# x\u{2029}y\n", 2),
    ] {
        let e = apply(Some(text), Syntax::Yaml, &goose_spec(), &set(NEW))
            .and(apply(Some(text), Syntax::Yaml, &continue_spec(), &set(NEW)))
            .unwrap_err();
        assert_eq!(e.line(), Some(line), "{text:?}: {e}");
        assert_ne!(e.kind(), "internal", "{text:?}: {e}");
    }
    // An item that starts on the line after its `-` is appended after at the `-`'s column.
    let text = "mcpServers:\n-\n    name: other\n    command: npx\n";
    let o = out(Some(text), &continue_spec(), &set(NEW));
    assert!(
        o.starts_with(text) && o[text.len()..].starts_with("- name: figma\n"),
        "{o}"
    );
    // An item of ours whose name is not a string (a comment where the name should be, a
    // number): refused, naming the member.
    for name in ["#Figma Dev Mode", "~", "12", "!!str figma"] {
        let text = format!("mcpServers:\n  - name: {name}\n    url: https://mcp.figma.com/mcp\n");
        let e = apply_stdio(Some(&text), Syntax::Yaml, &continue_spec(), &proxy()).unwrap_err();
        assert_eq!((e.kind(), e.line()), ("wrong-type", Some(2)), "{name}: {e}");
        assert!(e.to_string().contains("mcpServers.name"), "{e}");
    }
    // Two list items of one name, the first found by its URL.
    let text = "mcpServers:\n  - name: Figma Dev Mode\n    url: https://mcp.figma.com/mcp\n  - name: Figma Dev Mode\n    url: https://mcp.figma.com/mcp\n";
    let e = apply_stdio(Some(text), Syntax::Yaml, &continue_spec(), &proxy()).unwrap_err();
    assert_eq!((e.kind(), e.line()), ("duplicate-key", Some(4)), "{e}");
    // A tab before a token at the start of a line (libyaml refuses it); inside a block scalar
    // it is text.
    for (text, ok) in [
        ("\t{}\n", false),
        ("a: 1\n\t# comment\n", false),
        ("c: [1,\n  \t2]\n", false),
        ("b: |\n  x\n  \ty\n", true),
        // Each as libyaml reads it (found by fuzz_yaml: a tab after `-`): after a `-` or `?`
        // indicator, before a block scalar's indentation, at the start of a plain scalar's
        // continuation line; elsewhere in a line a tab is white space.
        ("mcpServers:\n-   \taOOOsamther-mcp\n", false),
        ("a:\n  -\tb\n", false),
        ("- - \tb\n", false),
        ("? \ta\n: b\n", false),
        ("a: |\n  x\n \ty\n", false),
        ("a: |\n\n  x\n\t\n", false),
        ("a: b\n\tc\n", false),
        ("a: b\n \tc\n", true),
        ("a:\n- b\t# c\n", true),
    ] {
        let r = inspect(Some(text), Syntax::Yaml, &continue_spec());
        assert_eq!(r.is_ok(), ok, "{text:?}: {r:?}");
    }
}

#[test]
fn keys_over_lines_and_shallow_continuations_are_refused() {
    // The first found by fuzz_yaml: saphyr-parser reads it, libyaml refuses it.
    for text in [
        "defaults: &d\n  enabled: trle\nextelsions:\n  <<: {figma\n- : {enabled: true}}\n",
        "a:\n  b: 'one\n  two'\n",
        "a:\n  b: plain\n  two: 1\n",
    ] {
        let r = apply(Some(text), Syntax::Yaml, &continue_spec(), &set(NEW));
        if text.contains("two'") {
            // Continue's parser (the `yaml` package) refuses this one.
            assert_eq!(r.unwrap_err().kind(), "syntax", "{text:?}");
        } else if text.contains("trle") {
            // A key over two lines (`figma\n-`): libyaml refuses it.
            assert_eq!(r.unwrap_err().line(), Some(4), "{text:?}");
        } else {
            assert!(r.is_ok(), "{text:?}: {r:?}");
        }
    }
}
