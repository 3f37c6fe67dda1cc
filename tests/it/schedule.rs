//! `figma-auth schedule`, end to end through the library: a temp HOME, fake `systemctl`,
//! `launchctl`, `crontab` and `id` on a private PATH that record their argv and keep their state
//! in files, and a stand-in figma-auth binary that records how it was run. Nothing here touches
//! the real crontab, systemd or launchd.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::write_exec;
use clap::Parser;
use figma_auth::app::Context;
use figma_auth::cli::{GlobalArgs, ScheduleArgs, ScheduleCommand};
use figma_auth::error::Error;
use figma_auth::oauth::Url;
use figma_auth::paths::Env;
use figma_auth::schedule::{self, append_run_log, format_run_log_line, Os};
use figma_auth::ui::Ui;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: ScheduleCommand,
}

const PRELUDE: &str = r#"#!/bin/sh
PATH=/usr/bin:/bin
D="$(dirname "$0")/../fakestate"
printf '%s\n' "$(basename "$0") $*" >> "$D/calls.log"
"#;

const FAKE_CRONTAB: &str = r#"
case "$1" in
  -l) if [ -f "$D/crontab" ]; then cat "$D/crontab"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) if [ -f "$D/crontab-readonly" ]; then cat >/dev/null; echo "crontab: cannot write: permission denied" >&2; exit 1; fi
     cat > "$D/crontab" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 2 ;;
esac
"#;

const FAKE_SYSTEMCTL: &str = r#"
[ "$1" = "--user" ] || { echo "expected --user" >&2; exit 2; }
shift
case "$1" in
  show-environment) if [ -f "$D/systemd-down" ]; then echo "Failed to connect to bus: No medium found" >&2; exit 1; fi; echo "HOME=/x" ;;
  daemon-reload) ;;
  is-enabled) if [ -f "$D/enabled-$2" ]; then echo enabled; else echo disabled; exit 1; fi ;;
  is-active) if [ -f "$D/active-$2" ]; then echo active; else echo inactive; exit 3; fi ;;
  enable) shift; if [ "$1" = "--now" ]; then shift; touch "$D/active-$1"; fi; touch "$D/enabled-$1" ;;
  disable) shift; if [ "$1" = "--now" ]; then shift; rm -f "$D/active-$1"; fi; rm -f "$D/enabled-$1" ;;
  restart) touch "$D/active-$2" ;;
  *) echo "unknown verb $1" >&2; exit 2 ;;
esac
"#;

const FAKE_LAUNCHCTL: &str = r#"
key() { echo "$1" | tr / _; }
case "$1" in
  print) [ -f "$D/loaded-$(key "$2")" ] || { echo "Could not find service \"$2\"" >&2; exit 113; }; echo "state = waiting" ;;
  bootstrap) touch "$D/loaded-$(key "$2/$(basename "$3" .plist)")" ;;
  bootout) [ -f "$D/loaded-$(key "$2")" ] || { echo "Boot-out failed: 3: No such process" >&2; exit 3; }; rm -f "$D/loaded-$(key "$2")" ;;
  *) exit 2 ;;
esac
"#;

const FAKE_ID: &str = "[ \"$1\" = \"-u\" ] && echo 501\n";

const FAKE_LOGINCTL: &str = r#"
[ "$1" = "show-user" ] && [ "$3" = "--property=Linger" ] || { echo "unexpected: $*" >&2; exit 2; }
if [ -f "$D/linger-$2" ]; then echo "Linger=yes"; else echo "Linger=no"; fi
"#;

/// The stand-in figma-auth: records argv (one per line) and its environment. Uses absolute
/// paths only, like the real binary needs no PATH.
const STANDIN: &str = r#"#!/bin/sh
D="$(/usr/bin/dirname "$0")/../fakestate"
/usr/bin/env > "$D/standin-env"
: > "$D/standin-argv"
for a in "$@"; do printf '%s\n' "$a" >> "$D/standin-argv"; done
echo "noise on stdout"
echo "noise on stderr" >&2
"#;

struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    exe: PathBuf,
}

