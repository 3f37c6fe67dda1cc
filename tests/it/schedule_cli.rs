//! `figma-auth schedule` through the real binary: without systemd it falls back to a crontab
//! entry (a fake `crontab` on PATH keeps the table in a file), and the installed command line
//! works with cron's minimal environment (`env -i HOME=… PATH=/usr/bin:/bin`).

use crate::support::{Out, TestEnv};
use std::fs;
use std::process::{Command, Stdio};

fn out(o: std::process::Output) -> Out {
    o.into()
}

#[cfg(unix)]
#[test]
fn install_falls_back_to_cron_and_the_entry_runs_under_a_minimal_environment() {
    let mut env = TestEnv::new();
    env.login();
    // A PATH with a fake crontab and no systemd user manager.
    env.use_fake_crontab();
    fs::write(
        env.path("cronstate/crontab"),
        "# user's own line\n0 5 * * * /usr/bin/true\n",
    )
    .unwrap();
    let home = env.path("home");

    // Preview first: nothing installed.
    let o = out(env
        .command(&["schedule", "install"])
        .current_dir(&home)
        .stdin(Stdio::null())
        .output()
        .unwrap());
    env.assert_no_leak(&o, false);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(!fs::read_to_string(env.path("cronstate/crontab"))
        .unwrap()
        .contains("figma-auth"));

    let o = out(env
        .command(&["schedule", "install", "--write"])
        .current_dir(&home)
        .stdin(Stdio::null())
        .output()
        .unwrap());
    env.assert_no_leak(&o, false);
    assert_eq!(o.code, 0, "{o:?}");
    let table = fs::read_to_string(env.path("cronstate/crontab")).unwrap();
    assert!(
        table.starts_with("# user's own line\n0 5 * * * /usr/bin/true\n"),
        "{table}"
    );
    let ours: Vec<&str> = table.lines().filter(|l| l.contains("figma-auth")).collect();
    assert_eq!(ours.len(), 1, "{table}");
    let line = ours[0];
    assert!(line.contains("refresh --write"), "{line}");
    for secret in env.server.secrets() {
        assert!(!table.contains(&secret), "secret in the crontab");
    }

    // Run the scheduled command the way cron does: `sh -c` with a minimal environment, after
    // the token got close to expiry, so it must refresh against the stored token endpoint.
    let command = line.splitn(6, ' ').nth(5).unwrap();
    env.set_expires_at("2000-01-01T00:00:00Z");
    let before = env.stored_access_token();
    let o = out(Command::new("/usr/bin/env")
        .args([
            "-i",
            &format!("HOME={}", home.display()),
            "PATH=/usr/bin:/bin",
            "sh",
            "-c",
            command,
        ])
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .unwrap());
    env.assert_no_leak(&o, false);
    assert_eq!(o.code, 0, "{o:?}\n{command}");
    assert_ne!(
        env.stored_access_token(),
        before,
        "the scheduled run refreshed the token"
    );
    let log = fs::read_to_string(env.path("state/figma-auth/refresh.log")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains("profile=default exit=0 token refreshed"),
        "{log}"
    );

    // status reads back what install wrote; remove takes only our line away.
    let o = out(env
        .command(&["schedule", "status"])
        .current_dir(&home)
        .stdin(Stdio::null())
        .output()
        .unwrap());
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("cron"), "{o:?}");
    let o = out(env
        .command(&["schedule", "remove", "--write"])
        .current_dir(&home)
        .stdin(Stdio::null())
        .output()
        .unwrap());
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(
        fs::read_to_string(env.path("cronstate/crontab")).unwrap(),
        "# user's own line\n0 5 * * * /usr/bin/true\n"
    );
}

/// A profile name that can log in can be scheduled: `_work` (the store's rule allows a leading
/// `_`) logs in, is installed in the crontab under its own marker, and `schedule status` and
/// `remove` find it.
#[cfg(unix)]
#[test]
fn a_profile_that_logs_in_can_be_scheduled_alike() {
    let mut env = TestEnv::new();
    env.login_with(&[
        "--profile",
        "_work",
        "login",
        "--port",
        "0",
        "--timeout",
        "90s",
    ]);
    assert!(env.store("_work").unwrap()["token"].is_object());
    env.use_fake_crontab();
    let o = env.run(&["--profile", "_work", "schedule", "install", "--write"]);
    env.assert_no_leak(&o, false);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout
            .contains("check it with `figma-auth schedule status --profile _work`"),
        "{o:?}"
    );
    let table = env.crontab().unwrap();
    let ours: Vec<&str> = table.lines().filter(|l| l.contains("figma-auth")).collect();
    assert_eq!(ours.len(), 1, "{table}");
    assert!(
        ours[0].ends_with("# figma-auth schedule profile=_work"),
        "{table}"
    );
    assert!(ours[0].contains(" --profile _work "), "{table}");

    let o = env.run(&["--profile", "_work", "schedule", "status"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("Profile: _work"), "{o:?}");
    let o = env.run(&["--profile", "_work", "schedule", "remove", "--write"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(!env.crontab().unwrap().contains("figma-auth"));
}
