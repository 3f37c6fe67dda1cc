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