impl World {
    /// A world with the given fake programs on PATH.
    fn new(fakes: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("the home");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(root.join("fakestate")).unwrap();
        fs::create_dir_all(root.join("fakebin")).unwrap();
        let exe = root.join("my tools 100%").join("figma-auth");
        write_exec(&exe, STANDIN);
        let w = World {
            _dir: dir,
            root,
            home,
            exe,
        };
        for name in fakes {
            w.fake(name);
        }
        w
    }

    fn fake(&self, name: &str) {
        let body = match name {
            "crontab" => FAKE_CRONTAB,
            "systemctl" => FAKE_SYSTEMCTL,
            "launchctl" => FAKE_LAUNCHCTL,
            "id" => FAKE_ID,
            "loginctl" => FAKE_LOGINCTL,
            other => panic!("no fake {other}"),
        };
        write_exec(
            &self.root.join("fakebin").join(name),
            &format!("{PRELUDE}{body}"),
        );
    }

    fn state(&self, name: &str) -> PathBuf {
        self.root.join("fakestate").join(name)
    }

    fn ctx(&self, os: Os) -> Context {
        self.ctx_in(
            os,
            Env::new(self.home.clone(), self.home.clone(), BTreeMap::new()),
        )
    }

    fn ctx_in(&self, os: Os, env: Env) -> Context {
        let (ui, _) = Ui::test();
        let mut ctx = Context::new(env, GlobalArgs::default(), ui);
        ctx.exe = Some(self.exe.clone());
        ctx.search_path = Some(self.root.join("fakebin").into_os_string());
        ctx.os = os;
        ctx
    }

    /// Runs `schedule ARGS` in-process; stdout is returned, stderr is not a terminal. A failure
    /// is the error's message.
    fn run_with(&self, ctx: &Context, args: &[&str]) -> Result<(u8, String), String> {
        self.run_answering(ctx, args, None)
            .map(|(code, out, _)| (code, out))
    }

    /// [`World::run_with`] on a terminal that answers the one question with `answer` (when
    /// given); returns the exit code, stdout and stderr.
    fn run_answering(
        &self,
        ctx: &Context,
        args: &[&str],
        answer: Option<&str>,
    ) -> Result<(u8, String, String), String> {
        let mut argv = vec!["schedule"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).unwrap();
        let mut ctx = ctx.clone();
        let (mut ui, seen) = Ui::test();
        if let Some(answer) = answer {
            ui = ui.with_input(&[answer]);
            ui.stdin_tty = true;
            ui.stderr_tty = true;
        }
        ctx.ui = ui;
        let code = figma_auth::commands::schedule::run(&ctx, &ScheduleArgs { command: cli.cmd })
            .map_err(|e: Error| e.to_string())?;
        Ok((code, seen.out(), seen.err()))
    }

    fn run(&self, os: Os, args: &[&str]) -> (u8, String) {
        self.run_with(&self.ctx(os), args).unwrap()
    }

    /// The fake programs' calls so far, and forget them.
    fn take_calls(&self) -> Vec<String> {
        let path = self.state("calls.log");
        let text = fs::read_to_string(&path).unwrap_or_default();
        let _ = fs::remove_file(&path);
        text.lines().map(str::to_string).collect()
    }

    fn crontab(&self) -> Option<String> {
        fs::read_to_string(self.state("crontab")).ok()
    }

    fn unit(&self, suffix: &str) -> PathBuf {
        self.home
            .join(".config/systemd/user")
            .join(format!("figma-auth-refresh-default.{suffix}"))
    }

    fn plist(&self) -> PathBuf {
        self.home
            .join("Library/LaunchAgents/figma-auth.refresh.default.plist")
    }
}

const USER_TABLE: &str = "MAILTO=me@example.com\n# my backups\n0 1 * * * /usr/bin/backup --all\n";

fn marked_lines(table: &str) -> Vec<&str> {
    table
        .lines()
        .filter(|l| l.contains("# figma-auth schedule profile="))
        .collect()
}

