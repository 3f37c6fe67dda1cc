//! The edit paths agree: a splice of the token literal, the skeleton and the full CST give the
//! same bytes, and the one-pass listing of strict JSON finds what the scanner finds.

use super::*;

#[test]
fn splice_and_cst_paths_give_identical_output() {
    let inputs = [
        entry_json("  ", "\n", OLD),
        entry_json("\t", "\r\n", OLD),
        format!("\u{feff}{}\n", entry_json("    ", "\n", OLD)),
        format!(
            "// c\n{{\"mcpServers\": {{\"figma\": {{\"type\": \"http\", \"url\": \"https://mcp.figma.com/mcp/\", \"headers\": {{\"authorization\": /* x */ \"Bearer {OLD}\",}},}},}},}}"
        ),
        super::big::big_claude_json(1),
    ];
    for (i, input) in inputs.iter().enumerate() {
        let syntax = if input.contains("//") {
            Syntax::Jsonc
        } else {
            Syntax::StrictJson
        };
        let spec = claude_spec();
        let fast = changed(apply(Some(input), syntax, &spec, &set(NEW)).unwrap());
        assert!(fast.is_splice(), "input {i} should splice");
        let slow = changed(
            json::apply_with(Some(input), syntax, &spec, Op::of(&set(NEW)), false).unwrap(),
        );
        assert!(!slow.is_splice());
        let fast_text = fast.materialize(Some(input));
        assert_eq!(fast_text, slow.materialize(Some(input)), "input {i}");
        assert_eq!(
            fast_text.replace(NEW, OLD),
            *input,
            "only the literal changed"
        );
    }
}

#[test]
fn skeleton_and_full_cst_give_identical_output() {
    let big = super::big::big_claude_json(1);
    let no_servers = big[..big.rfind(",\n  \"mcpServers\"").unwrap()].to_string() + "\n}";
    let other_server = big
        .replace("https://mcp.figma.com/mcp", "https://example.com/mcp")
        .replace("\"figma\": {", "\"other\": {");
    let missing_type = big.replace("\"type\": \"http\",\n      ", "");
    let mut local = claude_spec();
    local.container = vec![
        "projects".into(),
        "/home/user/src/project-3".into(),
        "mcpServers".into(),
    ];
    let mut new_project = claude_spec();
    new_project.container = vec![
        "projects".into(),
        "/home/user/new".into(),
        "mcpServers".into(),
    ];
    let cases: Vec<(&str, &String, EntrySpec, Desired)> = vec![
        ("append mcpServers", &no_servers, claude_spec(), set(NEW)),
        ("append entry", &other_server, claude_spec(), set(NEW)),
        ("add type", &missing_type, claude_spec(), set(NEW)),
        ("remove header", &big, claude_spec(), Desired::removal()),
        ("local scope", &big, local, set(NEW)),
        ("new project key", &big, new_project, set(NEW)),
    ];
    for (what, text, spec, change) in cases {
        assert!(
            json::skeleton_applies(text, &spec, Op::of(&change)),
            "{what}"
        );
        let fast = changed(apply(Some(text), Syntax::StrictJson, &spec, &change).unwrap());
        let full = changed(
            json::apply_with(
                Some(text),
                Syntax::StrictJson,
                &spec,
                Op::of(&change),
                false,
            )
            .unwrap(),
        );
        assert_eq!(
            fast.materialize(Some(text)),
            full.materialize(Some(text)),
            "{what}"
        );
        assert_eq!(fast.notes, full.notes, "{what}");
    }
}

#[test]
fn splice_covers_exactly_the_old_literal_with_bom_offset() {
    let input = format!("\u{feff}{}", entry_json("  ", "\n", OLD));
    let c = changed(apply(Some(&input), Syntax::StrictJson, &claude_spec(), &set(NEW)).unwrap());
    let Edit::Splice {
        range, replacement, ..
    } = &c.edit
    else {
        panic!("{:?}", c.edit)
    };
    assert_eq!(&input[range.clone()], format!("\"Bearer {OLD}\""));
    assert_eq!(*replacement, format!("\"Bearer {NEW}\""));
}

#[test]
fn the_one_pass_listing_of_strict_json_is_the_scanners() {
    let spec = claude_spec();
    let lone = "\\ud83d";
    for text in [
        "{}".to_string(),
        " \n{ }\n ".to_string(),
        format!(r#"{{"mcpServers": {{"figma": {{"url": "https://mcp.figma.com/mcp", "headers": {{"Authorization": "Bearer {OLD}"}}}}}}}}"#),
        // Duplicates, escaped keys, every kind of value, nesting outside and inside the path.
        r#"{"a": [1, {"b": "}"}], "mcpServers": {"x": 1}, "\u006dcpServers": {"figma": {"headers": {}, "n": null}}, "t": true, "f": -1.5e3, "s": "\"{["}"#.to_string(),
        format!("{{\r\n\t\"projects\": {{\"/p\": {{\"history\": [\"{lone} cut\"]}}}},\r\n\t\"mcpServers\": {{}}\r\n}}\r\n"),
    ] {
        let (listed, scanned) = json::listings(&text, &spec);
        assert!(listed.is_some(), "{text}");
        assert_eq!(listed, scanned, "{text}");
    }
    // Declined: the scanner words these (invalid, not an object, empty).
    for text in [
        "[1]",
        "",
        "  ",
        "{\"a\": 1,}",
        "{\"a\": 1} x",
        "{\"a\": 01}",
        "\"s\"",
    ] {
        assert_eq!(json::listings(text, &spec).0, None, "{text:?}");
    }
}
