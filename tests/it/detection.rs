//! Which clients `setup` finds without `--target` (and with `--target all`): a config directory,
//! or a program on the PATH for a client installed but never run. And what the clients added to
//! the first eight need besides: where a new entry goes for a client that keeps its own state in
//! one of its config files (Crush), Crush's helper, Copilot CLI's writer lock.

use crate::support::*;

/// An executable `name` in `dir`.
fn program(dir: &std::path::Path, name: &str) {
    let p = dir.join(name);
    write(&p, "#!/bin/sh\nexit 0\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_client_installed_but_never_run_is_found_by_its_program_on_the_path() {
    let t = Test::new().logged_in();
    let bin = t.path("bin");
    program(&bin, "qwen");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    // The PATH itself, as a release build reads it.
    t.cmd(&["setup", "--write"])
        .env("PATH", path)
        .env_remove("FIGMA_AUTH_TEST_SEARCH_PATH")
        .run()
        .success()
        .file_has(
            "home/.qwen/settings.json",
            &format!("\"Authorization\": \"Bearer {}\"", t.token()),
        )
        .file_has("home/.qwen/settings.json", "\"httpUrl\"");
    // Without the program, and without a config directory, nothing is found.
    let t = Test::new().logged_in();
    t.cmd(&["setup", "--target", "all", "--write"])
        .env("PATH", format!("{}:/usr/bin:/bin", t.path("bin").display()))
        .env_remove("FIGMA_AUTH_TEST_SEARCH_PATH")
        .run()
        .stderr_has("no MCP client config was found")
        .no_file("home/.qwen");
}

#[test]
fn target_all_takes_every_client_with_a_config_directory() {
    let t = Test::new()
        .logged_in()
        .file("home/.copilot/config.json", "{}\n")
        .file("home/.gemini/antigravity/browserAllowlist.txt", "");
    let out = t.run(&["setup", "--target", "all", "--write"]);
    let bearer = format!("Bearer {}", t.token());
    out.success()
        .file_has("home/.copilot/mcp-config.json", &bearer)
        .file_has("home/.gemini/antigravity/mcp_config.json", "\"serverUrl\"")
        .file_has("home/.gemini/antigravity/mcp_config.json", &bearer)
        // `~/.gemini` exists, so Gemini CLI is found too.
        .file_has("home/.gemini/settings.json", &bearer);
    let status = t.run(&["status"]);
    status
        .stdout_has("Copilot CLI")
        .stdout_has("Antigravity")
        .stdout_has("Gemini CLI");
}

#[test]
fn crush_gets_a_new_entry_in_the_users_file_never_in_its_own_data_file() {
    const DATA: &str = "home/.local/share/crush/crush.json";
    const USER: &str = "config/crush/crush.json";
    let data = "{\"options\":{\"notifications\":\"disabled\"}}";
    let t = Test::new().logged_in().file(DATA, data);
    let bearer = format!("Bearer {}", t.token());
    t.run(&["setup", "--target", "crush", "--write"])
        .success()
        .file_is(DATA, data)
        .file_has(USER, "\"type\": \"http\"")
        .file_has(USER, &bearer);

    // A data file that holds the entry (Crush merges it over the user's) is kept current too.
    let stale = "{\"mcp\":{\"figma\":{\"type\":\"http\",\"url\":\"https://mcp.figma.com/mcp\",\"headers\":{\"Authorization\":\"Bearer figu_STALE\"}}}}";
    let t = Test::new().logged_in().file(DATA, stale);
    let bearer = format!("Bearer {}", t.token());
    t.run(&["setup", "--target", "crush", "--write"])
        .success()
        .file_is(DATA, stale.replace("Bearer figu_STALE", &bearer))
        .no_file(USER);
}

#[test]
fn crush_helper_mode_embeds_the_token_command_and_status_calls_it_current() {
    let t = Test::new().logged_in();
    t.run(&["setup", "--target", "crush", "--mode", "helper", "--write"])
        .success()
        .file_has("config/crush/crush.json", "\"Bearer $(")
        .file_has("config/crush/crush.json", " token)\"");
    let text = t.read("config/crush/crush.json");
    assert!(!text.contains(&t.token()), "{text}");
    t.run(&["status"])
        .stdout_has("current")
        .stdout_has("helper mode");
    // A refresh leaves it alone.
    t.run(&["refresh", "--write", "--force"]).success();
    assert_eq!(t.read("config/crush/crush.json"), text);
}

#[test]
fn a_detected_client_without_the_scope_is_left_out_and_a_named_one_is_refused() {
    let t = Test::new()
        .logged_in()
        .project()
        .file("home/.cursor/mcp.json", "{}\n")
        .file("home/.gemini/antigravity/mcp_config.json", "{}\n");
    t.run(&["setup", "--scope", "project", "--write"])
        .success()
        .stderr_has("Left out: Antigravity (no project scope in inline mode).")
        .file_has("home/project/.cursor/mcp.json", &t.token())
        .file_is("home/.gemini/antigravity/mcp_config.json", "{}\n");
    t.run(&[
        "setup",
        "--target",
        "antigravity",
        "--scope",
        "project",
        "--write",
    ])
    .status(2)
    .stderr_has("Antigravity has no project scope; use --scope user");
    // Only clients without the scope: nothing to do, and the way out named.
    let t = Test::new()
        .logged_in()
        .project()
        .file("home/.codeium/windsurf/mcp_config.json", "{}\n");
    t.run(&["setup", "--target", "all", "--scope", "project", "--write"])
        .status(1)
        .stderr_has("no detected MCP client has a project scope in inline mode")
        .file_is("home/.codeium/windsurf/mcp_config.json", "{}\n");
}

#[test]
fn copilot_cli_is_written_under_its_own_writer_lock() {
    const CONFIG: &str = "home/.copilot/mcp-config.json";
    let before = "{\n  \"mcpServers\": {}\n}\n";
    let mut t = Test::new().logged_in().file(CONFIG, before);
    t.set_var("FIGMA_AUTH_CLIENT_LOCK_TIMEOUT", Some("1s"));
    // What Copilot CLI holds while it reads or rewrites the file.
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(t.path("home/.copilot/.mcp-writer.lock"))
        .unwrap();
    held.lock().unwrap();
    t.run(&["setup", "--target", "copilot", "--write"])
        .status(5)
        .stdout_has("locked by another process")
        .file_is(CONFIG, before);
    held.unlock().unwrap();
    t.run(&["setup", "--target", "copilot", "--write"])
        .success()
        .file_has(CONFIG, &format!("Bearer {}", t.token()));
}

#[test]
fn qwen_code_is_not_set_up_in_a_project_in_a_mode_whose_header_changes() {
    let t = Test::new()
        .logged_in()
        .project()
        .file("home/.qwen/settings.json", "{}\n")
        .file("home/.cursor/mcp.json", "{}\n");
    for mode in ["inline", "env"] {
        t.run(&[
            "setup", "--target", "qwen", "--scope", "project", "--mode", mode, "--write",
        ])
        .status(2)
        .stderr_has(&format!(
            "Qwen Code in the project scope cannot use {mode} mode: Qwen Code asks again for approval"
        ))
        .no_file("home/project/.qwen");
    }
    // Found by detection, it is left out; the others are set up.
    t.run(&["setup", "--scope", "project", "--write"])
        .success()
        .stderr_has("Left out: Qwen Code (no project scope in inline mode).")
        .file_has("home/project/.cursor/mcp.json", &t.token())
        .no_file("home/project/.qwen");
    // Proxy mode's entry never changes: one approval holds.
    t.run(&[
        "setup", "--target", "qwen", "--scope", "project", "--mode", "proxy", "--write",
    ])
    .success()
    .file_has("home/project/.qwen/settings.json", "\"proxy\"");
    // The user scope is unaffected.
    t.run(&["setup", "--target", "qwen", "--write"])
        .success()
        .file_has("home/.qwen/settings.json", &t.token());
}