#[test]
fn without_systemctl_install_falls_back_to_cron_and_keeps_the_users_lines() {
    let w = World::new(&["crontab"]);
    fs::write(w.state("crontab"), USER_TABLE).unwrap();

    // Preview: no TTY, no --write.
    let (code, out) = w.run(Os::Linux, &["install"]);
    assert_eq!(code, 0);
    assert!(out.contains("every 30m with the crontab"), "{out}");
    assert!(
        out.contains("1. replace the crontab: crontab - (new table on stdin)"),
        "{out}"
    );
    assert!(out.contains("+*/30 * * * * HOME="), "{out}");
    assert!(
        out.contains("Re-run with --write to apply: figma-auth schedule install --write"),
        "{out}"
    );
    assert_eq!(
        w.crontab().unwrap(),
        USER_TABLE,
        "the preview changed nothing"
    );
    assert_eq!(w.take_calls(), ["crontab -l"]);

    // Apply.
    let (code, out) = w.run(Os::Linux, &["install", "--write"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Installed."), "{out}");
    let table = w.crontab().unwrap();
    assert!(table.starts_with(USER_TABLE), "{table}");
    let ours = marked_lines(&table);
    assert_eq!(ours.len(), 1, "{table}");
    assert_eq!(table.lines().count(), USER_TABLE.lines().count() + 1);
    let line = ours[0];
    let exe = w.exe.display().to_string().replace('%', "\\%");
    assert!(line.starts_with("*/30 * * * * HOME='"), "{line}");
    assert!(
        line.contains(&format!(
            "'{exe}' refresh --write --profile default --log >/dev/null 2>&1"
        )),
        "{line}"
    );
    assert!(
        line.ends_with("# figma-auth schedule profile=default"),
        "{line}"
    );
    assert_eq!(w.take_calls(), ["crontab -l", "crontab -l", "crontab -"]);

    // Installing twice changes nothing.
    let (code, out) = w.run(Os::Linux, &["install", "--write"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Already installed; nothing to change."),
        "{out}"
    );
    assert_eq!(w.crontab().unwrap(), table);
    assert_eq!(w.take_calls(), ["crontab -l"]);

    // A new interval replaces our line in place.
    let (_, out) = w.run(Os::Linux, &["install", "--write", "--every", "45m"]);
    assert!(
        out.contains("cron cannot run every 45m evenly; using every 30m"),
        "{out}"
    );
    assert!(out.contains("Already installed"), "{out}");
    w.run(Os::Linux, &["install", "--write", "--every", "2h"]);
    let table2 = w.crontab().unwrap();
    assert_eq!(marked_lines(&table2).len(), 1);
    assert!(
        marked_lines(&table2)[0].starts_with("0 */2 * * * "),
        "{table2}"
    );

    // Another profile's line and a user line added after ours survive removal.
    let other = "*/5 * * * * /x refresh # figma-auth schedule profile=work\n";
    fs::write(
        w.state("crontab"),
        format!("{table2}{other}0 3 * * * late-job\n"),
    )
    .unwrap();
    w.take_calls();
    let (code, out) = w.run(Os::Linux, &["remove"]);
    assert_eq!(code, 0);
    assert!(out.contains("-0 */2 * * * HOME="), "{out}");
    assert!(out.contains("figma-auth schedule remove --write"), "{out}");
    let (code, out) = w.run(Os::Linux, &["remove", "--write"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        w.crontab().unwrap(),
        format!("{USER_TABLE}{other}0 3 * * * late-job\n")
    );
    let (_, out) = w.run(Os::Linux, &["remove", "--write"]);
    assert!(out.contains("nothing to remove"), "{out}");
}

#[test]
fn no_crontab_yet_is_an_empty_table() {
    let w = World::new(&["crontab"]);
    let (code, out) = w.run(Os::Linux, &["install", "--write", "--every", "15m"]);
    assert_eq!(code, 0, "{out}");
    let table = w.crontab().unwrap();
    assert_eq!(table.lines().count(), 1);
    assert!(table.starts_with("*/15 * * * * "), "{table}");
    assert!(table.ends_with('\n'));
}

#[test]
fn an_unusable_systemd_falls_back_to_cron() {
    let w = World::new(&["crontab", "systemctl"]);
    fs::write(w.state("systemd-down"), "").unwrap();
    let (_, out) = w.run(Os::Linux, &["install", "--write"]);
    assert!(out.contains("with the crontab"), "{out}");
    assert_eq!(marked_lines(&w.crontab().unwrap()).len(), 1);
    assert!(!w.unit("timer").exists());
}

/// What cron does with our line: cut the five schedule fields, turn `\%` into `%`, and run the
/// rest with `/bin/sh -c` in a bare environment.
#[test]
fn the_cron_command_runs_under_a_bare_environment() {
    let w = World::new(&["crontab"]);
    w.run(Os::Linux, &["install", "--write"]);
    let table = w.crontab().unwrap();
    let line = marked_lines(&table)[0].to_string();
    let command: String = line.splitn(6, ' ').nth(5).unwrap().to_string();
    let command = command.replace("\\%", "%");
    let status = Command::new("/usr/bin/env")
        .args([
            "-i",
            "HOME=/nonexistent-cron-home",
            "PATH=/usr/bin:/bin",
            "/bin/sh",
            "-c",
        ])
        .arg(&command)
        .status()
        .unwrap();
    assert!(status.success());
    let argv = fs::read_to_string(w.state("standin-argv")).unwrap();
    assert_eq!(argv, "refresh\n--write\n--profile\ndefault\n--log\n");
    let env = fs::read_to_string(w.state("standin-env")).unwrap();
    // HOME comes from the line, not from cron's environment.
    assert!(
        env.lines()
            .any(|l| l == format!("HOME={}", w.home.display())),
        "{env}"
    );
    assert!(env.lines().any(|l| l == "PATH=/usr/bin:/bin"), "{env}");
}

#[test]
fn systemd_backend_writes_units_and_enables_the_timer() {
    let w = World::new(&["crontab", "systemctl"]);
    let (code, out) = w.run(Os::Linux, &["install"]);
    assert_eq!(code, 0);
    assert!(out.contains("with the systemd user timer"), "{out}");
    assert!(
        out.contains("1. create ~/.config/systemd/user/figma-auth-refresh-default.service"),
        "{out}"
    );
    assert!(out.contains("+OnUnitActiveSec=30min"), "{out}");
    assert!(out.contains("run: systemctl --user daemon-reload"), "{out}");
    assert!(
        out.contains("run: systemctl --user enable --now figma-auth-refresh-default.timer"),
        "{out}"
    );
    assert!(!w.unit("service").exists());
    w.take_calls();

    let (code, out) = w.run(Os::Linux, &["install", "--write"]);
    assert_eq!(code, 0, "{out}");
    let service = fs::read_to_string(w.unit("service")).unwrap();
    let exe = w.exe.display().to_string().replace('%', "%%");
    assert!(
        service.contains(&format!(
            "\nExecStart=\"{exe}\" refresh --write --profile default --log\n"
        )),
        "{service}"
    );
    let home = w.home.display().to_string();
    assert!(
        service.contains(&format!("\nEnvironment=\"HOME={home}\"\n")),
        "{service}"
    );
    assert!(service.contains("\nType=oneshot\n"));
    let timer = fs::read_to_string(w.unit("timer")).unwrap();
    assert!(timer.contains("\nOnUnitActiveSec=30min\n"), "{timer}");
    assert!(timer.contains("\nWantedBy=timers.target\n"), "{timer}");
    let calls = w.take_calls();
    assert_eq!(
        calls,
        [
            "systemctl --user show-environment",
            "systemctl --user is-enabled figma-auth-refresh-default.timer",
            "systemctl --user is-active figma-auth-refresh-default.timer",
            "crontab -l",
            "systemctl --user daemon-reload",
            "systemctl --user enable --now figma-auth-refresh-default.timer",
        ]
    );

    systemd_analyze_verify(&w);

    // Idempotent.
    let (_, out) = w.run(Os::Linux, &["install", "--write"]);
    assert!(out.contains("Already installed"), "{out}");
    assert!(!w
        .take_calls()
        .iter()
        .any(|c| c.contains("enable") && !c.contains("is-enabled")));

    // A new interval rewrites the timer and restarts it.
    let (_, out) = w.run(Os::Linux, &["install", "--write", "--every", "45m"]);
    assert!(
        out.contains("update ~/.config/systemd/user/figma-auth-refresh-default.timer"),
        "{out}"
    );
    assert!(
        !out.contains("update ~/.config/systemd/user/figma-auth-refresh-default.service"),
        "the service is unchanged: {out}"
    );
    let calls = w.take_calls();
    assert!(
        calls.contains(&"systemctl --user daemon-reload".to_string()),
        "{calls:?}"
    );
    assert!(
        calls.contains(&"systemctl --user restart figma-auth-refresh-default.timer".to_string())
    );
    assert!(fs::read_to_string(w.unit("timer"))
        .unwrap()
        .contains("OnUnitActiveSec=45min"));

    // Status reads back what install wrote.
    let state_dir = w.home.join(".local/state/figma-auth");
    append_run_log(
        &state_dir,
        &format_run_log_line(SystemTime::now(), "default", 0, "token still fresh"),
    )
    .unwrap();
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Scheduler: systemd user timer (~/.config/systemd/user/figma-auth-refresh-default.timer, active)"), "{out}");
    assert!(out.contains("Interval: every 45m"), "{out}");
    assert!(
        out.contains("refresh --write --profile default --log"),
        "{out}"
    );
    assert!(out.contains(", ok (exit 0): token still fresh"), "{out}");
    assert!(!out.contains("problem:"), "{out}");
    w.take_calls();

    // Remove.
    let (code, out) = w.run(Os::Linux, &["remove", "--write"]);
    assert_eq!(code, 0, "{out}");
    assert!(!w.unit("service").exists() && !w.unit("timer").exists());
    let calls = w.take_calls();
    assert!(
        calls.contains(
            &"systemctl --user disable --now figma-auth-refresh-default.timer".to_string()
        ),
        "{calls:?}"
    );
    assert_eq!(calls.last().unwrap(), "systemctl --user daemon-reload");
    assert!(!w.state("active-figma-auth-refresh-default.timer").exists());
}

#[test]
fn a_systemd_preview_says_whether_lingering_is_on_and_how_to_turn_it_on() {
    let w = World::new(&["systemctl", "id", "loginctl"]);
    let (code, out) = w.run(Os::Linux, &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "note: lingering is off for your user, so the timer runs only while you are logged \
             in; `loginctl enable-linger` keeps it running after you log out"
        ),
        "{out}"
    );
    assert!(
        w.take_calls()
            .contains(&"loginctl show-user 501 --property=Linger".to_string()),
        "asked for the user's own id"
    );
    fs::write(w.state("linger-501"), "").unwrap();
    let (_, out) = w.run(Os::Linux, &["install"]);
    assert!(
        out.contains(
            "note: lingering is on for your user, so the timer also runs while you are logged out"
        ),
        "{out}"
    );
    assert!(!out.contains("enable-linger"), "{out}");

    // No loginctl to ask: the preview says so, and how lingering is turned on.
    let w = World::new(&["systemctl"]);
    let (_, out) = w.run(Os::Linux, &["install"]);
    assert!(
        out.contains("could not tell whether lingering is on"),
        "{out}"
    );
    assert!(
        out.contains("`loginctl enable-linger` turns it on"),
        "{out}"
    );
}

/// When `systemd-analyze` is installed, systemd's own parser checks the units (it also checks that
/// `ExecStart`'s quoted path with a space and `%%` names the stand-in binary).
fn systemd_analyze_verify(w: &World) {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        eprintln!("systemd-analyze not installed: units checked as text only");
        return;
    };
    let runtime = tempfile::tempdir().unwrap();
    let out = Command::new(analyze)
        .args(["verify", "--user"])
        .arg(w.unit("service"))
        .arg(w.unit("timer"))
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("Failed to initialize manager") {
        eprintln!("systemd-analyze cannot run here: {stderr}");
        return;
    }
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {stderr}"
    );
}

#[test]
fn moving_to_systemd_removes_the_old_cron_line() {
    let w = World::new(&["crontab"]);
    fs::write(w.state("crontab"), USER_TABLE).unwrap();
    w.run(Os::Linux, &["install", "--write"]);
    assert_eq!(marked_lines(&w.crontab().unwrap()).len(), 1);
    w.fake("systemctl");
    let (_, out) = w.run(Os::Linux, &["install", "--write"]);
    assert!(
        out.contains("a schedule for this profile in the crontab is removed"),
        "{out}"
    );
    assert_eq!(w.crontab().unwrap(), USER_TABLE);
    assert!(w.unit("timer").exists());
    let (_, out) = w.run(Os::Linux, &["install", "--write"]);
    assert!(out.contains("Already installed"), "{out}");
}

#[test]
fn launchd_backend_writes_a_valid_plist_and_bootstraps_it() {
    let w = World::new(&["launchctl", "id", "crontab"]);
    let (code, out) = w.run(Os::MacOs, &["install"]);
    assert_eq!(code, 0);
    assert!(out.contains("with the launchd LaunchAgent"), "{out}");
    assert!(out.contains("+\t<key>StartInterval</key>"), "{out}");
    assert!(out.contains("run: launchctl bootstrap gui/501 "), "{out}");
    w.take_calls();

    let (code, out) = w.run(Os::MacOs, &["install", "--write"]);
    assert_eq!(code, 0, "{out}");
    let plist = w.plist();
    let calls = w.take_calls();
    assert_eq!(calls[0], "id -u");
    assert_eq!(
        calls[1],
        "launchctl print gui/501/figma-auth.refresh.default"
    );
    assert_eq!(
        calls.last().unwrap(),
        &format!("launchctl bootstrap gui/501 {}", plist.display())
    );

    // Parsed by Python's plistlib, when available: each argument its own string.
    let py = Command::new("python3")
        .arg("-c")
        .arg(
            "import json, plistlib, sys\n\
             d = plistlib.load(open(sys.argv[1], 'rb'))\n\
             print(json.dumps(d))",
        )
        .arg(&plist)
        .output();
    if let Some(py) = py.ok().filter(|o| o.status.success()) {
        let v: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
        assert_eq!(v["Label"], "figma-auth.refresh.default");
        assert_eq!(
            v["ProgramArguments"],
            serde_json::json!([
                w.exe.display().to_string(),
                "refresh",
                "--write",
                "--profile",
                "default",
                "--log"
            ])
        );
        assert_eq!(v["StartInterval"], 1800);
        assert_eq!(
            v["EnvironmentVariables"]["HOME"],
            w.home.display().to_string()
        );
        assert_eq!(v["RunAtLoad"], true);
    } else {
        eprintln!("python3 with plistlib not available: checking the plist as text only");
    }
    let text = fs::read_to_string(&plist).unwrap();
    assert!(text.contains(&format!(
        "\t\t<string>{}</string>\n\t\t<string>refresh</string>\n",
        w.exe.display()
    )));

    let (_, out) = w.run(Os::MacOs, &["install", "--write"]);
    assert!(out.contains("Already installed"), "{out}");
    w.take_calls();

    // A change boots the old job out before bootstrapping the new one.
    w.run(Os::MacOs, &["install", "--write", "--every", "1h"]);
    let calls = w.take_calls();
    let n = calls.len();
    assert_eq!(
        calls[n - 2],
        "launchctl bootout gui/501/figma-auth.refresh.default"
    );
    assert!(calls[n - 1].starts_with("launchctl bootstrap gui/501 "));

    let (code, out) = w.run(Os::MacOs, &["status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Scheduler: launchd LaunchAgent (~/Library/LaunchAgents/figma-auth.refresh.default.plist, active)"), "{out}");
    assert!(out.contains("Interval: every 1h"), "{out}");
    assert!(out.contains("Last run: none logged yet"), "{out}");

    let (code, _) = w.run(Os::MacOs, &["remove", "--write"]);
    assert_eq!(code, 0);
    assert!(!plist.exists());
    assert!(w
        .take_calls()
        .contains(&"launchctl bootout gui/501/figma-auth.refresh.default".to_string()));
}

#[test]
fn status_explains_what_is_off_and_how_to_fix_it() {
    let w = World::new(&["crontab"]);
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 1);
    assert!(out.contains("problem: no schedule for profile \"default\"\n  fix: figma-auth schedule install --write"), "{out}");

    w.run(Os::Linux, &["install", "--write"]);
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Scheduler: crontab (crontab)"), "{out}");
    assert!(out.contains("Interval: every 30m"), "{out}");

    // A failed run is reported with the command that shows the full error.
    let state_dir = w.home.join(".local/state/figma-auth");
    let now = SystemTime::now();
    append_run_log(
        &state_dir,
        &format_run_log_line(now, "work", 0, "other profile"),
    )
    .unwrap();
    append_run_log(
        &state_dir,
        &format_run_log_line(now, "default", 4, "log in again: invalid_grant"),
    )
    .unwrap();
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("FAILED (exit 4): log in again: invalid_grant"),
        "{out}"
    );
    assert!(out.contains("fix: figma-auth refresh --write"), "{out}");

    // Long silence: the scheduler is not running it.
    append_run_log(
        &state_dir,
        &format_run_log_line(now - Duration::from_secs(6 * 3600), "default", 0, "ok"),
    )
    .unwrap();
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 1);
    assert!(out.contains("problem: no run logged for 6h"), "{out}");

    // The binary is gone.
    fs::remove_file(&w.exe).unwrap();
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "which does not exist (figma-auth was moved, upgraded elsewhere or uninstalled)\n  \
             fix: figma-auth schedule install --write"
        ),
        "{out}"
    );
}

