//! The binary that helper-mode entries and schedules name: the installed one that ran `setup` or
//! `schedule install` (a copy of the binary under test, installed in the test's temp dir), never
//! one in an `npx` cache; when it is removed, `doctor` and `status` name what points at it,
//! `setup` rewrites the entries and `schedule install` replaces the schedule.

use crate::support::*;
use std::fs;
use std::path::Path;

/// The `headersHelper` command of the `figma` entry in `~/.claude.json`.
fn claude_helper(t: &Test) -> String {
    json_of(&t.path("home/.claude.json"))["mcpServers"]["figma"]["headersHelper"]
        .as_str()
        .unwrap_or_else(|| panic!("no headersHelper:\n{}", t.read("home/.claude.json")))
        .to_string()
}

/// The helper command `setup` writes for `program` (shell-quoted where needed).
fn helper_of(program: &Path) -> String {
    format!(
        "{} header --json",
        figma_auth::shell_quote::sh_quote(&program.to_string_lossy())
    )
}

#[test]
fn a_helper_entry_naming_a_removed_binary_is_reported_and_rewritten_by_setup() {
    let t = Test::new().logged_in();
    let old = t.path("old prefix/bin/figma-auth");
    let new = t.path("new prefix/bin/figma-auth");
    install_binary(&old);
    t.cmd(&["setup", "--target", "claude", "--mode", "helper", "--write"])
        .program(&old)
        .run()
        .success();
    assert_eq!(claude_helper(&t), helper_of(&old));

    // A new version installed elsewhere, the old one removed.
    install_binary(&new);
    fs::remove_file(&old).unwrap();
    let out = t.cmd(&["doctor"]).program(&new).run();
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        "~/.claude.json (Claude Code, user scope): the `figma` entry's `headersHelper` command runs",
        &format!("{}, which does not exist", old.display()),
        "run `figma-auth setup --target claude --scope user --write`",
    ]);
    let out = t.cmd(&["status"]).program(&new).run();
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "Claude Code",
        "user",
        "missing-binary, in use",
        "~/.claude.json",
    ]);
    out.stdout_has(&format!(
        "the helper command runs {}, which does not exist",
        old.display()
    ))
    .stdout_has(
        "A config runs a figma-auth binary that is gone: run `figma-auth setup --target claude --scope user`",
    );
    let json = t.cmd(&["status", "--json"]).program(&new).run().json();
    let claude = json["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "claude" && c["scope"] == "user")
        .unwrap()
        .clone();
    assert_eq!(claude["state"], "missing-binary", "{json}");
    assert_eq!(claude["needs_action"], true, "{json}");

    // `setup` without --mode keeps helper mode and points the entry at the binary that runs it:
    // previewed first (not a terminal: nothing written), then written.
    let before = t.read("home/.claude.json");
    let out = t.cmd(&["setup", "--target", "claude"]).program(&new).run();
    out.line_with(&["-", "headersHelper", &old.display().to_string()]);
    out.line_with(&["+", "headersHelper", &new.display().to_string()]);
    assert_eq!(t.read("home/.claude.json"), before, "{out:?}");
    t.cmd(&["setup", "--target", "claude", "--write"])
        .program(&new)
        .run()
        .success();
    assert_eq!(claude_helper(&t), helper_of(&new));
    let out = t.cmd(&["doctor"]).program(&new).run();
    out.line_with(&[
        "ok",
        "credentials from the `headersHelper` command (helper mode)",
    ]);
    out.stdout_lacks("PROBLEM");
    t.cmd(&["status"])
        .program(&new)
        .run()
        .line_with(&["Claude Code", "user", "current, in use"]);

    // A binary that lost its execute bit cannot run either.
    chmod(&new, 0o644);
    let out = t.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        &format!("{}, which is not executable", new.display()),
    ]);
}

#[test]
fn a_schedule_naming_a_removed_binary_is_reported_and_replaced() {
    let t = Test::new().logged_in().fake_crontab();
    let old = t.path("old prefix/bin/figma-auth");
    let new = t.path("new prefix/bin/figma-auth");
    install_binary(&old);
    t.cmd(&["schedule", "install", "--write"])
        .program(&old)
        .run()
        .success();
    assert!(
        t.crontab().unwrap().contains("old prefix/bin/figma-auth"),
        "{:?}",
        t.crontab()
    );

    install_binary(&new);
    fs::remove_file(&old).unwrap();
    let out = t.cmd(&["doctor"]).program(&new).run();
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        &format!("the crontab runs {}, which does not exist", old.display()),
        "run `figma-auth schedule install --write`",
    ]);
    let out = t.cmd(&["schedule", "status"]).program(&new).run();
    assert_eq!(out.code, 1, "{out:?}");
    out.stdout_has(&format!(
        "the crontab runs {}, which does not exist",
        old.display()
    ));

    t.cmd(&["schedule", "install", "--write"])
        .program(&new)
        .run()
        .success();
    let table = t.crontab().unwrap();
    assert!(table.contains("new prefix/bin/figma-auth"), "{table}");
    assert!(!table.contains("old prefix"), "{table}");
    assert_eq!(table.matches("refresh --write").count(), 1, "{table}");
    let out = t.cmd(&["doctor"]).program(&new).run();
    out.line_with(&["ok", "`figma-auth refresh --write` is scheduled"]);
    out.stdout_lacks("PROBLEM");
}

