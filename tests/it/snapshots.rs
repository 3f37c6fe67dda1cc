//! The layout of what users read, pinned by insta snapshots (`tests/it/snapshots/*.snap`):
//! `--help` of every command, `status`, `doctor` and `setup`'s preview, in a fixed world.
//! Filters replace what changes from run to run: the test's temp root, mock ports, tokens'
//! visible ends, timestamps, relative times and the version.
//!
//! A changed layout fails the test and leaves `<name>.snap.new` beside the snapshot (CI writes
//! nothing: `INSTA_UPDATE=no`); review it with `cargo insta review`, or accept every change with
//! `INSTA_UPDATE=always cargo test --test it snapshots::` after reading the diff.

use crate::support::*;

/// The filters of every snapshot: (regex, replacement), applied in order.
fn filters(root: &str) -> Vec<(String, String)> {
    vec![
        (regex_escape(BIN), "[BIN]".into()),
        // A diff header names an absolute path as `a/tmp/…` (git's prefix, one slash).
        (
            format!(
                "((?:---|\\+\\+\\+) [ab])/{}",
                regex_escape(root.trim_start_matches('/'))
            ),
            "$1/[ROOT]".into(),
        ),
        (regex_escape(root), "[ROOT]".into()),
        (r"/tmp/\.tmp[A-Za-z0-9]{6}".into(), "[TMP]".into()),
        (r"127\.0\.0\.1:\d+".into(), "127.0.0.1:[PORT]".into()),
        (r"client_\d+_[0-9a-f]+".into(), "client_[ID]".into()),
        (
            r#""expires_in_seconds": \d+"#.into(),
            r#""expires_in_seconds": [SECONDS]"#.into(),
        ),
        // Tokens the mock issued, as previews mask them (`mock_…1a2b`), and whole.
        (r"mock_…[0-9a-f]{4}".into(), "mock_…[TAIL]".into()),
        (
            r"mock_(at|rt|cs|client)_[0-9a-f]+".into(),
            "mock_$1_[RANDOM]".into(),
        ),
        (
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)".into(),
            "[TIME]".into(),
        ),
        (
            r"\b(in|for|ago:?) (\d+[dhms] ?)+".into(),
            "$1 [DURATION]".into(),
        ),
        (r"(\d+[dhms] ?)+ ago".into(), "[DURATION] ago".into()),
        (regex_escape(env!("CARGO_PKG_VERSION")), "[VERSION]".into()),
    ]
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if r"\.+*?()|[]{}^$#&-~".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Asserts `text` against the snapshot `name`, filtered for the test rooted at `root`.
fn check(name: &str, root: &std::path::Path, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (re, with) in filters(&root.display().to_string()) {
        settings.add_filter(&re, with);
    }
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Both streams of a run, labelled, with its exit code.
fn shown(out: &Out) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

/// The commands listed under `Commands:` in a help text (without `help`).
fn commands_of(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// `--help` of the program and of every command and subcommand, run in an empty environment
/// (what a user without figma-auth variables sees), each in its own snapshot.
#[test]
fn help_of_every_command() {
    let top = bare(&["--help"]);
    top.success();
    check("help", std::path::Path::new("/nonexistent"), &top.stdout);
    let commands = commands_of(&top.stdout);
    assert!(commands.len() >= 12, "{commands:?}");
    for c in &commands {
        let out = bare(&[c, "--help"]);
        out.success();
        check(
            &format!("help-{c}"),
            std::path::Path::new("/nonexistent"),
            &out.stdout,
        );
        for sub in commands_of(&out.stdout) {
            let out = bare(&[c, &sub, "--help"]);
            out.success();
            check(
                &format!("help-{c}-{sub}"),
                std::path::Path::new("/nonexistent"),
                &out.stdout,
            );
        }
    }
}

/// A logged-in world with one client of each state: Cursor current (set up by figma-auth),
/// Claude Code holding an old token, opencode's entry managed by no profile, Codex without the
/// server.
fn world() -> Test {
    let t = Test::new().logged_in().project();
    t.run(&["setup", "--target", "cursor", "--write"]).success();
    let claude = t.path("home/.claude.json");
    write(&claude, claude_json(1, OLD));
    t.manage("claude", "user", &claude);
    write(
        &t.path("config/opencode/opencode.json"),
        format!(
            "{{\n  \"mcp\": {{\n    \"figma\": {{\"type\": \"remote\", \"url\": \"https://mcp.figma.com/mcp\", \"headers\": {{\"Authorization\": \"Bearer {OLD}\"}}}}\n  }}\n}}\n"
        ),
    );
    write(&t.path("home/.codex/config.toml"), "model = \"o3\"\n");
    t
}

#[test]
fn status_layout() {
    let t = world();
    let out = t.run(&["status"]);
    check("status", t.dir.path(), &shown(&out));
    let out = t.run(&["status", "--json"]);
    check("status-json", t.dir.path(), &shown(&out));
}

#[test]
fn status_layout_without_a_login() {
    let t = Test::new().project();
    let out = t.run(&["status"]);
    check("status-not-logged-in", t.dir.path(), &shown(&out));
}

#[test]
fn doctor_layout() {
    let t = world();
    let out = t.run(&["doctor"]);
    check("doctor", t.dir.path(), &shown(&out));
}

#[test]
fn doctor_layout_without_a_login() {
    let t = Test::new().project();
    let out = t.run(&["doctor"]);
    check("doctor-not-logged-in", t.dir.path(), &shown(&out));
}

#[test]
fn setup_preview_layout() {
    let t = world();
    // The preview of every client: created, updated, adopted, unchanged; nothing written.
    let before = snapshot_tree(&t.path("home"));
    let out = t.run(&["setup", "--target", "cursor,claude,opencode,codex"]);
    assert_eq!(snapshot_tree(&t.path("home")), before, "a preview wrote");
    check("setup-preview", t.dir.path(), &shown(&out));
    let out = t.run(&[
        "setup",
        "--dry-run",
        "--target",
        "claude",
        "--mode",
        "helper",
    ]);
    check("setup-preview-helper-mode", t.dir.path(), &shown(&out));
}

#[test]
fn setup_preview_layout_without_a_login() {
    let t = Test::new().project();
    let out = t.run(&["setup", "--dry-run", "--target", "cursor"]);
    check("setup-dry-run-not-logged-in", t.dir.path(), &shown(&out));
}