#[test]
fn status_names_a_stopped_systemd_timer() {
    let w = World::new(&["systemctl"]);
    w.run(Os::Linux, &["install", "--write"]);
    fs::remove_file(w.state("active-figma-auth-refresh-default.timer")).unwrap();
    let (code, out) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 1);
    assert!(out.contains("NOT active"), "{out}");
    assert!(
        out.contains("problem: the systemd timer is installed but not active"),
        "{out}"
    );
    // Re-installing starts it again.
    w.take_calls();
    w.run(Os::Linux, &["install", "--write"]);
    assert!(w
        .take_calls()
        .contains(&"systemctl --user enable --now figma-auth-refresh-default.timer".to_string()));
}

#[test]
fn dry_run_and_the_prompt() {
    let w = World::new(&["crontab"]);
    let (_, out) = w.run(Os::Linux, &["install", "--dry-run"]);
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert!(w.crontab().is_none());

    let ctx = w.ctx(Os::Linux);
    let (_, out, err) = w.run_answering(&ctx, &["install"], Some("n")).unwrap();
    assert!(out.contains("Nothing was changed."), "{out}");
    assert_eq!(err, "Apply these changes? [y/N] ");
    assert!(w.crontab().is_none());

    let (_, out, err) = w.run_answering(&ctx, &["install"], Some("y")).unwrap();
    assert!(out.contains("Installed."), "{out}");
    assert_eq!(err, "Apply these changes? [y/N] ");
    assert!(w.crontab().is_some());
}

