//! Generates a `~/.claude.json` shaped like a heavy Claude Code user's: pretty-printed 2-space
//! JSON, a large `projects` map with history arrays, and `mcpServers` (holding a figma entry with
//! a stale token) after it. Used by `bench/claude-json.sh`.
//!
//! Usage: cargo run --release --example gen_claude_json -- OUT_PATH SIZE_MB TOKEN

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_claude_json OUT_PATH SIZE_MB TOKEN");
        std::process::exit(2);
    }
    let out = &args[1];
    let target: usize = args[2].parse::<usize>().expect("SIZE_MB is a number") * 1024 * 1024;
    let token = &args[3];

    let mut s = String::with_capacity(target + 4096);
    s.push_str(
        "{\n  \"numStartups\": 812,\n  \"installMethod\": \"global\",\n  \"autoUpdates\": true,\n",
    );
    s.push_str("  \"firstStartTime\": \"2026-01-02T10:00:00.000Z\",\n");
    s.push_str(
        "  \"userID\": \"0fd339e07df009a3816d1fcbb85a75ff4d549c83e620511747fb5af9265757bd\",\n",
    );
    s.push_str("  \"projects\": {\n");
    let mut n = 0usize;
    while s.len() < target {
        if n > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!("    \"/home/user/src/project-{n:05}\": {{\n"));
        s.push_str("      \"allowedTools\": [],\n      \"history\": [\n");
        for h in 0..40 {
            if h > 0 {
                s.push_str(",\n");
            }
            s.push_str(&format!(
                "        {{\n          \"display\": \"refactor the \\\"parser\\\" module, step {h}: keep ünïcødé and \\n newlines\",\n          \"pastedContents\": {{}}\n        }}"
            ));
        }
        s.push_str("\n      ],\n      \"mcpContextUris\": [],\n      \"mcpServers\": {},\n");
        s.push_str("      \"enabledMcpjsonServers\": [],\n      \"disabledMcpjsonServers\": [],\n");
        s.push_str(&format!(
            "      \"hasTrustDialogAccepted\": true,\n      \"lastCost\": 0.{n:04}1,\n      \"lastDuration\": {},\n      \"projectOnboardingSeenCount\": 2\n    }}",
            1000 + n
        ));
        n += 1;
    }
    s.push_str("\n  },\n  \"mcpServers\": {\n    \"figma\": {\n      \"type\": \"http\",\n");
    s.push_str("      \"url\": \"https://mcp.figma.com/mcp\",\n      \"headers\": {\n");
    s.push_str(&format!("        \"Authorization\": \"Bearer {token}\"\n"));
    s.push_str("      }\n    }\n  },\n  \"hasCompletedOnboarding\": true\n}");
    let mut f = std::fs::File::create(out).expect("create the output file");
    f.write_all(s.as_bytes()).expect("write the output file");
    eprintln!("wrote {out}: {} bytes, {n} projects", s.len());
}