#[test]
fn helper_mode_and_schedules_refuse_a_binary_in_a_package_runners_cache() {
    let t = Test::new().logged_in().fake_crontab();
    let npx =
        t.path("home/.npm/_npx/4f1c2a9e0b7d/node_modules/@figma-auth/linux-x64-gnu/bin/figma-auth");
    install_binary(&npx);
    let out = t
        .cmd(&["setup", "--target", "claude", "--mode", "helper", "--write"])
        .program(&npx)
        .run();
    assert_eq!(out.code, 1, "{out:?}");
    out.stderr_has(&format!(
        "figma-auth is running from npx's temporary cache ({})",
        npx.display()
    ))
    .stderr_has("npm install -g figma-auth")
    .stderr_has("instead of `npx figma-auth`")
    .no_file("home/.claude.json");
    let out = t
        .cmd(&["schedule", "install", "--write"])
        .program(&npx)
        .run();
    assert_eq!(out.code, 1, "{out:?}");
    out.stderr_has("npx's temporary cache")
        .stderr_has("npm install -g figma-auth");
    assert_eq!(t.crontab(), None);

    // Nothing that names the binary: the cache is fine.
    t.cmd(&["setup", "--target", "cursor", "--write"])
        .program(&npx)
        .run()
        .success()
        .file_has("home/.cursor/mcp.json", &t.token());

    // An installed figma-auth on PATH is the one to run.
    let installed = t.path("local/bin/figma-auth");
    install_binary(&installed);
    let path = format!(
        "{}:{}:{}",
        npx.parent().unwrap().display(),
        installed.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    t.cmd(&["setup", "--target", "claude", "--mode", "helper", "--write"])
        .program(&npx)
        .env("PATH", &path)
        .run()
        .stderr_has(&format!(
            "run the same command with the installed figma-auth ({}) instead of npx",
            installed.display()
        ))
        .no_file("home/.claude.json");

    // bunx and pnpm dlx caches alike.
    for (dir, runner, install) in [
        (
            "tmp/bunx-1000-figma-auth@latest",
            "bunx",
            "bun add -g figma-auth",
        ),
        (
            "home/.cache/pnpm/dlx/8c1e4f",
            "pnpm dlx",
            "pnpm add -g figma-auth",
        ),
    ] {
        let p = t.path(&format!(
            "{dir}/node_modules/@figma-auth/linux-x64-gnu/bin/figma-auth"
        ));
        install_binary(&p);
        let out = t.cmd(&["schedule", "install", "--write"]).program(&p).run();
        assert_eq!(out.code, 1, "{out:?}");
        out.stderr_has(&format!("running from {runner}'s temporary cache"))
            .stderr_has(install);
    }
    assert_eq!(t.crontab(), None);
}

#[test]
fn configs_name_a_symlink_on_path_to_the_binary_but_never_the_npm_launcher() {
    let t = Test::new().logged_in();
    let system = format!("/usr/bin:/bin:{}", std::env::var("PATH").unwrap());
    let setup = ["setup", "--target", "claude", "--mode", "helper", "--write"];

    // Homebrew: a versioned file, linked from a directory on PATH. The link is named (an
    // upgrade re-points it), started through it or not.
    let cellar = t.path("brew/Cellar/figma-auth/1.2.3/bin/figma-auth");
    let link = t.path("brew/bin/figma-auth");
    install_binary(&cellar);
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&cellar, &link).unwrap();
    let on_path = format!("{}:{system}", link.parent().unwrap().display());
    for program in [&link, &cellar] {
        t.cmd(&setup)
            .program(program)
            .env("PATH", &on_path)
            .run()
            .success();
        assert_eq!(claude_helper(&t), helper_of(&link));
    }
    // Off PATH, the link is nobody's stable name: the real file is named.
    t.cmd(&setup)
        .program(&link)
        .env("PATH", &system)
        .run()
        .success();
    assert_eq!(claude_helper(&t), helper_of(&cellar));

    // npm: `figma-auth` on PATH is the launcher (a Node.js script), which started the native
    // binary of the platform package; the native binary is named, with a note that an upgrade
    // may move it.
    let package = t.path("npm/lib/node_modules/figma-auth");
    let native = package.join("node_modules/@figma-auth/linux-x64-gnu/bin/figma-auth");
    install_binary(&native);
    write_exec(
        &package.join("bin/figma-auth"),
        "#!/usr/bin/env node\nrequire('child_process');\n",
    );
    fs::create_dir_all(t.path("npm/bin")).unwrap();
    std::os::unix::fs::symlink(
        "../lib/node_modules/figma-auth/bin/figma-auth",
        t.path("npm/bin/figma-auth"),
    )
    .unwrap();
    t.cmd(&setup)
        .program(&native)
        .env("PATH", format!("{}:{system}", t.path("npm/bin").display()))
        .run()
        .success()
        .stderr_has(&format!(
            "note: {} is the native binary inside the npm package",
            native.display()
        ));
    assert_eq!(claude_helper(&t), helper_of(&native));

    // Another figma-auth than the one that runs doctor: worth knowing, not a problem.
    let out = t
        .cmd(&["doctor"])
        .program(&cellar)
        .env("PATH", &on_path)
        .run();
    out.line_with(&[
        "info",
        &format!(
            "command runs {}, not this figma-auth ({})",
            native.display(),
            link.display()
        ),
    ]);
    out.stdout_lacks("PROBLEM");
}