#[test]
fn failures_name_the_command_and_its_stderr() {
    let w = World::new(&["crontab"]);
    fs::write(w.state("crontab-readonly"), "").unwrap();
    let err = w
        .run_with(&w.ctx(Os::Linux), &["install", "--write"])
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(
            "`crontab -` failed (exit status 1): crontab: cannot write: permission denied"
        ),
        "{msg}"
    );

    let err = w
        .run_with(&w.ctx(Os::Linux), &["install", "--backend", "systemd"])
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`systemctl` was not found on PATH"),
        "{err}"
    );

    let bare = World::new(&[]);
    let err = bare
        .run_with(&bare.ctx(Os::Linux), &["install"])
        .unwrap_err();
    assert!(err.to_string().starts_with("no scheduler found"), "{err}");
}

#[test]
fn non_default_servers_and_locations_reach_the_scheduled_command() {
    let w = World::new(&["crontab"]);
    let mut vars = BTreeMap::new();
    vars.insert(
        "XDG_CONFIG_HOME".to_string(),
        w.root.join("cfg dir").display().to_string(),
    );
    let env = Env::new(w.home.clone(), w.home.clone(), vars);
    let mut ctx = w.ctx_in(Os::Linux, env);
    ctx.global.profile = "work".into();
    ctx.global.auth_server = Some(Url::parse("https://auth.example.test").unwrap());
    ctx.global.mcp_url = Url::parse("https://mcp.example.test/mcp?x=1&y=2").unwrap();
    let (_, out) = w.run_with(&ctx, &["install", "--write"]).unwrap();
    assert!(
        out.contains("Re-run") || out.contains("Installed."),
        "{out}"
    );
    let cmd = schedule::scheduled_command(&ctx).unwrap();
    assert_eq!(
        &cmd.argv[1..],
        [
            "refresh",
            "--write",
            "--profile",
            "work",
            "--log",
            "--auth-server",
            "https://auth.example.test",
            "--mcp-url",
            "https://mcp.example.test/mcp?x=1&y=2"
        ]
    );
    assert!(cmd.env.contains(&(
        "XDG_CONFIG_HOME".into(),
        w.root.join("cfg dir").display().to_string()
    )));
    let table = w.crontab().unwrap();
    assert!(
        table.contains("'https://mcp.example.test/mcp?x=1&y=2'"),
        "{table}"
    );
    assert!(
        table.ends_with("# figma-auth schedule profile=work\n"),
        "{table}"
    );
    // Status for the work profile finds it; the default profile has none.
    let (code, _) = w.run_with(&ctx, &["status"]).unwrap();
    assert_eq!(code, 0);
    let (code, _) = w.run(Os::Linux, &["status"]);
    assert_eq!(code, 1);
}

