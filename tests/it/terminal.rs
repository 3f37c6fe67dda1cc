//! The terminal paths on a real pseudo-terminal: the answer typed after a login reaches the
//! question (one stdin reader), the hidden prompt hides, the spinner draws the line being typed
//! instead of over it, and Ctrl-C during a wait cancels cleanly.

use crate::support::pty::Term;
use crate::support::*;
use std::fs;

const COMMENTED: &str = "{\n  // my opencode settings\n  \"$schema\": \"https://opencode.ai/config.json\",\n  \"theme\": \"dark\" // keep\n}\n";

/// A logged-out HOME with a commented opencode config, and a crontab to schedule the refresh in.
fn logged_out_with_opencode() -> TestEnv {
    let mut env = TestEnv::new();
    env.use_fake_crontab();
    let cfg = env.path("config/opencode/opencode.jsonc");
    fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    fs::write(&cfg, COMMENTED).unwrap();
    env
}

const QUESTION: &str =
    "Write these changes to 1 file and install the scheduled refresh? [y/N, f = files only]";

/// Plays the browser for the login the binary started.
fn finish_browser_login(env: &TestEnv) {
    let page = follow(&env.browser_url()).expect("the callback reaches the listener");
    assert_eq!(page.status, 200, "{page:?}");
}

fn opencode(env: &TestEnv) -> String {
    fs::read_to_string(env.path("config/opencode/opencode.jsonc")).unwrap()
}

fn no_leak(env: &TestEnv, term: &mut Term) {
    let out = term.out();
    env.assert_no_leak(&out, false);
}

#[test]
fn after_a_login_one_y_writes_the_file_installs_the_schedule_and_exits() {
    let env = logged_out_with_opencode();
    let mut term = env.pty(&["setup", "--target", "opencode", "--port", "0"]);
    finish_browser_login(&env);
    let shown = term.expect(QUESTION);
    // The schedule's plan is shown before the question.
    assert!(
        shown.contains("Scheduled refresh (profile default): every 30m with the crontab"),
        "{shown}"
    );
    assert!(shown.contains("1. update the crontab"), "{shown}");
    term.send("y\r");
    let status = term.wait_exit();
    assert!(status.success(), "{status:?}\n{}", term.screen());
    let after = opencode(&env);
    assert!(
        after.contains(&format!("Bearer {}", env.stored_access_token())),
        "{after}"
    );
    assert!(after.contains("// my opencode settings"), "{after}");
    let table = env.crontab().expect("the crontab was written");
    assert!(
        table.contains("refresh --write --profile default --log"),
        "{table}"
    );
    let text = term.text();
    // One ✓ line per outcome.
    assert!(text.contains("✓ Logged in to Figma"), "{text}");
    assert!(
        text.contains("✓ 1 file updated (opencode: restart opencode)"),
        "{text}"
    );
    assert!(
        text.contains("✓ Scheduled refresh installed: every 30m with the crontab"),
        "{text}"
    );
    assert!(!text.contains("Nothing was written"), "{text}");
    assert!(
        !text.contains("expires"),
        "no expiry warning with a schedule: {text}"
    );
    term.assert_terminal_restored();
    no_leak(&env, &mut term);
}

#[test]
fn after_a_login_one_n_writes_nothing_and_the_process_exits() {
    let env = logged_out_with_opencode();
    let mut term = env.pty(&["setup", "--target", "opencode", "--port", "0"]);
    finish_browser_login(&env);
    term.expect(QUESTION);
    term.send("n\r");
    let status = term.wait_exit();
    assert!(status.success(), "{status:?}\n{}", term.screen());
    assert_eq!(opencode(&env), COMMENTED);
    assert_eq!(env.crontab(), None);
    assert!(
        term.text().contains("Nothing was written."),
        "{}",
        term.text()
    );
    no_leak(&env, &mut term);
}

#[test]
fn files_only_writes_the_file_and_says_when_the_token_expires() {
    let env = logged_out_with_opencode();
    let mut term = env.pty(&["setup", "--target", "opencode", "--port", "0"]);
    finish_browser_login(&env);
    term.expect(QUESTION);
    term.send("f\r");
    let status = term.wait_exit();
    assert!(status.success(), "{status:?}\n{}", term.screen());
    assert!(opencode(&env).contains("Bearer "), "{}", opencode(&env));
    assert_eq!(env.crontab(), None);
    let text = term.text();
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.starts_with("note: the token in the configs expires ")
            && last.contains("`figma-auth schedule install --write` keeps it fresh"),
        "{text}"
    );
    no_leak(&env, &mut term);
}

/// A server that refuses registrations without a personal access token.
fn pat_required() -> TestEnv {
    let mut env = TestEnv::with_config(crate::support::mock::MockConfig {
        pat_rule: crate::support::mock::PatRule::Required,
        ..Default::default()
    });
    env.set_var("FIGMA_PERSONAL_ACCESS_TOKEN", None);
    env
}

