//! The token file (opencode's `{file:…}` mode): kept current by every refresh and login once it
//! exists, never created by them, private, and written only when the token changed.

use crate::support::*;

const TOKEN_FILE: &str = "config/figma-auth/tokens/default.token";

/// Logged in, with the token file as `setup --mode file` creates it (0600), holding `content`.
fn with_token_file(content: &str) -> Test {
    let t = Test::new().logged_in().file(TOKEN_FILE, content);
    chmod(&t.path(TOKEN_FILE), 0o600);
    t
}

#[test]
fn refresh_and_login_never_create_the_token_file() {
    let t = Test::new().logged_in();
    t.run(&["refresh", "--force"])
        .success()
        .no_file(TOKEN_FILE)
        .no_file("config/figma-auth/tokens");
}

#[test]
fn every_refresh_and_login_keeps_an_existing_token_file_current() {
    let t = with_token_file("old-token");
    t.run(&["refresh", "--force"])
        .success()
        .file_is(TOKEN_FILE, t.token());
    let p = t.path(TOKEN_FILE);
    assert_eq!(file_mode(&p), 0o600);

    // A refresh made by `header` (helper mode) updates it too.
    t.expire_in(30);
    t.run(&["header"]).success().file_is(TOKEN_FILE, t.token());

    // Nothing to refresh: the file is not rewritten.
    let before = mtime(&p);
    std::thread::sleep(std::time::Duration::from_millis(20));
    t.run(&["refresh"]).success();
    assert_eq!(mtime(&p), before);

    // A new login replaces it.
    t.login();
    assert_eq!(t.read(TOKEN_FILE), t.token());
    let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn a_token_file_that_cannot_be_written_warns_without_failing_the_refresh() {
    let t = Test::new().logged_in();
    // A directory in the file's place cannot be replaced by a file.
    std::fs::create_dir_all(t.path(TOKEN_FILE)).unwrap();
    t.run(&["refresh", "--force"])
        .success()
        .stderr_has("could not update the token file")
        .stderr_has("tokens/default.token")
        .stderr_has("is a directory, not a regular file")
        .stderr_has("figma-auth refresh --force");
    assert!(t.server.refresh_token_is_current(&t.stored_refresh_token()));
}
