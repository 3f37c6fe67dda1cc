//! The 50 MB timing runs on a `~/.claude.json`-shaped document (ignored by default: run them with
//! `--release -- --ignored`).

use super::*;

#[test]
#[ignore = "timing; run with --release -- --ignored"]
fn timing_50mb_splice() {
    let text = big_claude_json(50);
    let spec = claude_spec();
    let t = std::time::Instant::now();
    let r = apply(Some(&text), Syntax::StrictJson, &spec, &set(NEW)).unwrap();
    let el = t.elapsed();
    assert!(r.is_splice(), "{r:?}");
    println!("{} MB: find + splice {el:?}", text.len() / 1_000_000);
}

/// A `~/.claude.json`-shaped document of about `mb` megabytes: 2-space pretty JSON, a large
/// `projects` map with history arrays, `mcpServers` after it.
pub(super) fn big_claude_json(mb: usize) -> String {
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
fn timing_50mb_create_entry() {
    let text = big_claude_json(50)
        .replace(
            "\"mcpServers\": {\n    \"figma\"",
            "\"mcpServers\": {\n    \"other\"",
        )
        .replace(
            "\"https://mcp.figma.com/mcp\"",
            "\"https://example.com/mcp\"",
        );
    let t = std::time::Instant::now();
    let r = apply(Some(&text), Syntax::StrictJson, &claude_spec(), &set(NEW)).unwrap();
    assert!(r.changes() && !r.is_splice(), "{r:?}");
    println!(
        "{} MB: create via CST {:?}",
        text.len() / 1_000_000,
        t.elapsed()
    );
}