#[test]
fn the_personal_access_token_prompt_hides_what_is_typed() {
    // Registration without a token is refused: a terminal user is asked once, told that the token
    // is optional and why one might give it, and the registration is tried again with it.
    let env = pat_required();
    let mut term = env.pty(&["login", "--port", "0"]);
    let text = term.expect("Personal access token (hidden; press Enter to skip): ");
    assert!(
        text.contains("refused to register the client name \"Claude Code (figma)\" without a personal access token")
            && text.contains("optional"),
        "{text}"
    );
    term.send(&format!("{PAT}\r"));
    finish_browser_login(&env);
    let status = term.wait_exit();
    assert!(status.success(), "{status:?}\n{}", term.screen());
    env.server
        .with_state(|s| assert_eq!(s.registration_pats, vec![None, Some(PAT.to_string())]));
    let raw = String::from_utf8_lossy(&term.raw()).into_owned();
    assert!(!raw.contains(PAT), "the PAT was echoed:\n{raw}");
    term.assert_terminal_restored();
    no_leak(&env, &mut term);
}

#[test]
fn ctrl_c_at_the_hidden_prompt_puts_echo_back() {
    let env = pat_required();
    let mut term = env.pty(&["login", "--port", "0"]);
    term.expect("Personal access token (hidden; press Enter to skip): ");
    term.send("figd_half");
    term.send("\x03");
    let status = term.wait_exit();
    assert!(!status.success(), "{status:?}");
    assert!(term.text().contains("Login cancelled"), "{}", term.text());
    term.assert_terminal_restored();
    assert_eq!(env.server.hits("register"), 1, "only the refused one");
}

#[test]
fn without_a_token_on_a_terminal_the_prompt_comes_only_after_a_refusal_and_enter_skips() {
    // Figma as seen in 2026 registers without a token: no prompt at all.
    let mut env = TestEnv::new();
    env.set_var("FIGMA_PERSONAL_ACCESS_TOKEN", None);
    let mut term = env.pty(&["login", "--port", "0"]);
    finish_browser_login(&env);
    assert!(term.wait_exit().success(), "{}", term.screen());
    assert!(
        !term.text().contains("Personal access token"),
        "{}",
        term.text()
    );
    // Refused: asked once; Enter skips, and the hint does not call it an environment variable.
    let env = pat_required();
    let mut term = env.pty(&["login", "--port", "0"]);
    term.expect("Personal access token (hidden; press Enter to skip): ");
    term.send("\r");
    let status = term.wait_exit();
    assert!(!status.success(), "{}", term.screen());
    let text = term.text();
    assert!(
        text.contains("again and give a personal access token at the prompt"),
        "{text}"
    );
    assert_eq!(
        text.matches("Personal access token (hidden").count(),
        1,
        "{text}"
    );
    assert_eq!(env.server.hits("register"), 1);
}

#[test]
fn a_pasted_redirect_url_is_drawn_under_the_running_spinner() {
    let env = TestEnv::new();
    let mut term = env.pty(&["login", "--port", "0", "--no-browser", "--timeout", "5m"]);
    let text = term.expect("Paste the address here: ");
    let url = text
        .lines()
        .find_map(|l| l.strip_prefix("  http").map(|u| format!("http{u}")))
        .expect("the URL is printed");
    let callback = authorize(url.trim());
    let (half, rest) = callback.split_at(callback.find('?').unwrap());
    // Type the first half of the address, then let the spinner draw several frames.
    term.send(half);
    let frames = |t: &[u8]| {
        String::from_utf8_lossy(t)
            .matches("Ctrl-C to cancel)")
            .count()
    };
    let before = frames(&term.raw());
    term.wait_for("more spinner frames", |_| frames(&term.raw()) >= before + 5);
    let line = term.cursor_line();
    assert!(
        line.starts_with("Paste the address here: ") && line.contains(half),
        "the line being typed is not intact: {line:?}\n{}",
        term.screen()
    );
    let screen = term.screen();
    let spinner_row = screen
        .lines()
        .position(|l| l.contains("Ctrl-C to cancel"))
        .expect("the spinner is on screen");
    let input_row = screen
        .lines()
        .position(|l| l.starts_with("Paste the address here: "))
        .unwrap();
    assert_eq!(input_row, spinner_row + 1, "{screen}");
    term.send(rest);
    term.send("\r");
    let status = term.wait_exit();
    assert!(status.success(), "{status:?}\n{}", term.screen());
    assert!(env.server.access_token_works(&env.stored_access_token()));
    assert!(
        term.text().contains("✓ Logged in to Figma"),
        "{}",
        term.text()
    );
    term.assert_terminal_restored();
    // The authorization code was masked while typed.
    no_leak(&env, &mut term);
}

