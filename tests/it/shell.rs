//! `completions` and `man`: generated from the clap definitions, non-empty, naming every
//! command, and usable without a HOME.

use crate::support::*;
use std::process::Command;

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
fn the_bash_completion_script_parses() {
    let Ok(bash) = which("bash") else { return };
    let script = bare(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("figma-auth.bash");
    std::fs::write(&p, script).unwrap();
    let o = Command::new(bash).arg("-n").arg(&p).output().unwrap();
    assert!(o.status.success(), "{o:?}");
}

/// What bash's completion offers for `words` (the last one being completed), with the script
/// `figma-auth completions bash` printed loaded into bash itself and the function it registered
/// for `figma-auth` called as bash calls it.
fn bash_complete(bash: &std::path::Path, script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect();
    let program = format!(
        r#"source '{script}'
f=$(complete -p figma-auth | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$f" ] || {{ echo "no completion registered" >&2; exit 1; }}
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
cur="${{COMP_WORDS[COMP_CWORD]}}"
prev="${{COMP_WORDS[COMP_CWORD-1]}}"
"$f" figma-auth "$cur" "$prev"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        script = script.display(),
        words = quoted.join(" ")
    );
    let o = Command::new(bash)
        .arg("--norc")
        .arg("-c")
        .arg(program)
        .env_clear()
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_options_and_values() {
    let Ok(bash) = which("bash") else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("figma-auth.bash");
    std::fs::write(&script, bare(&["completions", "bash"]).stdout).unwrap();
    let complete = |words: &[&str]| bash_complete(&bash, &script, words);

    assert_eq!(complete(&["figma-auth", "se"]), ["setup"]);
    assert_eq!(complete(&["figma-auth", "schedule", "in"]), ["install"]);
    // Options and values after a subcommand (what a hyphenated binary name broke).
    assert_eq!(complete(&["figma-auth", "setup", "--sco"]), ["--scope"]);
    assert_eq!(
        complete(&["figma-auth", "setup", "--sc"]),
        ["--schedule", "--scope"]
    );
    assert_eq!(
        complete(&["figma-auth", "setup", "--scope", ""]),
        ["user", "project", "local"]
    );
    assert_eq!(
        complete(&["figma-auth", "setup", "--mode", ""]),
        ["inline", "helper", "file", "env", "proxy"]
    );
    assert!(complete(&["figma-auth", "refresh", "--target", "op"]) == ["opencode"]);
    assert_eq!(
        complete(&["figma-auth", "schedule", "install", "--backend", "sy"]),
        ["systemd"]
    );
    assert!(complete(&["figma-auth", "doctor", "--"]).contains(&"--online".to_string()));
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
