//! Commands run in-process, as gh's `statusRun(opts)` with `iostreams.Test()`: a context on a temp
//! HOME, a [`crate::ui::Ui::test`] terminal, and the exact text each stream received.

use crate::app::testing::{context, save_login};
use crate::cli::StatusArgs;
use crate::error::exit;
use std::time::Duration;

#[test]
fn status_renders_a_login_with_the_token_masked() {
    let (ctx, seen, _home) = context();
    save_login(
        &ctx,
        "figu_status_render_token_4242",
        Duration::from_secs(3600),
    );
    let code = super::status::run(&ctx, &StatusArgs { json: false }).unwrap();
    let out = seen.out();
    assert_eq!(code, exit::OK, "{out}");
    let mut lines: Vec<&str> = out.lines().collect();
    // The expiry is the one line that depends on the clock.
    let expiry = lines[4];
    assert!(
        expiry.starts_with("Access token:   figu_…4242, expires 20") && expiry.contains(" (in "),
        "{out}"
    );
    lines[4] = "(expiry)";
    assert_eq!(
        lines,
        [
            "Profile:        default",
            "Logged in:      yes",
            "Auth server:    http://127.0.0.1:9",
            "Client:         Claude Code (figma) (client id client-1)",
            "(expiry)",
            "Refresh token:  held",
            "Lifetimes:      tokens last 1 hour; not refreshed yet",
            "Store:          ~/.config/figma-auth/credentials/default.json",
            "",
            "No MCP client config found. Run `figma-auth setup --target <client>` to add the figma server.",
        ],
        "{out}"
    );
    assert_eq!(seen.err(), "");
}

#[test]
fn status_without_a_login_says_the_next_command_and_exits_3() {
    let (mut ctx, seen, _home) = context();
    ctx.global.profile = "work".into();
    let code = super::status::run(&ctx, &StatusArgs { json: false }).unwrap();
    let out = seen.out();
    assert_eq!(code, exit::LOGIN_REQUIRED, "{out}");
    assert!(
        out.starts_with("Profile:        work\nLogged in:      no\n"),
        "{out}"
    );
    assert!(
        out.contains("Not logged in: run `figma-auth setup --profile work`\n"),
        "{out}"
    );
    assert_eq!(seen.err(), "");
}
