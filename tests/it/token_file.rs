//! The token file (opencode's `{file:…}` mode): kept current by every refresh and login once it
//! exists, never created by them, private, and written only when the token changed.

use crate::support::*;
use std::path::PathBuf;

fn token_file(env: &TestEnv) -> PathBuf {
    env.path("config/figma-auth/tokens/default.token")
}

/// Creates the token file the way `setup --mode file` does.
fn create(env: &TestEnv, content: &str) {
    let p = token_file(env);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, content).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn refresh_and_login_never_create_the_token_file() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!token_file(&env).exists());
    assert!(!env.path("config/figma-auth/tokens").exists());
}

#[test]
fn every_refresh_and_login_keeps_an_existing_token_file_current() {
    let env = TestEnv::new();
    env.login();
    create(&env, "old-token");
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    let p = token_file(&env);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        env.stored_access_token()
    );
    assert_eq!(file_mode(&p), 0o600);

    // A refresh made by `header` (helper mode) updates it too.
    env.expire_in(30);
    let out = env.run(&["header"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        env.stored_access_token()
    );

    // Nothing to refresh: the file is not rewritten.
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = env.run(&["refresh"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);

    // A new login replaces it.
    env.login();
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        env.stored_access_token()
    );
    let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn a_token_file_that_cannot_be_written_warns_without_failing_the_refresh() {
    let env = TestEnv::new();
    env.login();
    // A directory in the file's place cannot be replaced by a file.
    std::fs::create_dir_all(token_file(&env)).unwrap();
    let out = env.run(&["refresh", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("could not update the token file"),
        "{out:?}"
    );
    assert!(out.stderr.contains("tokens/default.token"), "{out:?}");
    assert!(
        out.stderr.contains("is a directory, not a regular file"),
        "{out:?}"
    );
    assert!(out.stderr.contains("figma-auth refresh --force"), "{out:?}");
    assert!(env
        .server
        .refresh_token_is_current(&env.stored_refresh_token()));
}
