use super::*;

fn claude_spec() -> EntrySpec {
    EntrySpec {
        container: vec!["mcpServers".into()],
        name: "figma".into(),
        url: "https://mcp.figma.com/mcp".into(),
        url_keys: vec!["url".into()],
        headers_key: "headers".into(),
        template: vec![
            Field::Value("type".into(), Scalar::str("http")),
            Field::Url,
            Field::Headers,
        ],
        required: vec![("type".into(), Scalar::str("http"))],
        new_file_members: vec![],
        auth_alternatives: vec![],
        force: false,
    }
}

fn set(t: &str) -> HeaderChange {
    HeaderChange::Set(SecretHeader::new(format!("Bearer {t}")))
}

fn out(text: Option<&str>, syntax: Syntax, spec: &EntrySpec, c: &HeaderChange) -> String {
    match apply(text, syntax, spec, c).unwrap() {
        EditOutcome::Changed(ch) => ch.materialize(text),
        o => panic!("{o:?}"),
    }
}

#[test]
fn scratch() {
    let spec = claude_spec();
    for input in [None, Some(""), Some("{}"), Some("// hi\n"), Some("{\"a\":1}"), Some("{\r\n\t\"a\": 1\r\n}\r\n"),
        Some("{\n  \"mcpServers\": {\n    \"figma\": {\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {\"X\": \"y\"}\n    }\n  }\n}")] {
        let syn = if input.is_some_and(|s| s.contains("//")) { Syntax::Jsonc } else { Syntax::StrictJson };
        println!("-----\n{}<END>", out(input, syn, &spec, &set("NEW")));
    }
}

/// A `~/.claude.json`-shaped document of about `mb` megabytes: 2-space pretty JSON, a large
/// `projects` map with history arrays, `mcpServers` after it.
pub(crate) fn big_claude_json(mb: usize) -> String {
    let mut s = String::from("{\n  \"numStartups\": 12,\n  \"projects\": {\n");
    let mut i = 0;
    while s.len() < mb * 1_000_000 {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!(
            "    \"/home/user/src/project-{i}\": {{\n      \"allowedTools\": [],\n      \"history\": [\n"
        ));
        for j in 0..40 {
            s.push_str(&format!(
                "        {{\n          \"display\": \"fix the \\\"flaky\\\" test number {j} in module {i} — and refactor\",\n          \"pastedContents\": {{}}\n        }}{}\n",
                if j < 39 { "," } else { "" }
            ));
        }
        s.push_str("      ],\n      \"mcpServers\": {},\n      \"hasTrustDialogAccepted\": true,\n      \"lastCost\": 0.1234\n    }");
        i += 1;
    }
    s.push_str("\n  },\n  \"mcpServers\": {\n    \"figma\": {\n      \"type\": \"http\",\n      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {\n        \"Authorization\": \"Bearer figu_FIXTURE_OLD_TOKEN\"\n      }\n    }\n  }\n}");
    s
}

#[test]
#[ignore = "timing; run with --release -- --ignored"]
fn timing_50mb_splice() {
    let text = big_claude_json(50);
    let spec = claude_spec();
    let t = std::time::Instant::now();
    let r = apply(
        Some(&text),
        Syntax::StrictJson,
        &spec,
        &set("figu_FIXTURE_NEW_TOKEN"),
    )
    .unwrap();
    let el = t.elapsed();
    assert!(matches!(&r, EditOutcome::Changed(c) if c.splice().is_some()));
    let t2 = std::time::Instant::now();
    let _ = serde_json::from_str::<serde::de::IgnoredAny>(&text).unwrap();
    let el2 = t2.elapsed();
    let t3 = std::time::Instant::now();
    let (root, _, _) = scan::Scanner::new(&text, |_, _| false).scan().unwrap();
    let el3 = t3.elapsed();
    drop(root);
    println!(
        "{} MB: apply {el:?}, serde {el2:?}, scan {el3:?}",
        text.len() / 1_000_000
    );
}
