//! Which directories of the credential store must be private: the store and token directories
//! (0700) and the profile file (0600). The configuration directory above them holds no secret —
//! an installer may keep its receipt there in a 0755 directory — so it is judged only by whether
//! other users can write to it (they could replace the directories below).

use crate::support::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;

fn chmod(p: &std::path::Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn line_with<'a>(out: &'a Out, parts: &[&str]) -> &'a str {
    out.stdout
        .lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no line with {parts:?}:\n{}", out.stdout))
}

fn problems(out: &Out) -> Vec<&str> {
    out.stdout
        .lines()
        .filter(|l| l.contains("PROBLEM"))
        .collect()
}

#[test]
fn an_installer_made_config_dir_is_fine_and_the_store_dirs_are_judged() {
    let env = TestEnv::new();
    let base = env.path("config/figma-auth");
    // The shell installer's receipt, in a directory it created 0755 before any login.
    fs::create_dir_all(&base).unwrap();
    chmod(&base, 0o755);
    fs::write(base.join("figma-auth-receipt.json"), "{}").unwrap();
    assert_eq!(env.login().code, 0);
    // Not ours to change; ours are private.
    assert_eq!(file_mode(&base), 0o755);
    assert_eq!(file_mode(&base.join("credentials")), 0o700);
    assert_eq!(file_mode(&env.store_path("default")), 0o600);

    let out = env.run(&["doctor"]);
    assert!(problems(&out).is_empty(), "{out:?}");
    assert!(!out.stdout.contains("other users"), "{out:?}");
    let out = env.run(&["status"]);
    assert!(!out.stdout.contains("other users"), "{out:?}");
    let out = env.run(&["token"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("warning"), "{out:?}");

    // Writable by others: they could swap the store directory for their own.
    chmod(&base, 0o777);
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    line_with(
        &out,
        &[
            "PROBLEM",
            "figma-auth is writable by other users (mode 0777)",
            "run `chmod go-w ",
        ],
    );
    let out = env.run(&["status"]);
    assert!(
        out.stdout
            .contains("figma-auth is writable by other users (mode 0777); run: chmod go-w "),
        "{out:?}"
    );
    chmod(&base, 0o755);

    // The store directory itself must be private.
    chmod(&base.join("credentials"), 0o755);
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    line_with(
        &out,
        &[
            "PROBLEM",
            "credentials is accessible by other users (mode 0755)",
            "run `chmod 700 ",
        ],
    );
    assert_eq!(problems(&out).len(), 1, "{out:?}");
    let out = env.run(&["status"]);
    assert!(
        out.stdout
            .contains("credentials is accessible by other users (mode 0755); run: chmod 700 "),
        "{out:?}"
    );
}

/// `login` and `refresh` make the user's own store and token directories private again (a
/// manual `mkdir` or an installer made them 0755) and say so; the configuration directory above
/// them is not theirs to change.
#[test]
fn login_and_refresh_tighten_the_store_directories_and_say_so() {
    let env = TestEnv::new();
    assert_eq!(env.login().code, 0);
    let base = env.path("config/figma-auth");
    let store = base.join("credentials");
    let tokens = base.join("tokens");
    fs::create_dir_all(&tokens).unwrap();
    for d in [&base, &store, &tokens] {
        chmod(d, 0o755);
    }
    let out = env.run(&["refresh"]);
    assert_eq!(out.code, 0, "{out:?}");
    for d in [&store, &tokens] {
        assert_eq!(file_mode(d), 0o700, "{}", d.display());
        assert!(
            out.stderr.contains(&format!(
                "Made {} private (mode 0755 → 0700): it holds your tokens.",
                d.display()
            )),
            "{out:?}"
        );
    }
    assert_eq!(file_mode(&base), 0o755);
    assert!(!out.stderr.contains("warning"), "{out:?}");
    let out = env.run(&["doctor"]);
    assert!(problems(&out).is_empty(), "{out:?}");
    // Nothing to say when nothing changed.
    let out = env.run(&["refresh"]);
    assert!(!out.stderr.contains("private"), "{out:?}");

    chmod(&store, 0o750);
    let out = env.login();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(file_mode(&store), 0o700);
    assert!(out.stderr.contains("private (mode 0750 → 0700)"), "{out:?}");
}