#[test]
fn the_run_log_appends_one_line_per_call_and_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state/figma-auth");
    append_run_log(&state, "first\nline").unwrap();
    append_run_log(
        &state,
        "second Authorization: Bearer figu_canaryTOKENvalue1234",
    )
    .unwrap();
    let log = state.join("refresh.log");
    let text = fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.starts_with("first line\n"));
    assert!(!text.contains("canaryTOKEN"), "{text}");
    assert_eq!(
        fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(&state).unwrap().permissions().mode() & 0o777,
        0o700
    );

    let big = "x".repeat(100 * 1024);
    for _ in 0..11 {
        append_run_log(&state, &big).unwrap();
    }
    let rotated = state.join("refresh.log.1");
    assert!(rotated.exists());
    assert!(fs::metadata(&log).unwrap().len() <= schedule::log::ROTATE_BYTES);
    assert!(fs::metadata(&rotated).unwrap().len() <= schedule::log::ROTATE_BYTES);
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 1);

    // last_run finds a profile's entry in the rotated file too.
    let d2 = tempfile::tempdir().unwrap();
    append_run_log(
        d2.path(),
        &format_run_log_line(SystemTime::now(), "p", 0, "fine"),
    )
    .unwrap();
    fs::rename(
        d2.path().join("refresh.log"),
        d2.path().join("refresh.log.1"),
    )
    .unwrap();
    append_run_log(
        d2.path(),
        &format_run_log_line(SystemTime::now(), "q", 1, "bad"),
    )
    .unwrap();
    assert_eq!(
        schedule::last_run(d2.path(), "p").unwrap().unwrap().summary,
        "fine"
    );
    assert_eq!(
        schedule::last_run(d2.path(), "q")
            .unwrap()
            .unwrap()
            .exit_code,
        1
    );
    assert!(schedule::last_run(d2.path(), "r").unwrap().is_none());
}