#[test]
fn doctor_warns_about_a_helper_command_run_through_npx() {
    let t = Test::new().logged_in().file(
        "home/.claude.json",
        r#"{"mcpServers":{"figma":{"type":"http","url":"https://mcp.figma.com/mcp","headersHelper":"npx -y figma-auth header --json"}}}"#,
    );
    let out = t.run(&["doctor"]);
    out.line_with(&[
        "warning",
        "the `figma` entry's `headersHelper` command runs figma-auth through npx, which adds start-up time",
        "fix: run `figma-auth setup --target claude --scope user --mode helper --write`",
    ]);
}

/// Crush runs the command substituted in its header (`Bearer $(… token)`): the same checks and
/// the same repair.
#[test]
fn a_header_substitution_naming_a_removed_binary_is_reported_and_rewritten() {
    const CRUSH: &str = "config/crush/crush.json";
    let t = Test::new().logged_in();
    let old = t.path("old/bin/figma-auth");
    let new = t.path("new/bin/figma-auth");
    install_binary(&old);
    t.cmd(&["setup", "--target", "crush", "--mode", "helper", "--write"])
        .program(&old)
        .run()
        .success()
        .file_has(CRUSH, &format!("$({} token)", old.display()));
    install_binary(&new);
    fs::remove_file(&old).unwrap();
    let out = t.cmd(&["doctor"]).program(&new).run();
    assert_eq!(out.code, 1, "{out:?}");
    out.line_with(&[
        "PROBLEM",
        &format!(
            "the `figma` entry's header runs {}, which does not exist",
            old.display()
        ),
        "run `figma-auth setup --target crush --scope user --write`",
    ]);
    t.cmd(&["status"])
        .program(&new)
        .run()
        .line_with(&["Crush", "missing-binary"]);
    t.cmd(&["setup", "--target", "crush", "--write"])
        .program(&new)
        .run()
        .success()
        .file_has(CRUSH, &format!("$({} token)", new.display()));
    assert!(!t.read(CRUSH).contains("old/bin"), "{}", t.read(CRUSH));
    t.cmd(&["doctor"])
        .program(&new)
        .run()
        .stdout_lacks("PROBLEM");
}

/// A binary installed under another name (`fa`) writes proxy entries that run itself, and
/// recognises them afterwards as its own: status says `proxy`, a second setup changes nothing.
#[test]
fn a_renamed_binary_writes_and_recognises_its_proxy_entries() {
    let t = Test::new().logged_in();
    let fa = t.path("prefix/bin/fa");
    install_binary(&fa);
    t.cmd(&["setup", "--target", "cursor", "--mode", "proxy", "--write"])
        .program(&fa)
        .run()
        .success();
    let entry = &json_of(&t.path("home/.cursor/mcp.json"))["mcpServers"]["figma"];
    assert_eq!(entry["command"], fa.display().to_string(), "{entry}");
    assert_eq!(entry["args"][0], "proxy", "{entry}");
    let json = t.cmd(&["status", "--json"]).program(&fa).run().json();
    let cursor = json["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "cursor")
        .unwrap()
        .clone();
    assert_eq!(cursor["state"], "proxy", "{json}");
    let before = t.read("home/.cursor/mcp.json");
    t.cmd(&["setup", "--target", "cursor", "--mode", "proxy", "--write"])
        .program(&fa)
        .run()
        .success();
    assert_eq!(t.read("home/.cursor/mcp.json"), before);
}
