//! `completions` and `man`: generated from the clap definitions, non-empty, naming every
//! command, and usable without a HOME.

use crate::support::*;
use std::process::{Command, Stdio};

/// The commands a user should find in every script and in the man page.
const COMMANDS: &[&str] = &[
    "setup",
    "login",
    "status",
    "refresh",
    "token",
    "logout",
    "header",
    "env",
    "doctor",
    "completions",
    "man",
];

/// Runs the binary with an empty environment (no HOME): these commands need none.
fn bare(args: &[&str]) -> Out {
    let o = Command::new(BIN)
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn completions_for_each_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = bare(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {out:?}");
        assert!(out.stdout.len() > 500, "{shell}: {out:?}");
        assert!(out.stderr.is_empty(), "{shell}: {out:?}");
        for c in COMMANDS {
            assert!(out.stdout.contains(c), "{shell} script lacks {c}");
        }
        // Options of the new commands are completed too.
        for opt in ["online", "json", "shell", "min-valid"] {
            assert!(out.stdout.contains(opt), "{shell} script lacks {opt}");
        }
    }
    let out = bare(&["completions", "tcsh"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn the_bash_script_parses() {
    let Ok(bash) = which("bash") else { return };
    let script = bare(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("figma-auth.bash");
    std::fs::write(&p, script).unwrap();
    let o = Command::new(bash).arg("-n").arg(&p).output().unwrap();
    assert!(o.status.success(), "{o:?}");
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

#[test]
fn man_pages_are_roff_and_name_the_commands() {
    let out = bare(&["man"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(".TH figma-auth 1"), "{out:?}");
    assert!(out.stdout.contains(".SH SYNOPSIS"), "{out:?}");
    for c in COMMANDS {
        assert!(
            out.stdout
                .contains(&format!("figma\\-auth\\-{}", c.replace('-', "\\-")))
                || out.stdout.contains(&format!("\\fB{c}\\fR")),
            "the man page lacks {c}"
        );
    }
    let out = bare(&["man", "doctor"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(".TH figma-auth-doctor 1"), "{out:?}");
    assert!(
        out.stdout.contains("\\fBfigma\\-auth doctor\\fR"),
        "{out:?}"
    );
    assert!(out.stdout.contains("\\-\\-online"), "{out:?}");
    let out = bare(&["man", "nope"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no command named \"nope\""), "{out:?}");
    assert!(out.stderr.contains("doctor"), "{out:?}");
}