#[test]
fn ctrl_c_during_the_wait_cancels_and_restores_the_terminal() {
    let env = TestEnv::new();
    let mut term = env.pty(&["login", "--port", "0", "--timeout", "5m"]);
    term.expect("Ctrl-C to cancel");
    // The browser was started; the user gives up instead.
    let _ = env.browser_url();
    term.send("\x03");
    let status = term.wait_exit();
    assert!(!status.success(), "{status:?}");
    assert_eq!(status.signal(), Some("Interrupt"), "{status:?}");
    let screen = term.screen();
    assert!(
        screen.contains("Login cancelled; nothing was stored."),
        "{screen}"
    );
    assert!(
        !screen.contains("Ctrl-C to cancel"),
        "the spinner line was cleared: {screen}"
    );
    term.assert_terminal_restored();
    assert!(env.store("default").unwrap().get("token").is_none());
    assert_eq!(env.server.hits("token"), 0);
}

#[test]
fn the_url_is_printed_only_when_the_browser_does_not_come_back() {
    // A browser opened and came back at once: no URL, no SSH note.
    let mut env = TestEnv::new();
    env.set_var("FIGMA_AUTH_SHOW_URL_AFTER", Some("10m"));
    let mut term = env.pty(&["login", "--port", "0"]);
    finish_browser_login(&env);
    assert!(term.wait_exit().success(), "{}", term.screen());
    let text = term.text();
    assert!(!text.contains("Open this URL"), "{text}");
    assert!(!text.contains("SSH"), "{text}");

    // The browser opened but nothing came back within the delay: the URL and the note follow.
    env.set_var("FIGMA_AUTH_SHOW_URL_AFTER", Some("1s"));
    let mut term = env.pty(&["login", "--port", "0"]);
    // The browser got the one-time link; the terminal shows the authorization URL behind it.
    let url = resolve_start(&env.browser_url());
    let text = term.expect("Paste the address here: ");
    assert!(
        text.contains("The browser has not come back yet."),
        "{text}"
    );
    assert!(text.contains(&format!("  {url}")), "{text}");
    assert!(text.contains("(SSH)"), "{text}");
    assert_eq!(follow(&url).unwrap().status, 200);
    assert!(term.wait_exit().success(), "{}", term.screen());
}

#[test]
fn errors_hints_diffs_and_doctor_levels_are_coloured_on_a_terminal_unless_no_color() {
    const RED: vt100::Color = vt100::Color::Idx(1);
    const GREEN: vt100::Color = vt100::Color::Idx(2);
    let mut env = TestEnv::new();
    let mut term = env.pty(&["token"]);
    assert_eq!(term.wait_exit().exit_code(), 3);
    assert_eq!(
        term.style_of("error:"),
        Some((RED, true)),
        "{}",
        term.screen()
    );
    assert_eq!(
        term.style_of("hint:"),
        Some((GREEN, false)),
        "{}",
        term.screen()
    );

    let mut term = env.pty(&["doctor"]);
    term.wait_exit();
    assert_eq!(
        term.style_of("PROBLEM"),
        Some((RED, true)),
        "{}",
        term.screen()
    );

    env.login();
    let cfg = env.path("config/opencode/opencode.jsonc");
    fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    fs::write(&cfg, COMMENTED).unwrap();
    let mut term = env.pty(&["setup", "--target", "opencode", "--dry-run"]);
    assert!(term.wait_exit().success(), "{}", term.screen());
    assert_eq!(
        term.style_of("+  \"mcp\""),
        Some((GREEN, false)),
        "{}",
        term.screen()
    );
    assert_eq!(term.style_of("--- a/"), Some((vt100::Color::Default, true)));

    // NO_COLOR: the same output without colour.
    env.set_var("NO_COLOR", Some("1"));
    let mut term = env.pty(&["setup", "--target", "opencode", "--dry-run"]);
    assert!(term.wait_exit().success(), "{}", term.screen());
    assert_eq!(
        term.style_of("+  \"mcp\""),
        Some((vt100::Color::Default, false))
    );
    env.set_var("FIGMA_AUTH_PROFILE", Some("nobody"));
    let mut term = env.pty(&["token"]);
    term.wait_exit();
    assert_eq!(
        term.style_of("error:"),
        Some((vt100::Color::Default, false))
    );
    assert!(
        !String::from_utf8_lossy(&term.raw()).contains("\x1b[3"),
        "{:?}",
        term.raw()
    );
}

#[test]
fn ctrl_c_at_the_question_writes_nothing() {
    let env = logged_out_with_opencode();
    let mut term = env.pty(&["setup", "--target", "opencode", "--port", "0"]);
    finish_browser_login(&env);
    term.expect(QUESTION);
    term.send("\x03");
    let status = term.wait_exit();
    assert_eq!(status.signal(), Some("Interrupt"), "{status:?}");
    assert!(
        term.text().contains("Cancelled; nothing was written."),
        "{}",
        term.text()
    );
    assert_eq!(opencode(&env), COMMENTED);
    assert_eq!(env.crontab(), None);
    term.assert_terminal_restored();
}