#[test]
fn the_clap_definitions_mount_and_validate() {
    use clap::CommandFactory;
    #[derive(Parser)]
    struct Root {
        #[command(subcommand)]
        cmd: Top,
    }
    #[derive(clap::Subcommand)]
    enum Top {
        Schedule(ScheduleArgs),
    }
    Root::command().debug_assert();
    Cli::command().debug_assert();
    let root =
        Root::try_parse_from(["figma-auth", "schedule", "install", "--every", "1h"]).unwrap();
    let Top::Schedule(args) = root.cmd;
    let ScheduleCommand::Install(install) = args.command else {
        panic!("not install")
    };
    assert_eq!(install.every, Duration::from_secs(3600));
    assert!(!install.write);
    let defaults = Cli::try_parse_from(["s", "install"]).unwrap();
    let ScheduleCommand::Install(install) = defaults.cmd else {
        panic!("not install")
    };
    assert_eq!(install.every, Duration::from_secs(1800));
    assert!(Cli::try_parse_from(["s", "install", "--write", "--dry-run"]).is_err());
    let err = Cli::try_parse_from(["s", "install", "--every", "10s"])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("the shortest interval is 1m"), "{err}");
    assert!(Cli::try_parse_from(["s", "remove", "--backend", "cron", "--write"]).is_ok());
    assert!(Cli::try_parse_from(["s", "status", "--backend", "anacron"]).is_err());
}
